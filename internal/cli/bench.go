package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/scenario"
	"atrium/internal/service"
	"atrium/internal/store"
	"atrium/internal/store/sqlstore"
)

// benchOptions are the flags of atrium bench.
type benchOptions struct {
	scenario    string // directory holding scenario.jsonl and queries.jsonl
	data        string // data directory; empty: a temporary one
	keep        bool   // keep the temporary data directory
	jsonFile    string // also write the figures here
	checks      int    // checks timed, for each of mean, percentiles and throughput
	lists       int    // first pages timed; complete listings run
	writes      int    // single-record ACL writes timed
	batch       int    // records in the batch ACL edit
	concurrency int    // goroutines for the check throughput
	cpuProfile  string // write a CPU profile of the whole run here
}

// figure is one measured row of the bench table. Durations are in
// nanoseconds (unit "ns"), memory in bytes (unit "bytes").
type figure struct {
	Key   string  `json:"key"`
	What  string  `json:"what"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	Notes string  `json:"notes"`
}

// benchRun is the state the measurement steps share.
type benchRun struct {
	ctx        context.Context
	env        Env
	opt        benchOptions
	dir        string // data directory
	stats      service.ImportStats
	svc        *service.Service
	closeStore func()
	checks     []scenario.Check
	lists      []scenario.List
	tgt        *writeTarget // found by the first write step that needs it
	figures    []figure
}

// benchStep is one named measurement; it appends its rows to the run.
type benchStep struct {
	name string
	run  func(b *benchRun) error
}

// benchSteps are the measurements, in order: each step may rely on the
// ones before it (the import creates the database, the cold start opens
// the service the later steps use). The writes come last so that the read
// measurements run on the scenario as generated.
func benchSteps() []benchStep {
	return []benchStep{
		{"import", (*benchRun).importScenario},
		{"cold start", (*benchRun).coldStart},
		{"memory", (*benchRun).memory},
		{"check latency", (*benchRun).checkLatency},
		{"check throughput", (*benchRun).checkThroughput},
		{"list latency", (*benchRun).listLatency},
		{"search latency", (*benchRun).searchLatency},
		{"write latency", (*benchRun).writeLatency},
		{"batch ACL edit", (*benchRun).batchEdit},
	}
}

func bench(ctx context.Context, env Env, args []string) error {
	opt := benchOptions{checks: 1_000_000, lists: 10_000, writes: 200, batch: service.MaxBatchObjects, concurrency: runtime.GOMAXPROCS(0)}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&opt.scenario, "scenario", "", "directory with scenario.jsonl and queries.jsonl, as made by the peer harness: go run ./cmd/gen -scale medium -seed 1 -out DIR in ../shared/peer")
	fs.StringVar(&opt.data, "data", "", "data directory to import into; must be absent or empty (default: a temporary directory, removed at the end)")
	fs.BoolVar(&opt.keep, "keep", false, "keep the temporary data directory")
	fs.StringVar(&opt.jsonFile, "json", "", "also write the figures as JSON to this file")
	fs.IntVar(&opt.checks, "checks", opt.checks, "checks run for the mean, timed one by one for the percentiles, and run for the throughput")
	fs.IntVar(&opt.lists, "lists", opt.lists, "first pages timed; complete listings run (at most once per list query)")
	fs.IntVar(&opt.writes, "writes", opt.writes, "single-record ACL writes timed")
	fs.IntVar(&opt.batch, "batch", opt.batch, "records of one account in the batch ACL edit (at most 100000)")
	fs.IntVar(&opt.concurrency, "concurrency", opt.concurrency, "goroutines for the check throughput (default GOMAXPROCS)")
	fs.StringVar(&opt.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof; -focus picks a step, e.g. EditACLs)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if opt.scenario == "" {
		return usagef("--scenario DIR is required (generate one in ../shared/peer with: go run ./cmd/gen -scale medium -seed 1 -out DIR)")
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"checks", opt.checks}, {"lists", opt.lists}, {"writes", opt.writes}, {"batch", opt.batch}, {"concurrency", opt.concurrency}} {
		if n.v < 1 {
			return usagef("--%s must be at least 1", n.name)
		}
	}
	if opt.batch > service.MaxBatchObjects {
		return usagef("--batch is at most %d, the service's limit for one batch", service.MaxBatchObjects)
	}

	b := &benchRun{ctx: ctx, env: env, opt: opt, dir: opt.data}
	if b.dir == "" {
		if b.dir, err = os.MkdirTemp("", "atrium-bench-"); err != nil {
			return err
		}
		if opt.keep {
			defer fmt.Fprintf(env.Stderr, "bench: data kept in %s\n", b.dir)
		} else {
			defer os.RemoveAll(b.dir)
		}
	} else if entries, err := os.ReadDir(b.dir); err == nil && len(entries) > 0 {
		return usagef("--data %s is not empty: bench imports into a fresh database", b.dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	defer func() {
		if b.closeStore != nil {
			b.closeStore()
		}
	}()
	if err := b.readQueries(); err != nil {
		return err
	}
	if opt.cpuProfile != "" {
		f, err := os.Create(opt.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for _, s := range benchSteps() {
		start := time.Now()
		if err := s.run(b); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(env.Stderr, "bench: %s done in %s\n", s.name, time.Since(start).Round(time.Millisecond))
	}
	b.printTable(env.Stdout)
	if opt.jsonFile != "" {
		return b.writeJSON(opt.jsonFile)
	}
	return nil
}

func (b *benchRun) add(key, what string, value float64, unit, notes string) {
	b.figures = append(b.figures, figure{Key: key, What: what, Value: value, Unit: unit, Notes: notes})
}

func (b *benchRun) addDuration(key, what string, d time.Duration, notes string) {
	b.add(key, what, float64(d.Nanoseconds()), "ns", notes)
}

// readQueries parses the check and list queries of queries.jsonl.
func (b *benchRun) readQueries() error {
	f, err := os.Open(filepath.Join(b.opt.scenario, "queries.jsonl"))
	if err != nil {
		return err
	}
	defer f.Close()
	qs, err := scenario.ReadQueries(f)
	if err != nil {
		return fmt.Errorf("queries.jsonl: %w", err)
	}
	if b.checks, b.lists, err = scenario.Split(qs); err != nil {
		return fmt.Errorf("queries.jsonl: %w", err)
	}
	if len(b.checks) == 0 || len(b.lists) == 0 {
		return fmt.Errorf("queries.jsonl holds %d checks and %d lists; bench needs both", len(b.checks), len(b.lists))
	}
	return nil
}

// importScenario imports scenario.jsonl into a fresh database the way
// atrium import does: through the store alone, in one transaction.
func (b *benchRun) importScenario() error {
	f, err := os.Open(filepath.Join(b.opt.scenario, "scenario.jsonl"))
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	st, err := sqlstore.OpenSQLite(b.ctx, b.dir, true)
	if err != nil {
		return err
	}
	importStart := time.Now()
	b.stats, err = service.ImportInto(b.ctx, st, f)
	importOnly := time.Since(importStart)
	if err != nil {
		st.Close()
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	b.addDuration("import", "import", time.Since(start),
		fmt.Sprintf("new SQLite database: create + migrate, import scenario.jsonl in one transaction (%s of it), close", fmtDuration(importOnly)))
	return nil
}

// coldStart opens the imported data directory as atrium serve does (store
// and schema check, then service.New, which loads the permission index),
// with nothing else of the import left in the process.
func (b *benchRun) coldStart() error {
	// Hand the import's memory back first, so that the memory figures
	// after the start are close to those of a server started afresh.
	runtime.GC()
	debug.FreeOSMemory()
	cfg, err := loadConfig(b.env)
	if err != nil {
		return err
	}
	cfg.DataDir = b.dir
	start := time.Now()
	svc, closeStore, err := open(b.ctx, b.env, cfg, true)
	if err != nil {
		return err
	}
	d := time.Since(start)
	b.svc, b.closeStore = svc, closeStore
	b.addDuration("cold_start", "cold start", d, "open the store (schema check) and load the permission index, as serve does before it listens")
	return nil
}

// memory reads the process's resident set size from /proc/self/status
// (Linux): the whole bench process, which holds the service and the parsed
// queries.
func (b *benchRun) memory() error {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap := fmt.Sprintf("Go heap in use %s", fmtBytes(float64(ms.HeapInuse)))
	rss, hwm, err := procStatus()
	if err != nil {
		b.add("rss_after_start", "RSS after start", 0, "bytes", "not measured: "+err.Error())
		b.add("rss_peak", "peak RSS", 0, "bytes", "not measured: "+err.Error())
		return nil
	}
	b.add("rss_after_start", "RSS after start", float64(rss), "bytes", "VmRSS of the whole bench process right after the cold start; "+heap)
	b.add("rss_peak", "peak RSS", float64(hwm), "bytes", "VmHWM of the whole bench process so far, the import included")
	return nil
}

// procStatus returns VmRSS and VmHWM in bytes.
func procStatus() (rss, hwm int64, err error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok || name != "VmRSS" && name != "VmHWM" {
			continue
		}
		f := strings.Fields(val) // "123456 kB"
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("/proc/self/status: unexpected %s line %q", name, line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/self/status: %w", err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, errors.New("/proc/self/status has no VmRSS or VmHWM")
	}
	return rss, hwm, nil
}

// timerOverhead is the median cost of one time.Now/time.Since pair, which
// every individually timed sample includes.
func timerOverhead() time.Duration {
	lat := make([]time.Duration, 10_000)
	for i := range lat {
		start := time.Now()
		lat[i] = time.Since(start)
	}
	slices.Sort(lat)
	return lat[len(lat)/2]
}

// percentile returns the q-th quantile (0 < q < 1) of sorted samples.
// benchSearches are the search shapes searchLatency cycles through: what
// a library's search page sends (scenario titles are "adjective noun N").
var benchSearches = []authz.SearchQuery{
	{Desc: true}, // newest first, no filter
	{Text: "sunset", Sort: authz.SortTitle},
	{MediaTypes: []string{"image"}, Sort: authz.SortTitle, Desc: true},
	{Text: "portrait", MediaTypes: []string{"video"}, Sort: authz.SortUpdated, Desc: true},
}

// searchLatency times the engine's Search (filters, sort, first page of
// 100, exact total) for the users of the record list queries, each shape
// in turn, every search after emptying the visible-set cache as a write
// does, so that each pays for its user's visible set.
func (b *benchRun) searchLatency() error {
	e := b.svc.Engine()
	e.PrepareSearch() // a server builds the sort orders in the background after start-up
	var users []string
	for _, l := range b.lists {
		if l.Type == authz.Record {
			users = append(users, l.User)
		}
	}
	if len(users) == 0 {
		return nil
	}
	n := max(len(benchSearches), min(b.opt.lists, 4*len(users)))
	lat := make([]time.Duration, n)
	matches := 0
	for i := range lat {
		q := benchSearches[i%len(benchSearches)]
		q.Limit = 100
		e.DropCaches()
		t := time.Now()
		p, err := e.Search(users[i%len(users)], q)
		lat[i] = time.Since(t)
		if err != nil {
			return err
		}
		matches += p.Total
	}
	slices.Sort(lat)
	notes := fmt.Sprintf("%d searches (newest; a word by title; a media type by title desc; word + type by updated), first page of 100 with exact total, %d matches on average, visible sets not cached",
		n, matches/n)
	b.addDuration("search_p50", "search p50", percentile(lat, 0.50), notes)
	b.addDuration("search_p99", "search p99", percentile(lat, 0.99), notes)
	return nil
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(float64(len(sorted)) * q)
	return sorted[min(i, len(sorted)-1)]
}

// checkLatency runs the check queries through the engine in process: the
// mean from whole passes timed at once, the percentiles from checks timed
// one by one.
func (b *benchRun) checkLatency() error {
	e := b.svc.Engine()
	allowed := 0
	for _, c := range b.checks { // warm up, and count the answers
		if e.Check(c.User, c.Perm, c.Obj) {
			allowed++
		}
	}
	n := b.opt.checks
	done := 0
	start := time.Now()
	for done < n {
		for _, c := range b.checks[:min(len(b.checks), n-done)] {
			e.Check(c.User, c.Perm, c.Obj)
		}
		done += min(len(b.checks), n-done)
	}
	mean := time.Since(start) / time.Duration(done)

	lat := make([]time.Duration, n)
	for i := range lat {
		c := b.checks[i%len(b.checks)]
		t := time.Now()
		e.Check(c.User, c.Perm, c.Obj)
		lat[i] = time.Since(t)
	}
	slices.Sort(lat)
	over := timerOverhead()
	pct := fmt.Sprintf("%d checks timed one by one (timer overhead ≈ %s included)", n, fmtDuration(over))
	b.addDuration("check_p50", "check p50", percentile(lat, 0.50), pct)
	b.addDuration("check_p99", "check p99", percentile(lat, 0.99), pct)
	b.addDuration("check_mean", "check mean", mean,
		fmt.Sprintf("%d checks in passes over the %d check queries (%d%% allowed), timed as a whole", done, len(b.checks), allowed*100/len(b.checks)))
	return nil
}

// checkThroughput runs the checks on --concurrency goroutines at once.
func (b *benchRun) checkThroughput() error {
	e := b.svc.Engine()
	g := b.opt.concurrency
	per := max(1, b.opt.checks/g)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range g {
		wg.Go(func() {
			off := w * len(b.checks) / g
			for i := range per {
				c := b.checks[(off+i)%len(b.checks)]
				e.Check(c.User, c.Perm, c.Obj)
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	b.add("checks_per_second", "checks/s", float64(per*g)/d.Seconds(), "checks/s",
		fmt.Sprintf("%d goroutines, %d checks each, GOMAXPROCS %d", g, per, runtime.GOMAXPROCS(0)))
	return nil
}

// listLatency times the list queries' first pages of 100 with their exact
// total, then runs complete listings, following the cursors to the end.
func (b *benchRun) listLatency() error {
	e := b.svc.Engine()
	const pageSize = 100
	// First, each list query once: nothing has been listed since the
	// start, so no answer comes from the engine's cache of recent visible
	// sets.
	first := make([]time.Duration, len(b.lists))
	for i, l := range b.lists {
		t := time.Now()
		_, err := e.List(l.User, l.Perm, l.Type, authz.ListOptions{Limit: pageSize})
		first[i] = time.Since(t)
		if err != nil {
			return err
		}
	}
	slices.Sort(first)
	notes := fmt.Sprintf("each of the %d list queries once, first page of %d with exact total, the first listing since the start", len(first), pageSize)
	b.addDuration("first_list_p50", "first list p50", percentile(first, 0.50), notes)
	b.addDuration("first_list_p99", "first list p99", percentile(first, 0.99), notes)

	lat := make([]time.Duration, b.opt.lists)
	for i := range lat {
		l := b.lists[i%len(b.lists)]
		t := time.Now()
		_, err := e.List(l.User, l.Perm, l.Type, authz.ListOptions{Limit: pageSize})
		lat[i] = time.Since(t)
		if err != nil {
			return err
		}
	}
	slices.Sort(lat)
	notes = fmt.Sprintf("%d first pages of %d with exact total, round robin over the list queries (repeats may hit the engine's cache)", len(lat), pageSize)
	b.addDuration("list_first_page_p50", "list first page p50", percentile(lat, 0.50), notes)
	b.addDuration("list_first_page_p99", "list first page p99", percentile(lat, 0.99), notes)

	const fullPage = 1000
	n := min(b.opt.lists, len(b.lists))
	ids := 0
	start := time.Now()
	for _, l := range b.lists[:n] {
		got, total, cursor := 0, -1, ""
		for {
			p, err := e.List(l.User, l.Perm, l.Type, authz.ListOptions{Limit: fullPage, Cursor: cursor})
			if err != nil {
				return err
			}
			if total < 0 {
				total = p.Total
			}
			got += len(p.IDs)
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		if got != total {
			return fmt.Errorf("list user:%s %s %s: pages hold %d ids, total says %d", l.User, l.Perm, l.Type, got, total)
		}
		ids += got
	}
	d := time.Since(start)
	b.add("complete_listings_per_second", "complete listings/s", float64(n)/d.Seconds(), "listings/s",
		fmt.Sprintf("%d list queries followed to the end in pages of %d, %d ids each on average, one goroutine", n, fullPage, ids/n))
	return nil
}

// writeTarget is where the writes go: an account, its owner, one of its
// records and an active user who cannot view that record.
type writeTarget struct {
	owner   service.Actor
	records []string // the account's records, in listing order, at most --batch
	record  string
	user    string
}

// target picks the account with the most records and, in it, a record and
// an active user who cannot view it, so that granting the user view on
// the record makes a visible difference.
func (b *benchRun) target() (writeTarget, error) {
	if b.tgt != nil {
		return *b.tgt, nil
	}
	e := b.svc.Engine()
	var t writeTarget
	best := -1
	accounts := e.Accounts()
	slices.Sort(accounts)
	for _, acct := range accounts {
		owner, err := b.svc.OwnerActor(b.ctx, acct)
		if err != nil {
			continue // an account without an active owner takes no writes here
		}
		p, err := e.List(owner.UserID, authz.CanView, authz.Record, authz.ListOptions{Limit: 1})
		if err != nil {
			return t, err
		}
		if p.Total > best {
			best, t.owner = p.Total, owner
		}
	}
	if best <= 0 {
		return t, errors.New("no account with an active owner holds records")
	}
	cursor := ""
	for len(t.records) < b.opt.batch {
		p, err := e.List(t.owner.UserID, authz.CanView, authz.Record, authz.ListOptions{Limit: min(1000, b.opt.batch-len(t.records)), Cursor: cursor})
		if err != nil {
			return t, err
		}
		t.records = append(t.records, p.IDs...)
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	users, err := b.svc.Store().ListUsers(b.ctx, t.owner.AccountID, store.UserFilter{Status: domain.StatusActive, Limit: 1000})
	if err != nil {
		return t, err
	}
	for _, r := range t.records[:min(len(t.records), 1000)] {
		for _, u := range users {
			if !e.Check(u.ID, authz.CanView, authz.ObjectRef{Type: authz.Record, ID: r}) {
				t.record, t.user = r, u.ID
				b.tgt = &t
				return t, nil
			}
		}
	}
	return t, fmt.Errorf("account %s: found no active user who cannot view one of its first records", t.owner.AccountID)
}

// writeLatency times single-record ACL changes by the account owner,
// alternately granting the target user view on the record and taking it
// back, and checks after each that the engine answers accordingly.
func (b *benchRun) writeLatency() error {
	t, err := b.target()
	if err != nil {
		return err
	}
	ref := authz.ObjectRef{Type: authz.Record, ID: t.record}
	base, err := b.svc.GetACL(b.ctx, t.owner, ref)
	if err != nil {
		return err
	}
	granted := append(slices.Clone(base), domain.ACLEntry{Subject: authz.User(t.user), Permissions: []string{"view"}})
	lat := make([]time.Duration, b.opt.writes)
	for i := range lat {
		grant := i%2 == 0
		entries := base
		if grant {
			entries = granted
		}
		start := time.Now()
		_, err := b.svc.SetACL(b.ctx, t.owner, ref, entries)
		lat[i] = time.Since(start)
		if err != nil {
			return err
		}
		if got := b.svc.Engine().Check(t.user, authz.CanView, ref); got != grant {
			return fmt.Errorf("write %d: check user:%s can_view %s answers %v right after the write, want %v", i+1, t.user, ref, got, grant)
		}
	}
	if len(lat)%2 == 1 { // leave the record as it was
		if _, err := b.svc.SetACL(b.ctx, t.owner, ref, base); err != nil {
			return err
		}
	}
	slices.Sort(lat)
	notes := fmt.Sprintf("%d ACL replacements on %s by the account owner, each visible to the next check (asserted)", len(lat), ref)
	b.addDuration("write_p50", "write p50", percentile(lat, 0.50), notes)
	b.addDuration("write_p99", "write p99", percentile(lat, 0.99), notes)
	return nil
}

// batchEdit grants the target user view on up to --batch records of the
// account in one EditACLs call, and checks that the write target's record,
// which the user could not view before, is now visible to it.
func (b *benchRun) batchEdit() error {
	t, err := b.target()
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := b.svc.EditACLs(b.ctx, t.owner, service.BatchACL{
		Type: authz.Record, IDs: t.records, Op: service.BatchAdd,
		Entries: []domain.ACLEntry{{Subject: authz.User(t.user), Permissions: []string{"view"}}},
	})
	d := time.Since(start)
	if err != nil {
		return err
	}
	ref := authz.ObjectRef{Type: authz.Record, ID: t.record}
	if !b.svc.Engine().Check(t.user, authz.CanView, ref) {
		return fmt.Errorf("check user:%s can_view %s answers false right after the batch", t.user, ref)
	}
	notes := fmt.Sprintf("add user:%s view to %d records of account %s (%d changed) in one call; target ≤ 2 s for 100k", t.user, res.Objects, t.owner.AccountID, res.Changed)
	if len(t.records) < b.opt.batch {
		notes += fmt.Sprintf("; the account holds only %d records", len(t.records))
	}
	b.addDuration("batch_acl_edit", "batch ACL edit", d, notes)
	return nil
}

// fmtDuration prints ns below a microsecond and three significant figures
// above.
func fmtDuration(d time.Duration) string {
	ns := float64(d.Nanoseconds())
	switch {
	case ns < 1e3:
		return fmt.Sprintf("%.0f ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	}
	return fmt.Sprintf("%.2f s", ns/1e9)
}

func fmtBytes(n float64) string { return fmt.Sprintf("%.0f MiB", n/(1<<20)) }

func (f figure) String() string {
	switch f.Unit {
	case "ns":
		return fmtDuration(time.Duration(f.Value))
	case "bytes":
		if f.Value == 0 {
			return "n/a"
		}
		return fmtBytes(f.Value)
	}
	return fmt.Sprintf("%.0f %s", f.Value, f.Unit)
}

func (b *benchRun) scenarioLine() string {
	s := b.stats
	return fmt.Sprintf("scenario %s: %d accounts, %d users, %d groups, %d tiers, %d workspaces, %d collections, %d records, %d media; queries: %d checks, %d lists",
		b.opt.scenario, s.Accounts, s.Users, s.Groups, s.Tiers, s.Workspaces, s.Collections, s.Records, s.Media, len(b.checks), len(b.lists))
}

func machineLine() string {
	return fmt.Sprintf("machine: %s/%s, %d CPUs, GOMAXPROCS %d, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
}

// printTable prints the scenario's size and an aligned what | figure |
// notes table.
func (b *benchRun) printTable(w io.Writer) {
	fmt.Fprintln(w, b.scenarioLine())
	fmt.Fprintln(w, machineLine())
	fmt.Fprintln(w)
	rows := [][3]string{{"what", "figure", "notes"}}
	for _, f := range b.figures {
		rows = append(rows, [3]string{f.What, f.String(), f.Notes})
	}
	var width [2]int
	for _, r := range rows {
		for i := range width {
			width[i] = max(width[i], len([]rune(r[i])))
		}
	}
	pad := func(s string, n int) string { return s + strings.Repeat(" ", n-len([]rune(s))) }
	for i, r := range rows {
		fmt.Fprintf(w, "%s | %s | %s\n", pad(r[0], width[0]), pad(r[1], width[1]), r[2])
		if i == 0 {
			fmt.Fprintf(w, "%s-|-%s-|-%s\n", strings.Repeat("-", width[0]), strings.Repeat("-", width[1]), strings.Repeat("-", 5))
		}
	}
}

// benchReport is the --json output.
type benchReport struct {
	Scenario map[string]any `json:"scenario"`
	Machine  map[string]any `json:"machine"`
	Settings map[string]any `json:"settings"`
	Figures  []figure       `json:"figures"`
}

func (b *benchRun) writeJSON(path string) error {
	s := b.stats
	rep := benchReport{
		Scenario: map[string]any{"dir": b.opt.scenario, "accounts": s.Accounts, "users": s.Users, "groups": s.Groups, "tiers": s.Tiers,
			"workspaces": s.Workspaces, "collections": s.Collections, "records": s.Records, "media": s.Media,
			"check_queries": len(b.checks), "list_queries": len(b.lists)},
		Machine: map[string]any{"goos": runtime.GOOS, "goarch": runtime.GOARCH, "cpus": runtime.NumCPU(),
			"gomaxprocs": runtime.GOMAXPROCS(0), "go": runtime.Version()},
		Settings: map[string]any{"checks": b.opt.checks, "lists": b.opt.lists, "writes": b.opt.writes,
			"batch": b.opt.batch, "concurrency": b.opt.concurrency},
		Figures: b.figures,
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
