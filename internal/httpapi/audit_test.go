package httpapi_test

import (
	"net/url"
	"testing"
	"time"
)

type auditEvent struct {
	ID       int64             `json:"id"`
	At       time.Time         `json:"at"`
	Actor    string            `json:"actor"`
	Type     string            `json:"type"`
	Target   string            `json:"target"`
	ClientIP string            `json:"client_ip"`
	Result   string            `json:"result"`
	Detail   map[string]string `json:"detail"`
}

type auditPage struct {
	Events     []auditEvent `json:"events"`
	NextCursor string       `json:"next_cursor"`
}

func audit(t *testing.T, c *client, q url.Values) auditPage {
	t.Helper()
	var p auditPage
	c.get(t, "/api/v1/audit?"+q.Encode()).ok(t, 200).decode(t, &p)
	return p
}

// find returns the newest event of a type on a target, failing the test
// if there is none.
func find(t *testing.T, p auditPage, typ, target string) auditEvent {
	t.Helper()
	for _, ev := range p.Events {
		if ev.Type == typ && ev.Target == target {
			return ev
		}
	}
	t.Fatalf("no %s event on %s in %+v", typ, target, p.Events)
	return auditEvent{}
}

// TestAuditLog: the account's security events are recorded with who, what,
// target, when, client IP and result, successes and refusals alike, and
// only the account's own admins can read them.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.A.Owner
	dave := f.addUser(t, f.A, "dave")
	start := time.Now().Add(-time.Second)

	// A plain user trying to deactivate someone is refused, and logged.
	dave.do(t, "PATCH", "/api/v1/users/"+alice.ID, obj{"status": "deactivated"}).fails(t, 403, "forbidden", "-")
	alice.do(t, "PATCH", "/api/v1/users/"+dave.ID, obj{"status": "deactivated"}).ok(t, 200)
	f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "alice", "password": "wrong password!!"}).fails(t, 401, "unauthenticated", "-")
	f.login(t, "alice")

	all := audit(t, alice.client, nil)
	cases := []struct {
		name                         string
		typ, target, actor, result   string
		detailKey, detailValueWanted string
	}{
		{"creating dave is recorded with the roles he got", "user.create", "user:" + dave.ID, alice.ID, "ok", "roles", ""},
		{"dave's refused attempt is recorded as denied with the reason", "user.update", "user:" + alice.ID, dave.ID, "denied", "reason", "this needs the manage_users permission in the account"},
		{"deactivating dave is recorded with the status change", "user.update", "user:" + dave.ID, alice.ID, "ok", "status", "active -> deactivated"},
		{"a wrong password for alice is recorded against her, with no actor", "auth.login", "user:" + alice.ID, "", "denied", "reason", "wrong login or password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ev auditEvent
			for _, e := range all.Events {
				if e.Type == c.typ && e.Target == c.target && e.Result == c.result {
					ev = e
					break
				}
			}
			if ev.ID == 0 {
				t.Fatalf("no %s %s event on %s in %+v", c.result, c.typ, c.target, all.Events)
			}
			if ev.Actor != c.actor || ev.ClientIP != "127.0.0.1" || ev.At.Before(start) || ev.At.After(time.Now()) {
				t.Errorf("event %+v: want actor %q, client IP 127.0.0.1 and a time of this test", ev, c.actor)
			}
			if _, ok := ev.Detail[c.detailKey]; !ok || c.detailValueWanted != "" && ev.Detail[c.detailKey] != c.detailValueWanted {
				t.Errorf("detail %v: want %s = %q", ev.Detail, c.detailKey, c.detailValueWanted)
			}
		})
	}
	t.Run("a successful sign-in is recorded with alice as actor", func(t *testing.T) {
		ev := find(t, all, "auth.login", "user:"+alice.ID)
		if ev.Result != "ok" || ev.Actor != alice.ID {
			t.Errorf("newest login event %+v", ev)
		}
	})
	t.Run("events come newest first and filter by actor, target, type and time", func(t *testing.T) {
		for i := 1; i < len(all.Events); i++ {
			if all.Events[i].ID >= all.Events[i-1].ID || all.Events[i].At.After(all.Events[i-1].At) {
				t.Fatalf("not newest first: %+v", all.Events)
			}
		}
		for _, ev := range audit(t, alice.client, url.Values{"actor": {dave.ID}}).Events {
			if ev.Actor != dave.ID {
				t.Errorf("actor filter let through %+v", ev)
			}
		}
		byTarget := audit(t, alice.client, url.Values{"target": {"user:" + dave.ID}, "type": {"user.update"}}).Events
		if len(byTarget) != 1 || byTarget[0].Detail["status"] != "active -> deactivated" {
			t.Errorf("target and type filter: %+v", byTarget)
		}
		if p := audit(t, alice.client, url.Values{"to": {start.UTC().Format(time.RFC3339Nano)}}); len(p.Events) != 0 {
			t.Errorf("events before the test: %+v", p.Events)
		}
	})
	t.Run("pages follow the cursor without repeats or gaps", func(t *testing.T) {
		var got []int64
		q := url.Values{"limit": {"2"}}
		for range 100 {
			p := audit(t, alice.client, q)
			for _, ev := range p.Events {
				got = append(got, ev.ID)
			}
			if p.NextCursor == "" {
				break
			}
			q.Set("cursor", p.NextCursor)
		}
		if len(got) != len(all.Events) {
			t.Fatalf("paged %d events, all at once %d", len(got), len(all.Events))
		}
		for i, id := range got {
			if all.Events[i].ID != id {
				t.Fatalf("page order %v differs from %+v", got, all.Events)
			}
		}
	})
	t.Run("another account's owner sees none of these events", func(t *testing.T) {
		for _, ev := range audit(t, f.B.Owner.client, nil).Events {
			if ev.Actor == alice.ID || ev.Actor == dave.ID || ev.Target == "user:"+alice.ID || ev.Target == "user:"+dave.ID {
				t.Errorf("account B sees %+v", ev)
			}
		}
		if p := audit(t, f.B.Owner.client, url.Values{"actor": {alice.ID}}); len(p.Events) != 0 {
			t.Errorf("account B finds alice's events: %+v", p.Events)
		}
	})
	t.Run("a user without view_audit is refused", func(t *testing.T) {
		erin := f.addUser(t, f.A, "erin")
		erin.get(t, "/api/v1/audit").fails(t, 403, "forbidden", "-")
	})
	bad := []struct{ name, query, field string }{
		{"an unknown parameter", "actr=u1", "actr"},
		{"a repeated parameter", "type=a&type=b", "type"},
		{"a limit of 0", "limit=0", "limit"},
		{"a limit over 1000", "limit=1001", "limit"},
		{"a time that is not one", "from=yesterday", "from"},
		{"a range that ends before it starts", "from=2026-02-01&to=2026-01-01", "to"},
		{"a forged cursor", "cursor=AAAAAAAAAAAAAAAAAAAAAA", "cursor"},
	}
	for _, b := range bad {
		t.Run(b.name+" is a 400 naming "+b.field, func(t *testing.T) {
			alice.get(t, "/api/v1/audit?"+b.query).fails(t, 400, "invalid_query", b.field)
		})
	}
}
