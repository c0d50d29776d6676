package domain

import (
	"slices"
	"strings"
	"time"
)

// Rendition statuses.
const (
	RenditionPending = "pending" // waiting for, or being made by, a worker
	RenditionReady   = "ready"
	RenditionFailed  = "failed" // Reason says why
)

// MadeRenditions are the renditions made of an image, smallest first; the
// original is the file itself.
var MadeRenditions = []string{RenditionThumbnail, RenditionPreview, RenditionLarge}

// IsMadeRendition reports whether kind is a rendition the server makes.
func IsMadeRendition(kind string) bool { return slices.Contains(MadeRenditions, kind) }

// Rendition is one rendition of a media object's file. Its bytes live in
// the blob store under BlobKey once it is ready.
type Rendition struct {
	MediaID string `json:"-"`
	// FileID is the file it is (being) made from.
	FileID string `json:"file"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	// Reason is why it failed, as the API shows it ("corrupt image:
	// truncated file", "image too large: ...", "unsupported format: HEIC",
	// "timed out").
	Reason      string    `json:"reason,omitempty"`
	BlobKey     string    `json:"-"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// WantsRenditions reports whether a file gets renditions: an image, by
// the media object's type or by the content type detected from its
// bytes. An image media object whose file is not one the server can
// decode gets them too, and they fail with the reason.
func WantsRenditions(mediaType, contentType string) bool {
	return mediaType == "image" || strings.HasPrefix(contentType, "image/")
}

// WantsProbe reports whether a file is read with ffprobe for its
// duration and size: video and audio, by type or content type.
func WantsProbe(mediaType, contentType string) bool {
	if WantsRenditions(mediaType, contentType) {
		return false
	}
	return mediaType == "video" || mediaType == "audio" ||
		strings.HasPrefix(contentType, "video/") || strings.HasPrefix(contentType, "audio/")
}
