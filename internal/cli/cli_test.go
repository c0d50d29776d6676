package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"atrium/internal/identity"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] }, Password: identity.TestParams})
	return result{code, out.String(), errb.String()}
}

const edge = "../../testdata/scenarios/edge/scenario.jsonl"

func TestCommandsWorkOnADataDirectory(t *testing.T) {
	data := t.TempDir()
	if r := run(t, nil, "import", "--data", data, edge); r.code != 0 || !strings.Contains(r.stdout, "imported 3 accounts, 300 users") {
		t.Fatalf("import: %+v", r)
	}
	tests := []struct {
		name string
		args []string
		code int
		out  *regexp.Regexp // stdout must match
	}{
		{"token create prints the token and nothing else", []string{"token", "create", "--data", data, "--user", "u000001"}, 0, regexp.MustCompile(`^atr_[A-Za-z0-9_-]{43}\n$`)},
		{"flags may follow the subcommand's positional arguments", []string{"token", "create", "--user", "u000001", "--data", data}, 0, regexp.MustCompile(`^atr_`)},
		{"token create refuses an inactive user", []string{"token", "create", "--data", data, "--user", "nobody"}, 1, regexp.MustCompile(`^$`)},
		{"check answers true for the account owner on its record", []string{"check", "--data", data, "--subject", "user:u000002", "--permission", "can_manage", "--object", "record:r0000001"}, 0, regexp.MustCompile(`^true\n$`)},
		{"check answers false for the owner of another account", []string{"check", "--data", data, "--subject", "user:u000001", "--permission", "can_view", "--object", "record:r0000001"}, 0, regexp.MustCompile(`^false\n$`)},
		{"check rejects a permission the type does not have", []string{"check", "--data", data, "--subject", "user:u000001", "--permission", "can_download", "--object", "record:r0000001"}, 1, regexp.MustCompile(`^$`)},
		{"list prints one id per line", []string{"list", "--data", data, "--subject", "user:u000001", "--permission", "can_view", "--type", "collection", "--limit", "3"}, 0, regexp.MustCompile(`^(c\d+\n){3}$`)},
		{"explain prints the verdict and its paths", []string{"explain", "--data", data, "--subject", "user:u000002", "--permission", "can_view", "--object", "record:r0000001"}, 0, regexp.MustCompile(`^allowed\n  via account_role: user:u000002 owner account:a2 → account:a2 account workspace:w\d+ → workspace:w\d+ workspace record:r0000001\n`)},
		{"explain says why not for another account's record", []string{"explain", "--data", data, "--subject", "user:u000001", "--permission", "can_view", "--object", "record:r0000001"}, 0, regexp.MustCompile(`^denied: object_not_found\n$`)},
		{"who lists users", []string{"who", "--data", data, "--permission", "can_manage", "--object", "record:r0000001"}, 0, regexp.MustCompile(`^(u\d{6}\n)+$`)},
		{"an unknown command is a usage error", []string{"frobnicate"}, 2, regexp.MustCompile(`^$`)},
		{"an unknown flag is a usage error", []string{"check", "--data", data, "--bogus"}, 2, regexp.MustCompile(`^$`)},
		{"a missing data directory is an error, not a new database", []string{"check", "--data", filepath.Join(data, "nope"), "--subject", "user:u1", "--permission", "can_view", "--object", "record:r1"}, 1, regexp.MustCompile(`^$`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, nil, tc.args...)
			if r.code != tc.code || !tc.out.MatchString(r.stdout) {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d and stdout matching %s", r.code, r.stdout, r.stderr, tc.code, tc.out)
			}
		})
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	data := t.TempDir()
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	content := `{"kind":"account","id":"a1","name":"A"}
{"kind":"user","id":"u1","account":"a1","email":"u1@a.example","name":"U","status":"active","account_roles":["owner"]}
{"kind":"workspace","id":"w1","account":"a1","name":"W","members":[{"subject":"user:u9","role":"viewer"}]}
`
	if err := os.WriteFile(bad, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "import", "--data", data, bad)
	if r.code != 1 || !strings.Contains(r.stderr, "line 3") || !strings.Contains(r.stderr, "user:u9") {
		t.Fatalf("import of a bad reference: %+v", r)
	}
	if r := run(t, nil, "account", "list", "--data", data); r.code != 0 || r.stdout != "" {
		t.Errorf("after a failed import the database holds accounts: %+v", r)
	}
}

