package cli

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeMakesRenditionsOfUploadedImages: serve starts the renditions
// with its settings; an image uploaded to it gets them.
func TestServeMakesRenditionsOfUploadedImages(t *testing.T) {
	base := startServeIn(t, t.TempDir(), withEnv(map[string]string{"ATRIUM_RENDITION_WORKERS": "1", "ATRIUM_RENDITION_QUEUE": "4",
		"ATRIUM_WATERMARK_TEXT": "Acme", "ATRIUM_RENDITION_JPEG_QUALITY": "70"}))
	tok := ownerToken(t, base)
	var ws, rec, med struct{ ID string }
	post(t, http.DefaultClient, base+"/api/v1/workspaces", tok, `{"name":"News"}`, &ws)
	post(t, http.DefaultClient, base+"/api/v1/records", tok, `{"workspace":"`+ws.ID+`","title":"Flood"}`, &rec)
	post(t, http.DefaultClient, base+"/api/v1/records/"+rec.ID+"/media", tok, `{"media_type":"image","filename":"flood.jpg"}`, &med)
	m := image.NewRGBA(image.Rect(0, 0, 600, 400))
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
	}
	m.Set(0, 0, color.White)
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, m, nil); err != nil {
		t.Fatal(err)
	}
	send := func(method, path string, body io.Reader) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, body)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := send("PUT", "/api/v1/media/"+med.ID+"/file", &photo); res.StatusCode != 200 {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := send("GET", "/api/v1/media/"+med.ID, nil)
		var got struct {
			Renditions []struct{ Kind, Status string } `json:"renditions"`
		}
		json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		ready := len(got.Renditions) == 3
		for _, r := range got.Renditions {
			ready = ready && r.Status == "ready"
		}
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("renditions %+v", got.Renditions)
		}
		time.Sleep(20 * time.Millisecond)
	}
	res := send("GET", "/api/v1/media/"+med.ID+"/renditions/thumbnail", nil)
	defer res.Body.Close()
	cfg, err := jpeg.DecodeConfig(res.Body)
	if res.StatusCode != 200 || err != nil || cfg.Width != 256 || cfg.Height != 171 {
		t.Errorf("thumbnail: %d, %d×%d, %v", res.StatusCode, cfg.Width, cfg.Height, err)
	}
}

func TestServeRefusesBadRenditionSettings(t *testing.T) {
	for name, v := range map[string]string{"ATRIUM_RENDITION_WORKERS": "300", "ATRIUM_WATERMARK_OPACITY": "2", "ATRIUM_MAX_IMAGE_PIXELS": "lots"} {
		r := run(t, map[string]string{name: v}, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
		if r.code == 0 || !strings.Contains(r.stderr, name) {
			t.Errorf("serve with %s=%s = %d, %q; want a refusal naming it", name, v, r.code, r.stderr)
		}
	}
}
