package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"atrium/internal/blob"
	"atrium/internal/domain"
	"atrium/internal/httpapi"
	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store"
	"atrium/internal/store/sqlstore"
	"atrium/internal/store/sqlstore/sqltest"
)

// ---- helpers for files

// pngBytes is the start of a PNG image, and some more bytes.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"), bytes.Repeat([]byte("pixels"), 200)...)

func hexSHA(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// sized returns n bytes of a PNG.
func sized(n int) []byte {
	b := bytes.Repeat(pngBytes, n/len(pngBytes)+1)
	return b[:n]
}

// putFile uploads data as a media object's file, with a Content-Type the
// server must ignore.
func putFile(t *testing.T, c *client, mediaID string, data []byte, query string) *resp {
	t.Helper()
	return c.do(t, "PUT", "/api/v1/media/"+mediaID+"/file"+query, data, header{"Content-Type", "text/html"})
}

// formPart is one part of a multipart upload: a field, or the file when
// file is set (its Content-Disposition filename is raw, unescaped).
type formPart struct {
	name, value string
	file        bool
	filename    string
}

// multipartBody builds a form; the file part's header is written by hand
// so that any file name can be sent.
func multipartBody(t *testing.T, parts []formPart, data []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.file {
			h.Set("Content-Disposition", `form-data; name="file"; filename="`+p.filename+`"`)
			h.Set("Content-Type", "application/x-anything")
		} else {
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"`)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if p.file {
			pw.Write(data)
		} else {
			io.WriteString(pw, p.value)
		}
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// postForm uploads data as a new media object of a record.
func postForm(t *testing.T, c *client, recordID, query string, data []byte, parts ...formPart) *resp {
	t.Helper()
	if !slices.ContainsFunc(parts, func(p formPart) bool { return p.file }) {
		parts = append(parts, formPart{file: true, filename: "photo.png"})
	}
	ct, body := multipartBody(t, parts, data)
	return c.do(t, "POST", "/api/v1/records/"+recordID+"/files"+query, body, header{"Content-Type", ct})
}

func uploaded(t *testing.T, r *resp) service.UploadResult {
	t.Helper()
	var res service.UploadResult
	r.decode(t, &res)
	if res.Media.File == nil {
		t.Fatalf("%v: the media object has no file", r)
	}
	return res
}

// fetch sends a request and returns the raw answer; error answers are
// checked against the API's error shape.
func fetch(t *testing.T, c *client, method, path string, hs ...header) *resp {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, c.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for _, h := range hs {
		req.Header.Set(h.name, h.value)
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	r := &resp{method: method, path: path, status: res.StatusCode, header: res.Header, body: b}
	if r.status >= 400 && method != "HEAD" {
		checkErrorShape(t, r)
	}
	return r
}

func download(t *testing.T, c *client, mediaID string, hs ...header) *resp {
	t.Helper()
	return fetch(t, c, "GET", "/api/v1/media/"+mediaID+"/file", hs...)
}

// blobFiles lists every file in the fixture's blob folder, temporary
// ones included.
func blobFiles(t *testing.T, f *fixture) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(f.blobDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(f.blobDir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// wantBlobs waits a little for the blob folder to hold n files: a request
// cut short ends on the server after the client has gone.
func wantBlobs(t *testing.T, f *fixture, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := blobFiles(t, f)
		if len(got) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("blob folder holds %v, want %d files", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func usage(t *testing.T, c *client) domain.StorageUsage {
	t.Helper()
	var acct domain.Account
	c.get(t, "/api/v1/account").ok(t, 200).decode(t, &acct)
	if acct.Usage == nil {
		t.Fatal("GET /account shows no usage")
	}
	return *acct.Usage
}

func wantUsage(t *testing.T, c *client, bytes, files int64) {
	t.Helper()
	if u := usage(t, c); u != (domain.StorageUsage{Bytes: bytes, Files: files}) {
		t.Errorf("usage %+v, want %d bytes in %d files", u, bytes, files)
	}
}

func mediaFile(t *testing.T, c *client, mediaID string) *domain.File {
	t.Helper()
	var m domain.Media
	c.get(t, "/api/v1/media/"+mediaID).ok(t, 200).decode(t, &m)
	return m.File
}

// auditOf returns the account's audit events of a type, newest first.
func auditOf(t *testing.T, c *client, typ string) []domain.AuditEvent {
	t.Helper()
	var page struct {
		Events []domain.AuditEvent `json:"events"`
	}
	c.get(t, "/api/v1/audit?type="+typ).ok(t, 200).decode(t, &page)
	return page.Events
}

// rawRequest writes a request on a fresh TCP connection: head (the
// request line and headers, CRLF-terminated, without the blank line),
// then body; it closes the connection after body when cut is set, and
// returns what the server answered, if anything.
func rawRequest(t *testing.T, f *fixture, head string, body []byte, cut bool) (status int, answer string) {
	t.Helper()
	u, _ := url.Parse(f.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, head+"\r\n"); err != nil {
		t.Fatal(err)
	}
	conn.Write(body)
	if cut {
		return 0, ""
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// ---- the world of the file tests

// fileWorld is account Alpha with a workspace, a record everyone may view
// (the default ACL) holding a media object everyone may view but only
// Administrators download (the default), a hidden record with an empty
// ACL holding another media object, and users: carol (no role: a viewer
// through the default ACLs), dave (contributor on the workspace), and
// Beta's owner bob.
type fileWorld struct {
	alice, carol, dave, bob *member
	ws, rec, med            string
	hiddenRec, hiddenMed    string
}

func newFileWorld(t *testing.T, f *fixture) *fileWorld {
	t.Helper()
	w := &fileWorld{alice: f.A.Owner, bob: f.B.Owner}
	w.carol = f.addUser(t, f.A, "carol")
	w.dave = f.addUser(t, f.A, "dave")
	w.ws = mkWorkspace(t, w.alice.client, "Newsroom", grant{"user:" + w.dave.ID, "contributor"})
	w.rec = mkRecord(t, w.alice.client, w.ws, "Flood", nil)
	w.med = mkMedia(t, w.alice.client, w.rec)
	w.hiddenRec = mkRecord(t, w.alice.client, w.ws, "Embargo", []entry{})
	w.hiddenMed = mkMedia(t, w.alice.client, w.hiddenRec)
	return w
}

func TestUploads(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture, w *fileWorld)
	}{
		{"a raw upload stores the bytes with their size, SHA-256 and the content type detected from them, not the one sent", func(t *testing.T, f *fixture, w *fileWorld) {
			res := uploaded(t, putFile(t, w.alice.client, w.med, pngBytes, "").ok(t, 200))
			fl := res.Media.File
			if fl.Size != int64(len(pngBytes)) || fl.SHA256 != hexSHA(pngBytes) || fl.ContentType != "image/png" || fl.UploadedBy != w.alice.ID {
				t.Errorf("file %+v", fl)
			}
			if len(res.DuplicateOf) != 0 {
				t.Errorf("duplicate_of %v", res.DuplicateOf)
			}
			if got := mediaFile(t, w.alice.client, w.med); got == nil || got.ID != fl.ID {
				t.Errorf("GET /media shows file %+v", got)
			}
			wantUsage(t, w.alice.client, int64(len(pngBytes)), 1)
			wantBlobs(t, f, 1)
			ev := auditOf(t, w.alice.client, "media.upload")
			if len(ev) != 1 || ev[0].Result != "ok" || ev[0].Target != "media:"+w.med || ev[0].Detail["sha256"] != fl.SHA256 {
				t.Errorf("audit %+v", ev)
			}
		}},
		{"an empty file is a file of 0 bytes with the SHA-256 of nothing, and downloads empty", func(t *testing.T, f *fixture, w *fileWorld) {
			fl := uploaded(t, putFile(t, w.alice.client, w.med, []byte{}, "").ok(t, 200)).Media.File
			if fl.Size != 0 || fl.SHA256 != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
				t.Errorf("file %+v", fl)
			}
			r := download(t, w.alice.client, w.med).ok(t, 200)
			if len(r.body) != 0 || r.header.Get("Content-Length") != "0" {
				t.Errorf("download of an empty file: %d bytes, Content-Length %q", len(r.body), r.header.Get("Content-Length"))
			}
		}},
		{"uploading again replaces the file, frees the old blob and counts only the new size", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, sized(5000), "").ok(t, 200)
			fl := uploaded(t, putFile(t, w.alice.client, w.med, sized(300), "").ok(t, 200)).Media.File
			if fl.Size != 300 {
				t.Errorf("file %+v", fl)
			}
			wantUsage(t, w.alice.client, 300, 1)
			wantBlobs(t, f, 1)
			if ev := auditOf(t, w.alice.client, "media.upload"); len(ev) != 2 || ev[0].Detail["replaced"] == "" {
				t.Errorf("audit of the replacement %+v", ev)
			}
		}},
		{"a viewer of the media object cannot upload to it: 403, and nothing is stored", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.carol.client, w.med, pngBytes, "").fails(t, 403, "forbidden", "-")
			wantBlobs(t, f, 0)
			wantUsage(t, w.alice.client, 0, 0)
			if ev := auditOf(t, w.alice.client, "media.upload"); len(ev) != 1 || ev[0].Result != "denied" || ev[0].Actor != w.carol.ID {
				t.Errorf("audit of the refusal %+v", ev)
			}
		}},
		{"a media object the uploader cannot see, or of another account, is 404, and nothing is stored", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.carol.client, w.hiddenMed, pngBytes, "").fails(t, 404, "not_found", "-")
			putFile(t, w.bob.client, w.med, pngBytes, "").fails(t, 404, "not_found", "-")
			putFile(t, w.alice.client, "med_nonexistent", pngBytes, "").fails(t, 404, "not_found", "-")
			postForm(t, w.bob.client, w.rec, "", pngBytes).fails(t, 404, "not_found", "-")
			wantBlobs(t, f, 0)
		}},
		{"a contributor on the workspace may upload to media of its records", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.dave.client, w.med, pngBytes, "").ok(t, 200)
			postForm(t, w.dave.client, w.rec, "", pngBytes).ok(t, 201)
		}},
		{"a viewer of a record cannot add files to it: 403", func(t *testing.T, f *fixture, w *fileWorld) {
			postForm(t, w.carol.client, w.rec, "", pngBytes).fails(t, 403, "forbidden", "-")
			wantBlobs(t, f, 0)
		}},
		{"a token without the write scope cannot upload, and with the read scope can download", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, pngBytes, "").ok(t, 200)
			var tok service.NewToken
			w.alice.do(t, "POST", "/api/v1/tokens", obj{"name": "reader", "scopes": []string{"read"}}).ok(t, 201).decode(t, &tok)
			reader := f.bearer(tok.Secret)
			putFile(t, reader, w.med, pngBytes, "").fails(t, 403, "insufficient_scope", "-")
			download(t, reader, w.med).ok(t, 200)
		}},
		{"a session client must send its CSRF token to upload", func(t *testing.T, f *fixture, w *fileWorld) {
			c := f.login(t, "alice")
			csrf := c.csrf
			c.csrf = ""
			putFile(t, c, w.med, pngBytes, "").fails(t, 403, "csrf_failed", "-")
			c.csrf = csrf
			putFile(t, c, w.med, pngBytes, "").ok(t, 200)
		}},
		{"the multipart form creates a media object with its file, its type taken from the bytes and its name from the part", func(t *testing.T, f *fixture, w *fileWorld) {
			pdf := []byte("%PDF-1.7\n" + strings.Repeat("x", 1000))
			res := uploaded(t, postForm(t, w.alice.client, w.rec, "", pdf, formPart{file: true, filename: "report.pdf"}).ok(t, 201))
			m := res.Media
			if m.RecordID != w.rec || m.MediaType != "document" || m.Filename != "report.pdf" || m.File.ContentType != "application/pdf" || m.File.Size != int64(len(pdf)) {
				t.Errorf("media %+v file %+v", m, m.File)
			}
			if len(m.ACL) == 0 {
				t.Error("the new media object has no ACL: it should have the account's default")
			}
			res = uploaded(t, postForm(t, w.alice.client, w.rec, "", pngBytes,
				formPart{name: "media_type", value: "document"}, formPart{name: "filename", value: "scan.png"}, formPart{file: true, filename: "ignored.png"}).ok(t, 201))
			if res.Media.MediaType != "document" || res.Media.Filename != "scan.png" || res.Media.File.ContentType != "image/png" {
				t.Errorf("media %+v", res.Media)
			}
			res = uploaded(t, postForm(t, w.alice.client, w.rec, "", pngBytes).ok(t, 201))
			if res.Media.MediaType != "image" {
				t.Errorf("a PNG without media_type became %q", res.Media.MediaType)
			}
			wantUsage(t, w.alice.client, int64(len(pdf)+2*len(pngBytes)), 3)
		}},
		{"file names that name paths, carry quotes, line breaks, any script or too many characters become safe names and safe headers", func(t *testing.T, f *fixture, w *fileWorld) {
			long := strings.Repeat("ж", 300) + ".png"
			for _, c := range []struct {
				part, field, want string
			}{
				{"../../etc/passwd", "", "passwd"},
				{`C:\fakepath\..\photo.png`, "", "photo.png"},
				{"..", "", "upload"},
				{`say \"cheese\".png`, "", `say "cheese".png`},
				{"фото 東京 📷.png", "", "фото 東京 📷.png"},
				{long, "", strings.Repeat("ж", 251) + ".png"},
				{"x.png", "evil\r\nX-Injected: yes\".png", `evilX-Injected: yes".png`},
				{"x.png", "\u202egnp.exe", "gnp.exe"},
			} {
				parts := []formPart{{file: true, filename: c.part}}
				if c.field != "" {
					parts = []formPart{{name: "filename", value: c.field}, parts[0]}
				}
				m := uploaded(t, postForm(t, w.alice.client, w.rec, "", pngBytes, parts...).ok(t, 201)).Media
				if m.Filename != c.want {
					t.Errorf("file name %q (field %q) became %q, want %q", c.part, c.field, m.Filename, c.want)
				}
				r := download(t, w.alice.client, m.ID).ok(t, 200)
				cd := r.header.Get("Content-Disposition")
				if strings.ContainsAny(cd, "\r\n") {
					t.Errorf("Content-Disposition %q holds a line break", cd)
				}
				disp, params, err := mime.ParseMediaType(cd)
				if err != nil || disp != "attachment" || params["filename"] != c.want {
					t.Errorf("Content-Disposition %q parses as %q %v (%v), want attachment with %q", cd, disp, params, err, c.want)
				}
			}
			wantBlobs(t, f, 8)
		}},
		{"malformed forms are refused before anything is stored", func(t *testing.T, f *fixture, w *fileWorld) {
			w.alice.do(t, "POST", "/api/v1/records/"+w.rec+"/files", obj{"file": "x"}).fails(t, 415, "unsupported_media_type", "-")
			ct, body := multipartBody(t, []formPart{{name: "media_type", value: "image"}}, nil)
			w.alice.do(t, "POST", "/api/v1/records/"+w.rec+"/files", body, header{"Content-Type", ct}).fails(t, 400, "invalid_multipart", "file")
			postForm(t, w.alice.client, w.rec, "", pngBytes, formPart{name: "caption", value: "x"}).fails(t, 400, "unknown_field", "caption")
			postForm(t, w.alice.client, w.rec, "", pngBytes, formPart{name: "media_type", value: "hologram"}).fails(t, 422, "validation_failed", "media_type")
			postForm(t, w.alice.client, w.rec, "", pngBytes, formPart{name: "filename", value: strings.Repeat("x", 2000)}).fails(t, 422, "validation_failed", "filename")
			putFile(t, w.alice.client, w.med, pngBytes, "?duplicates=maybe").fails(t, 400, "invalid_query", "duplicates")
			// A form whose file part never ends (no closing boundary).
			ct, body = multipartBody(t, []formPart{{file: true, filename: "a.png"}}, pngBytes)
			cut := body[:bytes.LastIndex(body, []byte("\r\n--"))]
			w.alice.do(t, "POST", "/api/v1/records/"+w.rec+"/files", cut, header{"Content-Type", ct}).fails(t, 400, "upload_incomplete", "file")
			wantBlobs(t, f, 0)
			var ms struct {
				Media []domain.Media `json:"media"`
			}
			w.alice.get(t, "/api/v1/records/"+w.rec+"/media").ok(t, 200).decode(t, &ms)
			if len(ms.Media) != 1 {
				t.Errorf("the record has %d media objects, want the one it had", len(ms.Media))
			}
		}},
		{"deleting a media object deletes its blob and frees its storage", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, sized(700), "").ok(t, 200)
			other := uploaded(t, postForm(t, w.alice.client, w.rec, "", sized(50)).ok(t, 201)).Media.ID
			wantBlobs(t, f, 2)
			w.alice.do(t, "DELETE", "/api/v1/media/"+w.med, nil).ok(t, 204)
			wantBlobs(t, f, 1)
			wantUsage(t, w.alice.client, 50, 1)
			download(t, w.alice.client, other).ok(t, 200)
		}},
		{"deleting a record deletes the blobs of all its media", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, sized(700), "").ok(t, 200)
			postForm(t, w.alice.client, w.rec, "", sized(50)).ok(t, 201)
			putFile(t, w.alice.client, w.hiddenMed, sized(9), "").ok(t, 200)
			w.alice.do(t, "DELETE", "/api/v1/records/"+w.rec, nil).ok(t, 204)
			wantBlobs(t, f, 1)
			wantUsage(t, w.alice.client, 9, 1)
		}},
		{"GET /account shows the storage usage to every member", func(t *testing.T, f *fixture, w *fileWorld) {
			wantUsage(t, w.carol.client, 0, 0)
			putFile(t, w.alice.client, w.med, sized(1234), "").ok(t, 200)
			wantUsage(t, w.carol.client, 1234, 1)
			wantUsage(t, w.bob.client, 0, 0)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			c.run(t, f, newFileWorld(t, f))
		})
	}
}

