package authz_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"atrium/internal/authz"
	"atrium/internal/authz/oracle"
)

// The differential test: random small libraries are loaded into the engine
// and into the independent oracle (package oracle, a naive evaluator of the
// reference model), then random writes are interleaved with checks, Explain,
// Who and complete listings, and every answer is compared.
//
//	go test -run TestDifferential -diff.seeds 500 ./internal/authz/
//	go test -run TestDifferential -diff.seed 17 -v ./internal/authz/   # replay one library

var (
	diffSeeds = flag.Int("diff.seeds", 0, "TestDifferential: number of random libraries (default 40, 8 with -short)")
	diffSeed  = flag.Uint64("diff.seed", 0, "TestDifferential: run only this seed")
	diffSteps = flag.Int("diff.steps", 0, "TestDifferential: write transactions per library (default 40)")
)

// The model's permissions per type. Workspaces are asked with the engine's
// can_* names, which it maps to the workspace roles.
var modelPerms = []struct {
	typ   authz.ObjectType
	perms []authz.Permission
}{
	{authz.Record, []authz.Permission{authz.CanView, authz.CanEdit, authz.CanDelete, authz.CanManage}},
	{authz.Media, []authz.Permission{authz.CanPreview, authz.CanView, authz.CanDownload, authz.CanEdit}},
	{authz.Collection, []authz.Permission{authz.CanView, authz.CanEdit, authz.CanDelete}},
}

var workspaceRelation = map[authz.Permission]string{
	authz.CanView: "viewer", authz.CanEdit: "contributor", authz.CanDelete: "editor", authz.CanManage: "owner",
}

var (
	accountRoleNames = []string{"owner", "admin", "developer", "finance", "library_editor", "library_viewer"}
	workspaceRoles   = []string{"viewer", "contributor", "editor", "owner"}
	statuses         = []string{"active", "pending", "deactivated", "banned"}
	aclPerms         = map[authz.ObjectType][]string{
		authz.Record:     {"view", "edit"},
		authz.Collection: {"view", "edit"},
		authz.Media:      {"preview", "view", "download", "edit"},
	}
)

// The library as the store would hold it: the test's own record of every
// entity, from which whole-entity writes for both sides are made.
type (
	dGrant struct{ subject, role string }
	dACL   struct {
		subject string
		perms   []string
	}
	dUser struct {
		account, status string
		roles           []string
		custom          []string // custom role ids
	}
	dGroup struct {
		account string
		height  int // a group of height h contains only groups of height < h
		members []string
		roles   []string
		custom  []string
	}
	dRole struct {
		account string
		perms   []string
	}
	dTier struct {
		account string
		grants  []dGrant
	}
	dWorkspace struct {
		account, tier string
		members       []dGrant
	}
	dRecord struct {
		ws   string
		acl  []dACL
		hold *dHold // nil: published
	}
	dMedia struct {
		record string
		acl    []dACL
		hold   *dHold
	}
	// dHold holds a record or media object for moderation.
	dHold struct {
		uploader  string // a user id, or ""
		approvers []string
	}
	dCollection struct {
		ws, creator string
		acl         []dACL
	}
)

// write is one whole-entity write, for the engine and the oracle.
type write struct {
	op   authz.Op
	orc  func(*oracle.Oracle)
	desc string
}

type library struct {
	t    *testing.T
	seed uint64
	rnd  *rand.Rand
	eng  *authz.Engine
	orc  *oracle.Oracle
	rev  uint64
	next int

	accounts    []string
	roles       map[string]*dRole
	goneRoles   []string
	users       map[string]*dUser
	groups      map[string]*dGroup
	tiers       map[string]*dTier
	workspaces  map[string]*dWorkspace
	records     map[string]*dRecord
	media       map[string]*dMedia
	collections map[string]*dCollection
	gone        []authz.ObjectRef // deleted objects, still asked about
	goneUsers   []string

	history  []string
	failures int
	queries  int
}

const maxFailuresPerSeed = 3

func TestDifferential(t *testing.T) {
	n := *diffSeeds
	if n == 0 {
		n = 40
		if testing.Short() {
			n = 8
		}
	}
	steps := *diffSteps
	if steps == 0 {
		steps = 40
	}
	first := uint64(1)
	if *diffSeed != 0 {
		first, n = *diffSeed, 1
	}
	// The engine must define exactly the model's permissions.
	for _, tp := range modelPerms {
		if d := cmp.Diff(tp.perms, authz.SupportedPermissions(tp.typ), cmp.Transformer("sort", func(ps []authz.Permission) []authz.Permission {
			return slices.Sorted(slices.Values(ps))
		})); d != "" {
			t.Errorf("permissions of %s (-model +engine):\n%s", tp.typ, d)
		}
	}
	for seed := first; seed < first+uint64(n); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			l := newLibrary(t, seed)
			l.run(steps)
			if testing.Verbose() {
				t.Logf("seed %d: %d users, %d groups, %d records, %d media, %d collections at the end; %d transactions, %d answers compared",
					seed, len(l.users), len(l.groups), len(l.records), len(l.media), len(l.collections), l.rev, l.queries)
			}
		})
	}
}

func newLibrary(t *testing.T, seed uint64) *library {
	return &library{
		t: t, seed: seed, rnd: rand.New(rand.NewPCG(seed, 0x5eed)),
		eng: authz.New(), orc: oracle.New(),
		roles: map[string]*dRole{}, users: map[string]*dUser{}, groups: map[string]*dGroup{}, tiers: map[string]*dTier{},
		workspaces: map[string]*dWorkspace{}, records: map[string]*dRecord{}, media: map[string]*dMedia{},
		collections: map[string]*dCollection{},
	}
}

func (l *library) run(steps int) {
	if !l.apply(l.build()...) {
		return
	}
	if l.seed%2 == 0 {
		// Half the seeds pack the loaded index, as a server does after
		// its load: every write after it edits packed pieces.
		l.eng.Pack()
	}
	l.sweep(4)
	for i := 0; i < steps && l.failures < maxFailuresPerSeed; i++ {
		var ws []write
		for n := 1 + l.rnd.IntN(3); len(ws) < n; {
			ws = append(ws, l.mutate()...)
		}
		if !l.apply(ws...) {
			return
		}
		for range 25 {
			l.randomCheck()
		}
		for range 10 {
			l.randomAccountCheck()
		}
		for range 2 {
			l.randomWho()
		}
		if i%5 == 4 {
			l.sweep(4)
		}
	}
	if l.failures == 0 {
		l.sweep(len(l.users))
		l.compareFresh()
	}
}

