package authz

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// An ordSet answers like a plain set through adds and removes, on both
// sides of the size where it turns into a bitmap.
func TestOrdSetIsASet(t *testing.T) {
	for _, c := range []struct {
		name  string
		space uint32 // ordinals drawn from [0, space)
		ops   int
	}{
		{"a few ordinals stay a sorted slice", 50, 200},
		{"many ordinals spill into a bitmap and keep their answers", 5000, 20000},
		{"ordinals scattered over a million", 1 << 20, 3000},
	} {
		t.Run(c.name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(7, uint64(c.space)))
			var s ordSet
			model := map[uint32]bool{}
			for i := range c.ops {
				x := rnd.Uint32N(c.space)
				if rnd.IntN(4) == 0 {
					s.remove(x)
					delete(model, x)
				} else {
					s.add(x)
					model[x] = true
				}
				if i%97 == 0 || i == c.ops-1 {
					want := make([]uint32, 0, len(model))
					for k := range model {
						want = append(want, k)
					}
					slices.Sort(want)
					if got := s.appendTo(nil); !slices.Equal(got, want) {
						t.Fatalf("after %d ops: %d ordinals, want %d", i+1, len(got), len(want))
					}
				}
			}
		})
	}
}

// A group named on more ACLs than a small set holds lists them all, and
// forgets those whose ACL drops it, through the bitmap side.
func TestGroupOnManyACLs(t *testing.T) {
	e := New()
	ops := []Op{PutAccount{ID: "a1"}, PutWorkspace{ID: "w1", Account: "a1"},
		PutUser{ID: "u1", Account: "a1", Active: true}, PutGroup{ID: "g1", Account: "a1", Members: []Subject{User("u1")}}}
	n := 3 * ordSetSmall
	for i := range n {
		ops = append(ops, PutRecord{ID: fmt.Sprintf("r%04d", i), Workspace: "w1", ACL: []ACLEntry{{Subject: GroupOf("g1"), Level: 1}}})
	}
	if err := e.Apply(1, ops...); err != nil {
		t.Fatal(err)
	}
	e.Pack()
	total := func() int {
		p, err := e.List("u1", CanView, Record, ListOptions{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return p.Total
	}
	if got := total(); got != n {
		t.Fatalf("u1 sees %d records, want %d", got, n)
	}
	var drop []Op
	for i := 0; i < n; i += 2 {
		drop = append(drop, SetACL{Ref: ObjectRef{Type: Record, ID: fmt.Sprintf("r%04d", i)}})
	}
	if err := e.Apply(2, drop...); err != nil {
		t.Fatal(err)
	}
	if got := total(); got != n/2 {
		t.Fatalf("after dropping half the ACLs u1 sees %d records, want %d", got, n/2)
	}
	if e.Check("u1", CanView, ObjectRef{Type: Record, ID: "r0000"}) || !e.Check("u1", CanView, ObjectRef{Type: Record, ID: "r0001"}) {
		t.Fatal("checks disagree with the listing")
	}
}
