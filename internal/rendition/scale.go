package rendition

import (
	"image"
	"image/draw"
)

// shrink returns src scaled to w×h (no larger than src) by area
// averaging: each output pixel is the mean of the source area it covers,
// weighted by exact overlap (integer arithmetic, premultiplied alpha). It
// reads the source one row at a time and keeps one row of accumulators, so
// it needs no memory beyond its output and a few rows, and reads each
// source pixel once. (golang.org/x/image/draw's CatmullRom keeps a
// w × source-height buffer of float64 quadruples, 196 MB for a 12 MP
// photo scaled to 2048 wide; ApproxBiLinear reads 4 source pixels an
// output pixel and aliases; see BenchmarkScale.)
func shrink(src image.Image, w, h int) *image.RGBA {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == sw && h == sh {
		draw.Draw(dst, dst.Rect, src, sb.Min, draw.Src)
		return dst
	}

	// Source column i covers [i*w, (i+1)*w) and output column x covers
	// [x*sw, (x+1)*sw), in units of 1/(w*sw) of the width; the weight of i
	// in x is their overlap, and an output column's weights add up to sw.
	// Likewise for rows, with h and sh.
	type contrib struct{ i, wt uint32 }
	cols := make([]contrib, 0, sw+w)
	starts := make([]int, w+1)
	for x := range w {
		starts[x] = len(cols)
		lo, hi := int64(x)*int64(sw), int64(x+1)*int64(sw)
		for i := lo / int64(w); i*int64(w) < hi; i++ {
			a, b := max(lo, i*int64(w)), min(hi, (i+1)*int64(w))
			cols = append(cols, contrib{uint32(i), uint32(b - a)})
		}
	}
	starts[w] = len(cols)

	row := image.NewRGBA(image.Rect(0, 0, sw, 1))
	hrow := make([]uint32, 4*w) // one source row reduced to w columns
	acc := make([]uint64, 4*w)  // the output row being summed
	// Each output pixel's weights add up to sw*sh; multiplying by the
	// inverse is exact enough (sums stay below 2^53) and spares a 64-bit
	// division a channel.
	inv := 1 / (float64(sw) * float64(sh))
	oy := 0
	for y := range sh {
		draw.Draw(row, row.Rect, src, image.Pt(sb.Min.X, sb.Min.Y+y), draw.Src)
		px := row.Pix
		for x := range w {
			// At most 255 × sw (< 2^24): uint32 is enough.
			var r, g, b, a uint32
			for _, c := range cols[starts[x]:starts[x+1]] {
				s := px[4*c.i : 4*c.i+4 : 4*c.i+4]
				r += uint32(s[0]) * c.wt
				g += uint32(s[1]) * c.wt
				b += uint32(s[2]) * c.wt
				a += uint32(s[3]) * c.wt
			}
			hp := hrow[4*x : 4*x+4 : 4*x+4]
			hp[0], hp[1], hp[2], hp[3] = r, g, b, a
		}
		// Source row y covers [y*h, (y+1)*h); it adds to the one or two
		// output rows it overlaps.
		lo, hi := int64(y)*int64(h), int64(y+1)*int64(h)
		for lo < hi {
			end := min(hi, int64(oy+1)*int64(sh))
			wt := uint64(end - lo)
			for i, v := range hrow {
				acc[i] += uint64(v) * wt
			}
			lo = end
			if end == int64(oy+1)*int64(sh) {
				out := dst.Pix[oy*dst.Stride : oy*dst.Stride+4*w]
				for i, v := range acc {
					out[i] = uint8(float64(v)*inv + 0.5)
					acc[i] = 0
				}
				oy++
			}
		}
	}
	return dst
}

// orient turns m upright according to its EXIF orientation (1 to 8: how
// the stored image must be flipped and turned to be displayed).
func orient(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	// src returns the stored pixel displayed at (x, y).
	src := func(x, y int) (int, int) {
		switch o {
		case 2: // mirrored
			return w - 1 - x, y
		case 3: // turned 180°
			return w - 1 - x, h - 1 - y
		case 4: // mirrored upside down
			return x, h - 1 - y
		case 5: // transposed
			return y, x
		case 6: // turned 90° clockwise to display
			return y, h - 1 - x
		case 7: // transversed
			return w - 1 - y, h - 1 - x
		default: // 8: turned 90° anticlockwise to display
			return w - 1 - y, x
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		d := out.Pix[y*out.Stride:]
		for x := range dw {
			sx, sy := src(x, y)
			copy(d[4*x:4*x+4], m.Pix[sy*m.Stride+4*sx:])
		}
	}
	return out
}
