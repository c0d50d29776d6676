package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config locates an S3-compatible bucket.
type S3Config struct {
	// Endpoint is the server's URL, https://s3.example.com or
	// http://127.0.0.1:7070; a bare host:port means https.
	Endpoint  string
	Region    string // may be empty for servers that ignore it
	Bucket    string
	AccessKey string
	SecretKey string
	// Prefix is put in front of every object name ("atrium/"), so that
	// the bucket can hold other things too.
	Prefix string
	// PathStyle addresses the bucket in the path (endpoint/bucket/key),
	// which most self-hosted servers need; otherwise the client picks
	// virtual-host style where the endpoint is known to support it.
	PathStyle bool
	// PartSize is the size of the parts of a multipart upload, each held
	// in memory while it is sent; 0 means 16 MiB (S3's minimum is 5 MiB).
	PartSize uint64
}

// S3 stores blobs as objects of one bucket, through minio-go (which
// speaks to AWS S3 and every S3-compatible server). Object names are the
// sharded paths of the keys under the configured prefix. An upload that
// fails is aborted, so no partial object ever becomes visible.
type S3 struct {
	c        *minio.Client
	bucket   string
	prefix   string
	partSize uint64
}

var _ Store = (*S3)(nil)

// singlePutMax is how much of a blob Put reads ahead: a blob that ends
// within it goes up in one request; a longer one is sent as a multipart
// upload of PartSize parts.
const singlePutMax = 4 << 20

// NewS3 returns a store on the configured bucket. It does not contact the
// server; see Check.
func NewS3(cfg S3Config) (*S3, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("blob store: S3 needs a bucket")
	}
	host, secure, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	opts := &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: secure,
		Region: cfg.Region,
	}
	if cfg.PathStyle {
		opts.BucketLookup = minio.BucketLookupPath
	}
	c, err := minio.New(host, opts)
	if err != nil {
		return nil, fmt.Errorf("blob store: S3 client: %w", err)
	}
	prefix := cfg.Prefix
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	part := cfg.PartSize
	if part == 0 {
		part = 16 << 20
	}
	return &S3{c: c, bucket: cfg.Bucket, prefix: prefix, partSize: part}, nil
}

func parseEndpoint(e string) (host string, secure bool, err error) {
	if e == "" {
		return "", false, errors.New("blob store: S3 needs an endpoint")
	}
	if !strings.Contains(e, "://") {
		return e, true, nil
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", false, fmt.Errorf("blob store: S3 endpoint %q: want a URL such as https://s3.example.com, without path, query or credentials", e)
	}
	switch u.Scheme {
	case "https":
		return u.Host, true, nil
	case "http":
		return u.Host, false, nil
	}
	return "", false, fmt.Errorf("blob store: S3 endpoint %q: the scheme must be http or https", e)
}

// Check verifies that the bucket exists and the credentials reach it.
func (s *S3) Check(ctx context.Context) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob store: S3 bucket %s: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("blob store: S3 bucket %s does not exist", s.bucket)
	}
	return nil
}

// CreateBucket creates the bucket if it does not exist (for tests and
// first set-ups).
func (s *S3) CreateBucket(ctx context.Context, region string) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob store: S3 bucket %s: %w", s.bucket, err)
	}
	if ok {
		return nil
	}
	if err := s.c.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region}); err != nil {
		return fmt.Errorf("blob store: create S3 bucket %s: %w", s.bucket, err)
	}
	return nil
}

func (s *S3) name(key string) string { return s.prefix + shardedPath(key) }

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := ValidKey(key); err != nil {
		return 0, err
	}
	r = ctxReader{ctx, r}
	head := make([]byte, singlePutMax)
	n, err := io.ReadFull(r, head)
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: s.partSize}
	var body io.Reader
	size := int64(-1)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		body, size = bytes.NewReader(head[:n]), int64(n)
	case err != nil:
		return int64(n), fmt.Errorf("blob store: read %s: %w", key, err)
	default:
		// Longer than the read-ahead: a multipart upload of unknown
		// length, which minio-go aborts if the reader fails.
		body = io.MultiReader(bytes.NewReader(head), r)
	}
	info, err := s.c.PutObject(ctx, s.bucket, s.name(key), body, size, opts)
	if err != nil {
		return info.Size, fmt.Errorf("blob store: put %s: %w", key, err)
	}
	return info.Size, nil
}

// Open implements Store.
func (s *S3) Open(ctx context.Context, key string) (io.ReadSeekCloser, Info, error) {
	if err := ValidKey(key); err != nil {
		return nil, Info{}, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, s.name(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, s.err("open", key, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, Info{}, s.err("open", key, err)
	}
	return obj, Info{Key: key, Size: st.Size, ModTime: st.LastModified}, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, s.name(key), minio.RemoveObjectOptions{}); err != nil {
		if errors.Is(s.err("delete", key, err), ErrNotFound) {
			return nil
		}
		return s.err("delete", key, err)
	}
	return nil
}

// List implements Store. Objects under the prefix whose names are not
// keys in their right place are skipped.
func (s *S3) List(ctx context.Context, fn func(Info) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine if fn fails
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("blob store: list: %w", o.Err)
		}
		rel := strings.TrimPrefix(o.Key, s.prefix)
		key := rel[strings.LastIndexByte(rel, '/')+1:]
		if ValidKey(key) != nil || shardedPath(key) != rel {
			continue
		}
		if err := fn(Info{Key: key, Size: o.Size, ModTime: o.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (s *S3) err(op, key string, err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket" {
		return fmt.Errorf("%s %s: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("blob store: %s %s: %w", op, key, err)
}