// ---- helpers

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (l *library) pick(xs []string) string { return xs[l.rnd.IntN(len(xs))] }

// pickOr picks from xs, or returns def if xs is empty.
func (l *library) pickOr(xs []string, def string) string {
	if len(xs) == 0 {
		return def
	}
	return l.pick(xs)
}

func (l *library) chance(p float64) bool { return l.rnd.Float64() < p }

func (l *library) newID(prefix string) string {
	l.next++
	return fmt.Sprintf("%s%03d", prefix, l.next)
}

func (l *library) usersOf(acct string) []string {
	var out []string
	for _, id := range sortedKeys(l.users) {
		if l.users[id].account == acct {
			out = append(out, id)
		}
	}
	return out
}

// groupsOf lists the groups of acct of height below maxHeight.
func (l *library) groupsOf(acct string, maxHeight int) []string {
	var out []string
	for _, id := range sortedKeys(l.groups) {
		if g := l.groups[id]; g.account == acct && g.height < maxHeight {
			out = append(out, id)
		}
	}
	return out
}

func (l *library) workspacesOf(acct string) []string {
	var out []string
	for _, id := range sortedKeys(l.workspaces) {
		if l.workspaces[id].account == acct {
			out = append(out, id)
		}
	}
	return out
}

func (l *library) tiersOf(acct string) []string {
	var out []string
	for _, id := range sortedKeys(l.tiers) {
		if l.tiers[id].account == acct {
			out = append(out, id)
		}
	}
	return out
}

func (l *library) rolesOf(acct string) []string {
	var out []string
	for _, id := range sortedKeys(l.roles) {
		if l.roles[id].account == acct {
			out = append(out, id)
		}
	}
	return out
}

// randomPerms draws account permissions for a custom role, manage_owners
// included now and then: no custom role may give it.
func (l *library) randomPerms() []string {
	var out []string
	for _, p := range accountPermNames() {
		if l.chance(0.25) {
			out = append(out, p)
		}
	}
	return out
}

// randomCustom draws custom roles of acct for a user or group to hold.
func (l *library) randomCustom(acct string) []string {
	var out []string
	for _, id := range l.rolesOf(acct) {
		if l.chance(0.3) {
			out = append(out, id)
		}
	}
	return out
}

func accountPermNames() []string {
	var out []string
	for _, p := range authz.AllAccountPermissions() {
		out = append(out, p.String())
	}
	return out
}

func (l *library) recordAccount(id string) string { return l.workspaces[l.records[id].ws].account }

func (l *library) randomStatus() string {
	if l.chance(0.7) {
		return "active"
	}
	return l.pick(statuses[1:])
}

func (l *library) randomRoles(owner bool) []string {
	var out []string
	for _, r := range accountRoleNames {
		p := 0.07
		if r == "owner" {
			p = 0.04
			if owner {
				p = 0.1 // groups: the model ignores it, the engine must too
			}
		}
		if l.chance(p) {
			out = append(out, r)
		}
	}
	return out
}

// subjectPool lists the grantable subjects of an account.
func (l *library) subjectPool(acct string) []string {
	var out []string
	for _, u := range l.usersOf(acct) {
		out = append(out, "user:"+u)
	}
	for _, g := range l.groupsOf(acct, 4) {
		out = append(out, "group:"+g)
	}
	return out
}

func (l *library) randomGrants(acct string, most int) []dGrant {
	pool := l.subjectPool(acct)
	seen := map[string]bool{}
	var out []dGrant
	for n := l.rnd.IntN(most + 1); len(pool) > 0 && n > 0; n-- {
		s := l.pick(pool)
		if !seen[s] {
			seen[s] = true
			out = append(out, dGrant{s, l.pick(workspaceRoles)})
		}
	}
	return out
}

func (l *library) randomACL(acct string, typ authz.ObjectType) []dACL {
	n := 0
	switch x := l.rnd.Float64(); {
	case x < 0.35:
		n = 0
	case x < 0.65:
		n = 1
	case x < 0.85:
		n = 2
	default:
		n = 3
	}
	users, groups := l.usersOf(acct), l.groupsOf(acct, 4)
	seen := map[string]bool{}
	var out []dACL
	for ; n > 0; n-- {
		var s string
		switch x := l.rnd.Float64(); {
		case x < 0.15:
			s = "everyone"
		case x < 0.45 && len(groups) > 0:
			s = "group:" + l.pick(groups)
		case len(users) > 0:
			s = "user:" + l.pick(users)
		default:
			continue
		}
		if seen[s] {
			continue
		}
		seen[s] = true
		var perms []string
		for _, p := range aclPerms[typ] {
			if l.chance(0.4) {
				perms = append(perms, p)
			}
		}
		if len(perms) == 0 {
			perms = []string{l.pick(aclPerms[typ])}
		}
		out = append(out, dACL{s, perms})
	}
	return out
}

