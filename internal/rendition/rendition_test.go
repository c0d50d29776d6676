package rendition

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
)

func TestRenditionSizes(t *testing.T) {
	type size struct{ w, h int }
	tests := []struct {
		name                  string
		w, h                  int
		thumb, preview, large size
	}{
		// Few pixels, many of them on the long side: the tests run under
		// the race detector too.
		{name: "a landscape image is fitted by its width", w: 2500, h: 150,
			thumb: size{256, 15}, preview: size{1024, 61}, large: size{2048, 123}},
		{name: "a portrait image is fitted by its height", w: 150, h: 2500,
			thumb: size{15, 256}, preview: size{61, 1024}, large: size{123, 2048}},
		{name: "a square image gives squares", w: 2100, h: 2100,
			thumb: size{256, 256}, preview: size{1024, 1024}, large: size{2048, 2048}},
		{name: "an image smaller than the large box is not enlarged", w: 1500, h: 100,
			thumb: size{256, 17}, preview: size{1024, 68}, large: size{1500, 100}},
		{name: "an image smaller than every box keeps its size everywhere", w: 200, h: 120,
			thumb: size{200, 120}, preview: size{200, 120}, large: size{200, 120}},
		{name: "an image exactly the size of a box is not scaled for it", w: 1024, h: 512,
			thumb: size{256, 128}, preview: size{1024, 512}, large: size{1024, 512}},
		{name: "a very thin strip keeps at least one pixel", w: 5000, h: 3,
			thumb: size{256, 1}, preview: size{1024, 1}, large: size{2048, 1}},
		{name: "a one-pixel image stays one pixel", w: 1, h: 1,
			thumb: size{1, 1}, preview: size{1, 1}, large: size{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := generate(t, encodeJPEG(t, photo(tt.w, tt.h)), testOptions())
			if err != nil {
				t.Fatal(err)
			}
			if res.Info != (Info{Format: "jpeg", Width: tt.w, Height: tt.h, Orientation: 1}) {
				t.Errorf("info %+v", res.Info)
			}
			want := map[Kind]size{Thumbnail: tt.thumb, Preview: tt.preview, Large: tt.large}
			if len(res.Renditions) != 3 {
				t.Fatalf("%d renditions", len(res.Renditions))
			}
			for i, r := range res.Renditions {
				if r.Kind != Kinds()[i] {
					t.Errorf("rendition %d is %s", i, r.Kind)
				}
				decodeRendition(t, r)
				if got := (size{r.Width, r.Height}); got != want[r.Kind] {
					t.Errorf("%s is %v, want %v", r.Kind, got, want[r.Kind])
				}
				if w, h := r.Kind.Fit(res.Info.Width, res.Info.Height); w != r.Width || h != r.Height {
					t.Errorf("%s: Fit says %d×%d, the rendition is %d×%d", r.Kind, w, h, r.Width, r.Height)
				}
				if r.ContentType != "image/jpeg" {
					t.Errorf("%s is %s", r.Kind, r.ContentType)
				}
			}
		})
	}
}

// TestScalingAveragesTheArea checks the scaler's arithmetic: scaling a
// checkerboard by a whole factor gives its mean grey, and scaling by an
// uneven factor keeps a uniform colour exactly.
func TestScalingAveragesTheArea(t *testing.T) {
	board := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range board.Pix {
		if (i%64+i/64)%2 == 0 {
			board.Pix[i] = 255
		}
	}
	m := shrink(board, 16, 12)
	for i := 0; i < len(m.Pix); i += 4 {
		if m.Pix[i] != 128 || m.Pix[i+3] != 255 {
			t.Fatalf("pixel %d is %v, want mean grey 128", i/4, m.Pix[i:i+4])
		}
	}
	c := color.RGBA{200, 100, 50, 255}
	m = shrink(uniform(97, 61, c), 13, 7)
	for i := 0; i < len(m.Pix); i += 4 {
		if got := (color.RGBA{m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3]}); got != c {
			t.Fatalf("pixel %d is %v, want %v", i/4, got, c)
		}
	}
	// The left half black, the right half white, scaled 3 to 1 from an
	// odd width: the middle column straddles both.
	half := image.NewGray(image.Rect(0, 0, 9, 3))
	for y := range 3 {
		for x := 5; x < 9; x++ {
			half.Pix[y*9+x] = 255
		}
	}
	m = shrink(half, 3, 1)
	if got := []uint8{m.Pix[0], m.Pix[4], m.Pix[8]}; !bytes.Equal(got, []uint8{0, 85, 255}) {
		t.Errorf("columns %v, want [0 85 255]", got)
	}
}

