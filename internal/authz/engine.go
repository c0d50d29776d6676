package authz

import (
	"fmt"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"atrium/internal/opaque"
)

// Engine is the permission engine. It is safe for concurrent use: readers
// never see a half-applied Apply.
type Engine struct {
	mu  sync.RWMutex
	rev uint64

	accounts   map[string]*account
	principals []*principal // by principal id
	userPID    map[string]uint32
	groupPID   map[string]uint32
	tiers      map[string]*tier
	workspaces map[string]*workspace
	roles      map[string]*customRole
	objs       [numContentTypes]*objTable
	// cursors encode listing positions: an ordinal is a count across all
	// accounts, so clients must not read it. Its key is this engine's
	// own; a cursor of another engine (before a reload) is rejected.
	cursors       *opaque.Codec
	searchCursors *opaque.Codec
	vis           visCache
	recs          *recordIndex
}

// content types index Engine.objs.
const (
	idxRecord = iota
	idxMedia
	idxCollection
	numContentTypes
)

func contentIndex(t ObjectType) (int, bool) {
	switch t {
	case Record:
		return idxRecord, true
	case Media:
		return idxMedia, true
	case Collection:
		return idxCollection, true
	}
	return 0, false
}

type account struct {
	id         string
	everyone   uint32 // principal id of the account's everyone
	users      []uint32
	workspaces map[string]*workspace
	// objs[t]: every object of content table t in the account, the answer
	// for whoever holds an account role reaching every workspace.
	objs [numContentTypes]*roaring.Bitmap
	// held[t]: the objects of content table t held for moderation, which
	// listings take out of what workspace roles and ACLs reach.
	held [numContentTypes]*roaring.Bitmap
}

type principal struct {
	kind    SubjectKind
	id      string
	account *account // nil until the entity is put (a group may be named before it is defined)
	defined bool

	// users
	active       bool
	apps         Apps
	directRoles  Roles
	directGroups []uint32 // groups listing this user as a member
	closure      []uint32 // sorted principal ids this user acts as (active users only)
	roles        Roles    // effective account roles (direct and through groups)
	// perms: effective account permissions, the bundles of roles and the
	// permissions of every custom role held directly or through groups
	// (active users only).
	perms Permissions

	// groups
	memberUsers  []uint32
	memberGroups []uint32
	parents      []uint32 // groups listing this group as a member
	groupRoles   Roles

	// users and groups: custom roles held directly (for a group: held for
	// its members)
	custom []*customRole

	// acl[t][l-1]: objects of content type t on whose ACL this principal
	// holds level l or more.
	acl [numContentTypes][]ordSet
	// created: collections this user created.
	created *roaring.Bitmap
	// hold[t][l-1]: held objects of content type t whose hold gives this
	// principal level l or more (see hold); nil for the many principals
	// never named by one.
	hold *[numContentTypes][]*roaring.Bitmap
}

// customRole is an account's custom role: a named set of account
// permissions, held by users directly and by groups for their members.
type customRole struct {
	id      string
	account *account // nil until the role is put (a holder may name it first)
	perms   Permissions
	holders map[uint32]bool // principal ids of the users and groups holding it
}

type tier struct {
	id         string
	account    *account
	grants     []grant
	workspaces map[string]*workspace
}

type grant struct {
	pid  uint32
	role Role
}

type workspace struct {
	id      string
	account *account
	tier    *tier
	members []grant
	objs    [numContentTypes]*roaring.Bitmap
}

type aclEntry struct {
	pid   uint32
	level Level
}

type object struct {
	id   string
	live bool
	// held: the object is held for moderation; its hold, in its table's
	// holds, stands in for its workspace and its ACL.
	held    bool
	ws      *workspace // records and collections; media take their record's
	record  uint32     // media: ordinal of the record
	creator uint32     // collections: principal id of the creator, or noPrincipal
	acl     []aclEntry
}

const noPrincipal = ^uint32(0)

type objTable struct {
	typ  ObjectType
	ord  map[string]uint32
	objs []object
	// media: record ordinal -> its media ordinals (dense: most records
	// have media, and a slice costs a third of a map at a million records)
	byRecord [][]uint32
	// media: media ordinal -> record ordinal, a dense copy of
	// objs[ord].record that listings scan without touching the objects.
	recordOf []uint32
	// holds: object id -> its hold, for the (few) held objects.
	holds map[string]*hold
}

