package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// ---- renditions

const renditionCols = `media_id, file_id, kind, status, reason, blob_key, size, sha256, content_type, width, height, created_at, updated_at`

// renditionOrder sorts a media object's renditions smallest first.
const renditionOrder = `CASE kind WHEN 'thumbnail' THEN 0 WHEN 'preview' THEN 1 ELSE 2 END`

func scanRendition(s interface{ Scan(...any) error }) (domain.Rendition, error) {
	var r domain.Rendition
	var key sql.NullString
	var created, updated int64
	if err := s.Scan(&r.MediaID, &r.FileID, &r.Kind, &r.Status, &r.Reason, &key, &r.Size, &r.SHA256, &r.ContentType,
		&r.Width, &r.Height, &created, &updated); err != nil {
		return domain.Rendition{}, err
	}
	r.BlobKey = key.String
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return r, nil
}

func (r reader) Renditions(ctx context.Context, mediaIDs []string) (map[string][]domain.Rendition, error) {
	out := map[string][]domain.Rendition{}
	if len(mediaIDs) == 0 {
		return out, nil
	}
	err := inChunks("media_id", mediaIDs, func(where string, args []any, _ []string) error {
		return r.collect(ctx, "renditions", `SELECT `+renditionCols+` FROM renditions`+where+` ORDER BY media_id, `+renditionOrder, args, func(rows *sql.Rows) error {
			rd, err := scanRendition(rows)
			out[rd.MediaID] = append(out[rd.MediaID], rd)
			return err
		})
	})
	return out, err
}

func (r reader) GetRendition(ctx context.Context, mediaID, kind string) (domain.Rendition, error) {
	rd, err := scanRendition(r.q.QueryRowContext(ctx, `SELECT `+renditionCols+` FROM renditions WHERE media_id = $1 AND kind = $2`, mediaID, kind))
	return rd, r.wrap("get "+kind+" rendition of media "+mediaID, err)
}

func (r reader) PendingRenditionFiles(ctx context.Context, after string, limit int) ([]domain.File, error) {
	return r.files(ctx, "files with pending renditions",
		`WHERE id IN (SELECT file_id FROM renditions WHERE status = 'pending') AND id > $1 ORDER BY id LIMIT $2`, after, limit)
}

func (r reader) UnprobedFiles(ctx context.Context, after string, limit int) ([]domain.File, error) {
	return r.files(ctx, "files not yet probed",
		`WHERE probed_at IS NULL AND id > $1
		AND (content_type LIKE 'video/%' OR content_type LIKE 'audio/%'
			OR media_id IN (SELECT id FROM media WHERE media_type IN ('video', 'audio')))
		AND NOT (content_type LIKE 'image/%' OR media_id IN (SELECT id FROM media WHERE media_type = 'image'))
		ORDER BY id LIMIT $2`, after, limit)
}

func (t *txn) AddPendingRenditions(ctx context.Context, fileID string, kinds []string) error {
	var mediaID string
	if err := t.q.QueryRowContext(ctx, `SELECT media_id FROM files WHERE id = $1`, fileID).Scan(&mediaID); err != nil {
		return t.wrap("add renditions of file "+fileID, err)
	}
	for _, k := range kinds {
		if !domain.IsMadeRendition(k) {
			return fmt.Errorf("add renditions of file %s: kind %q: %w", fileID, k, store.ErrConflict)
		}
		err := t.exec(ctx, "add renditions of file "+fileID, `INSERT INTO renditions (media_id, file_id, kind, status, created_at, updated_at)
			VALUES ($1, $2, $3, 'pending', $4, $4)`, mediaID, fileID, k, micros(t.now))
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) FinishRendition(ctx context.Context, r domain.Rendition) error {
	op := "finish " + r.Kind + " rendition of file " + r.FileID
	var key any
	switch r.Status {
	case domain.RenditionReady:
		if r.BlobKey == "" {
			return fmt.Errorf("%s: a ready rendition needs a blob key", op)
		}
		key = r.BlobKey
	case domain.RenditionFailed:
		r.Size, r.SHA256, r.ContentType, r.Width, r.Height = 0, "", "", 0, 0
	default:
		return fmt.Errorf("%s: status %q is not an outcome", op, r.Status)
	}
	return t.execOne(ctx, op, `UPDATE renditions SET status = $1, reason = $2, blob_key = $3, size = $4, sha256 = $5, content_type = $6,
		width = $7, height = $8, updated_at = $9 WHERE file_id = $10 AND kind = $11 AND status = 'pending'`,
		r.Status, r.Reason, key, r.Size, r.SHA256, r.ContentType, r.Width, r.Height, micros(t.now), r.FileID, r.Kind)
}

func (t *txn) SetFileInfo(ctx context.Context, fileID string, width, height int, durationMS int64) error {
	return t.execOne(ctx, "set what file "+fileID+" holds", `UPDATE files SET width = $1, height = $2, duration_ms = $3, probed_at = $4 WHERE id = $5`,
		max(width, 0), max(height, 0), max(durationMS, 0), micros(t.now), fileID)
}

var _ store.RenditionTx = (*txn)(nil)
