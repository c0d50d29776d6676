package blob_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"atrium/internal/blob"
	"atrium/internal/blob/blobtest"
)

// The S3 store is tested against a real S3-compatible server: the one
// ATRIUM_TEST_S3_ENDPOINT names (with ATRIUM_TEST_S3_ACCESS_KEY,
// ATRIUM_TEST_S3_SECRET_KEY, ATRIUM_TEST_S3_BUCKET; the bucket is created
// if missing), or else a versitygw binary (on PATH or in $GOPATH/bin)
// started on a loopback port with its posix backend in a temporary
// folder. Without either the tests are skipped.

const versitygwHint = "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"

type s3Server struct {
	endpoint, access, secret, bucket string
}

// s3Under returns a server for the tests, or skips.
func s3Under(t *testing.T) s3Server {
	t.Helper()
	if ep := os.Getenv("ATRIUM_TEST_S3_ENDPOINT"); ep != "" {
		bucket := os.Getenv("ATRIUM_TEST_S3_BUCKET")
		if bucket == "" {
			bucket = "atrium-test"
		}
		return s3Server{ep, os.Getenv("ATRIUM_TEST_S3_ACCESS_KEY"), os.Getenv("ATRIUM_TEST_S3_SECRET_KEY"), bucket}
	}
	bin := findVersitygw()
	if bin == "" {
		t.Skipf("no S3-compatible server to test against: set ATRIUM_TEST_S3_ENDPOINT (and _ACCESS_KEY, _SECRET_KEY, _BUCKET), or install versitygw (%s)", versitygwHint)
	}
	return startVersitygw(t, bin)
}

func findVersitygw() string {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		gopath = filepath.Join(home, "go")
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "versitygw")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// startVersitygw runs versitygw on a free loopback port for the test.
func startVersitygw(t *testing.T, bin string) s3Server {
	t.Helper()
	root := t.TempDir()
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		addr := "127.0.0.1:" + port
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, bin, "--port", addr, "posix", root)
		cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY=atriumtest", "ROOT_SECRET_KEY=atriumtestsecret")
		var log strings.Builder
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatalf("start versitygw: %v", err)
		}
		var exited atomic.Bool
		done := make(chan struct{})
		go func() { cmd.Wait(); exited.Store(true); close(done) }()
		stop := func() { cancel(); <-done }
		if waitListening(addr, &exited, 20*time.Second) {
			t.Cleanup(stop)
			return s3Server{"http://" + addr, "atriumtest", "atriumtestsecret", "atrium-test"}
		}
		stop()
		t.Logf("versitygw on %s did not start (attempt %d): %s", addr, attempt+1, log.String())
	}
	t.Fatal("versitygw would not start")
	return s3Server{}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func waitListening(addr string, exited *atomic.Bool, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) && !exited.Load() {
		res, err := http.Get("http://" + addr + "/")
		if err == nil {
			res.Body.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

var s3Prefixes atomic.Int64

func TestS3Conformance(t *testing.T) {
	srv := s3Under(t)
	open := func(t *testing.T) blob.Store {
		// Each subtest gets a fresh prefix in the one bucket: an empty
		// store of its own.
		s, err := blob.NewS3(blob.S3Config{Endpoint: srv.endpoint, Bucket: srv.bucket, AccessKey: srv.access, SecretKey: srv.secret,
			Region: "us-east-1", PathStyle: true, PartSize: 5 << 20, Prefix: fmt.Sprintf("t%d-%d", time.Now().UnixNano(), s3Prefixes.Add(1))})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateBucket(t.Context(), "us-east-1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Check(t.Context()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// 11 MiB with 5 MiB parts: a multipart upload of three parts.
	blobtest.Run(t, open, blobtest.Options{Large: 11 << 20})
}

func TestS3Configuration(t *testing.T) {
	cases := []struct {
		name     string
		cfg      blob.S3Config
		wantErr  string
		checkErr string
	}{
		{"an endpoint URL with a path is refused", blob.S3Config{Endpoint: "https://s3.example.com/bucket", Bucket: "b"}, "without path", ""},
		{"an endpoint with another scheme is refused", blob.S3Config{Endpoint: "ftp://s3.example.com", Bucket: "b"}, "http or https", ""},
		{"a store without a bucket is refused", blob.S3Config{Endpoint: "https://s3.example.com"}, "bucket", ""},
		{"a store without an endpoint is refused", blob.S3Config{Bucket: "b"}, "endpoint", ""},
		{"a bare host means https and is accepted without contacting it", blob.S3Config{Endpoint: "s3.example.com", Bucket: "b"}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := blob.NewS3(c.cfg)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("NewS3: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("NewS3: %v, want an error about %s", err, c.wantErr)
			}
		})
	}
	t.Run("checking a bucket that does not exist fails", func(t *testing.T) {
		srv := s3Under(t)
		s, err := blob.NewS3(blob.S3Config{Endpoint: srv.endpoint, Bucket: "no-such-bucket-here", AccessKey: srv.access, SecretKey: srv.secret, Region: "us-east-1", PathStyle: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Check(t.Context()); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("check: %v", err)
		}
	})
}
