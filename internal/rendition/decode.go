package rendition

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"

	"golang.org/x/image/bmp"
	"golang.org/x/image/webp"
)

// format is a decoder this package trusts. The table is this package's
// own, not the image package's registry: a format another package
// registers is never decoded here without a memory estimate.
type format struct {
	name   string
	match  func(b []byte) bool
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
	// cost estimates, from the configuration and the header bytes read to
	// get it, how many bytes decoding allocates at most; what says what
	// the image is, for the message when that is over the budget.
	cost func(cfg image.Config, header []byte, o Options) (bytes int64, what string)
	// guard, if set, wraps the stream given to decode (see jpegGuard).
	guard func(io.Reader) io.Reader
}

var formats = []format{
	{
		name:   "jpeg",
		match:  func(b []byte) bool { return bytes.HasPrefix(b, []byte("\xff\xd8")) },
		config: jpeg.DecodeConfig, decode: jpeg.Decode, cost: jpegCost,
		guard: func(r io.Reader) io.Reader { return &jpegGuard{r: r} },
	},
	{
		name:   "png",
		match:  func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) },
		config: png.DecodeConfig, decode: png.Decode, cost: pngCost,
	},
	{
		name: "gif",
		match: func(b []byte) bool {
			return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
		},
		config: gif.DecodeConfig, decode: gif.Decode, cost: gifCost,
	},
	{
		name:   "webp",
		match:  func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" },
		config: webp.DecodeConfig, decode: webp.Decode, cost: webpCost,
	},
	{
		name:   "bmp",
		match:  func(b []byte) bool { return bytes.HasPrefix(b, []byte("BM")) },
		config: bmp.DecodeConfig, decode: bmp.Decode, cost: bmpCost,
	},
}

// known names formats recognised but not decoded, for a clearer reason.
var known = []struct {
	name  string
	match func(b []byte) bool
}{
	{"TIFF", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*"))
	}},
	{"HEIC", func(b []byte) bool { return ftyp(b, "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1") }},
	{"AVIF", func(b []byte) bool { return ftyp(b, "avif", "avis") }},
	{"JPEG XL", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("\xff\x0a")) || bytes.HasPrefix(b, []byte("\x00\x00\x00\x0cJXL \r\n\x87\n"))
	}},
	{"JPEG 2000", func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x00\x00\x00\x0cjP  \r\n\x87\n")) }},
	{"Photoshop", func(b []byte) bool { return bytes.HasPrefix(b, []byte("8BPS")) }},
	{"PDF", func(b []byte) bool { return bytes.HasPrefix(b, []byte("%PDF-")) }},
	{"SVG", func(b []byte) bool { return strings.HasPrefix(strings.TrimLeft(string(b), "\ufeff \t\r\n"), "<svg") }},
	{"XML", func(b []byte) bool { return strings.HasPrefix(strings.TrimLeft(string(b), "\ufeff \t\r\n"), "<?xml") }},
	{"ICO", func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x00\x00\x01\x00")) }},
}

func ftyp(b []byte, brands ...string) bool {
	if len(b) < 12 || string(b[4:8]) != "ftyp" {
		return false
	}
	for _, br := range brands {
		if string(b[8:12]) == br {
			return true
		}
	}
	return false
}

// sniffLen is how many leading bytes pick the format.
const sniffLen = 32

// maxHeader bounds the bytes kept while reading an image's header (its
// dimensions and the metadata before them), which are read twice.
const maxHeader = 4 << 20

// decode reads one image from r under o's limits; see the package
// documentation for the order of the checks.
func decode(ctx context.Context, r io.Reader, o Options) (img image.Image, info Info, err error) {
	lim := &limitReader{r: &ctxReader{ctx: ctx, r: r}, n: o.MaxBytes}
	// Whatever a decoder failed on, say the limit or the cancellation
	// rather than the decoder's view of a stream cut short.
	defer func() {
		if err == nil {
			return
		}
		switch {
		case lim.over:
			img, err = nil, failf(ErrTooLarge, "the file is larger than the %s limit", sizeString(o.MaxBytes))
		case ctx.Err() != nil:
			img, err = nil, ctx.Err()
		case lim.err != nil:
			img, err = nil, fmt.Errorf("%w: %w", ErrRead, lim.err)
		}
	}()

	prefix := make([]byte, sniffLen)
	n, err := io.ReadFull(lim, prefix)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, Info{}, err
	}
	prefix = prefix[:n]
	if n == 0 {
		return nil, Info{}, failf(ErrCorrupt, "empty file")
	}
	f, ok := sniff(prefix)
	if !ok {
		return nil, Info{}, unsupported(prefix)
	}
	info.Format = f.name

	rec := &recorder{r: io.MultiReader(bytes.NewReader(prefix), lim), max: maxHeader}
	cfg, err := safely(func() (image.Config, error) { return f.config(rec) })
	if err != nil {
		if rec.over {
			return nil, info, failf(ErrTooLarge, "more than %s of metadata before the image", sizeString(maxHeader))
		}
		return nil, info, corrupt(err, lim.eof)
	}
	w, h := cfg.Width, cfg.Height
	switch {
	case w <= 0 || h <= 0:
		return nil, info, failf(ErrCorrupt, "%d×%d pixels", w, h)
	case int64(w)*int64(h) > o.MaxPixels:
		return nil, info, failf(ErrTooLarge, "%d×%d pixels exceeds the %s limit", w, h, mp(o.MaxPixels))
	case w > maxDimension || h > maxDimension:
		return nil, info, failf(ErrTooLarge, "%d×%d pixels: a side is longer than %d", w, h, maxDimension)
	}
	header := rec.buf
	if cost, what := f.cost(cfg, header, o); cost > budget(o) {
		allowed := int64(float64(budget(o)) * float64(w) * float64(h) / float64(cost))
		return nil, info, failf(ErrTooLarge, "%d×%d pixels of %s exceeds the %s limit for that kind of image", w, h, what, mp(allowed))
	}
	info.Orientation = 1
	if f.name == "jpeg" {
		if ji, ok := scanJPEG(header); ok && ji.orientation != 0 {
			info.Orientation = ji.orientation
		}
	}

	// The header again, then whatever the header's reader left.
	var body io.Reader = io.MultiReader(bytes.NewReader(header), rec.r)
	rec.buf = nil
	if f.guard != nil {
		body = f.guard(body)
	}
	img, err = safely(func() (image.Image, error) { return f.decode(body) })
	if err != nil {
		return nil, info, corrupt(err, lim.eof)
	}
	// Only the header's size was checked against the limits. A GIF's
	// first frame may be smaller than its screen: the frame is the image.
	b := img.Bounds()
	if b.Dx() > w || b.Dy() > h || b.Empty() {
		return nil, info, failf(ErrCorrupt, "the header says %d×%d pixels, the data %d×%d", w, h, b.Dx(), b.Dy())
	}
	w, h = b.Dx(), b.Dy()
	info.Width, info.Height = w, h
	if info.Orientation >= 5 {
		info.Width, info.Height = h, w
	}
	return img, info, nil
}

