package web

// The admin console's settings and queues: download and capture
// profiles, default ACLs, sign-up rules, the access-request and
// moderation queues, plan usage and the audit log. Every page reads and
// writes through the service functions the JSON API calls; a page whose
// first read the service refuses (a permission the user lacks) is not
// found, as an object the user may not see is.

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/store"
)

func (ui *UI) adminSettingsRoutes(mux *http.ServeMux) {
	for pattern, h := range map[string]handlerFunc{
		"GET /ui/admin/profiles":                        ui.profilesPage,
		"GET /ui/admin/profiles/download/{id}":          ui.downloadProfileForm,
		"POST /ui/admin/profiles/download/{id}":         ui.saveDownloadProfile,
		"POST /ui/admin/profiles/download/{id}/delete":  ui.deleteDownloadProfile,
		"GET /ui/admin/profiles/capture/{id}":           ui.captureProfileForm,
		"POST /ui/admin/profiles/capture/{id}":          ui.saveCaptureProfile,
		"POST /ui/admin/profiles/capture/{id}/delete":   ui.deleteCaptureProfile,
		"GET /ui/admin/acl-defaults":                    ui.aclDefaultsPage,
		"POST /ui/admin/acl-defaults/{type}":            ui.saveDefaultACL,
		"GET /ui/admin/signup":                          ui.signupRulesPage,
		"POST /ui/admin/signup":                         ui.saveSignupRules,
		"POST /ui/admin/signup/geo":                     ui.saveGeoRule,
		"GET /ui/admin/requests":                        ui.requestsPage,
		"POST /ui/admin/requests/{id}/approve":          ui.approveRequest,
		"POST /ui/admin/requests/{id}/reject":           ui.rejectRequest,
		"POST /ui/admin/requests/{id}/revoke":           ui.revokeRequest,
		"POST /ui/admin/requests/relations":             ui.createRelation,
		"POST /ui/admin/requests/relations/{id}/delete": ui.deleteRelation,
		"GET /ui/admin/moderation":                      ui.moderationPage,
		"POST /ui/admin/moderation/{type}/{id}/publish": ui.publishHeld,
		"POST /ui/admin/moderation/{type}/{id}/reject":  ui.rejectHeld,
		"GET /ui/admin/usage":                           ui.usagePage,
		"GET /ui/admin/audit":                           ui.auditPage,
	} {
		mux.Handle(pattern, ui.page(ui.signedIn(console(h))))
	}
}

// console runs a page of the admin console: what the service refuses the
// user outright (a permission they lack) is a page not found, as the
// objects one may not see are.
func console(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		err := h(w, r, rq)
		if se, ok := service.AsError(err); ok && se.Kind == service.KindForbidden {
			return errPageNotFound
		}
		return err
	}
}

