package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// pageSize is how many records a library page shows.
const pageSize = 48

// maxCollectionsListed bounds the collections on the workspaces page.
const maxCollectionsListed = service.MaxPage

type option struct {
	Value, Label string
}

var sortOptions = []option{
	{"-created", "Newest first"},
	{"created", "Oldest first"},
	{"-updated", "Recently changed"},
	{"title", "Title, A to Z"},
	{"-title", "Title, Z to A"},
}

var mediaTypeLabels = map[string]string{"image": "Images", "video": "Videos", "audio": "Audio", "document": "Documents"}

// card is one record of the grid.
type card struct {
	ID, Title, MediaType string
	Created              time.Time
	// Thumb is the thumbnail's URL, when one is ready; otherwise the grid
	// shows a placeholder.
	Thumb string
}

type libraryPage struct {
	Form        *form
	Workspaces  []domain.Workspace
	Collections []domain.Collection
	MediaTypes  []option
	Sorts       []option
	// FiltersOpen shows the filters when one is set or at fault.
	FiltersOpen bool
	// Searched is false when the filters could not be used.
	Searched   bool
	Total      int
	Cards      []card
	Start, End int
	NextURL    string
	FirstURL   string
	Batch      batchGrid
}

// libraryQuery is the set of query parameters the library understands.
var libraryQuery = []string{"q", "workspace", "collection", "media_type", "created_from", "created_until", "sort"}

// renditionURL is where the API serves a rendition inline to those who
// may see it.
func renditionURL(mediaID, kind string) string {
	return "/api/v1/media/" + url.PathEscape(mediaID) + "/renditions/" + kind
}

func (ui *UI) library(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := newForm()
	for _, n := range libraryQuery {
		f.Values[n] = strings.TrimSpace(q.Get(n))
	}
	if f.Values["sort"] == "" {
		f.Values["sort"] = "-created"
	}
	wss, err := ui.svc.ListWorkspaces(ctx, rq.actor)
	if err != nil {
		return err
	}
	colls, err := ui.collectionChoices(r, rq, wss, f.Get("workspace"), f.Get("collection"))
	if err != nil {
		return err
	}
	page := libraryPage{Form: f, Workspaces: wss, Collections: colls, Sorts: sortOptions}
	for _, m := range domain.MediaTypes {
		page.MediaTypes = append(page.MediaTypes, option{m, mediaTypeLabels[m]})
	}

	sq := service.SearchQuery{Text: f.Get("q"), Collection: f.Get("collection"), Sort: f.Get("sort"), Limit: pageSize, Cursor: q.Get("cursor")}
	if v := f.Get("workspace"); v != "" {
		sq.Workspaces = []string{v}
	}
	if v := f.Get("media_type"); v != "" {
		sq.MediaTypes = []string{v}
	}
	if v := f.Get("created_from"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			f.Errors["created_from"] = "Give a date as YYYY-MM-DD."
		}
		sq.CreatedAfter = t
	}
	if v := f.Get("created_until"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			f.Errors["created_until"] = "Give a date as YYYY-MM-DD."
		}
		// Until a day means up to its end: the search's bound is exclusive.
		sq.CreatedBefore = t.AddDate(0, 0, 1)
	}
	start := 1
	if v := q.Get("start"); v != "" && sq.Cursor != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n < 1<<30 {
			start = n
		}
	}
	status := http.StatusOK
	if !f.Invalid() {
		res, err := ui.svc.SearchRecords(ctx, rq.actor, sq)
		switch {
		case err == nil:
			page.Searched, page.Total = true, res.Total
			if err := ui.fillCards(r, rq, &page, res.Items); err != nil {
				return err
			}
			page.Batch = ui.batchGrid(r, rq, &page)
			if len(res.Items) > 0 {
				page.Start, page.End = start, start+len(res.Items)-1
			}
			if res.NextCursor != "" {
				page.NextURL = libraryURL(f, res.NextCursor, page.End+1)
			}
			if sq.Cursor != "" {
				page.FirstURL = libraryURL(f, "", 0)
			}
		case !ui.searchFailure(f, err):
			return err
		}
	}
	if f.Invalid() {
		status = http.StatusBadRequest
	}
	for _, n := range []string{"workspace", "collection", "media_type", "created_from", "created_until"} {
		page.FiltersOpen = page.FiltersOpen || f.Get(n) != "" || f.Err(n) != ""
	}
	page.FiltersOpen = page.FiltersOpen || f.Get("sort") != "-created"
	ui.render(w, r, rq, status, "library", "Library", page)
	return nil
}

