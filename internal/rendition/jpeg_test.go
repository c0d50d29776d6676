package rendition

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"io"
	"testing"
	"testing/iotest"
)

func TestScanJPEG(t *testing.T) {
	colour := encodeJPEG(t, photo(100, 60))
	grey := encodeJPEG(t, image.NewGray(image.Rect(0, 0, 100, 60)))
	adobeRGB := []byte("Adobe\x00\x64\x00\x00\x00\x00\x00")
	tests := []struct {
		name  string
		data  []byte
		ok    bool
		comps int
		h0    int
		prog  bool
		rgb   bool
		orien int
	}{
		{name: "Go's 4:2:0 JPEG", data: colour, ok: true, comps: 3, h0: 2},
		{name: "a grey JPEG", data: grey, ok: true, comps: 1, h0: 1},
		{name: "a progressive JPEG", data: fixture(t, "progressive-444.jpg"), ok: true, comps: 3, h0: 1, prog: true},
		{name: "a CMYK (YCCK) JPEG", data: fixture(t, "cmyk.jpg"), ok: true, comps: 4, h0: 2},
		{name: "an Adobe segment with transform 0 makes it RGB",
			data: withSegment(t, colour, mAPP14, adobeRGB, false), ok: true, comps: 3, h0: 2, rgb: true},
		{name: "a JFIF segment after the Adobe one makes it YCbCr again",
			data: withSegment(t, withSegment(t, colour, mAPP0, []byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00"), false), mAPP14, adobeRGB, false),
			ok:   true, comps: 3, h0: 2, rgb: false},
		{name: "an Adobe segment after the frame header is not read",
			data: withSegment(t, colour, mAPP14, adobeRGB, true), ok: true, comps: 3, h0: 2, rgb: false},
		{name: "an Exif orientation is read",
			data: withSegment(t, colour, mAPP1, exifBlock(6, binary.BigEndian), false), ok: true, comps: 3, h0: 2, orien: 6},
		{name: "garbage between segments is skipped as image/jpeg does",
			data: append(append([]byte{0xff, 0xd8, 1, 2, 3}, colour[2:4]...), colour[4:]...), ok: true, comps: 3, h0: 2},
		{name: "a header cut short has no frame", data: colour[:40], ok: false},
		{name: "not a JPEG", data: []byte("\x89PNG\r\n"), ok: false},
		{name: "nothing", data: nil, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ji, ok := scanJPEG(tt.data)
			if ok != tt.ok {
				t.Fatalf("ok %t", ok)
			}
			if !ok {
				return
			}
			if len(ji.comps) != tt.comps || ji.comps[0].h != tt.h0 || ji.progressive != tt.prog || ji.isRGB() != tt.rgb || ji.orientation != tt.orien {
				t.Errorf("got %+v (RGB %t)", ji, ji.isRGB())
			}
			// What the decoder makes agrees.
			if cfg, err := jpeg.DecodeConfig(bytes.NewReader(tt.data)); err != nil || cfg.Width != ji.width || cfg.Height != ji.height {
				t.Errorf("DecodeConfig %v %v, scan %d×%d", cfg, err, ji.width, ji.height)
			}
		})
	}
}

func TestExifOrientation(t *testing.T) {
	good := exifBlock(8, binary.LittleEndian)[6:]
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"little-endian", good, 8},
		{"big-endian", exifBlock(3, binary.BigEndian)[6:], 3},
		{"a value out of range", exifBlock(9, binary.LittleEndian)[6:], 0},
		{"zero", exifBlock(0, binary.LittleEndian)[6:], 0},
		{"a LONG instead of a SHORT", func() []byte {
			b := append([]byte{}, good...)
			binary.LittleEndian.PutUint16(b[12:], 4)
			return b
		}(), 0},
		{"an IFD offset past the end", func() []byte {
			b := append([]byte{}, good...)
			binary.LittleEndian.PutUint32(b[4:], 1000)
			return b
		}(), 0},
		{"an entry count past the end", func() []byte {
			b := append([]byte{}, good[:10]...)
			binary.LittleEndian.PutUint16(b[8:], 0xffff)
			return b
		}(), 0},
		{"a bad byte order", append([]byte("XX"), good[2:]...), 0},
		{"too short", good[:6], 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exifOrientation(tt.data); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestJPEGGuard checks that an Adobe segment after the frame header, which
// would make image/jpeg convert the image to RGBA (4 more bytes a pixel
// than estimated), becomes a comment, and that the guard changes nothing
// else, however the stream is cut into reads.
func TestJPEGGuard(t *testing.T) {
	colour := encodeJPEG(t, photo(120, 80))
	late := withSegment(t, colour, mAPP14, []byte("Adobe\x00\x64\x00\x00\x00\x00\x00"), true)

	m, err := jpeg.Decode(bytes.NewReader(late))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*image.RGBA); !ok {
		t.Fatalf("without the guard, a late Adobe segment should give RGBA, got %T", m)
	}
	guarded := func(data []byte, oneByte bool) []byte {
		var r io.Reader = bytes.NewReader(data)
		if oneByte {
			r = iotest.OneByteReader(r)
		}
		out, err := io.ReadAll(&jpegGuard{r: r})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, oneByte := range []bool{false, true} {
		out := guarded(late, oneByte)
		m, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m.(*image.YCbCr); !ok {
			t.Errorf("one byte at a time %t: with the guard, got %T", oneByte, m)
		}
		if diff := diffAt(late, out); len(diff) != 1 || late[diff[0]] != mAPP14 || out[diff[0]] != mCOM {
			t.Errorf("one byte at a time %t: bytes changed at %v", oneByte, diff)
		}
		for _, name := range []string{"progressive-420.jpg", "cmyk-progressive.jpg"} {
			data := fixture(t, name)
			if !bytes.Equal(guarded(data, oneByte), data) {
				t.Errorf("%s changed", name)
			}
		}
		if !bytes.Equal(guarded(colour, oneByte), colour) {
			t.Error("a plain JPEG changed")
		}
		// Early segments are left alone.
		early := withSegment(t, colour, mAPP14, []byte("Adobe\x00\x64\x00\x00\x00\x00\x00"), false)
		if !bytes.Equal(guarded(early, oneByte), early) {
			t.Error("an Adobe segment before the frame header changed")
		}
	}
}

func diffAt(a, b []byte) []int {
	var d []int
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			d = append(d, i)
		}
	}
	return d
}

