package rendition

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math"
	"testing"

	xdraw "golang.org/x/image/draw"
)

// scene is a w×h picture with smooth shapes and fine texture, closer to a
// photo than photo() (whose noise makes JPEGs twice as large).
func scene(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := 128 + 100*math.Sin(6*fx+3*fy)
			g := 128 + 90*math.Cos(9*fy-4*fx)
			b := 128 + 60*math.Sin(40*fx*fy) + float64((x*31+y*17)%23)
			i := m.PixOffset(x, y)
			m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(r), uint8(g), uint8(min(255, b)), 255
		}
	}
	return m
}

var twelveMP []byte

func twelveMPJPEG(b *testing.B) []byte {
	if twelveMP == nil {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, scene(4000, 3000), &jpeg.Options{Quality: 90}); err != nil {
			b.Fatal(err)
		}
		twelveMP = buf.Bytes()
	}
	return twelveMP
}

// BenchmarkGenerate makes the three renditions of a 12-megapixel
// (4000×3000) JPEG, and times its parts.
func BenchmarkGenerate(b *testing.B) {
	data := twelveMPJPEG(b)
	o := DefaultOptions()
	b.Run("all-12MP-JPEG", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Generate(context.Background(), bytes.NewReader(data), o); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Fine noise everywhere: a 4.8 MB JPEG, as much entropy-coded data as
	// a camera's.
	noisy := encodeJPEG(b, photo(4000, 3000))
	b.Run("all-12MP-noisy-JPEG", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(noisy)))
		for b.Loop() {
			if _, err := Generate(context.Background(), bytes.NewReader(noisy), o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-12MP-JPEG", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := decode(context.Background(), bytes.NewReader(data), o); err != nil {
				b.Fatal(err)
			}
		}
	})
	src, info, err := decode(context.Background(), bytes.NewReader(data), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("render-from-decoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := render(context.Background(), src, info, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	large := shrink(src, 2048, 1536)
	preview := shrink(large, 1024, 768)
	b.Run("watermark-1024x768", func(b *testing.B) {
		for b.Loop() {
			m := image.NewRGBA(preview.Rect)
			copy(m.Pix, preview.Pix)
			if err := drawWatermark(m, DefaultWatermarkText, DefaultWatermarkOpacity); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode-large-JPEG", func(b *testing.B) {
		for b.Loop() {
			if err := jpeg.Encode(&bytes.Buffer{}, large, &jpeg.Options{Quality: o.JPEGQuality}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkScale scales a decoded 12 MP JPEG (YCbCr 4:2:0) to the large
// size, 2048×1536, with this package's area averaging and with
// golang.org/x/image/draw's interpolators, to choose between them: see
// B/op as much as ns/op.
func BenchmarkScale(b *testing.B) {
	src, err := jpeg.Decode(bytes.NewReader(twelveMPJPEG(b)))
	if err != nil {
		b.Fatal(err)
	}
	dr := image.Rect(0, 0, 2048, 1536)
	b.Run("area", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			shrink(src, dr.Dx(), dr.Dy())
		}
	})
	for _, s := range []struct {
		name string
		s    xdraw.Scaler
	}{
		{"x-image-draw-ApproxBiLinear", xdraw.ApproxBiLinear},
		{"x-image-draw-BiLinear", xdraw.BiLinear},
		{"x-image-draw-CatmullRom", xdraw.CatmullRom},
	} {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				dst := image.NewRGBA(dr)
				s.s.Scale(dst, dr, src, src.Bounds(), xdraw.Src, nil)
			}
		})
	}
}
