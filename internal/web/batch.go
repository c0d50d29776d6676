package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/store"
)

// Batch ACL editing: records selected in the library grid (or every
// record matching its search) get entries added, removed or replaced in
// their ACLs, through the service's batch edit (EditACLs), which runs in
// one transaction. The dry run comes first and says how many records and
// which permissions change; applying it is a second step, refused if the
// edit or the selection changed since the dry run.

// batchGrid is what the library grid needs for selecting records.
type batchGrid struct {
	// Manage holds the cards whose ACL the user may change: only those
	// get a checkbox.
	Manage map[string]bool
	// AllURL edits every record matching the library's search.
	AllURL string
	Total  int
}

// batchGrid tells which cards of a library page the user may select. It
// asks the service (MayEditACL, which reads no store) about each card;
// one the service refuses simply gets no checkbox.
func (ui *UI) batchGrid(r *http.Request, rq *request, page *libraryPage) batchGrid {
	b := batchGrid{Manage: map[string]bool{}, Total: page.Total}
	for _, c := range page.Cards {
		if ok, err := ui.svc.MayEditACL(r.Context(), rq.actor, authz.ObjectRef{Type: authz.Record, ID: c.ID}); err == nil && ok {
			b.Manage[c.ID] = true
		}
	}
	v := url.Values{"all": {"1"}}
	for _, n := range libraryFilters {
		if s := page.Form.Get(n); s != "" {
			v.Set(n, s)
		}
	}
	b.AllURL = "/ui/batch?" + v.Encode()
	return b
}

// checkView is one card's selection checkbox.
type checkView struct {
	ID, Title string
	Show      bool
}

func init() {
	funcs["batchCheck"] = func(b batchGrid, c card) checkView {
		return checkView{ID: c.ID, Title: c.Title, Show: b.Manage[c.ID]}
	}
	funcs["batchOn"] = func(b batchGrid) bool { return len(b.Manage) > 0 }
	funcs["hiddenFields"] = hiddenFields
}

// libraryFilters are the library's search fields a batch may select by.
var libraryFilters = []string{"q", "workspace", "collection", "media_type", "created_from", "created_until"}

// hiddenFields writes name/value pairs as hidden inputs.
func hiddenFields(v url.Values) template.HTML {
	var sb strings.Builder
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range v {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		for _, s := range v[k] {
			sb.WriteString(`<input type="hidden" name="` + template.HTMLEscapeString(k) + `" value="` + template.HTMLEscapeString(s) + `">`)
		}
	}
	return template.HTML(sb.String())
}

// ---- the batch page

// batchRows is how many entries one batch edit may name.
const batchRows = 3

// maxBatchListed is how many of the selected records the page names.
const maxBatchListed = 20

type batchPage struct {
	All bool
	// Selection is the hidden fields that carry the selection.
	Selection url.Values
	// Count records will be edited; Records names the first of them.
	Count   int
	Records []link
	// Left are selected records whose ACL the user may not change.
	Left      []link
	LeftCount int
	// Matching is, for a search, how many records it finds.
	Matching int
	Back     string

	Form       *form
	Rows       []int
	Ops        []option
	Levels     []string
	Groups     []option
	Users      []option
	ByUsername bool

	DryRun *batchResult
	Done   *batchResult
	// allIDs are the records a search selects.
	allIDs []string
}

type batchResult struct {
	Objects, Changed int
	Lines            []string
	// Of is the edit and selection the dry run was of.
	Of     string
	Notice string
}

var batchOps = []option{
	{service.BatchAdd, "Add these entries to each record's access list"},
	{service.BatchRemove, "Remove these permissions from each record's access list"},
	{service.BatchReplace, "Replace each record's access list with exactly these entries"},
}

func newBatchForm() *form {
	f := newForm()
	f.Values["op"], f.Values["entries"], f.Values["ids"] = service.BatchAdd, "", ""
	for i := 1; i <= batchRows; i++ {
		n := strconv.Itoa(i)
		f.Values["subject"+n], f.Values["username"+n], f.Values["level"+n] = "", "", "view"
	}
	return f
}

func (ui *UI) batch(w http.ResponseWriter, r *http.Request, rq *request) error {
	page, err := ui.batchPage(r.Context(), rq, r.URL.Query(), newBatchForm())
	if err != nil {
		return err
	}
	status := http.StatusOK
	if page.Form.Invalid() {
		status = http.StatusBadRequest
	}
	ui.render(w, r, rq, status, "batch", "Change access of many records", page)
	return nil
}

