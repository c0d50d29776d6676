package web

import (
	"net/http"
	"strings"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// ---- /ui/admin/signup: sign-up rules, registration fields and the
// geography rule (manage_settings)

type signupRulesPage struct {
	Notice  string
	Account string
	Form    *form
	Modes   []option
	Fields  *fieldDefsEditor
	Geo     *form
	GeoInfo service.GeoSettings
	// GeoModes and GeoUnknown are the geography rule's choices.
	GeoModes, GeoUnknown []option
}

var signupModes = []option{
	{domain.SignupClosed, "Closed: by invitation only"},
	{domain.SignupOpen, "Open: anyone may register"},
	{domain.SignupDomain, "Email domains: only addresses of the domains below"},
}

var geoModes = []option{
	{domain.GeoOff, "Off: from anywhere"},
	{domain.GeoAllow, "Only from the countries below"},
	{domain.GeoDeny, "From anywhere but the countries below"},
}

var geoUnknown = []option{{domain.GeoUnknownAllow, "Allow them"}, {domain.GeoUnknownDeny, "Refuse them"}}

var signupNotices = map[string]string{"signup": "The sign-up rules are saved.", "geo": "The geography rule is saved."}

func signupForm(rules domain.SignupRules) *form {
	f := newForm()
	f.Values["mode"], f.Values["domains"] = rules.Mode, strings.Join(rules.Domains, "\n")
	if rules.ApprovalRequired {
		f.Values["approval_required"] = "on"
	}
	return f
}

func geoForm(rule domain.GeoRule) *form {
	f := newForm()
	f.Values["geo_mode"], f.Values["geo_countries"], f.Values["geo_unknown"] = rule.Mode, strings.Join(rule.Countries, ", "), rule.Unknown
	return f
}

// signupPage reads both rules (the service refuses them to anyone without
// manage_settings).
func (ui *UI) signupPage(r *http.Request, rq *request) (signupRulesPage, domain.SignupRules, error) {
	rules, err := ui.svc.GetSignupRules(r.Context(), rq.actor)
	if err != nil {
		return signupRulesPage{}, rules, err
	}
	geo, err := ui.svc.GetGeoRule(r.Context(), rq.actor)
	if err != nil {
		return signupRulesPage{}, rules, err
	}
	return signupRulesPage{Account: rq.actor.AccountID, Form: signupForm(rules), Modes: signupModes,
		Fields: newFieldDefsEditor("Registration fields", rules.Fields), Geo: geoForm(geo.GeoRule), GeoInfo: geo,
		GeoModes: geoModes, GeoUnknown: geoUnknown}, rules, nil
}

func (ui *UI) signupRulesPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	page, _, err := ui.signupPage(r, rq)
	if err != nil {
		return err
	}
	page.Notice = notice(r, signupNotices)
	ui.render(w, r, rq, http.StatusOK, "admin_signup", "Sign-up rules", page)
	return nil
}

func (ui *UI) saveSignupRules(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	page, _, err := ui.signupPage(r, rq)
	if err != nil {
		return err
	}
	f := formFrom(r, "mode", "approval_required", "domains")
	page.Form = f
	rules := domain.SignupRules{Mode: f.Get("mode"), ApprovalRequired: f.Get("approval_required") == "on", Domains: splitList(f.Get("domains"))}
	rules.Fields = readFieldDefs(r, page.Fields)
	_, err = ui.svc.SetSignupRules(r.Context(), rq.actor, rules)
	if err == nil {
		return redirectDone(w, r, "/ui/admin/signup", "signup")
	}
	if !placeFieldDefError(page.Fields, err) && !placeListError(f, err, "domains") && !ui.formFailure(f, err, nil) {
		return err
	}
	ui.render(w, r, rq, statusOf(err), "admin_signup", "Sign-up rules", page)
	return nil
}

func (ui *UI) saveGeoRule(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	page, _, err := ui.signupPage(r, rq)
	if err != nil {
		return err
	}
	f := formFrom(r, "geo_mode", "geo_countries", "geo_unknown")
	page.Geo = f
	rule := domain.GeoRule{Mode: f.Get("geo_mode"), Unknown: f.Get("geo_unknown"), Countries: splitList(f.Get("geo_countries"))}
	_, err = ui.svc.SetGeoRule(r.Context(), rq.actor, rule)
	if err == nil {
		return redirectDone(w, r, "/ui/admin/signup", "geo")
	}
	plain := newForm()
	for _, k := range []string{"mode", "countries", "unknown"} {
		plain.Values[k] = ""
	}
	if !placeListError(plain, err, "countries") && !ui.formFailure(plain, err, nil) {
		return err
	}
	for k, msg := range plain.Errors {
		f.Errors["geo_"+k] = msg
	}
	f.Error = plain.Error
	ui.render(w, r, rq, statusOf(err), "admin_signup", "Sign-up rules", page)
	return nil
}

// splitList reads a list typed with commas, spaces or one item a line.
func splitList(s string) []string {
	out := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' })
	if out == nil {
		return []string{}
	}
	return out
}
