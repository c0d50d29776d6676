package domain

import (
	"fmt"
	"time"

	"atrium/internal/authz"
)

// Access request statuses. A pending request is decided once: approved
// (its grant stands until it expires or is revoked) or rejected; its
// requester may withdraw it while it is pending.
const (
	RequestPending   = "pending"
	RequestApproved  = "approved"
	RequestRejected  = "rejected"
	RequestWithdrawn = "withdrawn"
	RequestExpired   = "expired" // approved, and the grant's end date passed
	RequestRevoked   = "revoked" // approved, and the grant was ended early
)

// Kinds of access a requester asks for.
const (
	AccessView     = "view"
	AccessDownload = "download"
)

// ApprovalRelation relates requester groups to an approver group: of
// kind access, members of the requester groups may ask for access and
// members of the approver group decide; of kind moderation, their uploads
// are held until a member of the approver group publishes them.
type ApprovalRelation struct {
	ID              string    `json:"id"`
	AccountID       string    `json:"-"`
	Kind            string    `json:"kind"`
	RequesterGroups []string  `json:"requester_groups"`
	ApproverGroup   string    `json:"approver_group"`
	CreatedBy       string    `json:"created_by"`
	CreatedAt       time.Time `json:"created_at"`
}

// AccessRequest is a user's request for access to the account, a
// workspace, a collection, a record or a media object, with its decision.
type AccessRequest struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"-"`
	Requester  string     `json:"requester"`
	TargetType string     `json:"target_type"`
	TargetID   string     `json:"target_id"`
	Access     string     `json:"access"`
	Message    string     `json:"message"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	DecidedBy  string     `json:"decided_by,omitempty"`
	DecidedAt  *time.Time `json:"decided_at,omitempty"`
	// Level is what an approval granted (see AccessGrant.Level).
	Level string `json:"level,omitempty"`
	// ExpiresAt is when an approved grant lapses by itself; nil: never.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Reason is a rejection's or a revocation's reason.
	Reason  string     `json:"reason,omitempty"`
	EndedAt *time.Time `json:"ended_at,omitempty"`
}

// AccessGrant is one tuple an approved request adds while it stands:
// an ACL permission of the reference model on a record, media object or
// collection (view, edit, preview, download), a member role on a
// workspace (viewer, contributor, editor), or an account role
// (library_viewer, library_editor) when ObjectType is "account".
type AccessGrant struct {
	RequestID  string `json:"request"`
	UserID     string `json:"user"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Level      string `json:"level"`
}

// WithGrantedACL adds standing grants to an object's ACL in the engine's
// terms: a user holding an entry and a grant holds the higher level.
func WithGrantedACL(t authz.ObjectType, entries []authz.ACLEntry, gs []AccessGrant) ([]authz.ACLEntry, error) {
	for _, g := range gs {
		level, err := authz.ParseACLPermission(t, g.Level)
		if err != nil {
			return nil, fmt.Errorf("access grant %s on %s %s: %w", g.RequestID, t, g.ObjectID, err)
		}
		subj := authz.User(g.UserID)
		found := false
		for i := range entries {
			if entries[i].Subject == subj {
				entries[i].Level = max(entries[i].Level, level)
				found = true
			}
		}
		if !found {
			entries = append(entries, authz.ACLEntry{Subject: subj, Level: level})
		}
	}
	return entries, nil
}
