package web_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// picks are the ids the grid's selection checkboxes carry.
func (p *page) picks() []string {
	var out []string
	for _, n := range p.findAll(func(n *html.Node) bool { return n.Data == "input" && attr(n, "form") == "batch-form" }) {
		out = append(out, attr(n, "value"))
	}
	return out
}

func TestBatchSelectionInTheGrid(t *testing.T) {
	w := newSharingWorld(t)
	for _, c := range []struct {
		name, login string
		picks       int
	}{
		{"the account owner may select every record of the page", "alice", 4},
		{"the workspace's owner may select its records", "olga", 4},
		{"an editor, who may not change access lists, gets no checkboxes", "erin", 0},
		{"a viewer gets none either", "victor", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := w.signedIn(t, c.login).get("/ui/")
			if got := len(p.picks()); got != c.picks {
				t.Errorf("%d checkboxes, want %d", got, c.picks)
			}
			if got := p.byID("batch-form") != nil; got != (c.picks > 0) {
				t.Errorf("batch form shown: %v", got)
			}
		})
	}
	t.Run("each checkbox is labelled with its record's title", func(t *testing.T) {
		p := w.signedIn(t, "alice").get("/ui/?q=harbour")
		labels := p.findAll(func(n *html.Node) bool { return n.Data == "label" && strings.HasPrefix(attr(n, "for"), "pick-") })
		if len(labels) != 1 || strings.TrimSpace(text(labels[0])) != "Select Harbour at dawn" || attr(labels[0], "for") != "pick-"+w.A.Records["Harbour at dawn"] {
			t.Errorf("labels: %d", len(labels))
		}
		if a := p.find(func(n *html.Node) bool { return n.Data == "a" && strings.HasPrefix(attr(n, "href"), "/ui/batch?all=1") }); a == nil || attr(a, "href") != "/ui/batch?all=1&q=harbour" {
			t.Errorf("the link for every match: %v", a)
		}
	})
}

