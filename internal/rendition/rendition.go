package rendition

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"runtime"
	"time"
)

// Kind names a rendition.
type Kind string

// The renditions made of every image.
const (
	Thumbnail Kind = "thumbnail" // fits 256×256
	Preview   Kind = "preview"   // fits 1024×1024, watermarked
	Large     Kind = "large"     // fits 2048×2048
)

// Kinds lists every kind, smallest first.
func Kinds() []Kind { return []Kind{Thumbnail, Preview, Large} }

// Box is the side of the square a rendition of kind k fits in (0 for an
// unknown kind).
func (k Kind) Box() int {
	switch k {
	case Thumbnail:
		return 256
	case Preview:
		return 1024
	case Large:
		return 2048
	}
	return 0
}

// Fit returns the size of the rendition of kind k of an image displayed
// at w×h pixels (Info.Width and Info.Height): fitted in the kind's box,
// never enlarged.
func (k Kind) Fit(w, h int) (int, int) {
	if w <= 0 || h <= 0 || k.Box() == 0 {
		return 0, 0
	}
	return fit(w, h, k.Box())
}

// Status is the state of one rendition, as the API shows it.
type Status string

// The statuses. The pool reports only Ready and Failed; Pending is what the
// caller records when it submits a job.
const (
	Pending Status = "pending"
	Ready   Status = "ready"
	Failed  Status = "failed"
)

// The classes of failure; an *Error wraps one, so errors.Is tells them
// apart.
var (
	ErrCorrupt     = errors.New("corrupt image")
	ErrTooLarge    = errors.New("image too large")
	ErrUnsupported = errors.New("unsupported format")
)

// ErrRead wraps the error of the original's reader (storage failing
// mid-read): the image may be fine, so it is no *Error; its reason is
// "could not read the original".
var ErrRead = errors.New("could not read the original")

// Error says why an image has no renditions. Its text is the failed
// status's reason: "corrupt image: truncated file", "image too large:
// 30000×30000 pixels exceeds the 50 MP limit", "unsupported format: HEIC".
// It never holds a path or a secret.
type Error struct {
	Err    error  // ErrCorrupt, ErrTooLarge or ErrUnsupported
	Detail string // for people; may be empty
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + ": " + e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

func failf(class error, format string, args ...any) *Error {
	return &Error{Err: class, Detail: fmt.Sprintf(format, args...)}
}

// Reason is the failed status's reason for an error from Generate: the
// *Error's text, "could not read the original", "timed out",
// "cancelled", or "internal error" for anything else (whose detail
// belongs in the log, not in the API).
func Reason(err error) string {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Error()
	case errors.Is(err, ErrRead):
		return ErrRead.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "internal error"
}

// Options are the limits and settings of Generate and of a Pool. Start
// from DefaultOptions; Check tells what is wrong with them. The env names
// are the settings proposed for internal/config.
type Options struct {
	// Workers is how many images a Pool renders at once.
	// ATRIUM_RENDITION_WORKERS; default min(2, GOMAXPROCS).
	Workers int
	// QueueSize is how many jobs wait for a worker before Submit refuses
	// more. ATRIUM_RENDITION_QUEUE; default 256.
	QueueSize int
	// MaxPixels is the largest image (width × height) decoded. It also
	// sets the memory a decode may use: MaxPixels × 4 bytes, the size of
	// an 8-bit RGBA image at the limit; images whose decoder needs more
	// per pixel (16-bit PNG, progressive or CMYK JPEG, WebP) are allowed
	// proportionally fewer pixels. ATRIUM_MAX_IMAGE_PIXELS; default 50
	// million.
	MaxPixels int64
	// MaxBytes is the most read of an original; a longer file fails as
	// too large. ATRIUM_MAX_IMAGE_BYTES; default 256 MiB.
	MaxBytes int64
	// JPEGQuality is the quality of JPEG renditions, 1 to 100.
	// ATRIUM_RENDITION_JPEG_QUALITY; default 85.
	JPEGQuality int
	// Timeout bounds one job, from opening the original to storing the
	// last rendition. ATRIUM_RENDITION_TIMEOUT; default 2m.
	Timeout   time.Duration
	Watermark Watermark
	// Logger receives what the reasons leave out (storage errors, panics).
	// Nil means slog.Default().
	Logger *slog.Logger
}

// Watermark is the text drawn over previews: tiled diagonally across the
// whole image in white with a dark shadow, so that it shows on light and
// dark pictures and cannot be cropped away. Thumbnails and large
// renditions carry none.
type Watermark struct {
	// Text is drawn when the job names none (Job.Watermark, such as the
	// account's name). Control characters are dropped, white space is
	// collapsed and it is cut to 100 characters; glyphs missing from the
	// Go font show as boxes. ATRIUM_WATERMARK_TEXT; default "PREVIEW".
	Text string
	// Opacity is from 0 to 1; 0 turns the watermark off.
	// ATRIUM_WATERMARK_OPACITY; default 0.3.
	Opacity float64
}

// The defaults.
const (
	DefaultMaxPixels        = 50_000_000
	DefaultMaxBytes         = 256 << 20
	DefaultJPEGQuality      = 85
	DefaultQueueSize        = 256
	DefaultTimeout          = 2 * time.Minute
	DefaultWatermarkText    = "PREVIEW"
	DefaultWatermarkOpacity = 0.3
)

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{
		Workers:     min(2, runtime.GOMAXPROCS(0)),
		QueueSize:   DefaultQueueSize,
		MaxPixels:   DefaultMaxPixels,
		MaxBytes:    DefaultMaxBytes,
		JPEGQuality: DefaultJPEGQuality,
		Timeout:     DefaultTimeout,
		Watermark:   Watermark{Text: DefaultWatermarkText, Opacity: DefaultWatermarkOpacity},
	}
}

