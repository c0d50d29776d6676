package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// LoadAuth implements store.Reader. With refs nil it streams every entity;
// otherwise it loads the named ones in chunks and turns the missing ones
// into deletes.
func (r reader) LoadAuth(ctx context.Context, refs []store.Ref, fn func(authz.Op) error) error {
	var byKind map[store.Kind][]string
	if refs != nil {
		byKind = map[store.Kind][]string{}
		seen := map[store.Ref]bool{}
		for _, ref := range refs {
			if !seen[ref] {
				seen[ref] = true
				byKind[ref.Kind] = append(byKind[ref.Kind], ref.ID)
			}
		}
	}
	ids := func(k store.Kind) []string {
		if byKind == nil {
			return nil
		}
		return nonNil(byKind[k])
	}
	found := map[store.Ref]bool{}
	put := func(k store.Kind, id string, op authz.Op) error {
		if byKind != nil { // only partial loads turn the missing into deletes
			found[store.Ref{Kind: k, ID: id}] = true
		}
		return fn(op)
	}
	loaders := []func() error{
		func() error { return r.loadAccounts(ctx, ids(store.KindAccount), put) },
		func() error { return r.loadCustomRoles(ctx, ids(store.KindRole), put) },
		func() error { return r.loadUsers(ctx, ids(store.KindUser), put) },
		func() error { return r.loadGroups(ctx, ids(store.KindGroup), put) },
		func() error { return r.loadTiers(ctx, ids(store.KindTier), put) },
		func() error { return r.loadWorkspaces(ctx, ids(store.KindWorkspace), put) },
		func() error { return r.loadContent(ctx, authz.Record, ids(store.KindRecord), put) },
		func() error { return r.loadContent(ctx, authz.Media, ids(store.KindMedia), put) },
		func() error { return r.loadContent(ctx, authz.Collection, ids(store.KindCollection), put) },
	}
	for _, load := range loaders {
		if err := load(); err != nil {
			return err
		}
	}
	if byKind == nil {
		return nil
	}
	// Deletes, content first.
	for i := len(store.Kinds) - 1; i >= 0; i-- {
		k := store.Kinds[i]
		for _, id := range byKind[k] {
			if found[store.Ref{Kind: k, ID: id}] {
				continue
			}
			var op authz.Op
			switch k {
			case store.KindGroup:
				op = authz.DeleteGroup{ID: id}
			case store.KindTier:
				op = authz.DeleteTier{ID: id}
			case store.KindWorkspace:
				op = authz.DeleteWorkspace{ID: id}
			case store.KindRecord:
				op = authz.DeleteObject{Ref: authz.ObjectRef{Type: authz.Record, ID: id}}
			case store.KindMedia:
				op = authz.DeleteObject{Ref: authz.ObjectRef{Type: authz.Media, ID: id}}
			case store.KindCollection:
				op = authz.DeleteObject{Ref: authz.ObjectRef{Type: authz.Collection, ID: id}}
			case store.KindUser:
				op = authz.DeleteUser{ID: id}
			case store.KindRole:
				op = authz.DeleteRole{ID: id}
			default:
				return fmt.Errorf("load auth: %s %s was deleted, which the store never does", k, id)
			}
			if err := fn(op); err != nil {
				return err
			}
		}
	}
	return nil
}

type putFunc func(k store.Kind, id string, op authz.Op) error

func (r reader) loadAccounts(ctx context.Context, ids []string, put putFunc) error {
	return inChunks("id", ids, func(where string, args []any, chunk []string) error {
		return r.collect(ctx, "load accounts", `SELECT id FROM accounts`+where+` ORDER BY id`, args, func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			return put(store.KindAccount, id, authz.PutAccount{ID: id})
		})
	})
}

func rolesOf(names []string) (authz.Roles, error) { return authz.ParseRoles(names) }

