package httpapi

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/store"
)

// Request and response bodies. Subjects in requests are strings
// ("user:ID", "group:ID", "everyone") parsed by the handlers, so that a bad
// one is a 422 naming the field.

type loginReq struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	Account  string `json:"account,omitempty"`
	// The second factor, for users who have one (answered mfa_required
	// without it): a TOTP code or a one-time recovery code.
	TOTPCode     string `json:"totp_code,omitempty"`
	RecoveryCode string `json:"recovery_code,omitempty"`
}

type mfaCodeReq struct {
	Code string `json:"code"`
}

type mfaDisableReq struct {
	Code         string `json:"code,omitempty"`
	RecoveryCode string `json:"recovery_code,omitempty"`
}

// recoveryCodesReq confirms new recovery codes with one of the two.
type recoveryCodesReq struct {
	CurrentPassword string `json:"current_password,omitempty"`
	Code            string `json:"code,omitempty"`
}

type loginResp struct {
	User      domain.User `json:"user"`
	CSRFToken string      `json:"csrf_token"`
	ExpiresAt time.Time   `json:"expires_at"`
}

type meResp struct {
	User domain.User `json:"user"`
	// EffectiveRoles and CustomRoles are the built-in and custom roles
	// held directly and through groups; Permissions the account
	// permissions they give.
	EffectiveRoles []string          `json:"effective_roles"`
	CustomRoles    []service.RoleRef `json:"custom_roles"`
	Permissions    []string          `json:"permissions"`
	Revision       string            `json:"revision"`
}

type permissionList struct {
	Permissions []service.PermissionInfo `json:"permissions"`
}

type roleCreate struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions"`
}

type rolePatch struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Permissions *[]string `json:"permissions,omitempty"`
}

type passwordReq struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

type adminPasswordReq struct {
	Password string `json:"password"`
}

// resetReq asks for a password reset mail: login is a username or an
// email; email is the same, for clients that name the field so.
type resetReq struct {
	Login string `json:"login,omitempty"`
	Email string `json:"email,omitempty"`
}

// acceptedResp is the one answer to every well-formed reset request.
type acceptedResp struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

type resetConfirmReq struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

type verifyEmailReq struct {
	Token string `json:"token"`
}

type tokenReq struct {
	Name          string `json:"name"`
	ExpiresInDays int    `json:"expires_in_days,omitempty"`
	// Scopes: read, write, admin; absent means every scope you may give.
	Scopes []string `json:"scopes,omitempty"`
}

type tokenList struct {
	Tokens []store.Token `json:"tokens"`
}

type sessionList struct {
	Sessions []service.SessionInfo `json:"sessions"`
}

type accountPatch struct {
	Name *string `json:"name,omitempty"`
}

