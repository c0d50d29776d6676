package cli

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"atrium/internal/mail"
)

// TestClearPendingAndOutboxCommands: a person clears unvalidated users and
// reads the outbox from the command line.
func TestClearPendingAndOutboxCommands(t *testing.T) {
	data := t.TempDir()
	r := run(t, nil, "account", "create", "--data", data, "--id", "acme", "--name", "Acme", "--owner-username", "ada", "--owner-email", "ada@acme.example")
	if r.code != 0 {
		t.Fatalf("account create: %+v", r)
	}
	var pending []string
	for _, u := range []string{"p1", "p2"} {
		r := run(t, nil, "user", "create", "--data", data, "--username", u, "--email", u+"@acme.example", "--status", "pending")
		if r.code != 0 {
			t.Fatalf("user create: %+v", r)
		}
		pending = append(pending, strings.TrimSpace(r.stdout))
	}
	box := mail.Outbox{Dir: filepath.Join(data, "outbox"), From: "Atrium <atrium@acme.example>"}
	if err := box.Send(context.Background(), mail.Message{To: "p1@acme.example", Subject: "Confirm your email", Body: "token atv_x"}); err != nil {
		t.Fatal(err)
	}
	es, err := box.List()
	if err != nil || len(es) != 1 {
		t.Fatalf("outbox: %v %v", es, err)
	}
	slices.Sort(pending) // the commands list users by id
	want := strings.Join(pending, "\n") + "\n"
	tests := []struct {
		name string
		args []string
		code int
		out  *regexp.Regexp
	}{
		{"clear-pending needs the age", []string{"user", "clear-pending", "--data", data}, 2, regexp.MustCompile(`^$`)},
		{"a dry run lists the pending users", []string{"user", "clear-pending", "--data", data, "--account", "acme", "--older-than-days", "0", "--dry-run"}, 0, regexp.MustCompile(`^` + regexp.QuoteMeta(want) + `$`)},
		{"users younger than the age stay", []string{"user", "clear-pending", "--data", data, "--older-than-days", "3"}, 0, regexp.MustCompile(`^$`)},
		{"clearing deletes and lists them", []string{"user", "clear-pending", "--data", data, "--older-than-days", "0"}, 0, regexp.MustCompile(`^` + regexp.QuoteMeta(want) + `$`)},
		{"a second clear finds none", []string{"user", "clear-pending", "--data", data, "--older-than-days", "0"}, 0, regexp.MustCompile(`^$`)},
		{"outbox list prints id, date, recipient and subject", []string{"outbox", "list", "--data", data}, 0, regexp.MustCompile(`^` + es[0].ID + `\t\S+\tp1@acme.example\tConfirm your email\n$`)},
		{"outbox show prints the message", []string{"outbox", "show", "--data", data, es[0].ID}, 0, regexp.MustCompile(`(?s)^From: Atrium <atrium@acme.example>\r\nTo: p1@acme.example\r\n.*token atv_x`)},
		{"outbox show refuses an id that is not one", []string{"outbox", "show", "--data", data, "../../etc/passwd"}, 1, regexp.MustCompile(`^$`)},
		{"outbox list of an empty data directory prints nothing", []string{"outbox", "list", "--data", t.TempDir()}, 0, regexp.MustCompile(`^$`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, nil, tc.args...)
			if r.code != tc.code || !tc.out.MatchString(r.stdout) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and stdout matching %s", r.code, r.stdout, r.stderr, tc.code, tc.out)
			}
		})
	}
}