// randomMembers draws members for a group of height h: users of its account
// and groups of lower height.
func (l *library) randomMembers(acct string, h int) []string {
	var out []string
	users := l.usersOf(acct)
	for n := l.rnd.IntN(5); n > 0 && len(users) > 0; n-- {
		if s := "user:" + l.pick(users); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if lower := l.groupsOf(acct, h); len(lower) > 0 {
		for n := l.rnd.IntN(3); n > 0; n-- {
			if s := "group:" + l.pick(lower); !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// ---- writes: the same entity state as an engine op and an oracle call

func subject(s string) authz.Subject {
	v, err := authz.ParseSubject(s)
	if err != nil {
		panic(err)
	}
	return v
}

func engineACL(typ authz.ObjectType, acl []dACL) []authz.ACLEntry {
	var out []authz.ACLEntry
	for _, en := range acl {
		var lv authz.Level
		for _, p := range en.perms {
			v, err := authz.ParseACLPermission(typ, p)
			if err != nil {
				panic(err)
			}
			lv = max(lv, v)
		}
		out = append(out, authz.ACLEntry{Subject: subject(en.subject), Level: lv})
	}
	return out
}

func oracleACL(acl []dACL) []oracle.ACLEntry {
	var out []oracle.ACLEntry
	for _, en := range acl {
		out = append(out, oracle.ACLEntry{Subject: en.subject, Permissions: slices.Clone(en.perms)})
	}
	return out
}

func engineGrants(gs []dGrant) []authz.RoleGrant {
	var out []authz.RoleGrant
	for _, g := range gs {
		r, err := authz.ParseRole(g.role)
		if err != nil {
			panic(err)
		}
		out = append(out, authz.RoleGrant{Subject: subject(g.subject), Role: r})
	}
	return out
}

func oracleGrants(gs []dGrant) []oracle.Grant {
	var out []oracle.Grant
	for _, g := range gs {
		out = append(out, oracle.Grant{Subject: g.subject, Role: g.role})
	}
	return out
}

func (l *library) putAccount(id string) write {
	return write{authz.PutAccount{ID: id}, func(o *oracle.Oracle) { o.PutAccount(id) }, "account " + id}
}

func (l *library) putUser(id string) write {
	u := *l.users[id]
	u.roles, u.custom = slices.Clone(u.roles), slices.Clone(u.custom)
	rs, err := authz.ParseRoles(u.roles)
	if err != nil {
		panic(err)
	}
	return write{
		authz.PutUser{ID: id, Account: u.account, Active: u.status == "active", Roles: rs, CustomRoles: u.custom},
		func(o *oracle.Oracle) {
			o.PutUser(id, u.account, u.status, u.roles)
			o.AssignRoles("user:"+id, u.custom)
		},
		fmt.Sprintf("user %s %s %s roles=%v custom=%v", id, u.account, u.status, u.roles, u.custom),
	}
}

func (l *library) putRole(id string) write {
	r := *l.roles[id]
	r.perms = slices.Clone(r.perms)
	ps, err := authz.ParsePermissions(r.perms)
	if err != nil {
		panic(err)
	}
	return write{
		authz.PutRole{ID: id, Account: r.account, Permissions: ps},
		func(o *oracle.Oracle) { o.PutRole(id, r.account, r.perms) },
		fmt.Sprintf("role %s %s perms=%v", id, r.account, r.perms),
	}
}

func (l *library) putGroup(id string) write {
	g := *l.groups[id]
	g.members, g.roles, g.custom = slices.Clone(g.members), slices.Clone(g.roles), slices.Clone(g.custom)
	rs, err := authz.ParseRoles(g.roles)
	if err != nil {
		panic(err)
	}
	var ms []authz.Subject
	for _, m := range g.members {
		ms = append(ms, subject(m))
	}
	return write{
		authz.PutGroup{ID: id, Account: g.account, Members: ms, Roles: rs, CustomRoles: g.custom},
		func(o *oracle.Oracle) {
			o.PutGroup(id, g.account, g.members, g.roles)
			o.AssignRoles("group:"+id, g.custom)
		},
		fmt.Sprintf("group %s h%d members=%v roles=%v custom=%v", id, g.height, g.members, g.roles, g.custom),
	}
}

func (l *library) putTier(id string) write {
	tr := l.tiers[id]
	acct, gs := tr.account, slices.Clone(tr.grants)
	return write{
		authz.PutTier{ID: id, Account: acct, Grants: engineGrants(gs)},
		func(o *oracle.Oracle) { o.PutTier(id, acct, oracleGrants(gs)) },
		fmt.Sprintf("tier %s grants=%v", id, gs),
	}
}

func (l *library) putWorkspace(id string) write {
	w := *l.workspaces[id]
	w.members = slices.Clone(w.members)
	return write{
		authz.PutWorkspace{ID: id, Account: w.account, Tier: w.tier, Members: engineGrants(w.members)},
		func(o *oracle.Oracle) { o.PutWorkspace(id, w.account, w.tier, oracleGrants(w.members)) },
		fmt.Sprintf("workspace %s %s tier=%q members=%v", id, w.account, w.tier, w.members),
	}
}

func (h *dHold) engine() *authz.Hold {
	if h == nil {
		return nil
	}
	return &authz.Hold{Uploader: h.uploader, Approvers: slices.Clone(h.approvers)}
}

func (h *dHold) oracle() oracle.Hold {
	return oracle.Hold{Uploader: h.uploader, Approvers: slices.Clone(h.approvers)}
}

func (h *dHold) String() string {
	if h == nil {
		return "published"
	}
	return fmt.Sprintf("held uploader=%q approvers=%v", h.uploader, h.approvers)
}

func (l *library) putRecord(id string) write {
	r := l.records[id]
	ws, acl, h := r.ws, slices.Clone(r.acl), r.hold
	return write{
		authz.PutRecord{ID: id, Workspace: ws, ACL: engineACL(authz.Record, acl), Hold: h.engine()},
		func(o *oracle.Oracle) {
			if h != nil {
				o.PutHeldRecord(id, ws, oracleACL(acl), h.oracle())
			} else {
				o.PutRecord(id, ws, oracleACL(acl))
			}
		},
		fmt.Sprintf("record %s in %s acl=%v %v", id, ws, acl, h),
	}
}

func (l *library) putMedia(id string) write {
	m := l.media[id]
	rec, acl, h := m.record, slices.Clone(m.acl), m.hold
	return write{
		authz.PutMedia{ID: id, Record: rec, ACL: engineACL(authz.Media, acl), Hold: h.engine()},
		func(o *oracle.Oracle) {
			if h != nil {
				o.PutHeldMedia(id, rec, oracleACL(acl), h.oracle())
			} else {
				o.PutMedia(id, rec, oracleACL(acl))
			}
		},
		fmt.Sprintf("media %s of %s acl=%v %v", id, rec, acl, h),
	}
}

// randomHold draws a hold in acct, as an upload by a member of a
// moderated group would get: an uploader (now and then none, as after the
// uploader was deleted) and approver groups.
func (l *library) randomHold(acct string) *dHold {
	h := &dHold{}
	if l.chance(0.9) {
		h.uploader = l.pickOr(l.usersOf(acct), "")
	}
	groups := l.groupsOf(acct, 4)
	for n := l.rnd.IntN(3); n > 0 && len(groups) > 0; n-- {
		if g := l.pick(groups); !slices.Contains(h.approvers, g) {
			h.approvers = append(h.approvers, g)
		}
	}
	return h
}

func (l *library) putCollection(id string) write {
	c := l.collections[id]
	ws, creator, acl := c.ws, c.creator, slices.Clone(c.acl)
	return write{
		authz.PutCollection{ID: id, Workspace: ws, Creator: creator, ACL: engineACL(authz.Collection, acl)},
		func(o *oracle.Oracle) { o.PutCollection(id, ws, creator, oracleACL(acl)) },
		fmt.Sprintf("collection %s in %s creator=%q acl=%v", id, ws, creator, acl),
	}
}

// setACL turns put, the whole-object write of ref, into an engine write
// of its ACL alone: the oracle still gets the whole object.
func (l *library) setACL(put write, ref authz.ObjectRef, acl []dACL) write {
	acl = slices.Clone(acl)
	put.op = authz.SetACL{Ref: ref, ACL: engineACL(ref.Type, acl)}
	put.desc = fmt.Sprintf("set ACL of %s to %v", ref, acl)
	return put
}

func (l *library) deleteObject(ref authz.ObjectRef) write {
	l.gone = append(l.gone, ref)
	typ := ref.Type.String()
	return write{
		authz.DeleteObject{Ref: ref},
		func(o *oracle.Oracle) { o.DeleteObject(typ, ref.ID) },
		"delete " + ref.String(),
	}
}

// dropSubject removes every reference to subject s from the library, as
// DeleteGroup and DeleteUser do.
func (l *library) dropSubject(s string) {
	for _, g := range l.groups {
		g.members = slices.DeleteFunc(g.members, func(m string) bool { return m == s })
	}
	for _, tr := range l.tiers {
		tr.grants = slices.DeleteFunc(tr.grants, func(g dGrant) bool { return g.subject == s })
	}
	for _, w := range l.workspaces {
		w.members = slices.DeleteFunc(w.members, func(g dGrant) bool { return g.subject == s })
	}
	drop := func(acl []dACL) []dACL {
		return slices.DeleteFunc(acl, func(en dACL) bool { return en.subject == s })
	}
	dropHold := func(h *dHold) {
		if h == nil {
			return
		}
		if "user:"+h.uploader == s {
			h.uploader = ""
		}
		h.approvers = slices.DeleteFunc(h.approvers, func(g string) bool { return "group:"+g == s })
	}
	for _, r := range l.records {
		r.acl = drop(r.acl)
		dropHold(r.hold)
	}
	for _, m := range l.media {
		m.acl = drop(m.acl)
		dropHold(m.hold)
	}
	for _, c := range l.collections {
		c.acl = drop(c.acl)
		if "user:"+c.creator == s {
			c.creator = ""
		}
	}
}

// ---- the initial library

func (l *library) build() []write {
	var ws []write
	for i := range 2 + l.rnd.IntN(2) {
		id := fmt.Sprintf("a%d", i+1)
		l.accounts = append(l.accounts, id)
		ws = append(ws, l.putAccount(id))
	}
	var roles, users, groups, tiers, spaces, records, media, colls []write
	for _, acct := range l.accounts {
		for range l.rnd.IntN(4) {
			id := l.newID("role")
			l.roles[id] = &dRole{account: acct, perms: l.randomPerms()}
			roles = append(roles, l.putRole(id))
		}
		for range 6 + l.rnd.IntN(8) {
			id := l.newID("u")
			l.users[id] = &dUser{account: acct, status: l.randomStatus(), roles: l.randomRoles(false), custom: l.randomCustom(acct)}
			users = append(users, l.putUser(id))
		}
		var gids []string
		for range 3 + l.rnd.IntN(4) {
			id := l.newID("g")
			l.groups[id] = &dGroup{account: acct, height: 1 + l.rnd.IntN(3)}
			gids = append(gids, id)
		}
		for _, id := range gids {
			g := l.groups[id]
			g.members = l.randomMembers(acct, g.height)
			if l.chance(0.35) {
				g.roles = l.randomRoles(true)
				if len(g.roles) == 0 {
					g.roles = []string{l.pick(accountRoleNames)}
				}
			}
			if l.chance(0.4) {
				g.custom = l.randomCustom(acct)
			}
			groups = append(groups, l.putGroup(id))
		}
		for range 1 + l.rnd.IntN(2) {
			id := l.newID("t")
			l.tiers[id] = &dTier{account: acct, grants: l.randomGrants(acct, 3)}
			tiers = append(tiers, l.putTier(id))
		}
		for range 2 + l.rnd.IntN(3) {
			id := l.newID("w")
			w := &dWorkspace{account: acct, members: l.randomGrants(acct, 3)}
			if l.chance(0.6) {
				w.tier = l.pick(l.tiersOf(acct))
			}
			l.workspaces[id] = w
			spaces = append(spaces, l.putWorkspace(id))
		}
		for range 5 + l.rnd.IntN(8) {
			rid := l.newID("r")
			l.records[rid] = &dRecord{ws: l.pick(l.workspacesOf(acct)), acl: l.randomACL(acct, authz.Record)}
			if l.chance(0.15) {
				l.records[rid].hold = l.randomHold(acct)
			}
			records = append(records, l.putRecord(rid))
			for range 1 + l.rnd.IntN(2) {
				mid := l.newID("m")
				l.media[mid] = &dMedia{record: rid, acl: l.randomACL(acct, authz.Media)}
				if l.chance(0.15) {
					l.media[mid].hold = l.randomHold(acct)
				}
				media = append(media, l.putMedia(mid))
			}
		}
		for range 2 + l.rnd.IntN(4) {
			id := l.newID("c")
			l.collections[id] = &dCollection{ws: l.pick(l.workspacesOf(acct)), acl: l.randomACL(acct, authz.Collection)}
			if l.chance(0.95) {
				l.collections[id].creator = l.pick(l.usersOf(acct))
			}
			colls = append(colls, l.putCollection(id))
		}
	}
	// Groups in random order: a group may name groups defined after it.
	l.rnd.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	// Custom roles before or after their holders: a holder may name a role
	// the engine does not know yet.
	parts := [][]write{roles, users, groups, tiers, spaces, records, media, colls}
	if l.chance(0.5) {
		parts = [][]write{users, groups, roles, tiers, spaces, records, media, colls}
	}
	for _, part := range parts {
		ws = append(ws, part...)
	}
	return ws
}

// ---- random writes

// mutate returns one random change (one or two writes) respecting the
// engine's preconditions.
func (l *library) mutate() []write {
	for {
		var ws []write
		switch l.rnd.IntN(31) {
		case 0, 1: // membership change
			if len(l.groups) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.groups))
			g := l.groups[id]
			switch l.rnd.IntN(4) {
			case 0:
				if u := l.pickOr(l.usersOf(g.account), ""); u != "" && !slices.Contains(g.members, "user:"+u) {
					g.members = append(g.members, "user:"+u)
				}
			case 1:
				if len(g.members) > 0 {
					i := l.rnd.IntN(len(g.members))
					g.members = slices.Delete(g.members, i, i+1)
				}
			case 2:
				if lower := l.groupsOf(g.account, g.height); len(lower) > 0 {
					if s := "group:" + l.pick(lower); !slices.Contains(g.members, s) {
						g.members = append(g.members, s)
					}
				}
			case 3:
				g.members = l.randomMembers(g.account, g.height)
			}
			ws = append(ws, l.putGroup(id))
		case 2: // group account roles
			if len(l.groups) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.groups))
			l.groups[id].roles = l.randomRoles(true)
			if l.chance(0.5) {
				l.groups[id].roles = append(l.groups[id].roles, l.pick(accountRoleNames[1:]))
				l.groups[id].roles = slices.Compact(slices.Sorted(slices.Values(l.groups[id].roles)))
			}
			ws = append(ws, l.putGroup(id))
		case 3: // delete a group
			if len(l.groups) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.groups))
			delete(l.groups, id)
			l.dropSubject("group:" + id)
			ws = append(ws, write{authz.DeleteGroup{ID: id}, func(o *oracle.Oracle) { o.DeleteGroup(id) }, "delete group " + id})
		case 4: // new group, possibly inside a taller one
			acct := l.pick(l.accounts)
			id := l.newID("g")
			g := &dGroup{account: acct, height: 1 + l.rnd.IntN(3)}
			g.members = l.randomMembers(acct, g.height)
			if l.chance(0.3) {
				g.roles = []string{l.pick(accountRoleNames)}
			}
			l.groups[id] = g
			ws = append(ws, l.putGroup(id))
			var taller []string
			for _, p := range l.groupsOf(acct, 4) {
				if l.groups[p].height > g.height {
					taller = append(taller, p)
				}
			}
			if len(taller) > 0 && l.chance(0.7) {
				p := l.pick(taller)
				l.groups[p].members = append(l.groups[p].members, "group:"+id)
				ws = append(ws, l.putGroup(p))
			}
		case 5, 6: // status change
			id := l.pick(sortedKeys(l.users))
			l.users[id].status = l.pick(statuses)
			ws = append(ws, l.putUser(id))
		case 7: // user account roles
			id := l.pick(sortedKeys(l.users))
			l.users[id].roles = l.randomRoles(false)
			if l.chance(0.4) {
				l.users[id].roles = slices.Compact(slices.Sorted(slices.Values(append(l.users[id].roles, l.pick(accountRoleNames)))))
			}
			ws = append(ws, l.putUser(id))
		case 8: // new user, maybe straight into a group
			acct := l.pick(l.accounts)
			id := l.newID("u")
			l.users[id] = &dUser{account: acct, status: l.randomStatus(), roles: l.randomRoles(false)}
			ws = append(ws, l.putUser(id))
			if gs := l.groupsOf(acct, 4); len(gs) > 0 && l.chance(0.6) {
				gid := l.pick(gs)
				l.groups[gid].members = append(l.groups[gid].members, "user:"+id)
				ws = append(ws, l.putGroup(gid))
			}
		case 9: // delete an inactive user (the engine's DeleteUser is for users who never held access)
			var inactive []string
			for _, id := range sortedKeys(l.users) {
				if l.users[id].status != "active" {
					inactive = append(inactive, id)
				}
			}
			if len(inactive) == 0 {
				continue
			}
			id := l.pick(inactive)
			delete(l.users, id)
			l.dropSubject("user:" + id)
			l.goneUsers = append(l.goneUsers, id)
			ws = append(ws, write{authz.DeleteUser{ID: id}, func(o *oracle.Oracle) { o.DeleteUser(id) }, "delete user " + id})
		case 10: // record ACL
			if len(l.records) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.records))
			l.records[id].acl = l.randomACL(l.recordAccount(id), authz.Record)
			w := l.putRecord(id)
			if l.chance(0.5) {
				w = l.setACL(w, authz.ObjectRef{Type: authz.Record, ID: id}, l.records[id].acl)
			}
			ws = append(ws, w)
		case 11: // media ACL
			if len(l.media) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.media))
			l.media[id].acl = l.randomACL(l.recordAccount(l.media[id].record), authz.Media)
			w := l.putMedia(id)
			if l.chance(0.5) {
				w = l.setACL(w, authz.ObjectRef{Type: authz.Media, ID: id}, l.media[id].acl)
			}
			ws = append(ws, w)
		case 12: // collection ACL and creator
			if len(l.collections) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.collections))
			c := l.collections[id]
			acct := l.workspaces[c.ws].account
			c.acl = l.randomACL(acct, authz.Collection)
			if l.chance(0.3) {
				c.creator = l.pickOr(l.usersOf(acct), "")
			}
			ws = append(ws, l.putCollection(id))
		case 13: // tier grants
			if len(l.tiers) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.tiers))
			l.tiers[id].grants = l.randomGrants(l.tiers[id].account, 4)
			ws = append(ws, l.putTier(id))
		case 14: // workspace members
			id := l.pick(sortedKeys(l.workspaces))
			l.workspaces[id].members = l.randomGrants(l.workspaces[id].account, 4)
			ws = append(ws, l.putWorkspace(id))
		case 15: // move a workspace between tiers (or out of / into one)
			id := l.pick(sortedKeys(l.workspaces))
			w := l.workspaces[id]
			w.tier = ""
			if ts := l.tiersOf(w.account); len(ts) > 0 && l.chance(0.7) {
				w.tier = l.pick(ts)
			}
			ws = append(ws, l.putWorkspace(id))
		case 16: // delete a record and its media
			if len(l.records) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.records))
			for _, m := range sortedKeys(l.media) {
				if l.media[m].record == id {
					delete(l.media, m)
					l.gone = append(l.gone, authz.ObjectRef{Type: authz.Media, ID: m})
				}
			}
			delete(l.records, id)
			ws = append(ws, l.deleteObject(authz.ObjectRef{Type: authz.Record, ID: id}))
		case 17: // delete a media object or a collection
			if l.chance(0.5) && len(l.media) > 0 {
				id := l.pick(sortedKeys(l.media))
				delete(l.media, id)
				ws = append(ws, l.deleteObject(authz.ObjectRef{Type: authz.Media, ID: id}))
			} else if len(l.collections) > 0 {
				id := l.pick(sortedKeys(l.collections))
				delete(l.collections, id)
				ws = append(ws, l.deleteObject(authz.ObjectRef{Type: authz.Collection, ID: id}))
			} else {
				continue
			}
		case 18: // new record with media, or new collection
			id := l.pick(sortedKeys(l.workspaces))
			acct := l.workspaces[id].account
			if l.chance(0.6) {
				rid := l.newID("r")
				l.records[rid] = &dRecord{ws: id, acl: l.randomACL(acct, authz.Record)}
				ws = append(ws, l.putRecord(rid))
				for range 1 + l.rnd.IntN(2) {
					mid := l.newID("m")
					l.media[mid] = &dMedia{record: rid, acl: l.randomACL(acct, authz.Media)}
					ws = append(ws, l.putMedia(mid))
				}
			} else {
				cid := l.newID("c")
				l.collections[cid] = &dCollection{ws: id, creator: l.pickOr(l.usersOf(acct), ""), acl: l.randomACL(acct, authz.Collection)}
				ws = append(ws, l.putCollection(cid))
			}
		case 19: // move a record (with its media) to another workspace of its account
			if len(l.records) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.records))
			l.records[id].ws = l.pick(l.workspacesOf(l.recordAccount(id)))
			ws = append(ws, l.putRecord(id))
		case 20: // delete an unused tier, or add one
			acct := l.pick(l.accounts)
			var unused []string
			for _, tid := range l.tiersOf(acct) {
				used := false
				for _, w := range l.workspaces {
					used = used || w.tier == tid
				}
				if !used {
					unused = append(unused, tid)
				}
			}
			if len(unused) > 0 && l.chance(0.6) {
				tid := l.pick(unused)
				delete(l.tiers, tid)
				ws = append(ws, write{authz.DeleteTier{ID: tid}, func(o *oracle.Oracle) { o.DeleteTier(tid) }, "delete tier " + tid})
			} else {
				tid := l.newID("t")
				l.tiers[tid] = &dTier{account: acct, grants: l.randomGrants(acct, 3)}
				ws = append(ws, l.putTier(tid))
			}
		case 21: // delete an empty workspace, or add one
			acct := l.pick(l.accounts)
			var empty []string
			for _, wid := range l.workspacesOf(acct) {
				used := false
				for _, r := range l.records {
					used = used || r.ws == wid
				}
				for _, c := range l.collections {
					used = used || c.ws == wid
				}
				if !used {
					empty = append(empty, wid)
				}
			}
			if len(empty) > 0 && len(l.workspacesOf(acct)) > 1 && l.chance(0.6) {
				wid := l.pick(empty)
				delete(l.workspaces, wid)
				l.gone = append(l.gone, authz.ObjectRef{Type: authz.Workspace, ID: wid})
				ws = append(ws, write{authz.DeleteWorkspace{ID: wid}, func(o *oracle.Oracle) { o.DeleteWorkspace(wid) }, "delete workspace " + wid})
			} else {
				wid := l.newID("w")
				w := &dWorkspace{account: acct, members: l.randomGrants(acct, 3)}
				if ts := l.tiersOf(acct); len(ts) > 0 && l.chance(0.5) {
					w.tier = l.pick(ts)
				}
				l.workspaces[wid] = w
				ws = append(ws, l.putWorkspace(wid))
			}
		case 22, 23: // define a custom role or change its permissions
			acct := l.pick(l.accounts)
			id := l.pickOr(l.rolesOf(acct), "")
			if id == "" || l.chance(0.3) {
				id = l.newID("role")
				l.roles[id] = &dRole{account: acct}
			}
			l.roles[id].perms = l.randomPerms()
			ws = append(ws, l.putRole(id))
		case 24: // delete a custom role; maybe re-put its holders, as a store removing the assignments would
			if len(l.roles) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.roles))
			delete(l.roles, id)
			l.goneRoles = append(l.goneRoles, id)
			ws = append(ws, write{authz.DeleteRole{ID: id}, func(o *oracle.Oracle) { o.DeleteRole(id) }, "delete role " + id})
			reput := l.chance(0.5)
			for _, uid := range sortedKeys(l.users) {
				if u := l.users[uid]; slices.Contains(u.custom, id) {
					u.custom = slices.DeleteFunc(u.custom, func(r string) bool { return r == id })
					if reput {
						ws = append(ws, l.putUser(uid))
					}
				}
			}
			for _, gid := range sortedKeys(l.groups) {
				if g := l.groups[gid]; slices.Contains(g.custom, id) {
					g.custom = slices.DeleteFunc(g.custom, func(r string) bool { return r == id })
					if reput {
						ws = append(ws, l.putGroup(gid))
					}
				}
			}
		case 25: // a user's custom roles
			id := l.pick(sortedKeys(l.users))
			l.users[id].custom = l.randomCustom(l.users[id].account)
			ws = append(ws, l.putUser(id))
		case 26: // a group's custom roles
			if len(l.groups) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.groups))
			l.groups[id].custom = l.randomCustom(l.groups[id].account)
			ws = append(ws, l.putGroup(id))
		case 27, 28: // hold a record for moderation, change its hold, or publish it
			if len(l.records) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.records))
			r := l.records[id]
			if r.hold != nil && l.chance(0.7) {
				r.hold = nil
			} else {
				r.hold = l.randomHold(l.recordAccount(id))
			}
			ws = append(ws, l.putRecord(id))
		case 29: // the same for a media object
			if len(l.media) == 0 {
				continue
			}
			id := l.pick(sortedKeys(l.media))
			m := l.media[id]
			if m.hold != nil && l.chance(0.7) {
				m.hold = nil
			} else {
				m.hold = l.randomHold(l.recordAccount(m.record))
			}
			ws = append(ws, l.putMedia(id))
		case 30: // an upload held for moderation: a new held record with its media, or held media on a published record
			id := l.pick(sortedKeys(l.workspaces))
			acct := l.workspaces[id].account
			h := l.randomHold(acct)
			var published []string
			for _, rid := range sortedKeys(l.records) {
				if l.records[rid].hold == nil && l.recordAccount(rid) == acct {
					published = append(published, rid)
				}
			}
			if len(published) > 0 && l.chance(0.5) {
				mid := l.newID("m")
				l.media[mid] = &dMedia{record: l.pick(published), acl: l.randomACL(acct, authz.Media), hold: h}
				ws = append(ws, l.putMedia(mid))
				break
			}
			rid := l.newID("r")
			l.records[rid] = &dRecord{ws: id, acl: l.randomACL(acct, authz.Record), hold: h}
			ws = append(ws, l.putRecord(rid))
			for range 1 + l.rnd.IntN(2) {
				mid := l.newID("m")
				l.media[mid] = &dMedia{record: rid, acl: l.randomACL(acct, authz.Media)}
				ws = append(ws, l.putMedia(mid))
			}
		}
		if len(ws) > 0 {
			return ws
		}
	}
}

