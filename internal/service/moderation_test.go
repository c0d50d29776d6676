package service_test

import (
	"context"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// A hold travels like any write: another process picks it up through the
// change log, a process starting on the data loads it, and a publication
// made by one process shows in the others after their sync.
func TestAHoldReachesEveryProcessThroughTheChangeLogAndTheLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	server := openService(t, dir)
	_, o, err := server.CreateAccount(ctx, service.NewAccount{Name: "Acme", Owner: service.UserInput{
		Username: "ada", Email: "ada@acme.example", Password: "correct horse battery", Access: []string{domain.AppPortal, domain.AppConnect}}})
	if err != nil {
		t.Fatal(err)
	}
	owner := service.Actor{UserID: o.ID, AccountID: o.AccountID}
	other := openService(t, dir)
	user := func(name string) service.Actor {
		t.Helper()
		u, err := server.CreateUser(ctx, owner, service.UserInput{Username: name, Email: name + "@acme.example", Password: "a long enough password",
			Access: []string{domain.AppPortal, domain.AppConnect}})
		if err != nil {
			t.Fatal(err)
		}
		return service.Actor{UserID: u.ID, AccountID: owner.AccountID}
	}
	uma, ann := user("uma"), user("ann")
	group := func(name string, m service.Actor) string {
		t.Helper()
		g, err := server.CreateGroup(ctx, owner, service.GroupInput{Name: name, Members: []authz.Subject{authz.User(m.UserID)}})
		if err != nil {
			t.Fatal(err)
		}
		return g.ID
	}
	stringers, desk := group("Stringers", uma), group("Desk", ann)
	if _, err := server.CreateApprovalRelation(ctx, owner, service.ApprovalInput{Kind: domain.RelationModeration, RequesterGroups: []string{stringers}, ApproverGroup: desk}); err != nil {
		t.Fatal(err)
	}
	ws, err := server.CreateWorkspace(ctx, owner, service.WorkspaceInput{Name: "News", Members: []domain.Grant{{Subject: authz.User(uma.UserID), Role: "contributor"}}})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := server.CreateRecord(ctx, uma, service.RecordInput{WorkspaceID: ws.ID, Title: "Held"})
	if err != nil {
		t.Fatal(err)
	}
	ref := authz.ObjectRef{Type: authz.Record, ID: rec.ID}
	if err := other.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for name, svc := range map[string]*service.Service{"the writer": server, "another process after its sync": other, "a process started since": openService(t, dir)} {
		if svc.Engine().Check(owner.UserID, authz.CanView, ref) || !svc.Engine().Check(ann.UserID, authz.CanView, ref) {
			t.Errorf("%s: the owner sees the held record, or its approver does not", name)
		}
	}
	if _, err := other.PublishHeld(ctx, ann, "record", rec.ID); err != nil {
		t.Fatal(err)
	}
	if err := server.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if !server.Engine().Check(owner.UserID, authz.CanView, ref) {
		t.Error("the writer does not see the publication made by another process")
	}
}
