package web

// Uploads. One form, three destinations:
//
//   - a workspace: each file becomes a new record titled after the file's
//     name, holding it as its one media object (what people expect when
//     they drop photos into a library: one picture, one record, each
//     found, shared and described on its own);
//   - a capture profile: the same, in the profile's workspace, with the
//     profile's fields, filled in once for the whole batch;
//   - an existing record (from its page): each file becomes a new media
//     object of that record.
//
// Without the script the browser posts the form, several files at once,
// and gets the results page. With it (static/upload.js), each file is
// posted on its own to the same route, with the same fields and CSRF
// token, asking for JSON: that gives a progress bar and an answer per
// file (413, 409, 422 next to the file that caused it). One route serves
// both, so there is one path to get right; it is the interface's own
// (not the API's upload route) because a file that creates its record
// has no API route of its own, and the form's token is already there.
//
// Files stream from the request to the blob store: the multipart body is
// read part by part, each file part handed to the service as a reader,
// never held in memory or on disk by the interface.

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"atrium/internal/domain"
	"atrium/internal/service"
)

const (
	// maxFilesPerForm bounds the files of one form sent without the
	// script; further ones are not uploaded, and say so.
	maxFilesPerForm = 100
	// maxUploadFields and maxUploadField bound the text fields before
	// the files.
	maxUploadFields = 64
	maxUploadField  = 8 << 10
	// uploadSlack is what a one-file form may hold besides its file.
	uploadSlack = 1 << 20
	// transferIdle is how long an upload may stall; one that keeps
	// moving may last longer than the server's read timeout.
	transferIdle = time.Minute
)

// uploadPage is the upload form and, after an upload sent without the
// script, its results.
type uploadPage struct {
	// Mode is where the files go: workspace, profile or record.
	Mode string
	// Workspaces are those the user may create records in.
	Workspaces []domain.Workspace
	Profiles   []service.CaptureProfileSummary
	Profile    *service.CaptureProfileSummary
	Fields     []regField
	Record     *domain.Record
	Form       *form
	MaxBytes   int64
	Items      []uploadItem
}

// uploadItem is the outcome of one file.
type uploadItem struct {
	Filename             string
	RecordID, RecordName string
	MediaID, MediaType   string
	// Thumb is the thumbnail's URL once it is ready; Pending says it is
	// being made (the script shows it when it is).
	Thumb      string
	Pending    bool
	Duplicates []string
	Error      string
	Status     int
}

func (ui *UI) uploadForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	f := newForm()
	f.Values["workspace"] = q.Get("workspace")
	page, err := ui.uploadPage(r, rq, q.Get("profile"), q.Get("record"), f)
	if err != nil {
		return err
	}
	if f.Get("workspace") == "" && len(page.Workspaces) == 1 {
		f.Values["workspace"] = page.Workspaces[0].ID
	}
	ui.render(w, r, rq, http.StatusOK, "upload", "Upload files", page)
	return nil
}

// uploadPage reads what the form offers: the workspaces one may create
// records in, one's capture profiles, or the record to add files to.
func (ui *UI) uploadPage(r *http.Request, rq *request, profileID, recordID string, f *form) (*uploadPage, error) {
	ctx := r.Context()
	page := &uploadPage{Mode: "workspace", Form: f, MaxBytes: ui.svc.MaxUploadBytes()}
	var err error
	if page.Profiles, err = ui.svc.MyCaptureProfiles(ctx, rq.actor); err != nil {
		return nil, err
	}
	switch {
	case recordID != "":
		rec, err := ui.svc.GetRecord(ctx, rq.actor, recordID)
		if err != nil {
			return nil, err
		}
		page.Mode, page.Record = "record", &rec
		f.Values["record"] = rec.ID
	case profileID != "":
		i := slices.IndexFunc(page.Profiles, func(p service.CaptureProfileSummary) bool { return p.ID == profileID })
		if i < 0 {
			return nil, errPageNotFound
		}
		page.Mode, page.Profile = "profile", &page.Profiles[i]
		f.Values["profile"] = profileID
		page.Fields = captureFields(page.Profile.Fields, f)
	default:
		wss, err := ui.svc.ListWorkspaces(ctx, rq.actor)
		if err != nil {
			return nil, err
		}
		for _, ws := range wss {
			ok, err := ui.svc.Check(ctx, rq.actor, "user:"+rq.actor.UserID, "can_edit", "workspace:"+ws.ID)
			if err != nil {
				return nil, err
			}
			if ok {
				page.Workspaces = append(page.Workspaces, ws)
			}
		}
	}
	return page, nil
}