// maxCollectionChoices bounds the collections the library's filter
// offers: those of the chosen workspace. All of them are on the
// workspaces page.
const maxCollectionChoices = 200

// collectionChoices are the collections the filter offers: the chosen
// workspace's, and the chosen collection. Listing every collection of
// the account on every page would cost as much as the account has.
func (ui *UI) collectionChoices(r *http.Request, rq *request, wss []domain.Workspace, workspace, collection string) ([]domain.Collection, error) {
	var out []domain.Collection
	if workspace != "" && slices.ContainsFunc(wss, func(w domain.Workspace) bool { return w.ID == workspace }) {
		l, err := ui.svc.ListCollections(r.Context(), rq.actor, service.ListQuery{Workspace: workspace, Limit: maxCollectionChoices})
		if err != nil {
			return nil, err
		}
		out = l.Items
	}
	if collection != "" && !slices.ContainsFunc(out, func(c domain.Collection) bool { return c.ID == collection }) {
		c, err := ui.svc.GetCollection(r.Context(), rq.actor, collection)
		if err == nil {
			out = append(out, c)
		} else if se, ok := service.AsError(err); !ok || se.Kind != service.KindNotFound {
			return nil, err
		}
	}
	return out, nil
}

// searchFailure puts a refused search's reason next to the filter at
// fault. A workspace or collection the user may not see is not found,
// as everywhere.
func (ui *UI) searchFailure(f *form, err error) bool {
	se, ok := service.AsError(err)
	if !ok {
		return false
	}
	if se.Kind == service.KindNotFound {
		switch {
		case f.Get("collection") != "":
			f.Errors["collection"] = "There is no such collection, or you may not see it."
		case f.Get("workspace") != "":
			f.Errors["workspace"] = "There is no such workspace, or you may not see it."
		default:
			return false
		}
		return true
	}
	if se.Field == "cursor" {
		f.Error = "This page of results has expired. Start the search again."
		return true
	}
	return ui.formFailure(f, err, map[string]string{"created_before": "created_until"})
}

// libraryURL is the library with the form's filters and a page.
func libraryURL(f *form, cursor string, start int) string {
	v := url.Values{}
	for _, n := range libraryQuery {
		if s := f.Get(n); s != "" && !(n == "sort" && s == "-created") {
			v.Set(n, s)
		}
	}
	if cursor != "" {
		v.Set("cursor", cursor)
		v.Set("start", strconv.Itoa(start))
	}
	if len(v) == 0 {
		return Prefix
	}
	return Prefix + "?" + v.Encode()
}

// fillCards makes the grid's cards, with the covers of the whole page
// read at once.
func (ui *UI) fillCards(r *http.Request, rq *request, page *libraryPage, recs []domain.Record) error {
	ids := make([]string, len(recs))
	for i, rec := range recs {
		ids[i] = rec.ID
	}
	covers, err := ui.svc.RecordCovers(r.Context(), rq.actor, ids)
	if err != nil {
		return err
	}
	page.Cards = make([]card, 0, len(recs))
	for _, rec := range recs {
		c := card{ID: rec.ID, Title: rec.Title, MediaType: rec.MediaType, Created: rec.CreatedAt}
		if cv, ok := covers[rec.ID]; ok {
			if c.MediaType == "" {
				c.MediaType = cv.MediaType
			}
			if cv.Thumbnail {
				c.Thumb = renditionURL(cv.MediaID, domain.RenditionThumbnail)
			}
		}
		page.Cards = append(page.Cards, c)
	}
	return nil
}

// ---- workspaces

type workspaceEntry struct {
	domain.Workspace
	Collections []domain.Collection
}

type workspacesPage struct {
	Workspaces []workspaceEntry
	// Others are collections of workspaces the user cannot see as a
	// whole (shared with them by their ACLs).
	Others []domain.Collection
	// More is set when there were more collections than listed.
	More bool
}

func (ui *UI) workspaces(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	wss, err := ui.svc.ListWorkspaces(ctx, rq.actor)
	if err != nil {
		return err
	}
	colls, err := ui.svc.ListCollections(ctx, rq.actor, service.ListQuery{Limit: maxCollectionsListed})
	if err != nil {
		return err
	}
	page := workspacesPage{More: colls.Total > len(colls.Items)}
	at := map[string]int{}
	for _, ws := range wss {
		at[ws.ID] = len(page.Workspaces)
		page.Workspaces = append(page.Workspaces, workspaceEntry{Workspace: ws})
	}
	for _, c := range colls.Items {
		if i, ok := at[c.WorkspaceID]; ok {
			page.Workspaces[i].Collections = append(page.Workspaces[i].Collections, c)
		} else {
			page.Others = append(page.Others, c)
		}
	}
	ui.render(w, r, rq, http.StatusOK, "workspaces", "Workspaces and collections", page)
	return nil
}

