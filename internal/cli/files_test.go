package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"

	"atrium/internal/blob"
	"atrium/internal/blob/blobtest"
)

// ownerToken signs in as the bootstrap owner and returns an API token.
func ownerToken(t *testing.T, base string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	post(t, c, base+"/api/v1/auth/login", "", `{"login":"ada","password":"correct horse battery"}`, &login)
	var tok struct {
		Token string `json:"token"`
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/tokens", strings.NewReader(`{"name":"files test"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", login.CSRF)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	json.NewDecoder(res.Body).Decode(&tok)
	if tok.Token == "" {
		t.Fatalf("no token: %d", res.StatusCode)
	}
	return tok.Token
}

// post sends a JSON body (with a token, if given) and decodes the answer.
func post(t *testing.T, c *http.Client, url, token, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("POST %s: %d %s", url, res.StatusCode, b)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// roundTrip uploads a file to a new media object through the running
// server and downloads it again.
func roundTrip(t *testing.T, base string, data []byte) {
	t.Helper()
	tok := ownerToken(t, base)
	c := http.DefaultClient
	var ws, rec, med struct{ ID string }
	post(t, c, base+"/api/v1/workspaces", tok, `{"name":"News"}`, &ws)
	post(t, c, base+"/api/v1/records", tok, `{"workspace":"`+ws.ID+`","title":"Flood"}`, &rec)
	post(t, c, base+"/api/v1/records/"+rec.ID+"/media", tok, `{"media_type":"document","filename":"notes.txt"}`, &med)
	req, _ := http.NewRequest("PUT", base+"/api/v1/media/"+med.ID+"/file", bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	req, _ = http.NewRequest("GET", base+"/api/v1/media/"+med.ID+"/file", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Fatalf("download: %d, %d bytes", res.StatusCode, len(got))
	}
}

var ownerEnv = map[string]string{"ATRIUM_BOOTSTRAP_USERNAME": "ada", "ATRIUM_BOOTSTRAP_EMAIL": "ada@acme.example", "ATRIUM_BOOTSTRAP_PASSWORD": "correct horse battery"}

func withEnv(extra map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range ownerEnv {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func TestServeKeepsFilesInTheDataDirectoryByDefault(t *testing.T) {
	data := t.TempDir()
	roundTrip(t, startServeIn(t, data, ownerEnv), []byte("field notes\n"))
	var blobs []string
	filepath.WalkDir(filepath.Join(data, "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			blobs = append(blobs, p)
		}
		return nil
	})
	if len(blobs) != 1 || !strings.Contains(filepath.Base(blobs[0]), "fil_") {
		t.Errorf("blobs under the data directory: %v", blobs)
	}
}

func TestServeKeepsFilesInAnS3Bucket(t *testing.T) {
	srv := blobtest.S3(t)
	cfg := blob.S3Config{Endpoint: srv.Endpoint, Region: srv.Region, Bucket: srv.Bucket, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		PathStyle: true, Prefix: "serve-" + filepath.Base(t.TempDir())}
	bucket, err := blob.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := bucket.CreateBucket(t.Context(), srv.Region); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	roundTrip(t, startServeIn(t, data, withEnv(map[string]string{"ATRIUM_BLOB_STORE": "s3", "ATRIUM_S3_ENDPOINT": srv.Endpoint,
		"ATRIUM_S3_REGION": srv.Region, "ATRIUM_S3_BUCKET": srv.Bucket, "ATRIUM_S3_PREFIX": cfg.Prefix, "ATRIUM_S3_ACCESS_KEY": srv.AccessKey,
		"ATRIUM_S3_SECRET_KEY": srv.SecretKey, "ATRIUM_S3_PATH_STYLE": "true"})), []byte("field notes in a bucket\n"))
	var keys []string
	bucket.List(t.Context(), func(i blob.Info) error { keys = append(keys, i.Key); return nil })
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "fil_") {
		t.Errorf("objects in the bucket: %v", keys)
	}

	t.Run("a bucket that does not exist stops the server before it listens", func(t *testing.T) {
		r := run(t, withEnv(map[string]string{"ATRIUM_BLOB_STORE": "s3", "ATRIUM_S3_ENDPOINT": srv.Endpoint, "ATRIUM_S3_BUCKET": "no-such-bucket",
			"ATRIUM_S3_ACCESS_KEY": srv.AccessKey, "ATRIUM_S3_SECRET_KEY": srv.SecretKey, "ATRIUM_S3_PATH_STYLE": "true", "ATRIUM_S3_REGION": srv.Region}),
			"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
		if r.code != 1 || !strings.Contains(r.stderr, "does not exist") {
			t.Errorf("serve = %d, %q", r.code, r.stderr)
		}
	})
}

func TestServeRefusesIncompleteBlobSettings(t *testing.T) {
	r := run(t, map[string]string{"ATRIUM_BLOB_STORE": "s3", "ATRIUM_S3_ENDPOINT": "https://s3.example.com"}, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	if r.code != 2 || !strings.Contains(r.stderr, "ATRIUM_S3_BUCKET") {
		t.Errorf("serve = %d, %q; want 2 naming ATRIUM_S3_BUCKET", r.code, r.stderr)
	}
}