// New returns an empty engine at revision 0.
func New() *Engine {
	e := &Engine{
		accounts:   map[string]*account{},
		userPID:    map[string]uint32{},
		groupPID:   map[string]uint32{},
		tiers:      map[string]*tier{},
		workspaces: map[string]*workspace{},
		roles:      map[string]*customRole{},
		cursors:    opaque.NewRandom("listing cursor"),

		searchCursors: opaque.NewRandom("search cursor"),
		recs:          newRecordIndex(),
	}
	for i, t := range []ObjectType{Record, Media, Collection} {
		e.objs[i] = &objTable{typ: t, ord: map[string]uint32{}, holds: map[string]*hold{}}
	}
	return e
}

// Revision returns the revision of the last Apply.
func (e *Engine) Revision() uint64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.rev
}

// Op is one whole-entity change for Apply. The concrete types are the Put*
// and Delete* structs of this package.
type Op interface {
	apply(*Engine, *applyState) error
}

// PutAccount defines an account.
type PutAccount struct{ ID string }

// PutUser sets a user's account, status, direct account roles, the custom
// roles it holds directly (ids of roles of its account) and the
// applications the user may sign in to.
type PutUser struct {
	ID, Account string
	Active      bool
	Roles       Roles
	CustomRoles []string
	Apps        Apps
}

// PutGroup sets a group's members and the account roles and custom roles
// it holds for them.
type PutGroup struct {
	ID, Account string
	Members     []Subject // users and groups
	Roles       Roles
	CustomRoles []string
}

// PutRole defines or changes a custom role of an account: the account
// permissions it gives its holders. manage_owners is dropped: only the
// built-in owner role gives it.
type PutRole struct {
	ID, Account string
	Permissions Permissions
}

// DeleteRole removes a custom role; whoever held it holds it no more.
type DeleteRole struct{ ID string }

// DeleteGroup removes a group, its memberships and every ACL entry naming it.
type DeleteGroup struct{ ID string }

// PutTier sets a tier's role grants.
type PutTier struct {
	ID, Account string
	Grants      []RoleGrant
}

// DeleteTier removes a tier; its workspaces must have left it first.
type DeleteTier struct{ ID string }

// PutWorkspace sets a workspace's tier ("" for none) and members.
type PutWorkspace struct {
	ID, Account, Tier string
	Members           []RoleGrant
}

// DeleteWorkspace removes an empty workspace.
type DeleteWorkspace struct{ ID string }

// PutRecord sets a record's workspace, ACL, searchable metadata and
// moderation hold (nil: not held).
type PutRecord struct {
	ID, Workspace string
	ACL           []ACLEntry
	Meta          RecordMeta
	Hold          *Hold
}

// PutMedia sets a media object's record, ACL and moderation hold (nil:
// not held); its workspace is its record's.
type PutMedia struct {
	ID, Record string
	ACL        []ACLEntry
	Hold       *Hold
}

// PutCollection sets a collection's workspace, creator (a user id), ACL
// and the records in it (ids the engine does not know are ignored).
type PutCollection struct {
	ID, Workspace, Creator string
	ACL                    []ACLEntry
	Records                []string
}

// Reserve says that about N objects of a content type are coming, so that
// a full load allocates its tables once instead of growing them step by
// step. It changes nothing else.
type Reserve struct {
	Type ObjectType
	N    int
}

func (op Reserve) apply(e *Engine, _ *applyState) error {
	ti, ok := contentIndex(op.Type)
	if !ok || op.N <= 0 {
		return nil
	}
	t := e.objs[ti]
	if len(t.ord) == 0 {
		t.ord = make(map[string]uint32, op.N)
	}
	t.objs = slices.Grow(t.objs, op.N)
	if t.typ == Media {
		t.recordOf = slices.Grow(t.recordOf, op.N)
	}
	if ti == idxRecord {
		ri := e.recs
		ri.titles = slices.Grow(ri.titles, op.N)
		ri.created = slices.Grow(ri.created, op.N)
		ri.updated = slices.Grow(ri.updated, op.N)
		ri.mtype = slices.Grow(ri.mtype, op.N)
		e.objs[idxMedia].byRecord = slices.Grow(e.objs[idxMedia].byRecord, op.N)
	}
	return nil
}