// captureFields are a capture profile's fields as controls, with the
// form's values and errors (keyed fields.NAME, as the service names
// them).
func captureFields(defs []domain.RegistrationField, f *form) []regField {
	out := make([]regField, 0, len(defs))
	for _, d := range defs {
		key := "fields." + d.Name
		v := f.Get(key)
		out = append(out, regField{RegistrationField: d, Input: "field." + d.Name, Key: key, Value: v, Checked: v == "on", Error: f.Err(key)})
	}
	return out
}

// uploadTarget is where the files of a post go, read from its fields.
type uploadTarget struct {
	page       *uploadPage
	workspace  string
	values     map[string]any
	duplicates service.DuplicatePolicy
}

// target reads the form's fields (those before the first file) and
// checks what can be checked before a byte of a file is read.
func (ui *UI) target(r *http.Request, rq *request, fields url.Values) (*uploadTarget, error) {
	f := newForm()
	f.Values["workspace"] = strings.TrimSpace(fields.Get("workspace"))
	f.Values["duplicates"] = fields.Get("duplicates")
	page, err := ui.uploadPage(r, rq, fields.Get("profile"), fields.Get("record"), f)
	if err != nil {
		return nil, err
	}
	t := &uploadTarget{page: page, workspace: f.Get("workspace"), duplicates: service.DuplicatesAccept}
	if f.Get("duplicates") == "refuse" {
		t.duplicates = service.DuplicatesRefuse
	}
	switch page.Mode {
	case "workspace":
		if t.workspace == "" {
			f.Errors["workspace"] = "Choose the workspace the files go to."
		}
	case "profile":
		t.values = map[string]any{}
		for _, d := range page.Profile.Fields {
			key := "fields." + d.Name
			raw := strings.TrimSpace(fields.Get("field." + d.Name))
			f.Values[key] = raw
			switch {
			case d.Type == domain.FieldBoolean:
				t.values[d.Name] = raw == "on"
			case raw == "":
			case d.Type == domain.FieldNumber:
				// A number that does not parse goes on as text, for the
				// service to refuse in its own words.
				if n, err := strconv.ParseFloat(raw, 64); err == nil {
					t.values[d.Name] = n
				} else {
					t.values[d.Name] = raw
				}
			default:
				t.values[d.Name] = raw
			}
		}
		page.Fields = captureFields(page.Profile.Fields, f)
	}
	return t, nil
}

// titleOf is a new record's title: the file's name without its
// extension.
func titleOf(filename string) string {
	name := domain.SanitizeFilename(filename)
	if t := strings.TrimSpace(strings.TrimSuffix(name, path.Ext(name))); t != "" {
		return t
	}
	if name != "" {
		return name
	}
	return "Untitled upload"
}

// send uploads one file part to its destination.
func (ui *UI) send(r *http.Request, rq *request, t *uploadTarget, filename string, body io.Reader) (service.UploadResult, domain.Record, error) {
	ctx := r.Context()
	up := service.Upload{Body: body, Size: -1, Duplicates: t.duplicates}
	file := service.FileMediaInput{Filename: filename}
	switch t.page.Mode {
	case "record":
		file.RecordID = t.page.Record.ID
		res, err := ui.svc.UploadRecordFile(ctx, rq.actor, file, up)
		return res, *t.page.Record, err
	case "profile":
		res, err := ui.svc.CaptureNewRecord(ctx, rq.actor, t.page.Profile.ID, service.CaptureInput{Title: titleOf(filename), Fields: t.values}, file, up)
		return res.UploadResult, res.Record, err
	default:
		res, err := ui.svc.UploadNewRecord(ctx, rq.actor, service.RecordInput{WorkspaceID: t.workspace, Title: titleOf(filename)}, file, up)
		return res.UploadResult, res.Record, err
	}
}

// formLevel places a refusal that is about the whole form (the
// destination, the profile's fields) next to its field, or above the
// form, and reports whether it did; refusals of one file are the file's.
func formLevel(t *uploadTarget, err error) bool {
	se, ok := service.AsError(err)
	if !ok || se.Kind == service.KindInternal {
		return false
	}
	f := t.page.Form
	switch {
	case strings.HasPrefix(se.Field, "fields."):
		if _, shown := f.Values[se.Field]; shown {
			f.Errors[se.Field] = sentence(se.Message)
		} else {
			f.Error = sentence(se.Message)
		}
	case se.Kind == service.KindNotFound && t.page.Mode == "workspace":
		f.Errors["workspace"] = "There is no such workspace, or you may not see it."
	case se.Kind == service.KindForbidden && se.Code != "profile_denies" && t.page.Mode == "workspace":
		f.Errors["workspace"] = sentence(se.Message)
	case se.Kind == service.KindNotFound || se.Kind == service.KindForbidden || se.Kind == service.KindUnauthenticated:
		f.Error = sentence(se.Message)
	default:
		return false
	}
	if t.page.Profile != nil {
		t.page.Fields = captureFields(t.page.Profile.Fields, f)
	}
	return true
}

