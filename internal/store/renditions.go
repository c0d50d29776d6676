package store

import (
	"context"

	"atrium/internal/domain"
)

// RenditionReader reads the renditions of media objects' files, and
// finds the work the background jobs have left to do.
type RenditionReader interface {
	// Renditions returns the renditions of these media objects, by
	// media object, each list smallest first (thumbnail, preview,
	// large); media objects without any are absent.
	Renditions(ctx context.Context, mediaIDs []string) (map[string][]domain.Rendition, error)
	// GetRendition returns one rendition of a media object; ErrNotFound
	// if it has none of that kind.
	GetRendition(ctx context.Context, mediaID, kind string) (domain.Rendition, error)
	// PendingRenditionFiles returns files, of every account, with a
	// pending rendition, in id order after the id given ("" from the
	// start), at most limit.
	PendingRenditionFiles(ctx context.Context, after string, limit int) ([]domain.File, error)
	// UnprobedFiles returns files, of every account, that are video or
	// audio (by the media object's type or the file's content type) and
	// were never probed (see SetFileInfo), in id order after the id
	// given, at most limit.
	UnprobedFiles(ctx context.Context, after string, limit int) ([]domain.File, error)
}

// RenditionTx writes renditions.
type RenditionTx interface {
	// AddPendingRenditions records renditions of these kinds as pending
	// for a file, on its media object; ErrNotFound if there is no such
	// file, ErrConflict if the media object has a rendition of one of
	// the kinds already (those of a replaced file go with it).
	AddPendingRenditions(ctx context.Context, fileID string, kinds []string) error
	// FinishRendition stores the outcome of a pending rendition of
	// r.FileID: its status (ready or failed), reason, blob key, size,
	// SHA-256, content type and size in pixels (UpdatedAt is the
	// transaction's time). ErrNotFound if that file has no pending
	// rendition of r.Kind (the file was replaced or deleted since, or the
	// rendition was finished by another worker): the caller discards its
	// output. ErrConflict if the blob key is taken.
	FinishRendition(ctx context.Context, r domain.Rendition) error
	// SetFileInfo stores what the original holds (its displayed size, its
	// duration) and marks it probed; ErrNotFound if there is no such
	// file.
	SetFileInfo(ctx context.Context, fileID string, width, height int, durationMS int64) error
}
