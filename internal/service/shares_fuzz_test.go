package service_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"atrium/internal/identity"
	"atrium/internal/service"
)

// FuzzValidShareToken: the token check accepts exactly what NewSecret
// writes for share links, "shr_" and 32 bytes in unpadded base64url,
// whose encoding is the one of its bytes (no other spelling of the same
// bytes reaches the database).
func FuzzValidShareToken(f *testing.F) {
	tok, _ := identity.NewSecret(service.ShareTokenPrefix)
	for _, s := range []string{tok, tok[:len(tok)-1], tok + "A", strings.ToUpper(tok), "shr_", "", "shr_" + strings.Repeat("A", 42) + "B",
		"atr_" + tok[4:], "shr_" + strings.Repeat("/", 43), "shr_" + strings.Repeat("A", 43)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := service.ValidShareToken(s)
		rest, prefixed := strings.CutPrefix(s, service.ShareTokenPrefix)
		b, err := base64.RawURLEncoding.DecodeString(rest)
		want := prefixed && err == nil && len(b) == 32 && base64.RawURLEncoding.EncodeToString(b) == rest
		if ok != want {
			t.Fatalf("ValidShareToken(%q) = %v, want %v", s, ok, want)
		}
	})
}

func TestNewShareTokensAreValid(t *testing.T) {
	for range 100 {
		tok, _ := identity.NewSecret(service.ShareTokenPrefix)
		if !service.ValidShareToken(tok) {
			t.Fatalf("a new token %q is refused", tok)
		}
	}
}
