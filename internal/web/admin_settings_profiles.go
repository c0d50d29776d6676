package web

import (
	"net/http"
	"slices"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// ---- /ui/admin/profiles: download and capture profiles (manage_settings)

type profileRow struct {
	ID, Name, Description string
	// Summary says what the profile allows (download) or where it
	// captures to and with which fields (capture).
	Summary string
	Holders []string
}

type profilesPage struct {
	Notice            string
	Download, Capture []profileRow
}

var profileNotices = map[string]string{
	"download-saved":   "The download profile is saved.",
	"download-deleted": "The download profile is deleted.",
	"capture-saved":    "The capture profile is saved.",
	"capture-deleted":  "The capture profile is deleted.",
}

func (ui *UI) profilesPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	dps, err := ui.svc.ListDownloadProfiles(ctx, rq.actor)
	if err != nil {
		return err
	}
	cps, err := ui.svc.ListCaptureProfiles(ctx, rq.actor)
	if err != nil {
		return err
	}
	wss, err := ui.svc.ListWorkspaces(ctx, rq.actor)
	if err != nil {
		return err
	}
	var users []string
	for _, p := range dps {
		users = append(users, subjectUserIDs(p.Holders)...)
	}
	for _, p := range cps {
		users = append(users, subjectUserIDs(p.Holders)...)
	}
	n, err := ui.loadNames(r, rq, users, true)
	if err != nil {
		return err
	}
	holders := func(hs []authz.Subject) []string {
		out := []string{}
		for _, h := range hs {
			out = append(out, n.subject(h))
		}
		return out
	}
	page := profilesPage{Notice: notice(r, profileNotices)}
	for _, p := range dps {
		page.Download = append(page.Download, profileRow{ID: p.ID, Name: p.Name, Description: p.Description, Summary: rulesSummary(p.Rules), Holders: holders(p.Holders)})
	}
	wsName := map[string]string{}
	for _, ws := range wss {
		wsName[ws.ID] = ws.Name
	}
	for _, p := range cps {
		where := wsName[p.WorkspaceID]
		if where == "" {
			where = p.WorkspaceID
		}
		s := "Into workspace " + where
		if len(p.Fields) > 0 {
			var fs []string
			for _, f := range p.Fields {
				fs = append(fs, f.Label)
			}
			s += ", with " + strings.Join(fs, ", ")
		}
		page.Capture = append(page.Capture, profileRow{ID: p.ID, Name: p.Name, Description: p.Description, Summary: s, Holders: holders(p.Holders)})
	}
	ui.render(w, r, rq, http.StatusOK, "admin_profiles", "Download and capture profiles", page)
	return nil
}

func rulesSummary(rs []domain.DownloadRule) string {
	if len(rs) == 0 {
		return "Allows no download."
	}
	var parts []string
	for _, r := range rs {
		mt, rend := r.MediaType, strings.Join(r.Renditions, ", ")
		if mt == domain.Any {
			mt = "every media type"
		}
		if slices.Contains(r.Renditions, domain.Any) {
			rend = "every rendition"
		}
		parts = append(parts, mt+": "+rend)
	}
	return strings.Join(parts, "; ")
}

// ---- a download profile

// ruleGrid shows a profile's rules as a grid of checkboxes: a row per
// media type ("any" for every type), a column per rendition ("any" for
// every rendition). Inputs: rule.TYPE with the renditions as values.
type ruleGrid struct {
	Columns []option
	Rows    []ruleGridRow
	Error   string
}

type ruleGridRow struct {
	Key, Label string
	Cells      []ruleCell
}

type ruleCell struct {
	Key, Label string
	Checked    bool
}

// anyKey is "*" in the names of inputs.
const anyKey = "any"

func keyOf(s string) string {
	if s == domain.Any {
		return anyKey
	}
	return s
}

func valueOf(k string) string {
	if k == anyKey {
		return domain.Any
	}
	return k
}

