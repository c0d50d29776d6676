package authz_test

import (
	"slices"
	"strings"
	"testing"

	"atrium/internal/authz"
)

// holdFixture: account a1 with an owner (boss), a workspace viewer (viv),
// an uploader (up) and an approver group (cur, with ann); workspace w1
// where viv views and up contributes; record r1 held with its media m1,
// published record r2 with held media m2 and published media m3.
func holdFixture(t *testing.T) *authz.Engine {
	t.Helper()
	e := authz.New()
	hold := &authz.Hold{Uploader: "up", Approvers: []string{"cur"}}
	everyone := []authz.ACLEntry{{Subject: authz.EveryoneSubject, Level: 1}}
	ops := []authz.Op{
		authz.PutAccount{ID: "a1"}, authz.PutAccount{ID: "a2"},
		authz.PutUser{ID: "boss", Account: "a1", Active: true, Roles: authz.Roles(0).With(authz.RoleOwner)},
		authz.PutUser{ID: "viv", Account: "a1", Active: true},
		authz.PutUser{ID: "up", Account: "a1", Active: true},
		authz.PutUser{ID: "ann", Account: "a1", Active: true},
		authz.PutUser{ID: "x", Account: "a2", Active: true, Roles: authz.Roles(0).With(authz.RoleOwner)},
		authz.PutGroup{ID: "cur", Account: "a1", Members: []authz.Subject{authz.User("ann")}},
		authz.PutWorkspace{ID: "w1", Account: "a1", Members: []authz.RoleGrant{
			{Subject: authz.User("viv"), Role: authz.Viewer}, {Subject: authz.User("up"), Role: authz.Contributor}}},
		authz.PutRecord{ID: "r1", Workspace: "w1", ACL: everyone, Hold: hold, Meta: authz.RecordMeta{Title: "held sunset", Created: 1}},
		authz.PutMedia{ID: "m1", Record: "r1", ACL: []authz.ACLEntry{{Subject: authz.EveryoneSubject, Level: 3}}},
		authz.PutRecord{ID: "r2", Workspace: "w1", ACL: everyone, Meta: authz.RecordMeta{Title: "published sunset", Created: 2}},
		authz.PutMedia{ID: "m2", Record: "r2", ACL: []authz.ACLEntry{{Subject: authz.EveryoneSubject, Level: 3}}, Hold: hold},
		authz.PutMedia{ID: "m3", Record: "r2", ACL: []authz.ACLEntry{{Subject: authz.EveryoneSubject, Level: 3}}},
	}
	if err := e.Apply(1, ops...); err != nil {
		t.Fatal(err)
	}
	return e
}

func rec(id string) authz.ObjectRef { return authz.ObjectRef{Type: authz.Record, ID: id} }
func med(id string) authz.ObjectRef { return authz.ObjectRef{Type: authz.Media, ID: id} }

