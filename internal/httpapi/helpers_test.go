package httpapi_test

// Test fixtures for the HTTP API: every test gets a fresh SQLite file, a
// service over it, the API served by httptest over loopback, and two
// accounts (Alpha and Beta) with an owner each. Clients speak JSON with a
// Bearer token or with a session cookie; every error response any test
// receives is checked against the error shape the OpenAPI document
// declares.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"atrium/internal/blob"
	"atrium/internal/domain"
	"atrium/internal/httpapi"
	"atrium/internal/identity"
	"atrium/internal/mail"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
	"atrium/internal/store/sqlstore/sqltest"
)

// password is every fixture user's password (the policy wants ≥ 12).
const password = "correct horse battery"

type fixture struct {
	ctx  context.Context
	svc  *service.Service
	srv  *httptest.Server
	A, B *tenant
	// outbox is where the service's mail goes, unless the options gave
	// it another sender.
	outbox mail.Outbox
	// blobDir is the folder of the files' bytes, unless the options gave
	// another blob store.
	blobDir string
}

// tenant is one account with its owner.
type tenant struct {
	Account string
	Domain  string // of its users' emails
	Owner   *member
}

// member is a user with a Bearer-token client.
type member struct {
	*client
	ID, Username, Email string
	TokenID             string
}

// newFixture builds a fresh database, service and server with two
// accounts: Alpha (owner alice) and Beta (owner bob).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, service.Options{})
}

// newFixtureWith is newFixture with service options (the password cost is
// always the cheap test one; the public rate limits are off unless opt
// sets them).
func newFixtureWith(t *testing.T, opt service.Options) *fixture {
	t.Helper()
	return newFixtureAPI(t, opt, httpapi.Options{})
}

// newFixtureAPI is newFixtureWith with the API's options too.
func newFixtureAPI(t *testing.T, opt service.Options, apiOpt httpapi.Options) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, sqltest.Dir(t), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opt.Password = identity.TestParams
	if opt.RateLimit == (service.RateLimit{}) {
		// Every test client shares 127.0.0.1: tests that are not about the
		// public rate limits run without them (ratelimit_test.go sets its
		// own).
		opt.RateLimit = service.RateLimit{PerIP: -1, PerEmail: -1}
	}
	outbox := mail.Outbox{Dir: t.TempDir(), From: "Atrium <atrium@atrium.example>"}
	if opt.Mail == nil {
		opt.Mail = outbox
	}
	blobDir := t.TempDir()
	if opt.Blobs == nil {
		fs, err := blob.NewFS(blobDir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fs.Close() })
		opt.Blobs = fs
	}
	svc, err := service.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(svc, apiOpt))
	t.Cleanup(srv.Close)
	f := &fixture{ctx: ctx, svc: svc, srv: srv, outbox: outbox, blobDir: blobDir}
	t.Cleanup(svc.WaitBackground)
	f.A = f.newAccount(t, "Alpha", "alice", "Alice@Alpha.example")
	f.B = f.newAccount(t, "Beta", "bob", "bob@beta.example")
	return f
}

func (f *fixture) newAccount(t *testing.T, name, owner, email string) *tenant {
	t.Helper()
	acct, u, err := f.svc.CreateAccount(f.ctx, service.NewAccount{Name: name, Owner: service.UserInput{
		Username: owner, Email: email, Password: password, Access: []string{"portal", "capture", "connect"}}})
	if err != nil {
		t.Fatal(err)
	}
	return &tenant{Account: acct.ID, Domain: strings.ToLower(name) + ".example", Owner: f.member(t, u)}
}

