package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"atrium/internal/service"
)

// TestStatusChangeReason: a status change may say why, and the reason is
// kept with the change in the audit log; a reason without a change, or
// too long, is refused.
func TestStatusChangeReason(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.A.Owner
	mal := f.addUser(t, f.A, "mal")
	cases := []struct {
		name   string
		body   obj
		status int
		field  string
	}{
		{"a reason without a status change is refused", obj{"display_name": "Mal", "reason": "spam"}, 422, "reason"},
		{"a reason longer than 500 bytes is refused", obj{"status": "banned", "reason": strings.Repeat("x", 501)}, 422, "reason"},
		{"a ban with a reason is accepted", obj{"status": "banned", "reason": "  posted spam in every workspace "}, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := alice.do(t, "PATCH", "/api/v1/users/"+mal.ID, c.body)
			if c.status != 200 {
				r.fails(t, c.status, "validation_failed", c.field)
				return
			}
			r.ok(t, 200)
		})
	}
	t.Run("the audit log keeps the reason with the change", func(t *testing.T) {
		ev := find(t, audit(t, alice.client, url.Values{"type": {service.AuditUserUpdate}, "target": {"user:" + mal.ID}}), service.AuditUserUpdate, "user:"+mal.ID)
		if ev.Result != "ok" || ev.Detail["status"] != "active -> banned" || ev.Detail["status_reason"] != "posted spam in every workspace" {
			t.Errorf("event %+v", ev)
		}
	})
}