func (ui *UI) editBatch(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	ctx := r.Context()
	f := newBatchForm()
	for n := range f.Values {
		if n != "entries" && n != "ids" {
			f.Values[n] = strings.TrimSpace(r.PostForm.Get(n))
		}
	}
	page, err := ui.batchPage(ctx, rq, r.PostForm, f)
	if err != nil {
		return err
	}
	status := http.StatusOK
	entries := ui.batchEntries(ctx, rq, f)
	if !f.Invalid() && page.Count == 0 {
		f.Error = "None of the selected records can be changed by you."
	}
	if !f.Invalid() {
		ids := page.Selection["id"]
		if page.All {
			ids = page.allIDs
		}
		of := batchDigest(f.Get("op"), entries, ids)
		b := service.BatchACL{Type: authz.Record, IDs: ids, Op: f.Get("op"), Entries: entries, DryRun: true}
		apply := r.PostForm.Get("action") == "apply"
		notice := ""
		if apply && r.PostForm.Get("dry_run_of") != of {
			apply, notice = false, "The change or the selection is not the one of the dry run (records may have changed meanwhile). Here is the dry run of it now; apply again to make it."
		}
		b.DryRun = !apply
		res, err := ui.svc.EditACLs(ctx, rq.actor, b)
		if err == nil {
			view, err := ui.batchResult(ctx, rq, res)
			if err != nil {
				return err
			}
			view.Of, view.Notice = of, notice
			if apply {
				page.Done = &view
			} else {
				page.DryRun = &view
			}
		} else if !ui.formFailure(f, err, nil) {
			return err
		} else {
			status = statusOf(err)
		}
	}
	if f.Invalid() && status == http.StatusOK {
		status = http.StatusUnprocessableEntity
	}
	ui.render(w, r, rq, status, "batch", "Change access of many records", page)
	return nil
}

// batchPage reads the selection (ids, or a search with all=1) and what
// the page shows of it. Records the user may not change are set apart.
func (ui *UI) batchPage(ctx context.Context, rq *request, v url.Values, f *form) (*batchPage, error) {
	page := &batchPage{Form: f, Ops: batchOps, Levels: authz.ACLPermissions(authz.Record), Selection: url.Values{}, Back: Prefix}
	for i := 1; i <= batchRows; i++ {
		page.Rows = append(page.Rows, i)
	}
	var ids []string
	if v.Get("all") == "1" {
		page.All = true
		page.Selection.Set("all", "1")
		back := url.Values{}
		for _, n := range libraryFilters {
			if s := strings.TrimSpace(v.Get(n)); s != "" {
				page.Selection.Set(n, s)
				back.Set(n, s)
			}
		}
		if len(back) > 0 {
			page.Back = Prefix + "?" + back.Encode()
		}
		q, err := searchFrom(page.Selection)
		if err != nil {
			f.Error = err.Error()
			return page, nil
		}
		sel, err := ui.svc.SelectRecords(ctx, rq.actor, q)
		if err != nil {
			if !ui.formFailure(f, err, nil) {
				return nil, err
			}
			return page, nil
		}
		page.Matching, page.Count, page.LeftCount = sel.Matching, len(sel.IDs), sel.Matching-len(sel.IDs)
		page.allIDs = sel.IDs
		ids = sel.IDs[:min(len(sel.IDs), maxBatchListed)]
	} else {
		seen := map[string]bool{}
		for _, id := range v["id"] {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			f.Error = "Select records in the library first: tick them in the grid, then choose “Change access of selected”."
			return page, nil
		}
		if len(ids) > service.MaxRecordsByID {
			f.Error = "Select at most " + strconv.Itoa(service.MaxRecordsByID) + " records, or change the access of every record a search finds."
			return page, nil
		}
	}
	recs, err := ui.svc.RecordsByID(ctx, rq.actor, ids)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		l := link{"/ui/records/" + url.PathEscape(rec.ID), rec.Title}
		if page.All {
			page.Records = append(page.Records, l)
			continue
		}
		ok, err := ui.svc.MayEditACL(ctx, rq.actor, authz.ObjectRef{Type: authz.Record, ID: rec.ID})
		if err != nil {
			return nil, err
		}
		if ok {
			page.Count++
			page.Selection.Add("id", rec.ID)
			if len(page.Records) < maxBatchListed {
				page.Records = append(page.Records, l)
			}
		} else {
			page.LeftCount++
			if len(page.Left) < maxBatchListed {
				page.Left = append(page.Left, l)
			}
		}
	}
	// Ids the user cannot see are left out without a word, as if they
	// did not exist.
	if page.Count == 0 {
		return page, nil // no form to fill
	}
	if err := ui.batchChoices(ctx, rq, page); err != nil {
		return nil, err
	}
	return page, nil
}

