package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"atrium/internal/store"
)

// ReserveLoginAttempt implements store.Store. It runs on the write
// connection (BEGIN IMMEDIATE), so reservations from every process on the
// database are serialized: no two attempts see the same count.
func (s *Store) ReserveLoginAttempt(ctx context.Context, attempt string, keys []store.ThrottleKey, at, since time.Time) ([]int, bool, error) {
	tx, err := s.rw.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	r := reader{q: tx, d: s.d}
	// Each row expires when its own window has passed: counters with
	// different windows share the table.
	if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE expires < $1`, micros(at)); err != nil {
		return nil, false, r.wrap("drop old login failures", err)
	}
	expires := at.Add(at.Sub(since))
	counts := make([]int, len(keys))
	blocked := false
	for i, k := range keys {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM login_failures WHERE key = $1 AND at >= $2`, k.Key, micros(since)).Scan(&counts[i]); err != nil {
			return nil, false, r.wrap("count login failures", err)
		}
		if counts[i] >= k.Limit {
			blocked = true
		}
	}
	if !blocked {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (key, attempt, at, expires) VALUES ($1, $2, $3, $4)`, k.Key, attempt, micros(at), micros(expires)); err != nil {
				return nil, false, r.wrap("record login attempt", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, false, r.wrap("commit", err)
	}
	return counts, !blocked, nil
}

// LoginAttemptAt implements store.Store.
func (s *Store) LoginAttemptAt(ctx context.Context, key string, since time.Time, n int) (time.Time, error) {
	var at int64
	err := s.ro.QueryRowContext(ctx, `SELECT at FROM login_failures WHERE key = $1 AND at >= $2 ORDER BY at, attempt LIMIT 1 OFFSET $3`,
		key, micros(since), max(n, 0)).Scan(&at)
	if err != nil {
		return time.Time{}, s.wrap("find login attempt", err)
	}
	return fromMicros(at), nil
}

// ForgiveLoginAttempt implements store.Store.
func (s *Store) ForgiveLoginAttempt(ctx context.Context, attempt string, reset []string) error {
	tx, err := s.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	r := reader{q: tx, d: s.d}
	if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE attempt = $1`, attempt); err != nil {
		return r.wrap("forgive login attempt", err)
	}
	for _, k := range reset {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE key = $1`, k); err != nil {
			return r.wrap("reset login failures", err)
		}
	}
	return r.wrap("commit", tx.Commit())
}

// ListSessions implements store.Reader.
func (r reader) ListSessions(ctx context.Context, userID string) ([]store.Session, error) {
	out := []store.Session{}
	err := r.collect(ctx, "list sessions", `SELECT id_hash, user_id, csrf_hash, created_at, expires_at, ip, user_agent FROM sessions WHERE user_id = $1 ORDER BY created_at, id_hash`,
		[]any{userID}, func(rows *sql.Rows) error {
			var s store.Session
			var created, expires int64
			err := rows.Scan(&s.IDHash, &s.UserID, &s.CSRFHash, &created, &expires, &s.IP, &s.UserAgent)
			s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
			out = append(out, s)
			return err
		})
	return out, err
}
