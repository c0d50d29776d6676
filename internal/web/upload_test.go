package web_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/web"
)

// uploadItems are the results listed after an upload without the script:
// each file's name with its outcome.
func (p *page) uploadItems() []string {
	var out []string
	for _, li := range p.findAll(func(n *html.Node) bool { return n.Data == "li" && strings.HasPrefix(attr(n, "class"), "upload-item") }) {
		out = append(out, strings.Join(strings.Fields(text(li)), " "))
	}
	return out
}

func TestUploads(t *testing.T) {
	f := newFixtureWith(t, func(o *service.Options) { o.MaxUploadBytes = 64 << 10 }, web.Options{})
	ws := f.A.Workspace
	survey, err := f.svc.CreateCaptureProfile(f.ctx, f.A.Owner, service.CaptureProfileInput{Name: "Damage survey", WorkspaceID: ws,
		Fields: []domain.RegistrationField{{Name: "site", Label: "Site", Type: domain.FieldText, Required: true},
			{Name: "severity", Label: "Severity", Type: domain.FieldChoice, Choices: []string{"low", "high"}}},
		Holders: []authz.Subject{authz.User(f.A.Editor.UserID)}})
	if err != nil {
		t.Fatal(err)
	}
	erin, victor, bob := f.signedIn(t, "erin"), f.signedIn(t, "victor"), f.signedIn(t, "bob")
	tok := func(b *browser, path string) string { return b.get(path).csrfOf() }
	photo := picture(t, 120, 80, 1)
	records := func() int {
		l, err := f.svc.ListRecords(f.ctx, f.A.Owner, service.ListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return l.Total
	}

	t.Run("the page offers the workspaces one may create records in, and one's capture profiles", func(t *testing.T) {
		p := erin.get("/ui/upload")
		if p.status != 200 || p.h1() != "Upload files" {
			t.Fatalf("%d %q", p.status, p.h1())
		}
		sel := p.byID("f-workspace")
		if sel == nil || !strings.Contains(renderNode(sel), `value="`+ws+`" selected`) {
			t.Errorf("the only workspace is not chosen: %v", sel)
		}
		if !strings.Contains(p.body, "/ui/upload?profile="+survey.ID) {
			t.Error("erin's capture profile is not offered")
		}
		form := p.byID("upload-form")
		if form == nil || attr(form, "enctype") != "multipart/form-data" || attr(p.byID("f-file"), "multiple") != "" && !hasAttr(p.byID("f-file"), "multiple") {
			t.Errorf("the form: %v", form)
		}
		if v := victor.get("/ui/upload"); v.byID("upload-form") != nil || !strings.Contains(v.body, "You may not create records in any workspace") {
			t.Error("a viewer is offered an upload into a workspace")
		}
		if v := victor.get("/ui/upload?profile=" + survey.ID); v.status != 404 {
			t.Errorf("a profile victor does not hold: %d", v.status)
		}
	})

	t.Run("without the script, several files into a workspace become one record each, titled after their names", func(t *testing.T) {
		before := records()
		p := erin.upload(tok(erin, "/ui/upload"), [][2]string{{"workspace", ws}},
			[]upFile{{"Harbour lights.jpg", photo}, {"notes.txt", []byte("Minutes of the meeting.\n")}}, false, nil)
		if p.status != 200 {
			t.Fatalf("status %d:\n%s", p.status, p.body)
		}
		items := p.uploadItems()
		if len(items) != 2 || !strings.Contains(items[0], "Uploaded: Harbour lights") || !strings.Contains(items[1], "Uploaded: notes") {
			t.Errorf("results %q", items)
		}
		if records() != before+2 {
			t.Errorf("%d records more, want 2", records()-before)
		}
		res, _ := f.svc.SearchRecords(f.ctx, f.A.Editor, service.SearchQuery{Text: "harbour lights"})
		if len(res.Items) != 1 || res.Items[0].WorkspaceID != ws || res.Items[0].MediaType != "image" {
			t.Fatalf("the new record: %+v", res.Items)
		}
		ms, _ := f.svc.ListRecordMedia(f.ctx, f.A.Editor, res.Items[0].ID)
		if len(ms) != 1 || ms[0].Filename != "Harbour lights.jpg" {
			t.Errorf("its media: %+v", ms)
		}
		if li := p.find(func(n *html.Node) bool { return attr(n, "data-media") == ms[0].ID }); li == nil {
			t.Error("the image's item does not wait for its thumbnail (data-media)")
		}
	})

	t.Run("with the script, one file answers JSON with the new record and media object, its thumbnail pending", func(t *testing.T) {
		var ans uploadAnswer
		p := erin.upload(tok(erin, "/ui/upload"), [][2]string{{"workspace", ws}}, []upFile{{"quay.jpg", picture(t, 90, 60, 2)}}, true, &ans)
		if p.status != 201 || ans.Record == nil || ans.Record.Name != "quay" || ans.Media == nil || !ans.Pending {
			t.Fatalf("%d %s", p.status, p.body)
		}
		if ans.Record.URL != "/ui/records/"+ans.Record.ID || ans.Media.URL != "/ui/media/"+ans.Media.ID {
			t.Errorf("links %+v %+v", ans.Record, ans.Media)
		}
	})

	for _, c := range []struct {
		name    string
		as      func() *browser
		fields  [][2]string
		file    upFile
		setup   func()
		status  int
		code    string
		field   string
		message string
	}{
		{name: "a file over the upload limit is 413, next to that file", as: func() *browser { return erin },
			fields: [][2]string{{"workspace", ws}}, file: upFile{"big.bin", bytes.Repeat([]byte("x"), 70<<10)},
			status: 413, code: "too_large", field: "file", message: "larger than the 65536 bytes"},
		{name: "a file over the plan's storage is 409, next to that file", as: func() *browser { return erin },
			fields: [][2]string{{"workspace", ws}}, file: upFile{"full.jpg", picture(t, 100, 100, 3)},
			setup:  func() { f.svc.SetLimits(f.ctx, f.A.Account, domain.Limits{MaxStorageBytes: 1000}) },
			status: 409, code: "conflict", field: "file", message: "max_storage_bytes"},
		{name: "a duplicate, when refused, is 409 next to that file", as: func() *browser { return erin },
			fields: [][2]string{{"workspace", ws}, {"duplicates", "refuse"}}, file: upFile{"again.jpg", photo},
			status: 409, code: "conflict", field: "file", message: "already the file of media"},
		{name: "a capture profile's required field left empty is 422 next to the field", as: func() *browser { return erin },
			fields: [][2]string{{"profile", survey.ID}, {"field.severity", "low"}}, file: upFile{"crack.jpg", photo},
			status: 422, code: "validation_failed", field: "field.site", message: "Site is required"},
		{name: "no workspace chosen is 422 next to the workspace", as: func() *browser { return erin },
			fields: [][2]string{{"workspace", ""}}, file: upFile{"x.jpg", photo},
			status: 422, field: "workspace", message: "Choose the workspace"},
		{name: "a workspace of another account is not found, next to the workspace", as: func() *browser { return bob },
			fields: [][2]string{{"workspace", ws}}, file: upFile{"x.jpg", photo},
			status: 404, field: "workspace", message: "no such workspace"},
		{name: "a viewer adding files to a record is refused above the form", as: func() *browser { return victor },
			fields: [][2]string{{"record", f.A.Records["Council meeting"]}}, file: upFile{"x.jpg", photo},
			status: 403, code: "forbidden", message: "needs can_edit"},
	} {
		for _, js := range []bool{true, false} {
			name := c.name + ", without the script"
			if js {
				name = c.name + ", with the script"
			}
			t.Run(name+", and nothing is stored", func(t *testing.T) {
				if c.setup != nil {
					c.setup()
					defer f.svc.SetLimits(f.ctx, f.A.Account, domain.Limits{})
				}
				b := c.as()
				before := records()
				var ans uploadAnswer
				path := "/ui/upload"
				for _, kv := range c.fields {
					if kv[0] == "profile" {
						path += "?profile=" + kv[1]
					}
					if kv[0] == "record" {
						path += "?record=" + kv[1]
					}
				}
				p := b.upload(tok(b, path), c.fields, []upFile{c.file}, js, &ans)
				if records() != before {
					t.Errorf("%d records more", records()-before)
				}
				if js {
					if p.status != c.status || ans.Error == nil || ans.Error.Field != c.field || !strings.Contains(ans.Error.Message, c.message) ||
						c.code != "" && ans.Error.Code != c.code {
						t.Errorf("%d %s", p.status, p.body)
					}
					return
				}
				if p.status != c.status {
					t.Errorf("status %d, want %d", p.status, c.status)
				}
				var got string
				switch c.field {
				case "file":
					items := p.uploadItems()
					if len(items) == 1 {
						got = items[0]
					}
				case "":
					got = p.textOf("main")
				default:
					got = p.fieldError(c.field)
				}
				if !strings.Contains(got, c.message) {
					t.Errorf("the error shown: %q, want %q", got, c.message)
				}
			})
		}
	}

	t.Run("through a capture profile, each file becomes a record of its workspace with the fields", func(t *testing.T) {
		p := erin.upload(tok(erin, "/ui/upload?profile="+survey.ID), [][2]string{{"profile", survey.ID}, {"field.site", "Quay 4"}, {"field.severity", "high"}},
			[]upFile{{"crack.jpg", picture(t, 50, 50, 4)}}, false, nil)
		if p.status != 200 || len(p.uploadItems()) != 1 || !strings.Contains(p.uploadItems()[0], "Uploaded: crack") {
			t.Fatalf("%d %q", p.status, p.uploadItems())
		}
		res, _ := f.svc.SearchRecords(f.ctx, f.A.Editor, service.SearchQuery{Text: "crack"})
		if len(res.Items) != 1 || res.Items[0].Fields["site"] != "Quay 4" || res.Items[0].Fields["severity"] != "high" || res.Items[0].WorkspaceID != ws {
			t.Errorf("the captured record: %+v", res.Items)
		}
	})

	t.Run("into an existing record, each file becomes a new media object of it", func(t *testing.T) {
		rec := f.A.Records["Flood in the old town"]
		p := erin.get("/ui/records/" + rec)
		if !strings.Contains(p.body, `href="/ui/upload?record=`+rec+`"`) {
			t.Error("the record page offers no upload to an editor")
		}
		if strings.Contains(victor.get("/ui/records/"+rec).body, "/ui/upload?record=") {
			t.Error("the record page offers an upload to a viewer")
		}
		up := erin.get("/ui/upload?record=" + rec)
		if !strings.Contains(up.textOf("main"), "added to the record Flood in the old town") {
			t.Errorf("the page: %q", up.textOf("main"))
		}
		before := records()
		res := erin.upload(up.csrfOf(), [][2]string{{"record", rec}}, []upFile{{"flood-1.jpg", picture(t, 40, 40, 5)}, {"flood-2.jpg", picture(t, 40, 40, 6)}}, false, nil)
		if res.status != 200 || len(res.uploadItems()) != 2 {
			t.Fatalf("%d %q", res.status, res.uploadItems())
		}
		ms, _ := f.svc.ListRecordMedia(f.ctx, f.A.Editor, rec)
		if records() != before || len(ms) != 2 {
			t.Errorf("%d records more, %d media", records()-before, len(ms))
		}
	})

	t.Run("no file chosen is an error next to the file input", func(t *testing.T) {
		p := erin.upload(tok(erin, "/ui/upload"), [][2]string{{"workspace", ws}}, []upFile{{"", nil}}, false, nil)
		if p.status != 422 || !strings.Contains(p.fieldError("file"), "Choose one or more files") {
			t.Errorf("%d %q", p.status, p.fieldError("file"))
		}
	})

	t.Run("without the form's token, the upload is refused and nothing is stored", func(t *testing.T) {
		before := records()
		for _, js := range []bool{false, true} {
			p := erin.upload("", [][2]string{{"workspace", ws}}, []upFile{{"x.jpg", photo}}, js, nil)
			if p.status != 403 {
				t.Errorf("json %v: %d", js, p.status)
			}
			p = erin.upload("not the token", [][2]string{{"workspace", ws}}, []upFile{{"x.jpg", photo}}, js, nil)
			if p.status != 403 {
				t.Errorf("json %v, a wrong token: %d", js, p.status)
			}
		}
		if records() != before {
			t.Error("a record was made")
		}
	})

	t.Run("signed out, the upload sends to the sign-in page", func(t *testing.T) {
		anon := f.browser(t)
		p := anon.get("/ui/upload")
		if p.path() != "/ui/signin" {
			t.Errorf("at %s", p.path())
		}
		res, err := anon.c.Post(f.srv.URL+"/ui/upload", "multipart/form-data; boundary=x", strings.NewReader("--x--"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Request.URL.Path != "/ui/signin" {
			t.Errorf("a post ends at %s (%d)", res.Request.URL.Path, res.StatusCode)
		}
	})

	t.Run("a body that is not a multipart form is refused", func(t *testing.T) {
		req, _ := http.NewRequest("POST", f.srv.URL+"/ui/upload", strings.NewReader("csrf_token=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if p := erin.do(req); p.status != 400 {
			t.Errorf("%d", p.status)
		}
	})
}
