// Package rendition makes the renditions of uploaded images, on a bounded
// pool of background workers, and reads the duration and size of video and
// audio with ffprobe when it is installed.
//
// # Renditions
//
// Every image gets three, each fitted in a square and never enlarged:
// thumbnail (256×256), preview (1024×1024, with the watermark) and large
// (2048×2048). They are JPEG (Options.JPEGQuality), or PNG when the
// original has any transparency; they carry no metadata, and the EXIF
// orientation of a JPEG is applied to them. The original is only ever
// read.
//
// Originals may be JPEG (baseline and progressive, grey, YCbCr, RGB,
// CMYK), PNG, GIF (its first frame), WebP (lossy and lossless) and BMP.
// Others fail with ErrUnsupported, named when recognised (TIFF, HEIC,
// AVIF, ...).
//
// # Limits
//
// Generate reads the original once, through these checks, in order:
//
//  1. at most Options.MaxBytes bytes are read (default 256 MiB), and
//     reading stops when the context is done (a timeout ends a decode at
//     its next read);
//  2. the format is picked from the first bytes, from this package's own
//     table of decoders (a format registered with package image elsewhere
//     is never used);
//  3. the header alone is decoded (image.DecodeConfig; at most 4 MiB of
//     it is kept, to be read again);
//  4. images with a side over 65536 pixels, or over Options.MaxPixels
//     pixels (default 50 million), are refused;
//  5. the memory the format's decoder will allocate is estimated from the
//     header (bytes per pixel for each JPEG, PNG, GIF, WebP and BMP
//     layout; decode_test.go checks the estimates against what the
//     decoders allocate) and refused over MaxPixels × 4 bytes, the size
//     of an 8-bit RGBA image at the pixel limit; so a 16-bit or interlaced
//     PNG may have half the pixels, a progressive JPEG from half (4:2:0)
//     to a sixth (CMYK);
//  6. the image is decoded; a decoder's panic is recovered and reported as
//     a corrupt image, and a JPEG of more than 500 scans (each a pass over
//     the whole image) is stopped;
//  7. the pixels are scaled down by area averaging, which reads each
//     source pixel once and needs no memory beyond the renditions.
//
// A decompression bomb (a PNG declaring 100000×100000 pixels over a few
// bytes of data) thus fails at step 4 having allocated nothing, and a
// truncated or corrupt file fails with its decoder's message. Failures are
// an *Error wrapping ErrCorrupt, ErrTooLarge or ErrUnsupported, whose text
// is the reason the API shows: "corrupt image: truncated file", "image
// too large: 30000×30000 pixels exceeds the 50 MP limit", "unsupported
// format: HEIC".
//
// # Memory
//
// One job decodes one image at a time, and a Pool runs Options.Workers
// jobs at once, so the live memory of the renditions is at most
//
//	Workers × (MaxPixels × 4 bytes + 64 MiB)
//
// where 64 MiB covers the renditions, their encoding and the header kept:
// with the defaults, 2 × (200 MB + 64 MiB), about 530 MB. (Go's collector
// lets the heap grow past the live memory; set GOMEMLIMIT to hold it near
// that figure.)
//
// # Watermark
//
// Previews carry a text (Job.Watermark, such as the account's name, or
// else Options.Watermark.Text) tiled across the whole picture on lines
// rising at 30°, in the Go font (embedded, nothing to install), white at
// Options.Watermark.Opacity over a dark shadow, so it shows on light and
// dark pictures and cannot be cropped away. Opacity 0 turns it off.
//
// # Pool
//
// NewPool starts the workers; Submit queues a Job, or fails at once with
// ErrQueueFull when Options.QueueSize jobs already wait (SubmitWait waits
// for room instead). A worker opens the original with Job.Open, makes the
// three renditions, hands each to Job.Store, and reports each kind once to
// Job.Done: Ready, or Failed with a reason. A job is bounded by
// Options.Timeout. The caller records Pending when it submits.
//
// Shutdown stops taking jobs and drains the queue; if its context ends
// first it cancels the running jobs and drops the queued ones, which get
// no Done call and so stay pending, to be submitted again at the next
// start. No callback runs after Shutdown returns.
//
// # Video and audio
//
// Their originals are kept as they are. Probe runs ffprobe (when it is on
// PATH; ErrNoProbeTool otherwise) on a file, with a 30-second limit, and
// returns the duration, and the displayed width and height of the first
// video stream.
package rendition