// uploadStatus is the HTTP status of a refused file.
func uploadStatus(err error) int {
	se, ok := service.AsError(err)
	if !ok {
		return http.StatusInternalServerError
	}
	switch se.Kind {
	case service.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case service.KindNotFound:
		return http.StatusNotFound
	case service.KindUnauthenticated:
		return http.StatusUnauthorized
	}
	return statusOf(err)
}

func (ui *UI) upload(w http.ResponseWriter, r *http.Request, rq *request) error {
	js := wantsJSON(r)
	limit := ui.svc.MaxUploadBytes()
	if js && r.ContentLength > limit+uploadSlack {
		// The script sends one file a request: refused before a byte is
		// read.
		return ui.uploadJSON(w, http.StatusRequestEntityTooLarge, uploadAnswer{Error: &answerError{Code: "too_large", Field: "file",
			Message: fmt.Sprintf("This file is larger than the %s an upload may hold.", humanBytes(limit))}})
	}
	r.Body = &transferReader{r: r.Body, rc: http.NewResponseController(w)}
	mr, err := r.MultipartReader()
	if err != nil {
		if js {
			return ui.uploadJSON(w, http.StatusBadRequest, uploadAnswer{Error: &answerError{Code: "invalid_form", Message: "Send the files as multipart/form-data."}})
		}
		return errBadForm
	}
	fields := url.Values{}
	var t *uploadTarget
	var items []uploadItem
	// formStatus is the status of a refusal of the whole form.
	formStatus := http.StatusUnprocessableEntity
	// begin checks the token and the destination, at the first file (or
	// the end): the fields all come before the files.
	begin := func() error {
		if !validCSRF(rq, fields.Get(csrfField)) {
			return errCSRF
		}
		var err error
		t, err = ui.target(r, rq, fields)
		return err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if t == nil {
				return ui.uploadFailed(w, r, rq, js, errBadForm)
			}
			// Cut short after some files: those are stored, say so.
			break
		}
		name := part.FormName()
		if name != "file" {
			if t != nil {
				continue // fields after the files are not the form's
			}
			if len(fields) >= maxUploadFields {
				return ui.uploadFailed(w, r, rq, js, errBadForm)
			}
			b, err := io.ReadAll(io.LimitReader(part, maxUploadField+1))
			if err != nil || len(b) > maxUploadField || !utf8.Valid(b) {
				return ui.uploadFailed(w, r, rq, js, errBadForm)
			}
			fields.Add(name, string(b))
			continue
		}
		if t == nil {
			if err := begin(); err != nil {
				return ui.uploadFailed(w, r, rq, js, err)
			}
			if t.page.Form.Invalid() {
				break
			}
		}
		filename := part.FileName()
		if filename == "" {
			continue // a file input left empty
		}
		if len(items) == maxFilesPerForm {
			items = append(items, uploadItem{Filename: filename, Status: http.StatusRequestEntityTooLarge,
				Error: fmt.Sprintf("Not uploaded: a form sends at most %d files; upload this one again.", maxFilesPerForm)})
			continue
		}
		res, rec, err := ui.send(r, rq, t, filename, part)
		if err != nil && formLevel(t, err) {
			if js {
				return ui.uploadJSON(w, uploadStatus(err), uploadAnswer{Error: formAnswer(t.page.Form, err)})
			}
			formStatus = uploadStatus(err)
			break
		}
		item := uploadItem{Filename: filename}
		if se, ok := service.AsError(err); err != nil && (!ok || se.Kind == service.KindInternal) {
			return err
		} else if err != nil {
			item.Error, item.Status = sentence(se.Message), uploadStatus(err)
		} else {
			item.RecordID, item.RecordName, item.MediaID, item.MediaType = rec.ID, rec.Title, res.Media.ID, res.Media.MediaType
			item.Filename, item.Duplicates, item.Status = res.Media.Filename, res.DuplicateOf, http.StatusCreated
			item.Pending = slices.ContainsFunc(res.Media.Renditions, func(rd domain.Rendition) bool {
				return rd.Kind == domain.RenditionThumbnail && rd.Status == domain.RenditionPending
			})
		}
		items = append(items, item)
		if js {
			break // the script sends one file a request
		}
	}
	if t == nil {
		if err := begin(); err != nil {
			return ui.uploadFailed(w, r, rq, js, err)
		}
	}
	f := t.page.Form
	if len(items) == 0 && !f.Invalid() {
		f.Errors["file"] = "Choose one or more files to upload."
	}
	if js {
		if f.Invalid() {
			return ui.uploadJSON(w, http.StatusUnprocessableEntity, uploadAnswer{Error: formAnswer(f, nil)})
		}
		return ui.uploadJSON(w, items[0].Status, answerOf(items[0]))
	}
	t.page.Items = items
	status := http.StatusOK
	switch {
	case f.Invalid():
		status = formStatus
		if len(items) > 0 {
			status = http.StatusOK // some files went in before
		}
	case !slices.ContainsFunc(items, func(it uploadItem) bool { return it.Error == "" }):
		status = items[0].Status
	}
	ui.render(w, r, rq, status, "upload", "Upload files", t.page)
	return nil
}