// ---- applying and comparing

// apply installs one transaction in both; false if the engine refused it.
func (l *library) apply(ws ...write) bool {
	l.rev++
	ops := make([]authz.Op, len(ws))
	for i, w := range ws {
		ops[i] = w.op
		l.history = append(l.history, fmt.Sprintf("rev %d: %s", l.rev, w.desc))
	}
	var err error
	if !l.safe(fmt.Sprintf("apply rev %d", l.rev), func() { err = l.eng.Apply(l.rev, ops...) }) || err != nil {
		l.fail(fmt.Sprintf("apply rev %d", l.rev), fmt.Sprintf("engine refused a valid transaction: %v", err))
		l.failures = maxFailuresPerSeed
		return false
	}
	for _, w := range ws {
		w.orc(l.orc)
	}
	return true
}

// safe runs engine call f for query q, turning a panic into a failure; false
// if it panicked.
func (l *library) safe(q string, f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			l.fail(q, fmt.Sprintf("engine panicked: %v", r))
			ok = false
		}
	}()
	f()
	return true
}

func (l *library) fail(query, detail string) {
	l.t.Helper()
	if l.failures >= maxFailuresPerSeed {
		return
	}
	l.failures++
	msg := fmt.Sprintf("seed %d, after rev %d: %s\n%s", l.seed, l.rev, query, detail)
	if l.failures == 1 {
		from, what := max(0, len(l.history)-12), "last writes"
		if testing.Verbose() {
			from, what = 0, "all writes"
		}
		msg += fmt.Sprintf("\n%s (replay with -diff.seed %d -v for all of them):\n  %s", what, l.seed, strings.Join(l.history[from:], "\n  "))
	}
	l.t.Error(msg)
}

