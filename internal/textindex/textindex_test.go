package textindex

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"words are split on anything but letters and digits", "urban sunset, 12-b", []string{"urban", "sunset", "12", "b"}},
		{"case is folded", "Sunset SUNSET sunset", []string{"sunset"}},
		{"letters of any script are words", "Zürich 東京 café", []string{"zürich", "東京", "café"}},
		{"an empty text has no words", "  -- ", nil},
		{"a long run is cut at the limit", strings.Repeat("a", 100), []string{strings.Repeat("a", MaxTokenLen)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tokens(tt.in); !slices.Equal(got, tt.want) {
				t.Fatalf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIndexKeepsSingletonsAndBitmapsInStep(t *testing.T) {
	x := New()
	x.Add(1, []string{"sunset", "one"})
	x.Add(2, []string{"sunset", "two"})
	x.Add(2, []string{"sunset"}) // adding twice changes nothing
	if got := x.Lookup("sunset").ToArray(); !slices.Equal(got, []uint32{1, 2}) {
		t.Fatalf("sunset = %v, want [1 2]", got)
	}
	if got := x.Lookup("one").ToArray(); !slices.Equal(got, []uint32{1}) {
		t.Fatalf("one = %v, want [1]", got)
	}
	x.Remove(1, []string{"sunset", "one", "absent"})
	x.Remove(3, []string{"two"}) // another document's word stays
	if got := x.Lookup("sunset").ToArray(); !slices.Equal(got, []uint32{2}) {
		t.Fatalf("after removal sunset = %v, want [2]", got)
	}
	if x.Lookup("one") != nil || x.Lookup("two") == nil {
		t.Fatalf("one should be gone and two kept")
	}
	x.Remove(2, []string{"sunset", "two"})
	if x.Words() != 0 {
		t.Fatalf("index keeps %d words after every document left", x.Words())
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"urban sunset 1", "Zürich-東京", "", "\xff\xfe a", strings.Repeat("é", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words := Tokens(s)
		for _, w := range words {
			if w == "" || len(w) > MaxTokenLen {
				t.Fatalf("word %q has a bad length", w)
			}
			if utf8.ValidString(s) && !utf8.ValidString(w) {
				t.Fatalf("word %q of valid text is not valid UTF-8", w)
			}
			if !slices.Equal(Tokens(w), []string{w}) {
				t.Fatalf("word %q does not tokenize to itself: %q", w, Tokens(w))
			}
		}
	})
}
