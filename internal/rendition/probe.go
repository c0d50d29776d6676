package rendition

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// MediaInfo is what ffprobe tells of a video or audio file.
type MediaInfo struct {
	Format     string        // ffprobe's format_name, such as "mov,mp4,m4a,3gp,3g2,mj2"
	Duration   time.Duration // 0 when unknown
	Width      int           // of the first video stream, as displayed (rotation applied); 0 without video
	Height     int
	VideoCodec string // codec_name of the first video stream
	AudioCodec string // codec_name of the first audio stream
}

// The errors of Probe.
var (
	// ErrNoProbeTool: ffprobe is not on PATH; originals keep no metadata.
	ErrNoProbeTool = errors.New("no probe tool: ffprobe is not on PATH")
	// ErrNotMedia: ffprobe could not read the file.
	ErrNotMedia = errors.New("not a media file ffprobe can read")
)

// ProbeTimeout bounds one run of ffprobe, whatever the context.
const ProbeTimeout = 30 * time.Second

// maxProbeOutput bounds ffprobe's JSON.
const maxProbeOutput = 1 << 20

// Probe runs ffprobe on the file at path, reading nothing but that file
// (its protocol whitelist is "file", so a playlist cannot make it fetch
// URLs).
func Probe(ctx context.Context, path string) (MediaInfo, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return MediaInfo{}, err
	}
	return probe(ctx, "file", "file:"+abs, nil)
}

// ProbeReader runs ffprobe on a stream. Formats that need to seek (an MP4
// whose index is at the end) may give less, or fail: prefer Probe on a
// file.
func ProbeReader(ctx context.Context, r io.Reader) (MediaInfo, error) {
	return probe(ctx, "pipe", "pipe:0", r)
}

func probe(ctx context.Context, protocols, input string, stdin io.Reader) (MediaInfo, error) {
	bin, err := exec.LookPath("ffprobe")
	if err != nil {
		return MediaInfo{}, ErrNoProbeTool
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-v", "error", "-protocol_whitelist", protocols,
		"-print_format", "json", "-show_format", "-show_streams", input)
	cmd.Stdin = stdin
	out := &capped{max: maxProbeOutput}
	errOut := &capped{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = out, errOut
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	switch {
	case ctx.Err() != nil:
		return MediaInfo{}, fmt.Errorf("ffprobe: %w", ctx.Err())
	case err != nil:
		msg, _, _ := strings.Cut(strings.TrimSpace(errOut.String()), "\n")
		return MediaInfo{}, fmt.Errorf("%w: %s", ErrNotMedia, msg)
	case out.over:
		return MediaInfo{}, errors.New("ffprobe: output larger than 1 MiB")
	}
	return parseProbe(out.Bytes())
}

// parseProbe reads ffprobe's -print_format json -show_format -show_streams.
func parseProbe(b []byte) (MediaInfo, error) {
	var doc struct {
		Format struct {
			Name     string `json:"format_name"`
			Duration string `json:"duration"`
		} `json:"format"`
		Streams []struct {
			Type     string            `json:"codec_type"`
			Codec    string            `json:"codec_name"`
			Width    int               `json:"width"`
			Height   int               `json:"height"`
			Duration string            `json:"duration"`
			Tags     map[string]string `json:"tags"`
			SideData []struct {
				Rotation float64 `json:"rotation"`
			} `json:"side_data_list"`
			Disposition struct {
				AttachedPic int `json:"attached_pic"`
			} `json:"disposition"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return MediaInfo{}, fmt.Errorf("ffprobe output: %w", err)
	}
	mi := MediaInfo{Format: doc.Format.Name, Duration: seconds(doc.Format.Duration)}
	var longest time.Duration
	for _, s := range doc.Streams {
		longest = max(longest, seconds(s.Duration))
		switch s.Type {
		case "video":
			// Cover art in an audio file is a one-picture "video" stream.
			if mi.VideoCodec != "" || s.Disposition.AttachedPic != 0 {
				continue
			}
			mi.VideoCodec, mi.Width, mi.Height = s.Codec, max(0, s.Width), max(0, s.Height)
			rot := 0.0
			if r, err := strconv.ParseFloat(s.Tags["rotate"], 64); err == nil {
				rot = r
			}
			for _, sd := range s.SideData {
				if sd.Rotation != 0 {
					rot = sd.Rotation
				}
			}
			if r := math.Mod(math.Abs(math.Round(rot)), 180); r == 90 {
				mi.Width, mi.Height = mi.Height, mi.Width
			}
		case "audio":
			if mi.AudioCodec == "" {
				mi.AudioCodec = s.Codec
			}
		}
	}
	if mi.Duration == 0 {
		mi.Duration = longest
	}
	return mi, nil
}

// seconds reads ffprobe's decimal seconds; 0 for anything not a sensible
// duration (negative, not a number, over 100 years).
func seconds(s string) time.Duration {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f > 0) || f > 100*365*24*3600 {
		return 0
	}
	return time.Duration(f * float64(time.Second)).Round(time.Millisecond)
}

// capped is a buffer that keeps at most max bytes and drops the rest
// (without failing the write, which would leave the process blocked on a
// full pipe).
type capped struct {
	bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if c.over || c.Len()+len(p) > c.max {
		c.over = true
		return len(p), nil
	}
	return c.Buffer.Write(p)
}
