package authz

// Step is one edge of a grant path, read "Subject Relation Object", e.g.
// "user:u1 member group:g1", "group:g1 editor workspace:w1",
// "workspace:w1 workspace record:r1" (the record's workspace is w1).
type Step struct {
	Subject  string `json:"subject"`
	Relation string `json:"relation"`
	Object   string `json:"object"`
}

// Path is one way a permission is granted. Via names the kind of grant:
// "workspace_member", "tier_grant", "account_role", "acl", "creator" or
// "moderation_hold" (the uploader or an approver of a held object).
type Path struct {
	Via   string `json:"via"`
	Steps []Step `json:"steps"`
}

// Reasons a check is denied.
const (
	DeniedUnknownSubject = "unknown_subject" // no such user
	DeniedInactive       = "subject_inactive"
	DeniedNotFound       = "object_not_found" // no such object in the subject's account
	DeniedUnsupported    = "permission_not_defined"
	DeniedNoGrant        = "no_grant"
	DeniedRecord         = "record_not_viewable" // media: granted, but the record is not visible
	DeniedHeld           = "held_for_moderation" // held (see Hold), and the user is neither its uploader nor an approver
)

// Explanation says why a check is allowed or denied.
type Explanation struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"` // set when denied
	// Paths lists every grant that satisfies the permission on the object
	// itself (for media: before the record condition).
	Paths []Path `json:"paths"`
	// Record explains can_view on a media object's record.
	Record *Explanation `json:"record,omitempty"`
	// Held says the object is held for moderation: only its hold (its
	// uploader, its approvers) counts until it is published.
	Held bool `json:"held,omitempty"`
}

// Explain answers Check with the paths of grants behind the answer.
func (e *Engine) Explain(userID string, p Permission, obj ObjectRef) Explanation {
	e.mu.RLock()
	defer e.mu.RUnlock()
	deny := func(reason string) Explanation { return Explanation{Reason: reason, Paths: []Path{}} }
	pid, ok := e.userPID[userID]
	if !ok || !e.principals[pid].defined {
		return deny(DeniedUnknownSubject)
	}
	u := e.principals[pid]
	if !u.active {
		return deny(DeniedInactive)
	}
	if obj.Type == Workspace {
		need, ok := workspaceRules[p]
		w := e.workspaces[obj.ID]
		if w == nil || w.account != u.account {
			return deny(DeniedNotFound)
		}
		if !ok {
			return deny(DeniedUnsupported)
		}
		ex := Explanation{Paths: e.wsPaths(u, w, need, nil)}
		ex.Allowed = len(ex.Paths) > 0
		if !ex.Allowed {
			ex.Reason = DeniedNoGrant
		}
		return ex
	}
	ti, o := e.lookup(obj)
	if o == nil || e.objWorkspace(ti, o).account != u.account {
		return deny(DeniedNotFound)
	}
	r, ok := rules[ti][p]
	if !ok {
		return deny(DeniedUnsupported)
	}
	return e.explainObj(u, ti, o, r)
}

func (e *Engine) explainObj(u *principal, ti int, o *object, r rule) Explanation {
	ref := ObjectRef{e.objs[ti].typ, o.id}.String()
	if o.held {
		return e.explainHeld(u, ti, o, r, ref)
	}
	w := e.objWorkspace(ti, o)
	tail := Step{"workspace:" + w.id, "workspace", ref}
	ex := Explanation{Paths: e.wsPaths(u, w, r.ws, &tail)}
	if r.acl > 0 {
		for _, en := range o.acl {
			if en.level >= r.acl && u.actsAs(en.pid) {
				grantee := e.principals[en.pid]
				steps := append(e.chain(u, en.pid), Step{principalName(grantee), "acl_" + LevelName(e.objs[ti].typ, en.level), ref})
				ex.Paths = append(ex.Paths, Path{Via: "acl", Steps: steps})
			}
		}
	}
	if r.creator && o.creator != noPrincipal && e.principals[o.creator] == u {
		ex.Paths = append(ex.Paths, Path{Via: "creator", Steps: []Step{{"user:" + u.id, "creator", ref}}})
	}
	ex.Allowed = len(ex.Paths) > 0
	if !ex.Allowed {
		ex.Reason = DeniedNoGrant
	}
	e.explainRecord(u, o, r, &ex)
	return ex
}

// explainRecord adds, for a media rule, the explanation of can_view on
// the media's record.
func (e *Engine) explainRecord(u *principal, o *object, r rule, ex *Explanation) {
	if !r.record {
		return
	}
	rec := &e.objs[idxRecord].objs[o.record]
	sub := e.explainObj(u, idxRecord, rec, rules[idxRecord][CanView])
	ex.Record = &sub
	if ex.Allowed && !sub.Allowed {
		ex.Allowed, ex.Reason = false, DeniedRecord
	}
}

