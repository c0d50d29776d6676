package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// ---- approval relations, access requests and the grants they make

func (r reader) GetApprovalRelation(ctx context.Context, id string) (domain.ApprovalRelation, error) {
	var rel domain.ApprovalRelation
	var created int64
	err := r.q.QueryRowContext(ctx, `SELECT id, account_id, kind, approver_group_id, created_by, created_at FROM approval_relations WHERE id = $1`, id).
		Scan(&rel.ID, &rel.AccountID, &rel.Kind, &rel.ApproverGroup, &rel.CreatedBy, &created)
	if err != nil {
		return rel, r.wrap("get approval relation "+id, err)
	}
	rel.CreatedAt = fromMicros(created)
	rel.RequesterGroups, err = r.requesterGroups(ctx, id)
	return rel, err
}

func (r reader) requesterGroups(ctx context.Context, relationID string) ([]string, error) {
	out := []string{}
	err := r.collect(ctx, "read requester groups", `SELECT group_id FROM approval_requesters WHERE relation_id = $1 ORDER BY group_id`, []any{relationID}, func(rows *sql.Rows) error {
		var g string
		err := rows.Scan(&g)
		out = append(out, g)
		return err
	})
	return out, err
}

func (r reader) ListApprovalRelations(ctx context.Context, accountID string) ([]domain.ApprovalRelation, error) {
	out := []domain.ApprovalRelation{}
	err := r.collect(ctx, "list approval relations", `SELECT id, account_id, kind, approver_group_id, created_by, created_at FROM approval_relations
		WHERE account_id = $1 ORDER BY created_at, id`, []any{accountID}, func(rows *sql.Rows) error {
		var rel domain.ApprovalRelation
		var created int64
		err := rows.Scan(&rel.ID, &rel.AccountID, &rel.Kind, &rel.ApproverGroup, &rel.CreatedBy, &created)
		rel.CreatedAt = fromMicros(created)
		out = append(out, rel)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].RequesterGroups, err = r.requesterGroups(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const accessRequestCols = `id, account_id, requester_id, target_type, target_id, access, message, status, created_at, decided_by, decided_at, level, expires_at, reason, ended_at`

func scanAccessRequest(s interface{ Scan(...any) error }) (domain.AccessRequest, error) {
	var q domain.AccessRequest
	var created, decided, expires, ended int64
	err := s.Scan(&q.ID, &q.AccountID, &q.Requester, &q.TargetType, &q.TargetID, &q.Access, &q.Message, &q.Status,
		&created, &q.DecidedBy, &decided, &q.Level, &expires, &q.Reason, &ended)
	q.CreatedAt, q.DecidedAt, q.ExpiresAt, q.EndedAt = fromMicros(created), optTime(decided), optTime(expires), optTime(ended)
	return q, err
}

func (r reader) GetAccessRequest(ctx context.Context, id string) (domain.AccessRequest, error) {
	q, err := scanAccessRequest(r.q.QueryRowContext(ctx, `SELECT `+accessRequestCols+` FROM access_requests WHERE id = $1`, id))
	return q, r.wrap("get access request "+id, err)
}

func (r reader) ListAccessRequests(ctx context.Context, accountID string, f store.AccessRequestFilter) ([]domain.AccessRequest, error) {
	where := []string{"account_id = $1"}
	args := []any{accountID}
	add := func(cond string, v ...any) {
		for _, x := range v {
			args = append(args, x)
			cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)), 1)
		}
		where = append(where, cond)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Requester != "" {
		add("requester_id = ?", f.Requester)
	}
	if !f.BeforeAt.IsZero() {
		add("(created_at < ? OR created_at = ? AND id < ?)", micros(f.BeforeAt), micros(f.BeforeAt), f.BeforeID)
	}
	query := `SELECT ` + accessRequestCols + ` FROM access_requests WHERE ` + strings.Join(where, " AND ") + ` ORDER BY created_at DESC, id DESC`
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	out := []domain.AccessRequest{}
	err := r.collect(ctx, "list access requests", query, args, func(rows *sql.Rows) error {
		q, err := scanAccessRequest(rows)
		out = append(out, q)
		return err
	})
	return out, err
}

func (r reader) ListAccessGrants(ctx context.Context, requestID string) ([]domain.AccessGrant, error) {
	out := []domain.AccessGrant{}
	err := r.collect(ctx, "list access grants", `SELECT request_id, user_id, object_type, object_id, level FROM access_grants
		WHERE request_id = $1 ORDER BY object_type, object_id`, []any{requestID}, func(rows *sql.Rows) error {
		var g domain.AccessGrant
		err := rows.Scan(&g.RequestID, &g.UserID, &g.ObjectType, &g.ObjectID, &g.Level)
		out = append(out, g)
		return err
	})
	return out, err
}

func (r reader) DueAccessRequests(ctx context.Context, at time.Time, limit int) ([]domain.AccessRequest, error) {
	out := []domain.AccessRequest{}
	err := r.collect(ctx, "list due access requests", `SELECT `+accessRequestCols+` FROM access_requests
		WHERE status = 'approved' AND expires_at > 0 AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2`, []any{micros(at), limit}, func(rows *sql.Rows) error {
		q, err := scanAccessRequest(rows)
		out = append(out, q)
		return err
	})
	return out, err
}

func (r reader) NextAccessExpiry(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	err := r.q.QueryRowContext(ctx, `SELECT min(expires_at) FROM access_requests WHERE status = 'approved' AND expires_at > 0`).Scan(&at)
	if err != nil {
		return time.Time{}, false, r.wrap("next access expiry", err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return fromMicros(at.Int64), true, nil
}

// grantKind is the change-log entity a grant of an object type changes:
// account grants are roles of the user.
func grantKind(g domain.AccessGrant) (store.Ref, error) {
	switch g.ObjectType {
	case "account":
		return store.Ref{Kind: store.KindUser, ID: g.UserID}, nil
	case "workspace":
		return store.Ref{Kind: store.KindWorkspace, ID: g.ObjectID}, nil
	case "record":
		return store.Ref{Kind: store.KindRecord, ID: g.ObjectID}, nil
	case "media":
		return store.Ref{Kind: store.KindMedia, ID: g.ObjectID}, nil
	case "collection":
		return store.Ref{Kind: store.KindCollection, ID: g.ObjectID}, nil
	}
	return store.Ref{}, fmt.Errorf("access grant on unknown object type %q", g.ObjectType)
}

func (t *txn) CreateApprovalRelation(ctx context.Context, rel domain.ApprovalRelation) error {
	kind := rel.Kind
	if kind == "" {
		kind = domain.RelationAccess
	}
	err := t.exec(ctx, "create approval relation", `INSERT INTO approval_relations (id, account_id, kind, approver_group_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		rel.ID, rel.AccountID, kind, rel.ApproverGroup, rel.CreatedBy, micros(t.now))
	if err != nil {
		return err
	}
	for _, g := range rel.RequesterGroups {
		if err := t.exec(ctx, "add requester group", `INSERT INTO approval_requesters (relation_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, rel.ID, g); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) DeleteApprovalRelation(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete approval relation "+id, `DELETE FROM approval_relations WHERE id = $1`, id)
}

func (t *txn) CreateAccessRequest(ctx context.Context, q domain.AccessRequest) error {
	return t.exec(ctx, "create access request", `INSERT INTO access_requests (id, account_id, requester_id, target_type, target_id, access, message, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		q.ID, q.AccountID, q.Requester, q.TargetType, q.TargetID, q.Access, q.Message, q.Status, micros(t.now))
}

func (t *txn) UpdateAccessRequest(ctx context.Context, q domain.AccessRequest, from string) error {
	return t.execOne(ctx, "update access request "+q.ID, `UPDATE access_requests
		SET status = $3, decided_by = $4, decided_at = $5, level = $6, expires_at = $7, reason = $8, ended_at = $9
		WHERE id = $1 AND status = $2`,
		q.ID, from, q.Status, q.DecidedBy, optMicros(q.DecidedAt), q.Level, optMicros(q.ExpiresAt), q.Reason, optMicros(q.EndedAt))
}

func (t *txn) AddAccessGrants(ctx context.Context, gs []domain.AccessGrant) error {
	for _, g := range gs {
		ref, err := grantKind(g)
		if err != nil {
			return err
		}
		t.touch(ref.Kind, ref.ID)
		if err := t.exec(ctx, "add access grant", `INSERT INTO access_grants (request_id, user_id, object_type, object_id, level) VALUES ($1, $2, $3, $4, $5)`,
			g.RequestID, g.UserID, g.ObjectType, g.ObjectID, g.Level); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) EndAccessGrants(ctx context.Context, requestID string) error {
	gs, err := t.ListAccessGrants(ctx, requestID)
	if err != nil {
		return err
	}
	for _, g := range gs {
		ref, err := grantKind(g)
		if err != nil {
			return err
		}
		t.touch(ref.Kind, ref.ID)
	}
	return t.exec(ctx, "end access grants", `DELETE FROM access_grants WHERE request_id = $1`, requestID)
}

func (r reader) AccessGrantsOn(ctx context.Context, typ string, ids []string) (map[string][]domain.AccessGrant, error) {
	return r.accessGrants(ctx, typ, nonNil(ids))
}

// dropObjectGrants removes the grants on objects being deleted: their
// requests stay, approved, with nothing left to grant.
func (t *txn) dropObjectGrants(ctx context.Context, typ string, ids ...string) error {
	for _, id := range ids {
		if err := t.exec(ctx, "drop access grants", `DELETE FROM access_grants WHERE object_type = $1 AND object_id = $2`, typ, id); err != nil {
			return err
		}
	}
	return nil
}

// ---- what the permission index reads of the grants

// accessGrants returns the standing grants on objects of type typ ("account"
// grants by user) whose ids are given, or all of them when ids is nil,
// keyed by object id (by user id for account grants).
func (r reader) accessGrants(ctx context.Context, typ string, ids []string) (map[string][]domain.AccessGrant, error) {
	col := "object_id"
	if typ == "account" {
		col = "user_id"
	}
	out := map[string][]domain.AccessGrant{}
	err := inChunks(col, ids, func(where string, args []any, chunk []string) error {
		cond := ` WHERE object_type = '` + typ + `'`
		if where != "" {
			cond = where + ` AND object_type = '` + typ + `'`
		}
		return r.collect(ctx, "read access grants", `SELECT request_id, user_id, object_type, object_id, level FROM access_grants`+cond, args, func(rows *sql.Rows) error {
			var g domain.AccessGrant
			if err := rows.Scan(&g.RequestID, &g.UserID, &g.ObjectType, &g.ObjectID, &g.Level); err != nil {
				return err
			}
			key := g.ObjectID
			if typ == "account" {
				key = g.UserID
			}
			out[key] = append(out[key], g)
			return nil
		})
	})
	return out, err
}

// withGrantedMembers adds standing grants to a workspace's members.
func withGrantedMembers(ms []authz.RoleGrant, gs []domain.AccessGrant) ([]authz.RoleGrant, error) {
	for _, g := range gs {
		role, err := authz.ParseRole(g.Level)
		if err != nil {
			return nil, fmt.Errorf("access grant %s on workspace %s: %w", g.RequestID, g.ObjectID, err)
		}
		subj := authz.User(g.UserID)
		found := false
		for i := range ms {
			if ms[i].Subject == subj {
				ms[i].Role = max(ms[i].Role, role)
				found = true
			}
		}
		if !found {
			ms = append(ms, authz.RoleGrant{Subject: subj, Role: role})
		}
	}
	return ms, nil
}

// withGrantedRoles adds standing account grants to a user's roles.
func withGrantedRoles(rs authz.Roles, gs []domain.AccessGrant) (authz.Roles, error) {
	for _, g := range gs {
		more, err := authz.ParseRoles([]string{g.Level})
		if err != nil {
			return 0, fmt.Errorf("access grant %s: %w", g.RequestID, err)
		}
		rs |= more
	}
	return rs, nil
}