type userCreate struct {
	Username    string            `json:"username"`
	Email       string            `json:"email"`
	DisplayName string            `json:"display_name,omitempty"`
	Password    string            `json:"password,omitempty"`
	Status      string            `json:"status,omitempty"`
	Roles       []string          `json:"roles,omitempty"`
	CustomRoles []string          `json:"custom_roles,omitempty"` // custom role ids
	Access      []string          `json:"access,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
}

type userPatch struct {
	Email       *string            `json:"email,omitempty"`
	DisplayName *string            `json:"display_name,omitempty"`
	Status      *string            `json:"status,omitempty"`
	Roles       *[]string          `json:"roles,omitempty"`
	CustomRoles *[]string          `json:"custom_roles,omitempty"`
	Access      *[]string          `json:"access,omitempty"`
	Fields      *map[string]string `json:"fields,omitempty"`
	// Reason says why the status changes; it is kept in the audit log.
	Reason string `json:"reason,omitempty"`
}

type userList struct {
	Users     []domain.User `json:"users"`
	NextAfter string        `json:"next_after,omitempty"`
}

type groupCreate struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Roles       []string `json:"roles,omitempty"`
	CustomRoles []string `json:"custom_roles,omitempty"` // custom role ids
	Members     []string `json:"members,omitempty"`
}

type groupPatch struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Roles       *[]string `json:"roles,omitempty"`
	CustomRoles *[]string `json:"custom_roles,omitempty"`
}

type groupList struct {
	Groups []domain.Group `json:"groups"`
}

type grantIn struct {
	Subject string `json:"subject"`
	Role    string `json:"role"`
}

type roleReq struct {
	Role string `json:"role"`
}

type namePatch struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

type tierCreate struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Grants      []grantIn `json:"grants,omitempty"`
}

type tierList struct {
	Tiers []domain.Tier `json:"tiers"`
}

type workspaceCreate struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Tier        string    `json:"tier,omitempty"`
	Members     []grantIn `json:"members,omitempty"`
}

type workspacePatch struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Tier        *string `json:"tier,omitempty"`
}

type workspaceList struct {
	Workspaces []domain.Workspace `json:"workspaces"`
}

type aclEntryIn struct {
	Subject     string   `json:"subject"`
	Permissions []string `json:"permissions"`
}

type collectionCreate struct {
	Workspace   string        `json:"workspace"`
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	ACL         *[]aclEntryIn `json:"acl,omitempty"`
}

type collectionList struct {
	Collections []domain.Collection `json:"collections"`
	NextCursor  string              `json:"next_cursor"`
	Total       int                 `json:"total"`
	Revision    string              `json:"revision"`
}

type recordCreate struct {
	Workspace   string            `json:"workspace"`
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Keywords    []string          `json:"keywords,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
	MediaType   string            `json:"media_type,omitempty"`
	ACL         *[]aclEntryIn     `json:"acl,omitempty"`
}

type recordPatch struct {
	Title       *string            `json:"title,omitempty"`
	Description *string            `json:"description,omitempty"`
	Keywords    *[]string          `json:"keywords,omitempty"`
	Fields      *map[string]string `json:"fields,omitempty"`
	MediaType   *string            `json:"media_type,omitempty"`
}

type recordList struct {
	Records    []domain.Record `json:"records"`
	NextCursor string          `json:"next_cursor"`
	Total      int             `json:"total"`
	Revision   string          `json:"revision"`
}

type mediaCreate struct {
	MediaType string        `json:"media_type"`
	Filename  string        `json:"filename,omitempty"`
	ACL       *[]aclEntryIn `json:"acl,omitempty"`
}

type mediaPatch struct {
	MediaType *string `json:"media_type,omitempty"`
	Filename  *string `json:"filename,omitempty"`
}

type mediaList struct {
	Media      []domain.Media `json:"media"`
	NextCursor string         `json:"next_cursor,omitempty"`
	Total      int            `json:"total"`
	Revision   string         `json:"revision,omitempty"`
}

type aclReq struct {
	Entries []aclEntryIn `json:"entries"`
}

// entriesRequired rejects a missing or null "entries": an empty ACL must be
// asked for as [], never be the result of a forgotten field.
func entriesRequired(entries []aclEntryIn) error {
	if entries == nil {
		return &httpError{status: 422, code: "validation_failed", field: "entries", msg: "entries is required; send [] to empty the ACL"}
	}
	return nil
}

type aclResp struct {
	Entries  []domain.ACLEntry `json:"entries"`
	Revision string            `json:"revision,omitempty"`
}

type defaultACLs struct {
	Record     []domain.ACLEntry `json:"record"`
	Media      []domain.ACLEntry `json:"media"`
	Collection []domain.ACLEntry `json:"collection"`
}

type batchReq struct {
	Type    string       `json:"type"`
	Op      string       `json:"op"`
	IDs     []string     `json:"ids"`
	Entries []aclEntryIn `json:"entries"`
	DryRun  bool         `json:"dry_run,omitempty"`
}

type batchResp struct {
	service.BatchResult
	Revision string `json:"revision"`
}

type checkReq struct {
	Subject    string `json:"subject,omitempty"`
	Permission string `json:"permission"`
	Object     string `json:"object"`
}

type checkResp struct {
	Allowed  bool   `json:"allowed"`
	Revision string `json:"revision"`
}

type objectsResp struct {
	Objects    []string `json:"objects"`
	NextCursor string   `json:"next_cursor"`
	Total      int      `json:"total"`
	Revision   string   `json:"revision"`
}