func (r reader) loadCustomRoles(ctx context.Context, ids []string, put putFunc) error {
	return inChunks("id", ids, func(where string, args []any, chunk []string) error {
		return r.collect(ctx, "load custom roles", `SELECT id, account_id, permissions FROM custom_roles`+where+` ORDER BY id`, args, func(rows *sql.Rows) error {
			var id, acct, perms string
			if err := rows.Scan(&id, &acct, &perms); err != nil {
				return err
			}
			var names []string
			if err := json.Unmarshal([]byte(perms), &names); err != nil {
				return fmt.Errorf("custom role %s permissions: %w", id, err)
			}
			ps, err := authz.ParsePermissions(names)
			if err != nil {
				return fmt.Errorf("custom role %s: %w", id, err)
			}
			return put(store.KindRole, id, authz.PutRole{ID: id, Account: acct, Permissions: ps})
		})
	})
}

func (r reader) loadUsers(ctx context.Context, ids []string, put putFunc) error {
	return inChunks("id", ids, func(where string, args []any, chunk []string) error {
		roles, err := r.roles(ctx, "user_roles", "user_id", chunk)
		if err != nil {
			return err
		}
		granted, err := r.accessGrants(ctx, "account", chunk)
		if err != nil {
			return err
		}
		custom, err := r.heldCustomRoles(ctx, "user_custom_roles", "user_id", chunk)
		if err != nil {
			return err
		}
		return r.collect(ctx, "load users", `SELECT id, account_id, status, access FROM users`+where+` ORDER BY id`, args, func(rows *sql.Rows) error {
			var id, acct, status, access string
			if err := rows.Scan(&id, &acct, &status, &access); err != nil {
				return err
			}
			rs, err := rolesOf(roles[id])
			if err != nil {
				return err
			}
			if rs, err = withGrantedRoles(rs, granted[id]); err != nil {
				return err
			}
			apps, err := authz.ParseApps(splitList(access))
			if err != nil {
				return fmt.Errorf("user %s: %w", id, err)
			}
			return put(store.KindUser, id, authz.PutUser{ID: id, Account: acct, Active: status == string(domain.StatusActive), Roles: rs, CustomRoles: custom[id], Apps: apps})
		})
	})
}

func (r reader) loadGroups(ctx context.Context, ids []string, put putFunc) error {
	return inChunks("id", ids, func(where string, args []any, chunk []string) error {
		roles, err := r.roles(ctx, "group_roles", "group_id", chunk)
		if err != nil {
			return err
		}
		members, err := r.groupMembers(ctx, chunk)
		if err != nil {
			return err
		}
		custom, err := r.heldCustomRoles(ctx, "group_custom_roles", "group_id", chunk)
		if err != nil {
			return err
		}
		return r.collect(ctx, "load groups", `SELECT id, account_id FROM groups`+where+` ORDER BY id`, args, func(rows *sql.Rows) error {
			var id, acct string
			if err := rows.Scan(&id, &acct); err != nil {
				return err
			}
			rs, err := rolesOf(roles[id])
			if err != nil {
				return err
			}
			return put(store.KindGroup, id, authz.PutGroup{ID: id, Account: acct, Members: members[id], Roles: rs, CustomRoles: custom[id]})
		})
	})
}

func engineGrants(gs []domain.Grant) ([]authz.RoleGrant, error) {
	out := make([]authz.RoleGrant, 0, len(gs))
	for _, g := range gs {
		role, err := authz.ParseRole(g.Role)
		if err != nil {
			return nil, err
		}
		out = append(out, authz.RoleGrant{Subject: g.Subject, Role: role})
	}
	return out, nil
}

func (r reader) loadTiers(ctx context.Context, ids []string, put putFunc) error {
	return inChunks("id", ids, func(where string, args []any, chunk []string) error {
		grants, err := r.grants(ctx, "tier_grants", "tier_id", chunk)
		if err != nil {
			return err
		}
		return r.collect(ctx, "load tiers", `SELECT id, account_id FROM tiers`+where+` ORDER BY id`, args, func(rows *sql.Rows) error {
			var id, acct string
			if err := rows.Scan(&id, &acct); err != nil {
				return err
			}
			gs, err := engineGrants(grants[id])
			if err != nil {
				return err
			}
			return put(store.KindTier, id, authz.PutTier{ID: id, Account: acct, Grants: gs})
		})
	})
}

