package domain

import (
	"strings"
	"testing"

	"atrium/internal/authz"
)

func TestNormalizeEmail(t *testing.T) {
	tests := map[string]string{
		"Ada@Example.COM":       "Ada@example.com",
		"a.b+c@sub.example.io":  "a.b+c@sub.example.io",
		"owner@localhost":       "owner@localhost",
		"Ada <ada@example.com>": "",
		"no-at-sign":            "",
		"a@nodot":               "",
		" a@example.com":        "",
		"":                      "",
	}
	for in, want := range tests {
		got, err := NormalizeEmail(in)
		if want == "" && err == nil || want != "" && got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestUsernames(t *testing.T) {
	for in, ok := range map[string]bool{"ada": true, "ada.l_1-x": true, "0day": true, "Ada": false, "-ada": false, ".ada": false, "": false, "a b": false, strings.Repeat("a", 65): false} {
		if err := CheckUsername(in); (err == nil) != ok {
			t.Errorf("CheckUsername(%q) = %v, want ok=%v", in, err, ok)
		}
	}
}

func TestNormalizeACL(t *testing.T) {
	acl, err := NormalizeACL(authz.Media, []ACLEntry{{Subject: authz.EveryoneSubject, Permissions: []string{"edit", "preview", "edit"}}})
	if err != nil || strings.Join(acl[0].Permissions, ",") != "preview,edit" {
		t.Errorf("got %v, %v; want permissions in level order without repeats", acl, err)
	}
	for _, bad := range [][]ACLEntry{
		{{Subject: authz.User("u1"), Permissions: []string{"download"}}},                                                         // not a record permission
		{{Subject: authz.User("u1"), Permissions: []string{}}},                                                                   // empty
		{{Subject: authz.User("u1"), Permissions: []string{"view"}}, {Subject: authz.User("u1"), Permissions: []string{"edit"}}}, // twice
		{{Permissions: []string{"view"}}},                                                                                        // no subject
	} {
		if _, err := NormalizeACL(authz.Record, bad); err == nil {
			t.Errorf("NormalizeACL(%v) accepted", bad)
		}
	}
	if l := EngineACL(authz.Media, []ACLEntry{{Subject: authz.EveryoneSubject, Permissions: []string{"preview", "download"}}}); l[0].Level != 3 {
		t.Errorf("engine level %d, want 3", l[0].Level)
	}
}

func TestTextFieldsRejectControlCharacters(t *testing.T) {
	if CheckName("title", "a\x00b", true, 10) == nil || CheckName("title", "   ", true, 10) == nil || CheckName("title", "abcdefghijk", true, 10) == nil {
		t.Error("bad names accepted")
	}
	if CheckText("description", "line one\nline two\ttab", 100) != nil || CheckText("description", "bell\a", 100) == nil {
		t.Error("CheckText")
	}
	if CheckFields(map[string]string{"ok_1": "v"}) != nil || CheckFields(map[string]string{"bad-name": "v"}) == nil {
		t.Error("CheckFields")
	}
	if kws, err := CheckKeywords([]string{" a ", "a", "b"}); err != nil || strings.Join(kws, ",") != "a,b" {
		t.Errorf("CheckKeywords = %v, %v", kws, err)
	}
}