func (l *library) explain(user string, p authz.Permission, obj authz.ObjectRef) string {
	var s string
	l.safe(fmt.Sprintf("explain user:%s %s %s", user, p, obj), func() { s = fmt.Sprintf("%+v", l.eng.Explain(user, p, obj)) })
	return "engine explain: " + s
}

func oracleRelation(p authz.Permission, t authz.ObjectType) string {
	if t == authz.Workspace {
		return workspaceRelation[p]
	}
	return p.String()
}

func (l *library) compareCheck(user string, p authz.Permission, obj authz.ObjectRef) {
	l.queries++
	want := l.orc.Check(user, oracleRelation(p, obj.Type), obj.Type.String(), obj.ID)
	q := fmt.Sprintf("check user:%s %s %s", user, p, obj)
	var got bool
	var ex authz.Explanation
	if !l.safe(q, func() { got = l.eng.Check(user, p, obj) }) || !l.safe("explain"+strings.TrimPrefix(q, "check"), func() { ex = l.eng.Explain(user, p, obj) }) {
		return
	}
	if got != want {
		l.fail(q, fmt.Sprintf("engine %v, oracle %v\n%s", got, want, l.explain(user, p, obj)))
		return
	}
	if ex.Allowed != want {
		l.fail(q, fmt.Sprintf("Explain says %v, oracle and Check %v\n%s", ex.Allowed, want, l.explain(user, p, obj)))
		return
	}
	// The denial reasons that follow from the rules outside the model.
	if u, ok := l.users[user]; ok && !want {
		objAcct, exists := l.accountOf(obj)
		switch {
		case u.status != "active":
			if ex.Reason != authz.DeniedInactive {
				l.fail(q, fmt.Sprintf("inactive user denied with %q, want %q", ex.Reason, authz.DeniedInactive))
			}
		case !exists || objAcct != u.account:
			if ex.Reason != authz.DeniedNotFound {
				l.fail(q, fmt.Sprintf("object of another account (or none) denied with %q, want %q", ex.Reason, authz.DeniedNotFound))
			}
		}
	}
	if want && len(ex.Paths) == 0 {
		l.fail(q, "allowed with no path")
	}
}

