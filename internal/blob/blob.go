// Package blob stores the bytes of uploaded files behind one small
// interface, with two implementations: FS, files under the data
// directory (the default), and S3, any S3-compatible object store.
//
// Keys are chosen by the server (random file ids), never by users, and
// must be of a restricted alphabet: no key can name a path outside the
// store, whatever a client sends. A blob appears whole or not at all: Put
// either stores every byte its reader yields or leaves nothing behind.
//
// One conformance suite (package blobtest) runs against every
// implementation.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// Sentinel errors; implementations wrap them with context.
var (
	// ErrNotFound: no blob has the key.
	ErrNotFound = errors.New("blob not found")
	// ErrBadKey: the key is not one the store accepts (see ValidKey).
	ErrBadKey = errors.New("invalid blob key")
)

// Info describes a stored blob.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time // when it was stored
}

// Store keeps blobs by key. It is safe for concurrent use.
type Store interface {
	// Put stores the bytes r yields, up to its EOF, under key and returns
	// their count. If r fails, or ctx ends, before EOF, nothing is left
	// under key or anywhere else. Keys are never reused: putting a key
	// that exists replaces its blob.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open returns the blob's content, seekable for range requests, and
	// its description; ErrNotFound if there is none. The caller closes it.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, Info, error)
	// Delete removes a blob; removing one that is not there is no error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every stored blob, in no particular order, until
	// fn returns an error (which List returns).
	List(ctx context.Context, fn func(Info) error) error
}

// MaxKeyLen bounds the length of a key.
const MaxKeyLen = 128

// ValidKey checks a key: 1 to MaxKeyLen lower-case ASCII letters, digits,
// '_' and '-', starting with a letter or digit. Nothing else can reach a
// file name or an object name, so no key can climb out of the store.
func ValidKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return fmt.Errorf("%w: length must be 1 to %d", ErrBadKey, MaxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '_' || c == '-')
		if !ok {
			return fmt.Errorf("%w: %q (use a-z, 0-9, '_' and '-', starting with a letter or digit)", ErrBadKey, key)
		}
	}
	return nil
}

// shardedPath is where a key lives inside a store: two levels of 256
// directories chosen by the key's SHA-256, so that no directory grows
// beyond a few thousand entries for millions of blobs whatever the keys
// look like, then the key itself.
func shardedPath(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:1]) + "/" + hex.EncodeToString(h[1:2]) + "/" + key
}

// ctxReader fails reads once ctx has ended, so that a long copy stops
// when its request is cancelled even if the source never blocks.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
