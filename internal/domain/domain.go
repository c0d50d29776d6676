// Package domain defines Atrium's entities (accounts, users, groups, tiers,
// workspaces, collections, records, media objects and their ACLs) and the
// rules on their fields that hold whatever stores or serves them.
package domain

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"atrium/internal/authz"
)

// Status is a user's status. Only active users hold permissions.
type Status string

// User statuses.
const (
	StatusPending     Status = "pending"
	StatusActive      Status = "active"
	StatusDeactivated Status = "deactivated"
	StatusBanned      Status = "banned"
)

// ParseStatus checks a status name.
func ParseStatus(s string) (Status, error) {
	switch Status(s) {
	case StatusPending, StatusActive, StatusDeactivated, StatusBanned:
		return Status(s), nil
	}
	return "", fmt.Errorf("invalid status %q (want pending, active, deactivated or banned)", s)
}

// Applications a user may be granted access to.
const (
	AppPortal  = "portal"  // the web UI
	AppCapture = "capture" // upload clients
	AppConnect = "connect" // the API with tokens, batch tools
)

// ParseAccess checks and normalises a list of application names.
func ParseAccess(apps []string) ([]string, error) {
	set := map[string]bool{}
	for _, a := range apps {
		switch a {
		case AppPortal, AppCapture, AppConnect:
			set[a] = true
		default:
			return nil, fmt.Errorf("invalid application %q (want portal, capture or connect)", a)
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out, nil
}

// Limits are an account's plan limits; 0 means unlimited.
type Limits struct {
	MaxUsers        int   `json:"max_users"`
	MaxWorkspaces   int   `json:"max_workspaces"`
	MaxStorageBytes int64 `json:"max_storage_bytes"`
	// MaxShareLinks bounds the account's public share links that are
	// neither revoked nor expired; MaxShareLinkDays how long one may
	// stay valid from its creation.
	MaxShareLinks    int `json:"max_share_links"`
	MaxShareLinkDays int `json:"max_share_link_days"`
}

// Account is a tenant.
type Account struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Limits    Limits    `json:"limits"`
	CreatedAt time.Time `json:"created_at"`
	// Usage is what the account uses of its limits, when it is read for
	// its members.
	Usage *StorageUsage `json:"usage,omitempty"`
}

// User is a person in one account. Username is immutable.
type User struct {
	ID        string `json:"id"`
	AccountID string `json:"account"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	// EmailVerified: the user proved they receive mail at Email.
	EmailVerified bool     `json:"email_verified"`
	DisplayName   string   `json:"display_name"`
	Status        Status   `json:"status"`
	Roles         []string `json:"roles"` // direct account roles
	// CustomRoles are the ids of the account's custom roles the user
	// holds directly, sorted.
	CustomRoles []string          `json:"custom_roles"`
	Access      []string          `json:"access"` // applications
	Fields      map[string]string `json:"fields"` // custom registration fields
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// Built-in groups every account starts with.
const (
	BuiltinStandard       = "standard"       // every new user joins it
	BuiltinAdministrators = "administrators" // holds the admin role
)

// Group is a named set of users and groups.
type Group struct {
	ID          string   `json:"id"`
	AccountID   string   `json:"account"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Builtin     string   `json:"builtin,omitempty"`
	Roles       []string `json:"roles"`
	// CustomRoles are the ids of the custom roles the group holds for
	// its members, sorted.
	CustomRoles []string        `json:"custom_roles"`
	Members     []authz.Subject `json:"members"`
	CreatedAt   time.Time       `json:"created_at"`
}

// CustomRole is a role an account defines: a named bundle of account
// permissions (never manage_owners), held by users and groups.
type CustomRole struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Permissions []string  `json:"permissions"` // sorted names
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// CheckRoleName checks a custom role's name: 1 to 64 lower-case letters,
// digits, '_' and '-', starting with a letter, and not the name of a
// built-in role, so that a name always says which role it is, in the API
// and on the command line alike.
func CheckRoleName(s string) error {
	if s == "" || len(s) > 64 {
		return fmt.Errorf("name must be 1 to 64 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '_' || c == '-')
		if !ok {
			return fmt.Errorf("name %q: use lower-case letters, digits, '_' and '-', starting with a letter", s)
		}
	}
	if authz.IsBuiltinRoleName(s) {
		return fmt.Errorf("name %q is a built-in role's", s)
	}
	return nil
}

// Grant gives a role on a tier or workspace to a user or group.
type Grant struct {
	Subject authz.Subject `json:"subject"`
	Role    string        `json:"role"`
}

// Tier groups workspaces; its grants apply to all of them.
type Tier struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Grants      []Grant   `json:"grants"`
	CreatedAt   time.Time `json:"created_at"`
}

// Workspace holds records and collections.
type Workspace struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	TierID      string    `json:"tier,omitempty"`
	Members     []Grant   `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
}

// ACLEntry grants permissions on one object to a subject.
type ACLEntry struct {
	Subject     authz.Subject `json:"subject"`
	Permissions []string      `json:"permissions"`
}

// Collection is a curated set of records.
type Collection struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"workspace"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	CreatorID   string     `json:"creator"`
	ACL         []ACLEntry `json:"acl"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Record is a catalogue entry.
type Record struct {
	ID          string            `json:"id"`
	WorkspaceID string            `json:"workspace"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Keywords    []string          `json:"keywords"`
	Fields      map[string]string `json:"fields"`
	MediaType   string            `json:"media_type,omitempty"`
	CreatedBy   string            `json:"created_by,omitempty"`
	ACL         []ACLEntry        `json:"acl"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	// Moderation is set while the record is held for moderation.
	Moderation *Moderation `json:"moderation,omitempty"`
}

// Media is a file attached to a record: its metadata, and its original
// file once one is uploaded.
type Media struct {
	ID        string     `json:"id"`
	RecordID  string     `json:"record"`
	MediaType string     `json:"media_type"`
	Filename  string     `json:"filename"`
	ACL       []ACLEntry `json:"acl"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	// File is the original, when one was uploaded (and the media object
	// is read singly: listings leave it out).
	File *File `json:"file,omitempty"`
	// Moderation is set while the media object is held for moderation.
	Moderation *Moderation `json:"moderation,omitempty"`
	// Renditions are those of an image's file, smallest first, in
	// whatever state they are (listings show them too).
	Renditions []Rendition `json:"renditions,omitempty"`
}

// MediaTypes are the kinds of media objects.
var MediaTypes = []string{"image", "video", "audio", "document"}

// CheckMediaType checks a media type name.
func CheckMediaType(t string) error {
	for _, m := range MediaTypes {
		if m == t {
			return nil
		}
	}
	return fmt.Errorf("invalid media_type %q (want image, video, audio or document)", t)
}

// NewID returns a random id with a type prefix, e.g. "rec_k3…": 80 random
// bits, so ids reveal neither counts nor order.
func NewID(prefix string) string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// CheckName checks a display name, title or other one-line text field.
func CheckName(field, s string, required bool, maxLen int) error {
	if required && strings.TrimSpace(s) == "" {
		return fmt.Errorf("%s is required", field)
	}
	return checkText(field, s, maxLen, false)
}

// CheckText checks a multi-line text field (descriptions): tabs and line
// breaks are allowed, other control characters are not.
func CheckText(field, s string, maxLen int) error {
	return checkText(field, s, maxLen, true)
}

func checkText(field, s string, maxLen int, multiline bool) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	if utf8.RuneCountInString(s) > maxLen {
		return fmt.Errorf("%s is longer than %d characters", field, maxLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			return fmt.Errorf("%s contains a control character", field)
		}
	}
	return nil
}

// CheckUsername checks a username: 1 to 64 of lower-case letters, digits,
// '.', '_', '-', starting with a letter or digit.
func CheckUsername(s string) error {
	if s == "" || len(s) > 64 {
		return fmt.Errorf("username must be 1 to 64 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return fmt.Errorf("username %q: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit", s)
		}
	}
	return nil
}

// NormalizeEmail checks an address and returns it with the domain
// lower-cased; comparisons use the fully lower-cased form.
func NormalizeEmail(s string) (string, error) {
	if len(s) > 254 {
		return "", fmt.Errorf("email is longer than 254 characters")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", fmt.Errorf("invalid email %q", s)
	}
	local, dom, _ := strings.Cut(s, "@")
	if dom == "" || !strings.Contains(dom, ".") && dom != "localhost" {
		return "", fmt.Errorf("invalid email %q", s)
	}
	return local + "@" + strings.ToLower(dom), nil
}

// CheckKeywords checks and normalises keywords: trimmed, non-empty,
// de-duplicated, at most 200 of at most 100 characters.
func CheckKeywords(kws []string) ([]string, error) {
	if len(kws) > 200 {
		return nil, fmt.Errorf("at most 200 keywords")
	}
	seen := map[string]bool{}
	out := []string{}
	for _, k := range kws {
		k = strings.TrimSpace(k)
		if err := CheckName("keyword", k, true, 100); err != nil {
			return nil, err
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out, nil
}

// CheckFields checks custom metadata fields: at most 100, names of 1 to 64
// letters, digits and '_', values at most 10,000 characters.
func CheckFields(fields map[string]string) error {
	if len(fields) > 100 {
		return fmt.Errorf("at most 100 fields")
	}
	for k, v := range fields {
		if k == "" || len(k) > 64 {
			return fmt.Errorf("field name %q must be 1 to 64 characters", k)
		}
		for _, c := range k {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
				return fmt.Errorf("field name %q: use letters, digits and '_'", k)
			}
		}
		if err := CheckText("field "+k, v, 10000); err != nil {
			return err
		}
	}
	return nil
}

// NormalizeACL checks entries for object type t: valid permissions, no
// subject twice, at most 1000 entries. It returns the entries with sorted,
// de-duplicated permissions.
func NormalizeACL(t authz.ObjectType, entries []ACLEntry) ([]ACLEntry, error) {
	if len(entries) > 1000 {
		return nil, fmt.Errorf("an ACL has at most 1000 entries")
	}
	seen := map[authz.Subject]bool{}
	out := make([]ACLEntry, 0, len(entries))
	for _, en := range entries {
		if en.Subject.Kind == 0 {
			return nil, fmt.Errorf("ACL entry without a subject")
		}
		if seen[en.Subject] {
			return nil, fmt.Errorf("subject %s appears twice in the ACL", en.Subject)
		}
		seen[en.Subject] = true
		perms, err := NormalizePermissions(t, en.Permissions)
		if err != nil {
			return nil, err
		}
		if len(perms) == 0 {
			return nil, fmt.Errorf("ACL entry for %s has no permissions", en.Subject)
		}
		out = append(out, ACLEntry{Subject: en.Subject, Permissions: perms})
	}
	return out, nil
}

// NormalizePermissions checks ACL permission names for type t and returns
// them de-duplicated, lowest level first.
func NormalizePermissions(t authz.ObjectType, perms []string) ([]string, error) {
	have := map[string]bool{}
	for _, p := range perms {
		if _, err := authz.ParseACLPermission(t, p); err != nil {
			return nil, err
		}
		have[p] = true
	}
	out := []string{}
	for _, name := range authz.ACLPermissions(t) {
		if have[name] {
			out = append(out, name)
		}
	}
	return out, nil
}

// EngineACL converts entries to the engine's form (highest level per entry).
func EngineACL(t authz.ObjectType, entries []ACLEntry) []authz.ACLEntry {
	out := make([]authz.ACLEntry, 0, len(entries))
	for _, en := range entries {
		var l authz.Level
		for _, p := range en.Permissions {
			if v, err := authz.ParseACLPermission(t, p); err == nil && v > l {
				l = v
			}
		}
		if l > 0 {
			out = append(out, authz.ACLEntry{Subject: en.Subject, Level: l})
		}
	}
	return out
}

// AuditEvent is one entry of an account's audit log: who did what to which
// target, when, from where, and how it ended.
type AuditEvent struct {
	ID       int64             `json:"id"`
	Account  string            `json:"-"`
	At       time.Time         `json:"at"`
	Actor    string            `json:"actor,omitempty"` // user id; empty when nobody was signed in
	Type     string            `json:"type"`            // e.g. "auth.login", "user.update"
	Target   string            `json:"target,omitempty"`
	ClientIP string            `json:"client_ip,omitempty"`
	Result   string            `json:"result"` // AuditOK, AuditDenied or AuditFailed
	Detail   map[string]string `json:"detail,omitempty"`
}

// Audit results.
const (
	AuditOK     = "ok"
	AuditDenied = "denied" // refused: bad credentials, missing permission, a rule
	AuditFailed = "failed" // invalid input or an error
)