func (l *library) accountOf(obj authz.ObjectRef) (string, bool) {
	switch obj.Type {
	case authz.Workspace:
		if w, ok := l.workspaces[obj.ID]; ok {
			return w.account, true
		}
	case authz.Record:
		if _, ok := l.records[obj.ID]; ok {
			return l.recordAccount(obj.ID), true
		}
	case authz.Media:
		if m, ok := l.media[obj.ID]; ok {
			return l.recordAccount(m.record), true
		}
	case authz.Collection:
		if c, ok := l.collections[obj.ID]; ok {
			return l.workspaces[c.ws].account, true
		}
	}
	return "", false
}

// anyObject picks a live or deleted object of any account and type.
func (l *library) anyObject() authz.ObjectRef {
	for {
		switch l.rnd.IntN(6) {
		case 0, 1:
			if len(l.records) > 0 {
				return authz.ObjectRef{Type: authz.Record, ID: l.pick(sortedKeys(l.records))}
			}
		case 2:
			if len(l.media) > 0 {
				return authz.ObjectRef{Type: authz.Media, ID: l.pick(sortedKeys(l.media))}
			}
		case 3:
			if len(l.collections) > 0 {
				return authz.ObjectRef{Type: authz.Collection, ID: l.pick(sortedKeys(l.collections))}
			}
		case 4:
			return authz.ObjectRef{Type: authz.Workspace, ID: l.pick(sortedKeys(l.workspaces))}
		case 5:
			if len(l.gone) > 0 {
				return l.gone[l.rnd.IntN(len(l.gone))]
			}
		}
	}
}