// explainHeld explains a held object: the only paths are its hold's, read
// "user:U uploader OBJ" and "group:G approver OBJ" after the membership
// chain, under the relation they stand for in the model (acl_edit,
// acl_view or acl_download).
func (e *Engine) explainHeld(u *principal, ti int, o *object, r rule, ref string) Explanation {
	h := e.objs[ti].holds[o.id]
	ex := Explanation{Paths: []Path{}, Held: true}
	if r.acl > 0 {
		for _, en := range h.acl {
			if en.level >= r.acl && u.actsAs(en.pid) {
				role := "approver"
				if en.pid == h.uploader {
					role = "uploader"
				}
				steps := append(e.chain(u, en.pid), Step{principalName(e.principals[en.pid]), role + " (held for moderation: acl_" + LevelName(e.objs[ti].typ, en.level) + ")", ref})
				ex.Paths = append(ex.Paths, Path{Via: "moderation_hold", Steps: steps})
			}
		}
	}
	ex.Allowed = len(ex.Paths) > 0
	if !ex.Allowed {
		ex.Reason = DeniedHeld
	}
	e.explainRecord(u, o, r, &ex)
	return ex
}

// wsPaths lists the grants giving u at least role need on w; tail, if set,
// is appended to each path.
func (e *Engine) wsPaths(u *principal, w *workspace, need Role, tail *Step) []Path {
	paths := []Path{}
	add := func(via string, steps []Step) {
		if tail != nil {
			steps = append(steps, *tail)
		}
		paths = append(paths, Path{Via: via, Steps: steps})
	}
	wsName := "workspace:" + w.id
	for _, g := range w.members {
		if g.role >= need && u.actsAs(g.pid) {
			add("workspace_member", append(e.chain(u, g.pid), Step{principalName(e.principals[g.pid]), g.role.String(), wsName}))
		}
	}
	if t := w.tier; t != nil {
		for _, g := range t.grants {
			if g.role >= need && u.actsAs(g.pid) {
				add("tier_grant", append(e.chain(u, g.pid),
					Step{principalName(e.principals[g.pid]), g.role.String(), "tier:" + t.id},
					Step{"tier:" + t.id, "tier", wsName}))
			}
		}
	}
	acct := "account:" + u.account.id
	for role := AccountRole(0); role < numAccountRoles; role++ {
		if workspaceRoleFromAccount(Roles(0).With(role)) < need || need == NoRole {
			continue
		}
		if u.directRoles.Has(role) {
			add("account_role", []Step{{"user:" + u.id, role.String(), acct}, {acct, "account", wsName}})
		}
		if role == RoleOwner {
			continue // groups cannot hold the owner role
		}
		for _, gid := range u.closure {
			gp := e.principals[gid]
			if gp.kind == GroupSubject && gp.groupRoles.Has(role) {
				add("account_role", append(e.chain(u, gid), Step{principalName(gp), role.String(), acct}, Step{acct, "account", wsName}))
			}
		}
	}
	return paths
}

func principalName(p *principal) string {
	switch p.kind {
	case UserSubject:
		return "user:" + p.id
	case GroupSubject:
		return "group:" + p.id
	}
	return "everyone"
}

// chain returns the membership steps from user u to principal target (one
// of u's closure): none for u itself, "member everyone" for everyone, and
// the shortest chain of group memberships otherwise.
func (e *Engine) chain(u *principal, target uint32) []Step {
	tp := e.principals[target]
	switch tp.kind {
	case UserSubject:
		return nil
	case Everyone:
		return []Step{{"user:" + u.id, "member", "everyone"}}
	}
	type hop struct {
		pid  uint32
		prev int
	}
	queue := []hop{}
	seen := map[uint32]bool{}
	for _, g := range u.directGroups {
		if !seen[g] {
			seen[g] = true
			queue = append(queue, hop{g, -1})
		}
	}
	for i := 0; i < len(queue); i++ {
		if queue[i].pid == target {
			var rev []Step
			for j := i; j >= 0; j = queue[j].prev {
				from := "user:" + u.id
				if queue[j].prev >= 0 {
					from = principalName(e.principals[queue[queue[j].prev].pid])
				}
				rev = append(rev, Step{from, "member", principalName(e.principals[queue[j].pid])})
			}
			for l, r := 0, len(rev)-1; l < r; l, r = l+1, r-1 {
				rev[l], rev[r] = rev[r], rev[l]
			}
			return rev
		}
		for _, parent := range e.principals[queue[i].pid].parents {
			if !seen[parent] {
				seen[parent] = true
				queue = append(queue, hop{parent, i})
			}
		}
	}
	return nil
}
