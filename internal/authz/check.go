package authz

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
)

// rule is one permission of a content type written out from the model:
// allowed if the user's workspace role is at least ws, or (acl > 0) an ACL
// entry of one of its principals reaches level acl, or (creator) the user
// created the object; and, for media (record), only if the user can also
// view the media's record.
type rule struct {
	ws      Role
	acl     Level
	creator bool
	record  bool
}

var rules = [numContentTypes]map[Permission]rule{
	idxRecord: {
		CanView:   {ws: Viewer, acl: 1},
		CanEdit:   {ws: Contributor, acl: 2},
		CanDelete: {ws: Editor},
		CanManage: {ws: Owner},
	},
	idxCollection: {
		CanView:   {ws: Viewer, acl: 1, creator: true},
		CanEdit:   {ws: Contributor, acl: 2, creator: true},
		CanDelete: {ws: Editor, creator: true},
	},
	idxMedia: {
		CanPreview:  {ws: Viewer, acl: 1, record: true},
		CanView:     {ws: Viewer, acl: 2, record: true},
		CanDownload: {ws: Contributor, acl: 3, record: true},
		CanEdit:     {ws: Contributor, acl: 4, record: true},
	},
}

// workspaceRules: the permissions on a workspace itself are its roles.
var workspaceRules = map[Permission]Role{
	CanView: Viewer, CanEdit: Contributor, CanDelete: Editor, CanManage: Owner,
}

// ErrUnsupported is returned for a permission a type does not have.
var ErrUnsupported = errors.New("permission not defined on this type")

// Supported reports whether permission p is defined on type t.
func Supported(t ObjectType, p Permission) bool {
	if t == Workspace {
		_, ok := workspaceRules[p]
		return ok
	}
	ti, ok := contentIndex(t)
	if !ok {
		return false
	}
	_, ok = rules[ti][p]
	return ok
}

// SupportedPermissions lists the permissions defined on type t.
func SupportedPermissions(t ObjectType) []Permission {
	var out []Permission
	for p := CanView; p <= CanDownload; p++ {
		if Supported(t, p) {
			out = append(out, p)
		}
	}
	return out
}

// activeUser returns the user principal if it exists and is active.
func (e *Engine) activeUser(id string) *principal {
	pid, ok := e.userPID[id]
	if !ok {
		return nil
	}
	p := e.principals[pid]
	if !p.defined || !p.active {
		return nil
	}
	return p
}

func (p *principal) actsAs(pid uint32) bool {
	_, ok := slices.BinarySearch(p.closure, pid)
	return ok
}

// wsRole is the user's effective role on a workspace: the highest of its
// account roles' workspace role, its (groups') member roles and its
// (groups') grants on the workspace's tier.
func (e *Engine) wsRole(u *principal, w *workspace) Role {
	if w.account != u.account {
		return NoRole
	}
	r := workspaceRoleFromAccount(u.roles)
	for _, g := range w.members {
		if g.role > r && u.actsAs(g.pid) {
			r = g.role
		}
	}
	if w.tier != nil {
		for _, g := range w.tier.grants {
			if g.role > r && u.actsAs(g.pid) {
				r = g.role
			}
		}
	}
	return r
}

func (e *Engine) aclLevel(u *principal, o *object) Level {
	var l Level
	for _, en := range o.acl {
		if en.level > l && u.actsAs(en.pid) {
			l = en.level
		}
	}
	return l
}

// lookup finds a live content object.
func (e *Engine) lookup(ref ObjectRef) (int, *object) {
	ti, ok := contentIndex(ref.Type)
	if !ok {
		return 0, nil
	}
	t := e.objs[ti]
	ord, ok := t.ord[ref.ID]
	if !ok {
		return 0, nil
	}
	return ti, &t.objs[ord]
}

func (e *Engine) objWorkspace(ti int, o *object) *workspace {
	if ti == idxMedia {
		return e.objs[idxRecord].objs[o.record].ws
	}
	return o.ws
}

func (e *Engine) checkObj(u *principal, ti int, o *object, r rule) bool {
	w := e.objWorkspace(ti, o)
	if w.account != u.account {
		return false
	}
	var ok bool
	if o.held {
		// Only the hold's stand-in ACL counts (see Hold).
		ok = r.acl > 0 && e.holdLevel(u, ti, o) >= r.acl
	} else {
		ok = e.wsRole(u, w) >= r.ws ||
			r.acl > 0 && e.aclLevel(u, o) >= r.acl ||
			r.creator && o.creator != noPrincipal && e.principals[o.creator] == u
	}
	if ok && r.record {
		rec := &e.objs[idxRecord].objs[o.record]
		return e.checkObj(u, idxRecord, rec, rules[idxRecord][CanView])
	}
	return ok
}

