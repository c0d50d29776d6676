package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// ---- media files and storage usage

const fileCols = `id, media_id, account_id, blob_key, size, sha256, content_type, uploaded_by, uploaded_at, width, height, duration_ms`

func scanFile(s interface{ Scan(...any) error }) (domain.File, error) {
	var f domain.File
	var by sql.NullString
	var at int64
	if err := s.Scan(&f.ID, &f.MediaID, &f.AccountID, &f.BlobKey, &f.Size, &f.SHA256, &f.ContentType, &by, &at, &f.Width, &f.Height, &f.DurationMS); err != nil {
		return domain.File{}, err
	}
	f.UploadedBy = by.String
	f.UploadedAt = fromMicros(at)
	return f, nil
}

func (r reader) files(ctx context.Context, op, where string, args ...any) ([]domain.File, error) {
	out := []domain.File{}
	err := r.collect(ctx, op, `SELECT `+fileCols+` FROM files `+where, args, func(rows *sql.Rows) error {
		f, err := scanFile(rows)
		out = append(out, f)
		return err
	})
	return out, err
}

func (r reader) GetMediaFile(ctx context.Context, mediaID string) (domain.File, error) {
	f, err := scanFile(r.q.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files WHERE media_id = $1`, mediaID))
	return f, r.wrap("get file of media "+mediaID, err)
}

func (r reader) RecordFiles(ctx context.Context, recordID string) ([]domain.File, error) {
	return r.files(ctx, "files of record "+recordID, `WHERE media_id IN (SELECT id FROM media WHERE record_id = $1) ORDER BY id`, recordID)
}

func (r reader) FilesBySHA256(ctx context.Context, accountID, sha256 string) ([]domain.File, error) {
	return r.files(ctx, "files by content hash", `WHERE account_id = $1 AND sha256 = $2 ORDER BY uploaded_at, id`, accountID, sha256)
}

func (r reader) StorageUsage(ctx context.Context, accountID string) (domain.StorageUsage, error) {
	var u domain.StorageUsage
	err := r.q.QueryRowContext(ctx, `SELECT bytes, files FROM storage_usage WHERE account_id = $1`, accountID).Scan(&u.Bytes, &u.Files)
	if err == sql.ErrNoRows {
		return domain.StorageUsage{}, nil
	}
	return u, r.wrap("storage usage of "+accountID, err)
}

func (r reader) BlobInUse(ctx context.Context, key string) (bool, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM files WHERE blob_key = $1) + (SELECT count(*) FROM renditions WHERE blob_key = $1)`, key).Scan(&n)
	return n > 0, r.wrap("find blob "+key, err)
}

// addUsage moves an account's storage usage.
func (t *txn) addUsage(ctx context.Context, accountID string, bytes, files int64) error {
	return t.exec(ctx, "move storage usage", `INSERT INTO storage_usage (account_id, bytes, files) VALUES ($1, $2, $3)
		ON CONFLICT (account_id) DO UPDATE SET bytes = storage_usage.bytes + excluded.bytes, files = storage_usage.files + excluded.files`,
		accountID, bytes, files)
}

func (t *txn) SetMediaFile(ctx context.Context, f domain.File) error {
	// The account is the media object's, whatever the caller says.
	err := t.q.QueryRowContext(ctx, `SELECT w.account_id FROM media m JOIN records r ON r.id = m.record_id
		JOIN workspaces w ON w.id = r.workspace_id WHERE m.id = $1`, f.MediaID).Scan(&f.AccountID)
	if err != nil {
		return t.wrap("set file of media "+f.MediaID, err)
	}
	if err := t.dropFiles(ctx, f.MediaID); err != nil {
		return err
	}
	err = t.exec(ctx, "set file of media "+f.MediaID, `INSERT INTO files (id, media_id, account_id, blob_key, size, sha256, content_type, uploaded_by, uploaded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		f.ID, f.MediaID, f.AccountID, f.BlobKey, f.Size, f.SHA256, f.ContentType, nullable(f.UploadedBy), micros(t.now))
	if err != nil {
		return err
	}
	return t.addUsage(ctx, f.AccountID, f.Size, 1)
}

// dropFiles removes the files of media objects and takes them off their
// accounts' usage: for media about to be deleted, or whose file is being
// replaced.
func (t *txn) dropFiles(ctx context.Context, mediaIDs ...string) error {
	for len(mediaIDs) > 0 {
		n := min(len(mediaIDs), chunkSize)
		type usage struct {
			account      string
			bytes, files int64
		}
		var drops []usage
		err := t.collect(ctx, "drop files", `SELECT account_id, sum(size), count(*) FROM files WHERE media_id IN (`+idList(1)+`) GROUP BY account_id`,
			[]any{jsonIDs(mediaIDs[:n])}, func(rows *sql.Rows) error {
				var u usage
				err := rows.Scan(&u.account, &u.bytes, &u.files)
				drops = append(drops, u)
				return err
			})
		if err != nil {
			return err
		}
		if len(drops) > 0 {
			if err := t.exec(ctx, "drop files", `DELETE FROM files WHERE media_id IN (`+idList(1)+`)`, jsonIDs(mediaIDs[:n])); err != nil {
				return err
			}
		}
		for _, u := range drops {
			if err := t.addUsage(ctx, u.account, -u.bytes, -u.files); err != nil {
				return fmt.Errorf("drop files: %w", err)
			}
		}
		mediaIDs = mediaIDs[n:]
	}
	return nil
}

var _ store.FileTx = (*txn)(nil)
