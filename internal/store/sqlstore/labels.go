package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"atrium/internal/store"
)

// labelQueries read the names of each kind of entity Labels knows.
var labelQueries = map[store.Kind]string{
	store.KindUser:      `SELECT id, account_id, display_name, username FROM users`,
	store.KindGroup:     `SELECT id, account_id, name, '' FROM groups`,
	store.KindTier:      `SELECT id, account_id, name, '' FROM tiers`,
	store.KindWorkspace: `SELECT id, account_id, name, '' FROM workspaces`,
}

func (r reader) Labels(ctx context.Context, accountID string, refs []store.Ref) (map[store.Ref]store.Label, error) {
	byKind := map[store.Kind][]string{}
	for _, ref := range refs {
		if _, ok := labelQueries[ref.Kind]; ok {
			byKind[ref.Kind] = append(byKind[ref.Kind], ref.ID)
		}
	}
	out := make(map[store.Ref]store.Label, len(refs))
	for kind, ids := range byKind {
		err := inChunks("id", ids, func(where string, args []any, _ []string) error {
			// The account is compared here, not in SQL, so that the
			// primary key, not the account's index, finds the rows.
			return r.collect(ctx, "read labels", labelQueries[kind]+where, args, func(rows *sql.Rows) error {
				var id, acct string
				var l store.Label
				err := rows.Scan(&id, &acct, &l.Name, &l.Username)
				if acct == accountID {
					out[store.Ref{Kind: kind, ID: id}] = l
				}
				return err
			})
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// labelLists list an account's users or groups in the order of their
// unique (account, name) indexes, so that a limit stops the scan early.
var labelLists = map[store.Kind]string{
	store.KindUser:  `SELECT id, display_name, username FROM users WHERE account_id = $1 AND status = 'active' ORDER BY username LIMIT $2`,
	store.KindGroup: `SELECT id, name, '' FROM groups WHERE account_id = $1 ORDER BY name LIMIT $2`,
}

func (r reader) ListLabels(ctx context.Context, accountID string, kind store.Kind, limit int) ([]store.Labeled, error) {
	q, ok := labelLists[kind]
	if !ok {
		return nil, fmt.Errorf("list labels: kind %s has none", kind)
	}
	out := []store.Labeled{}
	err := r.collect(ctx, "list labels", q, []any{accountID, limit}, func(rows *sql.Rows) error {
		var l store.Labeled
		err := rows.Scan(&l.ID, &l.Name, &l.Username)
		out = append(out, l)
		return err
	})
	if err != nil {
		return nil, err
	}
	// By name as people read it: display names, without case.
	slices.SortStableFunc(out, func(a, b store.Labeled) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.Username, b.Username))
	})
	return out, nil
}
