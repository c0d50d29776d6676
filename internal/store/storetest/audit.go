package storetest

import (
	"errors"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/store"
)

func auditIDs(evs []domain.AuditEvent) []int64 {
	ids := []int64{}
	for _, ev := range evs {
		ids = append(ids, ev.ID)
	}
	return ids
}

var auditCases = []testCase{
	{"an event appended in a transaction reads back with the transaction's time", func(t *testing.T, f *fixture) {
		want := domain.AuditEvent{Account: "acc", Actor: "u1", Type: "user.update", Target: "user:u2", ClientIP: "192.0.2.7",
			Result: domain.AuditOK, Detail: map[string]string{"status": "deactivated", "note": "ünïcode"}}
		var now time.Time
		f.update(func(tx store.Tx) error { now = tx.Now(); return tx.Audit(f.ctx, want) })
		got, err := f.s.ListAudit(f.ctx, "acc", store.AuditFilter{})
		f.must(err)
		if len(got) != 1 {
			t.Fatalf("%d events, want 1", len(got))
		}
		want.ID, want.At = got[0].ID, now
		diff(t, "event", want, got[0])
	}},
	{"an event of a transaction that rolls back is not kept", func(t *testing.T, f *fixture) {
		boom := errors.New("boom")
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error {
			if err := tx.Audit(f.ctx, domain.AuditEvent{Account: "acc", Type: "user.create", Result: domain.AuditOK}); err != nil {
				return err
			}
			return boom
		})
		wantErr(t, "Update", err, boom)
		got, err := f.s.ListAudit(f.ctx, "acc", store.AuditFilter{})
		f.must(err)
		if len(got) != 0 {
			t.Errorf("kept %+v", got)
		}
	}},
	{"an event appended on its own is kept without advancing the revision", func(t *testing.T, f *fixture) {
		before := f.revision()
		f.must(f.s.Audit(f.ctx, domain.AuditEvent{Account: "acc", Type: "auth.login", Result: domain.AuditDenied}))
		if after := f.revision(); after != before {
			t.Errorf("revision %d → %d", before, after)
		}
		got, err := f.s.ListAudit(f.ctx, "acc", store.AuditFilter{})
		f.must(err)
		if len(got) != 1 || got[0].Result != domain.AuditDenied || got[0].At.IsZero() {
			t.Errorf("events %+v", got)
		}
	}},
	{"ListAudit filters by account, actor, target, type, time and cursor, newest first", func(t *testing.T, f *fixture) {
		evs := []domain.AuditEvent{
			{Account: "acc", Actor: "u1", Type: "auth.login", Result: domain.AuditOK},
			{Account: "acc", Actor: "u1", Type: "user.update", Target: "user:u2", Result: domain.AuditOK},
			{Account: "acc", Actor: "u2", Type: "user.update", Target: "user:u1", Result: domain.AuditDenied},
			{Account: "other", Actor: "u9", Type: "user.update", Target: "user:u2", Result: domain.AuditOK},
		}
		var times []time.Time
		for _, ev := range evs {
			f.update(func(tx store.Tx) error { times = append(times, tx.Now()); return tx.Audit(f.ctx, ev) })
			time.Sleep(2 * time.Microsecond)
		}
		all, err := f.s.ListAudit(f.ctx, "acc", store.AuditFilter{})
		f.must(err)
		if len(all) != 3 || all[0].ID <= all[1].ID || all[1].ID <= all[2].ID {
			t.Fatalf("account acc: %+v", all)
		}
		id := func(i int) int64 { return all[2-i].ID } // all is newest first
		for _, c := range []struct {
			name string
			f    store.AuditFilter
			want []int64
		}{
			{"by actor", store.AuditFilter{Actor: "u1"}, []int64{id(1), id(0)}},
			{"by target", store.AuditFilter{Target: "user:u2"}, []int64{id(1)}},
			{"by type", store.AuditFilter{Type: "user.update"}, []int64{id(2), id(1)}},
			{"from inclusive", store.AuditFilter{From: times[1]}, []int64{id(2), id(1)}},
			{"to exclusive", store.AuditFilter{To: times[1]}, []int64{id(0)}},
			{"before a cursor", store.AuditFilter{Before: id(2)}, []int64{id(1), id(0)}},
			{"limited", store.AuditFilter{Limit: 1}, []int64{id(2)}},
			{"actor and type together", store.AuditFilter{Actor: "u1", Type: "user.update"}, []int64{id(1)}},
		} {
			got, err := f.s.ListAudit(f.ctx, "acc", c.f)
			f.must(err)
			diff(t, c.name, c.want, auditIDs(got))
		}
	}},
}