// member issues a token for u and wraps it in a client.
func (f *fixture) member(t *testing.T, u domain.User) *member {
	t.Helper()
	tok, err := f.svc.IssueToken(f.ctx, u.ID, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	return &member{client: f.bearer(tok.Secret), ID: u.ID, Username: u.Username, Email: u.Email, TokenID: tok.ID}
}

// addUser creates a user in the tenant through the API, as its owner, with
// the given account roles, and returns it with a token.
func (f *fixture) addUser(t *testing.T, tn *tenant, username string, roles ...string) *member {
	t.Helper()
	if roles == nil {
		roles = []string{}
	}
	var u domain.User
	tn.Owner.do(t, "POST", "/api/v1/users", obj{
		"username": username, "email": username + "@" + tn.Domain,
		"password": password, "roles": roles, "access": []string{"portal", "capture", "connect"},
	}).ok(t, 201).decode(t, &u)
	return f.member(t, u)
}

// anon is a client without credentials.
func (f *fixture) anon() *client {
	return &client{base: f.srv.URL, http: f.srv.Client()}
}

// bearer is a client sending a Bearer token.
func (f *fixture) bearer(token string) *client {
	c := f.anon()
	c.token = token
	return c
}

// login signs in through the API and returns a cookie client that sends
// the CSRF token on writes.
func (f *fixture) login(t *testing.T, login string) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := *f.srv.Client()
	hc.Jar = jar
	c := &client{base: f.srv.URL, http: &hc}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	r := c.do(t, "POST", "/api/v1/auth/login", obj{"login": login, "password": password}).ok(t, 200).decode(t, &out)
	if !strings.HasPrefix(out.CSRF, "atc_") {
		t.Fatalf("login gave csrf_token %q", out.CSRF)
	}
	c.csrf = out.CSRF
	for _, ck := range r.cookies {
		if ck.Name == httpapi.SessionCookie {
			c.session = ck.Value
		}
	}
	if c.session == "" {
		t.Fatalf("login set no %s cookie", httpapi.SessionCookie)
	}
	return c
}

// ---- clients and responses

// obj is a JSON object literal.
type obj = map[string]any

// raw is a request body sent byte for byte.
type raw string

type client struct {
	base  string
	http  *http.Client
	token string
	csrf  string // sent as X-CSRF-Token on writes when set
	// session is the session cookie's value, for clients from login.
	session string
}

// header adds a request header; a value "" removes the header.
type header struct{ name, value string }

// do sends a request: body nil (no body), raw (verbatim, as JSON) or any
// value (marshalled). It checks the error shape of every error response.
func (c *client) do(t *testing.T, method, path string, body any, hs ...header) *resp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case raw:
			rd = strings.NewReader(string(b))
		case []byte:
			rd = bytes.NewReader(b)
		default:
			js, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			rd = bytes.NewReader(js)
		}
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.csrf != "" && method != "GET" && method != "HEAD" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for _, h := range hs {
		if h.value == "" {
			req.Header.Del(h.name)
		} else {
			req.Header.Set(h.name, h.value)
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	r := &resp{method: method, path: path, status: res.StatusCode, header: res.Header, body: b, cookies: res.Cookies()}
	if r.status >= 400 {
		checkErrorShape(t, r)
	} else {
		checkSuccessShape(t, r)
	}
	return r
}

// get is do for GET.
func (c *client) get(t *testing.T, path string) *resp {
	t.Helper()
	return c.do(t, "GET", path, nil)
}

type resp struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
	cookies      []*http.Cookie
}

func (r *resp) String() string {
	return fmt.Sprintf("%s %s → %d %s", r.method, r.path, r.status, bytes.TrimSpace(r.body))
}

// ok fails the test unless the status is want.
func (r *resp) ok(t *testing.T, want int) *resp {
	t.Helper()
	if r.status != want {
		t.Fatalf("%v; want status %d", r, want)
	}
	return r
}

// decode unmarshals the body into v.
func (r *resp) decode(t *testing.T, v any) *resp {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%v: decode: %v", r, err)
	}
	return r
}

// m returns the body as a JSON object.
func (r *resp) m(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	r.decode(t, &v)
	return v
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func (r *resp) errBody(t *testing.T) errorBody {
	t.Helper()
	var e errorBody
	r.decode(t, &e)
	return e
}

// fails checks an error response: its status, stable code and, if field is
// not "", the field it names ("-" means no field).
func (r *resp) fails(t *testing.T, status int, code, field string) errorBody {
	t.Helper()
	if r.status != status {
		t.Errorf("%v; want status %d (%s)", r, status, code)
		return errorBody{}
	}
	e := r.errBody(t)
	if e.Error.Code != code {
		t.Errorf("%v; want error code %q", r, code)
	}
	switch field {
	case "":
	case "-":
		if e.Error.Field != "" {
			t.Errorf("%v; want no field", r)
		}
	default:
		if e.Error.Field != field {
			t.Errorf("%v; want field %q", r, field)
		}
	}
	return e
}

// ---- the error shape, from the OpenAPI document

var openapiDoc = sync.OnceValue(func() map[string]any {
	// The document depends on the route table only, not on the service.
	b, err := json.Marshal(httpapi.New(nil, httpapi.Options{}).OpenAPI())
	if err != nil {
		panic(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		panic(err)
	}
	return doc
})

// checkErrorShape validates an error response against the schema of the
// "default" response the OpenAPI document gives every operation, and
// checks the rules a schema cannot say: code and message are non-empty.
func checkErrorShape(t *testing.T, r *resp) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%v: error with Content-Type %q, want application/json", r, ct)
		return
	}
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Errorf("%v: error body is not JSON: %v", r, err)
		return
	}
	doc := openapiDoc()
	schema := errorSchema(doc)
	if errs := validate(doc, schema, v, "$"); len(errs) > 0 {
		t.Errorf("%v: error body does not match the documented shape: %s", r, strings.Join(errs, "; "))
		return
	}
	var e errorBody
	_ = json.Unmarshal(r.body, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("%v: error without code or message", r)
	}
}

