package blobtest

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// S3Server is a real S3-compatible server for tests.
type S3Server struct {
	Endpoint, AccessKey, SecretKey, Bucket, Region string
}

// VersitygwInstall is how to install the server the tests start.
const VersitygwInstall = "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// S3 returns a server for the test: the one ATRIUM_TEST_S3_ENDPOINT
// names (with ATRIUM_TEST_S3_ACCESS_KEY, ATRIUM_TEST_S3_SECRET_KEY and
// ATRIUM_TEST_S3_BUCKET, default atrium-test), or else a versitygw binary
// (on PATH or in $GOPATH/bin) started for the test on a free loopback
// port, its posix backend in a temporary folder. Without either it skips
// the test, saying how to get one. The bucket may not exist yet.
func S3(t *testing.T) S3Server {
	t.Helper()
	if ep := os.Getenv("ATRIUM_TEST_S3_ENDPOINT"); ep != "" {
		bucket := os.Getenv("ATRIUM_TEST_S3_BUCKET")
		if bucket == "" {
			bucket = "atrium-test"
		}
		return S3Server{ep, os.Getenv("ATRIUM_TEST_S3_ACCESS_KEY"), os.Getenv("ATRIUM_TEST_S3_SECRET_KEY"), bucket, "us-east-1"}
	}
	bin := findVersitygw()
	if bin == "" {
		t.Skipf("no S3-compatible server to test against: set ATRIUM_TEST_S3_ENDPOINT (and _ACCESS_KEY, _SECRET_KEY, _BUCKET), or install versitygw (%s)", VersitygwInstall)
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

// startVersitygw runs versitygw on a free loopback port (never on every
// interface, its default) until the test ends.
func startVersitygw(t *testing.T, bin string) S3Server {
	t.Helper()
	root := t.TempDir()
	for attempt := 0; attempt < 3; attempt++ {
		addr := "127.0.0.1:" + freePort(t)
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
			return S3Server{"http://" + addr, "atriumtest", "atriumtestsecret", "atrium-test", "us-east-1"}
		}
		stop()
		// The port may have been taken between choosing and binding it.
		t.Logf("versitygw on %s did not start (attempt %d): %s", addr, attempt+1, log.String())
	}
	t.Fatal("versitygw would not start")
	return S3Server{}
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
