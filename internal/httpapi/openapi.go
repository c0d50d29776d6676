package httpapi

import (
	"encoding"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	timeType          = reflect.TypeFor[time.Time]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	pathParam         = regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)
	binaryType        = reflect.TypeFor[binaryData]()
)

// binaryData stands for a file's bytes in a documented form.
type binaryData struct{}

func binarySchema() map[string]any { return map[string]any{"type": "string", "format": "binary"} }

// schemaGen turns Go types into JSON Schemas, naming structs as
// components.
type schemaGen struct {
	components map[string]any
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == binaryType:
		return binarySchema()
	case t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType):
		return map[string]any{"type": "string", "description": "user:ID, group:ID or everyone"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := t.Name()
		if name == "" {
			return g.object(t)
		}
		if _, ok := g.components[name]; !ok {
			g.components[name] = map[string]any{} // reserve: recursive types
			g.components[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// object describes a struct's JSON fields, inlining embedded structs.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				walk(f.Type)
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = g.schema(f.Type)
			if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
				required = append(required, name)
			}
		}
	}
	walk(t)
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		sort.Strings(required)
		out["required"] = required
	}
	return out
}

// OpenAPI returns the OpenAPI 3.1 document of the route table.
func (api *API) OpenAPI() map[string]any {
	api.openapi.Do(func() { api.openapi.doc = api.buildOpenAPI() })
	return api.openapi.doc
}

func (api *API) buildOpenAPI() map[string]any {
	g := &schemaGen{components: map[string]any{}}
	errorRef := g.schema(reflect.TypeFor[ErrorBody]())
	paths := map[string]map[string]any{}
	for _, rt := range api.routes {
		path := strings.TrimSuffix(rt.Path, "{$}")
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt.Method, path),
			"tags":        []string{rt.Tag},
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			typ := q.Type
			if typ == "" {
				typ = "string"
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": q.Required, "description": q.Description, "schema": map[string]any{"type": typ}})
		}
		if params != nil {
			op["parameters"] = params
		}
		switch {
		case rt.BodyType != "":
			schema := binarySchema()
			if rt.Body != nil {
				schema = g.schema(reflect.TypeOf(rt.Body))
			}
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{rt.BodyType: map[string]any{"schema": schema}}}
		case rt.Body != nil:
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Body))}}}
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if rt.Resp != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Resp))}}
		}
		errResp := map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": errorRef}}}
		responses := map[string]any{strconv.Itoa(status): ok, "default": errResp}
		if rt.RespType != "" {
			// A file, served with range requests and validators.
			file := map[string]any{rt.RespType: map[string]any{"schema": binarySchema()}}
			ok["content"] = file
			responses["206"] = map[string]any{"description": "Partial Content: the requested byte ranges", "content": file}
			responses["304"] = map[string]any{"description": "Not Modified: the ETag given in If-None-Match is current"}
		}
		op["responses"] = responses
		if rt.Public {
			op["security"] = []any{}
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Atrium API",
			"version":     "1",
			"description": "Self-hosted media library with fine-grained access control. Errors have the shape {\"error\":{\"code\",\"message\",\"field\"}}.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.components,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "personal API token (atr_…)"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie, "description": "session from POST /api/v1/auth/login; writes also need the X-CSRF-Token header"},
			},
		},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}},
	}
}

func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.Split(strings.TrimPrefix(path, "/api/v1"), "/") {
		part = strings.Trim(part, "{}")
		part = strings.ReplaceAll(part, "-", "_")
		for _, w := range strings.Split(part, "_") {
			if w != "" {
				b.WriteString(strings.ToUpper(w[:1]) + w[1:])
			}
		}
	}
	return b.String()
}