// Check reports whether user userID has permission p on obj. Unknown users,
// inactive users, unknown objects, objects of another account and
// permissions the type does not define are all simply false.
func (e *Engine) Check(userID string, p Permission, obj ObjectRef) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.activeUser(userID)
	if u == nil {
		return false
	}
	if obj.Type == Workspace {
		need, ok := workspaceRules[p]
		w := e.workspaces[obj.ID]
		return ok && w != nil && e.wsRole(u, w) >= need
	}
	ti, o := e.lookup(obj)
	if o == nil {
		return false
	}
	r, ok := rules[ti][p]
	return ok && e.checkObj(u, ti, o, r)
}

// CanAccount reports whether user userID, active, holds account permission
// p in account accountID.
func (e *Engine) CanAccount(userID, accountID string, p AccountPermission) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.activeUser(userID)
	return u != nil && u.account.id == accountID && u.perms.Has(p)
}

// EffectivePermissions returns the account permissions an active user
// holds through built-in and custom roles, directly and through groups
// (none for an inactive or unknown user).
func (e *Engine) EffectivePermissions(userID string) Permissions {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u := e.activeUser(userID); u != nil {
		return u.perms
	}
	return 0
}

// EffectiveCustomRoles returns the ids of the custom roles an active user
// holds directly and through groups, sorted (none for an inactive or
// unknown user). Roles not defined (yet) are left out.
func (e *Engine) EffectiveCustomRoles(userID string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := []string{}
	u := e.activeUser(userID)
	if u == nil {
		return out
	}
	add := func(rs []*customRole) {
		for _, r := range rs {
			if r.account != nil && !slices.Contains(out, r.id) {
				out = append(out, r.id)
			}
		}
	}
	add(u.custom)
	for _, pid := range u.closure {
		if p := e.principals[pid]; p.kind == GroupSubject {
			add(p.custom)
		}
	}
	slices.Sort(out)
	return out
}

// EffectiveRoles returns the account roles an active user holds directly
// and through groups (none for an inactive or unknown user).
func (e *Engine) EffectiveRoles(userID string) Roles {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u := e.activeUser(userID); u != nil {
		return u.roles
	}
	return 0
}

// WorkspaceRole returns an active user's effective role on a workspace.
func (e *Engine) WorkspaceRole(userID, workspaceID string) Role {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.activeUser(userID)
	w := e.workspaces[workspaceID]
	if u == nil || w == nil {
		return NoRole
	}
	return e.wsRole(u, w)
}

// UserCanUse reports whether a user is active and may use an application.
func (e *Engine) UserCanUse(userID string, app Apps) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.activeUser(userID)
	return u != nil && u.apps&app == app
}

// UserActive reports whether the user exists and is active.
func (e *Engine) UserActive(userID string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.activeUser(userID) != nil
}

// AccountOf returns the account an entity belongs to. Subjects are looked
// up as users and groups; content, workspaces and tiers by their ids.
func (e *Engine) AccountOf(obj ObjectRef) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	switch obj.Type {
	case Account:
		_, ok := e.accounts[obj.ID]
		return obj.ID, ok
	case Workspace:
		if w := e.workspaces[obj.ID]; w != nil {
			return w.account.id, true
		}
	case Tier:
		if t := e.tiers[obj.ID]; t != nil {
			return t.account.id, true
		}
	case Group:
		if pid, ok := e.groupPID[obj.ID]; ok && e.principals[pid].defined {
			return e.principals[pid].account.id, true
		}
	default:
		ti, o := e.lookup(obj)
		if o != nil {
			return e.objWorkspace(ti, o).account.id, true
		}
	}
	return "", false
}

// ActiveOwners returns the active users holding the owner role (directly:
// groups cannot) in an account, sorted by id.
func (e *Engine) ActiveOwners(accountID string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	a := e.accounts[accountID]
	if a == nil {
		return nil
	}
	var out []string
	for _, pid := range a.users {
		if u := e.principals[pid]; u.active && u.directRoles.Has(RoleOwner) {
			out = append(out, u.id)
		}
	}
	sort.Strings(out)
	return out
}