func TestUploadLimits(t *testing.T) {
	t.Parallel()
	const limit = 10_000
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture, w *fileWorld)
	}{
		{"a file of exactly the upload limit is accepted", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, sized(limit), "").ok(t, 200)
		}},
		{"a raw upload one byte over the limit is 413 too_large and leaves nothing", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, sized(limit+1), "").fails(t, 413, "too_large", "file")
			if mediaFile(t, w.alice.client, w.med) != nil {
				t.Error("the media object has a file")
			}
			wantBlobs(t, f, 0)
			wantUsage(t, w.alice.client, 0, 0)
		}},
		{"an upload without a declared length is stopped at the limit: 413, and nothing is left", func(t *testing.T, f *fixture, w *fileWorld) {
			// Sent chunked: the server only learns the size by reading.
			req, _ := http.NewRequest("PUT", f.srv.URL+"/api/v1/media/"+w.med+"/file", io.MultiReader(bytes.NewReader(sized(3*limit))))
			req.Header.Set("Authorization", "Bearer "+w.alice.token)
			req.ContentLength = -1
			res, err := f.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 413 {
				t.Errorf("status %d, want 413", res.StatusCode)
			}
			wantBlobs(t, f, 0)
		}},
		{"a multipart file over the limit is 413 too_large and creates no media object", func(t *testing.T, f *fixture, w *fileWorld) {
			postForm(t, w.alice.client, w.rec, "", sized(limit+1)).fails(t, 413, "too_large", "file")
			wantBlobs(t, f, 0)
			var ms struct {
				Media []domain.Media `json:"media"`
			}
			w.alice.get(t, "/api/v1/records/"+w.rec+"/media").ok(t, 200).decode(t, &ms)
			if len(ms.Media) != 1 {
				t.Errorf("the record has %d media objects", len(ms.Media))
			}
		}},
		{"a huge declared Content-Length is 413 before any of the body is read", func(t *testing.T, f *fixture, w *fileWorld) {
			// The body is never sent: if the server read it, it would wait
			// for it and the test would time out.
			for _, req := range []string{"PUT /api/v1/media/" + w.med + "/file", "POST /api/v1/records/" + w.rec + "/files"} {
				status, answer := rawRequest(t, f, req+" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+w.alice.token+
					"\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1099511627776\r\n", nil, false)
				if status != 413 || !strings.Contains(answer, `"too_large"`) {
					t.Errorf("%s: %d %s", req, status, answer)
				}
			}
			wantBlobs(t, f, 0)
		}},
		{"an upload cut short by the client leaves no record of a file and no blob", func(t *testing.T, f *fixture, w *fileWorld) {
			rawRequest(t, f, "PUT /api/v1/media/"+w.med+"/file HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+w.alice.token+
				"\r\nContent-Length: 9000\r\n", sized(4000), true)
			ct, body := multipartBody(t, []formPart{{file: true, filename: "a.png"}}, sized(9000))
			rawRequest(t, f, "POST /api/v1/records/"+w.rec+"/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+w.alice.token+
				"\r\nContent-Type: "+ct+"\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n", body[:5000], true)
			// Wait until the server has given up on both: the folder has
			// no temporary file left, and the upload events say so.
			deadline := time.Now().Add(5 * time.Second)
			for len(auditOf(t, w.alice.client, "media.upload")) < 2 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			for _, ev := range auditOf(t, w.alice.client, "media.upload") {
				if ev.Result == "ok" {
					t.Errorf("an upload cut short was recorded: %+v", ev)
				}
			}
			wantBlobs(t, f, 0)
			if mediaFile(t, w.alice.client, w.med) != nil {
				t.Error("the media object has a file")
			}
			var ms struct {
				Media []domain.Media `json:"media"`
			}
			w.alice.get(t, "/api/v1/records/"+w.rec+"/media").ok(t, 200).decode(t, &ms)
			if len(ms.Media) != 1 {
				t.Errorf("the record has %d media objects", len(ms.Media))
			}
			wantUsage(t, w.alice.client, 0, 0)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixtureWith(t, service.Options{MaxUploadBytes: limit})
			c.run(t, f, newFileWorld(t, f))
		})
	}
}

