package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

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
	// Width and Height are an image's or a video's displayed size (its
	// orientation or rotation applied), and DurationMS a video's or
	// audio's length in milliseconds, once the original has been read
	// (zero until then, or when unknown).
	Width      int   `json:"width,omitempty"`
	Height     int   `json:"height,omitempty"`
	DurationMS int64 `json:"duration_ms,omitempty"`
}

// StorageUsage is what an account's files take, counted against its
// plan's max_storage_bytes.
type StorageUsage struct {
	Bytes int64 `json:"storage_bytes"`
	Files int64 `json:"files"`
}

// MaxFilenameLen is the longest file name, in characters.
const MaxFilenameLen = 255

// SanitizeFilename turns the name a client gave an uploaded file into a
// media object's file name: the last element of any path (either
// separator), without control or invisible formatting characters
// (a right-to-left override can make "gpj.exe" read "exe.jpg"), invalid
// UTF-8 replaced, spaces trimmed, and cut to MaxFilenameLen characters,
// keeping a short extension. What is left is only ever metadata: no file
// name reaches the blob store. An empty result becomes "upload".
func SanitizeFilename(name string) string {
	name = strings.ToValidUTF8(name, "_")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		name = ""
	}
	if utf8.RuneCountInString(name) > MaxFilenameLen {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && utf8.RuneCountInString(name[i:]) <= 16 {
			ext = name[i:]
		}
		stem := []rune(strings.TrimSuffix(name, ext))
		name = strings.TrimSpace(string(stem[:MaxFilenameLen-utf8.RuneCountInString(ext)])) + ext
	}
	if name == "" {
		return "upload"
	}
	return name
}