// Accounts returns the ids of every account.
func (e *Engine) Accounts() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]string, 0, len(e.accounts))
	for id := range e.accounts {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// UserAccount returns the account of a user, active or not.
func (e *Engine) UserAccount(userID string) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	pid, ok := e.userPID[userID]
	if !ok || !e.principals[pid].defined {
		return "", false
	}
	return e.principals[pid].account.id, true
}

// visible returns the ordinals of content table ti that user u reaches
// under rule r. The caller holds the read lock.
func (e *Engine) visible(u *principal, ti int, r rule) *roaring.Bitmap {
	var fromWS *roaring.Bitmap
	var parts []*roaring.Bitmap
	if workspaceRoleFromAccount(u.roles) >= r.ws {
		// The account role reaches every workspace: all of the account.
		fromWS = u.account.objs[ti].Clone()
	} else {
		for _, w := range u.account.workspaces {
			if e.wsRole(u, w) >= r.ws {
				parts = append(parts, w.objs[ti])
			}
		}
		fromWS = roaring.FastOr(parts...)
		parts = parts[:0]
	}
	var loose []uint32
	if r.acl > 0 {
		for _, pid := range u.closure {
			if lv := e.principals[pid].acl[ti]; len(lv) >= int(r.acl) {
				parts, loose = lv[r.acl-1].unionInto(parts, loose)
			}
		}
	}
	if r.creator && u.created != nil {
		parts = append(parts, u.created)
	}
	other := roaring.FastOr(parts...)
	other.AddMany(loose)
	if !u.account.held[ti].IsEmpty() {
		e.heldVisible(u, ti, r.acl, fromWS, other)
	}
	other.AndNot(fromWS)
	if r.record {
		if hr := u.account.held[idxRecord]; !hr.IsEmpty() {
			// The media of held records reached through a workspace role
			// need their record checked like the rest.
			mt := e.objs[ti]
			var ms []uint32
			it := hr.Iterator()
			for it.HasNext() {
				ms = append(ms, mt.mediaOf(it.Next())...)
			}
			if len(ms) > 0 {
				m := roaring.BitmapOf(ms...)
				m.And(fromWS)
				fromWS.AndNot(m)
				other.Or(m)
			}
		}
	}
	if r.record && !other.IsEmpty() {
		// Objects reached through a workspace role of viewer or more have a
		// visible record already; the rest need their record checked.
		recs := e.cachedVisible(u, idxRecord, CanView)
		recordOf := e.objs[ti].recordOf
		contains := recs.Contains
		if other.GetCardinality() > 4096 {
			// Many lookups: a flat bitset of the visible records answers
			// each in one load.
			dense := recs.ToDense()
			contains = func(r uint32) bool { return int(r>>6) < len(dense) && dense[r>>6]&(1<<(r&63)) != 0 }
		}
		keep := make([]uint32, 0, 64)
		it := other.ManyIterator()
		buf := make([]uint32, 256)
		for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
			for _, ord := range buf[:n] {
				if contains(recordOf[ord]) {
					keep = append(keep, ord)
				}
			}
		}
		other = roaring.BitmapOf(keep...)
	}
	fromWS.Or(other)
	return fromWS
}

// Page is one page of a listing.
type Page struct {
	IDs        []string
	NextCursor string // empty on the last page
	Total      int    // size of the whole listing
}

// ErrBadCursor is returned for a cursor this engine did not produce.
var ErrBadCursor = errors.New("invalid cursor")

// ListOptions narrow a listing.
type ListOptions struct {
	Limit     int    // page size; at least 1
	Cursor    string // from a previous Page.NextCursor, or empty
	Workspace string // only objects of this workspace, if set
}

