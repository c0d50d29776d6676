package httpapi_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"atrium/internal/httpapi"
	"atrium/internal/service"
)

// codeAt is the TOTP code of secret for the time step holding at.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mfaSignIn posts a login body and reports whether a session cookie was set.
func mfaSignIn(t *testing.T, f *fixture, body obj) (*resp, bool) {
	t.Helper()
	r := f.anon().do(t, "POST", "/api/v1/auth/login", body)
	for _, c := range r.cookies {
		if c.Name == httpapi.SessionCookie && c.Value != "" {
			return r, true
		}
	}
	return r, false
}

// enableTOTP turns TOTP on for c's user and returns the secret and the
// recovery codes.
func enableTOTP(t *testing.T, c *client) (string, []string) {
	t.Helper()
	var en struct {
		Secret string `json:"secret"`
		URL    string `json:"otpauth_url"`
	}
	c.do(t, "POST", "/api/v1/me/mfa/totp", nil).ok(t, 201).decode(t, &en)
	var rc struct {
		Codes []string `json:"recovery_codes"`
	}
	c.do(t, "POST", "/api/v1/me/mfa/totp/confirm", obj{"code": codeAt(t, en.Secret, time.Now())}).ok(t, 200).decode(t, &rc)
	return en.Secret, rc.Codes
}

// TestTOTPEnrolment: enrolment shows the secret once, stores it sealed,
// and asks for nothing at sign-in until a first code confirms it.
func TestTOTPEnrolment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.login(t, "alice")
	var en struct {
		Secret string `json:"secret"`
		URL    string `json:"otpauth_url"`
	}
	alice.do(t, "POST", "/api/v1/me/mfa/totp", nil).ok(t, 201).decode(t, &en)

	t.Run("the enrolment returns the secret and an otpauth URL naming the user", func(t *testing.T) {
		u, err := url.Parse(en.URL)
		if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || !strings.Contains(u.Path, "alice") || u.Query().Get("secret") != en.Secret || len(en.Secret) < 16 {
			t.Errorf("enrolment %+v", en)
		}
	})
	t.Run("the stored secret is sealed, not the secret itself", func(t *testing.T) {
		st, err := f.svc.Store().GetTOTP(f.ctx, f.A.Owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Secret == "" || strings.Contains(st.Secret, en.Secret) {
			t.Errorf("stored secret %q holds the secret %q", st.Secret, en.Secret)
		}
	})
	t.Run("a pending enrolment does not stand in the way of signing in", func(t *testing.T) {
		r, opened := mfaSignIn(t, f, obj{"login": "alice", "password": password})
		if r.status != 200 || !opened {
			t.Errorf("%v; want a session", r)
		}
		if m := alice.get(t, "/api/v1/me/mfa").ok(t, 200).m(t); m["pending"] != true || m["totp"] != false {
			t.Errorf("status %v", m)
		}
	})
	t.Run("confirming with a wrong code is refused and leaves it pending", func(t *testing.T) {
		wrong := codeAt(t, en.Secret, time.Now().Add(-10*time.Minute))
		alice.do(t, "POST", "/api/v1/me/mfa/totp/confirm", obj{"code": wrong}).fails(t, 422, "invalid_code", "code")
		alice.do(t, "POST", "/api/v1/me/mfa/totp/confirm", obj{"code": "12345"}).fails(t, 422, "invalid_code", "code")
	})
	var codes []string
	t.Run("confirming with a current code turns it on and shows ten distinct recovery codes", func(t *testing.T) {
		var rc struct {
			Codes []string `json:"recovery_codes"`
		}
		alice.do(t, "POST", "/api/v1/me/mfa/totp/confirm", obj{"code": codeAt(t, en.Secret, time.Now())}).ok(t, 200).decode(t, &rc)
		codes = rc.Codes
		seen := map[string]bool{}
		for _, c := range codes {
			seen[c] = true
		}
		if len(codes) != 10 || len(seen) != 10 {
			t.Errorf("recovery codes %v", codes)
		}
		if m := alice.get(t, "/api/v1/me/mfa").ok(t, 200).m(t); m["totp"] != true || m["recovery_codes_left"] != float64(10) {
			t.Errorf("status %v", m)
		}
	})
	t.Run("an enabled factor can neither be confirmed again nor enrolled over", func(t *testing.T) {
		alice.do(t, "POST", "/api/v1/me/mfa/totp/confirm", obj{"code": codeAt(t, en.Secret, time.Now())}).fails(t, 409, "mfa_enabled", "-")
		alice.do(t, "POST", "/api/v1/me/mfa/totp", nil).fails(t, 409, "mfa_enabled", "-")
	})
	t.Run("recovery codes are stored hashed", func(t *testing.T) {
		// A recovery code as a TOTP-enrolment secret or anywhere in the
		// stored row would be a leak; the store only counts them.
		st, err := f.svc.Store().GetTOTP(f.ctx, f.A.Owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			if strings.Contains(st.Secret, c) {
				t.Errorf("recovery code %s in the stored row", c)
			}
		}
	})
	t.Run("enabling is audited", func(t *testing.T) {
		evs := audit(t, f.A.Owner.client, url.Values{"type": {"mfa.enable"}}).Events
		var ok, denied int
		for _, ev := range evs {
			switch ev.Result {
			case "ok":
				ok++
			case "denied":
				denied++
			}
		}
		if ok != 1 || denied < 2 {
			t.Errorf("mfa.enable events %+v, want one ok and the refused attempts", evs)
		}
	})
}

