package web

import (
	"net/http"
	"net/url"
	"strings"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// collectionPage is a collection: its records (a page of them, as the
// library's grid), and for those who may, its edit, share and delete
// forms.
type collectionPage struct {
	Collection    domain.Collection
	WorkspaceName string
	CanEdit       bool
	CanDelete     bool
	Total         int
	Cards         []card
	NextURL       string
	Form          *form
	DeleteForm    *form
	// Notice says what just happened (saved, created, removed).
	Notice string
}

func (ui *UI) collection(w http.ResponseWriter, r *http.Request, rq *request) error {
	page, err := ui.collectionPage(r, rq, r.PathValue("id"))
	if err != nil {
		return err
	}
	switch {
	case r.URL.Query().Has("created"):
		page.Notice = "The collection is created. Add records to it from their pages."
	case r.URL.Query().Has("saved"):
		page.Notice = "Your changes are saved."
	case r.URL.Query().Has("removed"):
		page.Notice = "The record is removed from the collection (it stays in the library)."
	}
	ui.render(w, r, rq, http.StatusOK, "collection", page.Collection.Name, page)
	return nil
}

// collectionPage reads a collection's page: a fixed number of service
// calls, one page of records whatever the collection holds.
func (ui *UI) collectionPage(r *http.Request, rq *request, id string) (*collectionPage, error) {
	ctx := r.Context()
	c, err := ui.svc.GetCollection(ctx, rq.actor, id)
	if err != nil {
		return nil, err
	}
	page := &collectionPage{Collection: c, Form: newForm(), DeleteForm: newForm()}
	page.Form.Values["name"], page.Form.Values["description"] = c.Name, c.Description
	page.DeleteForm.Values["confirm"] = ""
	if ws, err := ui.svc.GetWorkspace(ctx, rq.actor, c.WorkspaceID); err == nil {
		page.WorkspaceName = ws.Name
	} else if se, ok := service.AsError(err); !ok || se.Kind != service.KindNotFound {
		return nil, err
	}
	me := "user:" + rq.actor.UserID
	if page.CanEdit, err = ui.svc.Check(ctx, rq.actor, me, "can_edit", "collection:"+c.ID); err != nil {
		return nil, err
	}
	if page.CanDelete, err = ui.svc.Check(ctx, rq.actor, me, "can_delete", "collection:"+c.ID); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	res, err := ui.svc.SearchRecords(ctx, rq.actor, service.SearchQuery{Collection: c.ID, Sort: "-created", Limit: pageSize, Cursor: q.Get("cursor")})
	if se, ok := service.AsError(err); ok && se.Field == "cursor" {
		// An expired page of results: start again.
		res, err = ui.svc.SearchRecords(ctx, rq.actor, service.SearchQuery{Collection: c.ID, Sort: "-created", Limit: pageSize})
	}
	if err != nil {
		return nil, err
	}
	lib := libraryPage{}
	if err := ui.fillCards(r, rq, &lib, res.Items); err != nil {
		return nil, err
	}
	page.Total, page.Cards = res.Total, lib.Cards
	if res.NextCursor != "" {
		page.NextURL = "/ui/collections/" + url.PathEscape(c.ID) + "?" + url.Values{"cursor": {res.NextCursor}}.Encode()
	}
	return page, nil
}

// ---- creating

type newCollectionPage struct {
	Workspaces []domain.Workspace
	Form       *form
}

func (ui *UI) newCollectionForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := newForm()
	f.Values["workspace"], f.Values["name"], f.Values["description"] = r.URL.Query().Get("workspace"), "", ""
	return ui.renderNewCollection(w, r, rq, http.StatusOK, f)
}

func (ui *UI) renderNewCollection(w http.ResponseWriter, r *http.Request, rq *request, status int, f *form) error {
	page := newCollectionPage{Form: f}
	// The upload page's choice: workspaces one may create in.
	up, err := ui.uploadPage(r, rq, "", "", newForm())
	if err != nil {
		return err
	}
	page.Workspaces = up.Workspaces
	if f.Get("workspace") == "" && len(page.Workspaces) == 1 {
		f.Values["workspace"] = page.Workspaces[0].ID
	}
	ui.render(w, r, rq, status, "collection_new", "New collection", page)
	return nil
}

