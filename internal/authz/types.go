package authz

import (
	"fmt"
	"strings"
)

// ObjectType is a kind of object permissions are asked about.
type ObjectType uint8

// Object types. Record, Media and Collection are the content types of the
// reference model; Workspace, Tier, Group and Account are the containers the
// service asks about for administrative actions.
const (
	Record ObjectType = iota + 1
	Media
	Collection
	Workspace
	Tier
	Group
	Account
)

var objectTypeNames = map[ObjectType]string{
	Record: "record", Media: "media", Collection: "collection",
	Workspace: "workspace", Tier: "tier", Group: "group", Account: "account",
}

func (t ObjectType) String() string {
	if s, ok := objectTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("ObjectType(%d)", t)
}

// ParseObjectType parses "record", "media", "collection", "workspace",
// "tier", "group" or "account".
func ParseObjectType(s string) (ObjectType, error) {
	for t, n := range objectTypeNames {
		if n == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown object type %q", s)
}

// IsContent reports whether t is a type carrying an ACL.
func (t ObjectType) IsContent() bool { return t == Record || t == Media || t == Collection }

// Permission is a relation of the reference model that can be checked.
type Permission uint8

// Permissions of the reference model.
const (
	CanView Permission = iota + 1
	CanEdit
	CanDelete
	CanManage
	CanPreview
	CanDownload
)

var permissionNames = map[Permission]string{
	CanView: "can_view", CanEdit: "can_edit", CanDelete: "can_delete", CanManage: "can_manage",
	CanPreview: "can_preview", CanDownload: "can_download",
}

func (p Permission) String() string {
	if s, ok := permissionNames[p]; ok {
		return s
	}
	return fmt.Sprintf("Permission(%d)", p)
}

// ParsePermission parses a permission name such as "can_view".
func ParsePermission(s string) (Permission, error) {
	for p, n := range permissionNames {
		if n == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("unknown permission %q", s)
}

// Role is a role on a workspace or tier. Roles are ordered: each includes
// the permissions of the ones below it.
type Role uint8

// Workspace and tier roles, lowest first.
const (
	NoRole Role = iota
	Viewer
	Contributor
	Editor
	Owner
)

var roleNames = [...]string{"", "viewer", "contributor", "editor", "owner"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", r)
}

// ParseRole parses "owner", "editor", "contributor" or "viewer".
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if i > 0 && n == s {
			return Role(i), nil
		}
	}
	return NoRole, fmt.Errorf("unknown role %q (want owner, editor, contributor or viewer)", s)
}

// SubjectKind says what a Subject names.
type SubjectKind uint8

// Subject kinds.
const (
	UserSubject SubjectKind = iota + 1
	GroupSubject
	Everyone // every active user of the object's account
)

// Subject is a user, a group (meaning its members, transitively) or
// everyone.
type Subject struct {
	Kind SubjectKind
	ID   string // empty for Everyone
}

// User returns the subject for a user id.
func User(id string) Subject { return Subject{UserSubject, id} }

// GroupOf returns the subject for a group id.
func GroupOf(id string) Subject { return Subject{GroupSubject, id} }

// EveryoneSubject is the subject "everyone".
var EveryoneSubject = Subject{Kind: Everyone}

func (s Subject) String() string {
	switch s.Kind {
	case UserSubject:
		return "user:" + s.ID
	case GroupSubject:
		return "group:" + s.ID
	case Everyone:
		return "everyone"
	}
	return "invalid"
}

// ParseSubject parses "user:ID", "group:ID" or "everyone".
func ParseSubject(s string) (Subject, error) {
	if s == "everyone" {
		return EveryoneSubject, nil
	}
	kind, id, ok := strings.Cut(s, ":")
	if !ok || id == "" {
		return Subject{}, fmt.Errorf("invalid subject %q (want user:ID, group:ID or everyone)", s)
	}
	if err := ValidID(id); err != nil {
		return Subject{}, fmt.Errorf("invalid subject %q: %w", s, err)
	}
	switch kind {
	case "user":
		return User(id), nil
	case "group":
		return GroupOf(id), nil
	}
	return Subject{}, fmt.Errorf("invalid subject %q (want user:ID, group:ID or everyone)", s)
}

// ValidID reports whether id can name an entity: 1 to 64 characters of
// letters, digits, '-', '_' and '.'.
func ValidID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("id must be 1 to 64 characters")
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("id %q has a character other than letters, digits, '-', '_' and '.'", id)
		}
	}
	return nil
}

// ObjectRef names one object: "record:r1".
type ObjectRef struct {
	Type ObjectType
	ID   string
}

func (o ObjectRef) String() string { return o.Type.String() + ":" + o.ID }

// ParseObjectRef parses "TYPE:ID".
func ParseObjectRef(s string) (ObjectRef, error) {
	typ, id, ok := strings.Cut(s, ":")
	if !ok {
		return ObjectRef{}, fmt.Errorf("invalid object %q (want TYPE:ID)", s)
	}
	t, err := ParseObjectType(typ)
	if err != nil {
		return ObjectRef{}, fmt.Errorf("invalid object %q: %w", s, err)
	}
	if err := ValidID(id); err != nil {
		return ObjectRef{}, fmt.Errorf("invalid object %q: %w", s, err)
	}
	return ObjectRef{t, id}, nil
}

// Level is an ACL level: the highest ACL permission an entry grants. Levels
// are cumulative in the model (acl_edit is also counted for view, and for
// media download, view and preview), so an entry's set of permissions is
// equivalent to its highest one.
type Level uint8

// ACL permission names per content type, lowest level first.
var aclPermissionNames = map[ObjectType][]string{
	Record:     {"view", "edit"},
	Collection: {"view", "edit"},
	Media:      {"preview", "view", "download", "edit"},
}

// ACLPermissions returns the ACL permission names of a content type, lowest
// level first.
func ACLPermissions(t ObjectType) []string { return aclPermissionNames[t] }

// ParseACLPermission returns the level of an ACL permission name for a type.
func ParseACLPermission(t ObjectType, name string) (Level, error) {
	for i, n := range aclPermissionNames[t] {
		if n == name {
			return Level(i + 1), nil
		}
	}
	return 0, fmt.Errorf("unknown %s ACL permission %q (want one of %s)", t, name, strings.Join(aclPermissionNames[t], ", "))
}

// LevelName returns the ACL permission name of a level for a type.
func LevelName(t ObjectType, l Level) string {
	names := aclPermissionNames[t]
	if l == 0 || int(l) > len(names) {
		return ""
	}
	return names[l-1]
}

// ACLEntry grants Level to Subject on one object.
type ACLEntry struct {
	Subject Subject
	Level   Level
}

// RoleGrant gives Role to Subject on a workspace or tier. Subjects are users
// or groups, never everyone.
type RoleGrant struct {
	Subject Subject
	Role    Role
}

// MarshalText implements encoding.TextMarshaler ("user:ID", "group:ID",
// "everyone").
func (s Subject) MarshalText() ([]byte, error) {
	if s.Kind < UserSubject || s.Kind > Everyone {
		return nil, fmt.Errorf("invalid subject")
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Subject) UnmarshalText(b []byte) error {
	v, err := ParseSubject(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