// permissions are the account permissions the user holds, as the service
// computes them (GET /api/v1/me), to offer only the forms the service
// would accept; the service still decides each one.
func (ui *UI) permissions(r *http.Request, rq *request) (map[string]bool, error) {
	me, err := ui.svc.Me(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, p := range me.Permissions {
		out[p] = true
	}
	return out, nil
}

// redirectDone goes back to a page after a change, with a notice of what
// was done (the page's own words for it); path may end in a #fragment.
func redirectDone(w http.ResponseWriter, r *http.Request, path, done string) error {
	path, frag, _ := strings.Cut(path, "#")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	if frag != "" {
		frag = "#" + frag
	}
	http.Redirect(w, r, path+sep+"done="+url.QueryEscape(done)+frag, http.StatusSeeOther)
	return nil
}

// notice is the sentence a page shows for ?done=, from its own list (never
// the query's text).
func notice(r *http.Request, words map[string]string) string {
	return words[r.URL.Query().Get("done")]
}

// ---- naming users and groups

// names knows the names of the users and groups a page shows.
type names struct {
	users  map[string]domain.User
	groups map[string]domain.Group
	// groupList is every group, by name, for pickers.
	groupList []domain.Group
}

// loadNames reads the users with these ids and, with groups, the
// account's groups (their names only): one read each, whatever the page
// lists.
func (ui *UI) loadNames(r *http.Request, rq *request, userIDs []string, groups bool) (*names, error) {
	ctx := r.Context()
	n := &names{groups: map[string]domain.Group{}}
	if groups {
		gs, err := ui.svc.GroupNames(ctx, rq.actor)
		if err != nil {
			return nil, err
		}
		slices.SortFunc(gs, func(a, b domain.Group) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
		n.groupList = gs
		for _, g := range gs {
			n.groups[g.ID] = g
		}
	}
	ids := slices.Compact(slices.Sorted(slices.Values(userIDs)))
	if len(ids) > service.MaxUserNames {
		ids = ids[:service.MaxUserNames]
	}
	var err error
	if n.users, err = ui.svc.UserNames(ctx, rq.actor, ids); err != nil {
		return nil, err
	}
	return n, nil
}

// user names a user: display name and username, or the id of one the
// account no longer has.
func (n *names) user(id string) string {
	if id == "" {
		return "nobody signed in"
	}
	u, ok := n.users[id]
	switch {
	case !ok:
		return id
	case u.DisplayName != "" && u.DisplayName != u.Username:
		return u.DisplayName + " (" + u.Username + ")"
	}
	return u.Username
}

func (n *names) group(id string) string {
	if g, ok := n.groups[id]; ok {
		return g.Name
	}
	return id
}

// subject names a holder or an ACL subject.
func (n *names) subject(s authz.Subject) string {
	switch {
	case s.Kind == authz.Everyone:
		return "Everyone"
	case s == creator:
		return "The creating user"
	case s.Kind == authz.GroupSubject:
		return "Group " + n.group(s.ID)
	}
	return n.user(s.ID)
}

// subjectUserIDs are the users among subjects.
func subjectUserIDs(ss []authz.Subject) []string {
	var out []string
	for _, s := range ss {
		if s.Kind == authz.UserSubject && s != creator {
			out = append(out, s.ID)
		}
	}
	return out
}

func aclSubjects(entries []domain.ACLEntry) []authz.Subject {
	out := make([]authz.Subject, len(entries))
	for i, en := range entries {
		out[i] = en.Subject
	}
	return out
}

// creator stands, in default ACLs and capture profiles, for the user who
// creates the object.
var creator = authz.User(store.DefaultCreator)

// ---- subject editors: holders and ACLs as rows of "who" and a level

// subjectEditor is a list of subjects (with a level each, for an ACL) as
// rows of controls: who, typed as people say it (Everyone, The creating
// user, "Group: Desk", or a username), with suggestions from the page's
// datalist of the account's groups, and the level. A text box with
// suggestions rather than a select: an account may have a thousand
// groups, and a page has many rows. A few empty rows follow the list, to
// add to it; an empty row is dropped.
type subjectEditor struct {
	// Prefix names the inputs: PREFIX.N.who, PREFIX.N.level, and
	// PREFIX.rows their number.
	Prefix, Legend, Hint string
	// WithCreator admits "The creating user" (default ACLs, capture
	// profiles).
	WithCreator bool
	// Levels are the ACL permissions to choose from; none for holders.
	Levels []option
	Rows   []subjectRow
	// Error is about the list as a whole.
	Error string
}

type subjectRow struct {
	N          int
	Who, Level string
	Error      string
}

// Num is the row's number as people count.
func (r subjectRow) Num() int { return r.N + 1 }

// extraRows is how many empty rows an editor offers.
const extraRows = 3

// maxEditorRows bounds the rows read from a form.
const maxEditorRows = 1000

// How subjects are written in the editors.
const (
	everyoneWord = "Everyone"
	creatorWords = "The creating user"
	groupPrefix  = "Group: "
)

// subjectSuggestions are the datalist of a page's subject editors.
func subjectSuggestions(n *names) []string {
	out := []string{everyoneWord, creatorWords}
	for _, g := range n.groupList {
		out = append(out, groupPrefix+g.Name)
	}
	return out
}

func levelChoices(t authz.ObjectType) []option {
	var out []option
	for _, l := range authz.ACLPermissions(t) {
		out = append(out, option{l, l})
	}
	return out
}

// newSubjectEditor shows subjects (and their ACL levels) as rows.
func newSubjectEditor(prefix, legend string, n *names, withCreator bool, levelsOf authz.ObjectType, subjects []authz.Subject, levels []string) *subjectEditor {
	e := &subjectEditor{Prefix: prefix, Legend: legend, WithCreator: withCreator}
	if levels != nil {
		e.Levels = levelChoices(levelsOf)
	}
	for i, s := range subjects {
		row := subjectRow{N: i}
		switch {
		case s.Kind == authz.Everyone:
			row.Who = everyoneWord
		case s == creator:
			row.Who = creatorWords
		case s.Kind == authz.GroupSubject:
			row.Who = groupPrefix + n.group(s.ID)
		default:
			row.Who = s.ID
			if u, ok := n.users[s.ID]; ok {
				row.Who = u.Username
			}
		}
		if levels != nil {
			row.Level = levels[i]
		}
		e.Rows = append(e.Rows, row)
	}
	e.addEmptyRows()
	return e
}

func (e *subjectEditor) addEmptyRows() {
	for range extraRows {
		e.Rows = append(e.Rows, subjectRow{N: len(e.Rows)})
	}
}

// groupNamed finds a group by its name, ignoring case, or by its id.
func (n *names) groupNamed(name string) (domain.Group, bool) {
	for _, g := range n.groupList {
		if strings.EqualFold(g.Name, name) || g.ID == name {
			return g, true
		}
	}
	return domain.Group{}, false
}

// readSubjects reads an editor's rows from a posted form, looking up the
// groups and usernames given. It leaves the editor as posted (to show
// again) and returns the subjects and levels, or ok false when a row is
// at fault (its error is on the row).
func (ui *UI) readSubjects(r *http.Request, rq *request, n *names, e *subjectEditor) (subjects []authz.Subject, levels []string, ok bool, err error) {
	rows, _ := strconv.Atoi(r.PostForm.Get(e.Prefix + ".rows"))
	rows = min(max(rows, 0), maxEditorRows)
	e.Rows = nil
	ok = true
	for i := range rows {
		p := e.Prefix + "." + strconv.Itoa(i) + "."
		row := subjectRow{N: len(e.Rows), Who: strings.TrimSpace(r.PostForm.Get(p + "who")), Level: r.PostForm.Get(p + "level")}
		if row.Who == "" {
			continue
		}
		s, msg, err := ui.subjectOf(r, rq, n, e.WithCreator, row.Who)
		if err != nil {
			return nil, nil, false, err
		}
		row.Error = msg
		if row.Error == "" && e.Levels != nil && !slices.ContainsFunc(e.Levels, func(o option) bool { return o.Value == row.Level }) {
			row.Error = "Choose a level."
		}
		if row.Error != "" {
			ok = false
		} else {
			subjects = append(subjects, s)
			levels = append(levels, row.Level)
		}
		e.Rows = append(e.Rows, row)
	}
	e.addEmptyRows()
	return subjects, levels, ok, nil
}

// subjectOf reads who a row names: everyone, the creating user, a group
// ("Group: NAME", or a name no user has), or a user by username. msg says
// what is wrong with it.
func (ui *UI) subjectOf(r *http.Request, rq *request, n *names, withCreator bool, who string) (s authz.Subject, msg string, err error) {
	switch {
	case strings.EqualFold(who, everyoneWord):
		return authz.EveryoneSubject, "", nil
	case strings.EqualFold(who, creatorWords):
		if !withCreator {
			return s, "The creating user has no meaning here: name a user or a group.", nil
		}
		return creator, "", nil
	}
	if name, isGroup := cutFold(who, strings.TrimSpace(groupPrefix)); isGroup {
		name = strings.TrimSpace(name)
		if g, found := n.groupNamed(name); found {
			return authz.GroupOf(g.ID), "", nil
		}
		return s, "No group of this account is named " + strconv.Quote(name) + ".", nil
	}
	u, err := ui.svc.FindUser(r.Context(), rq.actor, who)
	if se, isSE := service.AsError(err); isSE && se.Kind == service.KindNotFound {
		if g, found := n.groupNamed(who); found {
			return authz.GroupOf(g.ID), "", nil
		}
		return s, "No user or group of this account is named " + strconv.Quote(who) + ".", nil
	} else if err != nil {
		return s, "", err
	}
	return authz.User(u.ID), "", nil
}

// cutFold is strings.CutPrefix ignoring case.
func cutFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// highestLevel is the level an ACL entry shows: its highest permission
// (each implies those below it).
func highestLevel(en domain.ACLEntry) string {
	if len(en.Permissions) == 0 {
		return ""
	}
	return en.Permissions[len(en.Permissions)-1]
}

func aclLevels(entries []domain.ACLEntry) []string {
	out := make([]string, len(entries))
	for i, en := range entries {
		out[i] = highestLevel(en)
	}
	return out
}

// aclEntries pairs subjects with their levels.
func aclEntries(subjects []authz.Subject, levels []string) []domain.ACLEntry {
	out := make([]domain.ACLEntry, len(subjects))
	for i, s := range subjects {
		out[i] = domain.ACLEntry{Subject: s, Permissions: []string{levels[i]}}
	}
	return out
}

// ---- typed field definitions (registration fields, capture fields)

// fieldDefsEditor is a list of typed field definitions as rows: name,
// label, type, required, choices. Input names follow the service's error
// fields: fields.N.name for fields[N].name.
type fieldDefsEditor struct {
	Legend string
	Rows   []fieldDefRow
	Types  []option
	Error  string
}

type fieldDefRow struct {
	N                         int
	Name, Label, Type, Choice string
	Required                  bool
	Errors                    map[string]string
}

// Num is the row's number as people count.
func (r fieldDefRow) Num() int { return r.N + 1 }

var fieldTypes = []option{
	{domain.FieldText, "Text"}, {domain.FieldNumber, "Number"}, {domain.FieldDate, "Date"},
	{domain.FieldChoice, "Choice"}, {domain.FieldBoolean, "Yes/no (a checkbox)"},
}

func newFieldDefsEditor(legend string, defs []domain.RegistrationField) *fieldDefsEditor {
	e := &fieldDefsEditor{Legend: legend, Types: fieldTypes}
	for i, d := range defs {
		e.Rows = append(e.Rows, fieldDefRow{N: i, Name: d.Name, Label: d.Label, Type: d.Type, Required: d.Required,
			Choice: strings.Join(d.Choices, ", "), Errors: map[string]string{}})
	}
	e.addEmptyRows()
	return e
}

func (e *fieldDefsEditor) addEmptyRows() {
	for range extraRows {
		e.Rows = append(e.Rows, fieldDefRow{N: len(e.Rows), Type: domain.FieldText, Errors: map[string]string{}})
	}
}

// readFieldDefs reads the rows from a posted form: a row without a name
// is dropped. Rows are renumbered as the service will see them, so that
// its errors (fields[N].…) land on the right row.
func readFieldDefs(r *http.Request, e *fieldDefsEditor) []domain.RegistrationField {
	n, _ := strconv.Atoi(r.PostForm.Get("fields.rows"))
	n = min(max(n, 0), maxEditorRows)
	e.Rows = nil
	defs := []domain.RegistrationField{}
	for i := range n {
		p := "fields." + strconv.Itoa(i) + "."
		row := fieldDefRow{N: len(e.Rows), Name: strings.TrimSpace(r.PostForm.Get(p + "name")), Label: strings.TrimSpace(r.PostForm.Get(p + "label")),
			Type: r.PostForm.Get(p + "type"), Choice: r.PostForm.Get(p + "choices"), Required: r.PostForm.Get(p+"required") == "on", Errors: map[string]string{}}
		if row.Name == "" && row.Label == "" && strings.TrimSpace(row.Choice) == "" {
			continue
		}
		d := domain.RegistrationField{Name: row.Name, Label: row.Label, Type: row.Type, Required: row.Required, Choices: []string{}}
		if row.Type == domain.FieldChoice {
			for _, c := range strings.Split(row.Choice, ",") {
				if c = strings.TrimSpace(c); c != "" {
					d.Choices = append(d.Choices, c)
				}
			}
		}
		defs = append(defs, d)
		e.Rows = append(e.Rows, row)
	}
	e.addEmptyRows()
	return defs
}

var fieldDefErr = regexp.MustCompile(`^fields\[(\d+)\]\.(name|label|type|choices)$`)

// placeFieldDefError puts a service error about fields[N].x on its row,
// or about the fields as a whole on the editor, and reports whether it
// did.
func placeFieldDefError(e *fieldDefsEditor, err error) bool {
	se, ok := service.AsError(err)
	if !ok || se.Kind != service.KindInvalid {
		return false
	}
	if se.Field == "fields" {
		e.Error = sentence(se.Message)
		return true
	}
	m := fieldDefErr.FindStringSubmatch(se.Field)
	if m == nil {
		return false
	}
	i, _ := strconv.Atoi(m[1])
	if i >= len(e.Rows) {
		return false
	}
	e.Rows[i].Errors[m[2]] = sentence(se.Message)
	return true
}

// ---- template helpers of the console's forms

type radiosView struct {
	Name, Legend, Value, Error string
	Options                    []option
}

// textareaView is one labelled textarea ("textarea", and the people
// pages' "adm_textarea", which set no hint or rows).
type textareaView struct {
	Name, Label, Hint, Value, Error string
	Rows                            int
}

func init() {
	// The audit log tells events a second apart.
	funcs["datetimesec"] = func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04:05 UTC") }
	funcs["radios"] = func(f *form, name, legend string, opts []option) radiosView {
		return radiosView{Name: name, Legend: legend, Value: f.Get(name), Error: f.Err(name), Options: opts}
	}
	funcs["textarea"] = func(f *form, name, label, hint string, rows int) textareaView {
		return textareaView{Name: name, Label: label, Hint: hint, Value: f.Get(name), Error: f.Err(name), Rows: rows}
	}
	funcs["checkbox"] = func(f *form, name, label string) fieldView {
		return fieldView{Name: name, Label: label, Value: f.Get(name), Error: f.Err(name)}
	}
}
