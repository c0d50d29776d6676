package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/store"
)

// The sharing panel of a record, media object or collection: who has
// access and why, and, for those who may change it, the access list (ACL)
// with a preview of a change's effect before it is saved. Everything
// comes from the service: GetRecord (and the like) for the ACL, Who and
// Explain for who has access and why, PreviewACL for the what-if, SetACL
// to save. What the service refuses the page leaves out (who has access,
// others' reasons) or shows next to the field.

func (ui *UI) sharingRoutes(mux *http.ServeMux) {
	for path, t := range map[string]authz.ObjectType{"records": authz.Record, "media": authz.Media, "collections": authz.Collection} {
		mux.Handle("GET /ui/"+path+"/{id}/sharing", ui.page(ui.signedIn(ui.sharing(t))))
		mux.Handle("POST /ui/"+path+"/{id}/sharing", ui.page(ui.signedIn(ui.editSharing(t))))
	}
	mux.Handle("GET /ui/batch", ui.page(ui.signedIn(ui.batch)))
	mux.Handle("POST /ui/batch", ui.page(ui.signedIn(ui.editBatch)))
}

// Bounds of the panel, so that its cost does not grow with the account.
const (
	// maxPeopleListed is how many people each level lists by name.
	maxPeopleListed = 50
	// maxPathsShown is how many reasons a person's entry gives.
	maxPathsShown = 4
	// maxPreviewNames is how many people a preview line names.
	maxPreviewNames = 10
	// maxPickUsers: an account with more users than this is not listed
	// in the subject picker; its users are named by username.
	maxPickUsers = 200
	// maxACLRows bounds the rows of the edit form: an ACL has at most
	// 1000 entries.
	maxACLRows = 1001
)

// strongestFirst orders each type's permissions from the one that
// implies the others down: each person is listed under the most they may
// do.
var strongestFirst = map[authz.ObjectType][]authz.Permission{
	authz.Record:     {authz.CanManage, authz.CanDelete, authz.CanEdit, authz.CanView},
	authz.Media:      {authz.CanEdit, authz.CanDownload, authz.CanView, authz.CanPreview},
	authz.Collection: {authz.CanDelete, authz.CanEdit, authz.CanView},
}

// permWords are the permissions as the pages say them.
var permWords = map[string]string{
	"can_view": "view", "can_edit": "edit", "can_delete": "delete", "can_manage": "manage",
	"can_preview": "preview", "can_download": "download",
}

var permHints = map[string]string{
	"can_manage":   "change this access list, and everything below",
	"can_delete":   "delete it, and everything below",
	"can_edit":     "change it, and everything below",
	"can_download": "download its files, and everything below",
	"can_view":     "see it",
	"can_preview":  "see its thumbnail and watermarked preview",
}

func init() {
	funcs["word"] = func(permission string) string { return permWords[permission] }
}

var typePaths = map[authz.ObjectType]string{authz.Record: "records", authz.Media: "media", authz.Collection: "collections"}
var typeWords = map[authz.ObjectType]string{authz.Record: "record", authz.Media: "media object", authz.Collection: "collection"}

type link struct{ URL, Label string }

// sharedObject is the object a sharing page is about.
type sharedObject struct {
	ref    authz.ObjectRef
	Kind   string
	Name   string
	Crumbs []link
	ACL    []domain.ACLEntry
	Held   bool
}

func (o sharedObject) SharingURL() string {
	return "/ui/" + typePaths[o.ref.Type] + "/" + url.PathEscape(o.ref.ID) + "/sharing"
}

