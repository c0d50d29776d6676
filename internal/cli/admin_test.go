package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"atrium/internal/identity"
	"atrium/internal/mail"
	"atrium/internal/service"
	"atrium/internal/store"
	"atrium/internal/store/sqlstore"
)

// step is one command of a scenario and what it must answer.
type step struct {
	name string
	args []string
	code int
	out  *regexp.Regexp // stdout must match
	err  *regexp.Regexp // stderr must match, if set
}

// runSteps runs the steps in order, each as a subtest: later steps see
// what earlier ones did.
func runSteps(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := run(t, nil, s.args...)
			if r.code != s.code || !s.out.MatchString(r.stdout) || s.err != nil && !s.err.MatchString(r.stderr) {
				t.Errorf("atrium %s: exit %d, stdout %q, stderr %q; want exit %d, stdout matching %s", strings.Join(s.args, " "), r.code, r.stdout, r.stderr, s.code, s.out)
				if s.err != nil {
					t.Errorf("and stderr matching %s", s.err)
				}
			}
		})
	}
}

var nothing = regexp.MustCompile(`^$`)

// sideService opens a service on the data directory, as a running server
// would: sessions and second factors are made through it.
func sideService(t *testing.T, data string, opt service.Options) *service.Service {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, data, false)
	if err != nil {
		t.Fatal(err)
	}
	opt.Password = identity.TestParams
	svc, err := service.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		svc.WaitBackground()
		st.Close()
	})
	return svc
}