// checkSuccessShape validates a success response against the operation's
// documented status and response schema.
func checkSuccessShape(t *testing.T, r *resp) {
	t.Helper()
	doc := openapiDoc()
	p, _, _ := strings.Cut(r.path, "?")
	item := matchPath(doc, p)
	op, ok := item[strings.ToLower(r.method)].(map[string]any)
	if !ok {
		t.Errorf("%v: the operation is not in the OpenAPI document", r)
		return
	}
	rs, ok := op["responses"].(map[string]any)[strconv.Itoa(r.status)].(map[string]any)
	if !ok {
		t.Errorf("%v: status %d is not documented for the operation", r, r.status)
		return
	}
	content, ok := rs["content"].(map[string]any)
	if !ok {
		if len(bytes.TrimSpace(r.body)) > 0 {
			t.Errorf("%v: a body where the document says none", r)
		}
		return
	}
	if _, ok := content["application/json"]; !ok {
		return // a file: files_test.go checks those
	}
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Errorf("%v: body is not JSON: %v", r, err)
		return
	}
	schema := content["application/json"].(map[string]any)["schema"]
	if errs := validate(doc, schema, v, "$"); len(errs) > 0 {
		t.Errorf("%v: body does not match the documented schema: %s", r, strings.Join(errs, "; "))
	}
}

// matchPath finds the document's path item for a request path, preferring
// the template with the most literal segments.
func matchPath(doc map[string]any, path string) map[string]any {
	segs := strings.Split(path, "/")
	var best map[string]any
	bestLit := -1
	for tmpl, item := range doc["paths"].(map[string]any) {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		lit, ok := 0, true
		for i := range ts {
			switch {
			case strings.HasPrefix(ts[i], "{") && segs[i] != "":
			case ts[i] == segs[i]:
				lit++
			default:
				ok = false
			}
		}
		if ok && lit > bestLit {
			best, bestLit = item.(map[string]any), lit
		}
	}
	return best
}