func TestWatermark(t *testing.T) {
	grey := encodeJPEG(t, uniform(1200, 900, color.RGBA{128, 128, 128, 255}))
	on := testOptions()
	off := testOptions()
	off.Watermark.Opacity = 0
	withMark, err := generate(t, grey, on)
	if err != nil {
		t.Fatal(err)
	}
	without, err := generate(t, grey, off)
	if err != nil {
		t.Fatal(err)
	}
	other := testOptions()
	other.Watermark.Text = "Northwind Press"
	otherMark, err := generate(t, grey, other)
	if err != nil {
		t.Fatal(err)
	}

	// changed counts the pixels of a and b more than 24 apart.
	changed := func(a, b image.Image) (n int, lighter, darker bool) {
		for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
			for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
				ga := color.GrayModel.Convert(a.At(x, y)).(color.Gray).Y
				gb := color.GrayModel.Convert(b.At(x, y)).(color.Gray).Y
				switch {
				case int(ga)-int(gb) > 24:
					n++
					lighter = true
				case int(gb)-int(ga) > 24:
					n++
					darker = true
				}
			}
		}
		return n, lighter, darker
	}
	for i, k := range Kinds() {
		a, b := decodeRendition(t, withMark.Renditions[i]), decodeRendition(t, without.Renditions[i])
		n, lighter, darker := changed(a, b)
		total := a.Bounds().Dx() * a.Bounds().Dy()
		switch k {
		case Preview:
			// The text covers a good part of the picture, in white with a
			// dark shadow.
			if n < total/50 || n > total/2 {
				t.Errorf("the watermark changed %d of %d preview pixels", n, total)
			}
			if !lighter || !darker {
				t.Errorf("the watermark should lighten (text) and darken (shadow) pixels: lighter %t, darker %t", lighter, darker)
			}
			if bytes.Equal(withMark.Renditions[i].Data, otherMark.Renditions[i].Data) {
				t.Error("another text gave the same preview")
			}
		default:
			if !bytes.Equal(withMark.Renditions[i].Data, without.Renditions[i].Data) {
				t.Errorf("the %s differs with a watermark (%d pixels)", k, n)
			}
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain text is kept", "Northwind Press", "Northwind Press"},
		{"white space is collapsed and trimmed", "  Northwind\t\n Press  ", "Northwind Press"},
		{"control characters are dropped", "North\x00wind\x1b[31m", "Northwind[31m"},
		{"only white space is no text", " \t ", ""},
		{"long text is cut to 100 characters", strings.Repeat("é", 150), strings.Repeat("é", 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanText(tt.in); got != tt.want {
				t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFailures(t *testing.T) {
	small := encodeJPEG(t, photo(300, 200))
	// A JPEG whose frame header declares 30000×30000 pixels.
	huge := append([]byte{}, small...)
	sof := bytes.Index(huge, []byte{0xff, mSOF0})
	binary.BigEndian.PutUint16(huge[sof+5:], 30000)
	binary.BigEndian.PutUint16(huge[sof+7:], 30000)
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	var bigMeta []byte = append([]byte{}, small[:2]...)
	for range 70 {
		bigMeta = append(bigMeta, 0xff, 0xe5, 0xff, 0xff)
		bigMeta = append(bigMeta, make([]byte, 0xfffd)...)
	}
	bigMeta = append(bigMeta, small[2:]...)
	badCRC := encodePNG(t, photo(50, 50))
	badCRC[30] ^= 0xff // in the IHDR
	zeroHeight := append([]byte{}, small...)
	binary.BigEndian.PutUint16(zeroHeight[sof+5:], 0)
	deep := image.NewRGBA64(image.Rect(0, 0, 800, 700))
	tight := testOptions()
	tight.MaxPixels = 1_000_000
	tinyFiles := testOptions()
	tinyFiles.MaxBytes = 1000

	tests := []struct {
		name   string
		data   []byte
		opts   Options
		class  error
		reason string
	}{
		{"a zero-byte file is corrupt", nil, testOptions(), ErrCorrupt, "corrupt image: empty file"},
		{"a truncated JPEG is corrupt", small[:len(small)/2], testOptions(), ErrCorrupt, "corrupt image: truncated file"},
		{"a JPEG cut inside its header is corrupt", small[:100], testOptions(), ErrCorrupt, "corrupt image: truncated file"},
		{"random bytes are not an image", random, testOptions(), ErrUnsupported,
			"unsupported format: not a JPEG, PNG, GIF, WebP or BMP image"},
		{"a PNG declaring 100000×100000 pixels is a bomb refused from its header", pngBomb(100000, 100000), testOptions(), ErrTooLarge,
			"image too large: 100000×100000 pixels exceeds the 50 MP limit"},
		{"a GIF declaring a 65535×65535 screen is a bomb refused from its header", gifBomb(65535, 65535), testOptions(), ErrTooLarge,
			"image too large: 65535×65535 pixels exceeds the 50 MP limit"},
		{"a JPEG declaring 30000×30000 pixels is refused from its header", huge, testOptions(), ErrTooLarge,
			"image too large: 30000×30000 pixels exceeds the 50 MP limit"},
		{"a strip longer than 65536 pixels has absurd dimensions", pngBomb(70000, 10), testOptions(), ErrTooLarge,
			"image too large: 70000×10 pixels: a side is longer than 65536"},
		{"a 16-bit PNG within the pixel limit may need too much memory", encodePNG(t, deep), tight, ErrTooLarge,
			"image too large: 800×700 pixels of 16-bit PNG exceeds the 0.5 MP limit for that kind of image"},
		{"a file longer than the byte limit is too large", small, tinyFiles, ErrTooLarge,
			"image too large: the file is larger than the 1000-byte limit"},
		{"more than 4 MiB of metadata before the image is too large", bigMeta, testOptions(), ErrTooLarge,
			"image too large: more than 4 MiB of metadata before the image"},
		{"a PNG with a damaged header is corrupt", badCRC, testOptions(), ErrCorrupt, "corrupt image: png: invalid format: invalid checksum"},
		{"a JPEG of zero height is corrupt", zeroHeight, testOptions(), ErrCorrupt, ""},
		{"a TIFF is named as unsupported", []byte("II*\x00\x08\x00\x00\x00"), testOptions(), ErrUnsupported, "unsupported format: TIFF"},
		{"a HEIC photo is named as unsupported", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), testOptions(), ErrUnsupported, "unsupported format: HEIC"},
		{"an XML file is named as unsupported", []byte("<?xml version=\"1.0\"?><doc/>"), testOptions(), ErrUnsupported, "unsupported format: XML"},
		{"an SVG is named as unsupported", []byte("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), testOptions(), ErrUnsupported, "unsupported format: SVG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := generate(t, tt.data, tt.opts)
			if !errors.Is(err, tt.class) {
				t.Fatalf("error %v, want %v", err, tt.class)
			}
			if tt.reason != "" && Reason(err) != tt.reason {
				t.Errorf("reason %q, want %q", Reason(err), tt.reason)
			}
		})
	}
}

// TestBombsAllocateNothing checks that refused headers cost no memory.
func TestBombsAllocateNothing(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"a PNG bomb", pngBomb(100000, 100000)},
		{"a PNG bomb just over the pixel limit", pngBomb(10000, 5001)},
		{"a GIF bomb", gifBomb(65535, 65535)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := generate(t, tt.data, testOptions())
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v", err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 256<<10 {
				t.Errorf("allocated %d bytes refusing a bomb", n)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	var gifBuf, bmpBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, photo(300, 200), nil); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpBuf, photo(300, 200)); err != nil {
		t.Fatal(err)
	}
	grey := image.NewGray(image.Rect(0, 0, 300, 200))
	tests := []struct {
		name   string
		data   []byte
		format string
		w, h   int
		png    bool
	}{
		{"a baseline JPEG", encodeJPEG(t, photo(300, 200)), "jpeg", 300, 200, false},
		{"a grey JPEG", encodeJPEG(t, grey), "jpeg", 300, 200, false},
		{"a progressive 4:2:0 JPEG", fixture(t, "progressive-420.jpg"), "jpeg", 640, 480, false},
		{"a progressive 4:4:4 JPEG", fixture(t, "progressive-444.jpg"), "jpeg", 640, 480, false},
		{"a 4:2:2 JPEG", fixture(t, "baseline-422.jpg"), "jpeg", 640, 480, false},
		{"a CMYK JPEG", fixture(t, "cmyk.jpg"), "jpeg", 640, 480, false},
		{"a progressive CMYK JPEG", fixture(t, "cmyk-progressive.jpg"), "jpeg", 640, 480, false},
		{"an opaque PNG", encodePNG(t, photo(300, 200)), "png", 300, 200, false},
		{"an interlaced PNG", fixture(t, "interlaced.png"), "png", 640, 480, false},
		{"an interlaced 16-bit PNG", fixture(t, "interlaced-16.png"), "png", 320, 240, false},
		{"a GIF", gifBuf.Bytes(), "gif", 300, 200, false},
		{"an interlaced GIF", fixture(t, "interlaced.gif"), "gif", 640, 480, false},
		{"a lossy WebP", fixture(t, "lossy.webp"), "webp", 640, 480, false},
		{"a lossless WebP", fixture(t, "lossless.webp"), "webp", 640, 480, false},
		{"a lossy WebP with alpha", fixture(t, "alpha-lossy.webp"), "webp", 640, 480, true},
		{"a lossless WebP with alpha", fixture(t, "alpha-lossless.webp"), "webp", 640, 480, true},
		{"a BMP", bmpBuf.Bytes(), "bmp", 300, 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := generate(t, tt.data, testOptions())
			if err != nil {
				t.Fatal(err)
			}
			if res.Info.Format != tt.format || res.Info.Width != tt.w || res.Info.Height != tt.h {
				t.Errorf("info %+v, want %s %d×%d", res.Info, tt.format, tt.w, tt.h)
			}
			for _, r := range res.Renditions {
				decodeRendition(t, r)
				if (r.ContentType == "image/png") != tt.png {
					t.Errorf("%s is %s", r.Kind, r.ContentType)
				}
			}
		})
	}
}

func TestTransparencyIsKept(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 600, 400))
	for y := range 400 {
		for x := range 600 {
			if x >= 300 {
				m.SetNRGBA(x, y, color.NRGBA{20, 200, 40, 255})
			}
		}
	}
	res, err := generate(t, encodePNG(t, m), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Renditions {
		out := decodeRendition(t, r)
		if r.ContentType != "image/png" {
			t.Fatalf("%s is %s", r.Kind, r.ContentType)
		}
		b := out.Bounds()
		if _, _, _, a := out.At(b.Min.X, b.Max.Y-1).RGBA(); a != 0 && r.Kind != Preview {
			t.Errorf("%s: the transparent half has alpha %d", r.Kind, a)
		}
		if _, g, _, a := out.At(b.Max.X-1, b.Min.Y).RGBA(); a != 0xffff || g < 0xc000 {
			t.Errorf("%s: the opaque half is g=%d a=%d", r.Kind, g, a)
		}
	}
}

