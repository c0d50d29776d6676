package service_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
)

// lockedBuffer is a log sink safe for the service's background logging.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestCustomRoleChangesByAnotherProcessReachTheEngineIncrementally: a
// server's engine follows custom role writes made by another process (the
// CLI) through the change log, without a full reload, and after every
// step answers as an engine freshly loaded from the store does.
func TestCustomRoleChangesByAnotherProcessReachTheEngineIncrementally(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var log lockedBuffer
	st, err := sqlstore.OpenSQLite(ctx, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	server, err := service.New(ctx, st, service.Options{Password: identity.TestParams, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cli := openService(t, dir)
	acct, owner, err := cli.CreateAccount(ctx, service.NewAccount{Name: "Acme", Owner: service.UserInput{
		Username: "ada", Email: "ada@acme.example", Password: "correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	a := service.Actor{UserID: owner.ID, AccountID: acct.ID}
	var users []string
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	newUser := func(name string, custom ...string) string {
		t.Helper()
		u, err := cli.CreateUser(ctx, a, service.UserInput{Username: name, Email: name + "@acme.example", CustomRoles: custom})
		must(err)
		users = append(users, u.ID)
		return u.ID
	}
	auditors, err := cli.CreateRole(ctx, a, service.RoleInput{Name: "auditors", Permissions: []string{"view_audit"}})
	must(err)
	importers, err := cli.CreateRole(ctx, a, service.RoleInput{Name: "importers", Permissions: []string{"import", "manage_groups"}})
	must(err)
	carol := newUser("carol", auditors.ID)
	dave := newUser("dave")
	grp, err := cli.CreateGroup(ctx, a, service.GroupInput{Name: "Desk", CustomRoles: []string{importers.ID}})
	must(err)
	outer, err := cli.CreateGroup(ctx, a, service.GroupInput{Name: "Outer", CustomRoles: []string{auditors.ID}, Members: []authz.Subject{authz.GroupOf(grp.ID)}})
	must(err)
	reloads := strings.Count(log.String(), "permission index loaded")
	if reloads != 1 {
		t.Fatalf("the server loaded its index %d times at start, want once", reloads)
	}

	steps := []struct {
		name  string
		write func() error
		want  map[string]authz.Permissions // by user id; others hold none
	}{
		{"a role given at creation", func() error { return nil },
			map[string]authz.Permissions{carol: authz.PermissionsOf(authz.ViewAudit)}},
		{"joining a group with a custom role, inside a group with another", func() error { return cli.AddGroupMember(ctx, a, grp.ID, authz.User(dave)) },
			map[string]authz.Permissions{carol: authz.PermissionsOf(authz.ViewAudit), dave: authz.PermissionsOf(authz.Import, authz.ManageGroups, authz.ViewAudit)}},
		{"a role's permissions changed", func() error {
			_, err := cli.UpdateRole(ctx, a, auditors.ID, service.RoleUpdate{Permissions: &[]string{"review_access"}})
			return err
		}, map[string]authz.Permissions{carol: authz.PermissionsOf(authz.ReviewAccess), dave: authz.PermissionsOf(authz.Import, authz.ManageGroups, authz.ReviewAccess)}},
		{"the inner group leaving the outer one", func() error { return cli.RemoveGroupMember(ctx, a, outer.ID, authz.GroupOf(grp.ID)) },
			map[string]authz.Permissions{carol: authz.PermissionsOf(authz.ReviewAccess), dave: authz.PermissionsOf(authz.Import, authz.ManageGroups)}},
		{"a user's custom roles replaced", func() error {
			_, err := cli.UpdateUser(ctx, a, carol, service.UserUpdate{CustomRoles: &[]string{importers.ID}})
			return err
		}, map[string]authz.Permissions{carol: authz.PermissionsOf(authz.Import, authz.ManageGroups), dave: authz.PermissionsOf(authz.Import, authz.ManageGroups)}},
		{"a role released by its last holder, then deleted", func() error {
			if _, err := cli.UpdateGroup(ctx, a, outer.ID, service.GroupUpdate{CustomRoles: &[]string{}}); err != nil {
				return err
			}
			return cli.DeleteRole(ctx, a, auditors.ID)
		}, map[string]authz.Permissions{carol: authz.PermissionsOf(authz.Import, authz.ManageGroups), dave: authz.PermissionsOf(authz.Import, authz.ManageGroups)}},
		{"a holder deactivated", func() error {
			_, err := cli.UpdateUser(ctx, a, dave, service.UserUpdate{Status: new(string(domain.StatusDeactivated))})
			return err
		}, map[string]authz.Permissions{carol: authz.PermissionsOf(authz.Import, authz.ManageGroups)}},
	}
	for _, st := range steps {
		must(st.write())
		must(server.Sync(ctx))
		fresh := openService(t, dir)
		for _, u := range users {
			got, want := server.Engine().EffectivePermissions(u), st.want[u]
			if got != want {
				t.Errorf("after %s: the server's engine gives %s %v, want %v", st.name, u, got.Names(), want.Names())
			}
			if f := fresh.Engine().EffectivePermissions(u); f != got {
				t.Errorf("after %s: a fresh load gives %s %v, the synced engine %v", st.name, u, f.Names(), got.Names())
			}
			if d := cmp.Diff(fresh.Engine().EffectiveCustomRoles(u), server.Engine().EffectiveCustomRoles(u)); d != "" {
				t.Errorf("after %s: custom roles of %s (-fresh +synced):\n%s", st.name, u, d)
			}
		}
	}
	if n := strings.Count(log.String(), "permission index loaded"); n != reloads {
		t.Errorf("the server reloaded its whole index %d times while following the changes", n-reloads)
	}
}