// maxDimension is the widest or tallest image accepted, whatever its
// pixel count: beyond it the dimensions are absurd (JPEG stops at 65535).
const maxDimension = 1 << 16

// Check validates the options.
func (o Options) Check() error {
	if err := o.checkGenerate(); err != nil {
		return err
	}
	if o.Workers < 1 || o.Workers > 256 {
		return fmt.Errorf("rendition workers %d: want 1 to 256", o.Workers)
	}
	if o.QueueSize < 0 || o.QueueSize > 1_000_000 {
		return fmt.Errorf("rendition queue size %d: want 0 to 1000000", o.QueueSize)
	}
	if o.Timeout <= 0 {
		return fmt.Errorf("rendition timeout %s: want a positive duration", o.Timeout)
	}
	return nil
}

// checkGenerate validates what Generate uses.
func (o Options) checkGenerate() error {
	if o.MaxPixels < 1 || o.MaxPixels > 1<<32 {
		return fmt.Errorf("max image pixels %d: want 1 to %d", o.MaxPixels, int64(1)<<32)
	}
	if o.MaxBytes < 1 {
		return fmt.Errorf("max image bytes %d: want at least 1", o.MaxBytes)
	}
	if o.JPEGQuality < 1 || o.JPEGQuality > 100 {
		return fmt.Errorf("rendition JPEG quality %d: want 1 to 100", o.JPEGQuality)
	}
	if !(o.Watermark.Opacity >= 0 && o.Watermark.Opacity <= 1) {
		return fmt.Errorf("watermark opacity %v: want 0 (off) to 1", o.Watermark.Opacity)
	}
	return nil
}

// Rendition is one encoded rendition.
type Rendition struct {
	Kind          Kind
	Width, Height int
	ContentType   string // image/jpeg, or image/png when the original has transparency
	Data          []byte
}

// Info describes a decoded original.
type Info struct {
	Format        string // jpeg, png, gif, webp or bmp
	Width, Height int    // as displayed, after the EXIF orientation
	Orientation   int    // the EXIF orientation applied, 1 (none) to 8
}

