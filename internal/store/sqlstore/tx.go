package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// txn implements store.Tx.
type txn struct {
	reader
	now     time.Time
	rev     uint64
	changed map[store.Ref]bool
	reload  bool
	tx      *sql.Tx
	// stmts caches the transaction's prepared write statements: bulk
	// writes (imports, batch ACL edits) repeat a handful of them.
	stmts map[string]*sql.Stmt
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) (rev uint64, err error) {
	tx, err := s.rw.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
		}
	}()
	t := &txn{
		reader:  reader{q: tx, d: s.d},
		now:     time.Now().UTC().Truncate(time.Microsecond),
		changed: map[store.Ref]bool{},
		tx:      tx,
		stmts:   map[string]*sql.Stmt{},
	}
	if err := tx.QueryRowContext(ctx, `UPDATE revision SET rev = rev + 1 WHERE id = 1 RETURNING rev`).Scan(&t.rev); err != nil {
		return 0, t.wrap("advance revision", err)
	}
	if err := fn(t); err != nil {
		return 0, err
	}
	if t.reload {
		if _, err := tx.ExecContext(ctx, `UPDATE revision SET pruned_through = rev WHERE id = 1`); err != nil {
			return 0, t.wrap("mark reload", err)
		}
	} else if err := t.logChanges(ctx); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, t.wrap("commit", err)
	}
	committed = true
	return t.rev, nil
}

// logChanges writes the transaction's touched entities to the change log.
func (t *txn) logChanges(ctx context.Context) error {
	byKind := map[store.Kind][]string{}
	for ref := range t.changed {
		byKind[ref.Kind] = append(byKind[ref.Kind], ref.ID)
	}
	for kind, ids := range byKind {
		for len(ids) > 0 {
			n := min(len(ids), chunkSize)
			err := t.exec(ctx, "log changes", `INSERT INTO changes (rev, kind, id, at) SELECT $1, $2, value, $3 FROM json_each($4)`,
				t.rev, string(kind), micros(t.now), jsonIDs(ids[:n]))
			if err != nil {
				return err
			}
			ids = ids[n:]
		}
	}
	return nil
}

// Snapshot implements store.Store.
func (s *Store) Snapshot(ctx context.Context, fn func(store.Reader) error) error {
	tx, err := s.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	defer tx.Rollback()
	return fn(reader{q: tx, d: s.d})
}

// InstanceSecret implements store.Store. It does not advance the revision:
// it changes nothing clients can see.
func (s *Store) InstanceSecret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	tx, err := s.rw.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	r := reader{q: tx, d: s.d}
	if _, err := tx.ExecContext(ctx, `INSERT INTO instance_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
		name, hex.EncodeToString(fresh), micros(time.Now())); err != nil {
		return nil, r.wrap("store secret "+name, err)
	}
	var v string
	if err := tx.QueryRowContext(ctx, `SELECT value FROM instance_secrets WHERE name = $1`, name).Scan(&v); err != nil {
		return nil, r.wrap("read secret "+name, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, r.wrap("commit", err)
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("secret %s is damaged", name)
	}
	return b, nil
}

// PruneChanges implements store.Store.
func (s *Store) PruneChanges(ctx context.Context, olderThan time.Duration) error {
	_, err := s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*txn)
		cutoff := micros(t.now.Add(-olderThan))
		var through sql.NullInt64
		if err := t.q.QueryRowContext(ctx, `SELECT max(rev) FROM changes WHERE at < $1`, cutoff).Scan(&through); err != nil {
			return t.wrap("prune changes", err)
		}
		if !through.Valid {
			return nil
		}
		if _, err := t.q.ExecContext(ctx, `DELETE FROM changes WHERE rev <= $1`, through.Int64); err != nil {
			return t.wrap("prune changes", err)
		}
		_, err := t.q.ExecContext(ctx, `UPDATE revision SET pruned_through = $1 WHERE id = 1 AND pruned_through < $1`, through.Int64)
		return t.wrap("prune changes", err)
	})
	return err
}

func (t *txn) Now() time.Time { return t.now }

func (t *txn) RequireReload() { t.reload = true }

func (t *txn) touch(k store.Kind, id string) {
	if !t.reload {
		t.changed[store.Ref{Kind: k, ID: id}] = true
	}
}

// run executes a write through the transaction's statement cache.
func (t *txn) run(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, ok := t.stmts[query]
	if !ok {
		var err error
		if st, err = t.tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		t.stmts[query] = st
	}
	return st.ExecContext(ctx, args...)
}

func (t *txn) exec(ctx context.Context, op, query string, args ...any) error {
	_, err := t.run(ctx, query, args...)
	return t.wrap(op, err)
}

// execOne runs a statement that must change exactly one row.
func (t *txn) execOne(ctx context.Context, op, query string, args ...any) error {
	res, err := t.run(ctx, query, args...)
	if err != nil {
		return t.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.wrap(op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	return nil
}

// ---- accounts

func (t *txn) CreateAccount(ctx context.Context, a domain.Account) error {
	t.touch(store.KindAccount, a.ID)
	return t.exec(ctx, "create account "+a.ID, `INSERT INTO accounts (`+accountCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.ID, a.Name, a.Limits.MaxUsers, a.Limits.MaxWorkspaces, a.Limits.MaxStorageBytes, micros(t.now), a.Limits.MaxShareLinks, a.Limits.MaxShareLinkDays)
}

func (t *txn) UpdateAccount(ctx context.Context, a domain.Account) error {
	return t.execOne(ctx, "update account "+a.ID, `UPDATE accounts SET name = $2, max_users = $3, max_workspaces = $4, max_storage_bytes = $5,
		max_share_links = $6, max_share_link_days = $7 WHERE id = $1`,
		a.ID, a.Name, a.Limits.MaxUsers, a.Limits.MaxWorkspaces, a.Limits.MaxStorageBytes, a.Limits.MaxShareLinks, a.Limits.MaxShareLinkDays)
}

// ---- users

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps and slices of strings are stored
	}
	return string(b)
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func (t *txn) setUserRoles(ctx context.Context, id string, roles []string) error {
	if err := t.exec(ctx, "set roles", `DELETE FROM user_roles WHERE user_id = $1`, id); err != nil {
		return err
	}
	for _, r := range roles {
		if err := t.exec(ctx, "set roles", `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, id, r); err != nil {
			return err
		}
	}
	return nil
}