// ---- record

// maxMediaShown bounds the media objects a record page details.
const maxMediaShown = 50

type mediaView struct {
	domain.Media
	// Preview is the preview's URL when the user may see it and it is
	// ready.
	Preview   string
	Downloads []downloadView
}

type downloadView struct {
	Rendition string
	// URL is set when the user may download it and it exists.
	URL string
	// Note says why not, or what it is.
	Note string
}

type recordPage struct {
	Record        domain.Record
	WorkspaceName string
	Media         []mediaView
	MoreMedia     int
	// FieldList is the record's custom fields, by name, to show.
	FieldList []fieldRow
	CanEdit   bool
	// Form, Fields and MediaTypes are the edit form's.
	Form       *form
	Fields     []fieldRow
	MediaTypes []string
	Saved      bool
	// Content is the upload, collection and share part (content.go).
	Content *recordContent
}

// fieldRow is one custom field of the edit form.
type fieldRow struct {
	Name, Input, Value, Error string
	Multiline                 bool
}

var renditionLabels = map[string]string{
	domain.RenditionOriginal: "Original", domain.RenditionLarge: "Large",
	domain.RenditionPreview: "Preview", domain.RenditionThumbnail: "Thumbnail",
}

func (ui *UI) record(w http.ResponseWriter, r *http.Request, rq *request) error {
	page, err := ui.recordPage(r, rq, r.PathValue("id"))
	if err != nil {
		return err
	}
	page.Saved = r.URL.Query().Get("saved") == "1"
	if page.CanEdit {
		page.Form = recordForm(page.Record)
		page.Fields = fieldRows(page.Record.Fields, page.Form)
	}
	ui.render(w, r, rq, http.StatusOK, "record", page.Record.Title, page)
	return nil
}

// recordPage reads what a record's page shows. Its cost grows with the
// record's media objects (bounded by maxMediaShown), never with the
// library.
func (ui *UI) recordPage(r *http.Request, rq *request, id string) (recordPage, error) {
	ctx := r.Context()
	rec, err := ui.svc.GetRecord(ctx, rq.actor, id)
	if err != nil {
		return recordPage{}, err
	}
	page := recordPage{Record: rec, MediaTypes: domain.MediaTypes}
	page.FieldList = fieldRows(rec.Fields, nil)
	if ws, err := ui.svc.GetWorkspace(ctx, rq.actor, rec.WorkspaceID); err == nil {
		page.WorkspaceName = ws.Name
	} else if se, ok := service.AsError(err); !ok || se.Kind != service.KindNotFound {
		return recordPage{}, err
	}
	// A record shared by its ACL alone leaves its workspace unseen.
	page.CanEdit, err = ui.svc.Check(ctx, rq.actor, "user:"+rq.actor.UserID, "can_edit", "record:"+rec.ID)
	if err != nil {
		return recordPage{}, err
	}
	ms, err := ui.svc.ListRecordMedia(ctx, rq.actor, rec.ID)
	if err != nil {
		return recordPage{}, err
	}
	if page.Content, err = ui.recordContent(r, rq, rec.WorkspaceID); err != nil {
		return recordPage{}, err
	}
	if len(ms) > maxMediaShown {
		page.MoreMedia = len(ms) - maxMediaShown
		ms = ms[:maxMediaShown]
	}
	for _, m := range ms {
		mv, err := ui.mediaView(r, rq, m.ID)
		if err != nil {
			return recordPage{}, err
		}
		page.Media = append(page.Media, mv)
	}
	return page, nil
}