func (ui *UI) createCollection(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "workspace", "name", "description")
	if f.Get("workspace") == "" {
		f.Errors["workspace"] = "Choose the workspace the collection belongs to."
		return ui.renderNewCollection(w, r, rq, http.StatusUnprocessableEntity, f)
	}
	c, err := ui.svc.CreateCollection(r.Context(), rq.actor, service.CollectionInput{WorkspaceID: f.Get("workspace"),
		Name: f.Get("name"), Description: strings.ReplaceAll(f.Get("description"), "\r\n", "\n")})
	if err == nil {
		http.Redirect(w, r, "/ui/collections/"+url.PathEscape(c.ID)+"?created=1", http.StatusSeeOther)
		return nil
	}
	se, ok := service.AsError(err)
	switch {
	case ok && se.Kind == service.KindNotFound:
		f.Errors["workspace"] = "There is no such workspace, or you may not see it."
	case ok && se.Kind == service.KindForbidden:
		f.Errors["workspace"] = sentence(se.Message)
	case !ui.formFailure(f, err, nil):
		return err
	}
	return ui.renderNewCollection(w, r, rq, uploadStatus(err), f)
}

// ---- editing and deleting

func (ui *UI) editCollection(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	f := formFrom(r, "name", "description")
	name, desc := f.Get("name"), strings.ReplaceAll(f.Get("description"), "\r\n", "\n")
	_, err := ui.svc.UpdateCollection(r.Context(), rq.actor, id, service.NameUpdate{Name: &name, Description: &desc})
	if err == nil {
		http.Redirect(w, r, "/ui/collections/"+url.PathEscape(id)+"?saved=1", http.StatusSeeOther)
		return nil
	}
	if se, ok := service.AsError(err); ok && (se.Kind == service.KindNotFound || se.Kind == service.KindForbidden) || !ui.formFailure(f, err, nil) {
		return err
	}
	page, perr := ui.collectionPage(r, rq, id)
	if perr != nil {
		return perr
	}
	page.Form = f
	ui.render(w, r, rq, statusOf(err), "collection", page.Collection.Name, page)
	return nil
}

func (ui *UI) deleteCollection(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	if r.PostForm.Get("confirm") != "on" {
		page, err := ui.collectionPage(r, rq, id)
		if err != nil {
			return err
		}
		if !page.CanDelete {
			return &pageError{status: http.StatusForbidden, title: "Not allowed", msg: "Deleting this collection needs the right to delete it: its creator, or an editor of its workspace."}
		}
		page.DeleteForm.Errors["confirm"] = "Tick the box to confirm: the collection goes, its records stay."
		ui.render(w, r, rq, http.StatusUnprocessableEntity, "collection", page.Collection.Name, page)
		return nil
	}
	if err := ui.svc.DeleteCollection(r.Context(), rq.actor, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/workspaces", http.StatusSeeOther)
	return nil
}

// ---- membership

func (ui *UI) removeFromCollection(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := ui.svc.RemoveCollectionRecord(r.Context(), rq.actor, id, r.PathValue("record")); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/collections/"+url.PathEscape(id)+"?removed=1", http.StatusSeeOther)
	return nil
}

// addToCollection adds the record of the page to the collection chosen
// in its "add to collection" form.
func (ui *UI) addToCollection(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	coll := r.PostForm.Get("collection")
	var err error
	if coll != "" {
		err = ui.svc.AddCollectionRecord(r.Context(), rq.actor, coll, id)
		if err == nil {
			http.Redirect(w, r, "/ui/records/"+url.PathEscape(id)+"?"+url.Values{"added": {coll}}.Encode(), http.StatusSeeOther)
			return nil
		}
	}
	page, perr := ui.recordPage(r, rq, id)
	if perr != nil {
		return perr
	}
	if page.CanEdit {
		page.Form = recordForm(page.Record)
		page.Fields = fieldRows(page.Record.Fields, page.Form)
	}
	f := page.Content.AddForm
	f.Values["collection"] = coll
	status := http.StatusUnprocessableEntity
	se, ok := service.AsError(err)
	switch {
	case coll == "":
		f.Errors["collection"] = "Choose a collection."
	case ok && se.Kind == service.KindNotFound:
		// The collection, or the record, is not the user's to see.
		f.Errors["collection"] = "There is no such collection, or you may not see it."
		status = http.StatusNotFound
	case ok && se.Kind != service.KindInternal:
		f.Errors["collection"] = sentence(se.Message)
		status = statusOf(err)
	default:
		return err
	}
	ui.render(w, r, rq, status, "record", page.Record.Title, page)
	return nil
}
