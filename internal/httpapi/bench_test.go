package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"atrium/internal/httpapi"
	"atrium/internal/identity"
	"atrium/internal/scenario"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
	"atrium/internal/store/sqlstore/sqltest"
)

// permissionBench is a scenario of the comparison harness imported into
// SQLite and served by the API: testdata/scenarios/small by default, or
// the one whose directory ATRIUM_BENCH_SCENARIO names. Requests carry the
// token of the owner of the subject's account, as the harness's do.
type permissionBench struct {
	api    http.Handler
	checks []scenario.Query
	lists  []scenario.Query
	tokens map[string]string // subject user id → Bearer token
}

func newPermissionBench(b *testing.B) *permissionBench {
	b.Helper()
	ctx := context.Background()
	dir := os.Getenv("ATRIUM_BENCH_SCENARIO")
	if dir == "" {
		dir = filepath.Join("..", "..", "testdata", "scenarios", "small")
	}
	st, err := sqlstore.OpenSQLite(ctx, sqltest.Dir(b), true)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	in, err := os.Open(filepath.Join(dir, "scenario.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	if _, err := service.ImportInto(ctx, st, in); err != nil {
		b.Fatal(err)
	}
	svc, err := service.New(ctx, st, service.Options{Password: identity.TestParams})
	if err != nil {
		b.Fatal(err)
	}
	qf, err := os.Open(filepath.Join(dir, "queries.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer qf.Close()
	qs, err := scenario.ReadQueries(qf)
	if err != nil {
		b.Fatal(err)
	}
	pb := &permissionBench{api: httpapi.New(svc, httpapi.Options{}), tokens: map[string]string{}}
	byAccount := map[string]string{}
	for _, q := range qs {
		user := q.Subject[len("user:"):]
		acct, ok := svc.Engine().UserAccount(user)
		if !ok {
			continue // a subject the scenario never defined: no token can ask
		}
		if _, ok := byAccount[acct]; !ok {
			owner, err := svc.OwnerActor(ctx, acct)
			if err != nil {
				b.Fatal(err)
			}
			tok, err := svc.IssueToken(ctx, owner.UserID, "bench", 0)
			if err != nil {
				b.Fatal(err)
			}
			byAccount[acct] = tok.Secret
		}
		pb.tokens[user] = byAccount[acct]
		if q.Op == "check" {
			pb.checks = append(pb.checks, q)
		} else {
			pb.lists = append(pb.lists, q)
		}
	}
	return pb
}

func (pb *permissionBench) checkRequest(i int, base string) *http.Request {
	q := pb.checks[i%len(pb.checks)]
	body, _ := json.Marshal(map[string]string{"subject": q.Subject, "permission": q.Permission, "object": q.Resource})
	req := httptest.NewRequest("POST", base+"/api/v1/check", bytes.NewReader(body))
	if base != "" {
		req.RequestURI = ""
	}
	req.Header.Set("Authorization", "Bearer "+pb.tokens[q.Subject[len("user:"):]])
	req.Header.Set("Content-Type", "application/json")
	return req
}

// BenchmarkCheckRoute measures POST /api/v1/check, the route the harness
// drives: "handler" is the server's own work per request (routing,
// authentication, decoding, the check, the revision token, encoding) with
// no network; "loopback" adds net/http on both ends over real TCP with
// 32 concurrent clients, as the harness's -c 32.
func BenchmarkCheckRoute(b *testing.B) {
	pb := newPermissionBench(b)
	b.Run("handler", func(b *testing.B) {
		reqs := make([]*http.Request, len(pb.checks))
		bodies := make([][]byte, len(pb.checks))
		for i := range reqs {
			reqs[i] = pb.checkRequest(i, "")
			bodies[i], _ = io.ReadAll(reqs[i].Body)
		}
		i := 0
		for b.Loop() {
			r := reqs[i%len(reqs)]
			r.Body = io.NopCloser(bytes.NewReader(bodies[i%len(reqs)]))
			w := httptest.NewRecorder()
			pb.api.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
			i++
		}
	})
	b.Run("loopback", func(b *testing.B) {
		srv := httptest.NewServer(pb.api)
		defer srv.Close()
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		var next atomic.Int64
		b.SetParallelism(16) // 32 clients on 2 cores
		b.RunParallel(func(p *testing.PB) {
			for p.Next() {
				res, err := client.Do(pb.checkRequest(int(next.Add(1)), srv.URL))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Errorf("status %d", res.StatusCode)
					return
				}
			}
		})
	})
}

// BenchmarkObjectsRoute measures complete listings through GET
// /api/v1/objects in pages of 100,000 (the route's largest), in process:
// each iteration is one list query of the scenario answered in full.
func BenchmarkObjectsRoute(b *testing.B) {
	pb := newPermissionBench(b)
	ids := 0
	i := 0
	for b.Loop() {
		q := pb.lists[i%len(pb.lists)]
		i++
		cursor := ""
		for {
			v := url.Values{"subject": {q.Subject}, "permission": {q.Permission}, "type": {q.Type}, "limit": {"100000"}, "cursor": {cursor}}
			req := httptest.NewRequest("GET", "/api/v1/objects?"+v.Encode(), nil)
			req.Header.Set("Authorization", "Bearer "+pb.tokens[q.Subject[len("user:"):]])
			w := httptest.NewRecorder()
			pb.api.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
			// The server's work is measured, not a client's decoding: the
			// ids are counted and the cursor cut out of the bytes.
			body := w.Body.Bytes()
			end := bytes.LastIndex(body, []byte(`],"next_cursor":`))
			var page struct {
				NextCursor string `json:"next_cursor"`
			}
			if end < 0 || json.Unmarshal(append([]byte("{"), body[end+2:]...), &page) != nil {
				b.Fatalf("not a listing: %.200s", body)
			}
			if list := body[:end]; !bytes.HasSuffix(list, []byte("[")) {
				ids += bytes.Count(list, []byte(`",`)) + 1
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
	}
	b.ReportMetric(float64(ids)/float64(i), "ids/list")
}
