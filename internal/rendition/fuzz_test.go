package rendition

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/gif"
	"io"
	"runtime"
	"testing"
	"testing/iotest"

	"golang.org/x/image/bmp"
)

// FuzzGenerate feeds arbitrary bytes to Generate under a 1 MP limit:
// it never panics (a decoder's recovered panic fails the test too, to be
// looked at), fails only with a reason of its three kinds, never makes a
// rendition larger than its box, and never allocates beyond its bound.
// Seeds: small images of every format here, and testdata/fuzz/FuzzGenerate.
func FuzzGenerate(f *testing.F) {
	tiny := photo(20, 12)
	var gifBuf, bmpBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, tiny, nil); err != nil {
		f.Fatal(err)
	}
	if err := bmp.Encode(&bmpBuf, tiny); err != nil {
		f.Fatal(err)
	}
	jpg := encodeJPEG(f, tiny)
	for _, seed := range [][]byte{
		jpg,
		withSegment(f, jpg, mAPP1, exifBlock(6, binary.BigEndian), false),
		withSegment(f, jpg, mAPP14, []byte("Adobe\x00\x64\x00\x00\x00\x00\x00"), true),
		jpg[:len(jpg)/2],
		encodePNG(f, tiny),
		encodePNG(f, image.NewGray16(image.Rect(0, 0, 9, 9))),
		gifBuf.Bytes(),
		bmpBuf.Bytes(),
		fixture(f, "alpha-lossless.webp"),
		fixture(f, "lossy.webp"),
		fixture(f, "progressive-420.jpg"),
		pngBomb(100000, 100000),
		gifBomb(65535, 65535),
		nil,
	} {
		f.Add(seed)
	}
	o := testOptions()
	o.MaxPixels, o.MaxBytes = 1<<20, 1<<20
	// The decode (MaxPixels × 4), three renditions and their encoding (each
	// at most the image's 4 bytes a pixel), the header kept, and slack for
	// garbage: flate's tables, the PNG encoder's compressor, the font.
	bound := uint64(budget(o) + 3*o.MaxPixels*4 + 16<<20)
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res, err := Generate(context.Background(), bytes.NewReader(data), o)
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > bound+2*uint64(len(data)) {
			t.Fatalf("allocated %d bytes, over the bound of %d", n, bound)
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("an error of no class: %v", err)
			}
			if Reason(err) == "corrupt image: the decoder failed on this file" {
				t.Fatalf("a decoder panicked (recovered): %v", err)
			}
			return
		}
		if len(res.Renditions) != 3 {
			t.Fatalf("%d renditions", len(res.Renditions))
		}
		for _, r := range res.Renditions {
			if r.Width < 1 || r.Height < 1 || r.Width > r.Kind.Box() || r.Height > r.Kind.Box() || len(r.Data) == 0 {
				t.Fatalf("%s: %d×%d, %d bytes", r.Kind, r.Width, r.Height, len(r.Data))
			}
		}
	})
}

// FuzzScanJPEG checks the hand-written JPEG readers: the header scan and
// the Exif orientation never panic and give sensible values, and the
// guard only ever turns an APP0 or APP14 marker into a comment or stops
// after too many scans, the same way however the stream is cut into
// reads. Seeds: testdata/fuzz/FuzzScanJPEG.
func FuzzScanJPEG(f *testing.F) {
	jpg := encodeJPEG(f, photo(16, 16))
	f.Add(jpg)
	f.Add(withSegment(f, jpg, mAPP1, exifBlock(3, binary.LittleEndian), false))
	f.Add(withSegment(f, jpg, mAPP14, []byte("Adobe\x00\x64\x00\x00\x00\x00\x00"), true))
	f.Add([]byte("\xff\xd8\xff\xc0\x00\x11\x08\x00\x10\x00\x10\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ji, ok := scanJPEG(data)
		if ji.orientation < 0 || ji.orientation > 8 {
			t.Fatalf("orientation %d", ji.orientation)
		}
		if ok {
			if n := len(ji.comps); n != 1 && n != 3 && n != 4 {
				t.Fatalf("%d components", n)
			}
			for _, c := range ji.comps {
				if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
					t.Fatalf("sampling %d×%d", c.h, c.v)
				}
			}
		}
		if len(data) > 6 {
			if o := exifOrientation(data[6:]); o < 0 || o > 8 {
				t.Fatalf("Exif orientation %d", o)
			}
		}
		whole, err1 := io.ReadAll(&jpegGuard{r: bytes.NewReader(data)})
		bytewise, err2 := io.ReadAll(&jpegGuard{r: iotest.OneByteReader(bytes.NewReader(data))})
		if err1 != err2 || err1 != nil && err1 != errTooManyScans {
			t.Fatalf("errors %v and %v", err1, err2)
		}
		if err1 == nil && (!bytes.Equal(whole, bytewise) || len(whole) != len(data)) {
			t.Fatal("the guard depends on how the stream is read")
		}
		for _, out := range [][]byte{whole, bytewise} {
			for _, i := range diffAt(data, out) {
				if data[i] != mAPP0 && data[i] != mAPP14 || out[i] != mCOM {
					t.Fatalf("byte %d changed from %#x to %#x", i, data[i], out[i])
				}
			}
		}
	})
}