func TestAdministrationCommandsApplyTheDomainRules(t *testing.T) {
	data := t.TempDir()
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("correct horse battery\n"), 0o600)
	r := run(t, nil, "account", "create", "--data", data, "--name", "Acme", "--owner-username", "ada", "--owner-email", "ada@acme.example", "--owner-password-file", pw)
	if r.code != 0 || !strings.Contains(r.stdout, "account acct_") || strings.Contains(r.stdout, "password") {
		t.Fatalf("account create: %+v", r)
	}
	ada := regexp.MustCompile(`owner (\S+) \(ada\)`).FindStringSubmatch(r.stdout)[1]
	r = run(t, nil, "user", "create", "--data", data, "--username", "bob", "--email", "bob@acme.example")
	if r.code != 0 {
		t.Fatalf("user create: %+v", r)
	}
	bob := strings.TrimSpace(r.stdout)
	if r := run(t, nil, "user", "create", "--data", data, "--username", "bob", "--email", "bob2@acme.example"); r.code != 1 || !strings.Contains(r.stderr, "already_exists") {
		t.Errorf("duplicate username: %+v", r)
	}
	r = run(t, nil, "group", "create", "--data", data, "--name", "Editors", "--member", "user:"+bob)
	if r.code != 0 {
		t.Fatalf("group create: %+v", r)
	}
	group := strings.TrimSpace(r.stdout)
	if r := run(t, nil, "role", "grant", "--data", data, "--subject", "group:"+group, "--role", "owner"); r.code != 1 || !strings.Contains(r.stderr, "owner role is held by users only") {
		t.Errorf("granting owner to a group: %+v", r)
	}
	if r := run(t, nil, "role", "grant", "--data", data, "--subject", "user:"+bob, "--role", "library_viewer"); r.code != 0 {
		t.Errorf("role grant: %+v", r)
	}
	if r := run(t, nil, "who", "--data", data, "--permission", "can_manage", "--object", "record:none"); r.code != 1 {
		t.Errorf("who on a missing object: %+v", r)
	}
	carol := strings.TrimSpace(run(t, nil, "user", "create", "--data", data, "--username", "carol", "--email", "carol@acme.example", "--role", "owner").stdout)
	if r := run(t, nil, "role", "revoke", "--data", data, "--subject", "user:"+carol, "--role", "owner"); r.code != 0 {
		t.Errorf("revoking one of two owners: %+v", r)
	}
	if r := run(t, nil, "role", "revoke", "--data", data, "--subject", "user:"+ada, "--role", "owner"); r.code != 1 || !strings.Contains(r.stderr, "last_owner") {
		t.Errorf("revoking the last owner: %+v", r)
	}
}

// TestServeBootstrapsFromEnvironmentAndServesTheAPI starts the real server
// on a free port, signs in as the bootstrap owner over HTTP, and checks
// that a CLI write to the same data directory reaches the running server.
func TestServeBootstrapsFromEnvironmentAndServesTheAPI(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{
		"ATRIUM_BOOTSTRAP_ACCOUNT":  "Acme",
		"ATRIUM_BOOTSTRAP_USERNAME": "ada",
		"ATRIUM_BOOTSTRAP_EMAIL":    "ada@acme.example",
		"ATRIUM_BOOTSTRAP_PASSWORD": "correct horse battery",
		"ATRIUM_SYNC_INTERVAL":      "50ms",
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- Main(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, Env{Stdout: io.Discard, Stderr: pw,
			Getenv: func(k string) string { return env[k] }, Password: identity.TestParams})
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	addr := ""
	sc := bufio.NewScanner(pr)
	var logged strings.Builder
	for sc.Scan() {
		logged.WriteString(sc.Text() + "\n")
		if m := regexp.MustCompile(`msg=serving addr=(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if addr == "" {
		t.Fatalf("server did not start:\n%s", logged.String())
	}
	if strings.Contains(logged.String(), "correct horse") {
		t.Error("the bootstrap password was logged")
	}
	base := "http://" + addr
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"login":"ADA@acme.example","password":"correct horse battery"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login as the bootstrap owner: %d", resp.StatusCode)
	}
	// The web UI is served beside the API, with its embedded assets.
	for path, want := range map[string]string{"/ui/signin": "text/html", "/ui/static/app.css": "text/css", "/ui/static/app.js": "javascript"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), want) {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	// A user created by the CLI while the server runs can use a token
	// issued by the CLI: the server syncs from the change log.
	r := run(t, nil, "user", "create", "--data", data, "--username", "bob", "--email", "bob@acme.example")
	if r.code != 0 {
		t.Fatalf("user create: %+v", r)
	}
	tok := strings.TrimSpace(run(t, nil, "token", "create", "--data", data, "--user", strings.TrimSpace(r.stdout)).stdout)
	deadline := time.Now().Add(5 * time.Second)
	for {
		req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var me struct {
			User struct{ Username string } `json:"user"`
		}
		json.NewDecoder(resp.Body).Decode(&me)
		resp.Body.Close()
		if resp.StatusCode == 200 && me.User.Username == "bob" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server never saw the CLI's user: last status %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
