package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
)

// TestModerationCommands: an operator relates a moderated group to its
// approvers, lists what is held, and decides as an approver, never as the
// uploader.
func TestModerationCommands(t *testing.T) {
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
	uma := mk("user", "create", "--username", "uma", "--email", "uma@acme.example")
	ann := mk("user", "create", "--username", "ann", "--email", "ann@acme.example")
	stringers := mk("group", "create", "--name", "Stringers", "--member", "user:"+uma)
	desk := mk("group", "create", "--name", "Desk", "--member", "user:"+ann)
	if r := run(t, nil, "access", "relate", "--data", data, "--requester-group", stringers, "--approver-group", desk, "--kind", "publish"); r.code != 1 || !strings.Contains(r.stderr, "kind") {
		t.Errorf("relate with an unknown kind: %+v", r)
	}
	rel := mk("access", "relate", "--requester-group", stringers, "--approver-group", desk, "--kind", "moderation")
	if got := mk("access", "relations"); got != rel+"\trequesters="+stringers+"\tapprovers="+desk+"\tkind=moderation" {
		t.Errorf("relations: %q", got)
	}

	// uma uploads two records through the service on the same directory.
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, data, false)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(ctx, st, service.Options{Password: identity.TestParams})
	if err != nil {
		t.Fatal(err)
	}
	owner, err := svc.OwnerActor(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := svc.CreateWorkspace(ctx, owner, service.WorkspaceInput{Name: "News", Members: []domain.Grant{{Subject: authz.User(uma), Role: "contributor"}}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, title := range []string{"First", "Second"} {
		rec, err := svc.CreateRecord(ctx, service.Actor{UserID: uma, AccountID: "acme"}, service.RecordInput{WorkspaceID: ws.ID, Title: title})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rec.ID)
	}
	st.Close()

	line := regexp.MustCompile(`^record:` + ids[0] + `\trecord=` + ids[0] + `\tuploader=` + uma + `\tapprovers=` + desk + `\t\S+\nrecord:` + ids[1] + `\t`)
	if got := mk("moderation", "list"); !line.MatchString(got + "\n") {
		t.Errorf("list: %q", got)
	}
	if r := run(t, nil, "moderation", "publish", "--data", data, "--as", uma, "--type", "record", "--id", ids[0]); r.code != 1 || !strings.Contains(r.stderr, "own upload") {
		t.Errorf("the uploader publishing: %+v", r)
	}
	if r := run(t, nil, "moderation", "publish", "--data", data, "--type", "record", "--id", ids[0]); r.code != 2 {
		t.Errorf("publish without --as: %+v", r)
	}
	if got := mk("moderation", "publish", "--as", ann, "--type", "record", "--id", ids[0]); got != "record:"+ids[0]+"\tpublished" {
		t.Errorf("publish: %q", got)
	}
	if r := run(t, nil, "moderation", "reject", "--data", data, "--as", ann, "--type", "record", "--id", ids[1]); r.code != 1 || !strings.Contains(r.stderr, "reason") {
		t.Errorf("reject without a reason: %+v", r)
	}
	if got := mk("moderation", "reject", "--as", ann, "--type", "record", "--id", ids[1], "--reason", "duplicate"); got != "record:"+ids[1]+"\trejected" {
		t.Errorf("reject: %q", got)
	}
	if got := mk("moderation", "list"); got != "" {
		t.Errorf("list after the decisions: %q", got)
	}
}
