package rendition

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"io"
	"runtime"
	"testing"

	"golang.org/x/image/bmp"
)

// TestCostEstimates decodes one image of each layout and checks that the
// memory estimate made from its header covers what the decoder allocated:
// the estimate is what keeps a decode within MaxPixels × 4 bytes.
func TestCostEstimates(t *testing.T) {
	rgb := photo(640, 480)
	nrgba := image.NewNRGBA(rgb.Rect)
	for i := range nrgba.Pix {
		nrgba.Pix[i] = rgb.Pix[i]
		if i%4 == 3 {
			nrgba.Pix[i] = uint8(i / 4)
		}
	}
	grey := image.NewGray(rgb.Rect)
	grey16 := image.NewGray16(rgb.Rect)
	deep := image.NewRGBA64(rgb.Rect)
	deepAlpha := image.NewNRGBA64(rgb.Rect)
	for y := range 480 {
		for x := range 640 {
			grey.SetGray(x, y, color.Gray{uint8(x ^ y)})
			grey16.SetGray16(x, y, color.Gray16{uint16(x * y)})
			deep.SetRGBA64(x, y, color.RGBA64{uint16(x * 100), uint16(y * 100), 9, 0xffff})
			deepAlpha.SetNRGBA64(x, y, color.NRGBA64{uint16(x * 100), uint16(y * 100), 9, uint16(x * 50)})
		}
	}
	paletted := image.NewPaletted(rgb.Rect, palette.Plan9)
	for i := range paletted.Pix {
		paletted.Pix[i] = uint8(i)
	}
	// A grey PNG with a tRNS chunk: the decoder makes it NRGBA.
	greyPNG := encodePNG(t, grey)
	idat := bytes.Index(greyPNG, []byte("IDAT")) - 4
	greyTRNS := append(append(append([]byte{}, greyPNG[:idat]...), pngChunk("tRNS", []byte{0, 7})...), greyPNG[idat:]...)
	// A JPEG marked as RGB by an Adobe segment: converted to RGBA.
	rgbJPEG := withSegment(t, encodeJPEG(t, rgb), mAPP14, []byte("Adobe\x00\x64\x00\x00\x00\x00\x00"), false)
	var gifBuf, bmpBuf, bmpAlpha bytes.Buffer
	if err := gif.Encode(&gifBuf, rgb, nil); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpBuf, rgb); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpAlpha, nrgba); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		data []byte
	}{
		{"a baseline 4:2:0 JPEG", encodeJPEG(t, rgb)},
		{"a baseline 4:2:2 JPEG", fixture(t, "baseline-422.jpg")},
		{"a baseline 4:4:4 JPEG", fixture(t, "baseline-444.jpg")},
		{"a grey JPEG", encodeJPEG(t, grey)},
		{"an RGB JPEG", rgbJPEG},
		{"a progressive 4:2:0 JPEG", fixture(t, "progressive-420.jpg")},
		{"a progressive 4:4:4 JPEG", fixture(t, "progressive-444.jpg")},
		{"a CMYK JPEG", fixture(t, "cmyk.jpg")},
		{"a progressive CMYK JPEG", fixture(t, "cmyk-progressive.jpg")},
		{"an opaque 8-bit PNG", encodePNG(t, rgb)},
		{"an 8-bit PNG with alpha", encodePNG(t, nrgba)},
		{"a grey PNG", greyPNG},
		{"a grey PNG with a transparent colour", greyTRNS},
		{"a 16-bit grey PNG", encodePNG(t, grey16)},
		{"a 16-bit PNG", encodePNG(t, deep)},
		{"a 16-bit PNG with alpha", encodePNG(t, deepAlpha)},
		{"a paletted PNG", encodePNG(t, paletted)},
		{"an interlaced PNG", fixture(t, "interlaced.png")},
		{"an interlaced 16-bit PNG", fixture(t, "interlaced-16.png")},
		{"a GIF", gifBuf.Bytes()},
		{"an interlaced GIF", fixture(t, "interlaced.gif")},
		{"a lossy WebP", fixture(t, "lossy.webp")},
		{"a lossless WebP", fixture(t, "lossless.webp")},
		{"a lossy WebP with alpha", fixture(t, "alpha-lossy.webp")},
		{"a lossless WebP with alpha", fixture(t, "alpha-lossless.webp")},
		{"a BMP", bmpBuf.Bytes()},
		{"a BMP with alpha", bmpAlpha.Bytes()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := sniff(tt.data)
			if !ok {
				t.Fatal("format not recognised")
			}
			rec := &recorder{r: bytes.NewReader(tt.data), max: maxHeader}
			cfg, err := f.config(rec)
			if err != nil {
				t.Fatal(err)
			}
			cost, what := f.cost(cfg, rec.buf, DefaultOptions())

			var r io.Reader = bytes.NewReader(tt.data)
			if f.guard != nil {
				r = f.guard(r)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			m, err := f.decode(r)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			got := int64(after.TotalAlloc - before.TotalAlloc)
			px := int64(cfg.Width * cfg.Height)
			t.Logf("%s, %T, %d bytes: allocated %.2f bytes a pixel (%d over), estimated %.2f", what, m, len(tt.data), float64(got)/float64(px), got-cost, float64(cost)/float64(px))
			// TotalAlloc counts garbage too, which the live memory the
			// estimate bounds does not hold at once: the slack covers the
			// decoders' fixed tables and buffers, and the Huffman tables
			// that compress/flate makes anew for each block of a PNG.
			if got > cost+96<<10+int64(len(tt.data))/2 {
				t.Errorf("%s: decoding allocated %d bytes, over the estimate of %d", what, got, cost)
			}
		})
	}
}

