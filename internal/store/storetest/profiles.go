package storetest

import (
	"testing"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

func downloadProfile(acct, id string, holders ...authz.Subject) domain.DownloadProfile {
	return domain.DownloadProfile{ID: id, AccountID: acct, Name: "Profile " + id, Description: "Downloads " + id,
		Rules:   []domain.DownloadRule{{MediaType: "image", Renditions: []string{"original", "large"}}, {MediaType: "*", Renditions: []string{"thumbnail"}}},
		Holders: holders}
}

func captureProfile(acct, id, ws string, holders ...authz.Subject) domain.CaptureProfile {
	return domain.CaptureProfile{ID: id, AccountID: acct, Name: "Capture " + id, Description: "Captures " + id, WorkspaceID: ws,
		Fields: []domain.RegistrationField{
			{Name: "site", Label: "Site", Type: domain.FieldText, Required: true, Choices: []string{}},
			{Name: "kind", Label: "Kind", Type: domain.FieldChoice, Choices: []string{"damage", "survey"}},
		},
		RecordACL: []domain.ACLEntry{entry(authz.EveryoneSubject, "view"), entry(authz.User(store.DefaultCreator), "view", "edit")},
		MediaACL:  []domain.ACLEntry{entry(authz.EveryoneSubject, "preview")},
		Holders:   holders}
}

func createDownloadProfile(f *fixture, p domain.DownloadProfile) error {
	_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateDownloadProfile(f.ctx, p) })
	return err
}

func createCaptureProfile(f *fixture, p domain.CaptureProfile) error {
	_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateCaptureProfile(f.ctx, p) })
	return err
}