// batchChoices fills the subject pickers as the sharing panel does.
func (ui *UI) batchChoices(ctx context.Context, rq *request, page *batchPage) error {
	edit := &aclEdit{}
	if err := ui.subjectChoices(ctx, rq, edit); err != nil {
		return err
	}
	page.Groups, page.Users, page.ByUsername = edit.Groups, edit.Users, edit.ByUsername
	return nil
}

// searchFrom reads the library's filters as a search.
func searchFrom(v url.Values) (service.SearchQuery, error) {
	q := service.SearchQuery{Text: v.Get("q"), Collection: v.Get("collection")}
	if s := v.Get("workspace"); s != "" {
		q.Workspaces = []string{s}
	}
	if s := v.Get("media_type"); s != "" {
		q.MediaTypes = []string{s}
	}
	if s := v.Get("created_from"); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return q, errBadDate
		}
		q.CreatedAfter = t
	}
	if s := v.Get("created_until"); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return q, errBadDate
		}
		q.CreatedBefore = t.AddDate(0, 0, 1)
	}
	return q, nil
}

var errBadDate = &pageError{status: http.StatusBadRequest, title: "The search's dates are not dates", msg: "Go back to the library and give dates as YYYY-MM-DD."}

// batchEntries reads the entry rows; a row names a subject picked in the
// list or a username, and a permission.
func (ui *UI) batchEntries(ctx context.Context, rq *request, f *form) []domain.ACLEntry {
	entries := []domain.ACLEntry{}
	for i := 1; i <= batchRows; i++ {
		n := strconv.Itoa(i)
		pick, name, level := f.Get("subject"+n), f.Get("username"+n), f.Get("level"+n)
		var subj authz.Subject
		switch {
		case pick != "" && name != "":
			f.Errors["username"+n] = "Choose someone in the list or type a username, not both."
			continue
		case name != "":
			u, err := ui.svc.UserByUsername(ctx, rq.actor, name)
			if err != nil {
				f.Errors["username"+n] = "There is no user " + name + " in this account."
				continue
			}
			subj = authz.User(u.ID)
		case pick != "":
			s, err := authz.ParseSubject(pick)
			if err != nil {
				f.Errors["subject"+n] = "Choose someone in the list."
				continue
			}
			subj = s
		default:
			continue
		}
		if j := slices.IndexFunc(entries, func(en domain.ACLEntry) bool { return en.Subject == subj }); j >= 0 {
			entries[j].Permissions = append(entries[j].Permissions, level)
			continue
		}
		entries = append(entries, domain.ACLEntry{Subject: subj, Permissions: []string{level}})
	}
	return entries
}

// batchDigest names an edit and the records it applies to, so that
// applying is refused unless it is what the dry run showed.
func batchDigest(op string, entries []domain.ACLEntry, ids []string) string {
	h := sha256.New()
	h.Write([]byte(op + "\n" + canonicalACL(authz.Record, entries) + "\n"))
	sorted := slices.Sorted(slices.Values(ids))
	for _, id := range sorted {
		h.Write([]byte(id + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// batchResult puts a batch result into words: "Newsroom gains view on 2
// records".
func (ui *UI) batchResult(ctx context.Context, rq *request, res service.BatchResult) (batchResult, error) {
	nm := &namer{want: map[store.Ref]bool{}}
	for _, tc := range append(slices.Clone(res.Added), res.Removed...) {
		nm.add(tc.Subject.String())
	}
	if err := nm.load(ctx, ui.svc, rq.actor); err != nil {
		return batchResult{}, err
	}
	out := batchResult{Objects: res.Objects, Changed: res.Changed}
	line := func(tc service.TupleChange, verb string) string {
		label, kind := nm.subject(tc.Subject.String())
		who := label
		if kind == "group" {
			who += " (group)"
		}
		return who + " " + verb + " " + tc.Permission + " on " + strconv.Itoa(tc.Objects) + " " + plural(tc.Objects, "record", "records")
	}
	for _, tc := range res.Added {
		out.Lines = append(out.Lines, line(tc, "gains"))
	}
	for _, tc := range res.Removed {
		out.Lines = append(out.Lines, line(tc, "loses"))
	}
	return out, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
