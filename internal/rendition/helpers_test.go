package rendition

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// photo is a w×h picture with gradients and fine detail, so that its
// JPEG is not trivially small.
func photo(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			i := m.PixOffset(x, y)
			m.Pix[i] = uint8(x * 255 / max(1, w-1))
			m.Pix[i+1] = uint8(y * 255 / max(1, h-1))
			m.Pix[i+2] = uint8((x*7 + y*13) ^ (x * y >> 5))
			m.Pix[i+3] = 255
		}
	}
	return m
}

// uniform is a w×h picture of one colour.
func uniform(w, h int, c color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return m
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testOptions are the defaults with a quiet logger.
func testOptions() Options {
	o := DefaultOptions()
	o.Logger = slog.New(slog.DiscardHandler)
	return o
}

func generate(t testing.TB, data []byte, o Options) (Result, error) {
	t.Helper()
	return Generate(context.Background(), bytes.NewReader(data), o)
}

// pngChunk is one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// pngBomb is a valid PNG header declaring w×h pixels of 8-bit RGBA, with
// a few bytes of image data: the decompression bomb.
func pngBomb(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA, deflate, no filter, not interlaced
	// A zlib stream of a few zero bytes (what would inflate to the first
	// rows); the bomb is refused before any of it is read.
	idat := []byte{0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", idat)...)
	return append(b, pngChunk("IEND", nil)...)
}

// gifBomb is a GIF whose logical screen is w×h with a single 1×1 frame.
func gifBomb(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	b = append(b, 0x80, 0, 0)             // global colour table of 2 entries
	b = append(b, 0, 0, 0, 255, 255, 255) // black, white
	b = append(b, ',')                    // image descriptor
	b = append(b, 0, 0, 0, 0, 1, 0, 1, 0, 0)
	b = append(b, 2, 2, 0x44, 0x01, 0) // LZW minimum code size 2; clear, 0, end
	return append(b, ';')
}

// withSegment inserts a JPEG segment (marker and body) after the SOI, or
// after the frame header when afterSOF.
func withSegment(t testing.TB, j []byte, marker byte, body []byte, afterSOF bool) []byte {
	t.Helper()
	seg := []byte{0xff, marker, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	seg = append(seg, body...)
	at := 2
	if afterSOF {
		i := bytes.Index(j, []byte{0xff, mSOF0})
		if i < 0 {
			t.Fatal("no SOF0 in the JPEG")
		}
		at = i + 2 + int(binary.BigEndian.Uint16(j[i+2:]))
	}
	out := append([]byte{}, j[:at]...)
	out = append(out, seg...)
	return append(out, j[at:]...)
}

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// exifBlock is an APP1 Exif body holding only an orientation.
func exifBlock(orientation uint16, bo byteOrder) []byte {
	b := []byte("Exif\x00\x00")
	if bo == binary.LittleEndian {
		b = append(b, "II"...)
	} else {
		b = append(b, "MM"...)
	}
	b = bo.AppendUint16(b, 42)
	b = bo.AppendUint32(b, 8) // IFD0 right after the header
	b = bo.AppendUint16(b, 1) // one entry
	b = bo.AppendUint16(b, 0x0112)
	b = bo.AppendUint16(b, 3) // SHORT
	b = bo.AppendUint32(b, 1) // one value
	b = bo.AppendUint16(b, orientation)
	b = append(b, 0, 0)
	return bo.AppendUint32(b, 0) // no next IFD
}

// decodeRendition decodes a rendition's bytes.
func decodeRendition(t testing.TB, r Rendition) image.Image {
	t.Helper()
	m, format, err := image.Decode(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("%s: %v", r.Kind, err)
	}
	if want := "image/" + format; want != r.ContentType {
		t.Fatalf("%s: content type %s, data is %s", r.Kind, r.ContentType, format)
	}
	if b := m.Bounds(); b.Dx() != r.Width || b.Dy() != r.Height {
		t.Fatalf("%s: says %d×%d, is %d×%d", r.Kind, r.Width, r.Height, b.Dx(), b.Dy())
	}
	return m
}
