package authz

import (
	"slices"
	"unsafe"
)

// Packing the loaded index. A full load leaves millions of small
// allocations behind: an id string per object (and the id map's keys, the
// same strings), a title per record, an ACL slice per object with an ACL,
// a media list per record, a closure per user, a principal's small ACL
// sets (ordSet). Every garbage collection
// marks each of them, and at a million records that marking is most of
// what a collection costs — paid again every few hundred thousand
// requests, whatever they allocate. Pack copies them into large chunks, so
// the collector sees a few hundred objects instead.
//
// A packed piece is capped at its length, so an append moves it out of its
// chunk instead of writing into a neighbour's bytes; in-place edits
// (slices.DeleteFunc) stay inside the piece. Later writes allocate as
// usual, so chunks hold only what the load brought; a chunk lives as long
// as any piece of it, which bounds the memory pieces replaced later can
// keep to the size of the load.

// slabChunk is the number of elements of a chunk: big enough that chunks
// are few, small enough that a chunk kept alive by one piece wastes little.
const slabChunk = 16 << 10

// slab hands out pieces of chunks.
type slab[T any] struct{ free []T }

// copyOf returns a copy of src in a chunk (nil for an empty src).
func (s *slab[T]) copyOf(src []T) []T {
	n := len(src)
	switch {
	case n == 0:
		return nil
	case n > slabChunk/16:
		return slices.Clip(slices.Clone(src))
	case cap(s.free)-len(s.free) < n:
		s.free = make([]T, 0, slabChunk)
	}
	start := len(s.free)
	s.free = append(s.free, src...)
	return s.free[start : start+n : start+n]
}

// intern returns a copy of str in a chunk of bytes. The chunk is never
// written where a string returned before points, so the string is
// immutable as strings must be.
func intern(s *slab[byte], str string) string {
	if str == "" {
		return ""
	}
	b := s.copyOf(unsafe.Slice(unsafe.StringData(str), len(str)))
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Pack moves the loaded index's small pieces into chunks (see above). It
// changes no answer. A loader calls it once, after a full load and before
// serving; it holds the write lock throughout.
func (e *Engine) Pack() {
	e.mu.Lock()
	defer e.mu.Unlock()
	var text slab[byte]
	var acls slab[aclEntry]
	var ords slab[uint32]
	for _, t := range e.objs {
		for i := range t.objs {
			o := &t.objs[i]
			if o.id != "" {
				o.id = intern(&text, o.id)
				if ord, ok := t.ord[o.id]; ok && ord == uint32(i) {
					// An assignment to a present string key stores the
					// given key: the map's key becomes the packed copy.
					t.ord[o.id] = ord
				}
			}
			o.acl = acls.copyOf(o.acl)
		}
		for r, ms := range t.byRecord {
			t.byRecord[r] = ords.copyOf(ms)
		}
	}
	if e.recs != nil {
		for i, s := range e.recs.titles {
			e.recs.titles[i] = intern(&text, s)
		}
	}
	for _, p := range e.principals {
		if p == nil {
			continue
		}
		p.closure = ords.copyOf(p.closure)
		for ti := range p.acl {
			for l := range p.acl[ti] {
				p.acl[ti][l].small = ords.copyOf(p.acl[ti][l].small)
			}
		}
		p.directGroups = ords.copyOf(p.directGroups)
	}
}
