package sqlstore

import (
	"context"
	"database/sql"

	"atrium/internal/authz"
	"atrium/internal/store"
)

// Group summaries for pages that list groups by name: an account's
// groups with their roles and member counts cost a handful of reads of
// the group tables, never the members themselves (the Standard group
// holds every user).

func (r reader) ListGroupSummaries(ctx context.Context, accountID string) ([]store.GroupSummary, error) {
	out := []store.GroupSummary{}
	at := map[string]int{}
	// The counts walk each group's part of the member tables' primary
	// keys, which begin with the group.
	err := r.collect(ctx, "list group summaries", `SELECT `+groupCols+`,
		(SELECT COUNT(*) FROM group_users gu WHERE gu.group_id = groups.id),
		(SELECT COUNT(*) FROM group_groups gg WHERE gg.group_id = groups.id)
		FROM groups WHERE account_id = $1 ORDER BY name`, []any{accountID}, func(rows *sql.Rows) error {
		var s store.GroupSummary
		var builtin sql.NullString
		var created int64
		err := rows.Scan(&s.ID, &s.AccountID, &s.Name, &s.Description, &builtin, &created, &s.Users, &s.Groups)
		s.Builtin, s.CreatedAt = builtin.String, fromMicros(created)
		s.Roles, s.CustomRoles, s.Members = []string{}, []string{}, []authz.Subject{}
		at[s.ID] = len(out)
		out = append(out, s)
		return err
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	roles := map[string][]string{}
	err = r.collect(ctx, "read group roles", `SELECT gr.group_id, gr.role FROM group_roles gr JOIN groups g ON g.id = gr.group_id WHERE g.account_id = $1`,
		[]any{accountID}, func(rows *sql.Rows) error {
			var id, role string
			err := rows.Scan(&id, &role)
			roles[id] = append(roles[id], role)
			return err
		})
	if err != nil {
		return nil, err
	}
	for id, rs := range roles {
		parsed, err := authz.ParseRoles(rs)
		if err != nil {
			return nil, err
		}
		out[at[id]].Roles = parsed.Names()
	}
	err = r.collect(ctx, "read group custom roles", `SELECT gc.group_id, gc.role_id FROM group_custom_roles gc JOIN groups g ON g.id = gc.group_id
		WHERE g.account_id = $1 ORDER BY gc.group_id, gc.role_id`, []any{accountID}, func(rows *sql.Rows) error {
		var id, role string
		err := rows.Scan(&id, &role)
		out[at[id]].CustomRoles = append(out[at[id]].CustomRoles, role)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (r reader) MemberGroups(ctx context.Context, member authz.Subject) ([]string, error) {
	q := `SELECT group_id FROM group_users WHERE user_id = $1 ORDER BY group_id`
	switch member.Kind {
	case authz.UserSubject:
	case authz.GroupSubject:
		q = `SELECT group_id FROM group_groups WHERE member_group_id = $1 ORDER BY group_id`
	default:
		return []string{}, nil
	}
	out := []string{}
	err := r.collect(ctx, "list member groups", q, []any{member.ID}, func(rows *sql.Rows) error {
		var id string
		err := rows.Scan(&id)
		out = append(out, id)
		return err
	})
	return out, err
}