// setCustomRoles replaces the custom roles a user or group holds, in
// table (user_custom_roles or group_custom_roles).
func (t *txn) setCustomRoles(ctx context.Context, table, col, id string, roles []string) error {
	if err := t.exec(ctx, "set custom roles", `DELETE FROM `+table+` WHERE `+col+` = $1`, id); err != nil {
		return err
	}
	for _, r := range roles {
		if err := t.exec(ctx, "set custom role "+r, `INSERT INTO `+table+` (`+col+`, role_id) VALUES ($1, $2)`, id, r); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) CreateUser(ctx context.Context, u domain.User, passwordHash string) error {
	t.touch(store.KindUser, u.ID)
	err := t.exec(ctx, "create user "+u.Username, `INSERT INTO users (`+userCols+`, email_key, password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		u.ID, u.AccountID, u.Username, u.Email, u.DisplayName, string(u.Status), strings.Join(u.Access, ","), jsonText(nonNilMap(u.Fields)),
		micros(t.now), micros(t.now), u.EmailVerified, strings.ToLower(u.Email), passwordHash)
	if err != nil {
		return err
	}
	if err := t.setUserRoles(ctx, u.ID, u.Roles); err != nil {
		return err
	}
	return t.setCustomRoles(ctx, "user_custom_roles", "user_id", u.ID, u.CustomRoles)
}

func (t *txn) UpdateUser(ctx context.Context, u domain.User) error {
	t.touch(store.KindUser, u.ID)
	err := t.execOne(ctx, "update user "+u.ID, `UPDATE users SET email = $2, email_key = $3, display_name = $4, status = $5, access = $6, fields = $7, updated_at = $8, email_verified = $9 WHERE id = $1`,
		u.ID, u.Email, strings.ToLower(u.Email), u.DisplayName, string(u.Status), strings.Join(u.Access, ","), jsonText(nonNilMap(u.Fields)), micros(t.now), u.EmailVerified)
	if err != nil {
		return err
	}
	if err := t.setUserRoles(ctx, u.ID, u.Roles); err != nil {
		return err
	}
	return t.setCustomRoles(ctx, "user_custom_roles", "user_id", u.ID, u.CustomRoles)
}

func (t *txn) SetPassword(ctx context.Context, userID, hash string) error {
	return t.execOne(ctx, "set password", `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`, userID, hash, micros(t.now))
}

func (t *txn) DeleteUser(ctx context.Context, id string) error {
	t.touch(store.KindUser, id)
	// Everything whose engine form names the user changes with it.
	touches := []struct {
		kind  store.Kind
		query string
	}{
		{store.KindGroup, `SELECT group_id FROM group_users WHERE user_id = $1`},
		{store.KindTier, `SELECT DISTINCT tier_id FROM tier_grants WHERE user_id = $1`},
		{store.KindWorkspace, `SELECT DISTINCT workspace_id FROM workspace_members WHERE user_id = $1`},
		{store.KindRecord, `SELECT DISTINCT object_id FROM record_acl WHERE user_id = $1`},
		{store.KindMedia, `SELECT DISTINCT object_id FROM media_acl WHERE user_id = $1`},
		{store.KindCollection, `SELECT DISTINCT object_id FROM collection_acl WHERE user_id = $1 UNION SELECT id FROM collections WHERE creator_id = $1`},
		{store.KindSession, `SELECT id_hash FROM sessions WHERE user_id = $1`},
		{store.KindToken, `SELECT id FROM api_tokens WHERE user_id = $1 AND revoked_at = 0`},
	}
	for _, tc := range touches {
		if err := t.touchAll(ctx, tc.kind, tc.query, id); err != nil {
			return err
		}
	}
	for _, q := range []string{
		`DELETE FROM tier_grants WHERE user_id = $1`,
		`DELETE FROM workspace_members WHERE user_id = $1`,
		`DELETE FROM record_acl WHERE user_id = $1`,
		`DELETE FROM media_acl WHERE user_id = $1`,
		`DELETE FROM collection_acl WHERE user_id = $1`,
		`DELETE FROM default_acls WHERE user_id = $1`,
		`UPDATE records SET created_by = NULL WHERE created_by = $1`,
		`UPDATE collections SET creator_id = NULL WHERE creator_id = $1`,
		`DELETE FROM sessions WHERE user_id = $1`,
		`DELETE FROM api_tokens WHERE user_id = $1`,
	} {
		if err := t.exec(ctx, "delete user "+id, q, id); err != nil {
			return err
		}
	}
	// user_roles, group_users and user_tokens cascade.
	return t.execOne(ctx, "delete user "+id, `DELETE FROM users WHERE id = $1`, id)
}

// ---- groups

func (t *txn) setGroupRoles(ctx context.Context, id string, roles []string) error {
	if err := t.exec(ctx, "set group roles", `DELETE FROM group_roles WHERE group_id = $1`, id); err != nil {
		return err
	}
	for _, r := range roles {
		if err := t.exec(ctx, "set group roles", `INSERT INTO group_roles (group_id, role) VALUES ($1, $2)`, id, r); err != nil {
			return err
		}
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t *txn) CreateGroup(ctx context.Context, g domain.Group) error {
	t.touch(store.KindGroup, g.ID)
	err := t.exec(ctx, "create group "+g.Name, `INSERT INTO groups (`+groupCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		g.ID, g.AccountID, g.Name, g.Description, nullable(g.Builtin), micros(t.now))
	if err != nil {
		return err
	}
	if err := t.setGroupRoles(ctx, g.ID, g.Roles); err != nil {
		return err
	}
	if err := t.setCustomRoles(ctx, "group_custom_roles", "group_id", g.ID, g.CustomRoles); err != nil {
		return err
	}
	for _, m := range g.Members {
		if err := t.AddGroupMember(ctx, g.ID, m); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) UpdateGroup(ctx context.Context, g domain.Group) error {
	t.touch(store.KindGroup, g.ID)
	if err := t.execOne(ctx, "update group "+g.ID, `UPDATE groups SET name = $2, description = $3 WHERE id = $1`, g.ID, g.Name, g.Description); err != nil {
		return err
	}
	if err := t.setGroupRoles(ctx, g.ID, g.Roles); err != nil {
		return err
	}
	return t.setCustomRoles(ctx, "group_custom_roles", "group_id", g.ID, g.CustomRoles)
}

// ---- custom roles

func (t *txn) CreateCustomRole(ctx context.Context, r domain.CustomRole) error {
	t.touch(store.KindRole, r.ID)
	return t.exec(ctx, "create custom role "+r.Name, `INSERT INTO custom_roles (`+customRoleCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		r.ID, r.AccountID, r.Name, r.Description, jsonText(nonNilList(r.Permissions)), micros(t.now), micros(t.now))
}

func (t *txn) UpdateCustomRole(ctx context.Context, r domain.CustomRole) error {
	t.touch(store.KindRole, r.ID)
	return t.execOne(ctx, "update custom role "+r.ID, `UPDATE custom_roles SET name = $2, description = $3, permissions = $4, updated_at = $5 WHERE id = $1`,
		r.ID, r.Name, r.Description, jsonText(nonNilList(r.Permissions)), micros(t.now))
}

// DeleteCustomRole relies on the holders' references, which are not
// cascaded: deleting a role still held fails as a conflict.
func (t *txn) DeleteCustomRole(ctx context.Context, id string) error {
	t.touch(store.KindRole, id)
	return t.execOne(ctx, "delete custom role "+id, `DELETE FROM custom_roles WHERE id = $1`, id)
}

func (t *txn) DeleteGroup(ctx context.Context, id string) error {
	t.touch(store.KindGroup, id)
	// Parents lose a member: they change too.
	var parents []string
	err := t.collect(ctx, "delete group", `SELECT group_id FROM group_groups WHERE member_group_id = $1`, []any{id}, func(rows *sql.Rows) error {
		var p string
		err := rows.Scan(&p)
		parents = append(parents, p)
		return err
	})
	if err != nil {
		return err
	}
	for _, p := range parents {
		t.touch(store.KindGroup, p)
	}
	for _, table := range []string{"record_acl", "media_acl", "collection_acl"} {
		kind := map[string]store.Kind{"record_acl": store.KindRecord, "media_acl": store.KindMedia, "collection_acl": store.KindCollection}[table]
		err := t.collect(ctx, "delete group", `SELECT DISTINCT object_id FROM `+table+` WHERE group_id = $1`, []any{id}, func(rows *sql.Rows) error {
			var oid string
			err := rows.Scan(&oid)
			t.touch(kind, oid)
			return err
		})
		if err != nil {
			return err
		}
	}
	return t.execOne(ctx, "delete group "+id, `DELETE FROM groups WHERE id = $1`, id)
}

func (t *txn) AddGroupMember(ctx context.Context, groupID string, m authz.Subject) error {
	t.touch(store.KindGroup, groupID)
	switch m.Kind {
	case authz.UserSubject:
		return t.exec(ctx, "add group member", `INSERT INTO group_users (group_id, user_id) VALUES ($1, $2)`, groupID, m.ID)
	case authz.GroupSubject:
		return t.exec(ctx, "add group member", `INSERT INTO group_groups (group_id, member_group_id) VALUES ($1, $2)`, groupID, m.ID)
	}
	return fmt.Errorf("add group member %v: %w", m, store.ErrConflict)
}

func (t *txn) RemoveGroupMember(ctx context.Context, groupID string, m authz.Subject) error {
	t.touch(store.KindGroup, groupID)
	switch m.Kind {
	case authz.UserSubject:
		return t.execOne(ctx, "remove group member", `DELETE FROM group_users WHERE group_id = $1 AND user_id = $2`, groupID, m.ID)
	case authz.GroupSubject:
		return t.execOne(ctx, "remove group member", `DELETE FROM group_groups WHERE group_id = $1 AND member_group_id = $2`, groupID, m.ID)
	}
	return fmt.Errorf("remove group member %v: %w", m, store.ErrNotFound)
}

// ---- tiers and workspaces

// subjectCols returns the user_id and group_id columns for a subject.
func subjectCols(s authz.Subject) (user, group any) {
	switch s.Kind {
	case authz.UserSubject:
		if s.ID == store.DefaultCreator {
			return nil, nil
		}
		return s.ID, nil
	case authz.GroupSubject:
		return nil, s.ID
	}
	return nil, nil
}

func (t *txn) setGrant(ctx context.Context, table, col, id string, g domain.Grant) error {
	u, gr := subjectCols(g.Subject)
	if err := t.exec(ctx, "set grant", `DELETE FROM `+table+` WHERE `+col+` = $1 AND subject = $2`, id, g.Subject.String()); err != nil {
		return err
	}
	return t.exec(ctx, "set grant", `INSERT INTO `+table+` (`+col+`, subject, user_id, group_id, role) VALUES ($1, $2, $3, $4, $5)`,
		id, g.Subject.String(), u, gr, g.Role)
}

func (t *txn) CreateTier(ctx context.Context, tr domain.Tier) error {
	t.touch(store.KindTier, tr.ID)
	err := t.exec(ctx, "create tier "+tr.Name, `INSERT INTO tiers (`+tierCols+`) VALUES ($1, $2, $3, $4, $5)`,
		tr.ID, tr.AccountID, tr.Name, tr.Description, micros(t.now))
	if err != nil {
		return err
	}
	for _, g := range tr.Grants {
		if err := t.setGrant(ctx, "tier_grants", "tier_id", tr.ID, g); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) UpdateTier(ctx context.Context, tr domain.Tier) error {
	return t.execOne(ctx, "update tier "+tr.ID, `UPDATE tiers SET name = $2, description = $3 WHERE id = $1`, tr.ID, tr.Name, tr.Description)
}

func (t *txn) DeleteTier(ctx context.Context, id string) error {
	t.touch(store.KindTier, id)
	return t.execOne(ctx, "delete tier "+id, `DELETE FROM tiers WHERE id = $1`, id)
}

func (t *txn) SetTierGrant(ctx context.Context, tierID string, g domain.Grant) error {
	t.touch(store.KindTier, tierID)
	return t.setGrant(ctx, "tier_grants", "tier_id", tierID, g)
}

func (t *txn) RemoveTierGrant(ctx context.Context, tierID string, s authz.Subject) error {
	t.touch(store.KindTier, tierID)
	return t.execOne(ctx, "remove tier grant", `DELETE FROM tier_grants WHERE tier_id = $1 AND subject = $2`, tierID, s.String())
}

func (t *txn) CreateWorkspace(ctx context.Context, w domain.Workspace) error {
	t.touch(store.KindWorkspace, w.ID)
	err := t.exec(ctx, "create workspace "+w.Name, `INSERT INTO workspaces (`+wsCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		w.ID, w.AccountID, nullable(w.TierID), w.Name, w.Description, micros(t.now))
	if err != nil {
		return err
	}
	for _, g := range w.Members {
		if err := t.setGrant(ctx, "workspace_members", "workspace_id", w.ID, g); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) UpdateWorkspace(ctx context.Context, w domain.Workspace) error {
	t.touch(store.KindWorkspace, w.ID)
	return t.execOne(ctx, "update workspace "+w.ID, `UPDATE workspaces SET name = $2, description = $3, tier_id = $4 WHERE id = $1`,
		w.ID, w.Name, w.Description, nullable(w.TierID))
}

func (t *txn) DeleteWorkspace(ctx context.Context, id string) error {
	t.touch(store.KindWorkspace, id)
	if err := t.dropObjectGrants(ctx, "workspace", id); err != nil {
		return err
	}
	return t.execOne(ctx, "delete workspace "+id, `DELETE FROM workspaces WHERE id = $1`, id)
}

func (t *txn) SetWorkspaceMember(ctx context.Context, workspaceID string, g domain.Grant) error {
	t.touch(store.KindWorkspace, workspaceID)
	return t.setGrant(ctx, "workspace_members", "workspace_id", workspaceID, g)
}

func (t *txn) RemoveWorkspaceMember(ctx context.Context, workspaceID string, s authz.Subject) error {
	t.touch(store.KindWorkspace, workspaceID)
	return t.execOne(ctx, "remove workspace member", `DELETE FROM workspace_members WHERE workspace_id = $1 AND subject = $2`, workspaceID, s.String())
}

// ---- content

func (t *txn) insertACL(ctx context.Context, table, id string, entries []domain.ACLEntry) error {
	for _, en := range entries {
		u, g := subjectCols(en.Subject)
		for _, p := range en.Permissions {
			if err := t.exec(ctx, "set ACL", `INSERT INTO `+table+` (object_id, subject, user_id, group_id, permission) VALUES ($1, $2, $3, $4, $5)`,
				id, en.Subject.String(), u, g, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func kindOf(tp authz.ObjectType) store.Kind {
	switch tp {
	case authz.Record:
		return store.KindRecord
	case authz.Media:
		return store.KindMedia
	}
	return store.KindCollection
}

func (t *txn) SetACL(ctx context.Context, obj authz.ObjectRef, entries []domain.ACLEntry) error {
	if !obj.Type.IsContent() {
		return fmt.Errorf("set ACL on %v: %w", obj, store.ErrNotFound)
	}
	t.touch(kindOf(obj.Type), obj.ID)
	table := aclTable(obj.Type)
	var one int
	if err := t.q.QueryRowContext(ctx, `SELECT 1 FROM `+objectTable(obj.Type)+` WHERE id = $1`, obj.ID).Scan(&one); err != nil {
		return t.wrap("set ACL on "+obj.String(), err)
	}
	if err := t.exec(ctx, "set ACL", `DELETE FROM `+table+` WHERE object_id = $1`, obj.ID); err != nil {
		return err
	}
	return t.insertACL(ctx, table, obj.ID, entries)
}

// tupleGroup is the objects given one (subject, permission).
type tupleGroup struct {
	subject authz.Subject
	perm    string
	ids     []string
}

// groupTuples groups tuples by (subject, permission), in order of first
// appearance, and marks their objects touched.
func (t *txn) groupTuples(kind store.Kind, tuples []store.ACLTuple) []*tupleGroup {
	type key struct {
		subject authz.Subject
		perm    string
	}
	by := map[key]*tupleGroup{}
	var out []*tupleGroup
	for _, r := range tuples {
		t.touch(kind, r.Object)
		k := key{r.Subject, r.Permission}
		g := by[k]
		if g == nil {
			g = &tupleGroup{subject: r.Subject, perm: r.Permission}
			by[k] = g
			out = append(out, g)
		}
		g.ids = append(g.ids, r.Object)
	}
	return out
}

// ChangeACLs implements store.Tx. Rows go in multi-row statements: a batch
// edit of 100,000 objects is a few hundred statements, not 100,000.
func (t *txn) ChangeACLs(ctx context.Context, tp authz.ObjectType, add, remove []store.ACLTuple) error {
	if !tp.IsContent() {
		return fmt.Errorf("change ACLs of %s: %w", tp, store.ErrNotFound)
	}
	table := aclTable(tp)
	kind := kindOf(tp)
	// One statement per (subject, permission) and chunk of ids: removals
	// are index ranges of the primary key, additions read the ids from
	// one parameter.
	for _, g := range t.groupTuples(kind, remove) {
		err := inChunks("object_id", g.ids, func(where string, args []any, _ []string) error {
			n := len(args)
			return t.exec(ctx, "remove ACL entries", `DELETE FROM `+table+where+` AND subject = $`+strconv.Itoa(n+1)+` AND permission = $`+strconv.Itoa(n+2),
				append(args, g.subject.String(), g.perm)...)
		})
		if err != nil {
			return err
		}
	}
	for _, g := range t.groupTuples(kind, add) {
		u, gr := subjectCols(g.subject)
		err := inChunks("object_id", g.ids, func(_ string, _ []any, chunk []string) error {
			// "WHERE true" keeps SQLite from reading ON CONFLICT as a join.
			return t.exec(ctx, "add ACL entries", `INSERT INTO `+table+` (object_id, subject, user_id, group_id, permission) SELECT value, $2, $3, $4, $5 FROM json_each($1) WHERE true ON CONFLICT DO NOTHING`,
				jsonIDs(chunk), g.subject.String(), u, gr, g.perm)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) SetDefaultACL(ctx context.Context, accountID string, tp authz.ObjectType, entries []domain.ACLEntry) error {
	if err := t.exec(ctx, "set default ACL", `DELETE FROM default_acls WHERE account_id = $1 AND object_kind = $2`, accountID, tp.String()); err != nil {
		return err
	}
	for _, en := range entries {
		u, g := subjectCols(en.Subject)
		for _, p := range en.Permissions {
			if err := t.exec(ctx, "set default ACL", `INSERT INTO default_acls (account_id, object_kind, subject, user_id, group_id, permission) VALUES ($1, $2, $3, $4, $5, $6)`,
				accountID, tp.String(), en.Subject.String(), u, g, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *txn) CreateCollection(ctx context.Context, c domain.Collection) error {
	t.touch(store.KindCollection, c.ID)
	err := t.exec(ctx, "create collection "+c.Name, `INSERT INTO collections (`+collectionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.WorkspaceID, c.Name, c.Description, nullable(c.CreatorID), micros(t.now), micros(t.now))
	if err != nil {
		return err
	}
	return t.insertACL(ctx, "collection_acl", c.ID, c.ACL)
}

func (t *txn) UpdateCollection(ctx context.Context, c domain.Collection) error {
	return t.execOne(ctx, "update collection "+c.ID, `UPDATE collections SET name = $2, description = $3, updated_at = $4 WHERE id = $1`,
		c.ID, c.Name, c.Description, micros(t.now))
}

func (t *txn) DeleteCollection(ctx context.Context, id string) error {
	t.touch(store.KindCollection, id)
	if err := t.dropObjectGrants(ctx, "collection", id); err != nil {
		return err
	}
	return t.execOne(ctx, "delete collection "+id, `DELETE FROM collections WHERE id = $1`, id)
}

func (t *txn) AddCollectionRecord(ctx context.Context, collectionID, recordID string) error {
	t.touch(store.KindCollection, collectionID) // the search index keeps collections' records
	return t.exec(ctx, "add record to collection", `INSERT INTO collection_records (collection_id, record_id, added_at) VALUES ($1, $2, $3)`,
		collectionID, recordID, micros(t.now))
}

func (t *txn) RemoveCollectionRecord(ctx context.Context, collectionID, recordID string) error {
	t.touch(store.KindCollection, collectionID)
	return t.execOne(ctx, "remove record from collection", `DELETE FROM collection_records WHERE collection_id = $1 AND record_id = $2`, collectionID, recordID)
}

func nonNilList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (t *txn) CreateRecord(ctx context.Context, r domain.Record) error {
	t.touch(store.KindRecord, r.ID)
	created := r.CreatedAt
	if created.IsZero() {
		created = t.now
	}
	err := t.exec(ctx, "create record", `INSERT INTO records (`+recordCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		r.ID, r.WorkspaceID, r.Title, r.Description, jsonText(nonNilList(r.Keywords)), jsonText(nonNilMap(r.Fields)), r.MediaType,
		nullable(r.CreatedBy), micros(created), micros(t.now))
	if err != nil {
		return err
	}
	return t.insertACL(ctx, "record_acl", r.ID, r.ACL)
}

func (t *txn) UpdateRecord(ctx context.Context, r domain.Record) error {
	t.touch(store.KindRecord, r.ID) // its metadata is searched through the index
	return t.execOne(ctx, "update record "+r.ID, `UPDATE records SET title = $2, description = $3, keywords = $4, fields = $5, media_type = $6, updated_at = $7 WHERE id = $1`,
		r.ID, r.Title, r.Description, jsonText(nonNilList(r.Keywords)), jsonText(nonNilMap(r.Fields)), r.MediaType, micros(t.now))
}

func (t *txn) DeleteRecord(ctx context.Context, id string) error {
	t.touch(store.KindRecord, id)
	var media []string
	err := t.collect(ctx, "delete record", `SELECT id FROM media WHERE record_id = $1`, []any{id}, func(rows *sql.Rows) error {
		var mid string
		err := rows.Scan(&mid)
		t.touch(store.KindMedia, mid)
		media = append(media, mid)
		return err
	})
	if err != nil {
		return err
	}
	if err := t.dropObjectGrants(ctx, "record", id); err != nil {
		return err
	}
	if err := t.dropObjectGrants(ctx, "media", media...); err != nil {
		return err
	}
	if err := t.dropFiles(ctx, media...); err != nil {
		return err
	}
	return t.execOne(ctx, "delete record "+id, `DELETE FROM records WHERE id = $1`, id)
}

func (t *txn) CreateMedia(ctx context.Context, m domain.Media) error {
	t.touch(store.KindMedia, m.ID)
	err := t.exec(ctx, "create media", `INSERT INTO media (`+mediaCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		m.ID, m.RecordID, m.MediaType, m.Filename, micros(t.now), micros(t.now))
	if err != nil {
		return err
	}
	return t.insertACL(ctx, "media_acl", m.ID, m.ACL)
}

func (t *txn) UpdateMedia(ctx context.Context, m domain.Media) error {
	return t.execOne(ctx, "update media "+m.ID, `UPDATE media SET media_type = $2, filename = $3, updated_at = $4 WHERE id = $1`,
		m.ID, m.MediaType, m.Filename, micros(t.now))
}

func (t *txn) DeleteMedia(ctx context.Context, id string) error {
	t.touch(store.KindMedia, id)
	if err := t.dropObjectGrants(ctx, "media", id); err != nil {
		return err
	}
	if err := t.dropFiles(ctx, id); err != nil {
		return err
	}
	return t.execOne(ctx, "delete media "+id, `DELETE FROM media WHERE id = $1`, id)
}

// ---- sessions and tokens

func (t *txn) CreateSession(ctx context.Context, s store.Session) error {
	return t.exec(ctx, "create session", `INSERT INTO sessions (id_hash, user_id, csrf_hash, created_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.IDHash, s.UserID, s.CSRFHash, micros(t.now), micros(s.ExpiresAt), s.IP, s.UserAgent)
}

func (t *txn) DeleteSession(ctx context.Context, idHash string) error {
	t.touch(store.KindSession, idHash)
	return t.exec(ctx, "delete session", `DELETE FROM sessions WHERE id_hash = $1`, idHash)
}

// touchAll logs every id a query returns as changed.
func (t *txn) touchAll(ctx context.Context, k store.Kind, query string, args ...any) error {
	return t.collect(ctx, "log "+string(k)+" changes", query, args, func(rows *sql.Rows) error {
		var id string
		err := rows.Scan(&id)
		t.touch(k, id)
		return err
	})
}

func (t *txn) DeleteUserSessions(ctx context.Context, userID string) error {
	if err := t.touchAll(ctx, store.KindSession, `SELECT id_hash FROM sessions WHERE user_id = $1`, userID); err != nil {
		return err
	}
	return t.exec(ctx, "delete sessions", `DELETE FROM sessions WHERE user_id = $1`, userID)
}

func optMicros(tp *time.Time) int64 {
	if tp == nil {
		return 0
	}
	return micros(*tp)
}

func (t *txn) CreateToken(ctx context.Context, tk store.Token) error {
	return t.exec(ctx, "create token", `INSERT INTO api_tokens (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7)`,
		tk.ID, tk.UserID, tk.Name, tk.Hash, micros(t.now), optMicros(tk.ExpiresAt), strings.Join(tk.Scopes, " "))
}

func (t *txn) RevokeToken(ctx context.Context, id string) error {
	t.touch(store.KindToken, id)
	return t.execOne(ctx, "revoke token "+id, `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at = 0`, id, micros(t.now))
}

func (t *txn) RevokeUserTokens(ctx context.Context, userID string) error {
	if err := t.touchAll(ctx, store.KindToken, `SELECT id FROM api_tokens WHERE user_id = $1 AND revoked_at = 0`, userID); err != nil {
		return err
	}
	return t.exec(ctx, "revoke tokens", `UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at = 0`, userID, micros(t.now))
}

// ---- one-time user tokens

func (t *txn) CreateUserToken(ctx context.Context, ut store.UserToken) error {
	return t.exec(ctx, "create user token", `INSERT INTO user_tokens (hash, user_id, purpose, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, 0)`,
		ut.Hash, ut.UserID, ut.Purpose, micros(t.now), micros(ut.ExpiresAt))
}

func (t *txn) UseUserToken(ctx context.Context, hash string) error {
	return t.execOne(ctx, "use user token", `UPDATE user_tokens SET used_at = $2 WHERE hash = $1 AND used_at = 0`, hash, micros(t.now))
}

func (t *txn) ExpireUserTokens(ctx context.Context, userID, purpose string) error {
	return t.exec(ctx, "expire user tokens", `UPDATE user_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at = 0`, userID, purpose, micros(t.now))
}

// ---- TOTP second factor

func (t *txn) StartTOTP(ctx context.Context, userID, sealed string) error {
	var enabled int64
	err := t.q.QueryRowContext(ctx, `SELECT enabled_at FROM user_totp WHERE user_id = $1`, userID).Scan(&enabled)
	switch {
	case err == nil && enabled > 0:
		return fmt.Errorf("start totp: %w", store.ErrConflict)
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return t.wrap("start totp", err)
	}
	if err := t.exec(ctx, "start totp", `DELETE FROM user_totp WHERE user_id = $1`, userID); err != nil {
		return err
	}
	return t.exec(ctx, "start totp", `INSERT INTO user_totp (user_id, secret, created_at) VALUES ($1, $2, $3)`, userID, sealed, micros(t.now))
}

func (t *txn) EnableTOTP(ctx context.Context, userID string, step int64, hashes []string) error {
	if err := t.execOne(ctx, "enable totp", `UPDATE user_totp SET enabled_at = $2, last_step = $3 WHERE user_id = $1 AND enabled_at = 0`,
		userID, micros(t.now), step); err != nil {
		return err
	}
	if err := t.exec(ctx, "enable totp", `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if err := t.exec(ctx, "store recovery code", `INSERT INTO user_recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, h); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string) error {
	var one int
	err := t.tx.QueryRowContext(ctx, `SELECT 1 FROM user_totp WHERE user_id = $1 AND enabled_at > 0`, userID).Scan(&one)
	if err != nil {
		return t.wrap("find enabled totp", err)
	}
	if err := t.exec(ctx, "replace recovery codes", `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if err := t.exec(ctx, "store recovery code", `INSERT INTO user_recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, h); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) UseTOTPStep(ctx context.Context, userID string, step int64) error {
	return t.execOne(ctx, "use totp step", `UPDATE user_totp SET last_step = $2 WHERE user_id = $1 AND enabled_at > 0 AND last_step < $2`, userID, step)
}

func (t *txn) UseRecoveryCode(ctx context.Context, userID, hash string) error {
	return t.execOne(ctx, "use recovery code", `UPDATE user_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at = 0`,
		userID, hash, micros(t.now))
}

func (t *txn) DeleteTOTP(ctx context.Context, userID string) error {
	if err := t.exec(ctx, "delete recovery codes", `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	return t.execOne(ctx, "delete totp", `DELETE FROM user_totp WHERE user_id = $1`, userID)
}
