package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// benchAdminPages measures the admin console's people and structure
// pages for BenchmarkPages, as the user signed in with si: all of them
// for the admin; for the member, those any member may read (the index
// and the invitations need a permission). The group pages are the
// Standard group's (every user is a member: the largest) and another's.
func benchAdminPages(b *testing.B, ctx context.Context, svc *service.Service, h http.Handler, acct, who string, si service.SignedIn) {
	a := service.Actor{UserID: si.User.ID, AccountID: acct}
	gs, err := svc.ListGroups(ctx, a)
	if err != nil || len(gs) < 2 {
		b.Fatalf("groups: %d, %v", len(gs), err)
	}
	std, other := "", ""
	for _, g := range gs {
		switch {
		case g.Builtin == domain.BuiltinStandard:
			std = g.ID
		case other == "" && g.Builtin == "" && len(g.Members) > 0:
			other = g.ID
		}
	}
	wss, err := svc.ListWorkspaces(ctx, a)
	if err != nil {
		b.Fatal(err)
	}
	ts, err := svc.ListTiers(ctx, a)
	if err != nil {
		b.Fatal(err)
	}
	users, err := svc.FindUsers(ctx, a, service.UserQuery{Limit: 2})
	if err != nil || len(users.Users) == 0 {
		b.Fatalf("users: %v", err)
	}
	pages := []struct {
		name, path string
		adminOnly  bool
	}{
		{"admin-index", "/ui/admin", true},
		{"admin-users", "/ui/admin/users", false},
		{"admin-users-by-role", "/ui/admin/users?role=admin", false},
		{"admin-users-search", "/ui/admin/users?q=" + url.QueryEscape(users.Users[0].Username[:3]), false},
		{"admin-user", "/ui/admin/users/" + users.Users[0].ID, false},
		{"admin-invitations", "/ui/admin/invitations", true},
		{"admin-groups", "/ui/admin/groups", false},
		{"admin-group-standard", "/ui/admin/groups/" + std, false},
		{"admin-group", "/ui/admin/groups/" + other, false},
		{"admin-workspaces", "/ui/admin/workspaces", false},
		{"admin-tiers", "/ui/admin/tiers", false},
		{"admin-roles", "/ui/admin/roles", false},
	}
	type page = struct {
		name, path string
		adminOnly  bool
	}
	if len(wss) > 0 {
		pages = append(pages, page{"admin-workspace", "/ui/admin/workspaces/" + wss[0].ID, false})
	}
	if len(ts) > 0 {
		pages = append(pages, page{"admin-tier", "/ui/admin/tiers/" + ts[0].ID, false})
	}
	for _, pg := range pages {
		if pg.adminOnly && who != "admin" {
			continue
		}
		b.Run(who+"/"+pg.name, func(b *testing.B) {
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
}