// sharedObject reads the object (and its ACL), or fails as the service
// does: not found for those who may not see it.
func (ui *UI) sharedObject(ctx context.Context, rq *request, t authz.ObjectType, id string) (sharedObject, error) {
	o := sharedObject{ref: authz.ObjectRef{Type: t, ID: id}, Kind: typeWords[t], Crumbs: []link{{Prefix, "Library"}}}
	switch t {
	case authz.Record:
		rec, err := ui.svc.GetRecord(ctx, rq.actor, id)
		if err != nil {
			return o, err
		}
		o.Name, o.ACL, o.Held = rec.Title, rec.ACL, rec.Moderation != nil
		o.Crumbs = append(o.Crumbs, link{"/ui/records/" + url.PathEscape(id), rec.Title})
	case authz.Media:
		m, err := ui.svc.GetMedia(ctx, rq.actor, id)
		if err != nil {
			return o, err
		}
		o.Name, o.ACL, o.Held = cmpOr(m.Filename, m.ID), m.ACL, m.Moderation != nil
		// Whoever sees a media object sees its record.
		rec, err := ui.svc.GetRecord(ctx, rq.actor, m.RecordID)
		if err != nil {
			return o, err
		}
		o.Crumbs = append(o.Crumbs, link{"/ui/records/" + url.PathEscape(rec.ID), rec.Title})
	case authz.Collection:
		c, err := ui.svc.GetCollection(ctx, rq.actor, id)
		if err != nil {
			return o, err
		}
		o.Name, o.ACL = c.Name, c.ACL
		o.Crumbs = append(o.Crumbs, link{"/ui/?collection=" + url.QueryEscape(id), c.Name})
	}
	return o, nil
}

func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// ---- the page

type sharingPage struct {
	Object sharedObject
	// You: the user's own access, weakest permission first.
	You []accessView
	// Who lists who holds each permission, strongest first; nil when the
	// service does not let the user list it (WhoNote says so).
	Who     []whoSection
	WhoNote string
	// Reasons is false when the user may not ask why others have access.
	Reasons bool
	Entries []entryView
	CanEdit bool
	Edit    *aclEdit
	Saved   bool
}

type accessView struct {
	Permission string
	Allowed    bool
	Why        []string
}

type whoSection struct {
	Permission, Heading, Hint string
	Count                     int
	People                    []personView
	More                      int
}

type personView struct {
	id   string
	ex   *authz.Explanation
	Name string
	You  bool
	Why  []string
}

// entryView is one ACL entry, read-only.
type entryView struct {
	Subject, Label, Kind, Level string
}

// aclEdit is the edit form: its rows, the subject picker, and the
// preview once asked for.
type aclEdit struct {
	Form     *form
	Rows     []aclRow
	Levels   []string
	Everyone bool // offered in the picker (not in the list yet)
	Groups   []option
	Users    []option
	// ByUsername: the account has too many users to list them.
	ByUsername bool
	// Base is the ACL the page showed, to notice others' changes.
	Base    string
	Preview *previewView
}

// aclRow is one entry of the edit form; Level "" removes it.
type aclRow struct {
	Subject, Label, Kind, Level string
}

type previewView struct {
	// Of is the ACL previewed, which Save must still match.
	Of     string
	Notice string
	Lines  []previewLine
	raw    service.ACLPreview
}

type previewLine struct {
	Text  string
	Lose  bool
	Names []string
	More  int
}

func (ui *UI) sharing(t authz.ObjectType) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		obj, err := ui.sharedObject(r.Context(), rq, t, r.PathValue("id"))
		if err != nil {
			return err
		}
		var rows []aclRow
		for _, en := range obj.ACL {
			rows = append(rows, aclRow{Subject: en.Subject.String(), Level: highest(t, en.Permissions)})
		}
		page, err := ui.sharingPage(r, rq, obj, newACLForm(), rows, nil)
		if err != nil {
			return err
		}
		page.Saved = r.URL.Query().Get("saved") == "1"
		ui.render(w, r, rq, http.StatusOK, "sharing", "Sharing: "+obj.Name, page)
		return nil
	}
}

func newACLForm() *form {
	f := newForm()
	for _, n := range []string{"entries", "add_subject", "add_username", "add_level"} {
		f.Values[n] = ""
	}
	f.Values["add_level"] = "view"
	return f
}

