package httpapi_test

// The geography rule through the real API and SQLite, with a small
// MaxMind database written by mmdbwriter. The test client connects from
// loopback, so it plays the trusted proxy: it says where each request
// comes from in X-Forwarded-For, which the API believes only from the
// configured proxies.

import (
	"bytes"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"atrium/internal/clientip"
	"atrium/internal/geo"
	"atrium/internal/geo/geotest"
	"atrium/internal/httpapi"
	"atrium/internal/service"
)

// Client addresses and where the test database places them.
const (
	inDE    = "203.0.113.9"    // DE
	inDE6   = "2001:db8:de::9" // DE
	inFR    = "198.51.100.7"   // FR
	inUS    = "192.0.2.10"     // US
	nowhere = "8.8.8.8"        // not in the database: unknown
)

// behindProxy trusts X-Forwarded-For from loopback, where the tests
// connect from.
var behindProxy = clientip.Resolver{Header: "X-Forwarded-For",
	Proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}

// newGeoFixture is a fixture whose service locates clients with the test
// database and whose API finds client addresses with rs.
func newGeoFixture(t *testing.T, rs clientip.Resolver) *fixture {
	t.Helper()
	db, err := geo.Open(geotest.Write(t, geotest.Options{},
		geotest.Network{CIDR: "203.0.113.0/24", Country: "DE"},
		geotest.Network{CIDR: "2001:db8:de::/48", Country: "DE"},
		geotest.Network{CIDR: "198.51.100.0/24", Country: "FR"},
		geotest.Network{CIDR: "192.0.2.0/24", Country: "US"},
	))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return newFixtureAPI(t, service.Options{Geo: db}, httpapi.Options{ClientIP: rs})
}

// from is the header the proxy sets for a client at addr.
func from(addr string) header { return header{"X-Forwarded-For", addr} }

type geoSettings struct {
	Mode          string   `json:"mode"`
	Countries     []string `json:"countries"`
	Unknown       string   `json:"unknown"`
	GeoIPDatabase bool     `json:"geoip_database"`
	ClientCountry string   `json:"client_country"`
}

func setGeo(t *testing.T, c *client, rule obj) geoSettings {
	t.Helper()
	var g geoSettings
	c.do(t, "PUT", "/api/v1/account/geo", rule).ok(t, 200).decode(t, &g)
	return g
}

// signInFrom posts a sign-in from addr.
func signInFrom(t *testing.T, f *fixture, addr, login, pw string) *resp {
	t.Helper()
	return f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": login, "password": pw}, from(addr))
}

// geoEvent returns the newest event of a type whose detail names a
// country, failing the test if there is none.
func geoEvent(t *testing.T, c *client, typ, country string) auditEvent {
	t.Helper()
	p := audit(t, c, url.Values{"type": {typ}})
	for _, ev := range p.Events {
		if ev.Detail["country"] == country {
			return ev
		}
	}
	t.Fatalf("no %s event with country %s in %+v", typ, country, p.Events)
	return auditEvent{}
}

