package domain

import "time"

// File is the original file of a media object. Its bytes live in the blob
// store under BlobKey, a name the server chose; nothing of the uploader's
// (not the file name) ever reaches the store.
type File struct {
	ID        string `json:"id"`
	MediaID   string `json:"media"`
	AccountID string `json:"-"`
	BlobKey   string `json:"-"`
	Size      int64  `json:"size"`
	// SHA256 is the lower-case hex SHA-256 of the bytes, computed while
	// they were received.
	SHA256 string `json:"sha256"`
	// ContentType is detected from the first bytes, never taken from the
	// client.
	ContentType string    `json:"content_type"`
	UploadedBy  string    `json:"uploaded_by,omitempty"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

// StorageUsage is what an account's files take, counted against its
// plan's max_storage_bytes.
type StorageUsage struct {
	Bytes int64 `json:"storage_bytes"`
	Files int64 `json:"files"`
}