var profileCases = []testCase{
	{"a download profile reads back with its rules, its holders sorted, and the transaction's time", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"))
		want := downloadProfile("acc", "p1", u("u1"), authz.EveryoneSubject, gr("g1"))
		var now time.Time
		f.update(func(tx store.Tx) error {
			now = tx.Now()
			return tx.CreateDownloadProfile(f.ctx, want)
		})
		want.CreatedAt, want.UpdatedAt = now, now
		want.Holders = []authz.Subject{authz.EveryoneSubject, gr("g1"), u("u1")}
		got, err := f.s.GetDownloadProfile(f.ctx, "p1")
		f.must(err)
		diff(t, "download profile", want, got)
		if got.Holders[0] != authz.EveryoneSubject || got.Holders[2] != u("u1") {
			t.Errorf("holders %v, want them sorted as everyone, group:g1, user:u1", got.Holders)
		}
	}},
	{"ListDownloadProfiles lists the account's profiles only, by name, each with its holders", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"), user("acc", "u1"))
		b, a := downloadProfile("acc", "p1", u("u1")), downloadProfile("acc", "p2")
		b.Name, a.Name = "bravo", "alpha"
		f.must(createDownloadProfile(f, b))
		f.must(createDownloadProfile(f, a))
		f.must(createDownloadProfile(f, downloadProfile("acc2", "p3")))
		ps, err := f.s.ListDownloadProfiles(f.ctx, "acc")
		f.must(err)
		if len(ps) != 2 || ps[0].Name != "alpha" || ps[1].Name != "bravo" {
			t.Fatalf("profiles %+v, want alpha and bravo", ps)
		}
		if ps[0].Holders == nil || len(ps[0].Holders) != 0 || len(ps[1].Holders) != 1 || ps[1].Holders[0] != u("u1") {
			t.Errorf("holders %#v and %#v, want an empty list and [user:u1]", ps[0].Holders, ps[1].Holders)
		}
		none, err := f.s.ListDownloadProfiles(f.ctx, "nope")
		f.must(err)
		if none == nil || len(none) != 0 {
			t.Errorf("ListDownloadProfiles of an account without profiles = %#v, want an empty list", none)
		}
	}},
	{"a profile name already used in the account is a conflict, but another account may reuse it", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"), workspace("acc", "w1", ""), workspace("acc2", "w2", ""))
		f.must(createDownloadProfile(f, downloadProfile("acc", "p1")))
		dup := downloadProfile("acc", "p2")
		dup.Name = "Profile p1"
		wantConflict(t, "CreateDownloadProfile with a taken name", createDownloadProfile(f, dup))
		f.must(createDownloadProfile(f, downloadProfile("acc", "p3")))
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error {
			p := downloadProfile("acc", "p3")
			p.Name = "Profile p1"
			return tx.UpdateDownloadProfile(f.ctx, p)
		})
		wantConflict(t, "UpdateDownloadProfile to a taken name", err)
		dup.AccountID = "acc2"
		f.must(createDownloadProfile(f, dup))

		f.must(createCaptureProfile(f, captureProfile("acc", "c1", "w1")))
		cdup := captureProfile("acc", "c2", "w1")
		cdup.Name = "Capture c1"
		wantConflict(t, "CreateCaptureProfile with a taken name", createCaptureProfile(f, cdup))
		cdup.AccountID, cdup.WorkspaceID = "acc2", "w2"
		f.must(createCaptureProfile(f, cdup))
	}},
	{"UpdateDownloadProfile replaces name, description, rules and holders and moves updated_at", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"), group("acc", "g1"))
		p := downloadProfile("acc", "p1", u("u1"), gr("g1"))
		var created time.Time
		f.update(func(tx store.Tx) error {
			created = tx.Now()
			return tx.CreateDownloadProfile(f.ctx, p)
		})
		p.Name, p.Description = "Renamed", "Now described"
		p.Rules = []domain.DownloadRule{{MediaType: "video", Renditions: []string{"*"}}}
		p.Holders = []authz.Subject{u("u2")}
		var updated = created
		f.update(func(tx store.Tx) error {
			updated = tx.Now()
			return tx.UpdateDownloadProfile(f.ctx, p)
		})
		p.CreatedAt, p.UpdatedAt = created, updated
		got, err := f.s.GetDownloadProfile(f.ctx, "p1")
		f.must(err)
		diff(t, "updated download profile", p, got)
	}},
	{"a holder that is no user or group of the store is a conflict", func(t *testing.T, f *fixture) {
		f.create(account("acc"), workspace("acc", "w1", ""))
		wantConflict(t, "a download profile held by an unknown user", createDownloadProfile(f, downloadProfile("acc", "p1", u("ghost"))))
		wantConflict(t, "a download profile held by an unknown group", createDownloadProfile(f, downloadProfile("acc", "p1", gr("ghost"))))
		wantConflict(t, "a capture profile held by an unknown group", createCaptureProfile(f, captureProfile("acc", "c1", "w1", gr("ghost"))))
		if _, err := f.s.GetDownloadProfile(f.ctx, "p1"); err == nil {
			t.Error("a profile whose holders failed was stored anyway")
		}
	}},
	{"deleting a user or a group takes its holdings and ACL entries in profiles with it", func(t *testing.T, f *fixture) {
		f.create(account("acc"), withStatus(user("acc", "u1"), domain.StatusPending), user("acc", "u2"), group("acc", "g1"), workspace("acc", "w1", ""))
		f.must(createDownloadProfile(f, downloadProfile("acc", "p1", u("u1"), u("u2"), gr("g1"))))
		c := captureProfile("acc", "c1", "w1", u("u1"), gr("g1"))
		c.RecordACL = append(c.RecordACL, entry(u("u1"), "edit"))
		c.MediaACL = []domain.ACLEntry{entry(gr("g1"), "preview", "download")}
		f.must(createCaptureProfile(f, c))
		f.update(func(tx store.Tx) error {
			if err := tx.DeleteUser(f.ctx, "u1"); err != nil {
				return err
			}
			return tx.DeleteGroup(f.ctx, "g1")
		})
		p, err := f.s.GetDownloadProfile(f.ctx, "p1")
		f.must(err)
		diff(t, "download profile holders", []authz.Subject{u("u2")}, p.Holders)
		got, err := f.s.GetCaptureProfile(f.ctx, "c1")
		f.must(err)
		diff(t, "capture profile holders", []authz.Subject{}, got.Holders)
		diff(t, "capture profile record ACL", []domain.ACLEntry{entry(authz.EveryoneSubject, "view"), entry(authz.User(store.DefaultCreator), "view", "edit")}, got.RecordACL)
		diff(t, "capture profile media ACL", []domain.ACLEntry{}, got.MediaACL)
	}},
	{"a deleted profile is gone, and deleting or updating a missing one is not found", func(t *testing.T, f *fixture) {
		f.create(account("acc"), workspace("acc", "w1", ""))
		f.must(createDownloadProfile(f, downloadProfile("acc", "p1", authz.EveryoneSubject)))
		f.must(createCaptureProfile(f, captureProfile("acc", "c1", "w1", authz.EveryoneSubject)))
		f.update(func(tx store.Tx) error {
			if err := tx.DeleteDownloadProfile(f.ctx, "p1"); err != nil {
				return err
			}
			return tx.DeleteCaptureProfile(f.ctx, "c1")
		})
		_, err := f.s.GetDownloadProfile(f.ctx, "p1")
		wantNotFound(t, "GetDownloadProfile after delete", err)
		_, err = f.s.GetCaptureProfile(f.ctx, "c1")
		wantNotFound(t, "GetCaptureProfile after delete", err)
		for name, write := range map[string]func(tx store.Tx) error{
			"DeleteDownloadProfile": func(tx store.Tx) error { return tx.DeleteDownloadProfile(f.ctx, "p1") },
			"DeleteCaptureProfile":  func(tx store.Tx) error { return tx.DeleteCaptureProfile(f.ctx, "c1") },
			"UpdateDownloadProfile": func(tx store.Tx) error { return tx.UpdateDownloadProfile(f.ctx, downloadProfile("acc", "p1")) },
			"UpdateCaptureProfile":  func(tx store.Tx) error { return tx.UpdateCaptureProfile(f.ctx, captureProfile("acc", "c1", "w1")) },
		} {
			_, err := f.s.Update(f.ctx, write)
			wantNotFound(t, name+" of a missing profile", err)
		}
	}},
	{"a capture profile reads back with its workspace, fields, ACLs with the creator template, and holders", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"), workspace("acc", "w1", ""))
		want := captureProfile("acc", "c1", "w1", u("u1"), gr("g1"))
		var now time.Time
		f.update(func(tx store.Tx) error {
			now = tx.Now()
			return tx.CreateCaptureProfile(f.ctx, want)
		})
		want.CreatedAt, want.UpdatedAt = now, now
		want.RecordACL = []domain.ACLEntry{entry(authz.EveryoneSubject, "view"), entry(authz.User(store.DefaultCreator), "view", "edit")}
		got, err := f.s.GetCaptureProfile(f.ctx, "c1")
		f.must(err)
		diff(t, "capture profile", want, got)
		list, err := f.s.ListCaptureProfiles(f.ctx, "acc")
		f.must(err)
		diff(t, "capture profile listing", []domain.CaptureProfile{want}, list)
		none, err := f.s.ListCaptureProfiles(f.ctx, "nope")
		f.must(err)
		if none == nil || len(none) != 0 {
			t.Errorf("ListCaptureProfiles of an account without profiles = %#v, want an empty list", none)
		}
	}},
	{"UpdateCaptureProfile replaces the workspace, fields, ACLs and holders", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"), workspace("acc", "w1", ""), workspace("acc", "w2", ""))
		p := captureProfile("acc", "c1", "w1", gr("g1"))
		var created time.Time
		f.update(func(tx store.Tx) error {
			created = tx.Now()
			return tx.CreateCaptureProfile(f.ctx, p)
		})
		p.Name, p.Description, p.WorkspaceID = "Renamed", "", "w2"
		p.Fields = []domain.RegistrationField{{Name: "n", Label: "N", Type: domain.FieldNumber, Choices: []string{}}}
		p.RecordACL = []domain.ACLEntry{}
		p.MediaACL = []domain.ACLEntry{entry(u("u1"), "view")}
		p.Holders = []authz.Subject{u("u1")}
		updated := created
		f.update(func(tx store.Tx) error {
			updated = tx.Now()
			return tx.UpdateCaptureProfile(f.ctx, p)
		})
		p.CreatedAt, p.UpdatedAt = created, updated
		got, err := f.s.GetCaptureProfile(f.ctx, "c1")
		f.must(err)
		diff(t, "updated capture profile", p, got)
	}},
	{"a capture profile's workspace must exist, and a workspace a profile targets cannot be deleted", func(t *testing.T, f *fixture) {
		f.create(account("acc"), workspace("acc", "w1", ""))
		wantConflict(t, "a capture profile for a missing workspace", createCaptureProfile(f, captureProfile("acc", "c1", "ghost")))
		f.must(createCaptureProfile(f, captureProfile("acc", "c1", "w1")))
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteWorkspace(f.ctx, "w1") })
		wantConflict(t, "deleting a workspace a capture profile targets", err)
	}},
	{"writing profiles touches nothing in the change log: they are not part of the permission index", func(t *testing.T, f *fixture) {
		f.create(account("acc"), workspace("acc", "w1", ""))
		rev := f.revision()
		f.must(createDownloadProfile(f, downloadProfile("acc", "p1", authz.EveryoneSubject)))
		f.must(createCaptureProfile(f, captureProfile("acc", "c1", "w1", authz.EveryoneSubject)))
		if refs := f.changes(rev); len(refs) != 0 {
			t.Errorf("changes %s, want none", refsString(refs))
		}
	}},
}