func (r reader) loadWorkspaces(ctx context.Context, ids []string, put putFunc) error {
	return inChunks("id", ids, func(where string, args []any, chunk []string) error {
		grants, err := r.grants(ctx, "workspace_members", "workspace_id", chunk)
		if err != nil {
			return err
		}
		granted, err := r.accessGrants(ctx, "workspace", chunk)
		if err != nil {
			return err
		}
		return r.collect(ctx, "load workspaces", `SELECT id, account_id, tier_id FROM workspaces`+where+` ORDER BY id`, args, func(rows *sql.Rows) error {
			var id, acct string
			var tier sql.NullString
			if err := rows.Scan(&id, &acct, &tier); err != nil {
				return err
			}
			gs, err := engineGrants(grants[id])
			if err != nil {
				return err
			}
			if gs, err = withGrantedMembers(gs, granted[id]); err != nil {
				return err
			}
			return put(store.KindWorkspace, id, authz.PutWorkspace{ID: id, Account: acct, Tier: tier.String, Members: gs})
		})
	})
}

var contentKinds = map[authz.ObjectType]struct {
	kind  store.Kind
	query string
}{
	authz.Record:     {store.KindRecord, `SELECT id, workspace_id, title, description, keywords, fields, media_type, created_at, updated_at FROM records`},
	authz.Media:      {store.KindMedia, `SELECT id, record_id FROM media`},
	authz.Collection: {store.KindCollection, `SELECT id, workspace_id, creator_id FROM collections`},
}

// contentRow is one object's row, without its ACL.
type contentRow struct {
	id, parent string
	creator    sql.NullString
	meta       authz.RecordMeta
}

func scanContent(t authz.ObjectType, rows *sql.Rows) (contentRow, error) {
	var c contentRow
	switch t {
	case authz.Record:
		var keywords, fields string
		err := rows.Scan(&c.id, &c.parent, &c.meta.Title, &c.meta.Description, &keywords, &fields, &c.meta.MediaType, &c.meta.Created, &c.meta.Updated)
		if err != nil {
			return c, err
		}
		// Most records have neither; skip the decoder for them.
		if keywords != "[]" {
			if err := json.Unmarshal([]byte(keywords), &c.meta.Keywords); err != nil {
				return c, fmt.Errorf("record %s keywords: %w", c.id, err)
			}
		}
		if fields != "{}" {
			if err := json.Unmarshal([]byte(fields), &c.meta.Fields); err != nil {
				return c, fmt.Errorf("record %s fields: %w", c.id, err)
			}
		}
		return c, nil
	case authz.Media:
		return c, rows.Scan(&c.id, &c.parent)
	}
	return c, rows.Scan(&c.id, &c.parent, &c.creator)
}

func (c contentRow) op(t authz.ObjectType, acl []authz.ACLEntry, records map[string][]string, holds map[string]*authz.Hold) authz.Op {
	switch t {
	case authz.Record:
		return authz.PutRecord{ID: c.id, Workspace: c.parent, ACL: acl, Meta: c.meta, Hold: holds[c.id]}
	case authz.Media:
		return authz.PutMedia{ID: c.id, Record: c.parent, ACL: acl, Hold: holds[c.id]}
	}
	return authz.PutCollection{ID: c.id, Workspace: c.parent, Creator: c.creator.String, ACL: acl, Records: records[c.id]}
}

// objectTable names the table of a content type's objects.
func objectTable(t authz.ObjectType) string {
	switch t {
	case authz.Record:
		return "records"
	case authz.Media:
		return "media"
	}
	return "collections"
}

// collectionRecords returns the record ids of the given collections (all
// collections when ids is nil), by collection.
func (r reader) collectionRecords(ctx context.Context, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	err := inChunks("collection_id", ids, func(where string, args []any, chunk []string) error {
		return r.collect(ctx, "load collection records", `SELECT collection_id, record_id FROM collection_records`+where+` ORDER BY collection_id, record_id`, args, func(rows *sql.Rows) error {
			var c, rec string
			if err := rows.Scan(&c, &rec); err != nil {
				return err
			}
			out[c] = append(out[c], rec)
			return nil
		})
	})
	return out, err
}

