package store

import (
	"context"
	"time"

	"atrium/internal/domain"
)

// ShareLinkFilter narrows ListShareLinks; zero fields do not filter.
// Links come newest first.
type ShareLinkFilter struct {
	CreatedBy string
	// ActiveAt keeps the links neither revoked nor expired at that time
	// (scheduled ones included).
	ActiveAt time.Time
	// Before continues a listing after the link (BeforeAt, BeforeID) in
	// its order: older, or as old with a smaller id.
	BeforeAt time.Time
	BeforeID string
	Limit    int
}

// ShareReader reads public share links. Links come with their Status
// empty: it depends on the time of reading, which is the caller's.
type ShareReader interface {
	GetShareLink(ctx context.Context, id string) (domain.ShareLink, error)
	// GetShareLinkByHash returns a link by the hash of its token.
	GetShareLinkByHash(ctx context.Context, tokenHash string) (domain.ShareLink, error)
	// ListShareLinks returns an account's links matching f.
	ListShareLinks(ctx context.Context, accountID string, f ShareLinkFilter) ([]domain.ShareLink, error)
	// CountActiveShareLinks counts an account's links neither revoked
	// nor expired at the time.
	CountActiveShareLinks(ctx context.Context, accountID string, at time.Time) (int, error)
	// ShareLinkDownloads returns the downloads counted through a link, by
	// media object (none: an empty map).
	ShareLinkDownloads(ctx context.Context, linkID string) (map[string]int, error)
}

// ShareTx writes public share links.
type ShareTx interface {
	// CreateShareLink stores a link (CreatedAt is the transaction's
	// time); ErrConflict if its id or token hash is taken, or its account
	// or creator does not exist.
	CreateShareLink(ctx context.Context, l domain.ShareLink) error
	// RevokeShareLink marks a link revoked by a user (RevokedAt is the
	// transaction's time); ErrNotFound if there is no such link or it is
	// revoked already.
	RevokeShareLink(ctx context.Context, id, by string) error
}

// ShareCounter counts downloads through share links.
type ShareCounter interface {
	// CountShareDownload is the one atomic step of a download through a
	// link, outside any Update and without advancing the revision: unless
	// the link has already served limit downloads of the media object
	// (limit 0: no bound), it counts one more and appends ev to the audit
	// log, in one transaction. counted says whether it did.
	CountShareDownload(ctx context.Context, linkID, mediaID string, limit int, ev domain.AuditEvent) (counted bool, err error)
}