func (l *library) anyUser() string {
	if len(l.goneUsers) > 0 && l.chance(0.05) {
		return l.pick(l.goneUsers)
	}
	return l.pickOr(sortedKeys(l.users), "nobody")
}

func permsOf(t authz.ObjectType) []authz.Permission {
	if t == authz.Workspace {
		return []authz.Permission{authz.CanView, authz.CanEdit, authz.CanDelete, authz.CanManage}
	}
	for _, tp := range modelPerms {
		if tp.typ == t {
			return tp.perms
		}
	}
	return nil
}

func (l *library) randomCheck() {
	obj := l.anyObject()
	user := l.anyUser()
	for _, p := range permsOf(obj.Type) {
		l.compareCheck(user, p, obj)
	}
}

func (l *library) randomWho() {
	obj := l.anyObject()
	for _, p := range permsOf(obj.Type) {
		l.queries++
		want := l.orc.Who(oracleRelation(p, obj.Type), obj.Type.String(), obj.ID)
		var got []string
		if !l.safe(fmt.Sprintf("who %s %s", p, obj), func() { got = l.eng.Who(p, obj) }) {
			return
		}
		if d := cmp.Diff(want, got); d != "" {
			detail := fmt.Sprintf("(-oracle +engine):\n%s", d)
			for _, u := range symmetricDifference(want, got) {
				detail += fmt.Sprintf("\n  user:%s: %s", u, l.explain(u, p, obj))
			}
			l.fail(fmt.Sprintf("who %s %s", p, obj), detail)
		}
	}
}

