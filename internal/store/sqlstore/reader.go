package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader implements store.Reader over a database handle or transaction.
type reader struct {
	q querier
	d dialect
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// wrap turns a driver error into one wrapping a store sentinel when it is
// one, with the operation's context.
func (r reader) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	if s := r.d.classify(err); s != nil {
		return fmt.Errorf("%s: %w (%v)", op, s, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// placeholders returns "$from,$from+1,...", n of them.
// chunkSize bounds the ids one statement names. They travel as one JSON
// array parameter, not one parameter each: binding is what costs with
// many (a batch of 100,000 ids is 10 statements, not 200).
const chunkSize = 10_000

// idList is the subquery yielding the strings of the JSON array in
// parameter n.
func idList(n int) string {
	return `SELECT value FROM json_each($` + strconv.Itoa(n) + `)`
}

// jsonIDs encodes ids for idList.
func jsonIDs(ids []string) string {
	b, err := json.Marshal(ids)
	if err != nil {
		panic(err) // strings always encode
	}
	return string(b)
}

// inChunks calls fn with a " WHERE col IN (...)" clause, its arguments
// and the ids it names for each chunk of ids, or once with an empty clause
// and nil ids when ids is nil (meaning all rows).
func inChunks(col string, ids []string, fn func(where string, args []any, chunk []string) error) error {
	if ids == nil {
		return fn("", nil, nil)
	}
	for len(ids) > 0 {
		n := min(len(ids), chunkSize)
		if err := fn(" WHERE "+col+" IN ("+idList(1)+")", []any{jsonIDs(ids[:n])}, ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func (r reader) Revision(ctx context.Context) (uint64, error) {
	var rev uint64
	err := r.q.QueryRowContext(ctx, `SELECT rev FROM revision WHERE id = 1`).Scan(&rev)
	return rev, r.wrap("read revision", err)
}

func (r reader) Changes(ctx context.Context, after uint64) ([]store.Ref, uint64, error) {
	var rev, pruned uint64
	if err := r.q.QueryRowContext(ctx, `SELECT rev, pruned_through FROM revision WHERE id = 1`).Scan(&rev, &pruned); err != nil {
		return nil, 0, r.wrap("read revision", err)
	}
	if after < pruned {
		return nil, rev, fmt.Errorf("changes after %d: %w (through %d)", after, store.ErrChangesPruned, pruned)
	}
	rows, err := r.q.QueryContext(ctx, `SELECT DISTINCT kind, id FROM changes WHERE rev > $1 AND rev <= $2`, after, rev)
	if err != nil {
		return nil, 0, r.wrap("read changes", err)
	}
	defer rows.Close()
	var out []store.Ref
	for rows.Next() {
		var ref store.Ref
		if err := rows.Scan(&ref.Kind, &ref.ID); err != nil {
			return nil, 0, r.wrap("read changes", err)
		}
		out = append(out, ref)
	}
	return out, rev, r.wrap("read changes", rows.Err())
}

// collect runs a query and calls scan for each row.
func (r reader) collect(ctx context.Context, op, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return r.wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return r.wrap(op, err)
		}
	}
	return r.wrap(op, rows.Err())
}

// ---- accounts

const accountCols = `id, name, max_users, max_workspaces, max_storage_bytes, created_at, max_share_links, max_share_link_days`

func scanAccount(s interface{ Scan(...any) error }) (domain.Account, error) {
	var a domain.Account
	var created int64
	err := s.Scan(&a.ID, &a.Name, &a.Limits.MaxUsers, &a.Limits.MaxWorkspaces, &a.Limits.MaxStorageBytes, &created,
		&a.Limits.MaxShareLinks, &a.Limits.MaxShareLinkDays)
	a.CreatedAt = fromMicros(created)
	return a, err
}

func (r reader) GetAccount(ctx context.Context, id string) (domain.Account, error) {
	a, err := scanAccount(r.q.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = $1`, id))
	return a, r.wrap("get account "+id, err)
}

func (r reader) ListAccounts(ctx context.Context) ([]domain.Account, error) {
	out := []domain.Account{}
	err := r.collect(ctx, "list accounts", `SELECT `+accountCols+` FROM accounts ORDER BY id`, nil, func(rows *sql.Rows) error {
		a, err := scanAccount(rows)
		out = append(out, a)
		return err
	})
	return out, err
}

func (r reader) CountUsers(ctx context.Context, accountID string, status domain.Status) (int, error) {
	var n int
	var err error
	if status == "" {
		err = r.q.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE account_id = $1`, accountID).Scan(&n)
	} else {
		err = r.q.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE account_id = $1 AND status = $2`, accountID, string(status)).Scan(&n)
	}
	return n, r.wrap("count users", err)
}

func (r reader) CountWorkspaces(ctx context.Context, accountID string) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM workspaces WHERE account_id = $1`, accountID).Scan(&n)
	return n, r.wrap("count workspaces", err)
}

// ---- users

const userCols = `id, account_id, username, email, display_name, status, access, fields, created_at, updated_at, email_verified`

func scanUser(s interface{ Scan(...any) error }) (domain.User, error) {
	var u domain.User
	var access, fields string
	var created, updated int64
	if err := s.Scan(&u.ID, &u.AccountID, &u.Username, &u.Email, &u.DisplayName, &u.Status, &access, &fields, &created, &updated, &u.EmailVerified); err != nil {
		return u, err
	}
	u.Access = splitList(access)
	u.Fields = map[string]string{}
	if err := json.Unmarshal([]byte(fields), &u.Fields); err != nil {
		return u, fmt.Errorf("user %s fields: %w", u.ID, err)
	}
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	u.Roles, u.CustomRoles = []string{}, []string{}
	return u, nil
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// roles reads the roles of the given users or groups (all when ids is nil)
// from table (user_roles or group_roles), in canonical order.
func (r reader) roles(ctx context.Context, table, col string, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	err := inChunks(col, ids, func(where string, args []any, chunk []string) error {
		return r.collect(ctx, "read roles", `SELECT `+col+`, role FROM `+table+where, args, func(rows *sql.Rows) error {
			var id, role string
			err := rows.Scan(&id, &role)
			out[id] = append(out[id], role)
			return err
		})
	})
	for id, rs := range out {
		// canonical order
		parsed, err := authz.ParseRoles(rs)
		if err != nil {
			return nil, fmt.Errorf("read roles of %s: %w", id, err)
		}
		out[id] = parsed.Names()
	}
	return out, err
}

func (r reader) fillUserRoles(ctx context.Context, us []domain.User) error {
	ids := make([]string, len(us))
	for i, u := range us {
		ids[i] = u.ID
	}
	roles, err := r.roles(ctx, "user_roles", "user_id", ids)
	if err != nil {
		return err
	}
	custom, err := r.heldCustomRoles(ctx, "user_custom_roles", "user_id", ids)
	if err != nil {
		return err
	}
	for i := range us {
		if rs, ok := roles[us[i].ID]; ok {
			us[i].Roles = rs
		}
		if rs, ok := custom[us[i].ID]; ok {
			us[i].CustomRoles = rs
		}
	}
	return nil
}

// heldCustomRoles reads the custom roles the given users or groups (all
// when ids is nil) hold, from table (user_custom_roles or
// group_custom_roles), each list sorted.
func (r reader) heldCustomRoles(ctx context.Context, table, col string, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	err := inChunks(col, ids, func(where string, args []any, chunk []string) error {
		return r.collect(ctx, "read custom roles held", `SELECT `+col+`, role_id FROM `+table+where+` ORDER BY `+col+`, role_id`, args, func(rows *sql.Rows) error {
			var id, role string
			err := rows.Scan(&id, &role)
			out[id] = append(out[id], role)
			return err
		})
	})
	return out, err
}

func (r reader) getUser(ctx context.Context, op, where string, args ...any) (domain.User, error) {
	u, err := scanUser(r.q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE `+where, args...))
	if err != nil {
		return u, r.wrap(op, err)
	}
	us := []domain.User{u}
	err = r.fillUserRoles(ctx, us)
	return us[0], err
}

func (r reader) GetUser(ctx context.Context, id string) (domain.User, error) {
	return r.getUser(ctx, "get user "+id, `id = $1`, id)
}

func (r reader) GetUsers(ctx context.Context, ids []string) ([]domain.User, error) {
	byID := map[string]domain.User{}
	err := inChunks("id", nonNil(ids), func(where string, args []any, chunk []string) error {
		return r.collect(ctx, "get users", `SELECT `+userCols+` FROM users`+where, args, func(rows *sql.Rows) error {
			u, err := scanUser(rows)
			byID[u.ID] = u
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]domain.User, 0, len(byID))
	for _, id := range ids {
		if u, ok := byID[id]; ok {
			out = append(out, u)
			delete(byID, id) // an id given twice is returned once
		}
	}
	return out, r.fillUserRoles(ctx, out)
}

func (r reader) GetUserByUsername(ctx context.Context, accountID, username string) (domain.User, error) {
	return r.getUser(ctx, "get user "+username, `account_id = $1 AND username = $2`, accountID, username)
}

func (r reader) FindLogin(ctx context.Context, login string) ([]store.Credentials, error) {
	key := strings.ToLower(login)
	var out []store.Credentials
	err := r.collect(ctx, "find login", `SELECT id, account_id, status, password_hash FROM users WHERE username = $1 OR email_key = $1 ORDER BY id`,
		[]any{key}, func(rows *sql.Rows) error {
			var c store.Credentials
			err := rows.Scan(&c.UserID, &c.AccountID, &c.Status, &c.PasswordHash)
			out = append(out, c)
			return err
		})
	return out, err
}

func (r reader) ListUsers(ctx context.Context, accountID string, f store.UserFilter) ([]domain.User, error) {
	// A group alone is listed from its members' index, in order, rather
	// than by sorting every user of the account (a group's members are
	// all of its account); comparing an expression keeps the planner off
	// the account's index, so that it looks each member up by id.
	groupAlone := f.Group != "" && f.Status == "" && f.Query == "" && f.Role == "" && f.CustomRole == "" && f.IDs == nil && f.Limit > 0
	acctCol := "account_id"
	if groupAlone {
		acctCol = "(account_id || '')"
	}
	q := `SELECT ` + userCols + ` FROM users WHERE ` + acctCol + ` = $1 AND id > $2`
	args := []any{accountID, f.After}
	if f.Status != "" {
		args = append(args, string(f.Status))
		q += ` AND status = $` + strconv.Itoa(len(args))
	}
	if f.Query != "" {
		args = append(args, "%"+escapeLike(strings.ToLower(f.Query))+"%")
		n := strconv.Itoa(len(args))
		q += ` AND (username LIKE $` + n + ` ESCAPE '\' OR email_key LIKE $` + n + ` ESCAPE '\' OR ` + cmp.Or(r.d.lower, "lower") + `(display_name) LIKE $` + n + ` ESCAPE '\')`
	}
	if f.Role != "" && f.CustomRole != "" {
		return nil, fmt.Errorf("list users: filter by a role or a custom role, not both")
	}
	if f.Role != "" || f.CustomRole != "" {
		// The groups giving the role: those holding it and, recursively,
		// those nested in them (UNION stops at cycles).
		seed, direct, name := `SELECT group_id FROM group_roles WHERE role = $`, `SELECT user_id FROM user_roles WHERE role = $`, f.Role
		if f.CustomRole != "" {
			seed, direct, name = `SELECT group_id FROM group_custom_roles WHERE role_id = $`, `SELECT user_id FROM user_custom_roles WHERE role_id = $`, f.CustomRole
		}
		args = append(args, name)
		n := strconv.Itoa(len(args))
		q = `WITH RECURSIVE giving(gid) AS (` + seed + n + ` UNION SELECT gg.member_group_id FROM group_groups gg JOIN giving ON gg.group_id = giving.gid) ` +
			q + ` AND (id IN (` + direct + n + `) OR id IN (SELECT user_id FROM group_users WHERE group_id IN (SELECT gid FROM giving)))`
	}
	if f.Group != "" {
		args = append(args, f.Group)
		sub := `SELECT user_id FROM group_users WHERE group_id = $` + strconv.Itoa(len(args)) + ` AND user_id > $2`
		if groupAlone {
			args = append(args, f.Limit)
			sub += ` ORDER BY user_id LIMIT $` + strconv.Itoa(len(args))
		}
		q += ` AND id IN (` + sub + `)`
	}
	if f.IDs != nil {
		args = append(args, jsonIDs(f.IDs))
		q += ` AND id IN (` + idList(len(args)) + `)`
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	q += ` ORDER BY id LIMIT $` + strconv.Itoa(len(args))
	out := []domain.User{}
	err := r.collect(ctx, "list users", q, args, func(rows *sql.Rows) error {
		u, err := scanUser(rows)
		out = append(out, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, r.fillUserRoles(ctx, out)
}

func (r reader) UsersCreatedBefore(ctx context.Context, accountID string, status domain.Status, before time.Time) ([]string, error) {
	out := []string{}
	err := r.collect(ctx, "list users created before", `SELECT id FROM users WHERE account_id = $1 AND status = $2 AND created_at < $3 ORDER BY id`,
		[]any{accountID, string(status), micros(before)}, func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			out = append(out, id)
			return err
		})
	return out, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ---- groups

const groupCols = `id, account_id, name, description, builtin, created_at`

func scanGroup(s interface{ Scan(...any) error }) (domain.Group, error) {
	var g domain.Group
	var builtin sql.NullString
	var created int64
	err := s.Scan(&g.ID, &g.AccountID, &g.Name, &g.Description, &builtin, &created)
	g.Builtin, g.CreatedAt = builtin.String, fromMicros(created)
	g.Roles, g.CustomRoles, g.Members = []string{}, []string{}, []authz.Subject{}
	return g, err
}

func (r reader) fillGroups(ctx context.Context, gs []domain.Group) error {
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	roles, err := r.roles(ctx, "group_roles", "group_id", ids)
	if err != nil {
		return err
	}
	members, err := r.groupMembers(ctx, ids)
	if err != nil {
		return err
	}
	custom, err := r.heldCustomRoles(ctx, "group_custom_roles", "group_id", ids)
	if err != nil {
		return err
	}
	for i := range gs {
		if rs, ok := roles[gs[i].ID]; ok {
			gs[i].Roles = rs
		}
		if rs, ok := custom[gs[i].ID]; ok {
			gs[i].CustomRoles = rs
		}
		if ms, ok := members[gs[i].ID]; ok {
			gs[i].Members = ms
		}
	}
	return nil
}

// groupMembers returns the members of the given groups (all when ids is
// nil), users first, each part sorted by id.
func (r reader) groupMembers(ctx context.Context, ids []string) (map[string][]authz.Subject, error) {
	out := map[string][]authz.Subject{}
	err := inChunks("group_id", ids, func(where string, args []any, chunk []string) error {
		err := r.collect(ctx, "read group members", `SELECT group_id, user_id FROM group_users`+where+` ORDER BY group_id, user_id`, args, func(rows *sql.Rows) error {
			var g, u string
			err := rows.Scan(&g, &u)
			out[g] = append(out[g], authz.User(u))
			return err
		})
		if err != nil {
			return err
		}
		return r.collect(ctx, "read group members", `SELECT group_id, member_group_id FROM group_groups`+where+` ORDER BY group_id, member_group_id`, args, func(rows *sql.Rows) error {
			var g, m string
			err := rows.Scan(&g, &m)
			out[g] = append(out[g], authz.GroupOf(m))
			return err
		})
	})
	return out, err
}

func (r reader) getGroup(ctx context.Context, op, where string, args ...any) (domain.Group, error) {
	g, err := scanGroup(r.q.QueryRowContext(ctx, `SELECT `+groupCols+` FROM groups WHERE `+where, args...))
	if err != nil {
		return g, r.wrap(op, err)
	}
	gs := []domain.Group{g}
	err = r.fillGroups(ctx, gs)
	return gs[0], err
}

func (r reader) GetGroup(ctx context.Context, id string) (domain.Group, error) {
	return r.getGroup(ctx, "get group "+id, `id = $1`, id)
}

func (r reader) GetBuiltinGroup(ctx context.Context, accountID, builtin string) (domain.Group, error) {
	return r.getGroup(ctx, "get group "+builtin, `account_id = $1 AND builtin = $2`, accountID, builtin)
}

func (r reader) BuiltinGroupID(ctx context.Context, accountID, builtin string) (string, error) {
	var id string
	err := r.q.QueryRowContext(ctx, `SELECT id FROM groups WHERE account_id = $1 AND builtin = $2`, accountID, builtin).Scan(&id)
	return id, r.wrap("get group "+builtin, err)
}

func (r reader) ListGroups(ctx context.Context, accountID string) ([]domain.Group, error) {
	out := []domain.Group{}
	err := r.collect(ctx, "list groups", `SELECT `+groupCols+` FROM groups WHERE account_id = $1 ORDER BY name`, []any{accountID}, func(rows *sql.Rows) error {
		g, err := scanGroup(rows)
		out = append(out, g)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, r.fillGroups(ctx, out)
}

func (r reader) ListGroupNames(ctx context.Context, accountID string) ([]domain.Group, error) {
	out := []domain.Group{}
	err := r.collect(ctx, "list group names", `SELECT `+groupCols+` FROM groups WHERE account_id = $1 ORDER BY name`, []any{accountID}, func(rows *sql.Rows) error {
		g, err := scanGroup(rows)
		out = append(out, g)
		return err
	})
	return out, err
}

func (r reader) GroupNesting(ctx context.Context, accountID string) (map[string][]string, error) {
	out := map[string][]string{}
	err := r.collect(ctx, "read group nesting", `SELECT gg.group_id, gg.member_group_id FROM group_groups gg
		JOIN groups g ON g.id = gg.group_id WHERE g.account_id = $1 ORDER BY gg.group_id, gg.member_group_id`, []any{accountID}, func(rows *sql.Rows) error {
		var g, m string
		err := rows.Scan(&g, &m)
		out[g] = append(out[g], m)
		return err
	})
	return out, err
}

func (r reader) GroupGrants(ctx context.Context, groupID string) ([]store.Ref, error) {
	var out []store.Ref
	add := func(kind store.Kind) func(*sql.Rows) error {
		return func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			out = append(out, store.Ref{Kind: kind, ID: id})
			return err
		}
	}
	if err := r.collect(ctx, "group grants", `SELECT workspace_id FROM workspace_members WHERE group_id = $1 ORDER BY workspace_id`, []any{groupID}, add(store.KindWorkspace)); err != nil {
		return nil, err
	}
	err := r.collect(ctx, "group grants", `SELECT tier_id FROM tier_grants WHERE group_id = $1 ORDER BY tier_id`, []any{groupID}, add(store.KindTier))
	return out, err
}

// ---- custom roles

const customRoleCols = `id, account_id, name, description, permissions, created_at, updated_at`

func scanCustomRole(s interface{ Scan(...any) error }) (domain.CustomRole, error) {
	var cr domain.CustomRole
	var perms string
	var created, updated int64
	if err := s.Scan(&cr.ID, &cr.AccountID, &cr.Name, &cr.Description, &perms, &created, &updated); err != nil {
		return cr, err
	}
	cr.Permissions = []string{}
	if err := json.Unmarshal([]byte(perms), &cr.Permissions); err != nil {
		return cr, fmt.Errorf("custom role %s permissions: %w", cr.ID, err)
	}
	cr.CreatedAt, cr.UpdatedAt = fromMicros(created), fromMicros(updated)
	return cr, nil
}

func (r reader) GetCustomRole(ctx context.Context, id string) (domain.CustomRole, error) {
	cr, err := scanCustomRole(r.q.QueryRowContext(ctx, `SELECT `+customRoleCols+` FROM custom_roles WHERE id = $1`, id))
	return cr, r.wrap("get custom role "+id, err)
}

func (r reader) ListCustomRoles(ctx context.Context, accountID string) ([]domain.CustomRole, error) {
	out := []domain.CustomRole{}
	err := r.collect(ctx, "list custom roles", `SELECT `+customRoleCols+` FROM custom_roles WHERE account_id = $1 ORDER BY name`, []any{accountID}, func(rows *sql.Rows) error {
		cr, err := scanCustomRole(rows)
		out = append(out, cr)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (r reader) CustomRoleHolders(ctx context.Context, roleID string) (users, groups []string, err error) {
	users, groups = []string{}, []string{}
	add := func(list *[]string) func(*sql.Rows) error {
		return func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			*list = append(*list, id)
			return err
		}
	}
	if err := r.collect(ctx, "custom role holders", `SELECT user_id FROM user_custom_roles WHERE role_id = $1 ORDER BY user_id`, []any{roleID}, add(&users)); err != nil {
		return nil, nil, err
	}
	if err := r.collect(ctx, "custom role holders", `SELECT group_id FROM group_custom_roles WHERE role_id = $1 ORDER BY group_id`, []any{roleID}, add(&groups)); err != nil {
		return nil, nil, err
	}
	return users, groups, nil
}

// ---- tiers and workspaces

func (r reader) grants(ctx context.Context, table, col string, ids []string) (map[string][]domain.Grant, error) {
	out := map[string][]domain.Grant{}
	err := inChunks(col, ids, func(where string, args []any, chunk []string) error {
		return r.collect(ctx, "read grants", `SELECT `+col+`, subject, role FROM `+table+where+` ORDER BY `+col+`, subject`, args, func(rows *sql.Rows) error {
			var id, subject, role string
			if err := rows.Scan(&id, &subject, &role); err != nil {
				return err
			}
			s, err := authz.ParseSubject(subject)
			if err != nil {
				return err
			}
			out[id] = append(out[id], domain.Grant{Subject: s, Role: role})
			return nil
		})
	})
	return out, err
}

const tierCols = `id, account_id, name, description, created_at`

func scanTier(s interface{ Scan(...any) error }) (domain.Tier, error) {
	var t domain.Tier
	var created int64
	err := s.Scan(&t.ID, &t.AccountID, &t.Name, &t.Description, &created)
	t.CreatedAt, t.Grants = fromMicros(created), []domain.Grant{}
	return t, err
}

func (r reader) fillTiers(ctx context.Context, ts []domain.Tier) error {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	gs, err := r.grants(ctx, "tier_grants", "tier_id", ids)
	for i := range ts {
		if g, ok := gs[ts[i].ID]; ok {
			ts[i].Grants = g
		}
	}
	return err
}

func (r reader) GetTier(ctx context.Context, id string) (domain.Tier, error) {
	t, err := scanTier(r.q.QueryRowContext(ctx, `SELECT `+tierCols+` FROM tiers WHERE id = $1`, id))
	if err != nil {
		return t, r.wrap("get tier "+id, err)
	}
	ts := []domain.Tier{t}
	err = r.fillTiers(ctx, ts)
	return ts[0], err
}

func (r reader) ListTiers(ctx context.Context, accountID string) ([]domain.Tier, error) {
	out := []domain.Tier{}
	err := r.collect(ctx, "list tiers", `SELECT `+tierCols+` FROM tiers WHERE account_id = $1 ORDER BY name`, []any{accountID}, func(rows *sql.Rows) error {
		t, err := scanTier(rows)
		out = append(out, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, r.fillTiers(ctx, out)
}

const wsCols = `id, account_id, tier_id, name, description, created_at`

func scanWorkspace(s interface{ Scan(...any) error }) (domain.Workspace, error) {
	var w domain.Workspace
	var tier sql.NullString
	var created int64
	err := s.Scan(&w.ID, &w.AccountID, &tier, &w.Name, &w.Description, &created)
	w.TierID, w.CreatedAt, w.Members = tier.String, fromMicros(created), []domain.Grant{}
	return w, err
}

func (r reader) fillWorkspaces(ctx context.Context, ws []domain.Workspace) error {
	ids := make([]string, len(ws))
	for i, w := range ws {
		ids[i] = w.ID
	}
	gs, err := r.grants(ctx, "workspace_members", "workspace_id", ids)
	for i := range ws {
		if g, ok := gs[ws[i].ID]; ok {
			ws[i].Members = g
		}
	}
	return err
}

func (r reader) GetWorkspace(ctx context.Context, id string) (domain.Workspace, error) {
	w, err := scanWorkspace(r.q.QueryRowContext(ctx, `SELECT `+wsCols+` FROM workspaces WHERE id = $1`, id))
	if err != nil {
		return w, r.wrap("get workspace "+id, err)
	}
	ws := []domain.Workspace{w}
	err = r.fillWorkspaces(ctx, ws)
	return ws[0], err
}

func (r reader) ListWorkspaces(ctx context.Context, accountID string) ([]domain.Workspace, error) {
	out := []domain.Workspace{}
	err := r.collect(ctx, "list workspaces", `SELECT `+wsCols+` FROM workspaces WHERE account_id = $1 ORDER BY name`, []any{accountID}, func(rows *sql.Rows) error {
		w, err := scanWorkspace(rows)
		out = append(out, w)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, r.fillWorkspaces(ctx, out)
}

func (r reader) WorkspaceContent(ctx context.Context, id string) (int, int, error) {
	var recs, colls int
	err := r.q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM records WHERE workspace_id = $1), (SELECT count(*) FROM collections WHERE workspace_id = $1)`, id).Scan(&recs, &colls)
	return recs, colls, r.wrap("count workspace content", err)
}

// ---- ACLs

func aclTable(t authz.ObjectType) string {
	switch t {
	case authz.Record:
		return "record_acl"
	case authz.Media:
		return "media_acl"
	case authz.Collection:
		return "collection_acl"
	}
	panic("no ACL table for " + t.String())
}

// acls reads the ACLs of objects of type t (all when ids is nil).
// GetACLs implements store.Reader.
func (r reader) GetACLs(ctx context.Context, t authz.ObjectType, ids []string) (map[string][]domain.ACLEntry, error) {
	if !t.IsContent() {
		return nil, fmt.Errorf("ACLs of %s: %w", t, store.ErrNotFound)
	}
	return r.acls(ctx, t, nonNil(ids))
}

func (r reader) acls(ctx context.Context, t authz.ObjectType, ids []string) (map[string][]domain.ACLEntry, error) {
	raw := map[string]map[string][]string{}
	err := inChunks("object_id", ids, func(where string, args []any, chunk []string) error {
		return r.collect(ctx, "read ACL", `SELECT object_id, subject, permission FROM `+aclTable(t)+where, args, func(rows *sql.Rows) error {
			var id, subject, perm string
			err := rows.Scan(&id, &subject, &perm)
			if raw[id] == nil {
				raw[id] = map[string][]string{}
			}
			raw[id][subject] = append(raw[id][subject], perm)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]domain.ACLEntry, len(raw))
	for id, bySubject := range raw {
		entries, err := aclEntries(t, bySubject)
		if err != nil {
			return nil, fmt.Errorf("ACL of %s %s: %w", t, id, err)
		}
		out[id] = entries
	}
	return out, nil
}

// aclEntries builds entries sorted by subject from subject → permissions.
func aclEntries(t authz.ObjectType, bySubject map[string][]string) ([]domain.ACLEntry, error) {
	subjects := make([]string, 0, len(bySubject))
	for s := range bySubject {
		subjects = append(subjects, s)
	}
	sort.Strings(subjects)
	out := make([]domain.ACLEntry, 0, len(subjects))
	for _, s := range subjects {
		subj, err := parseStoredSubject(s)
		if err != nil {
			return nil, err
		}
		perms, err := domain.NormalizePermissions(t, bySubject[s])
		if err != nil {
			return nil, err
		}
		out = append(out, domain.ACLEntry{Subject: subj, Permissions: perms})
	}
	return out, nil
}

// parseStoredSubject parses a subject column, which may also hold the
// default-ACL template user:$creator.
func parseStoredSubject(s string) (authz.Subject, error) {
	if s == "user:"+store.DefaultCreator {
		return authz.User(store.DefaultCreator), nil
	}
	return authz.ParseSubject(s)
}

func (r reader) GetDefaultACL(ctx context.Context, accountID string, t authz.ObjectType) ([]domain.ACLEntry, error) {
	bySubject := map[string][]string{}
	err := r.collect(ctx, "read default ACL", `SELECT subject, permission FROM default_acls WHERE account_id = $1 AND object_kind = $2`,
		[]any{accountID, t.String()}, func(rows *sql.Rows) error {
			var s, p string
			err := rows.Scan(&s, &p)
			bySubject[s] = append(bySubject[s], p)
			return err
		})
	if err != nil {
		return nil, err
	}
	return aclEntries(t, bySubject)
}

// ---- content

const collectionCols = `id, workspace_id, name, description, creator_id, created_at, updated_at`

func scanCollection(s interface{ Scan(...any) error }) (domain.Collection, error) {
	var c domain.Collection
	var creator sql.NullString
	var created, updated int64
	err := s.Scan(&c.ID, &c.WorkspaceID, &c.Name, &c.Description, &creator, &created, &updated)
	c.CreatorID, c.CreatedAt, c.UpdatedAt, c.ACL = creator.String, fromMicros(created), fromMicros(updated), []domain.ACLEntry{}
	return c, err
}

func (r reader) GetCollection(ctx context.Context, id string) (domain.Collection, error) {
	cs, err := r.GetCollections(ctx, []string{id})
	if err == nil && len(cs) == 0 {
		err = fmt.Errorf("get collection %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return domain.Collection{}, err
	}
	return cs[0], nil
}

func (r reader) GetCollections(ctx context.Context, ids []string) ([]domain.Collection, error) {
	byID := map[string]domain.Collection{}
	err := inChunks("id", nonNil(ids), func(where string, args []any, chunk []string) error {
		return r.collect(ctx, "get collections", `SELECT `+collectionCols+` FROM collections`+where, args, func(rows *sql.Rows) error {
			c, err := scanCollection(rows)
			byID[c.ID] = c
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	acls, err := r.acls(ctx, authz.Collection, nonNil(ids))
	if err != nil {
		return nil, err
	}
	out := make([]domain.Collection, 0, len(byID))
	for _, id := range ids {
		if c, ok := byID[id]; ok {
			if a, ok := acls[id]; ok {
				c.ACL = a
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

func (r reader) CollectionRecords(ctx context.Context, id string) ([]string, error) {
	out := []string{}
	err := r.collect(ctx, "collection records", `SELECT record_id FROM collection_records WHERE collection_id = $1 ORDER BY added_at, record_id`, []any{id}, func(rows *sql.Rows) error {
		var rid string
		err := rows.Scan(&rid)
		out = append(out, rid)
		return err
	})
	return out, err
}

const recordCols = `id, workspace_id, title, description, keywords, fields, media_type, created_by, created_at, updated_at`

func scanRecord(s interface{ Scan(...any) error }) (domain.Record, error) {
	var rec domain.Record
	var keywords, fields string
	var createdBy sql.NullString
	var created, updated int64
	if err := s.Scan(&rec.ID, &rec.WorkspaceID, &rec.Title, &rec.Description, &keywords, &fields, &rec.MediaType, &createdBy, &created, &updated); err != nil {
		return rec, err
	}
	if err := json.Unmarshal([]byte(keywords), &rec.Keywords); err != nil {
		return rec, fmt.Errorf("record %s keywords: %w", rec.ID, err)
	}
	if err := json.Unmarshal([]byte(fields), &rec.Fields); err != nil {
		return rec, fmt.Errorf("record %s fields: %w", rec.ID, err)
	}
	if rec.Keywords == nil {
		rec.Keywords = []string{}
	}
	if rec.Fields == nil {
		rec.Fields = map[string]string{}
	}
	rec.CreatedBy, rec.CreatedAt, rec.UpdatedAt, rec.ACL = createdBy.String, fromMicros(created), fromMicros(updated), []domain.ACLEntry{}
	return rec, nil
}

func (r reader) GetRecord(ctx context.Context, id string) (domain.Record, error) {
	rs, err := r.GetRecords(ctx, []string{id})
	if err == nil && len(rs) == 0 {
		err = fmt.Errorf("get record %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return domain.Record{}, err
	}
	return rs[0], nil
}

func (r reader) GetRecords(ctx context.Context, ids []string) ([]domain.Record, error) {
	byID := map[string]domain.Record{}
	err := inChunks("id", nonNil(ids), func(where string, args []any, chunk []string) error {
		return r.collect(ctx, "get records", `SELECT `+recordCols+` FROM records`+where, args, func(rows *sql.Rows) error {
			rec, err := scanRecord(rows)
			byID[rec.ID] = rec
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	acls, err := r.acls(ctx, authz.Record, nonNil(ids))
	if err != nil {
		return nil, err
	}
	out := make([]domain.Record, 0, len(byID))
	for _, id := range ids {
		if rec, ok := byID[id]; ok {
			if a, ok := acls[id]; ok {
				rec.ACL = a
			}
			out = append(out, rec)
		}
	}
	return out, nil
}

const mediaCols = `id, record_id, media_type, filename, created_at, updated_at`

func scanMedia(s interface{ Scan(...any) error }) (domain.Media, error) {
	var m domain.Media
	var created, updated int64
	err := s.Scan(&m.ID, &m.RecordID, &m.MediaType, &m.Filename, &created, &updated)
	m.CreatedAt, m.UpdatedAt, m.ACL = fromMicros(created), fromMicros(updated), []domain.ACLEntry{}
	return m, err
}

func (r reader) mediaWhere(ctx context.Context, op, where string, args []any, ids []string) ([]domain.Media, error) {
	var out []domain.Media
	var got []string
	err := r.collect(ctx, op, `SELECT `+mediaCols+` FROM media`+where, args, func(rows *sql.Rows) error {
		m, err := scanMedia(rows)
		out = append(out, m)
		got = append(got, m.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	acls, err := r.acls(ctx, authz.Media, nonNil(got))
	if err != nil {
		return nil, err
	}
	for i := range out {
		if a, ok := acls[out[i].ID]; ok {
			out[i].ACL = a
		}
	}
	if ids != nil { // keep the caller's order
		byID := map[string]domain.Media{}
		for _, m := range out {
			byID[m.ID] = m
		}
		out = out[:0]
		for _, id := range ids {
			if m, ok := byID[id]; ok {
				out = append(out, m)
			}
		}
	}
	if out == nil {
		out = []domain.Media{}
	}
	return out, nil
}

func (r reader) GetMedia(ctx context.Context, id string) (domain.Media, error) {
	ms, err := r.mediaWhere(ctx, "get media", ` WHERE id = $1`, []any{id}, nil)
	if err == nil && len(ms) == 0 {
		err = fmt.Errorf("get media %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return domain.Media{}, err
	}
	return ms[0], nil
}

func (r reader) GetMediaMany(ctx context.Context, ids []string) ([]domain.Media, error) {
	var out []domain.Media
	err := inChunks("id", nonNil(ids), func(where string, args []any, chunk []string) error {
		ms, err := r.mediaWhere(ctx, "get media", where, args, nil)
		out = append(out, ms...)
		return err
	})
	if err != nil {
		return nil, err
	}
	byID := map[string]domain.Media{}
	for _, m := range out {
		byID[m.ID] = m
	}
	res := []domain.Media{}
	for _, id := range ids {
		if m, ok := byID[id]; ok {
			res = append(res, m)
		}
	}
	return res, nil
}

func (r reader) ListRecordMedia(ctx context.Context, recordID string) ([]domain.Media, error) {
	return r.mediaWhere(ctx, "list record media", ` WHERE record_id = $1 ORDER BY created_at, id`, []any{recordID}, nil)
}

func (r reader) ListRecordsMedia(ctx context.Context, recordIDs []string) ([]domain.Media, error) {
	var out []domain.Media
	if len(recordIDs) == 0 {
		return out, nil
	}
	err := inChunks("record_id", recordIDs, func(where string, args []any, _ []string) error {
		ms, err := r.mediaWhere(ctx, "list records' media", where+` ORDER BY record_id, created_at, id`, args, nil)
		out = append(out, ms...)
		return err
	})
	return out, err
}

// ---- sessions and tokens

func (r reader) GetSession(ctx context.Context, idHash string) (store.Session, error) {
	var s store.Session
	var created, expires int64
	err := r.q.QueryRowContext(ctx, `SELECT id_hash, user_id, csrf_hash, created_at, expires_at, ip, user_agent FROM sessions WHERE id_hash = $1`, idHash).
		Scan(&s.IDHash, &s.UserID, &s.CSRFHash, &created, &expires, &s.IP, &s.UserAgent)
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
	return s, r.wrap("get session", err)
}

const tokenCols = `id, user_id, name, token_hash, created_at, expires_at, revoked_at, last_used_at, scopes`

func optTime(v int64) *time.Time {
	if v == 0 {
		return nil
	}
	t := fromMicros(v)
	return &t
}

func scanToken(s interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	var created, expires, revoked, used int64
	var scopes string
	err := s.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, &created, &expires, &revoked, &used, &scopes)
	t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt = fromMicros(created), optTime(expires), optTime(revoked), optTime(used)
	t.Scopes = strings.Fields(scopes)
	return t, err
}

func (r reader) GetTOTP(ctx context.Context, userID string) (store.TOTP, error) {
	t := store.TOTP{UserID: userID}
	var created, enabled int64
	err := r.q.QueryRowContext(ctx, `SELECT secret, created_at, enabled_at, last_step,
		(SELECT count(*) FROM user_recovery_codes c WHERE c.user_id = m.user_id AND c.used_at = 0)
		FROM user_totp m WHERE user_id = $1`, userID).Scan(&t.Secret, &created, &enabled, &t.LastStep, &t.RecoveryCodesLeft)
	t.CreatedAt, t.EnabledAt = fromMicros(created), optTime(enabled)
	return t, r.wrap("get totp", err)
}

func (r reader) GetTokenByHash(ctx context.Context, hash string) (store.Token, error) {
	t, err := scanToken(r.q.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = $1`, hash))
	return t, r.wrap("get token", err)
}

func (r reader) GetToken(ctx context.Context, id string) (store.Token, error) {
	t, err := scanToken(r.q.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE id = $1`, id))
	return t, r.wrap("get token "+id, err)
}

func (r reader) ListTokens(ctx context.Context, userID string) ([]store.Token, error) {
	out := []store.Token{}
	err := r.collect(ctx, "list tokens", `SELECT `+tokenCols+` FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id`, []any{userID}, func(rows *sql.Rows) error {
		t, err := scanToken(rows)
		out = append(out, t)
		return err
	})
	return out, err
}

func (r reader) CountActiveOwners(ctx context.Context, accountID string) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE u.account_id = $1 AND u.status = 'active' AND r.role = 'owner'`, accountID).Scan(&n)
	return n, r.wrap("count owners", err)
}

func (r reader) GetUserToken(ctx context.Context, hash string) (store.UserToken, error) {
	var t store.UserToken
	var created, expires, used int64
	err := r.q.QueryRowContext(ctx, `SELECT hash, user_id, purpose, created_at, expires_at, used_at FROM user_tokens WHERE hash = $1`, hash).
		Scan(&t.Hash, &t.UserID, &t.Purpose, &created, &expires, &used)
	t.CreatedAt, t.ExpiresAt, t.UsedAt = fromMicros(created), fromMicros(expires), optTime(used)
	return t, r.wrap("get user token", err)
}