func TestStorageLimit(t *testing.T) {
	t.Parallel()
	const quota = 1000
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture, w *fileWorld)
	}{
		{"uploads within max_storage_bytes are accepted up to the last byte", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, sized(600), "").ok(t, 200)
			postForm(t, w.alice.client, w.rec, "", sized(400)).ok(t, 201)
			wantUsage(t, w.alice.client, 1000, 2)
		}},
		{"an upload beyond max_storage_bytes is 409 limit_reached naming the limit, and leaves nothing", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, sized(600), "").ok(t, 200)
			// Raw with a declared length: refused before reading.
			e := putFile(t, w.alice.client, w.hiddenMed, sized(600), "").fails(t, 409, "limit_reached", "-")
			if !strings.Contains(e.Error.Message, "max_storage_bytes") {
				t.Errorf("message %q does not name the limit", e.Error.Message)
			}
			// A form, whose size is only known by reading it.
			e = postForm(t, w.alice.client, w.rec, "", sized(401)).fails(t, 409, "limit_reached", "-")
			if !strings.Contains(e.Error.Message, "max_storage_bytes") {
				t.Errorf("message %q does not name the limit", e.Error.Message)
			}
			wantBlobs(t, f, 1)
			wantUsage(t, w.alice.client, 600, 1)
			if mediaFile(t, w.alice.client, w.hiddenMed) != nil {
				t.Error("the refused upload left a file")
			}
		}},
		{"replacing a file may use the space the old one frees", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, sized(600), "").ok(t, 200)
			putFile(t, w.alice.client, w.med, sized(900), "").ok(t, 200)
			putFile(t, w.alice.client, w.med, sized(1001), "").fails(t, 409, "limit_reached", "-")
			wantUsage(t, w.alice.client, 900, 1)
		}},
		{"deleting frees storage for new uploads", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, sized(900), "").ok(t, 200)
			putFile(t, w.alice.client, w.hiddenMed, sized(900), "").fails(t, 409, "limit_reached", "-")
			w.alice.do(t, "DELETE", "/api/v1/media/"+w.med, nil).ok(t, 204)
			putFile(t, w.alice.client, w.hiddenMed, sized(900), "").ok(t, 200)
		}},
		{"concurrent uploads cannot both fit in the last free bytes", func(t *testing.T, f *fixture, w *fileWorld) {
			var wg sync.WaitGroup
			statuses := make([]int, 4)
			for i := range statuses {
				wg.Go(func() {
					ct, body := multipartBody(t, []formPart{{file: true, filename: "a.png"}}, sized(600+i))
					req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/records/"+w.rec+"/files", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+w.alice.token)
					req.Header.Set("Content-Type", ct)
					res, err := f.srv.Client().Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					res.Body.Close()
					statuses[i] = res.StatusCode
				})
			}
			wg.Wait()
			slices.Sort(statuses)
			if !slices.Equal(statuses, []int{201, 409, 409, 409}) {
				t.Errorf("statuses %v, want one 201 and three 409", statuses)
			}
			wantBlobs(t, f, 1)
			if u := usage(t, w.alice.client); u.Files != 1 || u.Bytes < 600 || u.Bytes > 603 {
				t.Errorf("usage %+v", u)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if err := f.svc.SetLimits(f.ctx, f.A.Account, domain.Limits{MaxStorageBytes: quota}); err != nil {
				t.Fatal(err)
			}
			c.run(t, f, newFileWorld(t, f))
		})
	}
}

func TestDuplicateFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture, w *fileWorld)
	}{
		{"the same bytes again are stored and the earlier media object is named in duplicate_of", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, pngBytes, "").ok(t, 200)
			res := uploaded(t, postForm(t, w.alice.client, w.rec, "", pngBytes).ok(t, 201))
			if !slices.Equal(res.DuplicateOf, []string{w.med}) {
				t.Errorf("duplicate_of %v, want [%s]", res.DuplicateOf, w.med)
			}
			second := res.Media.ID
			wantUsage(t, w.alice.client, int64(2*len(pngBytes)), 2)
			// A media object's own file is no duplicate of itself.
			res = uploaded(t, putFile(t, w.alice.client, w.med, pngBytes, "").ok(t, 200))
			if !slices.Equal(res.DuplicateOf, []string{second}) {
				t.Errorf("duplicate_of %v, want [%s] (not the media object itself)", res.DuplicateOf, second)
			}
		}},
		{"with duplicates=refuse the same bytes are 409 duplicate_file naming the media object, and nothing is stored", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, pngBytes, "").ok(t, 200)
			e := postForm(t, w.alice.client, w.rec, "?duplicates=refuse", pngBytes).fails(t, 409, "duplicate_file", "-")
			if !strings.Contains(e.Error.Message, w.med) {
				t.Errorf("message %q does not name %s", e.Error.Message, w.med)
			}
			e = putFile(t, w.alice.client, w.hiddenMed, pngBytes, "?duplicates=refuse").fails(t, 409, "duplicate_file", "-")
			wantBlobs(t, f, 1)
			wantUsage(t, w.alice.client, int64(len(pngBytes)), 1)
			// Other bytes pass.
			postForm(t, w.alice.client, w.rec, "?duplicates=refuse", sized(77)).ok(t, 201)
		}},
		{"a duplicate the uploader cannot see is neither named nor refused", func(t *testing.T, f *fixture, w *fileWorld) {
			other := mkWorkspace(t, w.alice.client, "Archive")
			hidden := mkMedia(t, w.alice.client, mkRecord(t, w.alice.client, other, "Sealed", []entry{}))
			putFile(t, w.alice.client, hidden, pngBytes, "").ok(t, 200)
			res := uploaded(t, putFile(t, w.dave.client, w.med, pngBytes, "?duplicates=refuse").ok(t, 200))
			if len(res.DuplicateOf) != 0 {
				t.Errorf("duplicate_of %v reveals a media object dave cannot see", res.DuplicateOf)
			}
		}},
		{"the same bytes in another account are no duplicate", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, pngBytes, "").ok(t, 200)
			bws := mkWorkspace(t, w.bob.client, "Beta news")
			brec := mkRecord(t, w.bob.client, bws, "Beta", nil)
			res := uploaded(t, postForm(t, w.bob.client, brec, "?duplicates=refuse", pngBytes).ok(t, 201))
			if len(res.DuplicateOf) != 0 {
				t.Errorf("duplicate_of %v crosses accounts", res.DuplicateOf)
			}
		}},
		{"concurrent uploads of the same bytes each see the ones committed before them, and are each counted once", func(t *testing.T, f *fixture, w *fileWorld) {
			const n = 4
			data := sized(20_000)
			results := make([]service.UploadResult, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					ct, body := multipartBody(t, []formPart{{file: true, filename: "same.png"}}, data)
					req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/records/"+w.rec+"/files", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+w.alice.token)
					req.Header.Set("Content-Type", ct)
					res, err := f.srv.Client().Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					defer res.Body.Close()
					if res.StatusCode != 201 {
						t.Errorf("status %d", res.StatusCode)
						return
					}
					if err := json.NewDecoder(res.Body).Decode(&results[i]); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			var counts []int
			for _, r := range results {
				counts = append(counts, len(r.DuplicateOf))
			}
			slices.Sort(counts)
			if !slices.Equal(counts, []int{0, 1, 2, 3}) {
				t.Errorf("duplicate_of lengths %v, want 0, 1, 2, 3: each upload sees exactly those before it", counts)
			}
			wantUsage(t, w.alice.client, int64(n*len(data)), n)
			wantBlobs(t, f, n)
		}},
		{"concurrent uploads of the same bytes with duplicates=refuse store exactly one", func(t *testing.T, f *fixture, w *fileWorld) {
			var wg sync.WaitGroup
			statuses := make([]int, 4)
			for i := range statuses {
				wg.Go(func() {
					ct, body := multipartBody(t, []formPart{{file: true, filename: "same.png"}}, pngBytes)
					req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/records/"+w.rec+"/files?duplicates=refuse", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+w.alice.token)
					req.Header.Set("Content-Type", ct)
					res, err := f.srv.Client().Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					res.Body.Close()
					statuses[i] = res.StatusCode
				})
			}
			wg.Wait()
			slices.Sort(statuses)
			if !slices.Equal(statuses, []int{201, 409, 409, 409}) {
				t.Errorf("statuses %v, want one 201 and three 409", statuses)
			}
			wantBlobs(t, f, 1)
			wantUsage(t, w.alice.client, int64(len(pngBytes)), 1)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			c.run(t, f, newFileWorld(t, f))
		})
	}
}

