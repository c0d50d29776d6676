package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
)

// TestShareCommands: an operator sets the share link limits, lists an
// account's links (never a token) and revokes one; the API's links made
// through the service on the same data directory are what they see.
func TestShareCommands(t *testing.T) {
	data := t.TempDir()
	mk := func(args ...string) string {
		t.Helper()
		r := run(t, nil, append(args, "--data", data)...)
		if r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
		return strings.TrimSpace(r.stdout)
	}
	mk("account", "create", "--id", "acme", "--name", "Acme", "--owner-username", "ada", "--owner-email", "ada@acme.example", "--max-share-links", "5")
	mk("account", "limits", "--account", "acme", "--max-share-links", "3", "--max-share-link-days", "30")
	if r := run(t, nil, "account", "limits", "--data", data, "--account", "acme", "--max-share-link-days", "99999"); r.code != 1 || !strings.Contains(r.stderr, "max_share_link_days") {
		t.Errorf("an impossible validity: %+v", r)
	}
	carol := mk("user", "create", "--username", "carol", "--email", "carol@acme.example")

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
	acct, _ := svc.GetAccount(ctx, owner)
	if acct.Limits.MaxShareLinks != 3 || acct.Limits.MaxShareLinkDays != 30 {
		t.Errorf("limits %+v", acct.Limits)
	}
	ws, err := svc.CreateWorkspace(ctx, owner, service.WorkspaceInput{Name: "News"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := svc.CreateRecord(ctx, owner, service.RecordInput{WorkspaceID: ws.ID, Title: "Flood"})
	if err != nil {
		t.Fatal(err)
	}
	carolActor := service.Actor{UserID: carol, AccountID: "acme"}
	l1, err := svc.CreateShareLink(ctx, carolActor, service.ShareLinkInput{Target: "record:" + rec.ID, Password: "harbour lights"})
	if err != nil {
		t.Fatal(err)
	}
	l2, err := svc.CreateShareLink(ctx, owner, service.ShareLinkInput{Target: "record:" + rec.ID, Download: true, MaxDownloads: 2})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	out := mk("share", "list")
	line := regexp.MustCompile(`^shr_\S+\t\S+\t\S+\trecord:` + rec.ID + `\tactive\tdownload=(off|on|max\d+)\tpassword=(true|false)\texpires=\S+$`)
	lines := strings.Split(out, "\n")
	if len(lines) != 2 || !line.MatchString(lines[0]) || !line.MatchString(lines[1]) || !strings.HasPrefix(lines[0], l2.ID+"\t") {
		t.Fatalf("list:\n%s", out)
	}
	if !strings.Contains(lines[0], "download=max2\tpassword=false") || !strings.Contains(lines[1], "\t"+carol+"\t") || !strings.Contains(lines[1], "password=true") {
		t.Errorf("list:\n%s", out)
	}
	if strings.Contains(out, l1.Token) || strings.Contains(out, l2.Token) {
		t.Error("the listing shows a token")
	}
	if got := mk("share", "list", "--created-by", carol); !strings.HasPrefix(got, l1.ID+"\t") || strings.Count(got, "\n") != 0 {
		t.Errorf("carol's links: %q", got)
	}
	mk("share", "revoke", "--id", l1.ID)
	if got := mk("share", "list", "--active"); !strings.HasPrefix(got, l2.ID+"\t") || strings.Contains(got, l1.ID) {
		t.Errorf("active links: %q", got)
	}
	if got := mk("share", "list", "--created-by", carol); !strings.Contains(got, "\trevoked\t") {
		t.Errorf("the revoked link: %q", got)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"share", "revoke"}, 2},
		{[]string{"share", "revoke", "--id", "shr_nope"}, 1},
		{[]string{"share", "frob"}, 2},
		{[]string{"share"}, 2},
	} {
		if r := run(t, nil, append(c.args, "--data", data)...); r.code != c.code {
			t.Errorf("%v: exit %d, want %d (%+v)", c.args, r.code, c.code, r)
		}
	}
}
