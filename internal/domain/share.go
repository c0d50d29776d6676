package domain

import "time"

// ShareLink is a public link to a record, a media object or a collection.
// Whoever holds its token sees, without signing in, what the link shows,
// and only what its creator may see and download at that moment: the link
// carries no permission of its own. Only the hash of its token, and of its
// optional password, are ever stored.
type ShareLink struct {
	ID        string `json:"id"`
	AccountID string `json:"-"`
	// Target is the shared object, "record:ID", "media:ID" or
	// "collection:ID".
	Target    string    `json:"target"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// StartsAt and ExpiresAt bound the validity window; nil is open on
	// that side.
	StartsAt  *time.Time `json:"starts_at,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Download says whether the link downloads originals at all.
	Download bool `json:"download"`
	// MaxDownloads bounds the downloads of each file through the link;
	// 0 means no bound.
	MaxDownloads int `json:"max_downloads"`
	// HasPassword: the link asks for a password before it shows anything.
	HasPassword bool       `json:"has_password"`
	Note        string     `json:"note"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	RevokedBy   string     `json:"revoked_by,omitempty"`
	// Status is computed when the link is read: active, scheduled (not
	// yet valid), expired or revoked.
	Status string `json:"status"`
	// Downloads counts, by media object, the downloads made through the
	// link; filled in when one link is read.
	Downloads map[string]int `json:"downloads,omitempty"`

	TokenHash    string `json:"-"`
	PasswordHash string `json:"-"`
}

// Share link statuses.
const (
	ShareActive    = "active"
	ShareScheduled = "scheduled"
	ShareExpired   = "expired"
	ShareRevoked   = "revoked"
)

// StatusAt is the link's status at a time. Revocation wins, then expiry,
// then a start still to come.
func (l ShareLink) StatusAt(t time.Time) string {
	switch {
	case l.RevokedAt != nil:
		return ShareRevoked
	case l.ExpiresAt != nil && !t.Before(*l.ExpiresAt):
		return ShareExpired
	case l.StartsAt != nil && t.Before(*l.StartsAt):
		return ShareScheduled
	}
	return ShareActive
}
