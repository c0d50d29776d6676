// Package store defines Atrium's storage contract: the Reader and Tx
// interfaces every backend (SQLite, PostgreSQL) implements, the sentinel
// errors callers test with errors.Is, and the change log that keeps the
// permission engine in step with committed writes.
//
// Every Update is one transaction. It increases the store's revision by one
// and records, in the same transaction, every permission-relevant entity it
// touched; Changes returns those since a revision, and LoadAuth describes
// entities in the permission engine's terms. A process that keeps an engine
// (there may be several on one database) syncs it by reading, in one
// snapshot, the changes since the engine's revision and the new state of
// those entities.
package store

import (
	"context"
	"errors"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
)

// Sentinel errors. Backends wrap them with context.
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness rule or a reference that must not break
	// (e.g. deleting a group still granted on a workspace).
	ErrConflict = errors.New("conflict")
	// ErrChangesPruned: the change log no longer reaches back to the asked
	// revision; the caller must reload everything.
	ErrChangesPruned = errors.New("change log pruned past the requested revision")
	// ErrSchema: the database schema is newer than this binary or missing.
	ErrSchema = errors.New("unexpected database schema version")
)

// Kind names a kind of entity in the change log.
type Kind string

// Entity kinds of the change log, in the order the engine must receive
// their puts (containers before their content).
const (
	KindAccount    Kind = "account"
	KindRole       Kind = "role" // a custom role
	KindUser       Kind = "user"
	KindGroup      Kind = "group"
	KindTier       Kind = "tier"
	KindWorkspace  Kind = "workspace"
	KindRecord     Kind = "record"
	KindMedia      Kind = "media"
	KindCollection Kind = "collection"
)

// Kinds lists the change-log kinds of the permission engine's entities, in
// dependency order.
var Kinds = []Kind{KindAccount, KindRole, KindUser, KindGroup, KindTier, KindWorkspace, KindRecord, KindMedia, KindCollection}

// Credential kinds in the change log: a revoked token (by id) or a deleted
// session (by id hash), so that every process drops them from its
// authentication cache. LoadAuth ignores them.
const (
	KindToken   Kind = "token"
	KindSession Kind = "session"
)

// Ref names one entity.
type Ref struct {
	Kind Kind
	ID   string
}

// Credentials are what sign-in needs of a user.
type Credentials struct {
	UserID       string
	AccountID    string
	Status       domain.Status
	PasswordHash string // empty: no password set
}

// ACLTuple is one (object, subject, permission) row of an ACL.
type ACLTuple struct {
	Object     string
	Subject    authz.Subject
	Permission string
}

// Session is a signed-in browser session. Only hashes of its secrets are
// stored.
type Session struct {
	IDHash    string
	UserID    string
	CSRFHash  string
	CreatedAt time.Time
	ExpiresAt time.Time
	IP        string
	UserAgent string
}

// Token is a personal API token. Only its hash is stored.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user"`
	Name       string     `json:"name"`
	Hash       string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	// Scopes narrow what the token may do: read, write, admin. A token
	// stored without scopes (nil) has none.
	Scopes []string `json:"scopes"`
}

// TOTP is a user's time-based one-time password factor. Secret is sealed
// by the service: the store never sees it in clear.
type TOTP struct {
	UserID    string
	Secret    string
	CreatedAt time.Time
	// EnabledAt is nil while the enrolment waits for its first code.
	EnabledAt *time.Time
	// LastStep is the last time step a code was accepted for.
	LastStep int64
	// RecoveryCodesLeft counts the unused recovery codes.
	RecoveryCodesLeft int
}

// Purposes of one-time user tokens.
const (
	PurposeVerifyEmail   = "verify_email"
	PurposePasswordReset = "password_reset"
)

