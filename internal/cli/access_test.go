package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
)

// TestAccessCommands: an operator relates groups, lists the requests made
// through the service, revokes a grant and ends grants past their date.
func TestAccessCommands(t *testing.T) {
	data := t.TempDir()
	if r := run(t, nil, "account", "create", "--data", data, "--id", "acme", "--name", "Acme", "--owner-username", "ada", "--owner-email", "ada@acme.example"); r.code != 0 {
		t.Fatalf("account create: %+v", r)
	}
	mk := func(args ...string) string {
		t.Helper()
		r := run(t, nil, append(args, "--data", data)...)
		if r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
		return strings.TrimSpace(r.stdout)
	}
	carol := mk("user", "create", "--username", "carol", "--email", "carol@acme.example")
	dave := mk("user", "create", "--username", "dave", "--email", "dave@acme.example", "--role", "admin")
	req := mk("group", "create", "--name", "Freelancers", "--member", "user:"+carol)
	apr := mk("group", "create", "--name", "Curators", "--member", "user:"+dave)

	rel := mk("access", "relate", "--requester-group", req, "--approver-group", apr)
	if r := run(t, nil, "access", "relate", "--data", data, "--approver-group", apr); r.code != 1 || !strings.Contains(r.stderr, "requester") {
		t.Errorf("relate without requesters: %+v", r)
	}
	if got := mk("access", "relations"); got != rel+"\trequesters="+req+"\tapprovers="+apr+"\tkind=access" {
		t.Errorf("relations: %q", got)
	}

	// carol asks, dave approves with an end date a moment away, through
	// the service on the same data directory.
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, data, false)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(ctx, st, service.Options{Password: identity.TestParams})
	if err != nil {
		t.Fatal(err)
	}
	q, err := svc.RequestAccess(ctx, service.Actor{UserID: carol, AccountID: "acme", Scopes: []string{service.ScopeRead, service.ScopeWrite, service.ScopeAdmin}},
		service.AccessRequestInput{TargetType: "account", Access: "view"})
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(300 * time.Millisecond)
	if _, err := svc.ApproveAccessRequest(ctx, service.Actor{UserID: dave, AccountID: "acme", Scopes: []string{service.ScopeRead, service.ScopeWrite, service.ScopeAdmin}}, q.ID, service.Decision{Until: &until}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	if got := mk("access", "list", "--status", "approved"); !regexp.MustCompile(`^` + q.ID + `\t\S+\t` + carol + `\taccount:acme\tview\tapproved\tuntil=\S+$`).MatchString(got) {
		t.Errorf("list: %q", got)
	}
	if got := mk("access", "list", "--status", "pending"); got != "" {
		t.Errorf("pending: %q", got)
	}
	if r := run(t, nil, "access", "list", "--data", data, "--status", "lost"); r.code != 1 {
		t.Errorf("bad status: %+v", r)
	}
	time.Sleep(400 * time.Millisecond)
	if got := mk("access", "expire"); got != "1 grants ended" {
		t.Errorf("expire: %q", got)
	}
	if got := mk("access", "list", "--status", "expired"); !strings.HasPrefix(got, q.ID+"\t") {
		t.Errorf("expired: %q", got)
	}
	if r := run(t, nil, "access", "revoke", "--data", data, "--id", q.ID); r.code != 1 || !strings.Contains(r.stderr, "request_not_granted") {
		t.Errorf("revoking an expired grant: %+v", r)
	}
	if r := run(t, nil, "access", "fly", "--data", data); r.code != 2 {
		t.Errorf("unknown subcommand: %+v", r)
	}
}
