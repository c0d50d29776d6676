package authz

import (
	"fmt"
	"slices"
	"sort"
)

// ACLEffect is what a proposed ACL would change for one permission: the
// active users who would gain it and those who would lose it, each sorted.
type ACLEffect struct {
	Permission Permission
	Gain, Lose []string
}

// WhatIfACL answers, without changing anything, who would gain or lose
// each permission of obj's type if obj's ACL were acl, everything else as
// it is (the what-if of an ACL change). The answer for the proposed ACL
// comes from the very rules Check applies, evaluated on a copy of the
// object, so it cannot drift from what saving the ACL would do. A held
// object's ACL does not count until it is published, so for it nothing
// changes. Subjects the engine does not know yet (a user or group without
// any grant) hold nothing, so they change nothing.
func (e *Engine) WhatIfACL(obj ObjectRef, acl []ACLEntry) ([]ACLEffect, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	ti, o := e.lookup(obj)
	if o == nil {
		return nil, fmt.Errorf("%s: no such object", obj)
	}
	a := e.objWorkspace(ti, o).account
	maxLevel := Level(len(aclPermissionNames[e.objs[ti].typ]))
	proposed := *o
	proposed.acl = make([]aclEntry, 0, len(acl))
	for _, en := range acl {
		if en.Level == 0 || en.Level > maxLevel {
			return nil, fmt.Errorf("%s: invalid ACL level %d", obj, en.Level)
		}
		var pid uint32
		if en.Subject.Kind == Everyone {
			pid = a.everyone
		} else {
			var ok bool
			if pid, ok = e.pidOf(en.Subject, false); !ok {
				continue
			}
			if p := e.principals[pid]; p.account != nil && p.account != a {
				return nil, fmt.Errorf("subject %v belongs to another account", en.Subject)
			}
		}
		i := slices.IndexFunc(proposed.acl, func(x aclEntry) bool { return x.pid == pid })
		if i >= 0 {
			proposed.acl[i].level = max(proposed.acl[i].level, en.Level)
		} else {
			proposed.acl = append(proposed.acl, aclEntry{pid, en.Level})
		}
	}
	var out []ACLEffect
	for _, p := range SupportedPermissions(obj.Type) {
		r := rules[ti][p]
		eff := ACLEffect{Permission: p, Gain: []string{}, Lose: []string{}}
		for _, pid := range a.users {
			u := e.principals[pid]
			if !u.active {
				continue
			}
			before, after := e.checkObj(u, ti, o, r), e.checkObj(u, ti, &proposed, r)
			switch {
			case after && !before:
				eff.Gain = append(eff.Gain, u.id)
			case before && !after:
				eff.Lose = append(eff.Lose, u.id)
			}
		}
		sort.Strings(eff.Gain)
		sort.Strings(eff.Lose)
		out = append(out, eff)
	}
	return out, nil
}
