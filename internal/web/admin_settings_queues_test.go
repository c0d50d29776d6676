package web_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// embargoed is a record of Alpha that only its workspace's members see.
func (f *consoleFixture) embargoed(t testing.TB, title string) string {
	t.Helper()
	return f.record(t, f.A, service.RecordInput{Title: title, ACL: &[]domain.ACLEntry{}})
}

func TestAccessRequestsFromAskingToApprovalAndRevocation(t *testing.T) {
	f := newConsoleFixture(t)
	rec := f.embargoed(t, "Embargoed flood report")
	rita, erin := f.signedIn(t, "rita"), f.signedIn(t, "erin")
	ask := "/ui/access-requests?type=record&id=" + rec
	if p := rita.get("/ui/records/" + rec); p.status != 404 {
		t.Fatalf("rita sees the embargoed record before asking: %d", p.status)
	}

	t.Run("a link naming the record fills the form", func(t *testing.T) {
		p := rita.get(ask)
		if attr(p.byID("f-target_id"), "value") != rec || !hasAttr(p.find(func(n *html.Node) bool {
			return n.Data == "option" && attr(n, "value") == "record"
		}), "selected") {
			t.Errorf("the form is not filled:\n%s", p.body)
		}
	})
	t.Run("a record that does not exist is refused next to its id", func(t *testing.T) {
		p := rita.submit(rita.get(ask), "/ui/access-requests", url.Values{"access": {"view"}, "target_id": {"rec_nonesuch"}})
		if got := p.fieldError("target_id"); !strings.Contains(got, "no such record") {
			t.Errorf("error next to the id: %q", got)
		}
	})
	t.Run("someone in no requester group is told so above the form", func(t *testing.T) {
		v := f.signedIn(t, "victor")
		p := v.submit(v.get(ask), "/ui/access-requests", url.Values{"access": {"view"}, "message": {"please"}})
		if p.status != 403 || !strings.Contains(textIn(p, func(n *html.Node) bool { return attr(n, "class") == "form-error" }), "no requester group") {
			t.Errorf("victor asking: %d\n%s", p.status, p.body)
		}
	})
	t.Run("the requester asks with a message and sees the request waiting", func(t *testing.T) {
		p := rita.submit(rita.get(ask), "/ui/access-requests", url.Values{"access": {"view"}, "message": {"For the flood story"}})
		if p.path() != "/ui/access-requests" || !strings.Contains(p.body, "Your request is sent") {
			t.Fatalf("after asking: %s %d\n%s", p.url, p.status, p.body)
		}
		if got := p.textOf("my-requests"); !strings.Contains(got, "view access to record "+rec+": pending") {
			t.Errorf("her requests: %q", got)
		}
		if strings.Contains(f.lastMailTo(t, "erin@alpha.example"), "For the flood story") == false {
			t.Error("the approver was not mailed the message")
		}
	})
	t.Run("asking twice is refused", func(t *testing.T) {
		p := rita.submit(rita.get(ask), "/ui/access-requests", url.Values{"access": {"view"}})
		if p.status != 409 || !strings.Contains(p.body, "asked for this record already") {
			t.Errorf("asking twice: %d", p.status)
		}
	})
	reqs, err := f.svc.ListAccessRequests(f.ctx, f.rita, service.AccessRequestQuery{Mine: true})
	if err != nil || len(reqs.Requests) != 1 {
		t.Fatalf("%+v %v", reqs, err)
	}
	id := reqs.Requests[0].ID
	queue := "/ui/admin/requests"

	t.Run("the approver sees it in the queue, with the message and the levels to grant", func(t *testing.T) {
		p := erin.get(queue)
		got := p.textOf("req-" + id)
		if !strings.Contains(got, "rita asks for view access to record "+rec) || !strings.Contains(got, "For the flood story") {
			t.Errorf("the queue says %q", got)
		}
		if v := attr(p.find(func(n *html.Node) bool {
			return n.Data == "option" && hasAttr(n, "selected") && attr(n.Parent, "id") == "f-"+id+"-level"
		}), "value"); v != "view" {
			t.Errorf("the level offered is %q", v)
		}
	})
	t.Run("someone who reviews but does not approve sees it without the forms", func(t *testing.T) {
		p := f.signedIn(t, "alice").get(queue)
		if !strings.Contains(p.textOf("req-"+id), "rita asks") || p.byID("f-"+id+"-level") != nil {
			t.Errorf("alice's queue:\n%s", p.textOf("requests"))
		}
	})
	t.Run("another account's owner does not see it", func(t *testing.T) {
		p := f.signedIn(t, "bob").get(queue)
		if p.byID("req-"+id) != nil || p.byID("no-requests") == nil {
			t.Errorf("bob's queue: %s", p.textOf("requests"))
		}
	})
	for _, c := range []struct {
		name, action, field, want string
		values                    url.Values
	}{
		{"an end date in the past is refused next to it", "approve", "until", "must be in the future", url.Values{"until": {"2001-01-01"}}},
		{"a rejection without a reason is refused next to the reason", "reject", "reason", "Say why", url.Values{"reason": {""}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := erin.submit(erin.get(queue), queue+"/"+id+"/"+c.action, c.values)
			if p.status != 422 {
				t.Fatalf("status %d\n%s", p.status, p.body)
			}
			if got := p.fieldError(id + "-" + c.field); !strings.Contains(got, c.want) {
				t.Errorf("error next to %s: %q", c.field, got)
			}
		})
	}
	t.Run("approving until a date grants it: the requester opens the record", func(t *testing.T) {
		until := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
		p := erin.submit(erin.get(queue), queue+"/"+id+"/approve", url.Values{"level": {"download"}, "until": {until}})
		if !strings.Contains(p.body, "The request is approved") || p.byID("req-"+id) != nil {
			t.Fatalf("after approving: %s %d\n%s", p.url, p.status, p.body)
		}
		if r := rita.get("/ui/records/" + rec); r.status != 200 || r.h1() != "Embargoed flood report" {
			t.Errorf("rita opening the record: %d %q", r.status, r.h1())
		}
		got := rita.get("/ui/access-requests").textOf("req-" + id)
		if !strings.Contains(got, "approved") || !strings.Contains(got, "granted download until") {
			t.Errorf("her request says %q", got)
		}
	})
	t.Run("revoking the grant takes the record away again", func(t *testing.T) {
		approved := queue + "?status=approved"
		p := erin.get(approved)
		p = erin.submit(p, queue+"/"+id+"/revoke", url.Values{"reason": {"story dropped"}})
		if !strings.Contains(p.body, "The grant is revoked.") || p.url.Query().Get("status") != "approved" {
			t.Fatalf("after revoking: %s\n%s", p.url, p.body)
		}
		if r := rita.get("/ui/records/" + rec); r.status != 404 {
			t.Errorf("rita still opens the record: %d", r.status)
		}
	})
	t.Run("a pending request is withdrawn by its requester", func(t *testing.T) {
		other := f.embargoed(t, "Another embargo")
		p := rita.submit(rita.get("/ui/access-requests?type=record&id="+other), "/ui/access-requests", url.Values{"access": {"download"}})
		reqs, _ := f.svc.ListAccessRequests(f.ctx, f.rita, service.AccessRequestQuery{Mine: true, Status: "pending"})
		if len(reqs.Requests) != 1 {
			t.Fatalf("pending: %+v", reqs.Requests)
		}
		p = rita.submit(p, "/ui/access-requests/"+reqs.Requests[0].ID+"/withdraw", nil)
		if !strings.Contains(p.body, "Your request is withdrawn.") || !strings.Contains(p.textOf("req-"+reqs.Requests[0].ID), "withdrawn") {
			t.Errorf("after withdrawing: %s", p.textOf("my-requests"))
		}
	})
}