// uploadFailed answers a post that could not be used at all.
func (ui *UI) uploadFailed(w http.ResponseWriter, r *http.Request, rq *request, js bool, err error) error {
	if !js {
		return err
	}
	var pe *pageError
	if errors.As(err, &pe) {
		return ui.uploadJSON(w, pe.status, uploadAnswer{Error: &answerError{Code: "refused", Message: pe.title + ". " + pe.msg}})
	}
	se, ok := service.AsError(err)
	if !ok || se.Kind == service.KindInternal {
		return err
	}
	return ui.uploadJSON(w, uploadStatus(err), uploadAnswer{Error: &answerError{Code: se.Code, Message: sentence(se.Message)}})
}

// validCSRF checks a form's token against the session's.
func validCSRF(rq *request, tok string) bool {
	return tok != "" && rq.csrf != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(rq.csrf)) == 1
}

// ---- the script's answers

// uploadAnswer is the JSON answer to the script: the new record and
// media object, or the refusal.
type uploadAnswer struct {
	Record      *answerLink  `json:"record,omitempty"`
	Media       *answerLink  `json:"media,omitempty"`
	DuplicateOf []answerLink `json:"duplicate_of,omitempty"`
	// Pending: the thumbnail is being made; poll the media object.
	Pending bool         `json:"pending,omitempty"`
	Error   *answerError `json:"error,omitempty"`
}

type answerLink struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

type answerError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field is the form control at fault (its name): "file" for the
	// file itself, or a field of the form.
	Field string `json:"field,omitempty"`
}

func answerOf(it uploadItem) uploadAnswer {
	if it.Error != "" {
		code := "refused"
		switch it.Status {
		case http.StatusRequestEntityTooLarge:
			code = "too_large"
		case http.StatusConflict:
			code = "conflict"
		}
		return uploadAnswer{Error: &answerError{Code: code, Message: it.Error, Field: "file"}}
	}
	a := uploadAnswer{Record: &answerLink{ID: it.RecordID, Name: it.RecordName, URL: "/ui/records/" + url.PathEscape(it.RecordID)},
		Media: &answerLink{ID: it.MediaID, Name: it.Filename, URL: "/ui/media/" + url.PathEscape(it.MediaID)}, Pending: it.Pending}
	for _, d := range it.Duplicates {
		a.DuplicateOf = append(a.DuplicateOf, answerLink{ID: d, URL: "/ui/media/" + url.PathEscape(d)})
	}
	return a
}

// formAnswer is the form's first error, with the control it belongs to.
func formAnswer(f *form, err error) *answerError {
	a := &answerError{Code: "invalid"}
	if se, ok := service.AsError(err); ok {
		a.Code = se.Code
	}
	if f.Error != "" {
		a.Message = f.Error
		return a
	}
	keys := make([]string, 0, len(f.Errors))
	for k := range f.Errors {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > 0 {
		a.Field, a.Message = keys[0], f.Errors[keys[0]]
		// The control of a profile's field is named field.NAME.
		if name, ok := strings.CutPrefix(a.Field, "fields."); ok {
			a.Field = "field." + name
		}
	}
	return a
}

func (ui *UI) uploadJSON(w http.ResponseWriter, status int, a uploadAnswer) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
	return nil
}

// ---- streaming

// transferReader is a request body whose read and write deadlines move
// forward with every read, so that a long upload is bounded by its
// stalls, not by its total time.
type transferReader struct {
	r  io.ReadCloser
	rc *http.ResponseController
}

func (b *transferReader) Read(p []byte) (int, error) {
	deadline := time.Now().Add(transferIdle)
	// Errors mean the connection takes no deadlines (a test recorder):
	// nothing to extend.
	_ = b.rc.SetReadDeadline(deadline)
	_ = b.rc.SetWriteDeadline(deadline)
	return b.r.Read(p)
}

func (b *transferReader) Close() error { return b.r.Close() }

// Unwrap lets http.ResponseController reach the connection through the
// access log's writer (to move an upload's deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
