// Package textindex is an inverted index from words to the ordinals of the
// documents holding them, for whole-word search over short metadata
// (titles, descriptions, keywords) and exact field values.
//
// Words are what Tokens makes of a text: maximal runs of letters and digits,
// lower-cased (Unicode simple folding), at most MaxTokenLen bytes each; so a
// query word matches the same word in any case. An Index is not safe for
// concurrent use: its owner serializes writers against readers.
package textindex

import (
	"slices"
	"strings"
	"unicode"

	"github.com/RoaringBitmap/roaring/v2"
)

// MaxTokenLen bounds a word; longer runs are cut, so a pasted blob cannot
// make one huge index key.
const MaxTokenLen = 64

// Tokens returns the distinct words of s, in order of first appearance.
func Tokens(s string) []string {
	// Folding first keeps words stable: lower-casing a word can change its
	// bytes, never split it again.
	s = strings.ToLower(s)
	var out []string
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := s[start:end]
		if len(w) > MaxTokenLen {
			w = cut(w, MaxTokenLen)
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
		start = -1
	}
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return out
}

// cut shortens w to at most n bytes without splitting a UTF-8 sequence.
func cut(w string, n int) string {
	for n > 0 && n < len(w) && w[n]&0xC0 == 0x80 {
		n--
	}
	return w[:n]
}

// Index maps words to document ordinals. Most words of a large library
// occur once (numbers, names), so a word held by one document keeps its
// ordinal inline and only a second holder allocates a bitmap.
type Index struct {
	single map[string]uint32
	multi  map[string]*roaring.Bitmap
}

// New returns an empty index.
func New() *Index {
	return &Index{single: map[string]uint32{}, multi: map[string]*roaring.Bitmap{}}
}

// Add records that document ord holds words.
func (x *Index) Add(ord uint32, words []string) {
	for _, w := range words {
		if bm, ok := x.multi[w]; ok {
			bm.Add(ord)
			continue
		}
		if other, ok := x.single[w]; ok {
			if other == ord {
				continue
			}
			delete(x.single, w)
			x.multi[w] = roaring.BitmapOf(other, ord)
			continue
		}
		x.single[w] = ord
	}
}

// Remove records that document ord no longer holds words.
func (x *Index) Remove(ord uint32, words []string) {
	for _, w := range words {
		if bm, ok := x.multi[w]; ok {
			bm.Remove(ord)
			if bm.IsEmpty() {
				delete(x.multi, w)
			}
			continue
		}
		if other, ok := x.single[w]; ok && other == ord {
			delete(x.single, w)
		}
	}
}

// Lookup returns the documents holding word, which the caller must not
// modify; nil when none does.
func (x *Index) Lookup(word string) *roaring.Bitmap {
	if bm, ok := x.multi[word]; ok {
		return bm
	}
	if ord, ok := x.single[word]; ok {
		return roaring.BitmapOf(ord)
	}
	return nil
}

// Words returns the number of distinct words indexed.
func (x *Index) Words() int { return len(x.single) + len(x.multi) }