func TestApprovalRelationshipsAreSetUpOnTheQueuesPage(t *testing.T) {
	f := newConsoleFixture(t)
	b := f.signedIn(t, "alice")
	const queue = "/ui/admin/requests"
	t.Run("a relationship without requester groups is refused next to them", func(t *testing.T) {
		p := b.submit(b.get(queue), queue+"/relations", url.Values{"approver_group": {f.curators}})
		if got := p.fieldError("requester_groups"); !strings.Contains(got, "at least one requester group") {
			t.Errorf("error: %q (%d)", got, p.status)
		}
	})
	t.Run("a relationship is added and deleted", func(t *testing.T) {
		p := b.submit(b.get(queue), queue+"/relations", url.Values{"kind": {"access"}, "requester_groups": {f.stringers}, "approver_group": {f.desk}})
		if !strings.Contains(p.body, "The relationship is saved.") || !strings.Contains(p.textOf("relations"), "access: Stringers → approved by Desk") {
			t.Fatalf("after adding: %d %s", p.status, p.textOf("relations"))
		}
		rels, _ := f.svc.ListApprovalRelations(f.ctx, f.A.Owner)
		if len(rels) != 3 {
			t.Fatalf("relations %+v", rels)
		}
		p = b.submit(p, queue+"/relations/"+rels[2].ID+"/delete", nil)
		if !strings.Contains(p.body, "The relationship is deleted.") {
			t.Errorf("after deleting: %s", p.body)
		}
		if rels, _ := f.svc.ListApprovalRelations(f.ctx, f.A.Owner); len(rels) != 2 {
			t.Errorf("relations %+v", rels)
		}
	})
	t.Run("an approver without manage_groups sees the relationships but no form", func(t *testing.T) {
		p := f.signedIn(t, "erin").get(queue)
		if !strings.Contains(p.textOf("relations"), "Freelancers → approved by Curators") || p.byID("f-approver_group") != nil {
			t.Errorf("erin's page: %s", p.textOf("relations"))
		}
	})
}