func TestGeoRuleSettings(t *testing.T) {
	t.Parallel()
	f := newGeoFixture(t, behindProxy)
	alice := f.A.Owner
	viewer := f.addUser(t, f.A, "viewer", "library_viewer")
	const path = "/api/v1/account/geo"

	t.Run("an account that never set a rule has it off, and the server says what it can locate", func(t *testing.T) {
		var g geoSettings
		alice.do(t, "GET", path, nil, from(inFR)).ok(t, 200).decode(t, &g)
		if g.Mode != "off" || len(g.Countries) != 0 || g.Unknown != "allow" || !g.GeoIPDatabase || g.ClientCountry != "FR" {
			t.Errorf("settings = %+v, want off, with a database, the caller in FR", g)
		}
		alice.get(t, path).ok(t, 200).decode(t, &g)
		if g.ClientCountry != "" {
			t.Errorf("a request from loopback without a proxy header is placed in %q, want unknown", g.ClientCountry)
		}
	})
	t.Run("an admin sets a deny-list, codes upper-cased, de-duplicated and sorted", func(t *testing.T) {
		g := setGeo(t, alice.client, obj{"mode": "deny", "countries": []string{"us", " de", "DE"}})
		if g.Mode != "deny" || !slices.Equal(g.Countries, []string{"DE", "US"}) || g.Unknown != "allow" {
			t.Errorf("settings = %+v", g)
		}
		var again geoSettings
		alice.get(t, path).ok(t, 200).decode(t, &again)
		if again.Mode != "deny" || !slices.Equal(again.Countries, []string{"DE", "US"}) {
			t.Errorf("read back %+v", again)
		}
	})
	t.Run("an allow-list refuses unknown locations unless told otherwise", func(t *testing.T) {
		if g := setGeo(t, alice.client, obj{"mode": "allow", "countries": []string{"FR"}}); g.Unknown != "deny" {
			t.Errorf("unknown = %q, want deny", g.Unknown)
		}
		if g := setGeo(t, alice.client, obj{"mode": "allow", "countries": []string{"FR"}, "unknown": "allow"}); g.Unknown != "allow" {
			t.Errorf("unknown = %q, want allow", g.Unknown)
		}
		setGeo(t, alice.client, obj{"mode": "deny", "countries": []string{"DE", "US"}})
	})
	t.Run("another account's rule is untouched", func(t *testing.T) {
		var g geoSettings
		f.B.Owner.get(t, path).ok(t, 200).decode(t, &g)
		if g.Mode != "off" {
			t.Errorf("Beta's rule = %+v", g)
		}
	})
	t.Run("a user without manage_settings can neither read nor set it", func(t *testing.T) {
		viewer.get(t, path).fails(t, 403, "forbidden", "")
		viewer.do(t, "PUT", path, obj{"mode": "off"}).fails(t, 403, "forbidden", "")
	})
	t.Run("a token without the admin scope cannot set it", func(t *testing.T) {
		tok := mkToken(t, alice.client, "reader", []string{"read", "write"})
		f.bearer(tok.Secret).do(t, "PUT", path, obj{"mode": "off"}).fails(t, 403, "insufficient_scope", "")
	})
	for _, c := range []struct {
		name  string
		rule  any
		code  string
		field string
	}{
		{"an unknown mode is refused", obj{"mode": "block", "countries": []string{"DE"}}, "validation_failed", "mode"},
		{"a missing mode is refused", obj{"countries": []string{"DE"}}, "validation_failed", "mode"},
		{"UK is refused, naming its index", obj{"mode": "deny", "countries": []string{"DE", "UK"}}, "validation_failed", "countries[1]"},
		{"a three-letter code is refused", obj{"mode": "deny", "countries": []string{"DEU"}}, "validation_failed", "countries[0]"},
		{"an allow-list without countries is refused", obj{"mode": "allow"}, "validation_failed", "countries"},
		{"an unknown value for unknown locations is refused", obj{"mode": "deny", "countries": []string{"DE"}, "unknown": "maybe"}, "validation_failed", "unknown"},
		{"countries that are not strings are refused", raw(`{"mode":"deny","countries":[49]}`), "invalid_json", ""},
		{"an unknown field is refused", obj{"mode": "deny", "countries": []string{"DE"}, "cities": []string{"Berlin"}}, "unknown_field", ""},
	} {
		t.Run(c.name+", leaving the rule as it was", func(t *testing.T) {
			before := snapshot(t, alice.client, path)
			status := 422
			if c.code != "validation_failed" {
				status = 400
			}
			alice.do(t, "PUT", path, c.rule).fails(t, status, c.code, c.field)
			unchanged(t, alice.client, path, before)
		})
	}
	t.Run("changes and refused changes are audited", func(t *testing.T) {
		p := audit(t, alice.client, url.Values{"type": {service.AuditGeoRule}})
		if !slices.ContainsFunc(p.Events, func(ev auditEvent) bool {
			return ev.Result == "ok" && ev.Detail["mode"] == "deny" && ev.Detail["countries"] == "DE,US" && ev.Detail["unknown"] == "allow"
		}) {
			t.Errorf("no successful change in %+v", p.Events)
		}
		if !slices.ContainsFunc(p.Events, func(ev auditEvent) bool { return ev.Result == "denied" && ev.Actor == viewer.ID }) {
			t.Errorf("the viewer's refused change is not recorded in %+v", p.Events)
		}
		if !slices.ContainsFunc(p.Events, func(ev auditEvent) bool { return ev.Result == "failed" && strings.Contains(ev.Detail["reason"], "UK") }) {
			t.Errorf("the invalid change is not recorded in %+v", p.Events)
		}
	})
}

