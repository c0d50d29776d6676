package filetype

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// ftyp builds a leading ftyp box with a major brand and compatible
// brands.
func ftyp(major string, compatible ...string) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(16+4*len(compatible)))
	b.WriteString("ftyp" + major)
	b.Write([]byte{0, 0, 0, 0}) // minor version
	for _, c := range compatible {
		b.WriteString(c)
	}
	b.WriteString("\x00\x00\x00\x08free")
	return b.Bytes()
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name string
		head []byte
		want string
	}{
		{"a JPEG is image/jpeg, as net/http says", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), "image/jpeg"},
		{"a PNG is image/png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png"},
		{"a PDF is application/pdf", []byte("%PDF-1.7\n%âãÏÓ"), "application/pdf"},
		{"an iPhone HEIC photo (mif1 with heic) is image/heic", ftyp("heic", "mif1", "heic"), "image/heic"},
		{"a HEIF image of generic brand mif1 naming heic as compatible is image/heic", ftyp("mif1", "mif1", "heic"), "image/heic"},
		{"a HEIF image without a known codec brand is image/heif", ftyp("mif1", "mif1", "miaf"), "image/heif"},
		{"an AVIF image is image/avif", ftyp("avif", "avif", "mif1", "miaf"), "image/avif"},
		{"an AVIF image behind the generic mif1 brand is image/avif", ftyp("mif1", "avif", "mif1"), "image/avif"},
		{"a QuickTime film is video/quicktime", ftyp("qt  ", "qt  "), "video/quicktime"},
		{"an MP4 of brand isom is video/mp4", ftyp("isom", "isom", "iso2", "avc1", "mp41"), "video/mp4"},
		{"an MP4 of brand mp42 is video/mp4", ftyp("mp42", "isom", "mp42"), "video/mp4"},
		{"an M4V film is video/mp4", ftyp("M4V ", "M4V ", "M4A ", "mp42", "isom"), "video/mp4"},
		{"an M4A sound is audio/mp4", ftyp("M4A ", "M4A ", "mp42", "isom"), "audio/mp4"},
		{"a 3GP film is video/3gpp", ftyp("3gp4", "isom", "3gp4"), "video/3gpp"},
		{"a Canon CR3 raw photo is image/x-canon-cr3", ftyp("crx ", "crx ", "isom"), "image/x-canon-cr3"},
		{"an ftyp box of unknown brands is left to net/http", ftyp("zzzz", "yyyy"), "application/octet-stream"},
		{"an ftyp box whose size is not a multiple of four is not trusted", append([]byte("\x00\x00\x00\x11ftypheic"), make([]byte, 16)...), "application/octet-stream"},
		{"a little-endian TIFF is image/tiff", []byte("II*\x00\x08\x00\x00\x00"), "image/tiff"},
		{"a big-endian TIFF (and the raw formats built on it) is image/tiff", []byte("MM\x00*\x00\x00\x00\x08"), "image/tiff"},
		{"a FLAC sound is audio/flac", []byte("fLaC\x00\x00\x00\x22"), "audio/flac"},
		{"plain text is text/plain", []byte("hello, world\n"), "text/plain; charset=utf-8"},
		{"HTML is text/html, whatever a client calls it", []byte("<!DOCTYPE html><script>alert(1)</script>"), "text/html; charset=utf-8"},
		{"nothing at all is text/plain, as net/http says", nil, "text/plain; charset=utf-8"},
		{"random bytes are an octet stream", []byte{0x00, 0x01, 0x02, 0xfe, 0xff, 0x10}, "application/octet-stream"},
		{"only the first 512 bytes count", append(bytes.Repeat([]byte{0}, 600), []byte("%PDF-")...), "application/octet-stream"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Detect(c.head); got != c.want {
				t.Errorf("Detect = %q, want %q", got, c.want)
			}
		})
	}
}

func TestMediaType(t *testing.T) {
	for ct, want := range map[string]string{
		"image/heic": "image", "video/quicktime": "video", "audio/flac": "audio",
		"application/pdf": "document", "text/plain; charset=utf-8": "document", "application/octet-stream": "document",
	} {
		if got := MediaType(ct); got != want {
			t.Errorf("MediaType(%q) = %q, want %q", ct, got, want)
		}
	}
}

func FuzzDetect(f *testing.F) {
	f.Add(ftyp("heic", "mif1", "heic"))
	f.Add([]byte("\x00\x00\x00\x08ftyp"))
	f.Add([]byte("\xff\xff\xff\xf0ftypqt  \x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, head []byte) {
		ct := Detect(head)
		if ct == "" || !strings.Contains(ct, "/") {
			t.Fatalf("Detect gave %q", ct)
		}
		if len(head) > SniffLen && Detect(head[:SniffLen]) != ct {
			t.Fatal("bytes after the first 512 changed the answer")
		}
	})
}
