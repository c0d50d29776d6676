// Package oracle is a deliberately naive evaluator of the reference
// authorization model (spec/reference-model.fga) plus its two outside rules,
// used as a test oracle for package authz.
//
// It shares no code with package authz. State is a set of OpenFGA-style
// relation tuples (object#relation@user) written exactly as the scenario
// format's mapping table says, plus each user's account and status. Every
// relation is evaluated by a direct recursive translation of its rewrite in
// the model: "or" is ||, "and" is &&, "X from Y" follows the tupleset Y, and
// a direct relation honours its type restrictions ([user], [user, user:*,
// group#member], ...). Nothing is cached or indexed beyond a map from
// object and relation to the tuples' users, so the code can be checked
// against the model line by line. It is slow by design.
package oracle

import (
	"sort"
	"strings"
)

// Tuple is one relation tuple, object#relation@user in OpenFGA's notation:
// Object "record:r1", Relation "acl_view", User "user:u1", "user:*" or
// "group:g1#member" (or, for tuplesets, another object: "workspace:w1").
type Tuple struct {
	Object, Relation, User string
}

// Grant is a role given to a subject on a tier or workspace. Subject is
// "user:ID" or "group:ID"; Role is owner, editor, contributor or viewer.
type Grant struct {
	Subject, Role string
}

// ACLEntry is one ACL entry as in the scenario format: Subject is
// "user:ID", "group:ID" or "everyone"; each of Permissions becomes one
// acl_<permission> tuple.
type ACLEntry struct {
	Subject     string
	Permissions []string
}

type user struct {
	account, status string
}

// customRole is an account's custom role: the account permissions its
// holders get.
type customRole struct {
	account string
	perms   []string
}

// Oracle holds the tuples and users. The zero value is not usable; call New.
type Oracle struct {
	// tuples[object][relation] is the set of users of object#relation.
	tuples map[string]map[string]map[string]bool
	users  map[string]user
	roles  map[string]customRole
	// held lists the records and media objects held for moderation. A held
	// record's workspace is not a tuple (a hold takes the object out of its
	// workspace in the model); home keeps it for the rule outside the
	// model (the record still belongs to its workspace's account) and for
	// its media's own workspace tuples.
	held map[string]bool
	home map[string]string // held record -> "workspace:ID"
}

// New returns an empty oracle.
func New() *Oracle {
	return &Oracle{tuples: map[string]map[string]map[string]bool{}, users: map[string]user{}, roles: map[string]customRole{},
		held: map[string]bool{}, home: map[string]string{}}
}

