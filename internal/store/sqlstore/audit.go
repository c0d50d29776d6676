package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"atrium/internal/domain"
	"atrium/internal/store"
)

const auditCols = `id, account_id, at, actor_id, type, target, client_ip, result, detail`

func insertAudit(ctx context.Context, q querier, at time.Time, ev domain.AuditEvent) error {
	detail := []byte("{}")
	if len(ev.Detail) > 0 {
		var err error
		if detail, err = json.Marshal(ev.Detail); err != nil {
			return fmt.Errorf("audit %s: %w", ev.Type, err)
		}
	}
	_, err := q.ExecContext(ctx, `INSERT INTO audit_events (account_id, at, actor_id, type, target, client_ip, result, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		ev.Account, micros(at), ev.Actor, ev.Type, ev.Target, ev.ClientIP, ev.Result, string(detail))
	return err
}

// Audit implements store.Tx.
func (t *txn) Audit(ctx context.Context, ev domain.AuditEvent) error {
	return t.wrap("audit "+ev.Type, insertAudit(ctx, t.tx, t.now, ev))
}

// Audit implements store.Store: one statement, its own transaction, and no
// revision, since nothing the engine reflects changes.
func (s *Store) Audit(ctx context.Context, ev domain.AuditEvent) error {
	return s.wrap("audit "+ev.Type, insertAudit(ctx, s.rw, time.Now().UTC().Truncate(time.Microsecond), ev))
}

// ListAudit implements store.Reader.
func (r reader) ListAudit(ctx context.Context, accountID string, f store.AuditFilter) ([]domain.AuditEvent, error) {
	where := []string{"account_id = $1"}
	args := []any{accountID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Actor != "" {
		add("actor_id = ?", f.Actor)
	}
	if f.Target != "" {
		add("target = ?", f.Target)
	}
	if f.Type != "" {
		add("type = ?", f.Type)
	}
	if !f.From.IsZero() {
		add("at >= ?", micros(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", micros(f.To))
	}
	if f.Before > 0 {
		add("id < ?", f.Before)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	out := []domain.AuditEvent{}
	q := `SELECT ` + auditCols + ` FROM audit_events WHERE ` + strings.Join(where, " AND ") + ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit)
	err := r.collect(ctx, "list audit events", q, args, func(rows *sql.Rows) error {
		var ev domain.AuditEvent
		var at int64
		var detail string
		if err := rows.Scan(&ev.ID, &ev.Account, &at, &ev.Actor, &ev.Type, &ev.Target, &ev.ClientIP, &ev.Result, &detail); err != nil {
			return err
		}
		ev.At = fromMicros(at)
		if detail != "" && detail != "{}" {
			if err := json.Unmarshal([]byte(detail), &ev.Detail); err != nil {
				return fmt.Errorf("audit event %d detail: %w", ev.ID, err)
			}
		}
		out = append(out, ev)
		return nil
	})
	return out, err
}