// enableTOTP turns a second factor on for a user through the service.
func enableTOTP(t *testing.T, svc *service.Service, a service.Actor) {
	t.Helper()
	ctx := context.Background()
	en, err := svc.StartTOTP(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(en.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ConfirmTOTP(ctx, a, code); err != nil {
		t.Fatal(err)
	}
}

// TestIdentityAdministrationCommands: an operator manages sessions,
// tokens, second factors, user status, invitations, sign-up rules and
// reads the audit log from the command line, with the service's rules.
func TestIdentityAdministrationCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("correct horse battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "account", "create", "--data", data, "--id", "acme", "--name", "Acme", "--owner-username", "ada", "--owner-email", "ada@acme.example", "--owner-password-file", pw)
	if r.code != 0 {
		t.Fatalf("account create: %+v", r)
	}
	ada := regexp.MustCompile(`owner (\S+) \(ada\)`).FindStringSubmatch(r.stdout)[1]
	newUser := func(name string) string {
		r := run(t, nil, "user", "create", "--data", data, "--username", name, "--email", name+"@acme.example", "--password-file", pw)
		if r.code != 0 {
			t.Fatalf("user create %s: %+v", name, r)
		}
		return strings.TrimSpace(r.stdout)
	}
	bob, carol := newUser("bob"), newUser("carol")

	// As a server would: bob signs in twice, then bob and ada turn a
	// second factor on; a client knocks twice with a bogus verification
	// token under a limit of one, which is recorded outside any account.
	side := sideService(t, data, service.Options{RateLimit: service.RateLimit{PerIP: 1, PerEmail: -1}})
	for range 2 {
		if _, err := side.SignIn(ctx, service.Login{Login: "bob", Password: "correct horse battery", IP: "192.0.2.1", UserAgent: "cli test"}); err != nil {
			t.Fatal(err)
		}
	}
	enableTOTP(t, side, service.Actor{UserID: bob, AccountID: "acme"})
	enableTOTP(t, side, service.Actor{UserID: ada, AccountID: "acme"})
	for range 2 {
		_ = side.VerifyEmail(ctx, "atv_bogus", "192.0.2.7")
	}
	side.WaitBackground()

	d := func(args ...string) []string { return append(args, "--data", data) }

	t.Run("sessions", func(t *testing.T) {
		r := run(t, nil, d("session", "list", "--user", bob)...)
		ids := regexp.MustCompile(`(?m)^(ses_[0-9a-f]{32})\t\S+\t\S+\t192\.0\.2\.1\tcli test$`).FindAllStringSubmatch(r.stdout, -1)
		if r.code != 0 || len(ids) != 2 {
			t.Fatalf("session list: %+v", r)
		}
		first, second := ids[0][1], ids[1][1]
		runSteps(t, []step{
			{"session list needs --user", d("session", "list"), 2, nothing, regexp.MustCompile(`--user ID is required`)},
			{"session without a subcommand is a usage error", d("session"), 2, nothing, nil},
			{"session list of an unknown user fails", d("session", "list", "--user", "usr_nope"), 1, nothing, regexp.MustCompile(`no user usr_nope`)},
			{"session revoke ends the one session named", d("session", "revoke", "--user", bob, "--id", first), 0, nothing, nil},
			{"session list then shows the other session only", d("session", "list", "--user", bob), 0, regexp.MustCompile(`^` + second + `\t[^\n]*\n$`), nil},
			{"session revoke of a session that is not one of the user's fails", d("session", "revoke", "--user", carol, "--id", second), 1, nothing, regexp.MustCompile(`not_found`)},
			{"session revoke without --id ends every session of the user", d("session", "revoke", "--user", bob), 0, nothing, nil},
			{"session list then prints nothing", d("session", "list", "--user", bob), 0, nothing, nil},
		})
	})

	t.Run("tokens", func(t *testing.T) {
		runSteps(t, []step{
			{"token create with scopes prints the token and nothing else", d("token", "create", "--user", bob, "--name", "ro", "--scope", "read", "--scope", "write"), 0, regexp.MustCompile(`^atr_[A-Za-z0-9_-]{43}\n$`), nil},
			{"token create refuses an unknown scope", d("token", "create", "--user", bob, "--scope", "root"), 1, nothing, regexp.MustCompile(`validation_failed: scopes`)},
			{"token list shows each token's scopes, never its secret", d("token", "list", "--user", bob), 0, regexp.MustCompile(`^tok_\S+\tro\tread,write\t\S+\t-\t-\n$`), nil},
			{"token revoke needs --id", d("token", "revoke"), 2, nothing, nil},
			{"token revoke of an unknown token fails", d("token", "revoke", "--id", "tok_nope"), 1, nothing, regexp.MustCompile(`no token tok_nope`)},
			{"token without a subcommand is a usage error", d("token"), 2, nothing, regexp.MustCompile(`usage: atrium token`)},
		})
		id := strings.Fields(run(t, nil, d("token", "list", "--user", bob)...).stdout)[0]
		runSteps(t, []step{
			{"token revoke revokes a token by id", d("token", "revoke", "--id", id), 0, nothing, nil},
			{"token list then shows when it was revoked", d("token", "list", "--user", bob), 0, regexp.MustCompile(`^` + id + `\tro\tread,write\t\S+\t-\t\d{4}-\d\d-\d\dT\S+\n$`), nil},
		})
	})

	t.Run("second factors", func(t *testing.T) {
		runSteps(t, []step{
			{"user mfa-reset needs --user", d("user", "mfa-reset"), 2, nothing, nil},
			{"user mfa-reset removes a user's factor", d("user", "mfa-reset", "--user", bob), 0, regexp.MustCompile(`^two-factor sign-in of ` + bob + ` removed`), nil},
			{"user mfa-reset of a user without a factor fails", d("user", "mfa-reset", "--user", carol), 1, nothing, regexp.MustCompile(`not_found`)},
			{"user mfa-reset works for the account's only owner", d("user", "mfa-reset", "--user", ada), 0, regexp.MustCompile(`removed`), nil},
			{"user mfa-reset of an unknown user fails", d("user", "mfa-reset", "--user", "usr_nope"), 1, nothing, regexp.MustCompile(`not_found`)},
		})
		for _, id := range []string{bob, ada} {
			if _, err := side.Store().GetTOTP(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the factor of %s after the reset: %v", id, err)
			}
		}
	})

	t.Run("user status and listing", func(t *testing.T) {
		runSteps(t, []step{
			{"user list prints every user with email, status and roles", d("user", "list"), 0,
				regexp.MustCompile(`(?m)\A(?:user_\S+\t(?:ada\tada@acme\.example\tactive\towner|bob\tbob@acme\.example\tactive\t|carol\tcarol@acme\.example\tactive\t)\n){3}\z`), nil},
			{"user status bans a user with a reason", d("user", "status", "--user", bob, "--status", "banned", "--reason", "spam"), 0, regexp.MustCompile(`^` + bob + `\tbanned\n$`), nil},
			{"user list --status lists only users of that status", d("user", "list", "--status", "banned"), 0, regexp.MustCompile(`^` + bob + `\tbob\t[^\n]*\n$`), nil},
			{"user list refuses an unknown status", d("user", "list", "--status", "gone"), 2, nothing, nil},
			{"user status refuses pending as a new status", d("user", "status", "--user", bob, "--status", "pending"), 2, nothing, regexp.MustCompile(`active, deactivated or banned`)},
			{"user status needs --user", d("user", "status", "--status", "active"), 2, nothing, nil},
			{"user status of an unknown user fails", d("user", "status", "--user", "usr_nope", "--status", "active"), 1, nothing, nil},
			{"user status will not deactivate the last owner", d("user", "status", "--user", ada, "--status", "deactivated"), 1, nothing, regexp.MustCompile(`last_owner`)},
			{"user status reactivates a banned user", d("user", "status", "--user", bob, "--status", "active"), 0, regexp.MustCompile(`^` + bob + `\tactive\n$`), nil},
			{"user with an unknown subcommand is a usage error", d("user", "frobnicate"), 2, nothing, nil},
		})
	})

	t.Run("invitations", func(t *testing.T) {
		runSteps(t, []step{
			{"invite needs --email", d("invite"), 2, nothing, regexp.MustCompile(`--email is required`)},
			{"invite refuses an expiry over the maximum", d("invite", "--email", "x@acme.example", "--expires-days", "31"), 2, nothing, nil},
			{"invite refuses a malformed email", d("invite", "--email", "not an email"), 1, nothing, regexp.MustCompile(`validation_failed: email`)},
			{"invite refuses an unknown role", d("invite", "--email", "x@acme.example", "--role", "emperor"), 1, nothing, regexp.MustCompile(`roles`)},
			{"invite prints the invitation's id and says the token was mailed", d("invite", "--email", "new@acme.example", "--role", "library_viewer", "--expires-days", "3"), 0,
				regexp.MustCompile(`^inv_\S+\n$`), regexp.MustCompile(`the token was mailed to them`)},
			{"invite list shows the pending invitation", d("invite", "list"), 0, regexp.MustCompile(`^inv_\S+\tnew@acme\.example\tlibrary_viewer\t\t\S+\n$`), nil},
			{"invite revoke of an unknown invitation fails", d("invite", "revoke", "--id", "inv_nope"), 1, nothing, regexp.MustCompile(`not_found`)},
			{"invite revoke needs --id", d("invite", "revoke"), 2, nothing, nil},
		})
		box := mail.Outbox{Dir: filepath.Join(data, "outbox")}
		es, err := box.List()
		if err != nil {
			t.Fatal(err)
		}
		var body string
		for _, e := range es {
			if e.To == "new@acme.example" {
				body, _ = box.Text(e.ID)
			}
		}
		if !regexp.MustCompile(`\bati_[A-Za-z0-9_-]{43}\b`).MatchString(body) {
			t.Errorf("no invitation token mailed to new@acme.example: %q", body)
		}
		id := strings.Fields(run(t, nil, d("invite", "list")...).stdout)[0]
		runSteps(t, []step{
			{"invite revoke revokes it", d("invite", "revoke", "--id", id), 0, nothing, nil},
			{"invite list is then empty", d("invite", "list"), 0, nothing, nil},
		})
	})

	t.Run("sign-up rules", func(t *testing.T) {
		fields := filepath.Join(t.TempDir(), "fields.json")
		os.WriteFile(fields, []byte(`[{"name":"dept","label":"Department","type":"choice","required":true,"choices":["News","Sports"]}]`), 0o600)
		badFields := filepath.Join(t.TempDir(), "bad.json")
		os.WriteFile(badFields, []byte(`[{"name":"dept","colour":"red"}]`), 0o600)
		runSteps(t, []step{
			{"signup show prints the rules of an account that never set any: closed", d("signup", "show"), 0, regexp.MustCompile(`(?s)^\{\n  "mode": "closed",\n  "approval_required": false,\n  "domains": \[\],\n  "fields": \[\]\n\}\n$`), nil},
			{"signup set with nothing to set is a usage error", d("signup", "set"), 2, nothing, nil},
			{"signup without a subcommand is a usage error", d("signup"), 2, nothing, nil},
			{"signup set changes mode, approval and domains", d("signup", "set", "--mode", "domain", "--approval-required", "--domains", "acme.example, Example.org"), 0,
				regexp.MustCompile(`(?s)"mode": "domain",\n  "approval_required": true,\n  "domains": \[\n    "acme.example",\n    "example.org"\n  \]`), nil},
			{"signup set --fields-file sets the fields and keeps the rest", d("signup", "set", "--fields-file", fields), 0, regexp.MustCompile(`(?s)"mode": "domain",.*"name": "dept"`), nil},
			{"signup set --approval-required=false turns approval off alone", d("signup", "set", "--approval-required=false"), 0, regexp.MustCompile(`(?s)"mode": "domain",\n  "approval_required": false,.*"dept"`), nil},
			{"signup set refuses an unknown mode", d("signup", "set", "--mode", "sometimes"), 1, nothing, regexp.MustCompile(`validation_failed: mode`)},
			{"signup set refuses a fields file with unknown keys", d("signup", "set", "--fields-file", badFields), 1, nothing, regexp.MustCompile(`colour`)},
			{"signup set refuses a missing fields file", d("signup", "set", "--fields-file", filepath.Join(t.TempDir(), "none.json")), 1, nothing, nil},
		})
	})

	t.Run("geography rule", func(t *testing.T) {
		runSteps(t, []step{
			{"geo show prints the rule of an account that never set one: off", d("geo", "show"), 0, regexp.MustCompile(`(?s)^\{\n  "mode": "off",\n  "countries": \[\],\n  "unknown": "allow"\n\}\n$`), nil},
			{"geo set with nothing to set is a usage error", d("geo", "set"), 2, nothing, nil},
			{"geo without a subcommand is a usage error", d("geo"), 2, nothing, nil},
			{"geo set makes a deny-list, codes upper-cased", d("geo", "set", "--mode", "deny", "--countries", "fr, de"), 0, regexp.MustCompile(`(?s)"mode": "deny",\n  "countries": \[\n    "DE",\n    "FR"\n  \]`), nil},
			{"geo set refuses a code that is no country", d("geo", "set", "--countries", "UK"), 1, nothing, regexp.MustCompile(`validation_failed`)},
			{"geo set --mode off lets everyone in again and keeps the list", d("geo", "set", "--mode", "off"), 0, regexp.MustCompile(`(?s)"mode": "off",.*"FR"`), nil},
		})
	})

	t.Run("audit log", func(t *testing.T) {
		runSteps(t, []step{
			{"audit prints the newest events, one per line", d("audit", "--limit", "3"), 0, regexp.MustCompile(`\A(?:\d{4}-\d\d-\d\dT\S+Z\t[a-z_.]+\t(?:ok|denied|failed)\t\S+\t\S+\t\S+\t[^\n]*\n){3}\z`), nil},
			{"audit --type keeps only that type: the two second-factor resets by the operator and the refused one", d("audit", "--type", "mfa.reset"), 0,
				regexp.MustCompile(`\A(?:\S+\tmfa\.reset\t(?:ok\t-\tuser:(?:` + bob + `|` + ada + `)\tlocal\tmfa="totp" sessions="\d+"|denied\t-\tuser:` + carol + `\tlocal\treason="two-factor sign-in not found")\n){3}\z`), nil},
			{"audit --target and --actor narrow to the ban and its reason", d("audit", "--target", "user:"+bob, "--actor", ada, "--type", "user.update", "--limit", "1"), 0,
				regexp.MustCompile(`^\S+\tuser\.update\tok\t` + ada + `\tuser:` + bob + `\tlocal\tstatus="banned -> active"\n$`), nil},
			{"audit --since in the future prints nothing", d("audit", "--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)), 0, nothing, nil},
			{"audit --until in the past prints nothing", d("audit", "--until", "2000-01-01T00:00:00Z"), 0, nothing, nil},
			{"audit refuses a --since that is not RFC 3339", d("audit", "--since", "yesterday"), 2, nothing, regexp.MustCompile(`RFC 3339`)},
			{"audit refuses --until before --since", d("audit", "--since", "2026-02-01T00:00:00Z", "--until", "2026-01-01T00:00:00Z"), 2, nothing, nil},
			{"audit refuses a --limit below 1", d("audit", "--limit", "0"), 2, nothing, nil},
			{"audit --instance shows refusals recorded outside any account", d("audit", "--instance", "--type", "auth.rate_limited"), 0,
				regexp.MustCompile(`^\S+\tauth\.rate_limited\tdenied\t-\t-\t192\.0\.2\.7\taction="verify_email" counter="client address" limit="1" [^\n]*\n$`), nil},
			{"audit --instance and --account exclude each other", d("audit", "--instance", "--account", "acme"), 2, nothing, nil},
		})
		t.Run("audit --json prints one JSON event per line", func(t *testing.T) {
			r := run(t, nil, d("audit", "--json", "--limit", "2")...)
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			if r.code != 0 || len(lines) != 2 {
				t.Fatalf("audit --json: %+v", r)
			}
			for _, l := range lines {
				var ev struct {
					Type   string `json:"type"`
					Result string `json:"result"`
				}
				if err := json.Unmarshal([]byte(l), &ev); err != nil || ev.Type == "" || ev.Result == "" {
					t.Errorf("line %q: %+v %v", l, ev, err)
				}
			}
		})
		t.Run("the reason of the ban is in the log", func(t *testing.T) {
			r := run(t, nil, d("audit", "--target", "user:"+bob, "--type", "user.update")...)
			if !strings.Contains(r.stdout, `status="active -> banned" status_reason="spam"`) {
				t.Errorf("audit of bob's updates: %+v", r)
			}
		})
	})
}

// TestAccountCommandsNeedTheAccountWhenThereAreSeveral: commands acting on
// an account's data refuse to guess among several.
func TestAccountCommandsNeedTheAccountWhenThereAreSeveral(t *testing.T) {
	data := t.TempDir()
	for _, id := range []string{"one", "two"} {
		if r := run(t, nil, "account", "create", "--data", data, "--id", id, "--name", id, "--owner-username", "o"+id, "--owner-email", "o@"+id+".example"); r.code != 0 {
			t.Fatalf("account create: %+v", r)
		}
	}
	var steps []step
	for _, args := range [][]string{{"user", "list"}, {"invite", "list"}, {"invite", "--email", "x@one.example"}, {"signup", "show"}, {"audit"}} {
		steps = append(steps, step{strings.Join(args, " ") + " without --account is a usage error naming the accounts", append(args, "--data", data), 2, nothing, regexp.MustCompile(`--account is required.*one, two`)})
	}
	steps = append(steps, step{"user list --account lists that account's users only", []string{"user", "list", "--data", data, "--account", "two"}, 0, regexp.MustCompile(`^user_\S+\totwo\t[^\n]*\n$`), nil})
	runSteps(t, steps)
}
