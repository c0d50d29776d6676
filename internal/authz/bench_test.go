package authz_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/scenario"
)

// benchQueries loads a scenario and its queries for the benchmarks; the
// medium scenario is used when ATRIUM_BENCH_SCENARIO names its directory.
func benchQueries(b *testing.B) (*authz.Engine, []scenario.Query) {
	b.Helper()
	dir := os.Getenv("ATRIUM_BENCH_SCENARIO")
	if dir == "" {
		dir = filepath.Join("..", "..", "testdata", "scenarios", "small")
	}
	eng := loadScenario(b, filepath.Join(dir, "scenario.jsonl"))
	f, err := os.Open(filepath.Join(dir, "queries.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	qs, err := scenario.ReadQueries(f)
	if err != nil {
		b.Fatal(err)
	}
	return eng, qs
}

func BenchmarkCheck(b *testing.B) {
	eng, qs := benchQueries(b)
	type q struct {
		user string
		perm authz.Permission
		obj  authz.ObjectRef
	}
	var checks []q
	for _, x := range qs {
		if x.Op == "check" {
			p, _ := authz.ParsePermission(x.Permission)
			o, _ := authz.ParseObjectRef(x.Resource)
			checks = append(checks, q{strings.TrimPrefix(x.Subject, "user:"), p, o})
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c := checks[i%len(checks)]
		eng.Check(c.user, c.perm, c.obj)
	}
}

func BenchmarkListFirstPage(b *testing.B) {
	eng, qs := benchQueries(b)
	type q struct {
		user string
		perm authz.Permission
		typ  authz.ObjectType
	}
	var lists []q
	for _, x := range qs {
		if x.Op == "list" {
			p, _ := authz.ParsePermission(x.Permission)
			t, _ := authz.ParseObjectType(x.Type)
			lists = append(lists, q{strings.TrimPrefix(x.Subject, "user:"), p, t})
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l := lists[i%len(lists)]
		if _, err := eng.List(l.user, l.perm, l.typ, authz.ListOptions{Limit: 100}); err != nil {
			b.Fatal(err)
		}
	}
}