// errorSchema is the schema of the documented default (error) response,
// the same for every operation.
func errorSchema(doc map[string]any) any {
	var found any
	for _, item := range doc["paths"].(map[string]any) {
		for _, op := range item.(map[string]any) {
			def := op.(map[string]any)["responses"].(map[string]any)["default"].(map[string]any)
			s := def["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
			if found == nil {
				found = s
			} else if !reflect.DeepEqual(found, s) {
				panic("operations document different error shapes")
			}
		}
	}
	return found
}

// validate checks v against the subset of JSON Schema the document uses
// ($ref, type, properties, required, additionalProperties, items). It
// returns the mismatches.
func validate(doc map[string]any, schema any, v any, at string) []string {
	s, _ := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		return validate(doc, doc["components"].(map[string]any)["schemas"].(map[string]any)[name], v, at)
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	switch s["type"] {
	case "object":
		o, ok := v.(map[string]any)
		if !ok {
			bad("want an object, have %s", kindOf(v))
			return errs
		}
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, name := range req {
				if _, ok := o[name.(string)]; !ok {
					bad("missing required property %q", name)
				}
			}
		}
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k]; ok {
				errs = append(errs, validate(doc, ps, o[k], at+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					bad("property %q is not documented", k)
				}
			case map[string]any:
				errs = append(errs, validate(doc, ap, o[k], at+"."+k)...)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("want an array, have %s", kindOf(v))
			return errs
		}
		for i, x := range a {
			errs = append(errs, validate(doc, s["items"], x, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			bad("want a string, have %s", kindOf(v))
		}
	case "integer":
		if n, ok := v.(float64); !ok || n != float64(int64(n)) {
			bad("want an integer, have %s", kindOf(v))
		}
	case "number":
		if _, ok := v.(float64); !ok {
			bad("want a number, have %s", kindOf(v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, have %s", kindOf(v))
		}
	}
	return errs
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// ---- content helpers (as an owner or any member with the rights)

// mkGroup creates a group and returns its id.
func mkGroup(t *testing.T, c *client, name string, members ...string) string {
	t.Helper()
	if members == nil {
		members = []string{}
	}
	var g domain.Group
	c.do(t, "POST", "/api/v1/groups", obj{"name": name, "members": members}).ok(t, 201).decode(t, &g)
	return g.ID
}

// grant is a workspace or tier grant in a request.
type grant struct {
	Subject string `json:"subject"`
	Role    string `json:"role"`
}

// mkWorkspace creates a workspace and returns its id.
func mkWorkspace(t *testing.T, c *client, name string, members ...grant) string {
	t.Helper()
	if members == nil {
		members = []grant{}
	}
	var w domain.Workspace
	c.do(t, "POST", "/api/v1/workspaces", obj{"name": name, "members": members}).ok(t, 201).decode(t, &w)
	return w.ID
}

// entry is an ACL entry in a request.
type entry struct {
	Subject     string   `json:"subject"`
	Permissions []string `json:"permissions"`
}

// mkRecord creates a record in a workspace, with the default ACL when acl
// is nil, and returns its id.
func mkRecord(t *testing.T, c *client, ws, title string, acl []entry) string {
	t.Helper()
	body := obj{"workspace": ws, "title": title}
	if acl != nil {
		body["acl"] = acl
	}
	var rec domain.Record
	c.do(t, "POST", "/api/v1/records", body).ok(t, 201).decode(t, &rec)
	return rec.ID
}

// mkMedia attaches a media object to a record and returns its id.
func mkMedia(t *testing.T, c *client, rec string) string {
	t.Helper()
	var m domain.Media
	c.do(t, "POST", "/api/v1/records/"+rec+"/media", obj{"media_type": "image", "filename": "a.jpg"}).ok(t, 201).decode(t, &m)
	return m.ID
}

// mkCollection creates a collection and returns its id.
func mkCollection(t *testing.T, c *client, ws, name string) string {
	t.Helper()
	var col domain.Collection
	c.do(t, "POST", "/api/v1/collections", obj{"workspace": ws, "name": name}).ok(t, 201).decode(t, &col)
	return col.ID
}

// mkTier creates a tier and returns its id.
func mkTier(t *testing.T, c *client, name string) string {
	t.Helper()
	var tr domain.Tier
	c.do(t, "POST", "/api/v1/tiers", obj{"name": name}).ok(t, 201).decode(t, &tr)
	return tr.ID
}

// recordIDs lists the ids of the records the client sees, with the total.
func recordIDs(t *testing.T, c *client, query string) ([]string, int) {
	t.Helper()
	var l struct {
		Records []domain.Record `json:"records"`
		Total   int             `json:"total"`
	}
	c.get(t, "/api/v1/records"+query).ok(t, 200).decode(t, &l)
	ids := []string{}
	for _, r := range l.Records {
		ids = append(ids, r.ID)
	}
	sort.Strings(ids)
	return ids, l.Total
}

// sameIDs reports whether two id lists hold the same ids.
func sameIDs(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// snapshot reads a resource as its owner would, for "nothing changed"
// comparisons: the body without volatile parts.
func snapshot(t *testing.T, c *client, path string) string {
	t.Helper()
	r := c.get(t, path).ok(t, 200)
	var v any
	r.decode(t, &v)
	stripVolatile(v)
	b, _ := json.Marshal(v)
	return string(b)
}

// stripVolatile removes revision fields (they move with every write in the
// deployment, not only with this object).
func stripVolatile(v any) {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "revision")
		for _, y := range x {
			stripVolatile(y)
		}
	case []any:
		for _, y := range x {
			stripVolatile(y)
		}
	}
}

// unchanged fails if the resource differs from before.
func unchanged(t *testing.T, c *client, path, before string) {
	t.Helper()
	if after := snapshot(t, c, path); after != before {
		t.Errorf("a rejected request changed %s:\nbefore %s\nafter  %s", path, before, after)
	}
}

func esc(s string) string { return url.PathEscape(s) }