func newRuleGrid(rs []domain.DownloadRule) *ruleGrid {
	g := &ruleGrid{Columns: []option{{anyKey, "Every rendition"}}}
	for _, rend := range domain.Renditions {
		g.Columns = append(g.Columns, option{rend, renditionLabels[rend]})
	}
	rows := []option{{anyKey, "Every media type"}}
	for _, mt := range domain.MediaTypes {
		rows = append(rows, option{mt, mediaTypeLabels[mt]})
	}
	for _, row := range rows {
		gr := ruleGridRow{Key: row.Value, Label: row.Label}
		var have []string
		for _, r := range rs {
			if keyOf(r.MediaType) == row.Value {
				have = r.Renditions
			}
		}
		for _, col := range g.Columns {
			gr.Cells = append(gr.Cells, ruleCell{Key: col.Value, Label: col.Label, Checked: slices.Contains(have, valueOf(col.Value))})
		}
		g.Rows = append(g.Rows, gr)
	}
	return g
}

// readRules reads the grid from a posted form.
func readRules(r *http.Request) []domain.DownloadRule {
	out := []domain.DownloadRule{}
	keys := append([]string{anyKey}, domain.MediaTypes...)
	for _, k := range keys {
		vals := r.PostForm["rule."+k]
		if len(vals) == 0 {
			continue
		}
		rule := domain.DownloadRule{MediaType: valueOf(k), Renditions: []string{}}
		for _, v := range vals {
			rule.Renditions = append(rule.Renditions, valueOf(v))
		}
		out = append(out, rule)
	}
	return out
}

type downloadProfilePage struct {
	New         bool
	ID          string
	Form        *form
	Rules       *ruleGrid
	Holders     *subjectEditor
	Suggestions []string
}

func (ui *UI) downloadProfileForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := ui.downloadProfile(r, rq, r.PathValue("id"))
	if err != nil {
		return err
	}
	n, err := ui.loadNames(r, rq, subjectUserIDs(p.Holders), true)
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["name"], f.Values["description"] = p.Name, p.Description
	page := downloadProfilePage{New: p.ID == "", ID: r.PathValue("id"), Form: f, Rules: newRuleGrid(p.Rules),
		Holders: newSubjectEditor("holders", "Holders", n, false, 0, p.Holders, nil), Suggestions: subjectSuggestions(n)}
	page.Holders.Hint = "Who holds the profile: its users, the members of its groups, or everyone."
	ui.render(w, r, rq, http.StatusOK, "admin_download_profile", downloadTitle(page), page)
	return nil
}

func downloadTitle(p downloadProfilePage) string {
	if p.New {
		return "New download profile"
	}
	return "Download profile " + p.Form.Get("name")
}

// downloadProfile reads the profile a path names, or a new one's defaults
// ("new") once the service let the user list profiles.
func (ui *UI) downloadProfile(r *http.Request, rq *request, id string) (domain.DownloadProfile, error) {
	if id == "new" {
		_, err := ui.svc.ListDownloadProfiles(r.Context(), rq.actor)
		return domain.DownloadProfile{}, err
	}
	return ui.svc.GetDownloadProfile(r.Context(), rq.actor, id)
}

func (ui *UI) saveDownloadProfile(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	old, err := ui.downloadProfile(r, rq, id)
	if err != nil {
		return err
	}
	n, err := ui.loadNames(r, rq, nil, true)
	if err != nil {
		return err
	}
	f := formFrom(r, "name", "description")
	f.Values["rules"], f.Values["holders"] = "", ""
	rules := readRules(r)
	page := downloadProfilePage{New: id == "new", ID: id, Form: f, Rules: newRuleGrid(rules),
		Holders: newSubjectEditor("holders", "Holders", n, false, 0, nil, nil), Suggestions: subjectSuggestions(n)}
	page.Holders.Hint = "Who holds the profile: its users, the members of its groups, or everyone."
	holders, _, ok, err := ui.readSubjects(r, rq, n, page.Holders)
	if err != nil {
		return err
	}
	if ok {
		name, desc := f.Get("name"), f.Get("description")
		if page.New {
			_, err = ui.svc.CreateDownloadProfile(r.Context(), rq.actor, service.DownloadProfileInput{Name: name, Description: desc, Rules: rules, Holders: holders})
		} else {
			_, err = ui.svc.UpdateDownloadProfile(r.Context(), rq.actor, old.ID, service.DownloadProfileUpdate{Name: &name, Description: &desc, Rules: &rules, Holders: &holders})
		}
		if err == nil {
			return redirectDone(w, r, "/ui/admin/profiles", "download-saved")
		}
		if !placeListError(f, err, "rules", "holders") && !ui.formFailure(f, err, nil) {
			return err
		}
	}
	page.Rules.Error, page.Holders.Error = f.Err("rules"), f.Err("holders")
	ui.render(w, r, rq, failStatus(err), "admin_download_profile", downloadTitle(page), page)
	return nil
}

