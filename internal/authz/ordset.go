package authz

import (
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
)

// ordSet is a set of object ordinals: a sorted slice while small, a
// roaring bitmap once large. A principal's ACL sets are mostly a handful
// of ordinals scattered over a million, where a bitmap spends a container
// (two allocations) per ordinal; the slice is one allocation without
// pointers, which is what the garbage collector's marking costs are made
// of. The large sets of groups named on many ACLs keep the bitmap's fast
// unions.
type ordSet struct {
	small []uint32 // sorted; nil once big is set
	big   *roaring.Bitmap
}

// ordSetSmall is the size past which a set becomes a bitmap.
const ordSetSmall = 512

func (s *ordSet) add(x uint32) {
	if s.big != nil {
		s.big.Add(x)
		return
	}
	i, ok := slices.BinarySearch(s.small, x)
	if ok {
		return
	}
	if len(s.small) >= ordSetSmall {
		s.big = roaring.BitmapOf(s.small...)
		s.big.Add(x)
		s.small = nil
		return
	}
	s.small = slices.Insert(s.small, i, x)
}

func (s *ordSet) remove(x uint32) {
	if s.big != nil {
		s.big.Remove(x)
		return
	}
	if i, ok := slices.BinarySearch(s.small, x); ok {
		s.small = slices.Delete(s.small, i, i+1)
	}
}

// appendTo appends the set's ordinals, in order, to dst.
func (s *ordSet) appendTo(dst []uint32) []uint32 {
	if s.big != nil {
		return append(dst, s.big.ToArray()...)
	}
	return append(dst, s.small...)
}

// unionInto adds the set to a union being built: a bitmap to bitmaps
// (for one FastOr), a slice's ordinals to loose.
func (s *ordSet) unionInto(bitmaps []*roaring.Bitmap, loose []uint32) ([]*roaring.Bitmap, []uint32) {
	if s.big != nil {
		return append(bitmaps, s.big), loose
	}
	return bitmaps, append(loose, s.small...)
}