func TestOrientation(t *testing.T) {
	// A 400×200 image whose stored top-left corner is red, the rest blue.
	m := uniform(400, 200, color.RGBA{0, 0, 255, 255})
	for y := range 50 {
		for x := range 50 {
			m.SetRGBA(x, y, color.RGBA{255, 0, 0, 255})
		}
	}
	plain := encodeJPEG(t, m)
	// Where the red corner is displayed, for each orientation.
	corners := map[int]string{1: "top-left", 2: "top-right", 3: "bottom-right", 4: "bottom-left",
		5: "top-left", 6: "top-right", 7: "bottom-right", 8: "bottom-left"}
	for o := 1; o <= 8; o++ {
		for _, bo := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
			data := withSegment(t, plain, mAPP1, exifBlock(uint16(o), bo), false)
			res, err := generate(t, data, testOptions())
			if err != nil {
				t.Fatal(err)
			}
			w, h := 400, 200
			if o >= 5 {
				w, h = 200, 400
			}
			if res.Info.Orientation != o || res.Info.Width != w || res.Info.Height != h {
				t.Errorf("orientation %d (%v): info %+v", o, bo, res.Info)
			}
			for _, r := range res.Renditions {
				if fw, fh := r.Kind.Fit(res.Info.Width, res.Info.Height); fw != r.Width || fh != r.Height {
					t.Errorf("orientation %d: %s: Fit says %d×%d, the rendition is %d×%d", o, r.Kind, fw, fh, r.Width, r.Height)
				}
			}
			large := decodeRendition(t, res.Renditions[2])
			b := large.Bounds()
			if b.Dx() != w || b.Dy() != h {
				t.Errorf("orientation %d: large is %v, want %d×%d", o, b, w, h)
			}
			red := map[string]image.Point{"top-left": {5, 5}, "top-right": {b.Dx() - 6, 5},
				"bottom-right": {b.Dx() - 6, b.Dy() - 6}, "bottom-left": {5, b.Dy() - 6}}
			for corner, p := range red {
				r, _, bl, _ := large.At(p.X, p.Y).RGBA()
				if isRed := r > 0xc000 && bl < 0x4000; isRed != (corner == corners[o]) {
					t.Errorf("orientation %d: the %s corner red=%t, want the red corner %s", o, corner, isRed, corners[o])
				}
			}
		}
	}
}