// TestTOTPSignIn: with TOTP on, a right password alone opens no session;
// codes work once; wrong codes look exactly like missing ones.
func TestTOTPSignIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	secret, recovery := enableTOTP(t, f.login(t, "alice"))
	// The confirmation spent the current time step; the next one is
	// still within the accepted drift.
	next := codeAt(t, secret, time.Now().Add(30*time.Second))
	var missing *resp
	cases := []struct {
		name       string
		body       obj
		wantStatus int
		wantCode   string
		mfa        string // the login event's mfa detail, when it opens a session
	}{
		{"a right password without a code is answered mfa_required and opens no session",
			obj{"login": "alice", "password": password}, 401, "mfa_required", ""},
		{"a wrong password is plain unauthenticated, even with a right code",
			obj{"login": "alice", "password": "wrong password!", "totp_code": next}, 401, "unauthenticated", ""},
		{"a wrong password of a user without a code is plain unauthenticated",
			obj{"login": "alice", "password": "wrong password!"}, 401, "unauthenticated", ""},
		{"a wrong code is answered exactly as a missing one",
			obj{"login": "alice", "password": password, "totp_code": "000000"}, 401, "mfa_required", ""},
		{"an old code is refused",
			obj{"login": "alice", "password": password, "totp_code": codeAt(t, secret, time.Now().Add(-5*time.Minute))}, 401, "mfa_required", ""},
		{"a current code opens a session",
			obj{"login": "alice", "password": password, "totp_code": next}, 200, "", "totp"},
		{"the same code replayed within its window is refused",
			obj{"login": "alice", "password": password, "totp_code": next}, 401, "mfa_required", ""},
		{"a code of an earlier step than the last one used is refused",
			obj{"login": "alice", "password": password, "totp_code": codeAt(t, secret, time.Now())}, 401, "mfa_required", ""},
		{"a recovery code opens a session",
			obj{"login": "alice", "password": password, "recovery_code": recovery[0]}, 200, "", "recovery"},
		{"a recovery code used once is refused",
			obj{"login": "alice", "password": password, "recovery_code": recovery[0]}, 401, "mfa_required", ""},
		{"a recovery code is accepted in capitals and without its dash",
			obj{"login": "alice", "password": password, "recovery_code": strings.ToUpper(strings.ReplaceAll(recovery[1], "-", ""))}, 200, "", "recovery"},
		{"another user's recovery code is refused",
			obj{"login": "bob", "password": password, "recovery_code": recovery[2]}, 200, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, opened := mfaSignIn(t, f, c.body)
			if c.wantStatus != 200 {
				r.fails(t, c.wantStatus, c.wantCode, "-")
				if opened {
					t.Errorf("%v opened a session", r)
				}
				if c.wantCode == "mfa_required" {
					if missing == nil {
						missing = r
					} else if string(r.body) != string(missing.body) {
						t.Errorf("answers differ:\n%s\n%s", r.body, missing.body)
					}
				}
				return
			}
			if r.status != 200 || !opened {
				t.Fatalf("%v; want a session", r)
			}
		})
	}
	t.Run("bob, without a factor, is not asked for one", func(t *testing.T) {
		// (the last case above: a recovery code of alice's is ignored for him)
		if ev := find(t, audit(t, f.B.Owner.client, url.Values{"type": {"auth.login"}}), "auth.login", "user:"+f.B.Owner.ID); ev.Detail["mfa"] != "" {
			t.Errorf("bob's login %+v", ev)
		}
	})
	t.Run("sign-ins are audited with the factor used", func(t *testing.T) {
		evs := audit(t, f.A.Owner.client, url.Values{"type": {"auth.login"}}).Events
		got := map[string]int{}
		for _, ev := range evs {
			if ev.Result == "ok" {
				got[ev.Detail["mfa"]]++
			}
			if ev.Result == "denied" && strings.Contains(ev.Detail["reason"], "second factor") {
				got["refused"]++
			}
		}
		if got["totp"] != 1 || got["recovery"] != 2 || got["refused"] != 6 {
			t.Errorf("login events by factor %v (events %+v)", got, evs)
		}
	})
	t.Run("no answer or audit event holds a code", func(t *testing.T) {
		p := audit(t, f.A.Owner.client, url.Values{})
		for _, ev := range p.Events {
			for _, v := range ev.Detail {
				if v == next || v == recovery[0] {
					t.Errorf("event %+v holds a code", ev)
				}
			}
		}
	})
}