// DeleteObject removes a record (with its media), a media object or a
// collection.
type DeleteObject struct{ Ref ObjectRef }

// SetACL replaces the ACL of a live record, media object or collection and
// leaves the rest of it as it is. A writer that knows an object's new ACL
// applies it without re-reading the whole object from the store.
type SetACL struct {
	Ref ObjectRef
	ACL []ACLEntry
}

func (op SetACL) apply(e *Engine, _ *applyState) error {
	ti, ok := contentIndex(op.Ref.Type)
	if !ok {
		return fmt.Errorf("%v carries no ACL", op.Ref)
	}
	t := e.objs[ti]
	ord, ok := t.ord[op.Ref.ID]
	if !ok || !t.objs[ord].live {
		return fmt.Errorf("ACL of unknown %v", op.Ref)
	}
	o := &t.objs[ord]
	return e.setACL(ti, ord, o, o.ws.account, op.ACL)
}

// applyState collects the users whose closure must be recomputed once all
// of one Apply's operations are in.
type applyState struct {
	dirtyUsers map[uint32]bool
}

// Apply installs one committed transaction's operations and sets the
// revision. Either all operations are applied or, on a validation error,
// none of the remaining ones are and the engine must be reloaded; errors
// only come from operations naming entities the store would never produce
// (a record in an unknown workspace, say), so a caller feeding it committed
// store state does not see them.
func (e *Engine) Apply(rev uint64, ops ...Op) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	// A commit that changes nothing the engine holds (a sign-in, a token,
	// an audit entry) only moves the revision: the cached visible sets
	// stay valid.
	if len(ops) > 0 {
		e.vis.reset()
	}
	st := &applyState{dirtyUsers: map[uint32]bool{}}
	for _, op := range ops {
		if err := op.apply(e, st); err != nil {
			return fmt.Errorf("authz: apply %T: %w", op, err)
		}
	}
	for pid := range st.dirtyUsers {
		e.recomputeUser(pid)
	}
	if rev > e.rev {
		e.rev = rev
	}
	return nil
}

func (e *Engine) account(id string) *account {
	a := e.accounts[id]
	if a == nil {
		a = &account{id: id, workspaces: map[string]*workspace{}}
		for i := range a.objs {
			a.objs[i] = roaring.New()
			a.held[i] = roaring.New()
		}
		a.everyone = e.newPrincipal(&principal{kind: Everyone, id: id, account: a, defined: true})
		e.accounts[id] = a
	}
	return a
}

func (e *Engine) newPrincipal(p *principal) uint32 {
	e.principals = append(e.principals, p)
	return uint32(len(e.principals) - 1)
}

func (e *Engine) pidOf(s Subject, create bool) (uint32, bool) {
	var m map[string]uint32
	switch s.Kind {
	case UserSubject:
		m = e.userPID
	case GroupSubject:
		m = e.groupPID
	default:
		return noPrincipal, false
	}
	if pid, ok := m[s.ID]; ok {
		return pid, true
	}
	if !create {
		return noPrincipal, false
	}
	pid := e.newPrincipal(&principal{kind: s.Kind, id: s.ID})
	m[s.ID] = pid
	return pid, true
}

// subjectPID resolves a grant or ACL subject within account a.
func (e *Engine) subjectPID(a *account, s Subject) (uint32, error) {
	if s.Kind == Everyone {
		return a.everyone, nil
	}
	pid, ok := e.pidOf(s, true)
	if !ok {
		return noPrincipal, fmt.Errorf("invalid subject %v", s)
	}
	if p := e.principals[pid]; p.account != nil && p.account != a {
		return noPrincipal, fmt.Errorf("subject %v belongs to account %s, not %s", s, p.account.id, a.id)
	}
	return pid, nil
}

func (op PutAccount) apply(e *Engine, _ *applyState) error {
	e.account(op.ID)
	return nil
}