func (ui *UI) editSharing(t authz.ObjectType) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		if err := parseForm(w, r, rq); err != nil {
			return err
		}
		ctx := r.Context()
		obj, err := ui.sharedObject(ctx, rq, t, r.PathValue("id"))
		if err != nil {
			return err
		}
		f := newACLForm()
		for _, n := range []string{"add_subject", "add_username", "add_level"} {
			f.Values[n] = strings.TrimSpace(r.PostForm.Get(n))
		}
		rows, proposed, err := ui.proposedACL(ctx, rq, r.PostForm, obj, f)
		if err != nil {
			return err
		}
		var preview *previewView
		status := http.StatusOK
		if !f.Invalid() {
			current, want := canonicalACL(t, obj.ACL), canonicalACL(t, proposed)
			notice := ""
			switch {
			case r.PostForm.Get("action") != "save":
			case r.PostForm.Get("base") != current:
				notice = "Someone changed this access list since you opened the page. Here is what your changes do to it as it is now; save again to apply them."
			case r.PostForm.Get("previewed") != want:
				notice = "The access list changed since the preview. Here is what it does now; save again to apply it."
			default:
				_, err := ui.svc.SetACL(ctx, rq.actor, obj.ref, proposed)
				if err == nil {
					http.Redirect(w, r, obj.SharingURL()+"?saved=1", http.StatusSeeOther)
					return nil
				}
				if !fieldError(f, err, nil) {
					return err
				}
				status = statusOf(err)
			}
			if !f.Invalid() {
				p, err := ui.svc.PreviewACL(ctx, rq.actor, obj.ref, proposed)
				if err != nil && !fieldError(f, err, nil) {
					return err
				}
				if err == nil {
					preview = &previewView{Of: want, Notice: notice, raw: p}
				} else {
					status = statusOf(err)
				}
			}
		}
		if f.Invalid() && status == http.StatusOK {
			status = http.StatusUnprocessableEntity
		}
		if !f.Invalid() {
			// The added entry is now a row of the list.
			f.Values["add_subject"], f.Values["add_username"] = "", ""
		}
		page, err := ui.sharingPage(r, rq, obj, f, rows, preview)
		if err != nil {
			return err
		}
		if !page.CanEdit {
			return &pageError{status: http.StatusForbidden, title: "Not allowed", msg: "Changing who has access needs the owner role on the workspace."}
		}
		ui.render(w, r, rq, status, "sharing", "Sharing: "+obj.Name, page)
		return nil
	}
}

// proposedACL reads the edit form: the rows as changed, plus the entry
// to add, and the ACL they make. Problems go into f next to their field.
func (ui *UI) proposedACL(ctx context.Context, rq *request, pf url.Values, obj sharedObject, f *form) ([]aclRow, []domain.ACLEntry, error) {
	t := obj.ref.Type
	had := map[string][]string{}
	for _, en := range obj.ACL {
		had[en.Subject.String()] = en.Permissions
	}
	// Rows are subject-N and level-N; a row whose level is missing (no
	// option chosen) is removed, as the preview then shows.
	var rows []aclRow
	for i := 0; ; i++ {
		n := strconv.Itoa(i)
		s, ok := pf["subject-"+n]
		if !ok {
			break
		}
		if i == maxACLRows {
			return nil, nil, errBadForm
		}
		if _, err := authz.ParseSubject(s[0]); err != nil {
			return nil, nil, errBadForm
		}
		rows = append(rows, aclRow{Subject: s[0], Level: pf.Get("level-" + n)})
	}
	var add string
	switch name, pick := f.Get("add_username"), f.Get("add_subject"); {
	case name != "" && pick != "":
		f.Errors["add_username"] = "Choose someone in the list or type a username, not both."
	case name != "":
		u, err := ui.svc.UserByUsername(ctx, rq.actor, name)
		if se, ok := service.AsError(err); ok && se.Kind == service.KindNotFound {
			f.Errors["add_username"] = "There is no user " + name + " in this account."
		} else if err != nil {
			return nil, nil, err
		} else {
			add = authz.User(u.ID).String()
		}
	case pick != "":
		if _, err := authz.ParseSubject(pick); err != nil {
			return nil, nil, errBadForm
		}
		add = pick
	}
	if add != "" {
		if i := slices.IndexFunc(rows, func(r aclRow) bool { return r.Subject == add }); i >= 0 {
			rows[i].Level = f.Get("add_level")
		} else {
			rows = append(rows, aclRow{Subject: add, Level: f.Get("add_level")})
		}
	}
	entries := []domain.ACLEntry{}
	for _, row := range rows {
		if row.Level == "" {
			continue
		}
		subj, _ := authz.ParseSubject(row.Subject)
		perms := []string{row.Level}
		// An entry left as it was keeps its permissions as stored.
		if old, ok := had[row.Subject]; ok && highest(t, old) == row.Level {
			perms = old
		}
		entries = append(entries, domain.ACLEntry{Subject: subj, Permissions: perms})
	}
	return rows, entries, nil
}

