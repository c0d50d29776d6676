package authz_test

import (
	"testing"

	"atrium/internal/authz"
)

func TestParseSubjectAcceptsOnlyUsersGroupsAndEveryone(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" means rejected
	}{
		{"user:u1", "user:u1"},
		{"group:g-1_x.y", "group:g-1_x.y"},
		{"everyone", "everyone"},
		{"user:", ""},
		{"user", ""},
		{"robot:x", ""},
		{"user:a b", ""},
		{"user:a:b", ""},
		{"USER:u1", ""},
		{"everyone:a1", ""},
		{"", ""},
	}
	for _, tc := range tests {
		s, err := authz.ParseSubject(tc.in)
		got := ""
		if err == nil {
			got = s.String()
		}
		if got != tc.want {
			t.Errorf("ParseSubject(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"user:u1", "group:g1", "everyone", "user:", ":", "user:\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := authz.ParseSubject(in)
		if err != nil {
			return
		}
		// What parses prints back to itself.
		if s.String() != in {
			t.Fatalf("ParseSubject(%q).String() = %q", in, s.String())
		}
	})
}

func FuzzParseObjectRef(f *testing.F) {
	for _, s := range []string{"record:r1", "media:m1", "collection:c1", "workspace:w1", "record:", "blob:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := authz.ParseObjectRef(in)
		if err != nil {
			return
		}
		if r.String() != in {
			t.Fatalf("ParseObjectRef(%q).String() = %q", in, r.String())
		}
	})
}