func (ui *UI) deleteDownloadProfile(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	if err := ui.svc.DeleteDownloadProfile(r.Context(), rq.actor, r.PathValue("id")); err != nil {
		return err
	}
	return redirectDone(w, r, "/ui/admin/profiles", "download-deleted")
}

// failStatus is the status of a form shown again: the service's refusal,
// or 422 for what the page itself found wrong.
func failStatus(err error) int {
	if err == nil {
		return http.StatusUnprocessableEntity
	}
	return statusOf(err)
}

// placeListError puts a service error about a list (lists, or one of its
// items: holders, rules[2].renditions) on the form's entry for the list,
// and reports whether it did.
func placeListError(f *form, err error, lists ...string) bool {
	se, ok := service.AsError(err)
	if !ok || se.Kind != service.KindInvalid {
		return false
	}
	for _, l := range lists {
		if se.Field == l || strings.HasPrefix(se.Field, l+"[") || strings.HasPrefix(se.Field, l+".") {
			f.Errors[l] = sentence(se.Message)
			return true
		}
	}
	return false
}

// ---- a capture profile

type captureProfilePage struct {
	New        bool
	ID         string
	Form       *form
	Workspaces []option
	Fields     *fieldDefsEditor
	RecordACL  *subjectEditor
	MediaACL   *subjectEditor
	Holders    *subjectEditor
	// Suggestions are the subject editors' datalist.
	Suggestions []string
}

func (ui *UI) captureProfile(r *http.Request, rq *request, id string) (domain.CaptureProfile, error) {
	if id == "new" {
		_, err := ui.svc.ListCaptureProfiles(r.Context(), rq.actor)
		return domain.CaptureProfile{}, err
	}
	return ui.svc.GetCaptureProfile(r.Context(), rq.actor, id)
}

func captureTitle(p captureProfilePage) string {
	if p.New {
		return "New capture profile"
	}
	return "Capture profile " + p.Form.Get("name")
}

// newCapturePage lays a capture profile out as its form.
func (ui *UI) newCapturePage(r *http.Request, rq *request, id string, p domain.CaptureProfile, n *names) (captureProfilePage, error) {
	wss, err := ui.svc.ListWorkspaces(r.Context(), rq.actor)
	if err != nil {
		return captureProfilePage{}, err
	}
	f := newForm()
	f.Values["name"], f.Values["description"], f.Values["workspace"] = p.Name, p.Description, p.WorkspaceID
	page := captureProfilePage{New: id == "new", ID: id, Form: f, Fields: newFieldDefsEditor("Metadata fields", p.Fields),
		RecordACL: newSubjectEditor("record_acl", "Who may see and edit captured records", n, true, authz.Record, aclSubjects(p.RecordACL), aclLevels(p.RecordACL)),
		MediaACL:  newSubjectEditor("media_acl", "Who may see and edit captured media", n, true, authz.Media, aclSubjects(p.MediaACL), aclLevels(p.MediaACL)),
		Holders:   newSubjectEditor("holders", "Holders", n, false, 0, p.Holders, nil), Suggestions: subjectSuggestions(n)}
	page.Holders.Hint = "Who may capture through the profile."
	page.RecordACL.Hint = "The creating user is the one capturing; they keep edit on what they capture."
	if page.New {
		page.RecordACL.Hint += " Left empty, a new profile takes the account's default ACLs."
	}
	for _, ws := range wss {
		page.Workspaces = append(page.Workspaces, option{ws.ID, ws.Name})
	}
	return page, nil
}

