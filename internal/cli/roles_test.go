package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRoleCommands: custom roles are defined, listed, granted and revoked
// by name, changed and deleted from the command line, with the service's
// rules (validation, roles still held) applying as over the API.
func TestRoleCommands(t *testing.T) {
	data := t.TempDir()
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("correct horse battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(t, nil, "account", "create", "--data", data, "--name", "Acme", "--owner-username", "ada", "--owner-email", "ada@acme.example", "--owner-password-file", pw); r.code != 0 {
		t.Fatalf("account create: %+v", r)
	}
	bob := strings.TrimSpace(run(t, nil, "user", "create", "--data", data, "--username", "bob", "--email", "bob@acme.example").stdout)
	group := strings.TrimSpace(run(t, nil, "group", "create", "--data", data, "--name", "Desk").stdout)

	r := run(t, nil, "role", "define", "--data", data, "--name", "auditor", "--description", "Reads the log", "--permission", "view_audit", "--permission", "review_access")
	if r.code != 0 || !regexp.MustCompile(`^role_[a-z0-9]+\n$`).MatchString(r.stdout) {
		t.Fatalf("role define: %+v", r)
	}
	id := strings.TrimSpace(r.stdout)
	steps := []struct {
		name string
		args []string
		code int
		out  *regexp.Regexp // stdout must match
		err  string         // stderr must contain
	}{
		{"defining a role with manage_owners is refused, naming the field", []string{"role", "define", "--name", "crown", "--permission", "manage_owners"}, 1, regexp.MustCompile(`^$`), "validation_failed: permissions"},
		{"defining a role with a built-in role's name is refused", []string{"role", "define", "--name", "admin"}, 1, regexp.MustCompile(`^$`), "validation_failed: name"},
		{"define needs a name", []string{"role", "define"}, 2, regexp.MustCompile(`^$`), "--name is required"},
		{"list shows the built-in roles with their bundles and the custom one with its id", []string{"role", "list"}, 0,
			regexp.MustCompile(`(?s)^owner\tbuilt-in\t.*manage_owners.*\nlibrary_viewer\tbuilt-in\t\nauditor\t` + id + `\treview_access,view_audit\n$`), ""},
		{"permissions lists the catalogue", []string{"role", "permissions"}, 0, regexp.MustCompile(`(?m)^manage_roles\t.+$`), ""},
		{"grant gives a custom role to a user by name", []string{"role", "grant", "--subject", "user:" + bob, "--role", "auditor"}, 0, regexp.MustCompile(`^$`), ""},
		{"grant gives a custom role to a group by id", []string{"role", "grant", "--subject", "group:" + group, "--role", id}, 0, regexp.MustCompile(`^$`), ""},
		{"grant of a role the account does not have fails", []string{"role", "grant", "--subject", "user:" + bob, "--role", "nobody"}, 1, regexp.MustCompile(`^$`), `no role "nobody"`},
		{"a held role cannot be deleted", []string{"role", "delete", "--role", "auditor"}, 1, regexp.MustCompile(`^$`), "role_in_use"},
		{"change renames the role and sets its permissions", []string{"role", "change", "--role", "auditor", "--name", "reviewer", "--permission", "review_access"}, 0, regexp.MustCompile(`^$`), ""},
		{"revoke takes it from the user", []string{"role", "revoke", "--subject", "user:" + bob, "--role", "reviewer"}, 0, regexp.MustCompile(`^$`), ""},
		{"revoke takes it from the group", []string{"role", "revoke", "--subject", "group:" + group, "--role", "reviewer"}, 0, regexp.MustCompile(`^$`), ""},
		{"once released it is deleted", []string{"role", "delete", "--role", "reviewer"}, 0, regexp.MustCompile(`^$`), ""},
		{"the list no longer has it", []string{"role", "list"}, 0, regexp.MustCompile(`(?s)^(\S+\tbuilt-in\t[^\n]*\n){6}$`), ""},
		{"built-in roles are granted as before", []string{"role", "grant", "--subject", "user:" + bob, "--role", "library_viewer"}, 0, regexp.MustCompile(`^$`), ""},
		{"an unknown role subcommand is a usage error", []string{"role", "frobnicate"}, 2, regexp.MustCompile(`^$`), "unknown role command"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			args := append(append([]string{}, st.args...), "--data", data)
			if st.args[1] == "frobnicate" {
				args = st.args
			}
			r := run(t, nil, args...)
			if r.code != st.code || !st.out.MatchString(r.stdout) || !strings.Contains(r.stderr, st.err) {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d, stdout matching %s, stderr containing %q", r.code, r.stdout, r.stderr, st.code, st.out, st.err)
			}
		})
	}
}