// mediaView is one media object with its preview and what the user may
// download of it, as GET /api/v1/media/{id}/downloads tells.
func (ui *UI) mediaView(r *http.Request, rq *request, id string) (mediaView, error) {
	ctx := r.Context()
	m, err := ui.svc.GetMedia(ctx, rq.actor, id)
	if err != nil {
		return mediaView{}, err
	}
	acc, err := ui.svc.MediaDownloads(ctx, rq.actor, id)
	if err != nil {
		return mediaView{}, err
	}
	mv := mediaView{Media: m}
	for _, ra := range acc.Renditions {
		if ra.Rendition == domain.RenditionPreview && ra.View.Allowed && service.RenditionReady(m, domain.RenditionPreview) {
			mv.Preview = renditionURL(m.ID, domain.RenditionPreview)
		}
		d := downloadView{Rendition: renditionLabels[ra.Rendition]}
		switch {
		case !ra.Download.Allowed:
			d.Note = "Not for you to download: " + ra.Download.Reason
		case ra.Rendition == domain.RenditionOriginal && m.File == nil:
			d.Note = "No file has been uploaded yet."
		case ra.Rendition == domain.RenditionOriginal:
			d.URL = "/api/v1/media/" + url.PathEscape(m.ID) + "/file"
			d.Note = humanBytes(m.File.Size) + ", " + m.File.ContentType
		case service.RenditionReady(m, ra.Rendition):
			d.URL = renditionURL(m.ID, ra.Rendition) + "?download=1"
		case ra.Status == domain.RenditionFailed:
			d.Note = "Could not be made: " + ra.Reason
		case ra.Status == domain.RenditionPending:
			d.Note = "Being made; reload in a moment."
		default:
			d.Note = "Not made: only images have renditions."
		}
		mv.Downloads = append(mv.Downloads, d)
	}
	return mv, nil
}

// recordForm fills the edit form with a record's metadata.
func recordForm(rec domain.Record) *form {
	f := newForm()
	f.Values["title"], f.Values["description"], f.Values["media_type"] = rec.Title, rec.Description, rec.MediaType
	f.Values["keywords"] = strings.Join(rec.Keywords, "\n")
	f.Values["new_field_name"], f.Values["new_field_value"] = "", ""
	for k, v := range rec.Fields {
		f.Values["field."+k] = v
	}
	return f
}

// fieldRows lists a record's custom fields by name, with their values
// from the edit form f, or as they are without one.
func fieldRows(fields map[string]string, f *form) []fieldRow {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	rows := make([]fieldRow, 0, len(names))
	for _, k := range names {
		v := fields[k]
		if f != nil {
			v = f.Get("field." + k)
		}
		rows = append(rows, fieldRow{Name: k, Input: "field." + k, Value: v, Multiline: strings.Contains(v, "\n")})
	}
	return rows
}

func (ui *UI) editRecord(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	// The record as it is, for the fields the form shows (and a 404 for
	// anyone who may not see it).
	rec, err := ui.svc.GetRecord(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	f := formFrom(r, "title", "description", "media_type", "keywords", "new_field_name", "new_field_value")
	f.Values["fields"] = "" // errors about the fields as a whole
	fields := map[string]string{}
	for k := range rec.Fields {
		f.Values["field."+k] = r.PostForm.Get("field." + k)
		if v := r.PostForm.Get("field." + k); strings.TrimSpace(v) != "" {
			fields[k] = v
		}
	}
	if name := strings.TrimSpace(f.Get("new_field_name")); name != "" {
		if _, taken := rec.Fields[name]; taken {
			f.Errors["new_field_name"] = "This record already has a field " + name + ": change its value above."
		} else {
			fields[name] = f.Get("new_field_value")
		}
	} else if strings.TrimSpace(f.Get("new_field_value")) != "" {
		f.Errors["new_field_name"] = "Name the new field."
	}
	var keywords []string
	for _, k := range strings.Split(f.Get("keywords"), "\n") {
		if k = strings.TrimSpace(k); k != "" {
			keywords = append(keywords, k)
		}
	}
	if keywords == nil {
		keywords = []string{}
	}
	if !f.Invalid() {
		title, desc, mt := f.Get("title"), strings.ReplaceAll(f.Get("description"), "\r\n", "\n"), f.Get("media_type")
		_, err = ui.svc.UpdateRecord(r.Context(), rq.actor, id, service.RecordUpdate{Title: &title, Description: &desc,
			Keywords: &keywords, Fields: &fields, MediaType: &mt})
		if err == nil {
			http.Redirect(w, r, "/ui/records/"+url.PathEscape(id)+"?saved=1", http.StatusSeeOther)
			return nil
		}
		if !ui.formFailure(f, err, nil) {
			return err
		}
	}
	page, err := ui.recordPage(r, rq, id)
	if err != nil {
		return err
	}
	page.Form, page.Fields = f, fieldRows(rec.Fields, f)
	if !page.CanEdit {
		// Refused by the service: say why, without the form.
		return &pageError{status: http.StatusForbidden, title: "Not allowed", msg: f.Error}
	}
	status := http.StatusUnprocessableEntity
	if err != nil {
		status = statusOf(err)
	}
	ui.render(w, r, rq, status, "record", page.Record.Title, page)
	return nil
}