func TestOrient(t *testing.T) {
	// A 3×2 image: each pixel's red is its index.
	m := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		m.Pix[4*i] = uint8(i)
	}
	// Each orientation's displayed pixels, row by row.
	want := map[int][]uint8{
		1: {0, 1, 2, 3, 4, 5},
		2: {2, 1, 0, 5, 4, 3},
		3: {5, 4, 3, 2, 1, 0},
		4: {3, 4, 5, 0, 1, 2},
		5: {0, 3, 1, 4, 2, 5},
		6: {3, 0, 4, 1, 5, 2},
		7: {5, 2, 4, 1, 3, 0},
		8: {2, 5, 1, 4, 0, 3},
	}
	for o, w := range want {
		out := orient(m, o)
		var got []uint8
		for i := 0; i < len(out.Pix); i += 4 {
			got = append(got, out.Pix[i])
		}
		if !bytes.Equal(got, w) {
			t.Errorf("orientation %d: %v, want %v", o, got, w)
		}
		if wantW := map[bool]int{true: 2, false: 3}[o >= 5]; out.Rect.Dx() != wantW {
			t.Errorf("orientation %d: width %d", o, out.Rect.Dx())
		}
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, bytes.NewReader(encodeJPEG(t, photo(100, 100))), testOptions())
	if !errors.Is(err, context.Canceled) || Reason(err) != "cancelled" {
		t.Errorf("error %v, reason %q", err, Reason(err))
	}
}