// TestJPEGScanLimit: a stream of more than maxScans scans is stopped.
func TestJPEGScanLimit(t *testing.T) {
	jpg := encodeJPEG(t, photo(64, 48))
	sos := bytes.Index(jpg, []byte{0xff, mSOS})
	header := jpg[sos : sos+2+int(binary.BigEndian.Uint16(jpg[sos+2:]))]
	scan := jpg[sos : len(jpg)-2] // the header and its entropy-coded data
	many := append([]byte{}, jpg[:len(jpg)-2]...)
	for range maxScans {
		many = append(many, scan...)
	}
	many = append(many, 0xff, mEOI)
	_, err := io.ReadAll(&jpegGuard{r: bytes.NewReader(many)})
	if err != errTooManyScans {
		t.Fatalf("the guard read %d scans: %v", maxScans+1, err)
	}
	_, err = generate(t, many, testOptions())
	if Reason(err) != "corrupt image: more than 500 scans" {
		t.Errorf("Generate: %v", err)
	}
	// Exactly maxScans scans pass.
	ok := append([]byte{}, jpg[:len(jpg)-2]...)
	for range maxScans - 1 {
		ok = append(ok, header...)
	}
	ok = append(ok, 0xff, mEOI)
	if _, err := io.ReadAll(&jpegGuard{r: bytes.NewReader(ok)}); err != nil {
		t.Errorf("%d scans: %v", maxScans, err)
	}
}