// UserToken is a one-time token mailed to a user: only its hash is
// stored. It is used at most once and not after ExpiresAt.
type UserToken struct {
	Hash      string
	UserID    string
	Purpose   string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// Invitation invites an email address to join an account with roles and
// groups. Only the hash of its secret is stored; it is accepted at most
// once, not after ExpiresAt and not once revoked.
type Invitation struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"-"`
	Email      string     `json:"email"`
	Roles      []string   `json:"roles"`
	Groups     []string   `json:"groups"`
	Hash       string     `json:"-"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	AcceptedBy string     `json:"accepted_by,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Status domain.Status // "" for all
	Query  string        // substring of username, email or display name
	After  string        // id to continue after
	Limit  int
	// Role keeps the holders of a built-in role, CustomRole those of a
	// custom role (by id; not both): holding it directly, or as a direct
	// member of a group holding it or nested, at any depth, in one that
	// does. A user's status does not matter.
	Role, CustomRole string
	// Group keeps the direct user members of a group.
	Group string
	// IDs keeps the users with these ids; nil does not filter.
	IDs []string
}

// GroupSummary is a group without its members (Members is empty): how
// many it has instead.
type GroupSummary struct {
	domain.Group
	// Users and Groups count the direct members of each kind.
	Users, Groups int
}

// AuditFilter narrows ListAudit; zero fields do not filter. Events come
// newest first.
type AuditFilter struct {
	Actor, Target, Type string
	From, To            time.Time // From inclusive, To exclusive
	Before              int64     // only events with a smaller id (the cursor)
	Limit               int
}

// Reader is the read side of a store, also available inside transactions.
type Reader interface {
	Revision(ctx context.Context) (uint64, error)
	// Changes returns the distinct entities changed by revisions after
	// `after`, and the current revision.
	Changes(ctx context.Context, after uint64) ([]Ref, uint64, error)
	// LoadAuth calls fn with operations describing the given entities, or
	// every entity when refs is nil. Entities that no longer exist become
	// delete operations. Puts come in dependency order, then deletes in
	// reverse order.
	LoadAuth(ctx context.Context, refs []Ref, fn func(authz.Op) error) error

	GetAccount(ctx context.Context, id string) (domain.Account, error)
	ListAccounts(ctx context.Context) ([]domain.Account, error)
	CountUsers(ctx context.Context, accountID string, status domain.Status) (int, error)
	CountWorkspaces(ctx context.Context, accountID string) (int, error)
	// CountActiveOwners counts the active users holding the owner role.
	CountActiveOwners(ctx context.Context, accountID string) (int, error)

	GetUser(ctx context.Context, id string) (domain.User, error)
	GetUserByUsername(ctx context.Context, accountID, username string) (domain.User, error)
	// GetUsers returns the users with these ids that exist, in any
	// account, in the order of ids: a page naming many users reads them
	// at once.
	GetUsers(ctx context.Context, ids []string) ([]domain.User, error)
	// FindLogin returns the credentials of every user whose username or
	// email (case-insensitively) is login, in any account.
	FindLogin(ctx context.Context, login string) ([]Credentials, error)
	ListUsers(ctx context.Context, accountID string, f UserFilter) ([]domain.User, error)
	// UsersCreatedBefore returns the ids of an account's users of this
	// status created before the time, in id order.
	UsersCreatedBefore(ctx context.Context, accountID string, status domain.Status, before time.Time) ([]string, error)
	// Labels returns how people name the users, groups, tiers and
	// workspaces of an account with these refs (other kinds, and ids of
	// other accounts or of nothing, are absent): one read for a whole
	// page's worth of names.
	Labels(ctx context.Context, accountID string, refs []Ref) (map[Ref]Label, error)
	// ListLabels returns up to limit of an account's active users (the
	// first by username) or its groups (the first by name), kind KindUser
	// or KindGroup, with their labels, sorted by name without case (users
	// by display name, then username): a picker's choices without their
	// members or roles.
	ListLabels(ctx context.Context, accountID string, kind Kind, limit int) ([]Labeled, error)

	GetGroup(ctx context.Context, id string) (domain.Group, error)
	GetBuiltinGroup(ctx context.Context, accountID, builtin string) (domain.Group, error)
	// BuiltinGroupID returns the id of a built-in group without loading
	// its members.
	BuiltinGroupID(ctx context.Context, accountID, builtin string) (string, error)
	ListGroups(ctx context.Context, accountID string) ([]domain.Group, error)
	// ListGroupNames returns an account's groups by name without their
	// members and roles (empty lists): what naming them needs, at a
	// fraction of the cost.
	ListGroupNames(ctx context.Context, accountID string) ([]domain.Group, error)
	// GroupNesting returns, for each group of the account that contains
	// groups, the ids of the groups it contains directly.
	GroupNesting(ctx context.Context, accountID string) (map[string][]string, error)
	// GroupGrants lists the workspaces and tiers granting a role to a group.
	GroupGrants(ctx context.Context, groupID string) ([]Ref, error)
	// ListGroupSummaries lists an account's groups by name with their
	// roles and custom roles and how many direct members of each kind
	// they have, without reading the members.
	ListGroupSummaries(ctx context.Context, accountID string) ([]GroupSummary, error)
	// MemberGroups returns the ids of the groups a user or group is a
	// direct member of, sorted.
	MemberGroups(ctx context.Context, member authz.Subject) ([]string, error)

	// GetCustomRole returns a custom role of any account.
	GetCustomRole(ctx context.Context, id string) (domain.CustomRole, error)
	// ListCustomRoles returns an account's custom roles, by name.
	ListCustomRoles(ctx context.Context, accountID string) ([]domain.CustomRole, error)
	// CustomRoleHolders returns the ids of the users and of the groups
	// holding a custom role directly, each sorted.
	CustomRoleHolders(ctx context.Context, roleID string) (users, groups []string, err error)

	GetTier(ctx context.Context, id string) (domain.Tier, error)
	ListTiers(ctx context.Context, accountID string) ([]domain.Tier, error)

	GetWorkspace(ctx context.Context, id string) (domain.Workspace, error)
	ListWorkspaces(ctx context.Context, accountID string) ([]domain.Workspace, error)
	// WorkspaceContent counts a workspace's records and collections.
	WorkspaceContent(ctx context.Context, id string) (records, collections int, err error)

	GetCollection(ctx context.Context, id string) (domain.Collection, error)
	CollectionRecords(ctx context.Context, id string) ([]string, error)
	GetRecord(ctx context.Context, id string) (domain.Record, error)
	// GetRecords returns the records with these ids that exist, in the
	// order of ids.
	GetRecords(ctx context.Context, ids []string) ([]domain.Record, error)
	GetMedia(ctx context.Context, id string) (domain.Media, error)
	GetMediaMany(ctx context.Context, ids []string) ([]domain.Media, error)
	ListRecordMedia(ctx context.Context, recordID string) ([]domain.Media, error)
	// ListRecordsMedia returns the media of several records at once (a
	// page of search results), each record's oldest first.
	ListRecordsMedia(ctx context.Context, recordIDs []string) ([]domain.Media, error)
	GetCollections(ctx context.Context, ids []string) ([]domain.Collection, error)
	// GetACLs returns the ACLs of the objects of type t with these ids; an
	// object without entries, or that does not exist, is absent.
	GetACLs(ctx context.Context, t authz.ObjectType, ids []string) (map[string][]domain.ACLEntry, error)
	GetDefaultACL(ctx context.Context, accountID string, t authz.ObjectType) ([]domain.ACLEntry, error)

	GetSession(ctx context.Context, idHash string) (Session, error)
	// ListSessions returns a user's sessions, expired ones included,
	// oldest first.
	ListSessions(ctx context.Context, userID string) ([]Session, error)
	GetTokenByHash(ctx context.Context, hash string) (Token, error)
	GetToken(ctx context.Context, id string) (Token, error)
	ListTokens(ctx context.Context, userID string) ([]Token, error)
	// GetUserToken returns a one-time token by the hash of its secret.
	GetUserToken(ctx context.Context, hash string) (UserToken, error)
	// GetTOTP returns a user's TOTP factor, enabled or pending;
	// ErrNotFound if the user has none.
	GetTOTP(ctx context.Context, userID string) (TOTP, error)

	// GetSignupRules returns an account's sign-up rules; ErrNotFound if
	// the account never set any.
	GetSignupRules(ctx context.Context, accountID string) (domain.SignupRules, error)
	// GetGeoRule returns an account's geography rule; ErrNotFound if the
	// account never set one.
	GetGeoRule(ctx context.Context, accountID string) (domain.GeoRule, error)
	GetInvitation(ctx context.Context, id string) (Invitation, error)
	// GetInvitationByHash returns an invitation by the hash of its secret.
	GetInvitationByHash(ctx context.Context, hash string) (Invitation, error)
	// ListInvitations returns an account's invitations neither accepted
	// nor revoked and expiring after the time, oldest first.
	ListInvitations(ctx context.Context, accountID string, after time.Time) ([]Invitation, error)

	// ListAudit returns an account's audit events matching f.
	ListAudit(ctx context.Context, accountID string, f AuditFilter) ([]domain.AuditEvent, error)

	GetApprovalRelation(ctx context.Context, id string) (domain.ApprovalRelation, error)
	// ListApprovalRelations returns an account's relations, oldest first.
	ListApprovalRelations(ctx context.Context, accountID string) ([]domain.ApprovalRelation, error)
	GetAccessRequest(ctx context.Context, id string) (domain.AccessRequest, error)
	// ListAccessRequests returns an account's requests matching f, newest
	// first.
	ListAccessRequests(ctx context.Context, accountID string, f AccessRequestFilter) ([]domain.AccessRequest, error)
	// AccessGrantsOn returns the standing grants on the objects of type
	// typ (record, media, collection, workspace) with these ids, by object.
	AccessGrantsOn(ctx context.Context, typ string, ids []string) (map[string][]domain.AccessGrant, error)
	// ListAccessGrants returns the tuples a request grants while it
	// stands (none once it ended).
	ListAccessGrants(ctx context.Context, requestID string) ([]domain.AccessGrant, error)
	// DueAccessRequests returns approved requests, of every account, whose
	// grant expires at or before the time, soonest first, at most limit.
	DueAccessRequests(ctx context.Context, at time.Time, limit int) ([]domain.AccessRequest, error)
	// NextAccessExpiry returns the soonest expiry of an approved request's
	// grant; ok is false if no standing grant expires.
	NextAccessExpiry(ctx context.Context) (at time.Time, ok bool, err error)

	// GetDownloadProfile returns a download profile of any account with
	// its holders.
	GetDownloadProfile(ctx context.Context, id string) (domain.DownloadProfile, error)
	// ListDownloadProfiles returns an account's download profiles with
	// their holders, by name.
	ListDownloadProfiles(ctx context.Context, accountID string) ([]domain.DownloadProfile, error)
	// GetCaptureProfile returns a capture profile of any account with its
	// ACLs and holders.
	GetCaptureProfile(ctx context.Context, id string) (domain.CaptureProfile, error)
	// ListCaptureProfiles returns an account's capture profiles with their
	// ACLs and holders, by name.
	ListCaptureProfiles(ctx context.Context, accountID string) ([]domain.CaptureProfile, error)
	FileReader
	ShareReader
	HoldReader
	RenditionReader
}

// HoldReader reads the records and media objects held for moderation.
type HoldReader interface {
	// GetHold returns the hold of a record or media object; ErrNotFound
	// if it is not held.
	GetHold(ctx context.Context, t authz.ObjectType, id string) (domain.Hold, error)
	// ListHolds returns an account's holds matching f, oldest first.
	ListHolds(ctx context.Context, accountID string, f HoldFilter) ([]domain.Hold, error)
}

// HoldFilter narrows ListHolds; zero fields do not filter.
type HoldFilter struct {
	Uploader string
	// Record: only the holds of this record and of its media objects.
	Record string
	// ApproverGroup: only holds this group approves.
	ApproverGroup string
	// Since: only holds made at or after this time.
	Since time.Time
	// After continues a listing after the hold (AfterAt, AfterType,
	// AfterID) in its order: newer, or as old and after it by type and id.
	AfterAt   time.Time
	AfterType string
	AfterID   string
	Limit     int
}

// HoldTx writes holds. Each changes how the permission index sees the
// object, so it is logged as a change of the record or media object.
type HoldTx interface {
	// CreateHold holds a record or media object (HeldAt is the
	// transaction's time); ErrNotFound if the object does not exist,
	// ErrConflict if it is held already or an approver group does not
	// exist.
	CreateHold(ctx context.Context, h domain.Hold) error
	// DeleteHold publishes a held object; ErrNotFound if it is not held,
	// so that two deciders cannot both win.
	DeleteHold(ctx context.Context, t authz.ObjectType, id string) error
}

// FileReader reads media objects' files and accounts' storage usage.
type FileReader interface {
	// GetMediaFile returns a media object's file; ErrNotFound if it has
	// none.
	GetMediaFile(ctx context.Context, mediaID string) (domain.File, error)
	// RecordFiles returns the files of a record's media objects.
	RecordFiles(ctx context.Context, recordID string) ([]domain.File, error)
	// FilesBySHA256 returns an account's files with this content hash,
	// oldest first.
	FilesBySHA256(ctx context.Context, accountID, sha256 string) ([]domain.File, error)
	// StorageUsage returns the size and number of an account's files
	// (zero for an account without any, or unknown).
	StorageUsage(ctx context.Context, accountID string) (domain.StorageUsage, error)
	// BlobInUse reports whether a file's or a rendition's bytes are
	// stored under the key.
	BlobInUse(ctx context.Context, key string) (bool, error)
}

// FileTx writes media objects' files. Storage usage moves with them in the
// same transaction, so that it always equals the sum of the account's
// files; DeleteMedia and DeleteRecord remove their media's files and
// their usage too.
type FileTx interface {
	// SetMediaFile records f as its media object's file, replacing the
	// one it had, in the media object's account (f.AccountID is ignored);
	// ErrNotFound if the media object does not exist, ErrConflict if the
	// file id or blob key is taken.
	SetMediaFile(ctx context.Context, f domain.File) error
}

// AccessRequestFilter narrows ListAccessRequests; zero fields do not
// filter.
type AccessRequestFilter struct {
	Status    string
	Requester string
	// Before continues a listing after the request (BeforeAt, BeforeID)
	// in its order: older, or as old with a smaller id.
	BeforeAt time.Time
	BeforeID string
	Limit    int
}

// Tx is one write transaction.
type Tx interface {
	Reader
	// Now is the transaction's timestamp, used for every time it writes.
	Now() time.Time
	// RequireReload marks a transaction that changes too much to itemize
	// (bulk imports): instead of logging each entity, it makes every
	// engine reload fully.
	RequireReload()

	CreateAccount(ctx context.Context, a domain.Account) error
	UpdateAccount(ctx context.Context, a domain.Account) error

	// CreateUser stores a user with a password hash ("" for none) and
	// the custom roles it holds (ErrConflict if one does not exist).
	CreateUser(ctx context.Context, u domain.User, passwordHash string) error
	// UpdateUser stores a user's email, whether it is verified, display
	// name, status, roles, custom roles, access and fields; the username
	// never changes.
	UpdateUser(ctx context.Context, u domain.User) error
	SetPassword(ctx context.Context, userID, hash string) error
	// DeleteUser removes a user for good with its roles, memberships,
	// grants, ACL entries, sessions and tokens; content it created stays,
	// without a creator. Only users who never had access (pending) are
	// ever deleted.
	DeleteUser(ctx context.Context, id string) error

	// CreateGroup stores a group with its roles, custom roles and members.
	CreateGroup(ctx context.Context, g domain.Group) error
	// UpdateGroup stores a group's name, description, roles and custom
	// roles.
	UpdateGroup(ctx context.Context, g domain.Group) error

	// CreateCustomRole stores a custom role (CreatedAt and UpdatedAt are
	// the transaction's time); ErrConflict if the account has a role of
	// that name.
	CreateCustomRole(ctx context.Context, r domain.CustomRole) error
	// UpdateCustomRole stores a custom role's name, description and
	// permissions; ErrNotFound if there is no such role, ErrConflict if
	// the name is another role's.
	UpdateCustomRole(ctx context.Context, r domain.CustomRole) error
	// DeleteCustomRole removes a custom role; ErrNotFound if there is no
	// such role, ErrConflict while a user or group holds it.
	DeleteCustomRole(ctx context.Context, id string) error
	DeleteGroup(ctx context.Context, id string) error
	AddGroupMember(ctx context.Context, groupID string, member authz.Subject) error
	RemoveGroupMember(ctx context.Context, groupID string, member authz.Subject) error

	CreateTier(ctx context.Context, t domain.Tier) error
	UpdateTier(ctx context.Context, t domain.Tier) error
	DeleteTier(ctx context.Context, id string) error
	// SetTierGrant gives a subject a role on a tier, replacing its previous
	// role there.
	SetTierGrant(ctx context.Context, tierID string, g domain.Grant) error
	RemoveTierGrant(ctx context.Context, tierID string, s authz.Subject) error

	CreateWorkspace(ctx context.Context, w domain.Workspace) error
	// UpdateWorkspace stores a workspace's name, description and tier.
	UpdateWorkspace(ctx context.Context, w domain.Workspace) error
	DeleteWorkspace(ctx context.Context, id string) error
	SetWorkspaceMember(ctx context.Context, workspaceID string, g domain.Grant) error
	RemoveWorkspaceMember(ctx context.Context, workspaceID string, s authz.Subject) error

	CreateCollection(ctx context.Context, c domain.Collection) error
	UpdateCollection(ctx context.Context, c domain.Collection) error
	DeleteCollection(ctx context.Context, id string) error
	AddCollectionRecord(ctx context.Context, collectionID, recordID string) error
	RemoveCollectionRecord(ctx context.Context, collectionID, recordID string) error

	CreateRecord(ctx context.Context, r domain.Record) error
	// UpdateRecord stores a record's title, description, keywords, fields
	// and media type.
	UpdateRecord(ctx context.Context, r domain.Record) error
	DeleteRecord(ctx context.Context, id string) error

	CreateMedia(ctx context.Context, m domain.Media) error
	UpdateMedia(ctx context.Context, m domain.Media) error
	DeleteMedia(ctx context.Context, id string) error

	// SetACL replaces the ACL of a record, media object or collection.
	SetACL(ctx context.Context, obj authz.ObjectRef, entries []domain.ACLEntry) error
	// ChangeACLs adds and removes single ACL tuples on objects of type t,
	// however many: what a batch edit writes. Adding a tuple already there
	// and removing one that is not are no-ops.
	ChangeACLs(ctx context.Context, t authz.ObjectType, add, remove []ACLTuple) error
	// SetDefaultACL replaces an account's default ACL for a type. Subjects
	// may include the template subject user:$creator (see DefaultCreator).
	SetDefaultACL(ctx context.Context, accountID string, t authz.ObjectType, entries []domain.ACLEntry) error

	CreateSession(ctx context.Context, s Session) error
	DeleteSession(ctx context.Context, idHash string) error
	DeleteUserSessions(ctx context.Context, userID string) error

	CreateToken(ctx context.Context, t Token) error
	RevokeToken(ctx context.Context, id string) error
	RevokeUserTokens(ctx context.Context, userID string) error

	// CreateUserToken stores a one-time token (CreatedAt is the
	// transaction's time).
	CreateUserToken(ctx context.Context, t UserToken) error
	// UseUserToken marks an unused token used; ErrNotFound if there is no
	// such token or it was used already.
	UseUserToken(ctx context.Context, hash string) error
	// ExpireUserTokens marks every unused token of a user for a purpose
	// used, so that none of them works any more.
	ExpireUserTokens(ctx context.Context, userID, purpose string) error

	// SetSignupRules stores an account's sign-up rules, replacing any
	// earlier ones; ErrNotFound for an unknown account.
	SetSignupRules(ctx context.Context, accountID string, r domain.SignupRules) error
	// SetGeoRule stores an account's geography rule, replacing any
	// earlier one; ErrNotFound for an unknown account.
	SetGeoRule(ctx context.Context, accountID string, r domain.GeoRule) error
	// CreateInvitation stores an invitation (CreatedAt is the
	// transaction's time).
	CreateInvitation(ctx context.Context, inv Invitation) error
	// AcceptInvitation marks an invitation accepted by a user;
	// ErrNotFound if there is no such invitation or it was accepted or
	// revoked already.
	AcceptInvitation(ctx context.Context, id, userID string) error
	// RevokeInvitation marks an invitation revoked; ErrNotFound if there
	// is no such invitation or it was accepted or revoked already.
	RevokeInvitation(ctx context.Context, id string) error
	// StartTOTP stores a pending TOTP factor (CreatedAt is the
	// transaction's time), replacing a pending one; ErrConflict if the
	// user has an enabled one.
	StartTOTP(ctx context.Context, userID, sealedSecret string) error
	// EnableTOTP enables a pending factor, accepting step, and replaces
	// the user's recovery codes with these hashes; ErrNotFound if there
	// is no pending factor.
	EnableTOTP(ctx context.Context, userID string, step int64, recoveryHashes []string) error
	// UseTOTPStep accepts a code of time step step: ErrNotFound unless
	// the user has an enabled factor whose last accepted step is older,
	// so that no code is ever accepted twice.
	UseTOTPStep(ctx context.Context, userID string, step int64) error
	// UseRecoveryCode marks an unused recovery code used; ErrNotFound if
	// there is no such unused code of the user's.
	UseRecoveryCode(ctx context.Context, userID, hash string) error
	// ReplaceRecoveryCodes replaces the recovery codes of a user's
	// enabled factor with these hashes; ErrNotFound if the user has no
	// enabled factor.
	ReplaceRecoveryCodes(ctx context.Context, userID string, recoveryHashes []string) error
	// DeleteTOTP removes a user's factor, enabled or pending, with its
	// recovery codes; ErrNotFound if there is none.
	DeleteTOTP(ctx context.Context, userID string) error

	// Audit appends an event, stamped with the transaction's time; it is
	// kept only if the transaction commits.
	Audit(ctx context.Context, ev domain.AuditEvent) error

	// CreateApprovalRelation stores a relation (CreatedAt is the
	// transaction's time).
	CreateApprovalRelation(ctx context.Context, r domain.ApprovalRelation) error
	DeleteApprovalRelation(ctx context.Context, id string) error
	// CreateAccessRequest stores a pending request (CreatedAt is the
	// transaction's time).
	CreateAccessRequest(ctx context.Context, r domain.AccessRequest) error
	// UpdateAccessRequest stores a request's status, decision, level,
	// expiry, reason and end, provided its status is still from;
	// ErrNotFound otherwise, so that two deciders cannot both win.
	UpdateAccessRequest(ctx context.Context, r domain.AccessRequest, from string) error
	// AddAccessGrants stores the tuples an approval grants; the permission
	// index sees them as part of the objects' ACLs, the workspaces'
	// members and the users' roles.
	AddAccessGrants(ctx context.Context, gs []domain.AccessGrant) error
	// EndAccessGrants removes every tuple a request granted.
	EndAccessGrants(ctx context.Context, requestID string) error

	// CreateDownloadProfile stores a download profile with its rules and
	// holders (CreatedAt and UpdatedAt are the transaction's time);
	// ErrConflict if the account has a profile of that name, or a holder
	// is not a user or group of the store.
	CreateDownloadProfile(ctx context.Context, p domain.DownloadProfile) error
	// UpdateDownloadProfile replaces a download profile's name,
	// description, rules and holders (UpdatedAt is the transaction's
	// time); ErrNotFound if there is no such profile, ErrConflict as for
	// CreateDownloadProfile.
	UpdateDownloadProfile(ctx context.Context, p domain.DownloadProfile) error
	// DeleteDownloadProfile removes a download profile with its holders;
	// ErrNotFound if there is none.
	DeleteDownloadProfile(ctx context.Context, id string) error
	// CreateCaptureProfile stores a capture profile with its fields, ACLs
	// (subjects may include user:$creator, see DefaultCreator) and holders
	// (CreatedAt and UpdatedAt are the transaction's time); ErrConflict if
	// the account has a profile of that name, or the workspace, a holder
	// or an ACL subject does not exist.
	CreateCaptureProfile(ctx context.Context, p domain.CaptureProfile) error
	// UpdateCaptureProfile replaces everything of a capture profile but
	// its account and creation time; ErrNotFound if there is no such
	// profile, ErrConflict as for CreateCaptureProfile.
	UpdateCaptureProfile(ctx context.Context, p domain.CaptureProfile) error
	// DeleteCaptureProfile removes a capture profile with its ACLs and
	// holders; ErrNotFound if there is none.
	DeleteCaptureProfile(ctx context.Context, id string) error
	FileTx
	ShareTx
	HoldTx
	RenditionTx
}

// Label names a user, group, tier or workspace: its name (a user's
// display name, which may be empty), and a user's username.
type Label struct {
	Name, Username string
}

// Labeled is an entity's id with its label.
type Labeled struct {
	ID string
	Label
}

// DefaultCreator is the user id that stands, in a default ACL, for the
// user who creates the object.
const DefaultCreator = "$creator"

// Store is a backend.
type Store interface {
	Reader
	// Update runs fn in one write transaction, committing if it returns
	// nil, and returns the revision of the commit.
	Update(ctx context.Context, fn func(Tx) error) (uint64, error)
	// Snapshot runs fn against one consistent, read-only view.
	Snapshot(ctx context.Context, fn func(Reader) error) error
	// PruneChanges drops change-log entries older than the given age.
	PruneChanges(ctx context.Context, olderThan time.Duration) error
	// InstanceSecret returns the 32 random bytes stored under name,
	// creating them on first use: the same for every process on the
	// database, for as long as it lives.
	InstanceSecret(ctx context.Context, name string) ([]byte, error)
	// Audit appends an event on its own, outside any Update and without
	// advancing the revision: for what happens without a write (a refused
	// sign-in, a denied request).
	Audit(ctx context.Context, ev domain.AuditEvent) error
	// ReserveLoginAttempt is the sign-in throttle's one atomic step, outside
	// any Update and without advancing the revision (the rate limits of
	// public requests use it too, under keys of their own). In one
	// transaction it drops every attempt whose own window (its at - since)
	// has passed, counts each key's failures
	// at or after since, and, unless some key already holds its limit,
	// records the attempt under every key, as a failure until
	// ForgiveLoginAttempt. counts are the failures before this attempt, in
	// the order of keys; recorded says whether the attempt was recorded.
	// Reserving before the password is verified means parallel guesses
	// cannot overtake the count.
	ReserveLoginAttempt(ctx context.Context, attempt string, keys []ThrottleKey, at, since time.Time) (counts []int, recorded bool, err error)
	// LoginAttemptAt returns when the n-th oldest attempt (from 0) counted
	// under key at or after since was made: when a refused counter frees
	// up, for Retry-After. ErrNotFound if there are not that many.
	LoginAttemptAt(ctx context.Context, key string, since time.Time, n int) (time.Time, error)
	// ForgiveLoginAttempt removes a successful attempt's records and every
	// failure under the keys in reset.
	ForgiveLoginAttempt(ctx context.Context, attempt string, reset []string) error
	ShareCounter
	Close() error
}

// ThrottleKey is one counter of failed sign-ins (a normalized login, a
// client address) with the number of failures that locks it.
type ThrottleKey struct {
	Key   string
	Limit int
}