// Tuples returns every stored tuple, sorted (for debugging output).
func (o *Oracle) Tuples() []Tuple {
	var out []Tuple
	for obj, rels := range o.tuples {
		for rel, us := range rels {
			for u := range us {
				out = append(out, Tuple{obj, rel, u})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Object != b.Object {
			return a.Object < b.Object
		}
		if a.Relation != b.Relation {
			return a.Relation < b.Relation
		}
		return a.User < b.User
	})
	return out
}

func (o *Oracle) write(object, relation, u string) {
	rels := o.tuples[object]
	if rels == nil {
		rels = map[string]map[string]bool{}
		o.tuples[object] = rels
	}
	if rels[relation] == nil {
		rels[relation] = map[string]bool{}
	}
	rels[relation][u] = true
}

// users returns the users of object#relation.
func (o *Oracle) usersOf(object, relation string) []string {
	var out []string
	for u := range o.tuples[object][relation] {
		out = append(out, u)
	}
	return out
}

// deleteObject removes every tuple whose object is object, and its hold.
func (o *Oracle) deleteObject(object string) {
	delete(o.tuples, object)
	delete(o.held, object)
	delete(o.home, object)
}

// deleteWhere removes every tuple for which drop returns true.
func (o *Oracle) deleteWhere(drop func(Tuple) bool) {
	for obj, rels := range o.tuples {
		for rel, us := range rels {
			for u := range us {
				if drop(Tuple{obj, rel, u}) {
					delete(us, u)
				}
			}
		}
	}
}

// tupleUser maps a scenario subject to a tuple user: user:u -> user:u,
// group:g -> group:g#member, everyone -> user:*.
func tupleUser(subject string) string {
	switch {
	case subject == "everyone":
		return "user:*"
	case strings.HasPrefix(subject, "group:"):
		return subject + "#member"
	}
	return subject
}

var accountRoles = []string{"owner", "admin", "developer", "finance", "library_editor", "library_viewer"}

func isAccountRole(rel string) bool {
	for _, r := range accountRoles {
		if r == rel {
			return true
		}
	}
	return false
}

// PutAccount defines an account. Accounts carry no tuples of their own.
func (o *Oracle) PutAccount(id string) {}

// PutUser sets a user's account, status ("active", "pending",
// "deactivated", "banned") and direct account roles.
func (o *Oracle) PutUser(id, account, status string, roles []string) {
	o.users[id] = user{account, status}
	o.deleteWhere(func(t Tuple) bool {
		return strings.HasPrefix(t.Object, "account:") && t.User == "user:"+id && isAccountRole(t.Relation)
	})
	for _, r := range roles {
		o.write("account:"+account, r, "user:"+id)
	}
}

// DeleteUser removes a user and every tuple naming it.
func (o *Oracle) DeleteUser(id string) {
	delete(o.users, id)
	o.deleteWhere(func(t Tuple) bool { return t.User == "user:"+id })
}

// PutGroup sets a group's members (subjects "user:ID" / "group:ID") and the
// account roles it holds. An "owner" role is written like any other; the
// model's type restriction on account#owner ([user]) makes it confer
// nothing.
func (o *Oracle) PutGroup(id, account string, members, roles []string) {
	g := "group:" + id
	o.deleteObject(g)
	o.deleteWhere(func(t Tuple) bool {
		return strings.HasPrefix(t.Object, "account:") && t.User == g+"#member" && isAccountRole(t.Relation)
	})
	for _, m := range members {
		o.write(g, "member", tupleUser(m))
	}
	for _, r := range roles {
		o.write("account:"+account, r, g+"#member")
	}
}

// DeleteGroup removes a group and every tuple naming it (memberships in
// other groups, account roles, grants, ACL entries).
func (o *Oracle) DeleteGroup(id string) {
	g := "group:" + id
	o.deleteObject(g)
	o.deleteWhere(func(t Tuple) bool { return t.User == g+"#member" })
}

// PutTier sets a tier's grants.
func (o *Oracle) PutTier(id, account string, grants []Grant) {
	t := "tier:" + id
	o.deleteObject(t)
	for _, g := range grants {
		o.write(t, g.Role, tupleUser(g.Subject))
	}
}

// DeleteTier removes a tier (its workspaces have left it).
func (o *Oracle) DeleteTier(id string) { o.deleteObject("tier:" + id) }

// PutWorkspace sets a workspace's account, tier ("" for none) and members.
func (o *Oracle) PutWorkspace(id, account, tier string, members []Grant) {
	w := "workspace:" + id
	o.deleteObject(w)
	o.write(w, "account", "account:"+account)
	if tier != "" {
		o.write(w, "tier", "tier:"+tier)
	}
	for _, g := range members {
		o.write(w, g.Role, tupleUser(g.Subject))
	}
}

// DeleteWorkspace removes an (empty) workspace.
func (o *Oracle) DeleteWorkspace(id string) { o.deleteObject("workspace:" + id) }

func (o *Oracle) writeACL(object string, acl []ACLEntry) {
	for _, en := range acl {
		for _, p := range en.Permissions {
			o.write(object, "acl_"+p, tupleUser(en.Subject))
		}
	}
}

// mediaOf returns the media objects ("media:ID") whose record is record
// ("record:ID").
func (o *Oracle) mediaOf(record string) []string {
	var out []string
	for obj, rels := range o.tuples {
		if strings.HasPrefix(obj, "media:") && rels["record"][record] {
			out = append(out, obj)
		}
	}
	return out
}

// PutRecord sets a record's workspace and ACL (permissions view, edit). Its
// media objects' workspace tuples follow it: a media object's workspace is
// its record's.
func (o *Oracle) PutRecord(id, workspace string, acl []ACLEntry) {
	r := "record:" + id
	o.deleteObject(r)
	o.write(r, "workspace", "workspace:"+workspace)
	o.writeACL(r, acl)
	o.moveMedia(r, "workspace:"+workspace)
}

// moveMedia gives the media of record (not held themselves) workspace.
func (o *Oracle) moveMedia(record, workspace string) {
	for _, m := range o.mediaOf(record) {
		if !o.held[m] {
			delete(o.tuples[m], "workspace")
			o.write(m, "workspace", workspace)
		}
	}
}

// PutMedia sets a media object's record and ACL (permissions preview,
// view, download, edit).
func (o *Oracle) PutMedia(id, record string, acl []ACLEntry) {
	m := "media:" + id
	o.deleteObject(m)
	o.write(m, "record", "record:"+record)
	for _, w := range o.workspacesOf("record:" + record) {
		o.write(m, "workspace", w)
	}
	o.writeACL(m, acl)
}

// workspacesOf returns a record's workspace: its tuple's, or a held
// record's home.
func (o *Oracle) workspacesOf(record string) []string {
	if w, ok := o.home[record]; ok {
		return []string{w}
	}
	return o.usersOf(record, "workspace")
}

// Hold holds an object for moderation: Uploader is a user id (or "" for
// none), Approvers are group ids.
type Hold struct {
	Uploader  string
	Approvers []string
}

// holdACL is what a hold stands for in the model: the uploader may edit,
// the approvers' members get approver (view on records, download on
// media, so that they can inspect the original).
func holdACL(h Hold, approver string) []ACLEntry {
	var out []ACLEntry
	if h.Uploader != "" {
		out = append(out, ACLEntry{Subject: "user:" + h.Uploader, Permissions: []string{"edit"}})
	}
	for _, g := range h.Approvers {
		out = append(out, ACLEntry{Subject: "group:" + g, Permissions: []string{approver}})
	}
	return out
}

// PutHeldRecord sets a record held for moderation, in its model terms: no
// workspace tuple, and the hold's ACL instead of acl (which, stored, only
// takes effect when a later PutRecord publishes the record). Its media
// keep their own workspace tuples.
func (o *Oracle) PutHeldRecord(id, workspace string, acl []ACLEntry, h Hold) {
	r := "record:" + id
	o.deleteObject(r)
	o.held[r], o.home[r] = true, "workspace:"+workspace
	o.writeACL(r, holdACL(h, "view"))
	o.moveMedia(r, "workspace:"+workspace)
}

// PutHeldMedia sets a media object held for moderation: its record, no
// workspace tuple, and the hold's ACL instead of acl.
func (o *Oracle) PutHeldMedia(id, record string, acl []ACLEntry, h Hold) {
	m := "media:" + id
	o.deleteObject(m)
	o.held[m] = true
	o.write(m, "record", "record:"+record)
	o.writeACL(m, holdACL(h, "download"))
}

// PutCollection sets a collection's workspace, creator (a user id, or ""
// for none) and ACL (permissions view, edit).
func (o *Oracle) PutCollection(id, workspace, creator string, acl []ACLEntry) {
	c := "collection:" + id
	o.deleteObject(c)
	o.write(c, "workspace", "workspace:"+workspace)
	if creator != "" {
		o.write(c, "creator", "user:"+creator)
	}
	o.writeACL(c, acl)
}

// DeleteObject removes a record (and its media), a media object or a
// collection. objectType is "record", "media" or "collection".
func (o *Oracle) DeleteObject(objectType, id string) {
	obj := objectType + ":" + id
	if objectType == "record" {
		for _, m := range o.mediaOf(obj) {
			o.deleteObject(m)
		}
	}
	o.deleteObject(obj)
}

// accountOf returns the account id of an object ("type:id"): a workspace
// names it, collections and records through their workspace, media through
// their record.
func (o *Oracle) accountOf(object string) (string, bool) {
	typ, _, _ := strings.Cut(object, ":")
	switch typ {
	case "workspace":
		for _, a := range o.usersOf(object, "account") {
			return strings.TrimPrefix(a, "account:"), true
		}
	case "record":
		for _, w := range o.workspacesOf(object) {
			return o.accountOf(w)
		}
	case "collection":
		for _, w := range o.usersOf(object, "workspace") {
			return o.accountOf(w)
		}
	case "media":
		for _, r := range o.usersOf(object, "record") {
			return o.accountOf(r)
		}
	}
	return "", false
}

// Check reports whether user userID has relation permission on object
// objectType:objectID, applying the two rules outside the model: the user
// must be active, and the object must belong to the user's account.
// Permissions are those of the model (can_view, ..., and for workspaces the
// roles owner, editor, contributor, viewer).
func (o *Oracle) Check(userID, permission, objectType, objectID string) bool {
	u, ok := o.users[userID]
	if !ok || u.status != "active" {
		return false
	}
	object := objectType + ":" + objectID
	if a, ok := o.accountOf(object); !ok || a != u.account {
		return false
	}
	ev := &eval{o: o, user: "user:" + userID, visiting: map[string]bool{}}
	return ev.rel(object, permission)
}

// objects returns the ids of every object of a type that has a tuple.
func (o *Oracle) objects(objectType string) []string {
	var out []string
	for obj := range o.tuples {
		if typ, id, _ := strings.Cut(obj, ":"); typ == objectType {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// List returns, sorted, the ids of every object of objectType on which
// userID has permission, by checking each one.
func (o *Oracle) List(userID, permission, objectType string) []string {
	out := []string{}
	for _, id := range o.objects(objectType) {
		if o.Check(userID, permission, objectType, id) {
			out = append(out, id)
		}
	}
	return out
}

// Who returns, sorted, the ids of every user allowed permission on the
// object (only active users of its account can be).
func (o *Oracle) Who(permission, objectType, objectID string) []string {
	out := []string{}
	for id := range o.users {
		if o.Check(id, permission, objectType, objectID) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// eval evaluates relations for one user.
type eval struct {
	o    *Oracle
	user string // "user:ID"
	// visiting holds the groups whose membership is being evaluated, so a
	// membership cycle ends instead of recursing forever.
	visiting map[string]bool
}

// Directly related user types of a relation.
const (
	tUser        = 1 << iota // [user]
	tWildcard                // [user:*]
	tGroupMember             // [group#member]
)

// direct evaluates the directly related users of object#relation allowed
// by the type restriction.
func (e *eval) direct(object, relation string, allowed int) bool {
	for _, u := range e.o.usersOf(object, relation) {
		switch {
		case u == e.user:
			if allowed&tUser != 0 {
				return true
			}
		case u == "user:*":
			if allowed&tWildcard != 0 {
				return true
			}
		case strings.HasPrefix(u, "group:") && strings.HasSuffix(u, "#member"):
			if allowed&tGroupMember != 0 && e.rel(strings.TrimSuffix(u, "#member"), "member") {
				return true
			}
		}
	}
	return false
}

// from evaluates "relation from tupleset" on object: relation on any
// object related to object through tupleset.
func (e *eval) from(object, tupleset, relation string) bool {
	for _, target := range e.o.usersOf(object, tupleset) {
		if e.rel(target, relation) {
			return true
		}
	}
	return false
}

// rel evaluates object#relation for e.user, one case per definition of
// the model.
func (e *eval) rel(object, relation string) bool {
	typ, _, _ := strings.Cut(object, ":")
	const ugm = tUser | tGroupMember
	const uwgm = tUser | tWildcard | tGroupMember
	switch typ + "#" + relation {
	// type group
	case "group#member": // [user, group#member]
		if e.visiting[object] {
			return false
		}
		e.visiting[object] = true
		defer delete(e.visiting, object)
		return e.direct(object, "member", ugm)

	// type account
	case "account#owner": // [user]
		return e.direct(object, "owner", tUser)
	case "account#admin": // [user, group#member] or owner
		return e.direct(object, "admin", ugm) || e.rel(object, "owner")
	case "account#developer", "account#finance", "account#library_editor", "account#library_viewer":
		return e.direct(object, relation, ugm)

	// type tier
	case "tier#owner", "tier#editor", "tier#contributor", "tier#viewer":
		return e.direct(object, relation, ugm)

	// type workspace
	case "workspace#owner": // [user, group#member] or owner from tier or admin from account
		return e.direct(object, "owner", ugm) ||
			e.from(object, "tier", "owner") ||
			e.from(object, "account", "admin")
	case "workspace#editor": // [user, group#member] or owner or editor from tier or developer from account or library_editor from account
		return e.direct(object, "editor", ugm) ||
			e.rel(object, "owner") ||
			e.from(object, "tier", "editor") ||
			e.from(object, "account", "developer") ||
			e.from(object, "account", "library_editor")
	case "workspace#contributor": // [user, group#member] or editor or contributor from tier
		return e.direct(object, "contributor", ugm) ||
			e.rel(object, "editor") ||
			e.from(object, "tier", "contributor")
	case "workspace#viewer": // [user, group#member] or contributor or viewer from tier or library_viewer from account
		return e.direct(object, "viewer", ugm) ||
			e.rel(object, "contributor") ||
			e.from(object, "tier", "viewer") ||
			e.from(object, "account", "library_viewer")

	// type collection
	case "collection#creator": // [user]
		return e.direct(object, "creator", tUser)
	case "collection#acl_view", "collection#acl_edit": // [user, user:*, group#member]
		return e.direct(object, relation, uwgm)
	case "collection#can_edit": // acl_edit or creator or contributor from workspace
		return e.rel(object, "acl_edit") || e.rel(object, "creator") || e.from(object, "workspace", "contributor")
	case "collection#can_view": // acl_view or can_edit or viewer from workspace
		return e.rel(object, "acl_view") || e.rel(object, "can_edit") || e.from(object, "workspace", "viewer")
	case "collection#can_delete": // creator or editor from workspace
		return e.rel(object, "creator") || e.from(object, "workspace", "editor")

	// type record
	case "record#acl_view", "record#acl_edit": // [user, user:*, group#member]
		return e.direct(object, relation, uwgm)
	case "record#can_edit": // acl_edit or contributor from workspace
		return e.rel(object, "acl_edit") || e.from(object, "workspace", "contributor")
	case "record#can_view": // acl_view or can_edit or viewer from workspace
		return e.rel(object, "acl_view") || e.rel(object, "can_edit") || e.from(object, "workspace", "viewer")
	case "record#can_delete": // editor from workspace
		return e.from(object, "workspace", "editor")
	case "record#can_manage": // owner from workspace
		return e.from(object, "workspace", "owner")

	// type media
	case "media#acl_preview", "media#acl_view", "media#acl_download", "media#acl_edit": // [user, user:*, group#member]
		return e.direct(object, relation, uwgm)
	case "media#can_edit": // (acl_edit or contributor from workspace) and can_view from record
		return (e.rel(object, "acl_edit") || e.from(object, "workspace", "contributor")) &&
			e.from(object, "record", "can_view")
	case "media#can_download": // (acl_download or acl_edit or contributor from workspace) and can_view from record
		return (e.rel(object, "acl_download") || e.rel(object, "acl_edit") || e.from(object, "workspace", "contributor")) &&
			e.from(object, "record", "can_view")
	case "media#can_view": // (acl_view or acl_download or acl_edit or viewer from workspace) and can_view from record
		return (e.rel(object, "acl_view") || e.rel(object, "acl_download") || e.rel(object, "acl_edit") ||
			e.from(object, "workspace", "viewer")) &&
			e.from(object, "record", "can_view")
	case "media#can_preview": // (acl_preview or acl_view or acl_download or acl_edit or viewer from workspace) and can_view from record
		return (e.rel(object, "acl_preview") || e.rel(object, "acl_view") || e.rel(object, "acl_download") ||
			e.rel(object, "acl_edit") || e.from(object, "workspace", "viewer")) &&
			e.from(object, "record", "can_view")
	}
	// A relation the model does not define (or a tupleset such as
	// record#workspace asked as a permission) grants nothing.
	return false
}

// Account permissions: outside the reference model, which says nothing of
// administration. The product specification makes the built-in account
// roles bundles of account permissions (written out here from the
// specification's table, not from package authz) and lets an account define
// custom roles from the same permissions, held by users directly and by
// groups for their members (transitively), as role:ID#assignee tuples.
// manage_owners comes with the owner role alone: a custom role naming it
// does not give it.

// builtinBundles are the built-in roles' account permissions.
var builtinBundles = map[string][]string{
	"owner": {"manage_users", "manage_groups", "manage_workspaces", "manage_settings", "review_access", "manage_owners",
		"billing", "view_analytics", "manage_api_tokens", "import", "view_audit", "manage_roles"},
	"admin": {"manage_users", "manage_groups", "manage_workspaces", "manage_settings", "review_access",
		"view_analytics", "manage_api_tokens", "import", "view_audit", "manage_roles"},
	"developer":      {"manage_settings", "manage_api_tokens", "import"},
	"finance":        {"billing", "view_analytics"},
	"library_editor": {},
	"library_viewer": {},
}

// PutRole defines or changes custom role id of an account.
func (o *Oracle) PutRole(id, account string, perms []string) {
	o.roles[id] = customRole{account, append([]string(nil), perms...)}
}

// DeleteRole removes a custom role and every assignment of it.
func (o *Oracle) DeleteRole(id string) {
	delete(o.roles, id)
	o.deleteObject("role:" + id)
}

// AssignRoles makes subject ("user:ID" or "group:ID") hold exactly the
// custom roles ids, replacing the ones it held.
func (o *Oracle) AssignRoles(subject string, ids []string) {
	holder := tupleUser(subject)
	o.deleteWhere(func(t Tuple) bool {
		return strings.HasPrefix(t.Object, "role:") && t.Relation == "assignee" && t.User == holder
	})
	for _, id := range ids {
		o.write("role:"+id, "assignee", holder)
	}
}

// CanAccount reports whether user userID, active and of the account,
// holds account permission permission there: through a built-in role the
// model relates it to on the account, or a custom role of the account it
// is an assignee of (directly or as a member of a group).
func (o *Oracle) CanAccount(userID, account, permission string) bool {
	u, ok := o.users[userID]
	if !ok || u.status != "active" || u.account != account {
		return false
	}
	ev := &eval{o: o, user: "user:" + userID, visiting: map[string]bool{}}
	for role, perms := range builtinBundles {
		if contains(perms, permission) && ev.rel("account:"+account, role) {
			return true
		}
	}
	if permission == "manage_owners" {
		return false
	}
	for id, r := range o.roles {
		if r.account == account && contains(r.perms, permission) && ev.direct("role:"+id, "assignee", tUser|tGroupMember) {
			return true
		}
	}
	return false
}

// AccountPermissions returns, sorted, the account permissions CanAccount
// allows userID in its account, out of those named.
func (o *Oracle) AccountPermissions(userID string, names []string) []string {
	out := []string{}
	u, ok := o.users[userID]
	if !ok {
		return out
	}
	for _, p := range names {
		if o.CanAccount(userID, u.account, p) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