// TestDecoderPanicIsRecovered registers, in this package's table, a
// format whose decoder panics, and one whose header reader does.
func TestDecoderPanicIsRecovered(t *testing.T) {
	saved := formats
	t.Cleanup(func() { formats = saved })
	fake := func(configPanics bool) format {
		return format{
			name:  "fake",
			match: func(b []byte) bool { return bytes.HasPrefix(b, []byte("FAKE")) },
			config: func(r io.Reader) (image.Config, error) {
				if configPanics {
					panic(errors.New("a bug in the header reader"))
				}
				_, err := io.ReadAll(r)
				return image.Config{ColorModel: color.RGBAModel, Width: 10, Height: 10}, err
			},
			decode: func(r io.Reader) (image.Image, error) {
				var s []int
				_ = s[3] // index out of range
				return nil, nil
			},
			cost: func(cfg image.Config, _ []byte, _ Options) (int64, string) { return 400, "fake" },
		}
	}
	for _, configPanics := range []bool{false, true} {
		formats = []format{fake(configPanics)}
		_, err := generate(t, []byte("FAKE image data"), testOptions())
		if !errors.Is(err, ErrCorrupt) || Reason(err) != "corrupt image: the decoder failed on this file" {
			t.Errorf("config panics %t: error %v", configPanics, err)
		}
	}
	// The pool survives too.
	formats = []format{fake(false)}
	p, err := NewPool(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	rec := newOutcomes()
	if err := p.Submit(rec.job("panics", []byte("FAKE"))); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := rec.statuses("panics"); got != "thumbnail failed corrupt image: the decoder failed on this file; preview failed corrupt image: the decoder failed on this file; large failed corrupt image: the decoder failed on this file" {
		t.Errorf("statuses: %s", got)
	}
}

func TestMP(t *testing.T) {
	for n, want := range map[int64]string{
		50_000_000:  "50 MP",
		12_500_000:  "12.5 MP",
		499_000:     "0.5 MP",
		100_000:     "0.1 MP",
		2_500:       "2500-pixel",
		268_435_456: "268.4 MP",
	} {
		if got := mp(n); got != want {
			t.Errorf("mp(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestMemoryBound checks the bound the package documents, MaxPixels × 4
// bytes + 64 MiB a job, on images at the pixel limit whose renditions are
// full size: everything allocated (garbage included) stays under it.
func TestMemoryBound(t *testing.T) {
	o := testOptions()
	o.MaxPixels = 1400 * 900
	opaque := scene(1400, 900)
	transparent := image.NewNRGBA(opaque.Rect)
	copy(transparent.Pix, opaque.Pix)
	for i := 3; i < len(transparent.Pix); i += 8 {
		transparent.Pix[i] = 0
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"a JPEG turned by its orientation", withSegment(t, encodeJPEG(t, opaque), mAPP1, exifBlock(6, binary.BigEndian), false)},
		{"a transparent PNG", encodePNG(t, transparent)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res, err := generate(t, tt.data, o)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if res.Renditions[2].Width*res.Renditions[2].Height != 1400*900 {
				t.Fatalf("large is %d×%d", res.Renditions[2].Width, res.Renditions[2].Height)
			}
			got := after.TotalAlloc - before.TotalAlloc
			bound := uint64(budget(o)) + 64<<20
			t.Logf("allocated %d MB, bound %d MB", got>>20, bound>>20)
			if got > bound {
				t.Errorf("allocated %d bytes, over %d", got, bound)
			}
		})
	}
}
