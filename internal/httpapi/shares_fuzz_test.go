package httpapi

import (
	"strings"
	"testing"
)

// FuzzLogPath: whatever path a client sends, what the logs show of it
// keeps no segment that follows a "shared" segment (where share links'
// tokens go), and changes nothing of a path without one.
func FuzzLogPath(f *testing.F) {
	for _, s := range []string{"/api/v1/shared/shr_abc", "/api/v1/shared/shr_abc/media/med_1/file", "/api/v1/shared/", "/api/v1/records",
		"/api/v1//shared//x", "/x/shared/a/shared/b", "/api/v1/shared/%2e%2e/unlock", "shared/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := logPath(p)
		if !strings.Contains(p, "/shared/") {
			if got != p {
				t.Fatalf("logPath(%q) = %q changed a path without a token", p, got)
			}
			return
		}
		in, out := strings.Split(p, "/"), strings.Split(got, "/")
		if len(in) != len(out) {
			t.Fatalf("logPath(%q) = %q has another number of segments", p, got)
		}
		for i := 1; i < len(in); i++ {
			secret := in[i-1] == "shared" && in[i] != ""
			switch {
			case secret && out[i] != "[token]":
				t.Fatalf("logPath(%q) = %q keeps segment %d", p, got, i)
			case !secret && out[i] != in[i] && !(in[i-1] == "shared" && in[i] == ""):
				t.Fatalf("logPath(%q) = %q changed segment %d", p, got, i)
			}
		}
	})
}
