package scenario

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
