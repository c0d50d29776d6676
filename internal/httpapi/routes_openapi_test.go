package httpapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
	"atrium/internal/store/sqlstore/sqltest"
)

func newTestAPI(t *testing.T) *API {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, sqltest.Dir(t), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := service.New(ctx, st, service.Options{Password: identity.TestParams})
	if err != nil {
		t.Fatal(err)
	}
	return New(svc, Options{})
}

// servedDoc fetches the OpenAPI document over the real handler, as a
// client would, and decodes it generically.
func servedDoc(t *testing.T, api *API) map[string]any {
	t.Helper()
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", rec.Code, rec.Body)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestEveryRouteIsDocumentedAndEveryDocumentedRouteIsServed compares the
// served OpenAPI document with the routes the mux actually dispatches.
func TestEveryRouteIsDocumentedAndEveryDocumentedRouteIsServed(t *testing.T) {
	api := newTestAPI(t)
	doc := servedDoc(t, api)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	documented := map[string]bool{}
	for path, item := range paths {
		for method := range item.(map[string]any) {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	// Every documented operation reaches a handler registered for exactly
	// that pattern (not the catch-all).
	for op := range documented {
		method, path, _ := strings.Cut(op, " ")
		concrete := pathParam.ReplaceAllString(path, "x1")
		_, pattern := api.mux.Handler(httptest.NewRequest(method, concrete, nil))
		want := op
		if path == "/" {
			want = "GET /{$}"
		}
		if pattern != want {
			t.Errorf("documented %s is served by pattern %q", op, pattern)
		}
	}
	// Every pattern the mux serves from the route table is documented.
	for _, p := range api.Patterns() {
		key := strings.Replace(p, "{$}", "", 1)
		if !documented[key] {
			t.Errorf("route %s is not in the OpenAPI document", p)
		}
	}
	if len(documented) != len(api.Patterns()) {
		t.Errorf("%d documented operations, %d routes", len(documented), len(api.Patterns()))
	}
}

func TestOperationsHaveUniqueIDsResponsesAndResolvableSchemas(t *testing.T) {
	api := newTestAPI(t)
	doc := servedDoc(t, api)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	ids := map[string]string{}
	var refs []string
	var collect func(v any)
	collect = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				refs = append(refs, r)
			}
			for _, y := range x {
				collect(y)
			}
		case []any:
			for _, y := range x {
				collect(y)
			}
		}
	}
	for path, item := range doc["paths"].(map[string]any) {
		for method, raw := range item.(map[string]any) {
			op := raw.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s %s has no operationId", method, path)
			} else if prev, dup := ids[id]; dup {
				t.Errorf("operationId %s used by %s and %s %s", id, prev, method, path)
			}
			ids[id] = method + " " + path
			resp, _ := op["responses"].(map[string]any)
			if _, ok := resp["default"]; !ok || len(resp) < 2 {
				t.Errorf("%s %s must document a success and the default error response", method, path)
			}
			for _, p := range pathParam.FindAllStringSubmatch(path, -1) {
				found := false
				for _, prm := range op["parameters"].([]any) {
					if prm.(map[string]any)["name"] == p[1] {
						found = true
					}
				}
				if !found {
					t.Errorf("%s %s does not declare path parameter %s", method, path, p[1])
				}
			}
		}
	}
	collect(doc)
	sort.Strings(refs)
	for _, r := range refs {
		name := strings.TrimPrefix(r, "#/components/schemas/")
		if _, ok := schemas[name]; !ok {
			t.Errorf("unresolved $ref %s", r)
		}
	}
	if len(refs) == 0 {
		t.Error("no schema references at all")
	}
}
