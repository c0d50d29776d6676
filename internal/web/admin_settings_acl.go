package web

import (
	"net/http"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
)

// ---- /ui/admin/acl-defaults: the ACL new records, media and collections
// get (manage_settings)

type aclDefaultsPage struct {
	Notice      string
	Types       []aclDefaultsForm
	Suggestions []string
}

type aclDefaultsForm struct {
	Type, Title, Noun, Hint string
	Editor                  *subjectEditor
}

var contentTypes = []struct {
	t           authz.ObjectType
	title, hint string
}{
	{authz.Record, "Records", "Who may see or edit a new record, besides its workspace's members."},
	{authz.Media, "Media", "Who may preview, view, download or edit a new media object. Media are reached through a record one can view."},
	{authz.Collection, "Collections", "Who may see or edit a new collection."},
}

var aclNotices = map[string]string{"record": "The default ACL of records is saved.", "media": "The default ACL of media is saved.",
	"collection": "The default ACL of collections is saved."}

// aclDefaults reads the default ACLs for a user the service lets change
// them: the page is theirs only.
func (ui *UI) aclDefaults(r *http.Request, rq *request) (map[authz.ObjectType][]domain.ACLEntry, *names, error) {
	perms, err := ui.permissions(r, rq)
	if err != nil {
		return nil, nil, err
	}
	if !perms[authz.ManageSettings.String()] {
		return nil, nil, errPageNotFound
	}
	acls, err := ui.svc.DefaultACLs(r.Context(), rq.actor)
	if err != nil {
		return nil, nil, err
	}
	var users []string
	for _, entries := range acls {
		users = append(users, subjectUserIDs(aclSubjects(entries))...)
	}
	n, err := ui.loadNames(r, rq, users, true)
	return acls, n, err
}

func (ui *UI) aclDefaultsView(acls map[authz.ObjectType][]domain.ACLEntry, n *names) aclDefaultsPage {
	page := aclDefaultsPage{Suggestions: subjectSuggestions(n)}
	for _, ct := range contentTypes {
		entries := acls[ct.t]
		e := newSubjectEditor(ct.t.String(), "Entries", n, true, ct.t, aclSubjects(entries), aclLevels(entries))
		page.Types = append(page.Types, aclDefaultsForm{Type: ct.t.String(), Title: ct.title, Noun: strings.ToLower(ct.title), Hint: ct.hint, Editor: e})
	}
	return page
}

func (ui *UI) aclDefaultsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	acls, n, err := ui.aclDefaults(r, rq)
	if err != nil {
		return err
	}
	page := ui.aclDefaultsView(acls, n)
	page.Notice = notice(r, aclNotices)
	ui.render(w, r, rq, http.StatusOK, "admin_acl_defaults", "Default ACLs", page)
	return nil
}

func (ui *UI) saveDefaultACL(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	t, err := authz.ParseObjectType(r.PathValue("type"))
	if err != nil || !t.IsContent() {
		return errPageNotFound
	}
	acls, n, err := ui.aclDefaults(r, rq)
	if err != nil {
		return err
	}
	page := ui.aclDefaultsView(acls, n)
	var e *subjectEditor
	for _, ty := range page.Types {
		if ty.Type == t.String() {
			e = ty.Editor
		}
	}
	subjects, levels, ok, err := ui.readSubjects(r, rq, n, e)
	if err != nil {
		return err
	}
	if ok {
		_, err = ui.svc.SetDefaultACL(r.Context(), rq.actor, t, aclEntries(subjects, levels))
		if err == nil {
			return redirectDone(w, r, "/ui/admin/acl-defaults", t.String())
		}
		f := newForm()
		f.Values["entries"] = ""
		if !placeListError(f, err, "entries") && !ui.formFailure(f, err, nil) {
			return err
		}
		e.Error = f.Err("entries")
		if e.Error == "" {
			e.Error = f.Error
		}
	}
	ui.render(w, r, rq, failStatus(err), "admin_acl_defaults", "Default ACLs", page)
	return nil
}
