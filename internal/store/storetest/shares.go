package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// shareWorld creates accounts "acc" (users u1 and u2, workspace ws,
// record r1 with media m1 and m2) and "acc2" (user u9).
func shareWorld(f *fixture) {
	f.t.Helper()
	f.create(account("acc"), user("acc", "u1"), user("acc", "u2"), workspace("acc", "ws", ""),
		record("ws", "r1"), media("r1", "m1"), media("r1", "m2"),
		account("acc2"), user("acc2", "u9"))
}

func shareLink(acct, id, creator, target string) domain.ShareLink {
	return domain.ShareLink{ID: id, AccountID: acct, Target: target, CreatedBy: creator, TokenHash: "hash-" + id, Note: "note " + id}
}

// createLink stores a link and returns it as it reads back.
func (f *fixture) createLink(l domain.ShareLink) domain.ShareLink {
	f.t.Helper()
	f.update(func(tx store.Tx) error {
		l.CreatedAt = tx.Now()
		return tx.CreateShareLink(f.ctx, l)
	})
	l.HasPassword = l.PasswordHash != ""
	return l
}

func (f *fixture) listLinks(acct string, flt store.ShareLinkFilter) []string {
	f.t.Helper()
	ls, err := f.s.ListShareLinks(f.ctx, acct, flt)
	f.must(err)
	ids := []string{}
	for _, l := range ls {
		ids = append(ids, l.ID)
	}
	return ids
}

func timePtr(t time.Time) *time.Time { return &t }

