package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"atrium/internal/service"
)

// benchAdminSettings measures the console's settings and queues as the
// admin of BenchmarkPages: each page costs a fixed number of reads,
// whatever the account holds.
func benchAdminSettings(b *testing.B, h http.Handler, si service.SignedIn) {
	for _, pg := range []struct{ name, path string }{
		{"profiles", "/ui/admin/profiles"},
		{"default ACLs", "/ui/admin/acl-defaults"},
		{"sign-up rules", "/ui/admin/signup"},
		{"access-request queue", "/ui/admin/requests?status=all"},
		{"usage", "/ui/admin/usage"},
		{"audit log", "/ui/admin/audit"},
		{"audit log, one type", "/ui/admin/audit?type=auth.login"},
	} {
		b.Run("admin/"+pg.name, func(b *testing.B) {
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
