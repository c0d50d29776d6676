package service_test

import (
	"context"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
)

// twoProcesses opens two services on one data directory, as a server and
// the CLI (or two servers) would be.
// openService opens a service on the SQLite database in dir, as a process
// of its own would.
func openService(t *testing.T, dir string) *service.Service {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), dir, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := service.New(context.Background(), st, service.Options{Password: identity.TestParams})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func twoProcesses(t *testing.T) (*service.Service, *service.Service, service.Actor) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	server := openService(t, dir)
	_, owner, err := server.CreateAccount(ctx, service.NewAccount{Name: "Acme", Owner: service.UserInput{
		Username: "ada", Email: "ada@acme.example", Password: "correct horse battery",
		Access: []string{domain.AppPortal, domain.AppConnect}}})
	if err != nil {
		t.Fatal(err)
	}
	cli := openService(t, dir)
	return server, cli, service.Actor{UserID: owner.ID, AccountID: owner.AccountID}
}

func TestATokenRevokedByAnotherProcessStopsWorkingAfterSync(t *testing.T) {
	ctx := context.Background()
	server, cli, owner := twoProcesses(t)
	tok, err := server.IssueToken(ctx, owner.UserID, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Authenticate twice: the second is served from the cache.
	for range 2 {
		if _, err := server.AuthenticateToken(ctx, tok.Secret); err != nil {
			t.Fatalf("fresh token: %v", err)
		}
	}
	if err := cli.RevokeToken(ctx, owner, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := server.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := server.AuthenticateToken(ctx, tok.Secret); err == nil {
		t.Error("the server still accepts a token the CLI revoked")
	}
}

func TestASessionEndedByAnotherProcessStopsWorkingAfterSync(t *testing.T) {
	ctx := context.Background()
	server, cli, owner := twoProcesses(t)
	si, err := server.SignIn(ctx, service.Login{Login: "ada", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, err := server.AuthenticateSession(ctx, si.Secret); err != nil {
			t.Fatalf("fresh session: %v", err)
		}
	}
	// A password change elsewhere ends every session of the user.
	if err := cli.SetPassword(ctx, owner, owner.UserID, "correct horse battery", "another good password"); err != nil {
		t.Fatal(err)
	}
	if err := server.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := server.AuthenticateSession(ctx, si.Secret); err == nil {
		t.Error("the server still accepts a session ended by another process")
	}
}

func TestRevokingInProcessTakesEffectOnTheNextRequest(t *testing.T) {
	ctx := context.Background()
	server, _, owner := twoProcesses(t)
	tok, _ := server.IssueToken(ctx, owner.UserID, "t", 0)
	if _, err := server.AuthenticateToken(ctx, tok.Secret); err != nil {
		t.Fatal(err)
	}
	if err := server.RevokeToken(ctx, owner, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := server.AuthenticateToken(ctx, tok.Secret); err == nil {
		t.Error("a revoked token still authenticates")
	}
}
