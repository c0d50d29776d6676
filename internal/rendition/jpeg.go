package rendition

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// JPEG markers.
const (
	mSOF0  = 0xc0 // baseline
	mSOF1  = 0xc1 // extended sequential
	mSOF2  = 0xc2 // progressive
	mRST0  = 0xd0
	mRST7  = 0xd7
	mEOI   = 0xd9
	mSOS   = 0xda
	mAPP0  = 0xe0 // JFIF
	mAPP1  = 0xe1 // Exif
	mAPP14 = 0xee // Adobe
	mCOM   = 0xfe
)

type jpegComp struct {
	id   byte
	h, v int
}

// jpegInfo is what scanJPEG reads in a JPEG's header: what its decoder
// will allocate depends on it.
type jpegInfo struct {
	width, height int
	progressive   bool
	comps         []jpegComp
	jfif          bool // the last APP0 before the frame is JFIF's
	adobe         bool // an Adobe APP14 came before the frame
	transform     byte // the last Adobe APP14's colour transform
	orientation   int  // Exif orientation 1 to 8; 0 when absent or invalid
}

// isRGB is image/jpeg's rule for a 3-component image stored as RGB (which
// it converts to an RGBA image, 4 more bytes a pixel).
func (ji jpegInfo) isRGB() bool {
	if ji.jfif {
		return false
	}
	if ji.adobe && ji.transform == 0 {
		return true
	}
	return len(ji.comps) == 3 && ji.comps[0].id == 'R' && ji.comps[1].id == 'G' && ji.comps[2].id == 'B'
}

// scanJPEG reads the segments of a JPEG up to its frame header (SOF) the
// way image/jpeg does, and reports false if b holds no supported frame
// header. b may be cut anywhere.
func scanJPEG(b []byte) (ji jpegInfo, ok bool) {
	if len(b) < 2 || b[0] != 0xff || b[1] != 0xd8 {
		return ji, false
	}
	i := 2
	next := func() (byte, bool) {
		if i >= len(b) {
			return 0, false
		}
		i++
		return b[i-1], true
	}
	for {
		// As image/jpeg: bytes before a 0xff are skipped, "\xff\x00" is
		// skipped, 0xff fill bytes precede a marker.
		t0, ok0 := next()
		t1, ok1 := next()
		if !ok0 || !ok1 {
			return ji, false
		}
		for t0 != 0xff {
			c, ok := next()
			if !ok {
				return ji, false
			}
			t0, t1 = t1, c
		}
		marker := t1
		if marker == 0 {
			continue
		}
		for marker == 0xff {
			c, ok := next()
			if !ok {
				return ji, false
			}
			marker = c
		}
		if marker == mEOI || marker == mSOS {
			return ji, false
		}
		if mRST0 <= marker && marker <= mRST7 {
			continue
		}
		if i+2 > len(b) {
			return ji, false
		}
		n := int(binary.BigEndian.Uint16(b[i:])) - 2
		i += 2
		if n < 0 || i+n > len(b) {
			return ji, false
		}
		seg := b[i : i+n]
		i += n
		switch marker {
		case mSOF0, mSOF1, mSOF2:
			return parseSOF(seg, marker == mSOF2, ji)
		case mAPP0:
			if n >= 5 {
				ji.jfif = string(seg[:5]) == "JFIF\x00"
			}
		case mAPP14:
			if n >= 12 && string(seg[:5]) == "Adobe" {
				ji.adobe, ji.transform = true, seg[11]
			}
		case mAPP1:
			if ji.orientation == 0 && n >= 6 && string(seg[:6]) == "Exif\x00\x00" {
				ji.orientation = exifOrientation(seg[6:])
			}
		}
	}
}

