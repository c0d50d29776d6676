package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// A batch ACL edit applies its new ACLs to the engine directly rather than
// reading the objects back from the store. After a random series of batch
// edits, the writer's engine must answer every check exactly as an engine
// loaded from scratch from the same database does.
func TestBatchACLEditsLeaveTheIndexAsAFullLoadBuildsIt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	server := openService(t, dir)
	_, admin, err := server.CreateAccount(ctx, service.NewAccount{Name: "Acme", Owner: service.UserInput{
		Username: "ada", Email: "ada@acme.example", Password: "correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	owner := service.Actor{UserID: admin.ID, AccountID: admin.AccountID}
	rnd := rand.New(rand.NewPCG(7, 11))

	var users []string
	for i := range 4 {
		u, err := server.CreateUser(ctx, owner, service.UserInput{Username: fmt.Sprintf("user%d", i), Email: fmt.Sprintf("user%d@acme.example", i)})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u.ID)
	}
	g, err := server.CreateGroup(ctx, owner, service.GroupInput{Name: "desk", Members: []authz.Subject{authz.User(users[0]), authz.User(users[1])}})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := server.CreateWorkspace(ctx, owner, service.WorkspaceInput{Name: "Photos"})
	if err != nil {
		t.Fatal(err)
	}
	subjects := []authz.Subject{authz.User(users[0]), authz.User(users[2]), authz.User(users[3]), authz.GroupOf(g.ID), authz.EveryoneSubject}
	var records, media []string
	for i := range 12 {
		r, err := server.CreateRecord(ctx, owner, service.RecordInput{WorkspaceID: ws.ID, Title: fmt.Sprintf("record %d", i), ACL: &[]domain.ACLEntry{}})
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, r.ID)
		m, err := server.CreateMedia(ctx, owner, service.MediaInput{RecordID: r.ID, MediaType: "image", Filename: "a.jpg", ACL: &[]domain.ACLEntry{}})
		if err != nil {
			t.Fatal(err)
		}
		media = append(media, m.ID)
	}
	randomEntries := func(typ authz.ObjectType) []domain.ACLEntry {
		var out []domain.ACLEntry
		for _, s := range subjects {
			if rnd.IntN(3) != 0 {
				continue
			}
			var perms []string
			for _, p := range authz.ACLPermissions(typ) {
				if rnd.IntN(2) == 0 {
					perms = append(perms, p)
				}
			}
			if len(perms) > 0 {
				out = append(out, domain.ACLEntry{Subject: s, Permissions: perms})
			}
		}
		if len(out) == 0 {
			out = append(out, domain.ACLEntry{Subject: subjects[rnd.IntN(len(subjects))], Permissions: authz.ACLPermissions(typ)[:1]})
		}
		return out
	}
	for step := range 40 {
		typ, pool := authz.Record, records
		if step%2 == 1 {
			typ, pool = authz.Media, media
		}
		var ids []string
		for _, id := range pool {
			if rnd.IntN(2) == 0 {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			ids = pool[:1]
		}
		op := []string{service.BatchAdd, service.BatchRemove, service.BatchReplace}[rnd.IntN(3)]
		if _, err := server.EditACLs(ctx, owner, service.BatchACL{Type: typ, IDs: ids, Op: op, Entries: randomEntries(typ)}); err != nil {
			t.Fatalf("step %d: %s on %d %ss: %v", step, op, len(ids), typ, err)
		}
	}

	fresh := openService(t, dir)
	perms := []authz.Permission{authz.CanView, authz.CanEdit, authz.CanDelete, authz.CanManage, authz.CanPreview, authz.CanDownload}
	checked := 0
	for typ, ids := range map[authz.ObjectType][]string{authz.Record: records, authz.Media: media} {
		for _, id := range ids {
			ref := authz.ObjectRef{Type: typ, ID: id}
			for _, u := range users {
				for _, p := range perms {
					if got, want := server.Engine().Check(u, p, ref), fresh.Engine().Check(u, p, ref); got != want {
						t.Errorf("check user:%s %s %s: the writer's engine says %v, a full load %v", u, p, ref, got, want)
					}
					checked++
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("nothing compared")
	}
}