// highest is the strongest ACL permission among perms, which stands for
// all of them (levels are cumulative).
func highest(t authz.ObjectType, perms []string) string {
	best, name := authz.Level(0), ""
	for _, p := range perms {
		if l, err := authz.ParseACLPermission(t, p); err == nil && l > best {
			best, name = l, p
		}
	}
	return name
}

// canonicalACL writes an ACL in one order, by its highest levels, to
// compare the ACL a page showed or previewed with another.
func canonicalACL(t authz.ObjectType, entries []domain.ACLEntry) string {
	parts := make([]string, 0, len(entries))
	for _, en := range entries {
		parts = append(parts, en.Subject.String()+"="+highest(t, en.Permissions))
	}
	slices.Sort(parts)
	return strings.Join(parts, ";")
}

// sharingPage gathers the panel: the user's own access, who has access
// and why (as far as the service tells the user), the ACL, and the edit
// form for those who may change it. Names come in one read at the end.
func (ui *UI) sharingPage(r *http.Request, rq *request, obj sharedObject, f *form, rows []aclRow, preview *previewView) (sharingPage, error) {
	ctx := r.Context()
	t, ref := obj.ref.Type, obj.ref
	me := "user:" + rq.actor.UserID
	page := sharingPage{Object: obj, Reasons: true}
	order := strongestFirst[t]

	// The user's own access, weakest first.
	own := map[string]*authz.Explanation{}
	for i := len(order) - 1; i >= 0; i-- {
		p := order[i].String()
		ex, err := ui.svc.Explain(ctx, rq.actor, me, p, ref.String())
		if err != nil {
			return page, err
		}
		own[p] = &ex
		page.You = append(page.You, accessView{Permission: p, Allowed: ex.Allowed})
	}

	// Who holds each permission; each person under the most they may do.
	seen := map[string]bool{}
	for _, p := range order {
		ids, err := ui.svc.Who(ctx, rq.actor, p.String(), ref.String())
		if se, ok := service.AsError(err); ok && se.Kind == service.KindForbidden {
			page.Who, page.WhoNote = nil, "Only the owners of its workspace and holders of the review_access permission may see everyone who has access."
			break
		}
		if err != nil {
			return page, err
		}
		sec := whoSection{Permission: p.String(), Heading: "Can " + permWords[p.String()], Hint: permHints[p.String()]}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			sec.Count++
			if len(sec.People) < maxPeopleListed {
				sec.People = append(sec.People, personView{id: id, You: id == rq.actor.UserID})
			}
		}
		sec.More = sec.Count - len(sec.People)
		page.Who = append(page.Who, sec)
	}
	// Why: the service says whether the user may ask about others.
	for i := range page.Who {
		sec := &page.Who[i]
		for j := range sec.People {
			pv := &sec.People[j]
			if pv.You {
				pv.ex = own[sec.Permission]
				continue
			}
			if !page.Reasons {
				continue
			}
			ex, err := ui.svc.Explain(ctx, rq.actor, "user:"+pv.id, sec.Permission, ref.String())
			if se, ok := service.AsError(err); ok && se.Kind == service.KindForbidden {
				page.Reasons = false
				continue
			}
			if err != nil {
				return page, err
			}
			pv.ex = &ex
		}
	}

	var err error
	if page.CanEdit, err = ui.svc.MayEditACL(ctx, rq.actor, ref); err != nil {
		return page, err
	}
	var edit *aclEdit
	if page.CanEdit {
		edit = &aclEdit{Form: f, Rows: rows, Levels: authz.ACLPermissions(t), Base: canonicalACL(t, obj.ACL), Preview: preview, Everyone: true}
		if err := ui.subjectChoices(ctx, rq, edit); err != nil {
			return page, err
		}
	}

	// Names, in one read.
	nm := &namer{want: map[store.Ref]bool{}}
	for _, ex := range own {
		nm.explanation(ex)
	}
	for _, sec := range page.Who {
		for _, pv := range sec.People {
			nm.add("user:" + pv.id)
			nm.explanation(pv.ex)
		}
	}
	for _, en := range obj.ACL {
		nm.add(en.Subject.String())
	}
	for _, row := range rows {
		nm.add(row.Subject)
	}
	if preview != nil {
		for _, c := range preview.raw.Changes {
			for _, ids := range [][]string{c.Gain, c.Lose} {
				for _, id := range ids[:min(len(ids), maxPreviewNames)] {
					nm.add("user:" + id)
				}
			}
		}
	}
	if err := nm.load(ctx, ui.svc, rq.actor); err != nil {
		return page, err
	}

	for i := range page.You {
		page.You[i].Why = nm.reasons(own[page.You[i].Permission], t)
	}
	for i := range page.Who {
		people := page.Who[i].People
		for j := range people {
			pv := &people[j]
			pv.Name = nm.name("user:" + pv.id)
			if pv.ex != nil {
				pv.Why = nm.reasons(pv.ex, t)
			}
		}
		slices.SortStableFunc(people, func(a, b personView) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	}
	for _, en := range obj.ACL {
		label, kind := nm.subject(en.Subject.String())
		page.Entries = append(page.Entries, entryView{Subject: en.Subject.String(), Label: label, Kind: kind, Level: highest(t, en.Permissions)})
	}
	if edit != nil {
		for i := range edit.Rows {
			edit.Rows[i].Label, edit.Rows[i].Kind = nm.subject(edit.Rows[i].Subject)
			if edit.Rows[i].Subject == "everyone" {
				edit.Everyone = false
			}
		}
		if preview != nil {
			preview.Lines = previewLines(preview.raw, nm)
		}
		page.Edit = edit
	}
	return page, nil
}

