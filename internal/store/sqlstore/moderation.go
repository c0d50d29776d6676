package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// ---- records and media objects held for moderation

const holdCols = `object_type, object_id, account_id, record_id, uploader_id, created_at`

func scanHold(s interface{ Scan(...any) error }) (domain.Hold, error) {
	var h domain.Hold
	var created int64
	err := s.Scan(&h.ObjectType, &h.ObjectID, &h.AccountID, &h.RecordID, &h.Uploader, &created)
	h.HeldAt = fromMicros(created)
	return h, err
}

// holdType is the stored object_type of a held object's type.
func holdType(t authz.ObjectType) (string, error) {
	if t != authz.Record && t != authz.Media {
		return "", fmt.Errorf("only records and media objects are held, not %v: %w", t, store.ErrNotFound)
	}
	return t.String(), nil
}

// approverGroups fills in the approver groups of holds.
func (r reader) approverGroups(ctx context.Context, hs []domain.Hold) error {
	for i := range hs {
		h := &hs[i]
		h.ApproverGroups = []string{}
		err := r.collect(ctx, "read hold approvers", `SELECT group_id FROM moderation_hold_approvers WHERE object_type = $1 AND object_id = $2 ORDER BY group_id`,
			[]any{h.ObjectType, h.ObjectID}, func(rows *sql.Rows) error {
				var g string
				err := rows.Scan(&g)
				h.ApproverGroups = append(h.ApproverGroups, g)
				return err
			})
		if err != nil {
			return err
		}
	}
	return nil
}

func (r reader) GetHold(ctx context.Context, t authz.ObjectType, id string) (domain.Hold, error) {
	typ, err := holdType(t)
	if err != nil {
		return domain.Hold{}, err
	}
	h, err := scanHold(r.q.QueryRowContext(ctx, `SELECT `+holdCols+` FROM moderation_holds WHERE object_type = $1 AND object_id = $2`, typ, id))
	if err != nil {
		return h, r.wrap("get hold of "+typ+" "+id, err)
	}
	hs := []domain.Hold{h}
	err = r.approverGroups(ctx, hs)
	return hs[0], err
}

func (r reader) ListHolds(ctx context.Context, accountID string, f store.HoldFilter) ([]domain.Hold, error) {
	where := []string{"account_id = $1"}
	args := []any{accountID}
	add := func(cond string, v ...any) {
		for _, x := range v {
			args = append(args, x)
			cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)), 1)
		}
		where = append(where, cond)
	}
	if f.Uploader != "" {
		add("uploader_id = ?", f.Uploader)
	}
	if f.Record != "" {
		add("record_id = ?", f.Record)
	}
	if f.ApproverGroup != "" {
		add("EXISTS (SELECT 1 FROM moderation_hold_approvers a WHERE a.object_type = moderation_holds.object_type AND a.object_id = moderation_holds.object_id AND a.group_id = ?)", f.ApproverGroup)
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", micros(f.Since))
	}
	if !f.AfterAt.IsZero() {
		at := micros(f.AfterAt)
		add("(created_at > ? OR created_at = ? AND (object_type > ? OR object_type = ? AND object_id > ?))", at, at, f.AfterType, f.AfterType, f.AfterID)
	}
	query := `SELECT ` + holdCols + ` FROM moderation_holds WHERE ` + strings.Join(where, " AND ") + ` ORDER BY created_at, object_type, object_id`
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	out := []domain.Hold{}
	err := r.collect(ctx, "list holds", query, args, func(rows *sql.Rows) error {
		h, err := scanHold(rows)
		out = append(out, h)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, r.approverGroups(ctx, out)
}

func (t *txn) CreateHold(ctx context.Context, h domain.Hold) error {
	typ, err := holdType(mustObjectType(h.ObjectType))
	if err != nil {
		return err
	}
	// The account and the record come from the object itself, never from
	// the caller.
	query := `INSERT INTO moderation_holds (object_type, object_id, account_id, record_id, media_id, uploader_id, created_at)
		SELECT 'record', r.id, w.account_id, r.id, NULL, $2, $3 FROM records r JOIN workspaces w ON w.id = r.workspace_id WHERE r.id = $1`
	if typ == "media" {
		query = `INSERT INTO moderation_holds (object_type, object_id, account_id, record_id, media_id, uploader_id, created_at)
		SELECT 'media', m.id, w.account_id, m.record_id, m.id, $2, $3 FROM media m JOIN records r ON r.id = m.record_id JOIN workspaces w ON w.id = r.workspace_id WHERE m.id = $1`
	}
	if err := t.execOne(ctx, "hold "+typ+" "+h.ObjectID, query, h.ObjectID, h.Uploader, micros(t.now)); err != nil {
		return err
	}
	for _, g := range h.ApproverGroups {
		if err := t.exec(ctx, "add hold approver", `INSERT INTO moderation_hold_approvers (object_type, object_id, group_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			typ, h.ObjectID, g); err != nil {
			return err
		}
	}
	t.touch(kindOf(mustObjectType(typ)), h.ObjectID)
	return nil
}

func (t *txn) DeleteHold(ctx context.Context, tp authz.ObjectType, id string) error {
	typ, err := holdType(tp)
	if err != nil {
		return err
	}
	if err := t.execOne(ctx, "publish "+typ+" "+id, `DELETE FROM moderation_holds WHERE object_type = $1 AND object_id = $2`, typ, id); err != nil {
		return err
	}
	t.touch(kindOf(tp), id)
	return nil
}

// mustObjectType parses a stored object type; an unknown one is 0, which
// holdType refuses.
func mustObjectType(s string) authz.ObjectType {
	t, _ := authz.ParseObjectType(s)
	return t
}

// ---- what the permission index reads of the holds

// holds returns the holds of the records or media objects (t) whose ids
// are given, or all of them when ids is nil, by object id.
func (r reader) holds(ctx context.Context, t authz.ObjectType, ids []string) (map[string]*authz.Hold, error) {
	out := map[string]*authz.Hold{}
	if t != authz.Record && t != authz.Media {
		return out, nil
	}
	typ := t.String()
	err := inChunks("h.object_id", ids, func(where string, args []any, chunk []string) error {
		cond := ` WHERE h.object_type = '` + typ + `'`
		if where != "" {
			cond = where + ` AND h.object_type = '` + typ + `'`
		}
		return r.collect(ctx, "read holds", `SELECT h.object_id, h.uploader_id, a.group_id FROM moderation_holds h
			LEFT JOIN moderation_hold_approvers a ON a.object_type = h.object_type AND a.object_id = h.object_id`+cond+` ORDER BY h.object_id, a.group_id`, args,
			func(rows *sql.Rows) error {
				var id, uploader string
				var g sql.NullString
				if err := rows.Scan(&id, &uploader, &g); err != nil {
					return err
				}
				h := out[id]
				if h == nil {
					h = &authz.Hold{Uploader: uploader}
					out[id] = h
				}
				if g.Valid {
					h.Approvers = append(h.Approvers, g.String)
				}
				return nil
			})
	})
	return out, err
}
