package service_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/blob"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
)

// unread is an upload body that fails the test if anything reads it:
// refusals decided before the upload must not read a byte.
type unread struct{ t *testing.T }

func (u unread) Read([]byte) (int, error) {
	u.t.Error("the upload was read although it was refused first")
	return 0, io.EOF
}

func TestUploadsThatCreateTheirRecord(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlstore.OpenSQLite(ctx, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobDir := t.TempDir()
	blobs, err := blob.NewFS(blobDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	svc, err := service.New(ctx, st, service.Options{Password: identity.TestParams, Blobs: blobs, MaxUploadBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	acct, o, err := svc.CreateAccount(ctx, service.NewAccount{Name: "Acme", Owner: service.UserInput{
		Username: "ada", Email: "ada@acme.example", Password: "correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	owner := service.Actor{UserID: o.ID, AccountID: acct.ID}
	user := func(name string) service.Actor {
		u, err := svc.CreateUser(ctx, owner, service.UserInput{Username: name, Email: name + "@acme.example", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		return service.Actor{UserID: u.ID, AccountID: acct.ID}
	}
	cora, vic, cap := user("cora"), user("vic"), user("cap")
	ws, err := svc.CreateWorkspace(ctx, owner, service.WorkspaceInput{Name: "Photos", Members: []domain.Grant{
		{Subject: authz.User(cora.UserID), Role: "contributor"}, {Subject: authz.User(vic.UserID), Role: "viewer"},
		{Subject: authz.User(cap.UserID), Role: "contributor"}}})
	if err != nil {
		t.Fatal(err)
	}
	prof, err := svc.CreateCaptureProfile(ctx, owner, service.CaptureProfileInput{Name: "Survey", WorkspaceID: ws.ID,
		Fields:    []domain.RegistrationField{{Name: "site", Label: "Site", Type: domain.FieldText, Required: true}},
		RecordACL: &[]domain.ACLEntry{}, MediaACL: &[]domain.ACLEntry{},
		Holders: []authz.Subject{authz.User(cap.UserID)}})
	if err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("x", 100))
	body := func(b []byte) service.Upload { return service.Upload{Body: bytes.NewReader(b), Size: -1} }
	records := func() int {
		l, err := svc.ListRecords(ctx, owner, service.ListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return l.Total
	}
	blobCount := func() int {
		n := 0
		filepath.WalkDir(blobDir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	code := func(err error) string {
		if e, ok := service.AsError(err); ok {
			return e.Code + " " + e.Field
		}
		if err != nil {
			return err.Error()
		}
		return ""
	}

	t.Run("a contributor's file becomes a record with one media object holding it", func(t *testing.T) {
		res, err := svc.UploadNewRecord(ctx, cora, service.RecordInput{WorkspaceID: ws.ID, Title: "Quay"},
			service.FileMediaInput{Filename: "quay.png"}, body(png))
		if err != nil {
			t.Fatal(err)
		}
		if res.Record.Title != "Quay" || res.Record.WorkspaceID != ws.ID || res.Record.MediaType != "image" || res.Record.CreatedBy != cora.UserID {
			t.Errorf("record %+v", res.Record)
		}
		if res.Media.RecordID != res.Record.ID || res.Media.Filename != "quay.png" || res.Media.File == nil || res.Media.File.Size != int64(len(png)) {
			t.Errorf("media %+v", res.Media)
		}
		ms, err := svc.ListRecordMedia(ctx, vic, res.Record.ID)
		if err != nil || len(ms) != 1 {
			t.Errorf("a viewer of the workspace lists %d media, %v", len(ms), err)
		}
		again, err := svc.UploadNewRecord(ctx, cora, service.RecordInput{WorkspaceID: ws.ID, Title: "Quay again"},
			service.FileMediaInput{Filename: "quay.png"}, body(png))
		if err != nil || len(again.DuplicateOf) != 1 || again.DuplicateOf[0] != res.Media.ID {
			t.Errorf("the same bytes again: duplicate_of %v, %v", again.DuplicateOf, err)
		}
	})

	for _, c := range []struct {
		name string
		do   func() error
		want string
		// read: the refusal comes while or after the bytes are read.
		read bool
	}{
		{"a viewer may not create records, and nothing is read", func() error {
			_, err := svc.UploadNewRecord(ctx, vic, service.RecordInput{WorkspaceID: ws.ID, Title: "No"}, service.FileMediaInput{}, service.Upload{Body: unread{t}, Size: -1})
			return err
		}, "forbidden ", false},
		{"a workspace one cannot see is not found", func() error {
			_, err := svc.UploadNewRecord(ctx, cora, service.RecordInput{WorkspaceID: "ws_nope", Title: "No"}, service.FileMediaInput{}, service.Upload{Body: unread{t}, Size: -1})
			return err
		}, "not_found ", false},
		{"a title is required, before anything is read", func() error {
			_, err := svc.UploadNewRecord(ctx, cora, service.RecordInput{WorkspaceID: ws.ID, Title: " "}, service.FileMediaInput{}, service.Upload{Body: unread{t}, Size: -1})
			return err
		}, "validation_failed title", false},
		{"a file over the upload limit is too large", func() error {
			_, err := svc.UploadNewRecord(ctx, cora, service.RecordInput{WorkspaceID: ws.ID, Title: "Big"}, service.FileMediaInput{}, body(bytes.Repeat([]byte("a"), 1001)))
			return err
		}, "too_large file", true},
		{"a duplicate refused is a conflict", func() error {
			up := body(png)
			up.Duplicates = service.DuplicatesRefuse
			_, err := svc.UploadNewRecord(ctx, cora, service.RecordInput{WorkspaceID: ws.ID, Title: "Dup"}, service.FileMediaInput{}, up)
			return err
		}, "duplicate_file ", true},
		{"a capture without its required field names the field, before anything is read", func() error {
			_, err := svc.CaptureNewRecord(ctx, cap, prof.ID, service.CaptureInput{Title: "Crack"}, service.FileMediaInput{}, service.Upload{Body: unread{t}, Size: -1})
			return err
		}, "validation_failed fields.site", false},
		{"a capture profile one does not hold is not found", func() error {
			_, err := svc.CaptureNewRecord(ctx, cora, prof.ID, service.CaptureInput{Title: "Crack", Fields: map[string]any{"site": "Quay"}}, service.FileMediaInput{}, service.Upload{Body: unread{t}, Size: -1})
			return err
		}, "not_found ", false},
	} {
		t.Run(c.name+", and leaves no record and no blob", func(t *testing.T) {
			recs, blobsBefore := records(), blobCount()
			if got := code(c.do()); got != c.want {
				t.Errorf("error %q, want %q", got, c.want)
			}
			if records() != recs || blobCount() != blobsBefore {
				t.Errorf("records %d → %d, blobs %d → %d", recs, records(), blobsBefore, blobCount())
			}
		})
	}

	t.Run("over the plan's storage, the upload is refused and leaves no record", func(t *testing.T) {
		if err := svc.SetLimits(ctx, acct.ID, domain.Limits{MaxStorageBytes: 300}); err != nil {
			t.Fatal(err)
		}
		defer svc.SetLimits(ctx, acct.ID, domain.Limits{})
		recs := records()
		_, err := svc.UploadNewRecord(ctx, cora, service.RecordInput{WorkspaceID: ws.ID, Title: "Full"}, service.FileMediaInput{}, body(bytes.Repeat([]byte("b"), 200)))
		if got := code(err); got != "limit_reached " {
			t.Errorf("error %q", got)
		}
		if records() != recs {
			t.Error("a record was left")
		}
	})

	t.Run("a capture makes the record in the profile's workspace, with its fields and ACLs, audited", func(t *testing.T) {
		res, err := svc.CaptureNewRecord(ctx, cap, prof.ID, service.CaptureInput{Title: "Crack", Fields: map[string]any{"site": "Quay 4"}},
			service.FileMediaInput{Filename: "crack.png"}, body(append(png, 'c')))
		if err != nil {
			t.Fatal(err)
		}
		if res.Record.WorkspaceID != ws.ID || res.Record.Fields["site"] != "Quay 4" || res.Media.Filename != "crack.png" {
			t.Errorf("record %+v, media %+v", res.Record, res.Media)
		}
		want := []domain.ACLEntry{{Subject: authz.User(cap.UserID), Permissions: []string{"edit"}}}
		if len(res.Record.ACL) != 1 || res.Record.ACL[0].Subject != want[0].Subject || len(res.Media.ACL) != 1 {
			t.Errorf("ACLs %+v and %+v, want the capturer's edit alone", res.Record.ACL, res.Media.ACL)
		}
		page, err := svc.ListAudit(ctx, owner, service.AuditQuery{Target: "record:" + res.Record.ID})
		if err != nil || len(page.Events) != 1 || page.Events[0].Type != "capture.record" {
			t.Errorf("audit of the record: %+v, %v", page.Events, err)
		}
		page, err = svc.ListAudit(ctx, owner, service.AuditQuery{Target: "media:" + res.Media.ID})
		if err != nil || len(page.Events) != 1 || page.Events[0].Type != "capture.media" || page.Events[0].Detail["file"] == "" {
			t.Errorf("audit of the media: %+v, %v", page.Events, err)
		}
	})

	t.Run("a moderated uploader's record and media object are both held, so that nobody else sees them", func(t *testing.T) {
		mo := user("mo")
		ann := user("ann")
		if err := svc.SetWorkspaceMember(ctx, owner, ws.ID, domain.Grant{Subject: authz.User(mo.UserID), Role: "contributor"}); err != nil {
			t.Fatal(err)
		}
		stringers, err := svc.CreateGroup(ctx, owner, service.GroupInput{Name: "Stringers", Members: []authz.Subject{authz.User(mo.UserID)}})
		if err != nil {
			t.Fatal(err)
		}
		desk, err := svc.CreateGroup(ctx, owner, service.GroupInput{Name: "Desk", Members: []authz.Subject{authz.User(ann.UserID)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateApprovalRelation(ctx, owner, service.ApprovalInput{Kind: domain.RelationModeration, RequesterGroups: []string{stringers.ID}, ApproverGroup: desk.ID}); err != nil {
			t.Fatal(err)
		}
		res, err := svc.UploadNewRecord(ctx, mo, service.RecordInput{WorkspaceID: ws.ID, Title: "Scoop"}, service.FileMediaInput{Filename: "scoop.png"}, body(append(png, 'm')))
		if err != nil {
			t.Fatal(err)
		}
		if res.Record.Moderation == nil || res.Media.Moderation == nil {
			t.Errorf("not held: record %+v, media %+v", res.Record.Moderation, res.Media.Moderation)
		}
		if _, err := svc.GetRecord(ctx, vic, res.Record.ID); err == nil {
			t.Error("a viewer of the workspace sees a held upload")
		}
	})

	t.Run("a user of the capture application alone may not use the workspace upload, an unknown user nothing", func(t *testing.T) {
		u, err := svc.CreateUser(ctx, owner, service.UserInput{Username: "cam", Email: "cam@acme.example", Password: "correct horse battery", Access: []string{domain.AppCapture}})
		if err != nil {
			t.Fatal(err)
		}
		cam := service.Actor{UserID: u.ID, AccountID: acct.ID}
		_, err = svc.UploadNewRecord(ctx, cam, service.RecordInput{WorkspaceID: ws.ID, Title: "x"}, service.FileMediaInput{}, service.Upload{Body: unread{t}, Size: -1})
		if got := code(err); got != "capture_only " {
			t.Errorf("a capture-only user: %q", got)
		}
		_, err = svc.UploadNewRecord(ctx, service.Actor{UserID: "user_nope", AccountID: acct.ID}, service.RecordInput{WorkspaceID: ws.ID, Title: "x"},
			service.FileMediaInput{}, service.Upload{Body: unread{t}, Size: -1})
		if !errors.Is(err, service.ErrUnauthenticated) {
			t.Errorf("an unknown user: %v", err)
		}
	})
}