func (ui *UI) captureProfileForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	p, err := ui.captureProfile(r, rq, id)
	if err != nil {
		return err
	}
	users := append(subjectUserIDs(p.Holders), subjectUserIDs(aclSubjects(p.RecordACL))...)
	n, err := ui.loadNames(r, rq, append(users, subjectUserIDs(aclSubjects(p.MediaACL))...), true)
	if err != nil {
		return err
	}
	page, err := ui.newCapturePage(r, rq, id, p, n)
	if err != nil {
		return err
	}
	ui.render(w, r, rq, http.StatusOK, "admin_capture_profile", captureTitle(page), page)
	return nil
}

func (ui *UI) saveCaptureProfile(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	old, err := ui.captureProfile(r, rq, id)
	if err != nil {
		return err
	}
	n, err := ui.loadNames(r, rq, nil, true)
	if err != nil {
		return err
	}
	page, err := ui.newCapturePage(r, rq, id, domain.CaptureProfile{}, n)
	if err != nil {
		return err
	}
	f := formFrom(r, "name", "description", "workspace")
	f.Values["record_acl"], f.Values["media_acl"], f.Values["holders"] = "", "", ""
	page.Form = f
	defs := readFieldDefs(r, page.Fields)
	recSubj, recLevels, ok1, err := ui.readSubjects(r, rq, n, page.RecordACL)
	if err != nil {
		return err
	}
	medSubj, medLevels, ok2, err := ui.readSubjects(r, rq, n, page.MediaACL)
	if err != nil {
		return err
	}
	holders, _, ok3, err := ui.readSubjects(r, rq, n, page.Holders)
	if err != nil {
		return err
	}
	if f.Get("workspace") == "" {
		f.Errors["workspace"] = "Choose the workspace the records go to."
	}
	if ok1 && ok2 && ok3 && !f.Invalid() {
		name, desc, ws := f.Get("name"), f.Get("description"), f.Get("workspace")
		recACL, medACL := aclEntries(recSubj, recLevels), aclEntries(medSubj, medLevels)
		if page.New {
			in := service.CaptureProfileInput{Name: name, Description: desc, WorkspaceID: ws, Fields: defs, Holders: holders}
			// Empty lists take the account's defaults, as the API's
			// absent ones do.
			if len(recACL) > 0 {
				in.RecordACL = &recACL
			}
			if len(medACL) > 0 {
				in.MediaACL = &medACL
			}
			_, err = ui.svc.CreateCaptureProfile(r.Context(), rq.actor, in)
		} else {
			_, err = ui.svc.UpdateCaptureProfile(r.Context(), rq.actor, old.ID, service.CaptureProfileUpdate{Name: &name, Description: &desc,
				WorkspaceID: &ws, Fields: &defs, RecordACL: &recACL, MediaACL: &medACL, Holders: &holders})
		}
		if err == nil {
			return redirectDone(w, r, "/ui/admin/profiles", "capture-saved")
		}
		if !placeFieldDefError(page.Fields, err) && !placeListError(f, err, "record_acl", "media_acl", "holders") && !ui.formFailure(f, err, nil) {
			return err
		}
	}
	page.RecordACL.Error, page.MediaACL.Error, page.Holders.Error = f.Err("record_acl"), f.Err("media_acl"), f.Err("holders")
	ui.render(w, r, rq, failStatus(err), "admin_capture_profile", captureTitle(page), page)
	return nil
}

func (ui *UI) deleteCaptureProfile(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	if err := ui.svc.DeleteCaptureProfile(r.Context(), rq.actor, r.PathValue("id")); err != nil {
		return err
	}
	return redirectDone(w, r, "/ui/admin/profiles", "capture-deleted")
}
