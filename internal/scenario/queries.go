package scenario

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"atrium/internal/authz"
)

// Query is one line of queries.jsonl, or of answers.jsonl (with the answer
// fields set).
type Query struct {
	Op         string   `json:"op"` // check or list
	Subject    string   `json:"subject"`
	Permission string   `json:"permission"`
	Resource   string   `json:"resource,omitempty"` // check
	Type       string   `json:"type,omitempty"`     // list
	Allowed    *bool    `json:"allowed,omitempty"`  // answers: check
	IDs        []string `json:"ids,omitempty"`      // answers: list
}

// ReadQueries reads a queries.jsonl or answers.jsonl stream.
func ReadQueries(r io.Reader) ([]Query, error) {
	var out []Query
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := readLine(br, nil)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if b = bytes.TrimSpace(b); len(b) > 0 {
			var q Query
			if jerr := json.Unmarshal(b, &q); jerr != nil {
				return nil, fmt.Errorf("line %d: %w", line, jerr)
			}
			out = append(out, q)
		}
		if err == io.EOF {
			return out, nil
		}
	}
}

// Check is a check query with its parts parsed.
type Check struct {
	User string
	Perm authz.Permission
	Obj  authz.ObjectRef
}

// List is a list query with its parts parsed.
type List struct {
	User string
	Perm authz.Permission
	Type authz.ObjectType
}

// Split parses queries into checks and lists, in order. Every subject
// must be a user; queries of other ops are skipped.
func Split(qs []Query) (checks []Check, lists []List, err error) {
	for i, q := range qs {
		subj, err := authz.ParseSubject(q.Subject)
		if err != nil || subj.Kind != authz.UserSubject {
			return nil, nil, fmt.Errorf("query %d: subject must be user:ID, got %q", i+1, q.Subject)
		}
		p, err := authz.ParsePermission(q.Permission)
		if err != nil {
			return nil, nil, fmt.Errorf("query %d: %w", i+1, err)
		}
		switch q.Op {
		case "check":
			o, err := authz.ParseObjectRef(q.Resource)
			if err != nil {
				return nil, nil, fmt.Errorf("query %d: %w", i+1, err)
			}
			checks = append(checks, Check{subj.ID, p, o})
		case "list":
			t, err := authz.ParseObjectType(q.Type)
			if err != nil {
				return nil, nil, fmt.Errorf("query %d: %w", i+1, err)
			}
			lists = append(lists, List{subj.ID, p, t})
		}
	}
	return checks, lists, nil
}
