package service

import (
	"testing"

	"atrium/internal/domain"
)

// FuzzParseHoldCursor: a queue cursor either parses to the position it
// names, which writes back as the same cursor, or is refused; it never
// panics.
func FuzzParseHoldCursor(f *testing.F) {
	for _, s := range []string{"1700000000000000.record.rec_abc", "12.media.m1", "0.record.r", "-5.record.r", "+12.record.r", "012.record.r", "12.collection.c", "12.record.", "12.record.a.b", "12.record./x", "x.record.r", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		at, typ, id, ok := parseHoldCursor(c)
		if !ok {
			return
		}
		if back := holdCursor(domain.Hold{HeldAt: at, ObjectType: typ, ObjectID: id}); back != c {
			t.Fatalf("cursor %q parses to a position written back as %q", c, back)
		}
	})
}