func TestDownloads(t *testing.T) {
	t.Parallel()
	data := sized(5000)
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture, w *fileWorld)
	}{
		{"whoever cannot see the media object gets 404, whoever sees it without can_download 403, and can_download the file", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, data, "").ok(t, 200)
			putFile(t, w.alice.client, w.hiddenMed, data, "").ok(t, 200)
			download(t, w.carol.client, w.hiddenMed).fails(t, 404, "not_found", "-")
			download(t, w.bob.client, w.med).fails(t, 404, "not_found", "-")
			download(t, w.carol.client, w.med).fails(t, 403, "forbidden", "-")
			download(t, w.alice.client, w.hiddenMed).ok(t, 200)
			// A download grant on the media object is enough.
			w.alice.do(t, "PUT", "/api/v1/media/"+w.med+"/acl", obj{"entries": []entry{{"everyone", []string{"view"}}, {"user:" + w.carol.ID, []string{"download"}}}}).ok(t, 200)
			if r := download(t, w.carol.client, w.med).ok(t, 200); !bytes.Equal(r.body, data) {
				t.Error("carol's download differs from the upload")
			}
			// Taken away, it stops at once.
			w.alice.do(t, "PUT", "/api/v1/media/"+w.med+"/acl", obj{"entries": []entry{{"everyone", []string{"view"}}}}).ok(t, 200)
			download(t, w.carol.client, w.med).fails(t, 403, "forbidden", "-")
			// Workspace contributors may download.
			download(t, w.dave.client, w.med).ok(t, 200)
		}},
		{"a download needs a download profile allowing the original of the media's type, as well as can_download", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, data, "").ok(t, 200)
			restrictDownloads(t, w.alice.client)
			e := download(t, w.dave.client, w.med).fails(t, 403, "profile_denies", "rendition")
			if !strings.Contains(e.Error.Message, "original") {
				t.Errorf("the refusal does not name the rendition: %+v", e)
			}
			// A profile of dave's allowing previews only does not do.
			var p domain.DownloadProfile
			w.alice.do(t, "POST", "/api/v1/download-profiles", obj{"name": "Previews", "rules": []obj{{"media_type": "image", "renditions": []string{"preview"}}},
				"holders": []string{"user:" + w.dave.ID}}).ok(t, 201).decode(t, &p)
			download(t, w.dave.client, w.med).fails(t, 403, "profile_denies", "rendition")
			w.alice.do(t, "PATCH", "/api/v1/download-profiles/"+p.ID, obj{"rules": []obj{{"media_type": "image", "renditions": []string{"preview", "original"}}}}).ok(t, 200)
			if r := download(t, w.dave.client, w.med).ok(t, 200); !bytes.Equal(r.body, data) {
				t.Error("dave's download differs from the upload")
			}
			if ev := auditOf(t, w.alice.client, "media.download"); len(ev) == 0 || ev[0].Result != "ok" {
				t.Errorf("the download is not audited: %+v", ev)
			}
		}},
		{"a media object without a file is 404", func(t *testing.T, f *fixture, w *fileWorld) {
			e := download(t, w.alice.client, w.med).fails(t, 404, "not_found", "-")
			if !strings.Contains(e.Error.Message, "no file") {
				t.Errorf("message %q", e.Error.Message)
			}
		}},
		{"a download carries the bytes, the detected type, a strong ETag, an attachment disposition and no sniffing", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, data, "").ok(t, 200)
			r := download(t, w.alice.client, w.med).ok(t, 200)
			h := r.header
			checks := map[string]string{
				"Content-Type":           "image/png",
				"Content-Length":         strconv.Itoa(len(data)),
				"ETag":                   `"` + hexSHA(data) + `"`,
				"Content-Disposition":    `attachment; filename="a.jpg"; filename*=UTF-8''a.jpg`,
				"X-Content-Type-Options": "nosniff",
				"Cache-Control":          "private, no-cache",
				"Accept-Ranges":          "bytes",
			}
			for k, v := range checks {
				if h.Get(k) != v {
					t.Errorf("%s: %q, want %q", k, h.Get(k), v)
				}
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("Content-Security-Policy %q does not sandbox the file", h.Get("Content-Security-Policy"))
			}
			if h.Get("Last-Modified") == "" {
				t.Error("no Last-Modified")
			}
			if !bytes.Equal(r.body, data) {
				t.Error("the download differs from the upload")
			}
		}},
		{"an HTML file is served as an attachment the browser must not render or sniff", func(t *testing.T, f *fixture, w *fileWorld) {
			html := []byte("<!DOCTYPE html><script>document.cookie</script>")
			w.alice.do(t, "PUT", "/api/v1/media/"+w.med+"/file", html, header{"Content-Type", "image/png"}).ok(t, 200)
			r := download(t, w.alice.client, w.med).ok(t, 200)
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment;") ||
				r.header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(r.header.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("headers %v", r.header)
			}
		}},
		{"a byte range is 206 with exactly those bytes", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, data, "").ok(t, 200)
			for rng, want := range map[string][2]int{"bytes=10-19": {10, 20}, "bytes=4990-": {4990, 5000}, "bytes=-7": {4993, 5000}} {
				r := download(t, w.alice.client, w.med, header{"Range", rng}).ok(t, 206)
				if !bytes.Equal(r.body, data[want[0]:want[1]]) {
					t.Errorf("%s: %d bytes, not the range", rng, len(r.body))
				}
				if cr := r.header.Get("Content-Range"); cr != fmt.Sprintf("bytes %d-%d/%d", want[0], want[1]-1, len(data)) {
					t.Errorf("%s: Content-Range %q", rng, cr)
				}
			}
		}},
		{"several ranges are one 206 multipart/byteranges answer", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, data, "").ok(t, 200)
			r := download(t, w.alice.client, w.med, header{"Range", "bytes=0-3,100-109"}).ok(t, 206)
			mt, params, err := mime.ParseMediaType(r.header.Get("Content-Type"))
			if err != nil || mt != "multipart/byteranges" {
				t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
			}
			mr := multipart.NewReader(bytes.NewReader(r.body), params["boundary"])
			var got [][]byte
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(p)
				got = append(got, b)
			}
			if len(got) != 2 || !bytes.Equal(got[0], data[0:4]) || !bytes.Equal(got[1], data[100:110]) {
				t.Errorf("parts %q", got)
			}
		}},
		{"a range past the end is 416 in the API's error shape", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, data, "").ok(t, 200)
			r := download(t, w.alice.client, w.med, header{"Range", "bytes=999999-"})
			r.fails(t, 416, "range_not_satisfiable", "-")
			if cr := r.header.Get("Content-Range"); cr != "bytes */5000" {
				t.Errorf("Content-Range %q", cr)
			}
		}},
		{"If-None-Match with the ETag is 304 without a body; a stale If-Range gets the whole file", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, data, "").ok(t, 200)
			etag := download(t, w.alice.client, w.med).ok(t, 200).header.Get("ETag")
			r := download(t, w.alice.client, w.med, header{"If-None-Match", etag}).ok(t, 304)
			if len(r.body) != 0 {
				t.Error("a 304 with a body")
			}
			download(t, w.alice.client, w.med, header{"If-None-Match", `"other"`}).ok(t, 200)
			download(t, w.alice.client, w.med, header{"Range", "bytes=0-9"}, header{"If-Range", etag}).ok(t, 206)
			if r := download(t, w.alice.client, w.med, header{"Range", "bytes=0-9"}, header{"If-Range", `"stale"`}).ok(t, 200); len(r.body) != len(data) {
				t.Errorf("stale If-Range gave %d bytes", len(r.body))
			}
			// Permission is checked before the cache answer: a 304 is
			// no way around a lost right.
			download(t, w.carol.client, w.med, header{"If-None-Match", etag}).fails(t, 403, "forbidden", "-")
		}},
		{"HEAD answers the headers of the file without its bytes", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, data, "").ok(t, 200)
			r := fetch(t, w.alice.client, "HEAD", "/api/v1/media/"+w.med+"/file").ok(t, 200)
			if r.header.Get("Content-Length") != "5000" || r.header.Get("ETag") == "" || len(r.body) != 0 {
				t.Errorf("HEAD: %v, %d bytes", r.header, len(r.body))
			}
			fetch(t, w.carol.client, "HEAD", "/api/v1/media/"+w.med+"/file").ok(t, 403)
		}},
		{"every download that sends bytes is audited with its range, and refusals too; revalidations and HEAD are not downloads", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, data, "").ok(t, 200)
			etag := download(t, w.alice.client, w.med).ok(t, 200).header.Get("ETag")
			download(t, w.alice.client, w.med, header{"Range", "bytes=5-9"}).ok(t, 206)
			download(t, w.alice.client, w.med, header{"If-None-Match", etag}).ok(t, 304)
			fetch(t, w.alice.client, "HEAD", "/api/v1/media/"+w.med+"/file").ok(t, 200)
			download(t, w.carol.client, w.med).fails(t, 403, "forbidden", "-")
			ev := auditOf(t, w.alice.client, "media.download")
			if len(ev) != 3 {
				t.Fatalf("%d download events, want 3: %+v", len(ev), ev)
			}
			denied, partial, full := ev[0], ev[1], ev[2]
			if denied.Result != "denied" || denied.Actor != w.carol.ID || denied.Target != "media:"+w.med {
				t.Errorf("refusal %+v", denied)
			}
			if partial.Result != "ok" || partial.Detail["range"] != "bytes=5-9" || partial.Detail["status"] != "206" || partial.Detail["bytes"] != "5" {
				t.Errorf("range download %+v", partial)
			}
			if full.Result != "ok" || full.Actor != w.alice.ID || full.Detail["rendition"] != "original" || full.Detail["bytes"] != "5000" || full.Detail["sha256"] != hexSHA(data) {
				t.Errorf("download %+v", full)
			}
		}},
		{"a download whose blob is missing is a 500 that names the request, not a broken file", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, data, "").ok(t, 200)
			for _, p := range blobFiles(t, f) {
				os.Remove(filepath.Join(f.blobDir, p))
			}
			download(t, w.alice.client, w.med).fails(t, 500, "internal", "-")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			c.run(t, f, newFileWorld(t, f))
		})
	}
}