func TestHeldUploadsArePublishedOrRejectedInTheModerationQueue(t *testing.T) {
	f := newConsoleFixture(t)
	held := func(title string) string {
		rec, err := f.svc.CreateRecord(f.ctx, f.uma, service.RecordInput{WorkspaceID: f.A.Workspace, Title: title})
		if err != nil || rec.Moderation == nil {
			t.Fatalf("%+v %v", rec, err)
		}
		return rec.ID
	}
	fire, blurry := held("Harbour fire"), held("Blurry")
	erin := f.signedIn(t, "erin")
	const queue = "/ui/admin/moderation"
	t.Run("the approver sees both uploads with their uploader", func(t *testing.T) {
		got := erin.get(queue).textOf("held")
		if !strings.Contains(got, "Harbour fire") || !strings.Contains(got, "Blurry") || !strings.Contains(got, "Uploaded byuma") {
			t.Errorf("the queue says %q", got)
		}
	})
	t.Run("the uploader has no queue", func(t *testing.T) {
		if p := f.signedIn(t, "uma").get(queue); p.status != 404 {
			t.Errorf("status %d", p.status)
		}
	})
	t.Run("a rejection without a reason is refused next to the reason", func(t *testing.T) {
		p := erin.submit(erin.get(queue), queue+"/record/"+blurry+"/reject", nil)
		if got := p.fieldError("record-" + blurry + "-reason"); !strings.Contains(got, "Say why") {
			t.Errorf("error: %q (%d)", got, p.status)
		}
	})
	t.Run("a rejection with a reason deletes the upload and tells the uploader", func(t *testing.T) {
		p := erin.submit(erin.get(queue), queue+"/record/"+blurry+"/reject", url.Values{"reason": {"out of focus"}})
		if !strings.Contains(p.body, "The upload is rejected") || strings.Contains(p.textOf("held"), "Blurry") {
			t.Fatalf("after rejecting: %s", p.textOf("held"))
		}
		if !strings.Contains(f.lastMailTo(t, "uma@alpha.example"), "out of focus") {
			t.Error("uma was not told why")
		}
	})
	t.Run("publishing shows the upload to the workspace", func(t *testing.T) {
		if p := f.signedIn(t, "victor").get("/ui/records/" + fire); p.status != 404 {
			t.Fatalf("victor sees the held record: %d", p.status)
		}
		p := erin.submit(erin.get(queue), queue+"/record/"+fire+"/publish", nil)
		if !strings.Contains(p.body, "The upload is published.") || p.byID("no-held") == nil {
			t.Fatalf("after publishing: %s", p.textOf("held"))
		}
		if p := f.signedIn(t, "victor").get("/ui/records/" + fire); p.status != 200 {
			t.Errorf("victor opening the published record: %d", p.status)
		}
	})
	t.Run("deciding again is not found", func(t *testing.T) {
		p := erin.post(queue+"/record/"+fire+"/publish", url.Values{"csrf_token": {csrfOf(t, erin.get(queue))}})
		if p.status != 404 {
			t.Errorf("status %d", p.status)
		}
	})
}

