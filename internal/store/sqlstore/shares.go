package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// ---- public share links

const shareCols = `id, account_id, token_hash, created_by, target_type, target_id, password_hash, starts_at, expires_at,
	download, max_downloads, note, created_at, revoked_at, revoked_by`

func nullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

func scanShareLink(s interface{ Scan(...any) error }) (domain.ShareLink, error) {
	var l domain.ShareLink
	var typ, id string
	var starts, expires, revoked sql.NullInt64
	var revokedBy sql.NullString
	var download int
	var created int64
	err := s.Scan(&l.ID, &l.AccountID, &l.TokenHash, &l.CreatedBy, &typ, &id, &l.PasswordHash, &starts, &expires,
		&download, &l.MaxDownloads, &l.Note, &created, &revoked, &revokedBy)
	if err != nil {
		return domain.ShareLink{}, err
	}
	l.Target = typ + ":" + id
	l.StartsAt, l.ExpiresAt, l.RevokedAt = nullTime(starts), nullTime(expires), nullTime(revoked)
	l.RevokedBy = revokedBy.String
	l.Download = download != 0
	l.HasPassword = l.PasswordHash != ""
	l.CreatedAt = fromMicros(created)
	return l, nil
}

func (r reader) GetShareLink(ctx context.Context, id string) (domain.ShareLink, error) {
	l, err := scanShareLink(r.q.QueryRowContext(ctx, `SELECT `+shareCols+` FROM share_links WHERE id = $1`, id))
	return l, r.wrap("get share link "+id, err)
}

func (r reader) GetShareLinkByHash(ctx context.Context, tokenHash string) (domain.ShareLink, error) {
	l, err := scanShareLink(r.q.QueryRowContext(ctx, `SELECT `+shareCols+` FROM share_links WHERE token_hash = $1`, tokenHash))
	return l, r.wrap("get share link by token", err)
}

// activeAt is the condition of a link neither revoked nor expired at the
// time in placeholder p.
func activeAt(p string) string {
	return `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ` + p + `)`
}

func (r reader) ListShareLinks(ctx context.Context, accountID string, f store.ShareLinkFilter) ([]domain.ShareLink, error) {
	where := []string{"account_id = $1"}
	args := []any{accountID}
	add := func(cond string, vs ...any) {
		for _, v := range vs {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
	if f.CreatedBy != "" {
		add("created_by = ?", f.CreatedBy)
	}
	if !f.ActiveAt.IsZero() {
		add(activeAt("?"), micros(f.ActiveAt))
	}
	if f.BeforeID != "" {
		at := micros(f.BeforeAt)
		add("(created_at < ? OR created_at = ? AND id < ?)", at, at, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	out := []domain.ShareLink{}
	q := `SELECT ` + shareCols + ` FROM share_links WHERE ` + strings.Join(where, " AND ") + ` ORDER BY created_at DESC, id DESC LIMIT ` + strconv.Itoa(limit)
	err := r.collect(ctx, "list share links", q, args, func(rows *sql.Rows) error {
		l, err := scanShareLink(rows)
		out = append(out, l)
		return err
	})
	return out, err
}

func (r reader) CountActiveShareLinks(ctx context.Context, accountID string, at time.Time) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM share_links WHERE account_id = $1 AND `+activeAt("$2"), accountID, micros(at)).Scan(&n)
	return n, r.wrap("count share links", err)
}

func (r reader) ShareLinkDownloads(ctx context.Context, linkID string) (map[string]int, error) {
	out := map[string]int{}
	err := r.collect(ctx, "share link downloads", `SELECT media_id, count FROM share_link_downloads WHERE link_id = $1`, []any{linkID}, func(rows *sql.Rows) error {
		var m string
		var n int
		err := rows.Scan(&m, &n)
		out[m] = n
		return err
	})
	return out, err
}

func (t *txn) CreateShareLink(ctx context.Context, l domain.ShareLink) error {
	typ, id, ok := strings.Cut(l.Target, ":")
	if !ok {
		return fmt.Errorf("create share link %s: target %q is not TYPE:ID", l.ID, l.Target)
	}
	download := 0
	if l.Download {
		download = 1
	}
	return t.exec(ctx, "create share link "+l.ID, `INSERT INTO share_links (`+shareCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, NULL)`,
		l.ID, l.AccountID, l.TokenHash, l.CreatedBy, typ, id, l.PasswordHash, nullMicros(l.StartsAt), nullMicros(l.ExpiresAt),
		download, l.MaxDownloads, l.Note, micros(t.now))
}

func (t *txn) RevokeShareLink(ctx context.Context, id, by string) error {
	return t.execOne(ctx, "revoke share link "+id, `UPDATE share_links SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL`,
		id, micros(t.now), nullable(by))
}

// CountShareDownload implements store.Store. It runs on the write
// connection (BEGIN IMMEDIATE), so two downloads at once, from any
// process on the database, never both take the last one allowed.
func (s *Store) CountShareDownload(ctx context.Context, linkID, mediaID string, limit int, ev domain.AuditEvent) (bool, error) {
	tx, err := s.rw.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	r := reader{q: tx, d: s.d}
	var n int
	err = tx.QueryRowContext(ctx, `SELECT count FROM share_link_downloads WHERE link_id = $1 AND media_id = $2`, linkID, mediaID).Scan(&n)
	if err != nil && err != sql.ErrNoRows {
		return false, r.wrap("count share downloads", err)
	}
	if limit > 0 && n >= limit {
		return false, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO share_link_downloads (link_id, media_id, count) VALUES ($1, $2, 1)
		ON CONFLICT (link_id, media_id) DO UPDATE SET count = share_link_downloads.count + 1`, linkID, mediaID)
	if err != nil {
		return false, r.wrap("count share download", err)
	}
	if err := insertAudit(ctx, tx, time.Now().UTC().Truncate(time.Microsecond), ev); err != nil {
		return false, r.wrap("audit "+ev.Type, err)
	}
	return true, r.wrap("commit", tx.Commit())
}

var (
	_ store.ShareTx      = (*txn)(nil)
	_ store.ShareReader  = reader{}
	_ store.ShareCounter = (*Store)(nil)
)