func (op PutUser) apply(e *Engine, st *applyState) error {
	a := e.account(op.Account)
	pid, _ := e.pidOf(User(op.ID), true)
	p := e.principals[pid]
	if p.account != nil && p.account != a {
		return fmt.Errorf("user %s cannot move from account %s to %s", op.ID, p.account.id, a.id)
	}
	custom, err := e.customRoles(a, op.CustomRoles)
	if err != nil {
		return fmt.Errorf("user %s: %w", op.ID, err)
	}
	if !p.defined {
		a.users = append(a.users, pid)
	}
	p.account, p.defined, p.active, p.directRoles, p.apps = a, true, op.Active, op.Roles, op.Apps
	e.holdCustom(pid, custom)
	st.dirtyUsers[pid] = true
	return nil
}

// customRoles resolves custom role ids held in account a. A role not put
// yet is created undefined (it gives nothing until it is put).
func (e *Engine) customRoles(a *account, ids []string) ([]*customRole, error) {
	out := make([]*customRole, 0, len(ids))
	for _, id := range ids {
		r := e.roles[id]
		if r == nil {
			r = &customRole{id: id, holders: map[uint32]bool{}}
			e.roles[id] = r
		} else if r.account != nil && r.account != a {
			return nil, fmt.Errorf("custom role %s belongs to account %s, not %s", id, r.account.id, a.id)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// holdCustom makes principal pid hold exactly the custom roles rs.
func (e *Engine) holdCustom(pid uint32, rs []*customRole) {
	p := e.principals[pid]
	for _, r := range p.custom {
		delete(r.holders, pid)
	}
	p.custom = rs
	for _, r := range rs {
		r.holders[pid] = true
	}
}

// dirtyHolders marks for recomputation every user holding role r, directly
// or through a group.
func (e *Engine) dirtyHolders(r *customRole, st *applyState) {
	for pid := range r.holders {
		if e.principals[pid].kind == UserSubject {
			st.dirtyUsers[pid] = true
		} else {
			e.usersUnder(pid, st.dirtyUsers)
		}
	}
}

func (op PutRole) apply(e *Engine, st *applyState) error {
	a := e.account(op.Account)
	r := e.roles[op.ID]
	if r == nil {
		r = &customRole{id: op.ID, holders: map[uint32]bool{}}
		e.roles[op.ID] = r
	}
	if r.account != nil && r.account != a {
		return fmt.Errorf("custom role %s cannot move from account %s to %s", op.ID, r.account.id, a.id)
	}
	// Holders may have named the role before it was put.
	for pid := range r.holders {
		if h := e.principals[pid]; h.account != nil && h.account != a {
			return fmt.Errorf("custom role %s of account %s is held by %s of account %s", op.ID, a.id, h.id, h.account.id)
		}
	}
	perms := op.Permissions & CustomRoleMask
	if r.account == a && r.perms == perms {
		return nil
	}
	r.account, r.perms = a, perms
	e.dirtyHolders(r, st)
	return nil
}

func (op DeleteRole) apply(e *Engine, st *applyState) error {
	r := e.roles[op.ID]
	if r == nil {
		return nil
	}
	e.dirtyHolders(r, st)
	for pid := range r.holders {
		p := e.principals[pid]
		p.custom = slices.DeleteFunc(p.custom, func(x *customRole) bool { return x == r })
	}
	delete(e.roles, op.ID)
	return nil
}

// usersUnder adds to set every user that is a member of group gid,
// directly or through nested groups.
func (e *Engine) usersUnder(gid uint32, set map[uint32]bool) {
	seen := map[uint32]bool{}
	var walk func(uint32)
	walk = func(g uint32) {
		if seen[g] {
			return
		}
		seen[g] = true
		p := e.principals[g]
		for _, u := range p.memberUsers {
			set[u] = true
		}
		for _, h := range p.memberGroups {
			walk(h)
		}
	}
	walk(gid)
}

func (op PutGroup) apply(e *Engine, st *applyState) error {
	a := e.account(op.Account)
	gid, _ := e.pidOf(GroupOf(op.ID), true)
	g := e.principals[gid]
	if g.account != nil && g.account != a {
		return fmt.Errorf("group %s cannot move from account %s to %s", op.ID, g.account.id, a.id)
	}
	custom, err := e.customRoles(a, op.CustomRoles)
	if err != nil {
		return fmt.Errorf("group %s: %w", op.ID, err)
	}
	e.usersUnder(gid, st.dirtyUsers)
	e.unlinkMembers(gid)
	g.account, g.defined, g.groupRoles = a, true, op.Roles
	e.holdCustom(gid, custom)
	for _, m := range op.Members {
		mid, err := e.subjectPID(a, m)
		if err != nil {
			return fmt.Errorf("group %s: %w", op.ID, err)
		}
		mp := e.principals[mid]
		switch m.Kind {
		case UserSubject:
			g.memberUsers = append(g.memberUsers, mid)
			mp.directGroups = append(mp.directGroups, gid)
		case GroupSubject:
			if mid == gid {
				return fmt.Errorf("group %s cannot contain itself", op.ID)
			}
			g.memberGroups = append(g.memberGroups, mid)
			mp.parents = append(mp.parents, gid)
		default:
			return fmt.Errorf("group %s: members are users or groups, not %v", op.ID, m)
		}
	}
	e.usersUnder(gid, st.dirtyUsers)
	return nil
}

// unlinkMembers removes group gid's member links (both directions).
func (e *Engine) unlinkMembers(gid uint32) {
	g := e.principals[gid]
	for _, u := range g.memberUsers {
		up := e.principals[u]
		up.directGroups = slices.DeleteFunc(up.directGroups, func(x uint32) bool { return x == gid })
	}
	for _, h := range g.memberGroups {
		hp := e.principals[h]
		hp.parents = slices.DeleteFunc(hp.parents, func(x uint32) bool { return x == gid })
	}
	g.memberUsers, g.memberGroups = nil, nil
}

func (op DeleteGroup) apply(e *Engine, st *applyState) error {
	gid, ok := e.pidOf(GroupOf(op.ID), false)
	if !ok {
		return nil
	}
	g := e.principals[gid]
	e.usersUnder(gid, st.dirtyUsers)
	e.unlinkMembers(gid)
	for _, parent := range g.parents {
		pp := e.principals[parent]
		pp.memberGroups = slices.DeleteFunc(pp.memberGroups, func(x uint32) bool { return x == gid })
	}
	g.parents = nil
	// Drop every ACL entry naming the group.
	for ti, t := range e.objs {
		var ords []uint32
		for i := range g.acl[ti] {
			ords = g.acl[ti][i].appendTo(ords)
		}
		for _, ord := range ords {
			o := &t.objs[ord]
			o.acl = slices.DeleteFunc(o.acl, func(en aclEntry) bool { return en.pid == gid })
		}
		g.acl[ti] = nil
	}
	e.dropFromHolds(gid)
	for _, ws := range e.workspaces {
		ws.members = slices.DeleteFunc(ws.members, func(gr grant) bool { return gr.pid == gid })
	}
	for _, t := range e.tiers {
		t.grants = slices.DeleteFunc(t.grants, func(gr grant) bool { return gr.pid == gid })
	}
	e.holdCustom(gid, nil)
	g.defined, g.groupRoles = false, 0
	delete(e.groupPID, op.ID)
	return nil
}

func (e *Engine) grants(a *account, gs []RoleGrant, what string) ([]grant, error) {
	out := make([]grant, 0, len(gs))
	for _, g := range gs {
		if g.Subject.Kind == Everyone {
			return nil, fmt.Errorf("%s: roles are granted to users and groups, not everyone", what)
		}
		if g.Role == NoRole || g.Role > Owner {
			return nil, fmt.Errorf("%s: invalid role %d", what, g.Role)
		}
		pid, err := e.subjectPID(a, g.Subject)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, grant{pid, g.Role})
	}
	return out, nil
}

func (op PutTier) apply(e *Engine, _ *applyState) error {
	a := e.account(op.Account)
	t := e.tiers[op.ID]
	if t == nil {
		t = &tier{id: op.ID, account: a, workspaces: map[string]*workspace{}}
		e.tiers[op.ID] = t
	} else if t.account != a {
		return fmt.Errorf("tier %s cannot move accounts", op.ID)
	}
	gs, err := e.grants(a, op.Grants, "tier "+op.ID)
	if err != nil {
		return err
	}
	t.grants = gs
	return nil
}

func (op DeleteTier) apply(e *Engine, _ *applyState) error {
	t := e.tiers[op.ID]
	if t == nil {
		return nil
	}
	if len(t.workspaces) > 0 {
		return fmt.Errorf("tier %s still has workspaces", op.ID)
	}
	delete(e.tiers, op.ID)
	return nil
}

func (op PutWorkspace) apply(e *Engine, _ *applyState) error {
	a := e.account(op.Account)
	w := e.workspaces[op.ID]
	if w == nil {
		w = &workspace{id: op.ID, account: a}
		for i := range w.objs {
			w.objs[i] = roaring.New()
		}
		e.workspaces[op.ID] = w
		a.workspaces[op.ID] = w
	} else if w.account != a {
		return fmt.Errorf("workspace %s cannot move accounts", op.ID)
	}
	var t *tier
	if op.Tier != "" {
		t = e.tiers[op.Tier]
		if t == nil || t.account != a {
			return fmt.Errorf("workspace %s: unknown tier %s", op.ID, op.Tier)
		}
	}
	gs, err := e.grants(a, op.Members, "workspace "+op.ID)
	if err != nil {
		return err
	}
	if w.tier != nil {
		delete(w.tier.workspaces, w.id)
	}
	w.tier, w.members = t, gs
	if t != nil {
		t.workspaces[w.id] = w
	}
	return nil
}

func (op DeleteWorkspace) apply(e *Engine, _ *applyState) error {
	w := e.workspaces[op.ID]
	if w == nil {
		return nil
	}
	for _, bm := range w.objs {
		if !bm.IsEmpty() {
			return fmt.Errorf("workspace %s is not empty", op.ID)
		}
	}
	if w.tier != nil {
		delete(w.tier.workspaces, w.id)
	}
	delete(w.account.workspaces, w.id)
	delete(e.workspaces, op.ID)
	return nil
}

// DropCaches forgets the visible sets computed so far, as any write does:
// benchmarks call it to measure the path a request takes after a write.
func (e *Engine) DropCaches() {
	e.vis.reset()
}

// mediaOf returns the media ordinals of record ordinal rord (media table).
func (t *objTable) mediaOf(rord uint32) []uint32 {
	if int(rord) < len(t.byRecord) {
		return t.byRecord[rord]
	}
	return nil
}

// ordinal returns the ordinal of id in table t, allocating a new one.
func (t *objTable) ordinal(id string) (uint32, *object) {
	if ord, ok := t.ord[id]; ok {
		return ord, &t.objs[ord]
	}
	ord := uint32(len(t.objs))
	t.objs = append(t.objs, object{id: id, creator: noPrincipal})
	if t.typ == Media {
		t.recordOf = append(t.recordOf, 0)
	}
	t.ord[id] = ord
	return ord, &t.objs[ord]
}

// setACL replaces the ACL of object ord in table ti.
func (e *Engine) setACL(ti int, ord uint32, o *object, a *account, entries []ACLEntry) error {
	maxLevel := Level(len(aclPermissionNames[e.objs[ti].typ]))
	next := make([]aclEntry, 0, len(entries))
	for _, en := range entries {
		if en.Level == 0 || en.Level > maxLevel {
			return fmt.Errorf("%s %s: invalid ACL level %d", e.objs[ti].typ, o.id, en.Level)
		}
		pid, err := e.subjectPID(a, en.Subject)
		if err != nil {
			return fmt.Errorf("%s %s: %w", e.objs[ti].typ, o.id, err)
		}
		// A subject listed twice keeps its highest level.
		merged := false
		for i := range next {
			if next[i].pid == pid {
				next[i].level = max(next[i].level, en.Level)
				merged = true
			}
		}
		if !merged {
			next = append(next, aclEntry{pid, en.Level})
		}
	}
	e.dropACL(ti, ord, o)
	o.acl = next
	for _, en := range next {
		p := e.principals[en.pid]
		if p.acl[ti] == nil {
			p.acl[ti] = make([]ordSet, maxLevel)
		}
		for l := Level(1); l <= en.level; l++ {
			p.acl[ti][l-1].add(ord)
		}
	}
	return nil
}

func (e *Engine) dropACL(ti int, ord uint32, o *object) {
	for _, en := range o.acl {
		sets := e.principals[en.pid].acl[ti]
		for i := range sets {
			sets[i].remove(ord)
		}
	}
	o.acl = nil
}

func (e *Engine) moveTo(ti int, ord uint32, o *object, w *workspace) {
	if o.ws == w {
		return
	}
	if o.ws != nil {
		o.ws.objs[ti].Remove(ord)
	} else {
		// Workspaces never change accounts, so neither do their objects.
		w.account.objs[ti].Add(ord)
	}
	o.ws = w
	w.objs[ti].Add(ord)
}

func (op PutRecord) apply(e *Engine, _ *applyState) error {
	w := e.workspaces[op.Workspace]
	if w == nil {
		return fmt.Errorf("record %s: unknown workspace %s", op.ID, op.Workspace)
	}
	t := e.objs[idxRecord]
	ord, o := t.ordinal(op.ID)
	if err := e.setACL(idxRecord, ord, o, w.account, op.ACL); err != nil {
		return err
	}
	if err := e.setHold(idxRecord, ord, o, w.account, op.Hold); err != nil {
		return err
	}
	// An ACL change re-puts the record with the same metadata: keep its
	// index entries rather than rebuild them.
	if !o.live || !e.recs.same(ord, op.Meta) {
		if o.live {
			e.recs.remove(ord)
		}
		e.recs.put(ord, op.Meta)
	}
	o.live = true
	if o.ws != w {
		// The record's media move with it.
		mt := e.objs[idxMedia]
		for _, m := range mt.mediaOf(ord) {
			if o.ws != nil {
				o.ws.objs[idxMedia].Remove(m)
			}
			w.objs[idxMedia].Add(m)
			mt.objs[m].ws = w
		}
	}
	e.moveTo(idxRecord, ord, o, w)
	return nil
}

func (op PutMedia) apply(e *Engine, _ *applyState) error {
	recs := e.objs[idxRecord]
	rord, ok := recs.ord[op.Record]
	if !ok || !recs.objs[rord].live {
		return fmt.Errorf("media %s: unknown record %s", op.ID, op.Record)
	}
	w := recs.objs[rord].ws
	t := e.objs[idxMedia]
	ord, o := t.ordinal(op.ID)
	if o.live && o.record != rord {
		t.byRecord[o.record] = slices.DeleteFunc(t.byRecord[o.record], func(x uint32) bool { return x == ord })
	}
	if !o.live || o.record != rord {
		for uint32(len(t.byRecord)) <= rord {
			t.byRecord = append(t.byRecord, nil)
		}
		t.byRecord[rord] = append(t.byRecord[rord], ord)
	}
	o.record = rord
	t.recordOf[ord] = rord
	if err := e.setACL(idxMedia, ord, o, w.account, op.ACL); err != nil {
		return err
	}
	if err := e.setHold(idxMedia, ord, o, w.account, op.Hold); err != nil {
		return err
	}
	o.live = true
	e.moveTo(idxMedia, ord, o, w)
	return nil
}

func (op PutCollection) apply(e *Engine, _ *applyState) error {
	w := e.workspaces[op.Workspace]
	if w == nil {
		return fmt.Errorf("collection %s: unknown workspace %s", op.ID, op.Workspace)
	}
	t := e.objs[idxCollection]
	ord, o := t.ordinal(op.ID)
	if err := e.setACL(idxCollection, ord, o, w.account, op.ACL); err != nil {
		return err
	}
	if o.creator != noPrincipal {
		e.principals[o.creator].created.Remove(ord)
	}
	o.creator = noPrincipal
	if op.Creator != "" {
		cid, err := e.subjectPID(w.account, User(op.Creator))
		if err != nil {
			return fmt.Errorf("collection %s: creator: %w", op.ID, err)
		}
		cp := e.principals[cid]
		if cp.created == nil {
			cp.created = roaring.New()
		}
		cp.created.Add(ord)
		o.creator = cid
	}
	recs := e.objs[idxRecord]
	in := roaring.New()
	for _, id := range op.Records {
		if r, ok := recs.ord[id]; ok {
			in.Add(r)
		}
	}
	e.recs.inCollection[ord] = in
	o.live = true
	e.moveTo(idxCollection, ord, o, w)
	return nil
}

func (op DeleteObject) apply(e *Engine, st *applyState) error {
	ti, ok := contentIndex(op.Ref.Type)
	if !ok {
		return fmt.Errorf("cannot delete %v through DeleteObject", op.Ref)
	}
	t := e.objs[ti]
	ord, ok := t.ord[op.Ref.ID]
	if !ok {
		return nil
	}
	o := &t.objs[ord]
	if ti == idxRecord {
		// Deleting a media object edits byRecord[ord]: iterate a copy.
		for _, m := range slices.Clone(e.objs[idxMedia].mediaOf(ord)) {
			if err := (DeleteObject{ObjectRef{Media, e.objs[idxMedia].objs[m].id}}).apply(e, st); err != nil {
				return err
			}
		}
		if mt := e.objs[idxMedia]; int(ord) < len(mt.byRecord) {
			mt.byRecord[ord] = nil
		}
		if o.live {
			e.recs.remove(ord)
		}
	}
	if ti == idxCollection {
		delete(e.recs.inCollection, ord)
	}
	if ti == idxMedia {
		mt := e.objs[idxMedia]
		mt.byRecord[o.record] = slices.DeleteFunc(mt.byRecord[o.record], func(x uint32) bool { return x == ord })
	}
	e.dropACL(ti, ord, o)
	e.dropHold(ti, ord, o)
	if o.creator != noPrincipal {
		e.principals[o.creator].created.Remove(ord)
		o.creator = noPrincipal
	}
	if o.ws != nil {
		o.ws.objs[ti].Remove(ord)
		o.ws.account.objs[ti].Remove(ord)
		o.ws = nil
	}
	o.live = false
	delete(t.ord, op.Ref.ID)
	return nil
}

// recomputeUser rebuilds a user's closure, effective roles and effective
// account permissions from its group memberships and custom roles.
func (e *Engine) recomputeUser(pid uint32) {
	p := e.principals[pid]
	if p.kind != UserSubject {
		return
	}
	p.closure, p.roles, p.perms = nil, 0, 0
	if !p.defined || !p.active {
		return
	}
	closure := []uint32{pid, p.account.everyone}
	roles := p.directRoles
	var custom Permissions
	for _, r := range p.custom {
		custom |= r.perms
	}
	seen := map[uint32]bool{}
	stack := slices.Clone(p.directGroups)
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[g] {
			continue
		}
		seen[g] = true
		gp := e.principals[g]
		closure = append(closure, g)
		// The model's account owner relation admits users only.
		roles |= gp.groupRoles &^ (1 << RoleOwner)
		for _, r := range gp.custom {
			custom |= r.perms
		}
		stack = append(stack, gp.parents...)
	}
	slices.Sort(closure)
	p.closure, p.roles, p.perms = closure, roles, roles.Bundle()|custom
}

// DeleteUser removes a user that never held access (a pending user being
// cleared): its memberships, grants and ACL entries go with it.
type DeleteUser struct{ ID string }

func (op DeleteUser) apply(e *Engine, st *applyState) error {
	pid, ok := e.pidOf(User(op.ID), false)
	if !ok {
		return nil
	}
	u := e.principals[pid]
	for _, g := range u.directGroups {
		gp := e.principals[g]
		gp.memberUsers = slices.DeleteFunc(gp.memberUsers, func(x uint32) bool { return x == pid })
	}
	u.directGroups = nil
	e.holdCustom(pid, nil)
	for ti, t := range e.objs {
		var ords []uint32
		for i := range u.acl[ti] {
			ords = u.acl[ti][i].appendTo(ords)
		}
		for _, ord := range ords {
			o := &t.objs[ord]
			o.acl = slices.DeleteFunc(o.acl, func(en aclEntry) bool { return en.pid == pid })
		}
		u.acl[ti] = nil
	}
	e.dropFromHolds(pid)
	if u.created != nil {
		it := u.created.Iterator()
		for it.HasNext() {
			e.objs[idxCollection].objs[it.Next()].creator = noPrincipal
		}
		u.created = nil
	}
	for _, ws := range e.workspaces {
		ws.members = slices.DeleteFunc(ws.members, func(gr grant) bool { return gr.pid == pid })
	}
	for _, t := range e.tiers {
		t.grants = slices.DeleteFunc(t.grants, func(gr grant) bool { return gr.pid == pid })
	}
	if u.account != nil {
		u.account.users = slices.DeleteFunc(u.account.users, func(x uint32) bool { return x == pid })
	}
	u.defined, u.active, u.closure, u.roles, u.perms = false, false, nil, 0, 0
	delete(e.userPID, op.ID)
	delete(st.dirtyUsers, pid)
	return nil
}
