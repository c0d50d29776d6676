// Package scenario reads the scenario format of the comparison harness
// (shared/spec/scenario-format.md, version 2): JSON Lines of accounts,
// users, groups, tiers, workspaces, collections, records and media, and the
// query lines of queries.jsonl.
//
// Reader checks each line's shape (known kind, known fields, valid ids,
// statuses, roles, subjects and ACL permissions) and reports errors with the
// line number; references between entities are the importer's to check.
package scenario

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"atrium/internal/authz"
)

// Entity is one line of scenario.jsonl.
type Entity struct {
	Kind         string          `json:"kind"`
	ID           string          `json:"id"`
	Account      string          `json:"account,omitempty"`
	Name         string          `json:"name,omitempty"`
	Email        string          `json:"email,omitempty"`
	Status       string          `json:"status,omitempty"`
	AccountRoles []string        `json:"account_roles,omitempty"`
	Members      json.RawMessage `json:"members,omitempty"` // group: subjects; workspace: grants
	Grants       []Grant         `json:"grants,omitempty"`
	Tier         string          `json:"tier,omitempty"`
	Workspace    string          `json:"workspace,omitempty"`
	Creator      string          `json:"creator,omitempty"`
	Title        string          `json:"title,omitempty"`
	Record       string          `json:"record,omitempty"`
	MediaType    string          `json:"media_type,omitempty"`
	ACL          []ACLEntry      `json:"acl,omitempty"`

	// Decoded from Members by the Reader.
	GroupMembers     []string `json:"-"`
	WorkspaceMembers []Grant  `json:"-"`
}

// Grant gives Role to Subject.
type Grant struct {
	Subject string `json:"subject"`
	Role    string `json:"role"`
}

// ACLEntry gives Permissions to Subject.
type ACLEntry struct {
	Subject     string   `json:"subject"`
	Permissions []string `json:"permissions"`
}

// MaxLineBytes bounds one line.
const MaxLineBytes = 1 << 20

// Reader reads entities one line at a time.
type Reader struct {
	br   *bufio.Reader
	line int
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Line returns the number of the line last read.
func (r *Reader) Line() int { return r.line }

// ErrLineTooLong is returned for a line above MaxLineBytes.
var ErrLineTooLong = errors.New("line too long")

func readLine(br *bufio.Reader, buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > MaxLineBytes {
			return nil, ErrLineTooLong
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(buf) > 0 {
			return buf, nil
		}
		return buf, err
	}
}

// Next returns the next entity, or io.EOF after the last one. Blank lines
// are skipped. Errors name the line.
func (r *Reader) Next() (*Entity, error) {
	var buf []byte
	for {
		b, err := readLine(r.br, buf)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("line %d: %w", r.line+1, err)
		}
		if err == io.EOF && len(b) == 0 {
			return nil, io.EOF
		}
		r.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			if err == io.EOF {
				return nil, io.EOF
			}
			continue
		}
		e, perr := ParseEntity(b)
		if perr != nil {
			return nil, fmt.Errorf("line %d: %w", r.line, perr)
		}
		return e, nil
	}
}

// ParseEntity parses and checks one scenario line.
func ParseEntity(b []byte) (*Entity, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var e Entity
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value on the line")
	}
	if err := e.check(); err != nil {
		return nil, fmt.Errorf("%s %q: %w", e.Kind, e.ID, err)
	}
	return &e, nil
}

var statuses = map[string]bool{"active": true, "deactivated": true, "banned": true, "pending": true}
var mediaTypes = map[string]bool{"image": true, "video": true, "audio": true, "document": true}

func (e *Entity) check() error {
	if err := authz.ValidID(e.ID); err != nil {
		return err
	}
	need := func(field, v string) error {
		if v == "" {
			return fmt.Errorf("%s is required", field)
		}
		return authz.ValidID(v)
	}
	switch e.Kind {
	case "account":
		return nil
	case "user":
		if err := need("account", e.Account); err != nil {
			return err
		}
		if !statuses[e.Status] {
			return fmt.Errorf("invalid status %q", e.Status)
		}
		_, err := authz.ParseRoles(e.AccountRoles)
		return err
	case "group":
		if err := need("account", e.Account); err != nil {
			return err
		}
		roles, err := authz.ParseRoles(e.AccountRoles)
		if err != nil {
			return err
		}
		if roles.Has(authz.RoleOwner) {
			return errors.New("a group cannot hold the owner role")
		}
		if len(e.Members) > 0 {
			if err := json.Unmarshal(e.Members, &e.GroupMembers); err != nil {
				return fmt.Errorf("members: want a list of subjects: %w", err)
			}
		}
		for _, m := range e.GroupMembers {
			s, err := authz.ParseSubject(m)
			if err != nil {
				return err
			}
			if s.Kind == authz.Everyone {
				return errors.New("everyone cannot be a group member")
			}
		}
		return nil
	case "tier":
		if err := need("account", e.Account); err != nil {
			return err
		}
		return checkGrants(e.Grants)
	case "workspace":
		if err := need("account", e.Account); err != nil {
			return err
		}
		if e.Tier != "" {
			if err := authz.ValidID(e.Tier); err != nil {
				return err
			}
		}
		if len(e.Members) > 0 {
			dec := json.NewDecoder(bytes.NewReader(e.Members))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e.WorkspaceMembers); err != nil {
				return fmt.Errorf("members: want a list of {subject, role}: %w", err)
			}
		}
		return checkGrants(e.WorkspaceMembers)
	case "collection":
		if err := need("workspace", e.Workspace); err != nil {
			return err
		}
		if e.Creator != "" {
			s, err := authz.ParseSubject(e.Creator)
			if err != nil || s.Kind != authz.UserSubject {
				return fmt.Errorf("creator must be a user:ID subject, got %q", e.Creator)
			}
		}
		return checkACL(authz.Collection, e.ACL)
	case "record":
		if err := need("workspace", e.Workspace); err != nil {
			return err
		}
		if e.MediaType != "" && !mediaTypes[e.MediaType] {
			return fmt.Errorf("invalid media_type %q", e.MediaType)
		}
		return checkACL(authz.Record, e.ACL)
	case "media":
		if err := need("record", e.Record); err != nil {
			return err
		}
		if !mediaTypes[e.MediaType] {
			return fmt.Errorf("invalid media_type %q", e.MediaType)
		}
		return checkACL(authz.Media, e.ACL)
	}
	return fmt.Errorf("unknown kind %q", e.Kind)
}

func checkGrants(gs []Grant) error {
	for _, g := range gs {
		s, err := authz.ParseSubject(g.Subject)
		if err != nil {
			return err
		}
		if s.Kind == authz.Everyone {
			return errors.New("roles are granted to users and groups, not everyone")
		}
		if _, err := authz.ParseRole(g.Role); err != nil {
			return err
		}
	}
	return nil
}

func checkACL(t authz.ObjectType, acl []ACLEntry) error {
	for _, en := range acl {
		if _, err := authz.ParseSubject(en.Subject); err != nil {
			return err
		}
		if len(en.Permissions) == 0 {
			return fmt.Errorf("ACL entry for %s has no permissions", en.Subject)
		}
		for _, p := range en.Permissions {
			if _, err := authz.ParseACLPermission(t, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// Level returns the ACL level of an entry: its highest permission.
func (en ACLEntry) Level(t authz.ObjectType) authz.Level {
	var l authz.Level
	for _, p := range en.Permissions {
		if v, err := authz.ParseACLPermission(t, p); err == nil && v > l {
			l = v
		}
	}
	return l
}