// TestGeoRuleSignIn: a deny-listed country cannot sign in, with the very
// answer of a wrong password, whoever the login names; the refusal is
// audited with the country.
func TestGeoRuleSignIn(t *testing.T) {
	t.Parallel()
	f := newGeoFixture(t, behindProxy)
	alice := f.A.Owner
	setGeo(t, alice.client, obj{"mode": "deny", "countries": []string{"DE"}})
	carol := f.addUser(t, f.A, "carol")
	carolSecret, _ := enableTOTP(t, f.login(t, "carol"))

	t.Run("alice signs in from an allowed country, and the country is audited", func(t *testing.T) {
		signInFrom(t, f, inFR, "alice", password).ok(t, 200)
		if ev := geoEvent(t, alice.client, "auth.login", "FR"); ev.Result != "ok" || ev.ClientIP != inFR {
			t.Errorf("sign-in event %+v", ev)
		}
	})
	refused := signInFrom(t, f, inDE, "alice", password)
	t.Run("the right password from a deny-listed country is refused like a wrong one", func(t *testing.T) {
		sameRefusal(t, "right vs wrong password from DE", refused, signInFrom(t, f, inDE, "alice", wrong))
	})
	t.Run("the refusal is the same for a login that names nobody", func(t *testing.T) {
		sameRefusal(t, "known vs unknown login from DE", refused, signInFrom(t, f, inDE, "nobody-at-all", password))
		sameRefusal(t, "known from DE vs unknown from FR", refused, signInFrom(t, f, inFR, "nobody-at-all", password))
	})
	t.Run("an IPv6 address of the country is refused too", func(t *testing.T) {
		sameRefusal(t, "IPv6 from DE", refused, signInFrom(t, f, inDE6, "alice", password))
	})
	t.Run("a second factor does not tell the password was right", func(t *testing.T) {
		r := f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "carol", "password": password}, from(inDE))
		sameRefusal(t, "TOTP user from DE without a code", refused, r)
		r = f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "carol", "password": password, "totp_code": codeAt(t, carolSecret, time.Now())}, from(inDE))
		sameRefusal(t, "TOTP user from DE with a good code", refused, r)
		f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "carol", "password": password}, from(inFR)).fails(t, 401, "mfa_required", "-")
	})
	t.Run("a client cannot hide behind an address it writes before its own", func(t *testing.T) {
		r := f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "alice", "password": password}, from(inFR+", "+inDE))
		sameRefusal(t, "FR written by the client, DE appended by the proxy", refused, r)
	})
	t.Run("the refusal is audited against alice, with the country and the client address", func(t *testing.T) {
		ev := geoEvent(t, alice.client, "auth.login", "DE")
		if ev.Result != "denied" || ev.Target != "user:"+alice.ID || ev.ClientIP != inDE || !strings.Contains(ev.Detail["reason"], "geography") {
			t.Errorf("refusal event %+v", ev)
		}
		n := 0
		for _, ev := range audit(t, alice.client, url.Values{"type": {"auth.login"}, "target": {"user:" + carol.ID}}).Events {
			if ev.Detail["country"] == "DE" && ev.Result == "denied" && strings.Contains(ev.Detail["reason"], "geography") {
				n++
			}
		}
		if n != 2 {
			t.Errorf("carol's two sign-ins from DE are recorded as %d refusals by the rule", n)
		}
	})
	t.Run("the rule is the account's: Beta's owner signs in from the same country", func(t *testing.T) {
		signInFrom(t, f, inDE, "bob", password).ok(t, 200)
	})
	t.Run("a session opened before the rule keeps working", func(t *testing.T) {
		// The rule applies at sign-in; ending sessions is session management's.
		s := f.login(t, "alice")
		setGeo(t, alice.client, obj{"mode": "allow", "countries": []string{"US"}})
		s.do(t, "GET", "/api/v1/me", nil, from(inDE)).ok(t, 200)
		wantUnauthenticated(t, signInFrom(t, f, inFR, "alice", password))
		signInFrom(t, f, inUS, "alice", password).ok(t, 200)
	})
}

