// Package filetype tells what a file is from its first bytes, never from
// what a client claims: net/http's sniffing algorithm, extended with the
// formats a media library receives that it does not know (HEIC, HEIF and
// AVIF photos, QuickTime and other ISO media files, TIFF and the raw
// formats built on it, FLAC).
package filetype

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"strings"
)

// SniffLen is how many leading bytes Detect looks at.
const SniffLen = 512

// Detect returns the MIME type of content beginning with head (only the
// first SniffLen bytes are used): "application/octet-stream" when no
// rule matches.
func Detect(head []byte) string {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	if t := isoMedia(head); t != "" {
		return t
	}
	switch {
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "image/tiff"
	case bytes.HasPrefix(head, []byte("fLaC")):
		return "audio/flac"
	}
	return http.DetectContentType(head)
}

// isoMedia recognises ISO base media files (MP4, QuickTime, HEIF and
// their kin) by the brands of their leading ftyp box. net/http only knows
// MP4, by an "mp4" brand, and so calls HEIC photos and QuickTime films
// octet streams.
func isoMedia(head []byte) string {
	if len(head) < 16 || string(head[4:8]) != "ftyp" {
		return ""
	}
	size := int(binary.BigEndian.Uint32(head[:4]))
	if size < 16 || size%4 != 0 {
		return ""
	}
	size = min(size, len(head))
	major := string(head[8:12])
	brands := []string{major}
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, string(head[i:i+4]))
	}
	has := func(set ...string) bool {
		for _, b := range brands {
			for _, s := range set {
				if b == s {
					return true
				}
			}
		}
		return false
	}
	// The major brand says what the file is; compatible brands refine a
	// generic one (mif1 is any HEIF image; heic says its codec).
	switch {
	case major == "avif" || major == "avis":
		return "image/avif"
	case has("heic", "heix", "heim", "heis", "hevc", "hevx"):
		return "image/heic"
	case major == "mif1" || major == "msf1":
		if has("avif") {
			return "image/avif"
		}
		return "image/heif"
	case major == "qt  ":
		return "video/quicktime"
	case major == "crx ":
		return "image/x-canon-cr3"
	case major == "M4A " || major == "M4B " || major == "M4P ":
		return "audio/mp4"
	case strings.HasPrefix(major, "3gp"):
		return "video/3gpp"
	case strings.HasPrefix(major, "3g2"):
		return "video/3gpp2"
	case has("isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "M4V ", "M4VH", "M4VP", "MSNV", "f4v "):
		return "video/mp4"
	}
	return ""
}

// MediaType is the media object type (image, video, audio or document)
// of a detected content type.
func MediaType(contentType string) string {
	switch {
	case strings.HasPrefix(contentType, "image/"):
		return "image"
	case strings.HasPrefix(contentType, "video/"):
		return "video"
	case strings.HasPrefix(contentType, "audio/"):
		return "audio"
	}
	return "document"
}