func TestOrphanBlobsAreSwept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w := newFileWorld(t, f)
	putFile(t, w.alice.client, w.med, pngBytes, "").ok(t, 200)
	// Blobs without a file: one old (an upload that stopped before its
	// row), one recent (an upload in progress).
	blobs := f.svc.Blobs()
	for _, k := range []string{"fil_oldorphan", "fil_neworphan"} {
		if _, err := blobs.Put(f.ctx, k, strings.NewReader("lost")); err != nil {
			t.Fatal(err)
		}
	}
	// The file's own blob is as old: only being unreferenced makes an
	// orphan.
	old := time.Now().Add(-2 * service.SweepAge)
	kept := mediaFile(t, w.alice.client, w.med).ID
	for _, p := range blobFiles(t, f) {
		if strings.HasSuffix(p, "fil_oldorphan") || strings.HasSuffix(p, kept) {
			os.Chtimes(filepath.Join(f.blobDir, p), old, old)
		}
	}
	n, err := f.svc.SweepBlobs(f.ctx, service.SweepAge)
	if err != nil || n != 1 {
		t.Fatalf("sweep removed %d (%v), want 1", n, err)
	}
	wantBlobs(t, f, 2)
	download(t, w.alice.client, w.med).ok(t, 200)
}

func TestFileRoutesAreDocumentedWithTheirBinaryBodies(t *testing.T) {
	doc := openapiDoc()
	paths := doc["paths"].(map[string]any)
	put := paths["/api/v1/media/{id}/file"].(map[string]any)["put"].(map[string]any)
	if _, ok := put["requestBody"].(map[string]any)["content"].(map[string]any)["application/octet-stream"]; !ok {
		t.Error("PUT /media/{id}/file does not document a binary body")
	}
	post := paths["/api/v1/records/{id}/files"].(map[string]any)["post"].(map[string]any)
	form, ok := post["requestBody"].(map[string]any)["content"].(map[string]any)["multipart/form-data"].(map[string]any)
	if !ok {
		t.Fatal("POST /records/{id}/files does not document a form")
	}
	schema := doc["components"].(map[string]any)["schemas"].(map[string]any)["fileForm"].(map[string]any)
	if f := schema["properties"].(map[string]any)["file"].(map[string]any); f["format"] != "binary" || form["schema"] == nil {
		t.Errorf("the form's file is documented as %v", f)
	}
	get := paths["/api/v1/media/{id}/file"].(map[string]any)["get"].(map[string]any)
	for _, status := range []string{"200", "206", "304"} {
		if _, ok := get["responses"].(map[string]any)[status]; !ok {
			t.Errorf("GET /media/{id}/file does not document %s", status)
		}
	}
}

