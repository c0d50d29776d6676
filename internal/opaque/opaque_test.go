package opaque

import (
	"testing"
)

func TestTokensRoundTripAndRevealNothing(t *testing.T) {
	c := NewRandom("cursor")
	seen := map[string]bool{}
	for _, v := range []uint64{0, 1, 2, 15, 1 << 32, ^uint64(0)} {
		tok := c.Encode(v)
		if got, ok := c.Decode(tok); !ok || got != v {
			t.Errorf("Decode(Encode(%d)) = %d, %v", v, got, ok)
		}
		if seen[tok] {
			t.Errorf("two numbers share token %s", tok)
		}
		seen[tok] = true
	}
	// Neighbouring numbers give unrelated tokens: no common prefix.
	a, b := c.Encode(1), c.Encode(2)
	same := 0
	for same < len(a) && a[same] == b[same] {
		same++
	}
	if same > 3 {
		t.Errorf("tokens of 1 and 2 share a %d-character prefix: %s %s", same, a, b)
	}
}

func TestTokensOfAnotherKeyOrPurposeOrTamperedAreRejected(t *testing.T) {
	key := []byte("0123456789abcdef")
	c1, _ := New(key, "cursor")
	c2, _ := New(key, "revision")
	c3 := NewRandom("cursor")
	tok := c1.Encode(42)
	if _, ok := c2.Decode(tok); ok {
		t.Error("a cursor token decoded as a revision token")
	}
	if _, ok := c3.Decode(tok); ok {
		t.Error("a token decoded under another key")
	}
	for _, bad := range []string{"", "42", tok[:21], tok + "A", "!!!!!!!!!!!!!!!!!!!!!!", flip(tok)} {
		if _, ok := c1.Decode(bad); ok {
			t.Errorf("Decode(%q) accepted", bad)
		}
	}
	if _, err := New([]byte("short"), "x"); err == nil {
		t.Error("a 5-byte key accepted")
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[5] == 'A' {
		b[5] = 'B'
	} else {
		b[5] = 'A'
	}
	return string(b)
}

// FuzzDecode: tokens come from clients; none may crash the decoder, and
// the fuzzer cannot forge one (with overwhelming probability).
func FuzzDecode(f *testing.F) {
	c, _ := New([]byte("0123456789abcdef"), "cursor")
	f.Add(c.Encode(7))
	f.Add("AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		if v, ok := c.Decode(s); ok && c.Encode(v) != s {
			t.Fatalf("accepted %q as %d, which encodes to %q", s, v, c.Encode(v))
		}
	})
}