// AppendJSON writes the listing without reflection (see jsonAppender).
func (r objectsResp) AppendJSON(b []byte) []byte {
	n := 96 + len(r.NextCursor) + len(r.Revision)
	for _, id := range r.Objects {
		n += len(id) + 3
	}
	b = slices.Grow(b, n)
	if r.Objects == nil {
		b = append(b, `{"objects":null`...)
	} else {
		b = append(b, `{"objects":[`...)
		for i, id := range r.Objects {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, id)
		}
		b = append(b, ']')
	}
	b = append(b, `,"next_cursor":`...)
	b = appendJSONString(b, r.NextCursor)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(r.Total), 10)
	b = append(b, `,"revision":`...)
	b = appendJSONString(b, r.Revision)
	return append(b, '}')
}

type explainResp struct {
	authz.Explanation
	Revision string `json:"revision"`
}

type whoResp struct {
	Users    []string `json:"users"`
	Revision string   `json:"revision"`
}

type indexResp struct {
	Name    string `json:"name"`
	API     string `json:"api"`
	OpenAPI string `json:"openapi"`
}

type healthResp struct {
	Status string `json:"status"`
}

// creatorSubject is how default ACLs name the creating user.
var creatorSubject = authz.User(store.DefaultCreator)

func parseSubject(s, field string) (authz.Subject, error) {
	subj, err := authz.ParseSubject(strings.TrimSpace(s))
	if err != nil {
		return subj, &httpError{status: 422, code: "validation_failed", field: field, msg: err.Error()}
	}
	return subj, nil
}

// parseACL converts ACL entries; withCreator admits user:$creator.
func parseACL(in []aclEntryIn, field string, withCreator bool) ([]domain.ACLEntry, error) {
	out := make([]domain.ACLEntry, 0, len(in))
	for _, en := range in {
		var subj authz.Subject
		if withCreator && strings.TrimSpace(en.Subject) == creatorSubject.String() {
			subj = creatorSubject
		} else {
			var err error
			if subj, err = parseSubject(en.Subject, field); err != nil {
				return nil, err
			}
		}
		out = append(out, domain.ACLEntry{Subject: subj, Permissions: en.Permissions})
	}
	return out, nil
}

func parseGrants(in []grantIn, field string) ([]domain.Grant, error) {
	out := make([]domain.Grant, 0, len(in))
	for _, g := range in {
		subj, err := parseSubject(g.Subject, field)
		if err != nil {
			return nil, err
		}
		out = append(out, domain.Grant{Subject: subj, Role: g.Role})
	}
	return out, nil
}

// ---- sign-up and invitations

type signupRulesReq struct {
	Mode             string                     `json:"mode"`
	ApprovalRequired bool                       `json:"approval_required"`
	Domains          []string                   `json:"domains,omitempty"`
	Fields           []domain.RegistrationField `json:"fields,omitempty"`
}

// geoRuleReq replaces an account's geography rule; unknown may be left
// out: an allow-list then refuses unknown locations, a deny-list lets
// them in.
type geoRuleReq struct {
	Mode      string   `json:"mode"`
	Countries []string `json:"countries,omitempty"`
	Unknown   string   `json:"unknown,omitempty"`
}

type signupReq struct {
	Account     string         `json:"account"`
	Username    string         `json:"username"`
	Email       string         `json:"email"`
	DisplayName string         `json:"display_name,omitempty"`
	Password    string         `json:"password"`
	Fields      map[string]any `json:"fields,omitempty"`
}

type invitationReq struct {
	Email         string   `json:"email"`
	Roles         []string `json:"roles,omitempty"`
	Groups        []string `json:"groups,omitempty"`
	ExpiresInDays int      `json:"expires_in_days,omitempty"`
}

type invitationList struct {
	Invitations []store.Invitation `json:"invitations"`
}

type acceptInvitationReq struct {
	Token       string         `json:"token"`
	Username    string         `json:"username"`
	DisplayName string         `json:"display_name,omitempty"`
	Password    string         `json:"password"`
	Fields      map[string]any `json:"fields,omitempty"`
}