// failingDownloadAudit is a store whose audit log refuses download events,
// as a full disk would.
type failingDownloadAudit struct{ store.Store }

func (s failingDownloadAudit) Audit(ctx context.Context, ev domain.AuditEvent) error {
	if ev.Type == service.AuditMediaDownload {
		return errors.New("the disk is full")
	}
	return s.Store.Audit(ctx, ev)
}

func TestADownloadThatCannotBeAuditedIsNotSent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, sqltest.Dir(t), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(ctx, failingDownloadAudit{st}, service.Options{Password: identity.TestParams, Blobs: blobs})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(svc, httpapi.Options{}))
	t.Cleanup(srv.Close)
	f := &fixture{ctx: ctx, svc: svc, srv: srv}
	f.A = f.newAccount(t, "Alpha", "alice", "alice@alpha.example")
	a := f.A.Owner.client
	med := mkMedia(t, a, mkRecord(t, a, mkWorkspace(t, a, "News"), "Flood", nil))
	putFile(t, a, med, pngBytes, "").ok(t, 200)
	r := download(t, a, med)
	r.fails(t, 500, "internal", "-")
	if bytes.Contains(r.body, pngBytes[:8]) || r.header.Get("Content-Disposition") != "" || r.header.Get("ETag") != "" {
		t.Errorf("the unrecorded download sent file data or headers: %v %q", r.header, r.body)
	}
	// HEAD sends no file and needs no record.
	fetch(t, a, "HEAD", "/api/v1/media/"+med+"/file").ok(t, 200)
}