func TestUsageShowsWhatTheAccountUsesOfItsPlan(t *testing.T) {
	f := newConsoleFixture(t)
	if err := f.svc.SetLimits(f.ctx, f.A.Account, domain.Limits{MaxUsers: 10, MaxShareLinkDays: 30}); err != nil {
		t.Fatal(err)
	}
	p := f.signedIn(t, "alice").get("/ui/admin/usage")
	for id, want := range map[string][]string{
		"usage-users":       {"Active users", "5", "10", "5 of 10"},
		"usage-workspaces":  {"Workspaces", "1", "no limit", ""},
		"usage-storage":     {"Storage", "0 B", "no limit", ""},
		"usage-share-links": {"Share links in force", "0", "no limit", ""},
	} {
		var got []string
		for c := p.byID(id).FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				got = append(got, strings.TrimSpace(text(c)))
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	if !strings.Contains(p.body, "at most 30 days") {
		t.Error("the share links' validity is not told")
	}
	if m := p.find(func(n *html.Node) bool { return n.Data == "meter" }); m == nil || attr(m, "max") != "10" || attr(m, "value") != "5" {
		t.Error("no meter of the users")
	}
}

func TestTheAuditLogIsFilteredAndPaged(t *testing.T) {
	f := newConsoleFixture(t)
	for i := range 55 {
		name := "Alpha " + strconv.Itoa(i)
		if _, err := f.svc.UpdateAccount(f.ctx, f.A.Owner, service.AccountUpdate{Name: &name}); err != nil {
			t.Fatal(err)
		}
	}
	b := f.signedIn(t, "alice")
	rows := func(p *page) []*html.Node {
		return p.findAll(func(n *html.Node) bool { return n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" })
	}
	t.Run("the newest events come first, 50 a page, with a link to the older ones", func(t *testing.T) {
		p := b.get("/ui/admin/audit")
		if n := len(rows(p)); n != 50 {
			t.Fatalf("%d rows", n)
		}
		if got := strings.Fields(text(rows(p)[0])); !strings.Contains(strings.Join(got, " "), "auth.login") {
			t.Errorf("the newest event is not alice's sign-in: %v", got)
		}
		next := p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "rel") == "next" })
		if next == nil {
			t.Fatal("no link to older events")
		}
		older := b.get(attr(next, "href"))
		if len(rows(older)) == 0 || older.find(func(n *html.Node) bool { return n.Data == "a" && text(n) == "Newest" }) == nil {
			t.Errorf("the older page: %d rows", len(rows(older)))
		}
	})
	for _, c := range []struct {
		name, query string
		check       func(t *testing.T, p *page)
	}{
		{"a type shows only its events", "?type=account.update", func(t *testing.T, p *page) {
			if n := len(rows(p)); n != 50 {
				t.Errorf("%d rows", n)
			}
			for _, r := range rows(p) {
				if !strings.Contains(text(r), "account.update") {
					t.Errorf("row %q", text(r))
				}
			}
		}},
		{"an actor is given by username", "?actor=alice&type=auth.login", func(t *testing.T, p *page) {
			for _, r := range rows(p) {
				if !strings.Contains(text(r), "alice") {
					t.Errorf("row %q", text(r))
				}
			}
			if len(rows(p)) == 0 {
				t.Error("no event of alice (her sign-in)")
			}
		}},
		{"a user target shows the user's name", "?target=user:" + f.rita.UserID, func(t *testing.T, p *page) {
			if len(rows(p)) == 0 || !strings.Contains(text(rows(p)[0]), "user rita") {
				t.Errorf("rows %d", len(rows(p)))
			}
		}},
		{"a username nobody has is refused next to the actor", "?actor=nobody", func(t *testing.T, p *page) {
			if p.status != 400 || !strings.Contains(p.fieldError("actor"), "No user") {
				t.Errorf("%d %q", p.status, p.fieldError("actor"))
			}
		}},
		{"a day that is not one is refused next to it", "?from=yesterday", func(t *testing.T, p *page) {
			if !strings.Contains(p.fieldError("from"), "YYYY-MM-DD") {
				t.Errorf("%q", p.fieldError("from"))
			}
		}},
		{"a range that ends before it starts is refused next to its end", "?from=2026-02-01&to=2026-01-01", func(t *testing.T, p *page) {
			if !strings.Contains(p.fieldError("to"), "after from") {
				t.Errorf("%d %q", p.status, p.fieldError("to"))
			}
		}},
		{"days far in the past find nothing", "?to=2001-01-01", func(t *testing.T, p *page) {
			if p.byID("no-events") == nil {
				t.Error("no empty notice")
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) { c.check(t, b.get("/ui/admin/audit"+c.query)) })
	}
	t.Run("the export link downloads the same events from the API as JSON", func(t *testing.T) {
		p := b.get("/ui/admin/audit?type=account.update")
		href := attr(p.byID("export"), "href")
		if !strings.HasPrefix(href, "/api/v1/audit?") || !strings.Contains(href, "type=account.update") {
			t.Fatalf("export link %q", href)
		}
		res := b.get(href)
		if res.status != 200 || strings.Count(res.body, `"type":"account.update"`) != 55 {
			t.Errorf("export: %d, %d events", res.status, strings.Count(res.body, `"type":"account.update"`))
		}
	})
	t.Run("another account's owner sees none of these events", func(t *testing.T) {
		p := f.signedIn(t, "bob").get("/ui/admin/audit?type=account.update")
		if p.byID("no-events") == nil {
			t.Errorf("bob sees %d events", len(rows(p)))
		}
	})
}
