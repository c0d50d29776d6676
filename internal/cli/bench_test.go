package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const smallScenario = "../../testdata/scenarios/small"

// benchRows are the rows bench prints, by their what column, with the key
// of each in the JSON output.
var benchRows = []struct{ what, key string }{
	{"import", "import"},
	{"cold start", "cold_start"},
	{"RSS after start", "rss_after_start"},
	{"peak RSS", "rss_peak"},
	{"check p50", "check_p50"},
	{"check p99", "check_p99"},
	{"check mean", "check_mean"},
	{"checks/s", "checks_per_second"},
	{"first list p50", "first_list_p50"},
	{"first list p99", "first_list_p99"},
	{"list first page p50", "list_first_page_p50"},
	{"list first page p99", "list_first_page_p99"},
	{"complete listings/s", "complete_listings_per_second"},
	{"search p50", "search_p50"},
	{"search p99", "search_p99"},
	{"write p50", "write_p50"},
	{"write p99", "write_p99"},
	{"batch ACL edit", "batch_acl_edit"},
}

func TestBenchMeasuresEveryFigureOnTheSmallScenario(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where bench makes its temporary data directory
	jsonFile := filepath.Join(t.TempDir(), "bench.json")
	r := run(t, nil, "bench", "--scenario", smallScenario, "--checks", "2000", "--lists", "300",
		"--writes", "6", "--batch", "500", "--concurrency", "2", "--json", jsonFile)
	if r.code != 0 {
		t.Fatalf("bench: %+v", r)
	}

	t.Run("the table starts with the scenario's size", func(t *testing.T) {
		first, _, _ := strings.Cut(r.stdout, "\n")
		want := "2 accounts, 1000 users, 100 groups, 4 tiers, 10 workspaces, 500 collections, 10000 records, 13023 media; queries: 2000 checks, 200 lists"
		if !strings.Contains(first, want) {
			t.Errorf("first line %q does not hold %q", first, want)
		}
	})

	rows := map[string][]string{}
	for line := range strings.SplitSeq(r.stdout, "\n") {
		cells := strings.Split(line, " | ")
		if len(cells) == 3 {
			rows[strings.TrimSpace(cells[0])] = cells
		}
	}
	for _, row := range benchRows {
		t.Run("the table has a positive figure for "+row.what, func(t *testing.T) {
			cells, ok := rows[row.what]
			if !ok {
				t.Fatalf("no row %q in\n%s", row.what, r.stdout)
			}
			number, _, _ := strings.Cut(strings.TrimSpace(cells[1]), " ")
			v, err := strconv.ParseFloat(number, 64)
			if err != nil || v <= 0 {
				t.Errorf("figure %q of %q is not a positive number", cells[1], row.what)
			}
		})
	}

	t.Run("the JSON file holds the scenario, the settings and every figure", func(t *testing.T) {
		data, err := os.ReadFile(jsonFile)
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Scenario map[string]any `json:"scenario"`
			Machine  map[string]any `json:"machine"`
			Settings map[string]any `json:"settings"`
			Figures  []figure       `json:"figures"`
		}
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatalf("invalid JSON: %v\n%s", err, data)
		}
		for _, k := range []string{"accounts", "users", "groups", "workspaces", "records", "media", "check_queries", "list_queries"} {
			if v, ok := rep.Scenario[k].(float64); !ok || v <= 0 {
				t.Errorf("scenario.%s = %v, want a positive number", k, rep.Scenario[k])
			}
		}
		if rep.Settings["writes"] != 6.0 || rep.Settings["batch"] != 500.0 {
			t.Errorf("settings = %v, want writes 6 and batch 500", rep.Settings)
		}
		if rep.Machine["goos"] == nil {
			t.Errorf("machine = %v, want goos", rep.Machine)
		}
		var keys []string
		for _, f := range rep.Figures {
			keys = append(keys, f.Key)
			if f.Value <= 0 || f.Unit == "" || f.What == "" {
				t.Errorf("figure %+v: want a positive value, a unit and a name", f)
			}
		}
		var want []string
		for _, row := range benchRows {
			want = append(want, row.key)
		}
		if !slices.Equal(keys, want) {
			t.Errorf("figure keys = %v, want %v", keys, want)
		}
	})

	t.Run("the temporary data directory is removed at the end", func(t *testing.T) {
		entries, err := os.ReadDir(tmp)
		if err != nil || len(entries) != 0 {
			t.Errorf("TMPDIR holds %v (err %v), want nothing", entries, err)
		}
	})
}

func TestBenchRefusesBadArguments(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	noQueries := t.TempDir()
	if err := os.WriteFile(filepath.Join(noQueries, "scenario.jsonl"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		err  string // stderr must hold it
	}{
		{"a missing --scenario is a usage error that says how to make one", []string{}, 2, "cmd/gen"},
		{"a count below one is a usage error", []string{"--scenario", smallScenario, "--checks", "0"}, 2, "--checks must be at least 1"},
		{"a batch above the service's limit is a usage error", []string{"--scenario", smallScenario, "--batch", "100001"}, 2, "--batch is at most 100000"},
		{"a data directory that is not empty is refused, not imported into", []string{"--scenario", smallScenario, "--data", full}, 2, "is not empty"},
		{"a scenario without queries.jsonl is an error", []string{"--scenario", noQueries}, 1, "queries.jsonl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, nil, append([]string{"bench"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.err) {
				t.Errorf("code %d, stderr %q; want code %d and %q", r.code, r.stderr, tc.code, tc.err)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(full, "keep.txt")); err != nil || string(b) != "mine" {
		t.Errorf("the refused data directory changed: %q, %v", b, err)
	}
}