// loadContent loads records, media or collections: all of them in id order
// with their ACLs merged in (loadAllContent), or the given ones.
func (r reader) loadContent(ctx context.Context, t authz.ObjectType, ids []string, put putFunc) error {
	if ids == nil {
		return r.loadAllContent(ctx, t, put)
	}
	ck := contentKinds[t]
	return inChunks("id", ids, func(where string, args []any, chunk []string) error {
		acls, err := r.acls(ctx, t, chunk)
		if err != nil {
			return err
		}
		granted, err := r.accessGrants(ctx, t.String(), chunk)
		if err != nil {
			return err
		}
		var records map[string][]string
		if t == authz.Collection {
			if records, err = r.collectionRecords(ctx, chunk); err != nil {
				return err
			}
		}
		holds, err := r.holds(ctx, t, chunk)
		if err != nil {
			return err
		}
		return r.collect(ctx, "load "+t.String(), ck.query+where+` ORDER BY id`, args, func(rows *sql.Rows) error {
			c, err := scanContent(t, rows)
			if err != nil {
				return err
			}
			acl, err := domain.WithGrantedACL(t, domain.EngineACL(t, acls[c.id]), granted[c.id])
			if err != nil {
				return err
			}
			return put(ck.kind, c.id, c.op(t, acl, records, holds))
		})
	})
}

// loadAllContent streams every object of a type and merges in its ACL
// rows, both read in id order from their primary keys, so a full load
// builds no map of the whole ACL table.
func (r reader) loadAllContent(ctx context.Context, t authz.ObjectType, put putFunc) error {
	ck := contentKinds[t]
	var n int
	if err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM `+objectTable(t)).Scan(&n); err != nil {
		return r.wrap("count "+t.String(), err)
	}
	if n > 0 {
		if err := put(ck.kind, "", authz.Reserve{Type: t, N: n}); err != nil {
			return err
		}
	}
	acl, err := r.q.QueryContext(ctx, `SELECT object_id, subject, permission FROM `+aclTable(t)+` ORDER BY object_id, subject`)
	if err != nil {
		return r.wrap("load "+t.String()+" ACLs", err)
	}
	defer acl.Close()
	var aclID, aclSubject, aclPerm string
	aclMore := acl.Next()
	if aclMore {
		if err := acl.Scan(&aclID, &aclSubject, &aclPerm); err != nil {
			return r.wrap("load "+t.String()+" ACLs", err)
		}
	}
	advance := func() error {
		aclMore = acl.Next()
		if aclMore {
			return acl.Scan(&aclID, &aclSubject, &aclPerm)
		}
		return acl.Err()
	}
	var records map[string][]string
	if t == authz.Collection {
		if records, err = r.collectionRecords(ctx, nil); err != nil {
			return err
		}
	}
	// Standing grants are few: all of them fit in a map. So do holds,
	// which wait for a decision.
	granted, err := r.accessGrants(ctx, t.String(), nil)
	if err != nil {
		return err
	}
	holds, err := r.holds(ctx, t, nil)
	if err != nil {
		return err
	}
	err = r.collect(ctx, "load "+t.String(), ck.query+` ORDER BY id`, nil, func(rows *sql.Rows) error {
		c, err := scanContent(t, rows)
		if err != nil {
			return err
		}
		id := c.id
		// ACL rows of objects that sort before id cannot exist (foreign
		// keys); skip defensively all the same.
		for aclMore && aclID < id {
			if err := advance(); err != nil {
				return err
			}
		}
		var entries []authz.ACLEntry
		for aclMore && aclID == id {
			subj, err := parseStoredSubject(aclSubject)
			if err != nil {
				return fmt.Errorf("%s %s ACL: %w", t, id, err)
			}
			level, err := authz.ParseACLPermission(t, aclPerm)
			if err != nil {
				return fmt.Errorf("%s %s ACL: %w", t, id, err)
			}
			if n := len(entries); n > 0 && entries[n-1].Subject == subj {
				entries[n-1].Level = max(entries[n-1].Level, level)
			} else {
				entries = append(entries, authz.ACLEntry{Subject: subj, Level: level})
			}
			if err := advance(); err != nil {
				return err
			}
		}
		if gs := granted[id]; gs != nil {
			if entries, err = domain.WithGrantedACL(t, entries, gs); err != nil {
				return err
			}
		}
		return put(ck.kind, id, c.op(t, entries, records, holds))
	})
	if err != nil {
		return err
	}
	return r.wrap("load "+t.String()+" ACLs", acl.Err())
}