var shareCases = []testCase{
	{"a share link reads back by id and by token hash with every field and the transaction's time", func(t *testing.T, f *fixture) {
		shareWorld(f)
		l := shareLink("acc", "shr1", "u1", "record:r1")
		l.PasswordHash = "$argon2id$…"
		l.StartsAt = timePtr(time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC))
		l.ExpiresAt = timePtr(time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC))
		l.Download, l.MaxDownloads = true, 3
		want := f.createLink(l)
		got, err := f.s.GetShareLink(f.ctx, "shr1")
		f.must(err)
		diff(t, "link by id", want, got)
		got, err = f.s.GetShareLinkByHash(f.ctx, "hash-shr1")
		f.must(err)
		diff(t, "link by hash", want, got)
		if !got.HasPassword {
			t.Error("a link with a password hash says it has none")
		}
	}},
	{"a link without times, password or download reads back without them", func(t *testing.T, f *fixture) {
		shareWorld(f)
		want := f.createLink(shareLink("acc", "shr1", "u1", "media:m1"))
		got, err := f.s.GetShareLink(f.ctx, "shr1")
		f.must(err)
		diff(t, "link", want, got)
		if got.StartsAt != nil || got.ExpiresAt != nil || got.RevokedAt != nil || got.HasPassword || got.Download {
			t.Errorf("link %+v has fields it was not given", got)
		}
	}},
	{"an unknown id or token hash is not found", func(t *testing.T, f *fixture) {
		shareWorld(f)
		f.createLink(shareLink("acc", "shr1", "u1", "record:r1"))
		_, err := f.s.GetShareLink(f.ctx, "nope")
		wantNotFound(t, "unknown id", err)
		_, err = f.s.GetShareLinkByHash(f.ctx, "shr1")
		wantNotFound(t, "an id as a hash", err)
	}},
	{"a token hash, an id, a creator or an account that does not fit is a conflict", func(t *testing.T, f *fixture) {
		shareWorld(f)
		f.createLink(shareLink("acc", "shr1", "u1", "record:r1"))
		for name, l := range map[string]domain.ShareLink{
			"a taken token hash": func() domain.ShareLink {
				l := shareLink("acc", "shr2", "u1", "record:r1")
				l.TokenHash = "hash-shr1"
				return l
			}(),
			"a taken id": func() domain.ShareLink {
				l := shareLink("acc", "shr1", "u1", "record:r1")
				l.TokenHash = "other"
				return l
			}(),
			"an unknown creator": shareLink("acc", "shr3", "nobody", "record:r1"),
			"an unknown account": shareLink("nope", "shr4", "u1", "record:r1"),
		} {
			_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateShareLink(f.ctx, l) })
			wantConflict(t, name, err)
		}
		if ids := f.listLinks("acc", store.ShareLinkFilter{}); len(ids) != 1 {
			t.Errorf("links after the conflicts: %v", ids)
		}
	}},
	{"revoking stamps the time and the revoker once; a second revocation or an unknown link is not found", func(t *testing.T, f *fixture) {
		shareWorld(f)
		f.createLink(shareLink("acc", "shr1", "u1", "record:r1"))
		var now time.Time
		f.update(func(tx store.Tx) error { now = tx.Now(); return tx.RevokeShareLink(f.ctx, "shr1", "u2") })
		got, err := f.s.GetShareLink(f.ctx, "shr1")
		f.must(err)
		if got.RevokedAt == nil || !got.RevokedAt.Equal(now) || got.RevokedBy != "u2" {
			t.Errorf("revoked link %+v, want revoked at %v by u2", got, now)
		}
		for _, id := range []string{"shr1", "nope"} {
			_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.RevokeShareLink(f.ctx, id, "u1") })
			wantNotFound(t, "revoking "+id, err)
		}
		got, _ = f.s.GetShareLink(f.ctx, "shr1")
		if got.RevokedBy != "u2" {
			t.Errorf("a second revocation changed the revoker to %q", got.RevokedBy)
		}
	}},
	{"listing is per account, newest first, by creator, and pages with before", func(t *testing.T, f *fixture) {
		shareWorld(f)
		for i := range 5 {
			creator := "u1"
			if i%2 == 1 {
				creator = "u2"
			}
			f.createLink(shareLink("acc", fmt.Sprintf("shr%d", i), creator, "record:r1"))
		}
		f.createLink(shareLink("acc2", "shr9", "u9", "record:r9"))
		diff(t, "all", []string{"shr4", "shr3", "shr2", "shr1", "shr0"}, f.listLinks("acc", store.ShareLinkFilter{}))
		diff(t, "u2's", []string{"shr3", "shr1"}, f.listLinks("acc", store.ShareLinkFilter{CreatedBy: "u2"}))
		diff(t, "another account's creator", []string{}, f.listLinks("acc", store.ShareLinkFilter{CreatedBy: "u9"}))
		diff(t, "acc2", []string{"shr9"}, f.listLinks("acc2", store.ShareLinkFilter{}))
		first, err := f.s.ListShareLinks(f.ctx, "acc", store.ShareLinkFilter{Limit: 2})
		f.must(err)
		last := first[len(first)-1]
		diff(t, "after the first page", []string{"shr2", "shr1", "shr0"}, f.listLinks("acc", store.ShareLinkFilter{BeforeAt: last.CreatedAt, BeforeID: last.ID}))
	}},
	{"links of one transaction's time page by id", func(t *testing.T, f *fixture) {
		shareWorld(f)
		f.update(func(tx store.Tx) error {
			for _, id := range []string{"shr_a", "shr_b", "shr_c"} {
				if err := tx.CreateShareLink(f.ctx, shareLink("acc", id, "u1", "record:r1")); err != nil {
					return err
				}
			}
			return nil
		})
		all, err := f.s.ListShareLinks(f.ctx, "acc", store.ShareLinkFilter{})
		f.must(err)
		diff(t, "order", []string{"shr_c", "shr_b", "shr_a"}, f.listLinks("acc", store.ShareLinkFilter{}))
		diff(t, "after shr_b", []string{"shr_a"}, f.listLinks("acc", store.ShareLinkFilter{BeforeAt: all[1].CreatedAt, BeforeID: "shr_b"}))
	}},
	{"active links are neither revoked nor expired at the time, scheduled ones included, and they are what the count counts", func(t *testing.T, f *fixture) {
		shareWorld(f)
		now := time.Now().UTC().Truncate(time.Microsecond)
		open := shareLink("acc", "shr_open", "u1", "record:r1")
		later := shareLink("acc", "shr_later", "u1", "record:r1")
		later.StartsAt = timePtr(now.Add(time.Hour))
		later.ExpiresAt = timePtr(now.Add(2 * time.Hour))
		expired := shareLink("acc", "shr_expired", "u1", "record:r1")
		expired.ExpiresAt = timePtr(now.Add(-time.Second))
		endsNow := shareLink("acc", "shr_endsnow", "u1", "record:r1")
		endsNow.ExpiresAt = timePtr(now)
		revoked := shareLink("acc", "shr_revoked", "u1", "record:r1")
		for _, l := range []domain.ShareLink{open, later, expired, endsNow, revoked} {
			f.createLink(l)
		}
		f.createLink(shareLink("acc2", "shr_other", "u9", "record:r9"))
		f.update(func(tx store.Tx) error { return tx.RevokeShareLink(f.ctx, "shr_revoked", "u1") })
		diff(t, "active", []string{"shr_open", "shr_later"}, f.listLinks("acc", store.ShareLinkFilter{ActiveAt: now}), sortStrings)
		n, err := f.s.CountActiveShareLinks(f.ctx, "acc", now)
		f.must(err)
		if n != 2 {
			t.Errorf("CountActiveShareLinks = %d, want 2", n)
		}
		n, _ = f.s.CountActiveShareLinks(f.ctx, "acc", now.Add(3*time.Hour))
		if n != 1 {
			t.Errorf("three hours later CountActiveShareLinks = %d, want 1 (the open link)", n)
		}
	}},
	{"downloads are counted per media object up to the limit, each with its audit event, without advancing the revision", func(t *testing.T, f *fixture) {
		shareWorld(f)
		f.createLink(shareLink("acc", "shr1", "u1", "record:r1"))
		f.createLink(shareLink("acc", "shr2", "u1", "record:r1"))
		rev := f.revision()
		ev := domain.AuditEvent{Account: "acc", Type: "share.download", Target: "share_link:shr1", Result: domain.AuditOK}
		for i, want := range []bool{true, true, false, false} {
			ok, err := f.s.CountShareDownload(f.ctx, "shr1", "m1", 2, ev)
			f.must(err)
			if ok != want {
				t.Errorf("download %d of m1: counted %v, want %v", i+1, ok, want)
			}
		}
		for range 3 {
			if ok, err := f.s.CountShareDownload(f.ctx, "shr1", "m2", 0, ev); err != nil || !ok {
				t.Errorf("an unbounded download of m2: %v %v", ok, err)
			}
		}
		if ok, _ := f.s.CountShareDownload(f.ctx, "shr2", "m1", 1, ev); !ok {
			t.Error("another link's count started at shr1's")
		}
		got, err := f.s.ShareLinkDownloads(f.ctx, "shr1")
		f.must(err)
		diff(t, "shr1's downloads", map[string]int{"m1": 2, "m2": 3}, got)
		none, err := f.s.ShareLinkDownloads(f.ctx, "nope")
		f.must(err)
		diff(t, "an unknown link's downloads", map[string]int{}, none)
		evs, err := f.s.ListAudit(f.ctx, "acc", store.AuditFilter{Type: "share.download"})
		f.must(err)
		if len(evs) != 6 {
			t.Errorf("%d audit events, want one per counted download (6)", len(evs))
		}
		if f.revision() != rev {
			t.Error("counting downloads advanced the revision")
		}
	}},
	{"concurrent downloads never pass the limit", func(t *testing.T, f *fixture) {
		shareWorld(f)
		f.createLink(shareLink("acc", "shr1", "u1", "record:r1"))
		var wg sync.WaitGroup
		var mu sync.Mutex
		counted := 0
		for range 8 {
			wg.Go(func() {
				ok, err := f.s.CountShareDownload(f.ctx, "shr1", "m1", 3, domain.AuditEvent{Account: "acc", Type: "share.download", Result: domain.AuditOK})
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					counted++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if counted != 3 {
			t.Errorf("%d of 8 concurrent downloads counted, want 3", counted)
		}
	}},
	{"an account's share link limits read back and change", func(t *testing.T, f *fixture) {
		a := account("acc")
		a.Limits = domain.Limits{MaxShareLinks: 7, MaxShareLinkDays: 30}
		a.CreatedAt = f.createAt(a)
		got, err := f.s.GetAccount(f.ctx, "acc")
		f.must(err)
		diff(t, "account", a, got)
		a.Limits = domain.Limits{MaxShareLinks: 1}
		f.update(func(tx store.Tx) error { return tx.UpdateAccount(f.ctx, a) })
		got, _ = f.s.GetAccount(f.ctx, "acc")
		diff(t, "account after the update", a, got)
	}},
}