// TestGeoRuleUnknownLocations: what the rule does with a client it cannot
// locate is the account's choice.
func TestGeoRuleUnknownLocations(t *testing.T) {
	t.Parallel()
	f := newGeoFixture(t, behindProxy)
	alice := f.A.Owner
	setRules(t, alice.client, obj{"mode": "open"})
	signup := func(addr, name string) *resp {
		return f.anon().do(t, "POST", "/api/v1/auth/signup", obj{"account": f.A.Account, "username": name, "email": name + "@alpha.example", "password": password}, from(addr))
	}
	n := 0
	for _, c := range []struct {
		name    string
		rule    obj
		addr    string
		allowed bool
	}{
		{"an allow-list refuses an address the database does not hold by default", obj{"mode": "allow", "countries": []string{"FR"}}, nowhere, false},
		{"an allow-list refuses a private address by default", obj{"mode": "allow", "countries": []string{"FR"}}, "10.1.2.3", false},
		{"an allow-list told to lets an unknown address in", obj{"mode": "allow", "countries": []string{"FR"}, "unknown": "allow"}, nowhere, true},
		{"a deny-list lets an unknown address in by default", obj{"mode": "deny", "countries": []string{"DE"}}, nowhere, true},
		{"a deny-list told to refuses an unknown address", obj{"mode": "deny", "countries": []string{"DE"}, "unknown": "deny"}, nowhere, false},
		{"a deny-list told to refuses loopback", obj{"mode": "deny", "countries": []string{"DE"}, "unknown": "deny"}, "127.0.0.1", false},
		{"a deny-list refusing unknown locations still lets a known country in", obj{"mode": "deny", "countries": []string{"DE"}, "unknown": "deny"}, inUS, true},
	} {
		t.Run(c.name+" to sign in and to sign up", func(t *testing.T) {
			setGeo(t, alice.client, c.rule)
			n++
			name := "newbie" + strings.Repeat("x", n)
			in, up := signInFrom(t, f, c.addr, "alice", password), signup(c.addr, name)
			if c.allowed {
				in.ok(t, 200)
				up.ok(t, 202)
				return
			}
			wantUnauthenticated(t, in)
			up.fails(t, 403, "location_not_allowed", "-")
			if ev := geoEvent(t, alice.client, "auth.login", "unknown"); ev.ClientIP != c.addr {
				t.Errorf("the refusal is recorded with client address %s, want %s", ev.ClientIP, c.addr)
			}
		})
	}
}

// TestGeoRuleIgnoresSpoofedHeaders: a header the configuration does not
// trust, or from a peer that is not a trusted proxy, never changes the
// country, neither to get into an allow-list nor out of a deny-list.
func TestGeoRuleIgnoresSpoofedHeaders(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		rs   clientip.Resolver
	}{
		{"with no proxy header trusted (the default)", clientip.Resolver{}},
		{"with X-Forwarded-For trusted from other proxies only", clientip.Resolver{Header: "X-Forwarded-For", Proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}},
		{"with X-Real-IP trusted instead", clientip.Resolver{Header: "X-Real-IP", Proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newGeoFixture(t, c.rs)
			alice := f.A.Owner
			t.Run("a spoofed X-Forwarded-For is not the caller's country", func(t *testing.T) {
				var g geoSettings
				alice.do(t, "GET", "/api/v1/account/geo", nil, from(inFR)).ok(t, 200).decode(t, &g)
				if g.ClientCountry != "" {
					t.Errorf("client_country = %q, want unknown (loopback)", g.ClientCountry)
				}
			})
			t.Run("claiming an allowed country does not get into an allow-list", func(t *testing.T) {
				setGeo(t, alice.client, obj{"mode": "allow", "countries": []string{"FR"}})
				wantUnauthenticated(t, signInFrom(t, f, inFR, "alice", password))
				ev := geoEvent(t, alice.client, "auth.login", "unknown")
				if ev.ClientIP != "127.0.0.1" || ev.Result != "denied" {
					t.Errorf("the refusal is recorded as %+v, want from 127.0.0.1", ev)
				}
			})
			t.Run("claiming a denied country does not lock a user out", func(t *testing.T) {
				setGeo(t, alice.client, obj{"mode": "deny", "countries": []string{"DE"}})
				signInFrom(t, f, inDE, "alice", password).ok(t, 200)
			})
		})
	}
}

