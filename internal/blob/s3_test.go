package blob_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"atrium/internal/blob"
	"atrium/internal/blob/blobtest"
)

// The S3 store is tested against a real S3-compatible server (see
// blobtest.S3); without one the tests are skipped, saying how to get one.

var s3Prefixes atomic.Int64

func TestS3Conformance(t *testing.T) {
	srv := blobtest.S3(t)
	open := func(t *testing.T) blob.Store {
		// Each subtest gets a fresh prefix in the one bucket: an empty
		// store of its own.
		s, err := blob.NewS3(blob.S3Config{Endpoint: srv.Endpoint, Bucket: srv.Bucket, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
			Region: srv.Region, PathStyle: true, PartSize: 5 << 20, Prefix: fmt.Sprintf("t%d-%d", time.Now().UnixNano(), s3Prefixes.Add(1))})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateBucket(t.Context(), srv.Region); err != nil {
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
		name    string
		cfg     blob.S3Config
		wantErr string
	}{
		{"an endpoint URL with a path is refused", blob.S3Config{Endpoint: "https://s3.example.com/bucket", Bucket: "b"}, "without path"},
		{"an endpoint with another scheme is refused", blob.S3Config{Endpoint: "ftp://s3.example.com", Bucket: "b"}, "http or https"},
		{"a store without a bucket is refused", blob.S3Config{Endpoint: "https://s3.example.com"}, "bucket"},
		{"a store without an endpoint is refused", blob.S3Config{Bucket: "b"}, "endpoint"},
		{"a bare host means https and is accepted without contacting it", blob.S3Config{Endpoint: "s3.example.com", Bucket: "b"}, ""},
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
		srv := blobtest.S3(t)
		s, err := blob.NewS3(blob.S3Config{Endpoint: srv.Endpoint, Bucket: "no-such-bucket-here", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Region: srv.Region, PathStyle: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Check(t.Context()); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("check: %v", err)
		}
	})
}