// TestTOTPCodesAreThrottled: wrong codes count toward the login lockout,
// after which even the right password and code are refused.
func TestTOTPCodesAreThrottled(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, service.Options{Throttle: service.Throttle{PerLogin: 3, PerIP: -1}})
	secret, _ := enableTOTP(t, f.login(t, "alice"))
	t.Run("asking without a code does not count", func(t *testing.T) {
		for range 5 {
			r, _ := mfaSignIn(t, f, obj{"login": "alice", "password": password})
			r.fails(t, 401, "mfa_required", "-")
		}
	})
	t.Run("three wrong codes lock the login", func(t *testing.T) {
		for range 3 {
			r, _ := mfaSignIn(t, f, obj{"login": "alice", "password": password, "totp_code": "000000"})
			r.fails(t, 401, "mfa_required", "-")
		}
		r, opened := mfaSignIn(t, f, obj{"login": "alice", "password": password, "totp_code": codeAt(t, secret, time.Now().Add(30*time.Second))})
		wantUnauthenticated(t, r)
		if opened {
			t.Error("a locked login opened a session")
		}
	})
}

// TestTOTPDisable: turning TOTP off needs a code or a recovery code.
func TestTOTPDisable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.login(t, "alice")
	_, recovery := enableTOTP(t, alice)
	t.Run("a wrong code leaves it on", func(t *testing.T) {
		alice.do(t, "DELETE", "/api/v1/me/mfa/totp", obj{"code": "000000"}).fails(t, 422, "invalid_code", "code")
		alice.do(t, "DELETE", "/api/v1/me/mfa/totp", obj{}).fails(t, 422, "invalid_code", "code")
		if m := alice.get(t, "/api/v1/me/mfa").ok(t, 200).m(t); m["totp"] != true {
			t.Errorf("status %v", m)
		}
	})
	t.Run("a recovery code turns it off, and a password alone signs in again", func(t *testing.T) {
		alice.do(t, "DELETE", "/api/v1/me/mfa/totp", obj{"recovery_code": recovery[3]}).ok(t, 204)
		if r, opened := mfaSignIn(t, f, obj{"login": "alice", "password": password}); r.status != 200 || !opened {
			t.Errorf("%v; want a session", r)
		}
		alice.do(t, "DELETE", "/api/v1/me/mfa/totp", obj{}).fails(t, 404, "not_found", "-")
	})
	t.Run("disabling is audited with the factor used", func(t *testing.T) {
		got := map[string]int{}
		evs := audit(t, f.A.Owner.client, url.Values{"type": {"mfa.disable"}}).Events
		for _, ev := range evs {
			got[ev.Result+" "+ev.Detail["mfa"]]++
		}
		if got["ok recovery"] != 1 || got["denied totp"]+got["denied "] != 3 {
			t.Errorf("mfa.disable events %+v", evs)
		}
	})
	t.Run("the old recovery codes do not survive a new enrolment", func(t *testing.T) {
		_, fresh := enableTOTP(t, alice)
		r, _ := mfaSignIn(t, f, obj{"login": "alice", "password": password, "recovery_code": recovery[4]})
		r.fails(t, 401, "mfa_required", "-")
		if r, opened := mfaSignIn(t, f, obj{"login": "alice", "password": password, "recovery_code": fresh[0]}); r.status != 200 || !opened {
			t.Errorf("%v; want a session", r)
		}
	})
}
