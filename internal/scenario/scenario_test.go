package scenario

import (
	"errors"
	"io"
	"strings"
	"testing"

	"atrium/internal/authz"
)

func TestReaderReportsTheLineOfEachError(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"an unknown kind is rejected", `{"kind":"robot","id":"x"}`, `line 1: robot "x": unknown kind "robot"`},
		{"an unknown field is rejected", `{"kind":"account","id":"a1","colour":"red"}`, `line 1: invalid JSON: json: unknown field "colour"`},
		{"a user needs an account", `{"kind":"user","id":"u1","email":"a@b.c","status":"active"}`, `account is required`},
		{"a bad status is rejected", `{"kind":"user","id":"u1","account":"a1","email":"a@b.c","status":"asleep"}`, `invalid status "asleep"`},
		{"a group cannot hold owner", `{"kind":"group","id":"g1","account":"a1","account_roles":["owner"]}`, `cannot hold the owner role`},
		{"everyone cannot join a group", `{"kind":"group","id":"g1","account":"a1","members":["everyone"]}`, `everyone cannot be a group member`},
		{"a workspace grant to everyone is rejected", `{"kind":"workspace","id":"w1","account":"a1","members":[{"subject":"everyone","role":"viewer"}]}`, `not everyone`},
		{"a record ACL cannot grant download", `{"kind":"record","id":"r1","workspace":"w1","acl":[{"subject":"everyone","permissions":["download"]}]}`, `unknown record ACL permission "download"`},
		{"media need a known media type", `{"kind":"media","id":"m1","record":"r1","media_type":"hologram"}`, `invalid media_type`},
		{"an ACL entry needs permissions", `{"kind":"record","id":"r1","workspace":"w1","acl":[{"subject":"user:u1","permissions":[]}]}`, `has no permissions`},
		{"ids are restricted", `{"kind":"account","id":"a/1"}`, `has a character`},
		{"two values on a line are rejected", `{"kind":"account","id":"a1"} {}`, `more than one JSON value`},
		{"blank lines are skipped and errors count them", "\n\n{\"kind\":\"robot\",\"id\":\"x\"}", `line 3:`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tc.input)).Next()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestReaderReadsEveryKindAndEndsWithEOF(t *testing.T) {
	input := `{"kind":"account","id":"a1","name":"A"}
{"kind":"user","id":"u1","account":"a1","email":"u@a.example","name":"U","status":"active","account_roles":["owner"]}
{"kind":"group","id":"g1","account":"a1","name":"G","members":["user:u1","group:g2"]}
{"kind":"workspace","id":"w1","account":"a1","name":"W","members":[{"subject":"group:g1","role":"editor"}]}
{"kind":"media","id":"m1","record":"r1","media_type":"image","acl":[{"subject":"user:u1","permissions":["preview","download"]}]}`
	rd := NewReader(strings.NewReader(input))
	var kinds []string
	var last *Entity
	for {
		e, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, e.Kind)
		last = e
		switch e.Kind {
		case "group":
			if len(e.GroupMembers) != 2 {
				t.Errorf("group members %v", e.GroupMembers)
			}
		case "workspace":
			if len(e.WorkspaceMembers) != 1 || e.WorkspaceMembers[0].Role != "editor" {
				t.Errorf("workspace members %v", e.WorkspaceMembers)
			}
		}
	}
	if strings.Join(kinds, ",") != "account,user,group,workspace,media" {
		t.Errorf("kinds %v", kinds)
	}
	if l := last.ACL[0].Level(authz.Media); l != 3 {
		t.Errorf("media entry [preview download] has level %d, want 3 (download)", l)
	}
}

func TestReaderRejectsOverlongLines(t *testing.T) {
	long := `{"kind":"account","id":"a1","name":"` + strings.Repeat("x", MaxLineBytes) + `"}`
	_, err := NewReader(strings.NewReader(long)).Next()
	if !errors.Is(err, ErrLineTooLong) {
		t.Errorf("error %v, want ErrLineTooLong", err)
	}
}

// FuzzParseEntity: no input makes the parser panic, and whatever it
// accepts has a valid kind and id.
func FuzzParseEntity(f *testing.F) {
	for _, s := range []string{
		`{"kind":"account","id":"a1","name":"A"}`,
		`{"kind":"group","id":"g1","account":"a1","members":["user:u1","group:g2"],"account_roles":["admin"]}`,
		`{"kind":"workspace","id":"w1","account":"a1","tier":"t1","members":[{"subject":"user:u1","role":"owner"}]}`,
		`{"kind":"media","id":"m1","record":"r1","media_type":"video","acl":[{"subject":"everyone","permissions":["edit"]}]}`,
		`{"kind":"collection","id":"c1","workspace":"w1","creator":"user:u1"}`,
		`{"kind":"record","id":"r1","workspace":"w1","members":"x"}`,
		`{}`, `[]`, `null`, `{"kind":"user"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEntity(b)
		if err != nil {
			return
		}
		switch e.Kind {
		case "account", "user", "group", "tier", "workspace", "collection", "record", "media":
		default:
			t.Fatalf("accepted kind %q", e.Kind)
		}
		if e.ID == "" {
			t.Fatal("accepted an empty id")
		}
	})
}

func TestSplitParsesQueriesAndRejectsWhatItCannotRun(t *testing.T) {
	good := []Query{
		{Op: "check", Subject: "user:u1", Permission: "can_view", Resource: "record:r1"},
		{Op: "list", Subject: "user:u2", Permission: "can_edit", Type: "media"},
	}
	checks, lists, err := Split(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || checks[0] != (Check{"u1", authz.CanView, authz.ObjectRef{Type: authz.Record, ID: "r1"}}) {
		t.Errorf("checks = %+v", checks)
	}
	if len(lists) != 1 || lists[0] != (List{"u2", authz.CanEdit, authz.Media}) {
		t.Errorf("lists = %+v", lists)
	}
	for name, q := range map[string]Query{
		"a group subject":       {Op: "check", Subject: "group:g1", Permission: "can_view", Resource: "record:r1"},
		"an unknown permission": {Op: "check", Subject: "user:u1", Permission: "can_fly", Resource: "record:r1"},
		"a bad resource":        {Op: "check", Subject: "user:u1", Permission: "can_view", Resource: "record"},
		"an unknown type":       {Op: "list", Subject: "user:u1", Permission: "can_view", Type: "album"},
	} {
		if _, _, err := Split([]Query{q}); err == nil {
			t.Errorf("%s: Split accepted %+v", name, q)
		}
	}
}