// budget is the bytes a decode may allocate: MaxPixels × 4.
func budget(o Options) int64 { return o.MaxPixels * 4 }

func sniff(prefix []byte) (format, bool) {
	for _, f := range formats {
		if f.match(prefix) {
			return f, true
		}
	}
	return format{}, false
}

func unsupported(prefix []byte) error {
	for _, k := range known {
		if k.match(prefix) {
			return failf(ErrUnsupported, "%s", k.name)
		}
	}
	return failf(ErrUnsupported, "not a JPEG, PNG, GIF, WebP or BMP image")
}

// safely runs a decoder, turning its panic into an error: decoders are
// fed files from anywhere.
func safely[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, &decoderPanic{p}
		}
	}()
	return f()
}

type decoderPanic struct{ v any }

func (p *decoderPanic) Error() string { return fmt.Sprintf("decoder panic: %v", p.v) }

// corrupt turns a decoder's error into the reason shown; truncated says
// the decoder wanted more than the file holds.
func corrupt(err error, truncated bool) error {
	var p *decoderPanic
	switch {
	case errors.As(err, &p):
		return failf(ErrCorrupt, "the decoder failed on this file")
	case errors.Is(err, errTooManyScans):
		return failf(ErrCorrupt, "%v", err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), truncated:
		return failf(ErrCorrupt, "truncated file")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ju jpeg.UnsupportedError
	var pu png.UnsupportedError
	if errors.As(err, &ju) || errors.As(err, &pu) {
		return failf(ErrUnsupported, "%v", err)
	}
	return failf(ErrCorrupt, "%v", err)
}

// The memory estimates, in bytes, of each decoder (Go 1.26 standard
// library, golang.org/x/image v0.47). decode_test.go measures each against
// what decoding really allocates.

func jpegCost(cfg image.Config, header []byte, _ Options) (int64, string) {
	w, h := int64(cfg.Width), int64(cfg.Height)
	ji, ok := scanJPEG(header)
	if !ok || ji.width != cfg.Width || ji.height != cfg.Height {
		// Cannot happen for a header the decoder accepted; assume the
		// worst: progressive CMYK.
		return 24 * (w + 16) * (h + 16), "JPEG"
	}
	h0, v0 := int64(ji.comps[0].h), int64(ji.comps[0].v)
	mxx, myy := (w+8*h0-1)/(8*h0), (h+8*v0-1)/(8*v0)
	var planes int64
	for _, c := range ji.comps {
		planes += 8 * int64(c.h) * mxx * 8 * int64(c.v) * myy
	}
	cost, what := planes, "JPEG"
	if ji.progressive {
		// The coefficients of every block are kept between scans: 64
		// int32 per 8×8 block.
		cost += 4 * planes
		what = "progressive JPEG"
	}
	switch {
	case len(ji.comps) == 4:
		cost += 4 * w * h // converted to CMYK or RGBA
		what = "CMYK " + what
	case len(ji.comps) == 3 && ji.isRGB():
		cost += 4 * w * h
		what = "RGB " + what
	}
	return cost, what
}

func pngCost(cfg image.Config, header []byte, _ Options) (int64, string) {
	w, h := int64(cfg.Width), int64(cfg.Height)
	if len(header) < 33 || string(header[12:16]) != "IHDR" {
		return 16 * w * h, "PNG"
	}
	depth, colorType, interlaced := header[24], header[25], header[28] == 1
	// Without a palette, the decoder may make an 8-bit image 4 bytes a
	// pixel (NRGBA, when a tRNS chunk follows) and a 16-bit one 8.
	var bpp int64 = 4
	what := "PNG"
	switch {
	case colorType == 3:
		bpp = 1
	case depth == 16:
		bpp = 8
		what = "16-bit PNG"
	}
	cost := bpp * w * h
	if interlaced {
		cost *= 2 // each pass is decoded apart, then merged
		what = "interlaced " + what
	}
	return cost, what // and two rows, in the fixed overhead
}

func gifCost(cfg image.Config, _ []byte, _ Options) (int64, string) {
	// One byte a pixel for the first frame (within the logical screen),
	// and as much again to de-interlace it.
	return 2 * int64(cfg.Width) * int64(cfg.Height), "GIF"
}

func bmpCost(cfg image.Config, _ []byte, _ Options) (int64, string) {
	return 4 * int64(cfg.Width) * int64(cfg.Height), "BMP"
}

func webpCost(cfg image.Config, header []byte, o Options) (int64, string) {
	w, h := int64(cfg.Width), int64(cfg.Height)
	if len(header) < 20 {
		return 16 * w * h, "WebP"
	}
	riffLen := int64(binary.LittleEndian.Uint32(header[4:8]))
	// A lossy frame's compressed data is read whole into memory first; its
	// length is declared by the file and is at most 8 partitions of 16 MiB
	// (and the file's declared length).
	data := min(riffLen, 8<<24, o.MaxBytes)
	lossy := 3 * ((w + 15) / 16 * 16) * ((h + 15) / 16 * 16) / 2 // YCbCr 4:2:0 in whole macroblocks
	// Lossless: 4 bytes a pixel, 4 more when a colour-indexing transform
	// is undone, and the transform images.
	lossless := 9 * w * h
	switch string(header[12:16]) {
	case "VP8 ":
		return lossy + min(data, int64(binary.LittleEndian.Uint32(header[16:20]))), "lossy WebP"
	case "VP8L":
		return lossless, "lossless WebP"
	}
	// VP8X: either kind, and a lossy frame may have a lossless alpha
	// channel (decoded as a lossless image, then copied out).
	return lossy + lossless + w*h + data, "WebP"
}

// recorder keeps the bytes read through it, up to max.
type recorder struct {
	r    io.Reader
	buf  []byte
	max  int
	over bool
}

var errHeaderTooLarge = errors.New("header too large")

func (r *recorder) Read(p []byte) (int, error) {
	if len(r.buf) >= r.max {
		r.over = true
		return 0, errHeaderTooLarge
	}
	if room := r.max - len(r.buf); len(p) > room {
		p = p[:room]
	}
	n, err := r.r.Read(p)
	r.buf = append(r.buf, p[:n]...)
	return n, err
}

// limitReader reads at most n bytes and then fails, remembering that the
// source was longer, that it came to its end, or that it failed.
type limitReader struct {
	r    io.Reader
	n    int64
	over bool
	eof  bool
	err  error
}

var errFileTooLarge = errors.New("file too large")

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// One byte tells a file of exactly the limit from a longer one.
		var b [1]byte
		n, err := l.r.Read(b[:])
		if n > 0 {
			l.over = true
			return 0, errFileTooLarge
		}
		l.eof = err == io.EOF
		if err != nil && err != io.EOF && l.err == nil {
			l.err = err
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	l.eof = err == io.EOF
	if err != nil && err != io.EOF && l.err == nil {
		l.err = err
	}
	return n, err
}

// ctxReader stops reading once ctx is done, which ends a decode at its
// next read.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// mp writes a pixel count as people read it: 50 MP, 12.5 MP, 0.5 MP,
// 2500-pixel.
func mp(pixels int64) string {
	if pixels < 100_000 {
		return fmt.Sprintf("%d-pixel", pixels)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(pixels)/1e6), ".0") + " MP"
}

func sizeString(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d-byte", n)
}
