package storetest

import (
	"sync"
	"testing"
	"time"

	"atrium/internal/store"
)

// reserve calls ReserveLoginAttempt, failing the test on an error.
func (f *fixture) reserve(attempt string, at, since time.Time, keys ...store.ThrottleKey) ([]int, bool) {
	f.t.Helper()
	counts, ok, err := f.s.ReserveLoginAttempt(f.ctx, attempt, keys, at, since)
	f.must(err)
	return counts, ok
}

var throttleCases = []testCase{
	{"attempts are recorded under each key until one key holds its limit, then nothing more is recorded", func(t *testing.T, f *fixture) {
		now := time.Now().UTC()
		since := now.Add(-time.Hour)
		login, ip := store.ThrottleKey{Key: "login-a", Limit: 3}, store.ThrottleKey{Key: "ip-1", Limit: 10}
		for i, id := range []string{"a1", "a2", "a3"} {
			counts, ok := f.reserve(id, now, since, login, ip)
			if !ok || counts[0] != i || counts[1] != i {
				t.Fatalf("attempt %d: counts %v recorded %t", i+1, counts, ok)
			}
		}
		counts, ok := f.reserve("a4", now, since, login, ip)
		if ok || counts[0] != 3 || counts[1] != 3 {
			t.Errorf("the fourth attempt: counts %v recorded %t, want [3 3] and refused", counts, ok)
		}
		counts, ok = f.reserve("a5", now, since, store.ThrottleKey{Key: "login-b", Limit: 3}, ip)
		if !ok || counts[0] != 0 || counts[1] != 3 {
			t.Errorf("another login from the same address: counts %v recorded %t, want [0 3] recorded (the refused attempt was not counted)", counts, ok)
		}
	}},
	{"failures older than the window no longer count and are dropped", func(t *testing.T, f *fixture) {
		now := time.Now().UTC()
		k := store.ThrottleKey{Key: "login-a", Limit: 2}
		f.reserve("old1", now.Add(-2*time.Hour), now.Add(-3*time.Hour), k)
		f.reserve("old2", now.Add(-2*time.Hour), now.Add(-3*time.Hour), k)
		counts, ok := f.reserve("new", now, now.Add(-time.Hour), k)
		if !ok || counts[0] != 0 {
			t.Errorf("counts %v recorded %t, want [0] recorded", counts, ok)
		}
		// The dropped rows are gone for good, even for a wider window.
		counts, _ = f.reserve("probe", now, now.Add(-3*time.Hour), store.ThrottleKey{Key: "login-a", Limit: 100})
		if counts[0] != 1 {
			t.Errorf("after the drop %d failures remain, want 1", counts[0])
		}
	}},
	{"a counter with a longer window keeps its attempts when a shorter window passes", func(t *testing.T, f *fixture) {
		now := time.Now().UTC()
		hourly := store.ThrottleKey{Key: "rate-a", Limit: 10}
		f.reserve("h1", now.Add(-30*time.Minute), now.Add(-90*time.Minute), hourly)
		// A sign-in counter with a 10-minute window drops what is older
		// than its own window only.
		f.reserve("s1", now, now.Add(-10*time.Minute), store.ThrottleKey{Key: "login-a", Limit: 5})
		counts, ok := f.reserve("h2", now, now.Add(-time.Hour), hourly)
		if !ok || counts[0] != 1 {
			t.Errorf("counts %v recorded %t, want [1] recorded: the half-hour-old attempt still counts in its hour", counts, ok)
		}
	}},
	{"LoginAttemptAt finds the n-th oldest attempt of a key in the window", func(t *testing.T, f *fixture) {
		now := time.Now().UTC().Truncate(time.Microsecond)
		since := now.Add(-time.Hour)
		k := store.ThrottleKey{Key: "rate-a", Limit: 10}
		for i, id := range []string{"a1", "a2", "a3"} {
			f.reserve(id, now.Add(time.Duration(i-3)*time.Minute), since, k)
		}
		f.reserve("other", now, since, store.ThrottleKey{Key: "rate-b", Limit: 10})
		for n, want := range []time.Time{now.Add(-3 * time.Minute), now.Add(-2 * time.Minute), now.Add(-time.Minute)} {
			got, err := f.s.LoginAttemptAt(f.ctx, "rate-a", since, n)
			f.must(err)
			if !got.Equal(want) {
				t.Errorf("attempt %d at %v, want %v", n, got, want)
			}
		}
		_, err := f.s.LoginAttemptAt(f.ctx, "rate-a", since, 3)
		wantNotFound(t, "LoginAttemptAt past the last attempt", err)
		_, err = f.s.LoginAttemptAt(f.ctx, "rate-a", now.Add(-90*time.Second), 1)
		wantNotFound(t, "LoginAttemptAt of attempts before since", err)
	}},
	{"forgiving an attempt removes its records and resets only the keys asked", func(t *testing.T, f *fixture) {
		now := time.Now().UTC()
		since := now.Add(-time.Hour)
		login, ip := store.ThrottleKey{Key: "login-a", Limit: 10}, store.ThrottleKey{Key: "ip-1", Limit: 10}
		f.reserve("a1", now, since, login, ip)
		f.reserve("a2", now, since, login, ip)
		f.reserve("a3", now, since, login, ip)
		f.must(f.s.ForgiveLoginAttempt(f.ctx, "a3", []string{"login-a"}))
		counts, _ := f.reserve("a4", now, since, login, ip)
		if counts[0] != 0 || counts[1] != 2 {
			t.Errorf("counts %v, want [0 2]: the login reset, the address keeps its two earlier failures", counts)
		}
	}},
	{"throttling does not advance the revision", func(t *testing.T, f *fixture) {
		before := f.revision()
		now := time.Now().UTC()
		f.reserve("a1", now, now.Add(-time.Hour), store.ThrottleKey{Key: "k", Limit: 5})
		f.must(f.s.ForgiveLoginAttempt(f.ctx, "a1", []string{"k"}))
		if after := f.revision(); after != before {
			t.Errorf("revision %d → %d", before, after)
		}
	}},
	{"parallel attempts never record more than the limit", func(t *testing.T, f *fixture) {
		now := time.Now().UTC()
		k := store.ThrottleKey{Key: "login-a", Limit: 5}
		var wg sync.WaitGroup
		var mu sync.Mutex
		recorded := 0
		for i := range 20 {
			wg.Go(func() {
				_, ok, err := f.s.ReserveLoginAttempt(f.ctx, "p"+string(rune('a'+i)), []store.ThrottleKey{k}, now, now.Add(-time.Hour))
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					recorded++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if recorded != 5 {
			t.Errorf("%d of 20 parallel attempts recorded, want 5", recorded)
		}
	}},
	{"ListSessions lists one user's sessions, oldest first", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"))
		t1 := f.createAt(store.Session{IDHash: "s1", UserID: "u1", CSRFHash: "c1", ExpiresAt: future, IP: "192.0.2.1", UserAgent: "A"})
		time.Sleep(2 * time.Microsecond)
		t2 := f.createAt(store.Session{IDHash: "s2", UserID: "u1", CSRFHash: "c2", ExpiresAt: future, IP: "192.0.2.2", UserAgent: "B"},
			store.Session{IDHash: "s3", UserID: "u2", CSRFHash: "c3", ExpiresAt: future})
		got, err := f.s.ListSessions(f.ctx, "u1")
		f.must(err)
		want := []store.Session{
			{IDHash: "s1", UserID: "u1", CSRFHash: "c1", CreatedAt: t1, ExpiresAt: future, IP: "192.0.2.1", UserAgent: "A"},
			{IDHash: "s2", UserID: "u1", CSRFHash: "c2", CreatedAt: t2, ExpiresAt: future, IP: "192.0.2.2", UserAgent: "B"},
		}
		diff(t, "sessions of u1", want, got)
		none, err := f.s.ListSessions(f.ctx, "nobody")
		f.must(err)
		if none == nil || len(none) != 0 {
			t.Errorf("sessions of nobody: %#v, want an empty list", none)
		}
	}},
}