// List returns one page of the objects of type t on which user userID has
// permission p, in a stable order, with the listing's exact total.
func (e *Engine) List(userID string, p Permission, t ObjectType, opt ListOptions) (Page, error) {
	if opt.Limit < 1 {
		return Page{}, fmt.Errorf("limit must be at least 1")
	}
	var after uint64
	if opt.Cursor != "" {
		n, ok := e.cursors.Decode(opt.Cursor)
		if !ok || n > uint64(^uint32(0)) {
			return Page{}, ErrBadCursor
		}
		after = n
	}
	ti, ok := contentIndex(t)
	if !ok {
		return Page{}, fmt.Errorf("%w: %s on %s", ErrUnsupported, p, t)
	}
	if _, ok := rules[ti][p]; !ok {
		return Page{}, fmt.Errorf("%w: %s on %s", ErrUnsupported, p, t)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.activeUser(userID)
	if u == nil {
		return Page{IDs: []string{}}, nil
	}
	bm := e.cachedVisible(u, ti, p)
	if opt.Workspace != "" {
		w := u.account.workspaces[opt.Workspace]
		if w == nil {
			return Page{IDs: []string{}}, nil
		}
		bm = roaring.And(bm, w.objs[ti])
	}
	page := Page{IDs: make([]string, 0, min(opt.Limit, int(bm.GetCardinality()))), Total: int(bm.GetCardinality())}
	it := bm.Iterator()
	it.AdvanceIfNeeded(uint32(after))
	table := e.objs[ti]
	for it.HasNext() {
		ord := it.Next()
		if len(page.IDs) == opt.Limit {
			page.NextCursor = e.cursors.Encode(uint64(ord))
			break
		}
		page.IDs = append(page.IDs, table.objs[ord].id)
	}
	return page, nil
}

// Who returns the ids of the active users who have permission p on obj,
// sorted.
func (e *Engine) Who(p Permission, obj ObjectRef) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := []string{}
	var a *account
	var test func(u *principal) bool
	if obj.Type == Workspace {
		need, ok := workspaceRules[p]
		w := e.workspaces[obj.ID]
		if !ok || w == nil {
			return out
		}
		a = w.account
		test = func(u *principal) bool { return e.wsRole(u, w) >= need }
	} else {
		ti, o := e.lookup(obj)
		if o == nil {
			return out
		}
		r, ok := rules[ti][p]
		if !ok {
			return out
		}
		a = e.objWorkspace(ti, o).account
		test = func(u *principal) bool { return e.checkObj(u, ti, o, r) }
	}
	for _, pid := range a.users {
		u := e.principals[pid]
		if u.active && test(u) {
			out = append(out, u.id)
		}
	}
	sort.Strings(out)
	return out
}

// WorkspaceOf returns the workspace of a record, media object or
// collection (a media object's is its record's).
func (e *Engine) WorkspaceOf(obj ObjectRef) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	ti, o := e.lookup(obj)
	if o == nil {
		return "", false
	}
	return e.objWorkspace(ti, o).id, true
}

// visCache keeps recently computed visible sets for the current revision,
// so that paging through a long listing computes it once. Cached bitmaps
// are shared and must never be modified.
type visCache struct {
	mu      sync.Mutex
	entries map[visKey]*roaring.Bitmap
	order   []visKey // insertion order, for eviction
}

type visKey struct {
	user *principal
	ti   int
	perm Permission
}

// visCacheSize bounds the cache; a visible set of a million objects takes
// a few hundred KiB.
const visCacheSize = 256

// reset empties the cache; Apply calls it with the write lock held.
func (c *visCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries, c.order = nil, nil
}

// cachedVisible returns the (shared, read-only) set of objects of table ti
// that u has permission p on. The caller holds the read lock.
func (e *Engine) cachedVisible(u *principal, ti int, p Permission) *roaring.Bitmap {
	key := visKey{u, ti, p}
	c := &e.vis
	c.mu.Lock()
	bm, ok := c.entries[key]
	c.mu.Unlock()
	if ok {
		return bm
	}
	bm = e.visible(u, ti, rules[ti][p])
	bm.RunOptimize()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[visKey]*roaring.Bitmap{}
	}
	if _, dup := c.entries[key]; !dup {
		if len(c.order) >= visCacheSize {
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
		}
		c.entries[key] = bm
		c.order = append(c.order, key)
	}
	return bm
}

// MemberOf reports whether an active user is a member of a group,
// directly or through nested groups.
func (e *Engine) MemberOf(userID, groupID string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.activeUser(userID)
	gid, ok := e.groupPID[groupID]
	return u != nil && ok && u.actsAs(gid)
}

// GroupUsers returns the active users in a group, directly or through
// nested groups, sorted by id.
func (e *Engine) GroupUsers(groupID string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	gid, ok := e.groupPID[groupID]
	if !ok {
		return nil
	}
	set := map[uint32]bool{}
	e.usersUnder(gid, set)
	out := []string{}
	for pid := range set {
		if u := e.principals[pid]; u.defined && u.active {
			out = append(out, u.id)
		}
	}
	sort.Strings(out)
	return out
}
