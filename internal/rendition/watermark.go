package rendition

import (
	"image"
	"math"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// goRegular is the Go font, parsed once; a parsed font is safe for
// concurrent use, its faces are not (each watermark makes its own).
var goRegular = sync.OnceValues(func() (*opentype.Font, error) { return opentype.Parse(goregular.TTF) })

// cleanText drops control characters, collapses white space and keeps at
// most 100 characters.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case !unicode.IsPrint(r):
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 100 {
		s = strings.TrimSpace(string(r[:100]))
	}
	return s
}

// The watermark's layout.
const (
	wmAngle = 30.0 // degrees, the text rising to the right
	wmSize  = 14   // text height: one fourteenth of the shorter side…
	wmMin   = 9    // …but at least 9 pixels
	wmMax   = 64   // …and at most 64
)

// drawWatermark draws text over m, tiled on lines rising at 30°, in white
// at the given opacity over a dark shadow at half of it.
func drawWatermark(m *image.RGBA, text string, opacity float64) error {
	f, err := goRegular()
	if err != nil {
		return err
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	size := min(max(float64(min(w, h))/wmSize, wmMin), wmMax)
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return err
	}
	defer face.Close()

	// The tile: the text once, with room around it; tiles are laid in
	// rows, each row shifted by half a tile.
	met := face.Metrics()
	textW := font.MeasureString(face, text).Ceil()
	lineH := (met.Ascent + met.Descent).Ceil()
	gap := int(size)
	tw, th := textW+2*gap, lineH+2*gap
	tile := image.NewAlpha(image.Rect(0, 0, tw, th))
	d := font.Drawer{Dst: tile, Src: image.Opaque, Face: face, Dot: fixed.P(gap, gap+met.Ascent.Ceil())}
	d.DrawString(text)

	sin, cos := math.Sincos(wmAngle * math.Pi / 180)
	alpha := func(x, y float64) float64 {
		// Turn the image's point back into the tile's frame, where the
		// text is level.
		u := x*cos - y*sin
		v := x*sin + y*cos
		row := math.Floor(v / float64(th))
		u += row * float64(tw) / 2
		return sample(tile, u-0.5, v-0.5)
	}
	off := max(1, size/24) // the shadow's offset
	cx, cy := float64(w)/2, float64(h)/2
	for y := range h {
		p := m.Pix[y*m.Stride:]
		for x := range w {
			fx, fy := float64(x)+0.5-cx, float64(y)+0.5-cy
			shadow := alpha(fx-off, fy-off) * opacity / 2
			white := alpha(fx, fy) * opacity
			if shadow == 0 && white == 0 {
				continue
			}
			q := p[4*x : 4*x+4 : 4*x+4]
			// Premultiplied "over": the shadow (black), then the text (white).
			for i := range 4 {
				v := float64(q[i]) * (1 - shadow)
				if i == 3 {
					v += 255 * shadow
				}
				v = v*(1-white) + 255*white
				q[i] = uint8(min(255, v+0.5))
			}
		}
	}
	return nil
}

// sample is the tile's alpha (0 to 1) at (u, v), bilinearly interpolated,
// the tile repeating in both directions.
func sample(t *image.Alpha, u, v float64) float64 {
	tw, th := t.Rect.Dx(), t.Rect.Dy()
	u0, v0 := math.Floor(u), math.Floor(v)
	fu, fv := u-u0, v-v0
	x0, y0 := mod(int(u0), tw), mod(int(v0), th)
	x1, y1 := (x0+1)%tw, (y0+1)%th
	a := func(x, y int) float64 { return float64(t.Pix[y*t.Stride+x]) }
	top := a(x0, y0)*(1-fu) + a(x1, y0)*fu
	bottom := a(x0, y1)*(1-fu) + a(x1, y1)*fu
	return (top*(1-fv) + bottom*fv) / 255
}

func mod(a, n int) int {
	a %= n
	if a < 0 {
		a += n
	}
	return a
}
