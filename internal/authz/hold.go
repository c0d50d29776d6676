package authz

import (
	"fmt"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
)

// Moderation holds. An upload by a member of a moderated (requester)
// group is held until an approver publishes it. The reference model has no
// notion of a hold, so a hold is defined by what it is in the model's
// terms: a held record or media object is one with NO workspace relation
// and an ACL of exactly
//
//	user:UPLOADER            acl_edit
//	group:APPROVERS#member   acl_view (record) or acl_download (media)
//
// Its stored ACL and its workspace's roles do not count while it is held;
// it still belongs to its account (the rule outside the model), and a
// media object is still reachable only by someone who can view its record
// (the model's "and can_view from record"), so the media of a held record
// are hidden with it. Publishing (a put without Hold) restores the stored
// ACL and the workspace at once.

// Hold marks a record or media object held for moderation: its uploader
// (a user id) may edit it, the members of the approver groups may view
// it (media: download it, to inspect the original), nobody else sees it.
type Hold struct {
	Uploader  string
	Approvers []string
}

// hold is a held object's stand-in ACL in engine terms.
type hold struct {
	account  *account
	uploader uint32 // principal id, or noPrincipal
	acl      []aclEntry
}

// approverLevel is the level a hold gives its approver groups: view on a
// record, download on a media object.
var approverLevel = [numContentTypes]Level{idxRecord: 1, idxMedia: 3}

// setHold replaces the hold of object ord of table ti (nil: not held).
func (e *Engine) setHold(ti int, ord uint32, o *object, a *account, h *Hold) error {
	var next *hold
	if h != nil {
		t := e.objs[ti]
		if approverLevel[ti] == 0 {
			return fmt.Errorf("%s %s: only records and media objects are held", t.typ, o.id)
		}
		next = &hold{account: a, uploader: noPrincipal}
		add := func(s Subject, l Level) error {
			pid, err := e.subjectPID(a, s)
			if err != nil {
				return fmt.Errorf("%s %s: hold: %w", t.typ, o.id, err)
			}
			for i := range next.acl {
				if next.acl[i].pid == pid {
					next.acl[i].level = max(next.acl[i].level, l)
					return nil
				}
			}
			next.acl = append(next.acl, aclEntry{pid, l})
			return nil
		}
		if h.Uploader != "" {
			if err := add(User(h.Uploader), Level(len(aclPermissionNames[t.typ]))); err != nil {
				return err
			}
			next.uploader = next.acl[0].pid
		}
		for _, g := range h.Approvers {
			if err := add(GroupOf(g), approverLevel[ti]); err != nil {
				return err
			}
		}
	}
	e.dropHold(ti, ord, o)
	if next == nil {
		return nil
	}
	t := e.objs[ti]
	maxLevel := Level(len(aclPermissionNames[t.typ]))
	o.held = true
	t.holds[o.id] = next
	a.held[ti].Add(ord)
	for _, en := range next.acl {
		p := e.principals[en.pid]
		if p.hold == nil {
			p.hold = new([numContentTypes][]*roaring.Bitmap)
		}
		if p.hold[ti] == nil {
			p.hold[ti] = make([]*roaring.Bitmap, maxLevel)
		}
		for l := Level(1); l <= en.level; l++ {
			if p.hold[ti][l-1] == nil {
				p.hold[ti][l-1] = roaring.New()
			}
			p.hold[ti][l-1].Add(ord)
		}
	}
	return nil
}

// dropHold publishes object ord of table ti, if it is held.
func (e *Engine) dropHold(ti int, ord uint32, o *object) {
	if !o.held {
		return
	}
	t := e.objs[ti]
	h := t.holds[o.id]
	for _, en := range h.acl {
		if p := e.principals[en.pid]; p.hold != nil {
			for _, bm := range p.hold[ti] {
				if bm != nil {
					bm.Remove(ord)
				}
			}
		}
	}
	h.account.held[ti].Remove(ord)
	delete(t.holds, o.id)
	o.held = false
}

// dropFromHolds removes a deleted user or group from every hold naming
// it, as deleting it removes it from every ACL. The objects stay held.
func (e *Engine) dropFromHolds(pid uint32) {
	p := e.principals[pid]
	if p.hold == nil {
		return
	}
	for ti, t := range e.objs {
		var ords []uint32
		for _, bm := range p.hold[ti] {
			if bm != nil {
				ords = append(ords, bm.ToArray()...)
			}
		}
		for _, ord := range ords {
			h := t.holds[t.objs[ord].id]
			if h == nil {
				continue
			}
			h.acl = slices.DeleteFunc(h.acl, func(en aclEntry) bool { return en.pid == pid })
			if h.uploader == pid {
				h.uploader = noPrincipal
			}
		}
	}
	p.hold = nil
}

// holdLevel is the level held object o of table ti gives u.
func (e *Engine) holdLevel(u *principal, ti int, o *object) Level {
	var l Level
	for _, en := range e.objs[ti].holds[o.id].acl {
		if en.level > l && u.actsAs(en.pid) {
			l = en.level
		}
	}
	return l
}

// HoldOf returns the hold of a record or media object, and whether it is
// held (false too for an unknown object). Subjects deleted since the hold
// was put are left out.
func (e *Engine) HoldOf(obj ObjectRef) (Hold, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	ti, o := e.lookup(obj)
	if o == nil || !o.held {
		return Hold{}, false
	}
	h := e.objs[ti].holds[o.id]
	out := Hold{Approvers: []string{}}
	for _, en := range h.acl {
		p := e.principals[en.pid]
		switch {
		case en.pid == h.uploader:
			out.Uploader = p.id
		case p.kind == GroupSubject:
			out.Approvers = append(out.Approvers, p.id)
		}
	}
	slices.Sort(out.Approvers)
	return out, true
}

// heldVisible adds to other the held objects of table ti whose hold
// gives one of u's principals level l or more, and takes every other
// held object out of fromWS and other. The caller holds the read lock.
func (e *Engine) heldVisible(u *principal, ti int, l Level, fromWS, other *roaring.Bitmap) {
	held := u.account.held[ti]
	fromWS.AndNot(held)
	other.AndNot(held)
	if l == 0 {
		return
	}
	for _, pid := range u.closure {
		if ph := e.principals[pid].hold; ph != nil {
			if lv := ph[ti]; len(lv) >= int(l) && lv[l-1] != nil {
				other.Or(lv[l-1])
			}
		}
	}
}

// Held reports whether a record or media object is out of sight for
// moderation: held itself, or (media) attached to a held record. Public
// share links ask it, because a hold lets its uploader see what nobody
// else may yet, and a link must not pass that on.
func (e *Engine) Held(obj ObjectRef) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	ti, o := e.lookup(obj)
	if o == nil {
		return false
	}
	if o.held {
		return true
	}
	return ti == idxMedia && e.objs[idxRecord].objs[o.record].held
}