func TestOptionsCheck(t *testing.T) {
	if err := DefaultOptions().Check(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Options)
	}{
		{"no workers", func(o *Options) { o.Workers = 0 }},
		{"a negative queue", func(o *Options) { o.QueueSize = -1 }},
		{"no pixels", func(o *Options) { o.MaxPixels = 0 }},
		{"no bytes", func(o *Options) { o.MaxBytes = 0 }},
		{"a JPEG quality over 100", func(o *Options) { o.JPEGQuality = 101 }},
		{"an opacity over 1", func(o *Options) { o.Watermark.Opacity = 1.5 }},
		{"a negative opacity", func(o *Options) { o.Watermark.Opacity = -0.1 }},
		{"no timeout", func(o *Options) { o.Timeout = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			o := DefaultOptions()
			tt.change(&o)
			if o.Check() == nil {
				t.Error("accepted")
			}
		})
	}
}

// failing gives its data, then fails as storage can mid-read.
type failing struct{ data []byte }

func (f *failing) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, errors.New("connection reset by peer")
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadError(t *testing.T) {
	jpg := encodeJPEG(t, photo(300, 200))
	for _, cut := range []int{0, 10, 1000} {
		_, err := Generate(context.Background(), &failing{jpg[:cut]}, testOptions())
		if !errors.Is(err, ErrRead) || Reason(err) != "could not read the original" || !strings.Contains(err.Error(), "connection reset") {
			t.Errorf("failing after %d bytes: %v (%q)", cut, err, Reason(err))
		}
	}
}

func TestGIFFrameSmallerThanScreen(t *testing.T) {
	res, err := generate(t, gifBomb(3, 3), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if res.Info.Width != 1 || res.Info.Height != 1 || res.Renditions[0].Width != 1 {
		t.Errorf("a 1×1 frame on a 3×3 screen: %+v", res.Info)
	}
}