func parseSOF(seg []byte, progressive bool, ji jpegInfo) (jpegInfo, bool) {
	if len(seg) < 6 {
		return ji, false
	}
	nc := int(seg[5])
	if nc != 1 && nc != 3 && nc != 4 || len(seg) != 6+3*nc {
		return ji, false
	}
	ji.progressive = progressive
	ji.height = int(binary.BigEndian.Uint16(seg[1:]))
	ji.width = int(binary.BigEndian.Uint16(seg[3:]))
	for c := range nc {
		hv := seg[7+3*c]
		h, v := int(hv>>4), int(hv&0x0f)
		if h < 1 || h > 4 || v < 1 || v > 4 {
			return ji, false
		}
		if nc == 1 {
			h, v = 1, 1 // as image/jpeg: one component is never interleaved
		}
		ji.comps = append(ji.comps, jpegComp{id: seg[6+3*c], h: h, v: v})
	}
	return ji, true
}

// exifOrientation reads the Orientation tag (0x0112) of IFD0 of an Exif
// block (a TIFF structure); 0 when it is absent or not 1 to 8.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0
	}
	ifd := int64(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > int64(len(t)) {
		return 0
	}
	count := int64(bo.Uint16(t[ifd:]))
	for k := range count {
		e := ifd + 2 + 12*k
		if e+12 > int64(len(t)) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		// SHORT, one value, stored in the first two bytes of the value field.
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 {
			return 0
		}
		if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// jpegGuard passes a JPEG stream to image/jpeg, following its segments
// the way the decoder does, and turns every APP0 (JFIF) and APP14 (Adobe)
// segment after the frame header into a comment. Those segments decide
// whether a 3-component image is RGB, which costs the decoder 4 more
// bytes a pixel; jpegCost reads them up to the frame header, and this
// keeps a later one from changing the decoder's mind (encoders write them
// first).
//
// It also stops a stream after maxScans scans: each scan of a progressive
// JPEG is a pass over all of its blocks, so a few bytes a scan could keep
// a worker busy for minutes.
type jpegGuard struct {
	r      io.Reader
	state  int
	n      int // bytes left to skip in a segment, or to skip of the SOI
	marker byte
	sawSOF bool
	scans  int
	err    error
}

// maxScans is libjpeg-turbo's default limit (djpeg -maxscans); encoders
// write about ten.
const maxScans = 500

var errTooManyScans = fmt.Errorf("more than %d scans", maxScans)

const (
	gSOI  = iota // the first two bytes
	gScan        // looking for 0xff: between segments or in entropy-coded data
	gFF          // after 0xff
	gLen1        // the segment length's first byte
	gLen2
	gSkip // in a segment's body
	gDone // after EOI: nothing more matters
)

func (g *jpegGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	g.follow(p[:n])
	if g.err != nil {
		return 0, g.err
	}
	return n, err
}

func (g *jpegGuard) follow(p []byte) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch g.state {
		case gSOI:
			g.n++
			if g.n == 2 {
				g.state = gScan
			}
		case gScan:
			// Entropy-coded data and stray bytes: nothing to see until the
			// next 0xff.
			j := bytes.IndexByte(p[i:], 0xff)
			if j < 0 {
				return
			}
			i += j
			g.state = gFF
		case gFF:
			switch {
			case c == 0xff: // a fill byte
			case c == 0x00 || (mRST0 <= c && c <= mRST7):
				g.state = gScan
			case c == mEOI:
				g.state = gDone
			default:
				g.marker = c
				switch {
				case c == mSOF0 || c == mSOF1 || c == mSOF2:
					g.sawSOF = true
				case g.sawSOF && (c == mAPP0 || c == mAPP14):
					p[i] = mCOM
				case c == mSOS:
					if g.scans++; g.scans > maxScans {
						g.err = errTooManyScans
						return
					}
				}
				g.state = gLen1
			}
		case gLen1:
			g.n = int(c) << 8
			g.state = gLen2
		case gLen2:
			g.n = (g.n | int(c)) - 2
			switch {
			case g.n < 0:
				g.state = gDone // the decoder stops here
			case g.n == 0:
				g.state = gScan
			default:
				g.state = gSkip
			}
		case gSkip:
			k := min(g.n, len(p)-i)
			g.n -= k
			i += k - 1
			if g.n == 0 {
				g.state = gScan
			}
		case gDone:
			return
		}
	}
}
