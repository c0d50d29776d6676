// Package opaque turns numbers that must not be read by clients (listing
// positions, store revisions) into opaque tokens and back. A token is one
// AES block holding the number and a check derived from the token's
// purpose, so tokens reveal nothing about the number, tokens of one purpose
// or key are rejected by another, and a tampered token is rejected rather
// than decoded to a random number.
package opaque

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// Codec encodes and decodes the tokens of one purpose under one key.
type Codec struct {
	block cipher.Block
	check [8]byte
}

// New returns a codec for key (16, 24 or 32 bytes) and purpose.
func New(key []byte, purpose string) (*Codec, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("opaque: %w", err)
	}
	c := &Codec{block: b}
	sum := sha256.Sum256([]byte("atrium opaque token: " + purpose))
	copy(c.check[:], sum[:8])
	return c, nil
}

// NewRandom returns a codec with a fresh random key: its tokens are valid
// for the life of the codec only.
func NewRandom(purpose string) *Codec {
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	c, err := New(key, purpose)
	if err != nil {
		panic(err)
	}
	return c
}

var enc = base64.RawURLEncoding.Strict()

// Encode returns the token of v: 22 URL-safe characters.
func (c *Codec) Encode(v uint64) string {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], v)
	copy(buf[8:], c.check[:])
	c.block.Encrypt(buf[:], buf[:])
	return enc.EncodeToString(buf[:])
}

// Decode returns the number of a token this codec made.
func (c *Codec) Decode(token string) (uint64, bool) {
	if len(token) != 22 {
		return 0, false
	}
	raw, err := enc.DecodeString(token)
	if err != nil || len(raw) != 16 {
		return 0, false
	}
	c.block.Decrypt(raw, raw)
	if subtle.ConstantTimeCompare(raw[8:], c.check[:]) != 1 {
		return 0, false
	}
	return binary.BigEndian.Uint64(raw[:8]), true
}