// subjectChoices fills the picker: the groups, and the users unless the
// account has too many to list, leaving out those already in the list.
func (ui *UI) subjectChoices(ctx context.Context, rq *request, edit *aclEdit) error {
	in := map[string]bool{}
	for _, row := range edit.Rows {
		in[row.Subject] = true
	}
	groups, users, more, err := ui.svc.SubjectChoices(ctx, rq.actor, maxPickUsers)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if v := authz.GroupOf(g.ID).String(); !in[v] {
			edit.Groups = append(edit.Groups, option{v, g.Name})
		}
	}
	edit.ByUsername = more
	for _, u := range users {
		if v := authz.User(u.ID).String(); !in[v] {
			edit.Users = append(edit.Users, option{v, userLabel(u.Label)})
		}
	}
	return nil
}

func userLabel(l store.Label) string {
	if l.Name == "" || l.Name == l.Username {
		return l.Username
	}
	return l.Name + " (" + l.Username + ")"
}

// previewLines says a preview in words: "1 person gains view".
func previewLines(p service.ACLPreview, nm *namer) []previewLine {
	var out []previewLine
	for _, lose := range []bool{false, true} {
		for _, c := range p.Changes {
			ids, verb := c.Gain, "gain"
			if lose {
				ids, verb = c.Lose, "lose"
			}
			if len(ids) == 0 {
				continue
			}
			who := strconv.Itoa(len(ids)) + " people " + verb
			if len(ids) == 1 {
				who = "1 person " + verb + "s"
			}
			l := previewLine{Text: who + " " + permWords[c.Permission], Lose: lose}
			for _, id := range ids[:min(len(ids), maxPreviewNames)] {
				l.Names = append(l.Names, nm.name("user:"+id))
			}
			l.More = len(ids) - len(l.Names)
			out = append(out, l)
		}
	}
	return out
}

// ---- names and reasons in words

// namer collects the users, groups, tiers and workspaces a page names,
// reads their names at once, and puts explanations into words.
type namer struct {
	want   map[store.Ref]bool
	labels map[store.Ref]store.Label
}

var refKinds = map[string]store.Kind{"user": store.KindUser, "group": store.KindGroup, "tier": store.KindTier, "workspace": store.KindWorkspace}

func refOf(s string) (store.Ref, bool) {
	kind, id, ok := strings.Cut(s, ":")
	k, known := refKinds[kind]
	return store.Ref{Kind: k, ID: id}, ok && known
}

func (n *namer) add(s string) {
	if ref, ok := refOf(s); ok {
		n.want[ref] = true
	}
}

func (n *namer) explanation(ex *authz.Explanation) {
	for ex != nil {
		for _, p := range ex.Paths {
			for _, st := range p.Steps {
				n.add(st.Subject)
				n.add(st.Object)
			}
		}
		ex = ex.Record
	}
}