func listAll(t *testing.T, e *authz.Engine, user string, p authz.Permission, typ authz.ObjectType) []string {
	t.Helper()
	page, err := e.List(user, p, typ, authz.ListOptions{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return page.IDs
}

func TestAHeldObjectIsSeenOnlyByItsUploaderAndApprovers(t *testing.T) {
	e := holdFixture(t)
	cases := []struct {
		user string
		perm authz.Permission
		obj  authz.ObjectRef
		want bool
	}{
		{"up", authz.CanEdit, rec("r1"), true},
		{"ann", authz.CanView, rec("r1"), true},
		{"ann", authz.CanEdit, rec("r1"), false},
		{"viv", authz.CanView, rec("r1"), false},
		{"boss", authz.CanView, rec("r1"), false},     // the model's answer: an owner is no approver
		{"boss", authz.CanManage, rec("r1"), false},   // nor does the workspace's owner role count
		{"up", authz.CanDelete, rec("r1"), false},     // no workspace relation: nobody deletes it
		{"viv", authz.CanView, med("m1"), false},      // the media of a held record are hidden with it
		{"ann", authz.CanDownload, med("m1"), true},   // its own ACL (everyone download) and the record's hold
		{"ann", authz.CanDownload, med("m2"), true},   // a held media object: approvers inspect the original
		{"ann", authz.CanEdit, med("m2"), false},      // but do not edit it
		{"up", authz.CanEdit, med("m2"), true},        // the uploader does
		{"viv", authz.CanPreview, med("m2"), false},   // nobody else sees it, the ACL notwithstanding
		{"viv", authz.CanDownload, med("m3"), true},   // its published sibling is unaffected
		{"x", authz.CanView, rec("r1"), false},        // another account
		{"nobody", authz.CanView, rec("r1"), false},   // an unknown user
		{"viv", authz.CanView, rec("r2"), true},       // the published record
		{"boss", authz.CanDownload, med("m2"), false}, // an owner cannot reach held media either
		{"boss", authz.CanDownload, med("m3"), true},  // but reaches published media
		{"ann", authz.CanPreview, med("m3"), true},    // everyone's ACL
		{"up", authz.CanView, rec("r2"), true},        // contributor of w1
		{"up", authz.CanManage, rec("r2"), false},     // not an owner
		{"boss", authz.CanManage, rec("r2"), true},    // the owner manages published content
		{"ann", authz.CanManage, rec("r1"), false},    // nobody manages held content
		{"viv", authz.CanPreview, med("m1"), false},   // even with the media's own ACL
		{"ann", authz.CanView, med("nothing"), false}, // an unknown object
		{"up", authz.CanDownload, med("m1"), true},    // the uploader reaches the media of the held record
		{"up", authz.CanDownload, med("m2"), true},    // and its own held media
		{"ann", authz.CanView, rec("r2"), true},       // everyone may view r2
		{"viv", authz.CanEdit, rec("r1"), false},      // nor edit it
		{"boss", authz.CanEdit, rec("r1"), false},     // nor the owner
		{"boss", authz.CanDelete, rec("r1"), false},   // nor delete it
		{"ann", authz.CanDelete, rec("r1"), false},    // nor an approver
		{"boss", authz.CanPreview, med("m1"), false},  // nor preview its media
		{"viv", authz.CanPreview, med("m3"), true},    // while published media stay visible
		{"x", authz.CanPreview, med("m2"), false},     // another account never
		{"ann", authz.CanPreview, med("m2"), true},    // approvers preview held media
		{"up", authz.CanPreview, med("m1"), true},     // and uploaders the media of their record
		{"viv", authz.CanDownload, med("m2"), false},  // a workspace viewer never downloads held media
		{"boss", authz.CanView, rec("r2"), true},      // owners see published records
		{"ann", authz.CanDownload, med("m3"), true},   // everyone may download m3
		{"viv", authz.CanView, med("m3"), true},       // and view it
		{"up", authz.CanDelete, rec("r2"), false},     // a contributor deletes nothing
		{"boss", authz.CanDelete, rec("r2"), true},    // an owner deletes published records
		{"ann", authz.CanEdit, med("m1"), false},      // approvers never edit
		{"up", authz.CanEdit, med("m1"), true},        // the record's uploader is a contributor: its media's workspace counts
		{"viv", authz.CanEdit, med("m1"), false},      // a viewer never edits
		{"boss", authz.CanEdit, med("m1"), false},     // the owner cannot see the record
		{"up", authz.CanManage, rec("r1"), false},     // the uploader does not manage it
		{"viv", authz.CanView, rec("nothing"), false}, // an unknown record
		{"x", authz.CanView, rec("r2"), false},        // another account
		{"x", authz.CanView, med("m3"), false},        // another account
		{"nobody", authz.CanView, med("m3"), false},   // an unknown user
		{"nobody", authz.CanEdit, rec("r1"), false},   // an unknown user
		{"viv", authz.CanDelete, rec("r1"), false},    // a viewer deletes nothing
		{"ann", authz.CanPreview, med("m1"), true},    // approvers preview the media of a held record
		{"boss", authz.CanPreview, med("m2"), false},  // the owner does not
		{"viv", authz.CanView, rec("r2"), true},       // the viewer sees r2
		{"viv", authz.CanPreview, med("m3"), true},    // and its published media
		{"ann", authz.CanView, med("m2"), true},       // approvers view held media
		{"up", authz.CanView, med("m2"), true},        // uploaders too
		{"boss", authz.CanView, med("m2"), false},     // the owner not
		{"viv", authz.CanView, med("m2"), false},      // the viewer not
	}
	for _, c := range cases {
		if got := e.Check(c.user, c.perm, c.obj); got != c.want {
			t.Errorf("check %s %s %s = %v, want %v", c.user, c.perm, c.obj, got, c.want)
		}
		if ex := e.Explain(c.user, c.perm, c.obj); ex.Allowed != c.want {
			t.Errorf("explain %s %s %s = %+v, want allowed %v", c.user, c.perm, c.obj, ex, c.want)
		}
	}
	for user, want := range map[string][]string{"viv": {"r2"}, "boss": {"r2"}, "up": {"r1", "r2"}, "ann": {"r1", "r2"}} {
		if got := listAll(t, e, user, authz.CanView, authz.Record); !slices.Equal(got, want) {
			t.Errorf("records %s sees: %v, want %v", user, got, want)
		}
		p, err := e.Search(user, authz.SearchQuery{Text: "sunset", Sort: authz.SortCreated, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Sort(p.IDs); !slices.Equal(p.IDs, want) {
			t.Errorf("search by %s finds %v, want %v", user, p.IDs, want)
		}
	}
	for user, want := range map[string][]string{"viv": {"m3"}, "boss": {"m3"}, "up": {"m1", "m2", "m3"}, "ann": {"m1", "m2", "m3"}} {
		if got := listAll(t, e, user, authz.CanPreview, authz.Media); !slices.Equal(got, want) {
			t.Errorf("media %s previews: %v, want %v", user, got, want)
		}
	}
	if got := e.Who(authz.CanView, rec("r1")); !slices.Equal(got, []string{"ann", "up"}) {
		t.Errorf("who may view the held record: %v", got)
	}
	if got := e.Who(authz.CanDownload, med("m2")); !slices.Equal(got, []string{"ann", "up"}) {
		t.Errorf("who may download the held media: %v", got)
	}
}

func TestTheExplanationOfAHeldObjectSaysItIsHeldForModeration(t *testing.T) {
	e := holdFixture(t)
	ex := e.Explain("viv", authz.CanView, rec("r1"))
	if ex.Allowed || !ex.Held || ex.Reason != authz.DeniedHeld {
		t.Errorf("a viewer's explanation: %+v", ex)
	}
	ex = e.Explain("ann", authz.CanView, rec("r1"))
	if !ex.Allowed || !ex.Held || len(ex.Paths) != 1 || ex.Paths[0].Via != "moderation_hold" {
		t.Fatalf("an approver's explanation: %+v", ex)
	}
	steps := ex.Paths[0].Steps
	if len(steps) != 2 || steps[0] != (authz.Step{Subject: "user:ann", Relation: "member", Object: "group:cur"}) ||
		!strings.HasPrefix(steps[1].Relation, "approver (held for moderation") || steps[1].Object != "record:r1" {
		t.Errorf("approver path: %+v", steps)
	}
	ex = e.Explain("viv", authz.CanView, med("m1"))
	if ex.Allowed || ex.Reason != authz.DeniedRecord || ex.Record == nil || ex.Record.Reason != authz.DeniedHeld {
		t.Errorf("the media of a held record: %+v", ex)
	}
	ex = e.Explain("up", authz.CanEdit, med("m2"))
	if !ex.Allowed || !ex.Held || !strings.HasPrefix(ex.Paths[0].Steps[0].Relation, "uploader") {
		t.Errorf("the uploader's explanation: %+v", ex)
	}
}

func TestPublishingRestoresTheWorkspaceAndTheStoredACL(t *testing.T) {
	e := holdFixture(t)
	// An ACL edit while held is stored and counts only once published.
	if err := e.Apply(2, authz.SetACL{Ref: rec("r1"), ACL: []authz.ACLEntry{{Subject: authz.User("ann"), Level: 2}}}); err != nil {
		t.Fatal(err)
	}
	if e.Check("ann", authz.CanEdit, rec("r1")) {
		t.Error("an ACL edit counted while the record is held")
	}
	if h, ok := e.HoldOf(rec("r1")); !ok || h.Uploader != "up" || !slices.Equal(h.Approvers, []string{"cur"}) {
		t.Errorf("hold after an ACL edit: %+v %v", h, ok)
	}
	if err := e.Apply(3, authz.PutRecord{ID: "r1", Workspace: "w1", ACL: []authz.ACLEntry{{Subject: authz.User("ann"), Level: 2}}, Meta: authz.RecordMeta{Title: "held sunset", Created: 1}},
		authz.PutMedia{ID: "m2", Record: "r2", ACL: []authz.ACLEntry{{Subject: authz.EveryoneSubject, Level: 3}}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.HoldOf(rec("r1")); ok {
		t.Error("still held after publishing")
	}
	for _, c := range []struct {
		user string
		perm authz.Permission
		obj  authz.ObjectRef
		want bool
	}{
		{"viv", authz.CanView, rec("r1"), true},
		{"ann", authz.CanEdit, rec("r1"), true},
		{"boss", authz.CanManage, rec("r1"), true},
		{"viv", authz.CanDownload, med("m1"), true},
		{"viv", authz.CanDownload, med("m2"), true},
		{"up", authz.CanEdit, rec("r1"), true}, // a contributor of w1
		{"up", authz.CanDelete, rec("r1"), false},
	} {
		if got := e.Check(c.user, c.perm, c.obj); got != c.want {
			t.Errorf("after publishing: check %s %s %s = %v, want %v", c.user, c.perm, c.obj, got, c.want)
		}
	}
	if got := listAll(t, e, "viv", authz.CanPreview, authz.Media); !slices.Equal(got, []string{"m1", "m2", "m3"}) {
		t.Errorf("media the viewer previews after publishing: %v", got)
	}
}

func TestDeletingAnApproverGroupOrAHeldObjectLeavesNoTrace(t *testing.T) {
	e := holdFixture(t)
	if err := e.Apply(2, authz.DeleteGroup{ID: "cur"}); err != nil {
		t.Fatal(err)
	}
	if h, ok := e.HoldOf(med("m2")); !ok || len(h.Approvers) != 0 || h.Uploader != "up" {
		t.Errorf("hold after its approver group went: %+v %v", h, ok)
	}
	if e.Check("ann", authz.CanView, rec("r1")) {
		t.Error("a member of a deleted approver group still sees the held record")
	}
	if !e.Check("up", authz.CanView, rec("r1")) {
		t.Error("the uploader lost the held record")
	}
	// A group of the same id later is a new group: it approves nothing.
	if err := e.Apply(3, authz.PutGroup{ID: "cur", Account: "a1", Members: []authz.Subject{authz.User("viv")}}); err != nil {
		t.Fatal(err)
	}
	if e.Check("viv", authz.CanView, rec("r1")) {
		t.Error("a new group of a deleted approver group's id approves its holds")
	}
	if err := e.Apply(4, authz.DeleteObject{Ref: rec("r1")}, authz.DeleteObject{Ref: med("m2")}); err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, e, "up", authz.CanView, authz.Record); !slices.Equal(got, []string{"r2"}) {
		t.Errorf("records after deleting the held one: %v", got)
	}
	if got := listAll(t, e, "up", authz.CanPreview, authz.Media); !slices.Equal(got, []string{"m3"}) {
		t.Errorf("media after deleting the held ones: %v", got)
	}
}

func TestAHoldNamingAnotherAccountsSubjectIsRefused(t *testing.T) {
	e := holdFixture(t)
	err := e.Apply(2, authz.PutRecord{ID: "r9", Workspace: "w1", Hold: &authz.Hold{Uploader: "x"}})
	if err == nil {
		t.Fatal("a hold with another account's uploader was applied")
	}
}