// TestGeoRuleSignup: a deny-listed country cannot sign up, and the
// refusal says nothing of who is registered.
func TestGeoRuleSignup(t *testing.T) {
	t.Parallel()
	f := newGeoFixture(t, behindProxy)
	alice := f.A.Owner
	setRules(t, alice.client, obj{"mode": "open"})
	setGeo(t, alice.client, obj{"mode": "deny", "countries": []string{"DE"}})
	signup := func(acct, addr, username, email string) *resp {
		return f.anon().do(t, "POST", "/api/v1/auth/signup", obj{"account": acct, "username": username, "email": email, "password": password}, from(addr))
	}

	refused := signup(f.A.Account, inDE, "zed", "zed@alpha.example")
	t.Run("a sign-up from a deny-listed country is refused with location_not_allowed", func(t *testing.T) {
		refused.fails(t, 403, "location_not_allowed", "-")
	})
	t.Run("the refusal is the same for a taken username and a registered email", func(t *testing.T) {
		for _, r := range []*resp{
			signup(f.A.Account, inDE, "alice", "someone@alpha.example"),
			signup(f.A.Account, inDE, "someone", alice.Email),
			signup(f.A.Account, inDE6, "zed", "zed@alpha.example"),
		} {
			r.fails(t, 403, "location_not_allowed", "-")
			if !bytes.Equal(r.body, refused.body) {
				t.Errorf("bodies differ:\n%s\n%s", refused.body, r.body)
			}
		}
	})
	t.Run("nobody was created and no mail was sent", func(t *testing.T) {
		f.svc.WaitBackground()
		if slices.Contains(usernames(t, alice.client, "pending"), "zed") {
			t.Errorf("zed was created")
		}
		for _, to := range []string{"zed@alpha.example", "someone@alpha.example", alice.Email} {
			if n := len(f.mailBodies(t, to)); n != 0 {
				t.Errorf("%d mails to %s", n, to)
			}
		}
	})
	t.Run("a closed account refuses as closed, like an unknown account, whatever its rule", func(t *testing.T) {
		setGeo(t, f.B.Owner.client, obj{"mode": "deny", "countries": []string{"DE"}})
		a := signup(f.B.Account, inDE, "zed", "zed@beta.example").fails(t, 403, "signup_closed", "-")
		b := signup("acct_nope", inDE, "zed", "zed@beta.example").fails(t, 403, "signup_closed", "-")
		if a != b {
			t.Errorf("a closed account and an unknown one refuse differently: %+v, %+v", a, b)
		}
	})
	t.Run("the same sign-up from an allowed country is accepted", func(t *testing.T) {
		signup(f.A.Account, inFR, "zed", "zed@alpha.example").ok(t, 202)
		f.svc.WaitBackground()
		if !slices.Contains(usernames(t, alice.client, "pending"), "zed") {
			t.Errorf("no pending user zed")
		}
	})
	t.Run("the refusal is audited with the country, the accepted sign-up with its country", func(t *testing.T) {
		ev := geoEvent(t, alice.client, "auth.signup", "DE")
		if ev.Result != "denied" || ev.ClientIP == "" || ev.Detail["username"] == "" {
			t.Errorf("refusal event %+v", ev)
		}
		if ev := geoEvent(t, alice.client, "auth.signup", "FR"); ev.Result != "ok" || ev.Target == "" {
			t.Errorf("accepted sign-up event %+v", ev)
		}
	})
}

// TestGeoRuleInvitation: a deny-listed country cannot accept an
// invitation, which stays open; a bad token is refused as one first.
func TestGeoRuleInvitation(t *testing.T) {
	t.Parallel()
	f := newGeoFixture(t, behindProxy)
	alice := f.A.Owner
	setGeo(t, alice.client, obj{"mode": "deny", "countries": []string{"DE"}})
	alice.do(t, "POST", "/api/v1/invitations", obj{"email": "zed@elsewhere.example"}).ok(t, 201)
	tok := f.inviteToken(t, "zed@elsewhere.example")
	accept := func(addr, token string) *resp {
		return f.anon().do(t, "POST", "/api/v1/auth/accept-invitation", obj{"token": token, "username": "zed", "password": password}, from(addr))
	}

	t.Run("an unknown token from a deny-listed country is an invalid token, not a location", func(t *testing.T) {
		accept(inDE, "ati_"+strings.Repeat("A", 43)).fails(t, 400, "invalid_token", "token")
	})
	t.Run("a valid token from a deny-listed country is refused with location_not_allowed", func(t *testing.T) {
		accept(inDE, tok).fails(t, 403, "location_not_allowed", "-")
	})
	t.Run("no user was created and the invitation is still pending", func(t *testing.T) {
		if slices.Contains(usernames(t, alice.client, "active"), "zed") {
			t.Errorf("zed was created")
		}
		var l struct {
			Invitations []struct {
				Email string `json:"email"`
			} `json:"invitations"`
		}
		alice.get(t, "/api/v1/invitations").ok(t, 200).decode(t, &l)
		if len(l.Invitations) != 1 || l.Invitations[0].Email != "zed@elsewhere.example" {
			t.Errorf("invitations %+v", l.Invitations)
		}
	})
	t.Run("the refusal is audited with the country", func(t *testing.T) {
		if ev := geoEvent(t, alice.client, "invitation.accept", "DE"); ev.Result != "denied" || ev.ClientIP != inDE {
			t.Errorf("refusal event %+v", ev)
		}
	})
	t.Run("the invitation is accepted from an allowed country", func(t *testing.T) {
		accept(inFR, tok).ok(t, 201)
		signInFrom(t, f, inFR, "zed", password).ok(t, 200)
		wantUnauthenticated(t, signInFrom(t, f, inDE, "zed", password))
	})
}