func TestBatchACLEditDryRunThenApply(t *testing.T) {
	w := newSharingWorld(t)
	harbour, council := w.A.Records["Harbour at dawn"], w.A.Records["Council meeting"]
	aclOf := func(id string) string {
		acl, err := w.svc.GetACL(w.ctx, w.A.Owner, authz.ObjectRef{Type: authz.Record, ID: id})
		if err != nil {
			t.Fatal(err)
		}
		return fmtACL(acl)
	}
	desk := "group:" + w.desk

	t.Run("two selected records: the dry run says what changes and changes nothing; applying changes both", func(t *testing.T) {
		olga := w.signedIn(t, "olga")
		lib := olga.get("/ui/")
		for _, id := range []string{harbour, council} {
			if !slices.Contains(lib.picks(), id) {
				t.Fatalf("no checkbox for %s", id)
			}
		}
		p := olga.get("/ui/batch?" + url.Values{"id": {harbour, council}}.Encode())
		if got := p.textOf("batch-selection"); got != "2 selected records whose access you may change." {
			t.Errorf("selection %q", got)
		}
		before := aclOf(harbour)
		p = olga.send(p, "/ui/batch", url.Values{"subject1": {desk}, "level1": {"view"}, "action": {"dry_run"}})
		if p.status != 200 {
			t.Fatalf("dry run: %d\n%s", p.status, p.textOf("main"))
		}
		if got := p.textOf("dry-run-summary"); got != "2 of 2 records would change. Nothing has changed yet." {
			t.Errorf("dry run %q", got)
		}
		if got := p.list("dry-run"); !slices.Equal(got, []string{"Desk (group) gains view on 2 records"}) {
			t.Errorf("dry run lines %q", got)
		}
		if aclOf(harbour) != before {
			t.Fatal("the dry run changed an ACL")
		}
		p = olga.send(p, "/ui/batch", url.Values{"action": {"apply"}})
		if got := p.textOf("batch-done"); got != "2 of 2 records changed." {
			t.Fatalf("apply: %d %q\n%s", p.status, got, p.textOf("main"))
		}
		for _, id := range []string{harbour, council} {
			if got := aclOf(id); !strings.Contains(got, desk+"=view") {
				t.Errorf("%s: %s", id, got)
			}
		}
	})

	t.Run("applying an edit other than the dry run's shows the dry run again and changes nothing", func(t *testing.T) {
		olga := w.signedIn(t, "olga")
		p := olga.get("/ui/batch?" + url.Values{"id": {harbour}}.Encode())
		p = olga.send(p, "/ui/batch", url.Values{"op": {"remove"}, "subject1": {"everyone"}, "level1": {"view"}, "action": {"dry_run"}})
		p = olga.send(p, "/ui/batch", url.Values{"op": {"replace"}, "action": {"apply"}})
		if got := p.textOf("dry-run"); !strings.Contains(got, "not the one of the dry run") || !strings.Contains(got, "1 of 1 record would change") {
			t.Errorf("after applying another edit: %q", got)
		}
		if !strings.Contains(aclOf(harbour), "everyone=view") {
			t.Error("the ACL changed")
		}
	})

	t.Run("every record matching a search: the dry run covers them all", func(t *testing.T) {
		alice := w.signedIn(t, "alice")
		p := alice.get("/ui/batch?all=1&q=news")
		if got := p.textOf("batch-selection"); got != "Every record your search finds whose access you may change: 3 of the 3 it finds." {
			t.Errorf("selection %q", got)
		}
		p = alice.send(p, "/ui/batch", url.Values{"username1": {"nina"}, "level1": {"edit"}, "action": {"dry_run"}})
		if got := p.list("dry-run"); !slices.Equal(got, []string{"nina gains edit on 3 records"}) {
			t.Errorf("dry run %q\n%s", got, p.textOf("main"))
		}
		p = alice.send(p, "/ui/batch", url.Values{"action": {"apply"}})
		if got := p.textOf("batch-done"); got != "3 of 3 records changed." {
			t.Errorf("apply %q", got)
		}
	})

	t.Run("records one may not change are set apart, and the others still go", func(t *testing.T) {
		sport, err := w.svc.CreateWorkspace(w.ctx, w.A.Owner, service.WorkspaceInput{Name: "Sport"})
		if err != nil {
			t.Fatal(err)
		}
		cup, err := w.svc.CreateRecord(w.ctx, w.A.Owner, service.RecordInput{WorkspaceID: sport.ID, Title: "Cup final"})
		if err != nil {
			t.Fatal(err)
		}
		olga := w.signedIn(t, "olga")
		p := olga.get("/ui/batch?" + url.Values{"id": {harbour, cup.ID}}.Encode())
		if got := p.textOf("batch-left"); !strings.HasPrefix(got, "You may not change the access of 1 of the selected records") {
			t.Errorf("left out: %q", got)
		}
		p = olga.send(p, "/ui/batch", url.Values{"subject1": {"everyone"}, "level1": {"edit"}, "action": {"dry_run"}})
		if got := p.textOf("dry-run-summary"); !strings.HasPrefix(got, "1 of 1 record would change") {
			t.Errorf("dry run %q", got)
		}
	})

	for _, c := range []struct {
		name, query string
		values      url.Values
		status      int
		field, want string
	}{
		{"a username nobody has is refused next to its field", "id=" + harbour,
			url.Values{"username1": {"nobody"}, "action": {"dry_run"}}, 422, "username1", "There is no user nobody"},
		{"adding nothing is refused by the service", "id=" + harbour,
			url.Values{"action": {"dry_run"}}, 422, "entries", "Give at least one entry to add"},
		{"an unknown operation is refused by the service", "id=" + harbour,
			url.Values{"op": {"shuffle"}, "subject1": {"everyone"}, "action": {"dry_run"}}, 422, "op", "Op must be add, remove or replace"},
	} {
		t.Run(c.name, func(t *testing.T) {
			olga := w.signedIn(t, "olga")
			p := olga.get("/ui/batch?" + c.query)
			p = olga.send(p, "/ui/batch", c.values)
			if p.status != c.status {
				t.Errorf("status %d, want %d", p.status, c.status)
			}
			if got := p.fieldError(c.field); !strings.Contains(got, c.want) {
				t.Errorf("error next to %s: %q, want %q\n%s", c.field, got, c.want, p.textOf("main"))
			}
		})
	}

	t.Run("nothing selected says to select records first", func(t *testing.T) {
		p := w.signedIn(t, "olga").get("/ui/batch")
		if p.status != 400 || !strings.Contains(p.body, "Select records in the library first") {
			t.Errorf("status %d", p.status)
		}
	})

	t.Run("another account's records are not even named", func(t *testing.T) {
		p := w.signedIn(t, "bob").get("/ui/batch?" + url.Values{"id": {harbour}}.Encode())
		if strings.Contains(p.body, "Harbour") || p.textOf("batch-selection") != "0 selected records whose access you may change." {
			t.Errorf("bob: %q", p.textOf("main"))
		}
		if p.find(func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == "/ui/batch" }) != nil {
			t.Error("bob is offered the batch form")
		}
	})
}

func fmtACL(acl []domain.ACLEntry) string {
	var parts []string
	for _, en := range acl {
		parts = append(parts, en.Subject.String()+"="+strings.Join(en.Permissions, ","))
	}
	return strings.Join(parts, " ")
}