func (n *namer) load(ctx context.Context, svc *service.Service, a service.Actor) error {
	refs := make([]store.Ref, 0, len(n.want))
	for r := range n.want {
		refs = append(refs, r)
	}
	var err error
	n.labels, err = svc.Labels(ctx, a, refs)
	return err
}

// name is how a page names a subject or object id ("user:ID", ...).
func (n *namer) name(s string) string {
	if s == "everyone" {
		return "everyone in the account"
	}
	ref, ok := refOf(s)
	l, found := n.labels[ref]
	switch {
	case !ok:
		return s
	case found && ref.Kind == store.KindUser:
		return userLabel(l)
	case found:
		return l.Name
	case ref.Kind == store.KindWorkspace:
		return "a workspace you cannot see"
	}
	return "an unknown " + string(ref.Kind)
}

// subject names an ACL subject and says what kind it is.
func (n *namer) subject(s string) (label, kind string) {
	switch {
	case s == "everyone":
		return "Everyone in the account", ""
	case strings.HasPrefix(s, "group:"):
		return n.name(s), "group"
	}
	return n.name(s), "person"
}

// reasons puts an explanation's paths into words, one line each: "member
// of Newsroom → viewer of workspace News". A denial says why not.
func (n *namer) reasons(ex *authz.Explanation, t authz.ObjectType) []string {
	if ex == nil {
		return nil
	}
	if !ex.Allowed {
		switch ex.Reason {
		case authz.DeniedHeld:
			return []string{"It is held for moderation: until it is published only its uploader and the approvers have access."}
		case authz.DeniedRecord:
			return []string{"Not without access to its record."}
		}
		return []string{"Nothing gives it."}
	}
	var out, said []string
	for i, p := range ex.Paths[:min(len(ex.Paths), maxPathsShown)] {
		said = append(said, n.path(p))
		if i == 0 {
			out = append(out, "because "+said[i])
		} else {
			out = append(out, "and because "+said[i])
		}
	}
	if more := len(ex.Paths) - maxPathsShown; more > 0 {
		out = append(out, "and "+strconv.Itoa(more)+" more ways")
	}
	// A media object needs its record seen too; say how, unless it is
	// for the same reason.
	if ex.Record != nil && ex.Record.Allowed && len(ex.Record.Paths) > 0 {
		if rp := n.path(ex.Record.Paths[0]); !slices.Contains(said, rp) {
			out = append(out, "and sees its record because "+rp)
		}
	}
	return out
}

func (n *namer) path(p authz.Path) string {
	var parts []string
	for _, st := range p.Steps {
		if s := n.step(st); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return p.Via
	}
	return strings.Join(parts, " → ")
}

// place names a workspace or tier with what it is: "workspace News".
func (n *namer) place(s string) string {
	ref, _ := refOf(s)
	if _, ok := n.labels[ref]; !ok && ref.Kind == store.KindWorkspace {
		return "a workspace you cannot see"
	}
	return string(ref.Kind) + " " + n.name(s)
}

// step says one edge of a path (see authz.Step), or nothing for the
// edges that only say where an object lives.
func (n *namer) step(st authz.Step) string {
	rel := st.Relation
	switch {
	case rel == "member" && st.Object == "everyone":
		return "everyone in the account"
	case rel == "member":
		return "member of " + n.name(st.Object)
	case rel == "workspace", rel == "account":
		return ""
	case rel == "tier":
		return "which includes " + n.place(st.Object)
	case rel == "creator":
		return "created it"
	case strings.HasPrefix(rel, "acl_"):
		return "in the access list with " + strings.TrimPrefix(rel, "acl_")
	case strings.HasPrefix(rel, "uploader"):
		return "uploaded it, which is held for moderation"
	case strings.HasPrefix(rel, "approver"):
		return "approves it while it is held for moderation"
	case strings.HasPrefix(st.Object, "workspace:"), strings.HasPrefix(st.Object, "tier:"):
		return rel + " of " + n.place(st.Object)
	case strings.HasPrefix(st.Object, "account:"):
		return strings.ReplaceAll(rel, "_", " ") + " of the account"
	}
	return rel + " " + n.name(st.Object)
}