// Result is what Generate made.
type Result struct {
	Info       Info
	Renditions []Rendition // thumbnail, preview, large
}

// Generate decodes the image read from r once and makes its three
// renditions; it never writes to r's source. The preview carries
// o.Watermark. Failures are *Error (see Reason), or ctx's error.
func Generate(ctx context.Context, r io.Reader, o Options) (Result, error) {
	if err := o.checkGenerate(); err != nil {
		return Result{}, err
	}
	src, info, err := decode(ctx, r, o)
	if err != nil {
		return Result{}, err
	}
	return render(ctx, src, info, o)
}

// render makes the renditions of a decoded image. It scales the original
// once, to the large size, and each smaller rendition from the one above
// it (before the watermark), so one pass reads the original's pixels.
func render(ctx context.Context, src image.Image, info Info, o Options) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rendering: panic: %v", p)
		}
	}()
	// Every box is a square, so the stored image is fitted before it is
	// turned upright, and the turn swaps width and height.
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	type step struct {
		kind Kind
		w, h int
	}
	steps := []step{{kind: Large}, {kind: Preview}, {kind: Thumbnail}}
	for i := range steps {
		steps[i].w, steps[i].h = fit(sw, sh, steps[i].kind.Box())
	}

	scaled := make(map[Kind]*image.RGBA, 3)
	cur := src
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		m := shrink(cur, s.w, s.h)
		scaled[s.kind] = m
		cur = m
	}
	src = nil // the original's pixels may go now

	// One format for all three, so that a transparent original keeps its
	// transparency everywhere: PNG then, JPEG otherwise.
	usePNG := !scaled[Large].Opaque()
	text := cleanText(o.Watermark.Text)
	res.Info = info
	// Smallest first, each scaled image let go once encoded, so that the
	// large one is encoded with little else held.
	for _, k := range Kinds() {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		m := orient(scaled[k], info.Orientation)
		delete(scaled, k)
		if k == Preview && text != "" && o.Watermark.Opacity > 0 {
			if err := drawWatermark(m, text, o.Watermark.Opacity); err != nil {
				return Result{}, err
			}
		}
		var buf bytes.Buffer
		ct := "image/jpeg"
		if usePNG {
			ct = "image/png"
			enc := png.Encoder{CompressionLevel: png.DefaultCompression}
			err = enc.Encode(&buf, unpremultiply(m))
		} else {
			err = jpeg.Encode(&buf, m, &jpeg.Options{Quality: o.JPEGQuality})
		}
		if err != nil {
			return Result{}, fmt.Errorf("encoding the %s: %w", k, err)
		}
		b := m.Bounds()
		res.Renditions = append(res.Renditions, Rendition{Kind: k, Width: b.Dx(), Height: b.Dy(), ContentType: ct, Data: buf.Bytes()})
	}
	return res, nil
}

// fit returns the size of a w×h image fitted in a box×box square, keeping
// its aspect ratio; an image that fits already keeps its size (never
// upscaled).
func fit(w, h, box int) (int, int) {
	if w <= box && h <= box {
		return w, h
	}
	if w >= h {
		return box, max(1, int((int64(h)*int64(box)+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*int64(box)+int64(h)/2)/int64(h))), box
}

// unpremultiply turns m into the non-premultiplied image the PNG encoder
// writes directly (it converts any other pixel by pixel, through an
// interface), in place: m is not used afterwards.
func unpremultiply(m *image.RGBA) *image.NRGBA {
	p := m.Pix
	for i := 0; i+3 < len(p); i += 4 {
		switch a := uint32(p[i+3]); a {
		case 0:
			p[i], p[i+1], p[i+2] = 0, 0, 0
		case 255:
		default:
			p[i] = uint8((uint32(p[i])*255 + a/2) / a)
			p[i+1] = uint8((uint32(p[i+1])*255 + a/2) / a)
			p[i+2] = uint8((uint32(p[i+2])*255 + a/2) / a)
		}
	}
	return &image.NRGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
}