// sweep lists every (type, permission) for n users (all when n is at least
// their number), following cursors with a random page size.
func (l *library) sweep(n int) {
	users := sortedKeys(l.users)
	if n < len(users) {
		l.rnd.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
		users = users[:n]
	}
	for _, u := range users {
		for _, tp := range modelPerms {
			for _, p := range tp.perms {
				if l.failures >= maxFailuresPerSeed {
					return
				}
				l.compareList(u, p, tp.typ)
			}
		}
	}
}

func (l *library) compareList(user string, p authz.Permission, typ authz.ObjectType) {
	l.queries++
	q := fmt.Sprintf("list user:%s %s %s", user, p, typ)
	want := l.orc.List(user, p.String(), typ.String())
	limit := 1 + l.rnd.IntN(6)
	got := []string{}
	seen := map[string]bool{}
	total := -1
	cursor := ""
	for pages := 0; ; pages++ {
		var page authz.Page
		var err error
		if !l.safe(q, func() { page, err = l.eng.List(user, p, typ, authz.ListOptions{Limit: limit, Cursor: cursor}) }) {
			return
		}
		if err != nil {
			l.fail(q, fmt.Sprintf("error %v", err))
			return
		}
		if total >= 0 && page.Total != total {
			l.fail(q, fmt.Sprintf("total changed between pages: %d then %d", total, page.Total))
		}
		total = page.Total
		if len(page.IDs) > limit {
			l.fail(q, fmt.Sprintf("page of %d ids with limit %d", len(page.IDs), limit))
		}
		for _, id := range page.IDs {
			if seen[id] {
				l.fail(q, fmt.Sprintf("id %s repeated across pages (limit %d)", id, limit))
			}
			seen[id] = true
		}
		got = append(got, page.IDs...)
		if page.NextCursor == "" {
			break
		}
		if pages > len(want)+len(l.records)+len(l.media)+len(l.collections)+2 {
			l.fail(q, "cursors never end")
			return
		}
		cursor = page.NextCursor
	}
	if total != len(got) {
		l.fail(q, fmt.Sprintf("total %d, pages hold %d ids", total, len(got)))
	}
	slices.Sort(got)
	if d := cmp.Diff(want, got); d != "" {
		detail := fmt.Sprintf("(-oracle +engine), limit %d:\n%s", limit, d)
		for i, id := range symmetricDifference(want, got) {
			if i == 3 {
				break
			}
			obj := authz.ObjectRef{Type: typ, ID: id}
			detail += fmt.Sprintf("\n  %s: oracle check %v; %s", obj, l.orc.Check(user, p.String(), typ.String(), id), l.explain(user, p, obj))
		}
		l.fail(q, detail)
	}
}

// symmetricDifference returns the ids in exactly one of two sorted lists.
func symmetricDifference(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// ---- account permissions

// compareAccount compares CanAccount for one user, account and permission.
func (l *library) compareAccount(user, acct, perm string) {
	l.queries++
	p, err := authz.ParseAccountPermission(perm)
	if err != nil {
		panic(err)
	}
	want := l.orc.CanAccount(user, acct, perm)
	q := fmt.Sprintf("can-account user:%s %s in %s", user, perm, acct)
	var got bool
	if !l.safe(q, func() { got = l.eng.CanAccount(user, acct, p) }) {
		return
	}
	if got != want {
		l.fail(q, fmt.Sprintf("engine %v, oracle %v", got, want))
	}
}

// randomAccountCheck asks about one user's permissions in its own account
// or another.
func (l *library) randomAccountCheck() {
	user := l.anyUser()
	acct := l.pick(l.accounts)
	if u, ok := l.users[user]; ok && l.chance(0.8) {
		acct = u.account
	}
	for _, p := range accountPermNames() {
		l.compareAccount(user, acct, p)
	}
}

// compareEffective compares a user's whole set of account permissions.
func (l *library) compareEffective(e *authz.Engine, user, what string) {
	l.queries++
	want := l.orc.AccountPermissions(user, accountPermNames())
	var got []string
	if !l.safe("effective permissions of user:"+user, func() { got = e.EffectivePermissions(user).Names() }) {
		return
	}
	if d := cmp.Diff(want, got); d != "" {
		l.fail(fmt.Sprintf("effective permissions of user:%s (%s)", user, what), fmt.Sprintf("(-oracle +engine):\n%s", d))
	}
}

// compareFresh loads the library as it stands into a new engine in one
// transaction, as a process starting up would, and compares every user's
// account permissions and custom roles in it with the engine that got
// there write by write.
func (l *library) compareFresh() {
	var ws []write
	for _, a := range l.accounts {
		ws = append(ws, l.putAccount(a))
	}
	for _, id := range sortedKeys(l.roles) {
		ws = append(ws, l.putRole(id))
	}
	for _, id := range sortedKeys(l.users) {
		ws = append(ws, l.putUser(id))
	}
	for _, id := range sortedKeys(l.groups) {
		ws = append(ws, l.putGroup(id))
	}
	ops := make([]authz.Op, len(ws))
	for i, w := range ws {
		ops[i] = w.op
	}
	fresh := authz.New()
	if err := fresh.Apply(1, ops...); err != nil {
		l.fail("fresh load", fmt.Sprintf("engine refused the library: %v", err))
		return
	}
	for _, u := range append(sortedKeys(l.users), l.goneUsers...) {
		l.compareEffective(l.eng, u, "incremental")
		l.compareEffective(fresh, u, "fresh load")
		if d := cmp.Diff(fresh.EffectiveCustomRoles(u), l.eng.EffectiveCustomRoles(u)); d != "" {
			l.fail("custom roles of user:"+u, fmt.Sprintf("(-fresh +incremental):\n%s", d))
		}
		for _, a := range l.accounts {
			for _, p := range authz.AllAccountPermissions() {
				if f, i := fresh.CanAccount(u, a, p), l.eng.CanAccount(u, a, p); f != i {
					l.fail(fmt.Sprintf("can-account user:%s %s in %s", u, p, a), fmt.Sprintf("fresh load %v, incremental %v", f, i))
				}
			}
		}
	}
}
