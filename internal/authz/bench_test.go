package authz_test

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

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
	if os.Getenv("ATRIUM_BENCH_NOPACK") == "" {
		eng.Pack() // as a server does after its load
	}
	f, err := os.Open(filepath.Join(dir, "queries.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	qs, err := scenario.ReadQueries(f)
	if err != nil {
		b.Fatal(err)
	}
	// Collect the load's garbage now, not while timing.
	runtime.GC()
	return eng, qs
}

// benchWork splits a query sample into checks and lists.
func benchWork(b *testing.B, qs []scenario.Query) ([]scenario.Check, []scenario.List) {
	b.Helper()
	checks, lists, err := scenario.Split(qs)
	if err != nil {
		b.Fatal(err)
	}
	return checks, lists
}

func BenchmarkCheck(b *testing.B) {
	eng, qs := benchQueries(b)
	checks, _ := benchWork(b, qs)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c := checks[i%len(checks)]
		eng.Check(c.User, c.Perm, c.Obj)
	}
}

func BenchmarkListFirstPage(b *testing.B) {
	eng, qs := benchQueries(b)
	_, lists := benchWork(b, qs)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l := lists[i%len(lists)]
		if _, err := eng.List(l.User, l.Perm, l.Type, authz.ListOptions{Limit: 100}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckLatency times each check of the sample and reports the
// median and p99 (ns) next to the mean: the targets are percentiles.
func BenchmarkCheckLatency(b *testing.B) {
	eng, qs := benchQueries(b)
	checks, _ := benchWork(b, qs)
	lat := make([]time.Duration, 0, 1<<20)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c := checks[i%len(checks)]
		start := time.Now()
		eng.Check(c.User, c.Perm, c.Obj)
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(start))
		}
	}
	reportPercentiles(b, lat)
}

// BenchmarkListFirstPageLatency: each list query's first page of 100 with
// its exact total, cold (visible-set cache emptied by DropCaches before
// each), as a fresh listing after a write sees it.
func BenchmarkListFirstPageLatency(b *testing.B) {
	eng, qs := benchQueries(b)
	_, lists := benchWork(b, qs)
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l := lists[i%len(lists)]
		b.StopTimer()
		eng.DropCaches()
		b.StartTimer()
		start := time.Now()
		if _, err := eng.List(l.User, l.Perm, l.Type, authz.ListOptions{Limit: 100}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

// searchShapes are the searches BenchmarkSearchLatency runs for each list
// query's user: the shapes a library's search page sends.
var searchShapes = []struct {
	name string
	q    func(ws string) authz.SearchQuery
}{
	{"newest", func(string) authz.SearchQuery { return authz.SearchQuery{Desc: true} }},
	{"word-by-title", func(string) authz.SearchQuery { return authz.SearchQuery{Text: "sunset", Sort: authz.SortTitle} }},
	{"two-words", func(string) authz.SearchQuery { return authz.SearchQuery{Text: "sunset 42", Desc: true} }},
	{"workspace-type-by-title-desc", func(ws string) authz.SearchQuery {
		return authz.SearchQuery{Workspaces: []string{ws}, MediaTypes: []string{"image"}, Sort: authz.SortTitle, Desc: true}
	}},
	{"half-year-by-updated", func(string) authz.SearchQuery {
		return authz.SearchQuery{Created: authz.TimeRange{From: 1_750_000_000_000_000 + 90*24*3600*1_000_000, To: 1_750_000_000_000_000 + 270*24*3600*1_000_000}, Sort: authz.SortUpdated}
	}},
}

// BenchmarkSearchLatency: first page of 100 with the exact total, for
// every list query's user and each search shape, with the visible-set
// cache emptied before each search (DropCaches), as after a write.
func BenchmarkSearchLatency(b *testing.B) {
	eng, qs := benchQueries(b)
	checks, lists := benchWork(b, qs)
	// A workspace of each account, from the records the checks name.
	wsOf := map[string]string{}
	for _, c := range checks {
		if c.Obj.Type != authz.Record {
			continue
		}
		acct, _ := eng.AccountOf(c.Obj)
		if _, ok := wsOf[acct]; !ok {
			wsOf[acct], _ = eng.WorkspaceOf(c.Obj)
		}
	}
	var users []string
	for _, l := range lists {
		if l.Type == authz.Record {
			users = append(users, l.User)
		}
	}
	eng.PrepareSearch()
	for _, shape := range searchShapes {
		b.Run(shape.name, func(b *testing.B) {
			var lat []time.Duration
			total := 0
			for i := 0; b.Loop(); i++ {
				user := users[i%len(users)]
				acct, _ := eng.UserAccount(user)
				q := shape.q(wsOf[acct])
				q.Limit = 100
				b.StopTimer()
				eng.DropCaches()
				b.StartTimer()
				start := time.Now()
				p, err := eng.Search(user, q)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				total += p.Total
			}
			reportPercentiles(b, lat)
			b.ReportMetric(float64(total)/float64(len(lat)), "matches")
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkGC measures one full garbage collection with the engine loaded
// and its search orders built: the work every GC cycle of a server does
// to mark the index, whatever the requests allocate. Fewer pointers in
// the index make it cheaper, and with it every request.
func BenchmarkGC(b *testing.B) {
	eng, _ := benchQueries(b)
	eng.PrepareSearch()
	runtime.GC()
	for b.Loop() {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "MB-live")
	runtime.KeepAlive(eng)
}
