package rendition

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestParseProbe(t *testing.T) {
	tests := []struct {
		name string
		json string
		want MediaInfo
	}{
		{
			name: "a video with sound",
			json: `{"streams":[{"codec_type":"video","codec_name":"h264","width":1920,"height":1080,"duration":"12.5"},
				{"codec_type":"audio","codec_name":"aac","duration":"12.48"}],
				"format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"12.500000"}}`,
			want: MediaInfo{Format: "mov,mp4,m4a,3gp,3g2,mj2", Duration: 12500 * time.Millisecond,
				Width: 1920, Height: 1080, VideoCodec: "h264", AudioCodec: "aac"},
		},
		{
			name: "a phone video turned by its display matrix is shown upright",
			json: `{"streams":[{"codec_type":"video","codec_name":"hevc","width":1920,"height":1080,
				"side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]}],
				"format":{"format_name":"mov","duration":"3"}}`,
			want: MediaInfo{Format: "mov", Duration: 3 * time.Second, Width: 1080, Height: 1920, VideoCodec: "hevc"},
		},
		{
			name: "an older rotate tag is read too",
			json: `{"streams":[{"codec_type":"video","codec_name":"h264","width":640,"height":480,"tags":{"rotate":"270"}}],
				"format":{"format_name":"mov","duration":"1"}}`,
			want: MediaInfo{Format: "mov", Duration: time.Second, Width: 480, Height: 640, VideoCodec: "h264"},
		},
		{
			name: "a half turn keeps the size",
			json: `{"streams":[{"codec_type":"video","codec_name":"h264","width":640,"height":480,"side_data_list":[{"rotation":180}]}],"format":{}}`,
			want: MediaInfo{Width: 640, Height: 480, VideoCodec: "h264"},
		},
		{
			name: "the cover art of a song is not its video",
			json: `{"streams":[{"codec_type":"audio","codec_name":"mp3","duration":"200.1"},
				{"codec_type":"video","codec_name":"mjpeg","width":500,"height":500,"disposition":{"attached_pic":1}}],
				"format":{"format_name":"mp3","duration":"200.100000"}}`,
			want: MediaInfo{Format: "mp3", Duration: 200100 * time.Millisecond, AudioCodec: "mp3"},
		},
		{
			name: "without a format duration the longest stream's is taken",
			json: `{"streams":[{"codec_type":"audio","codec_name":"opus","duration":"4.2"},{"codec_type":"audio","codec_name":"opus","duration":"5"}],
				"format":{"format_name":"ogg","duration":"N/A"}}`,
			want: MediaInfo{Format: "ogg", Duration: 5 * time.Second, AudioCodec: "opus"},
		},
		{
			name: "nonsense durations and sizes are dropped",
			json: `{"streams":[{"codec_type":"video","codec_name":"x","width":-5,"height":10,"duration":"-3"}],
				"format":{"format_name":"x","duration":"1e300"}}`,
			want: MediaInfo{Format: "x", Width: 0, Height: 10, VideoCodec: "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProbe([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if _, err := parseProbe([]byte("not json")); err == nil {
		t.Error("garbage parsed")
	}
}

func TestProbeWithoutTool(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := Probe(context.Background(), "anything.mp4"); !errors.Is(err, ErrNoProbeTool) {
		t.Errorf("Probe: %v", err)
	}
}

// TestProbe runs ffprobe on videos made by ffmpeg; both must be installed
// (apt-get install ffmpeg).
func TestProbe(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not on PATH: install ffmpeg to test probing")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not on PATH: it makes the videos probed")
	}
	dir := t.TempDir()
	ffmpeg := func(args ...string) string {
		t.Helper()
		out := filepath.Join(dir, args[len(args)-1])
		args = append([]string{"-v", "error", "-y"}, args[:len(args)-1]...)
		if b, err := exec.Command("ffmpeg", append(args, out)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, b)
		}
		return out
	}
	video := ffmpeg("-f", "lavfi", "-i", "testsrc=duration=1:size=320x240:rate=10", "-f", "lavfi", "-i", "sine=duration=1",
		"-c:v", "mpeg4", "-c:a", "aac", "-shortest", "video.mp4")
	turned := ffmpeg("-i", video, "-c", "copy", "-metadata:s:v:0", "rotate=90", "turned.mp4")
	song := ffmpeg("-f", "lavfi", "-i", "sine=duration=2", "-c:a", "flac", "song.flac")
	mkv := ffmpeg("-i", video, "-c", "copy", "video.mkv")
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("not a video at all"), 0o600); err != nil {
		t.Fatal(err)
	}

	near := func(d, want time.Duration) bool {
		return d > want-150*time.Millisecond && d < want+150*time.Millisecond
	}
	ctx := context.Background()
	mi, err := Probe(ctx, video)
	if err != nil || !near(mi.Duration, time.Second) || mi.Width != 320 || mi.Height != 240 || mi.VideoCodec != "mpeg4" || mi.AudioCodec != "aac" {
		t.Errorf("video: %+v, %v", mi, err)
	}
	mi, err = Probe(ctx, turned)
	if err != nil || mi.Width != 240 || mi.Height != 320 {
		t.Errorf("turned video: %+v, %v", mi, err)
	}
	mi, err = Probe(ctx, song)
	if err != nil || !near(mi.Duration, 2*time.Second) || mi.Width != 0 || mi.AudioCodec != "flac" {
		t.Errorf("song: %+v, %v", mi, err)
	}
	f, err := os.Open(mkv)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mi, err = ProbeReader(ctx, f)
	if err != nil || !near(mi.Duration, time.Second) || mi.Width != 320 {
		t.Errorf("Matroska through a pipe: %+v, %v", mi, err)
	}
	if _, err := Probe(ctx, text); !errors.Is(err, ErrNotMedia) {
		t.Errorf("a text file: %v", err)
	}
	if _, err := Probe(ctx, filepath.Join(dir, "missing.mp4")); !errors.Is(err, ErrNotMedia) {
		t.Errorf("a missing file: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Probe(cancelled, video); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled probe: %v", err)
	}
}
