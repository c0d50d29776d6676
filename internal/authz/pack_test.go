package authz

import (
	"fmt"
	"testing"
	"unsafe"
)

// After Pack, the id map's keys are the objects' packed ids, not the
// strings the load brought (which the map would otherwise keep alive),
// and every piece is capped so that an append cannot reach a neighbour.
func TestPackSharesIDsWithTheMapAndCapsPieces(t *testing.T) {
	e := New()
	ops := []Op{PutAccount{ID: "a1"}, PutWorkspace{ID: "w1", Account: "a1"}}
	for i := range 50 {
		ops = append(ops, PutRecord{ID: fmt.Sprintf("r%d", i), Workspace: "w1"})
	}
	if err := e.Apply(1, ops...); err != nil {
		t.Fatal(err)
	}
	e.Pack()
	t.Run("the map's keys point at the objects' ids", func(t *testing.T) {
		recs := e.objs[idxRecord]
		for k, ord := range recs.ord {
			if unsafe.StringData(k) != unsafe.StringData(recs.objs[ord].id) {
				t.Fatalf("key %q is not the packed id", k)
			}
		}
	})
	t.Run("the ids share chunks", func(t *testing.T) {
		recs := e.objs[idxRecord]
		a, b := unsafe.StringData(recs.objs[0].id), unsafe.StringData(recs.objs[1].id)
		if uintptr(unsafe.Pointer(b))-uintptr(unsafe.Pointer(a)) != uintptr(len(recs.objs[0].id)) {
			t.Fatal("consecutive ids are not consecutive in a chunk")
		}
	})
	t.Run("an append to a packed piece leaves its neighbours alone", func(t *testing.T) {
		var s slab[uint32]
		x := s.copyOf([]uint32{1, 2})
		y := s.copyOf([]uint32{3, 4})
		x = append(x, 9)
		if y[0] != 3 || cap(x) == 3 && &x[0] == &s.free[0] {
			t.Fatalf("append wrote into the chunk: x=%v y=%v", x, y)
		}
	})
}
