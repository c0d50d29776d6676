package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"atrium/internal/httpapi"
	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store"
	"atrium/internal/store/sqlstore"
	"atrium/internal/store/sqlstore/sqltest"
	"atrium/internal/web"
)

// BenchmarkPages measures the server time of the main pages (routing,
// session, service calls, store reads, template): each iteration serves
// one request in process, as a signed-in user, with no network. The
// library is a scenario of the comparison harness imported into SQLite:
// testdata/scenarios/small (10k records, 13k media, 500 collections) by
// default, or the one whose directory ATRIUM_BENCH_SCENARIO names (the
// harness's medium: 100k records, 130k media).
//
// Two users of the first account: an admin, who sees every record, and
// the first user without an account role, who sees what workspaces,
// groups and ACLs grant.
func BenchmarkPages(b *testing.B) {
	ctx := context.Background()
	dir := os.Getenv("ATRIUM_BENCH_SCENARIO")
	if dir == "" {
		dir = filepath.Join("..", "..", "testdata", "scenarios", "small")
	}
	st, err := sqlstore.OpenSQLite(ctx, sqltest.Dir(b), true)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	in, err := os.Open(filepath.Join(dir, "scenario.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := service.ImportInto(ctx, st, in); err != nil {
		b.Fatal(err)
	}
	in.Close()
	svc, err := service.New(ctx, st, service.Options{Password: identity.TestParams, RateLimit: service.RateLimit{PerIP: -1, PerEmail: -1}})
	if err != nil {
		b.Fatal(err)
	}
	svc.Engine().PrepareSearch()
	h := web.Mount(httpapi.New(svc, httpapi.Options{}), web.New(svc, web.Options{}))

	acct := svc.Engine().Accounts()[0]
	owner, err := svc.OwnerActor(ctx, acct)
	if err != nil {
		b.Fatal(err)
	}
	// An admin and a member, found among the account's users.
	users := []struct{ name, id string }{{"admin", ""}, {"member", ""}}
	for after := ""; users[0].id == "" || users[1].id == ""; {
		page, err := svc.ListUsers(ctx, owner, store.UserFilter{After: after, Limit: 1000})
		if err != nil || len(page) == 0 {
			b.Fatalf("no admin or no user without a role: %v", err)
		}
		for _, u := range page {
			switch {
			case u.Status != "active":
			case users[0].id == "" && slices.Equal(u.Roles, []string{"admin"}):
				users[0].id = u.ID
			case users[1].id == "" && len(u.Roles) == 0:
				users[1].id = u.ID
			}
		}
		after = page[len(page)-1].ID
	}

	for _, u := range users {
		if err := svc.SetPassword(ctx, owner, u.id, "", password); err != nil {
			b.Fatal(err)
		}
		si, err := svc.SignIn(ctx, service.Login{Login: u.id, Password: password, AccountID: acct, IP: "127.0.0.1"})
		if err != nil {
			b.Fatal(err)
		}
		a := service.Actor{UserID: u.id, AccountID: acct}
		first, err := svc.SearchRecords(ctx, a, service.SearchQuery{Limit: 20})
		if err != nil || len(first.Items) == 0 {
			b.Fatalf("%s sees no record: %v", u.name, err)
		}
		b.Logf("%s sees %d records", u.name, first.Total)
		var ids []string
		for _, r := range first.Items {
			ids = append(ids, r.ID)
		}
		for _, pg := range append([]struct{ name, path string }{
			{"library", "/ui/"},
			{"search", "/ui/?q=sunset&sort=title"},
			{"filtered", "/ui/?media_type=image&created_from=2000-01-01"},
			{"workspaces", "/ui/workspaces"},
			{"record", "/ui/records/" + first.Items[0].ID},
			{"account", "/ui/account"},
			{"access requests", "/ui/access-requests"},
			{"sharing", "/ui/records/" + first.Items[0].ID + "/sharing"},
			{"batch", "/ui/batch?id=" + first.Items[0].ID},
			{"batch-search", "/ui/batch?all=1&q=sunset"},
		}, contentPages(b, ctx, svc, a, ids)...) {
			b.Run(u.name+"/"+pg.name, func(b *testing.B) {
				req := httptest.NewRequest("GET", pg.path, nil)
				req.AddCookie(&http.Cookie{Name: "atrium_session", Value: si.Secret})
				req.AddCookie(&http.Cookie{Name: "atrium_csrf", Value: si.CSRF})
				for b.Loop() {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Fatalf("%s: %d\n%s", pg.path, w.Code, w.Body)
					}
				}
			})
		}
		if u.name == "admin" {
			benchAdminSettings(b, h, si)
		}
		benchAdminPages(b, ctx, svc, h, acct, u.name, si)
	}
}
