package service_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"atrium/internal/identity"
	"atrium/internal/scenario"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
)

// TestImportedScenariosAgreeWithReference imports the harness's small and
// edge scenarios through the real path (scenario file → SQLite → engine
// loaded from the store) and requires every reference answer, verified
// against OpenFGA, through the service's own check and listing API.
func TestImportedScenariosAgreeWithReference(t *testing.T) {
	for _, name := range []string{"small", "edge"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join("..", "..", "testdata", "scenarios", name)
			data := t.TempDir()
			st, err := sqlstore.OpenSQLite(ctx, data, true)
			if err != nil {
				t.Fatal(err)
			}
			svc, err := service.New(ctx, st, service.Options{Password: identity.TestParams})
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(filepath.Join(dir, "scenario.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			stats, err := svc.Import(ctx, f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("imported %v", stats)
			st.Close()

			// A fresh process: reopen and load the engine from the store.
			st, err = sqlstore.OpenSQLite(ctx, data, false)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			svc, err = service.New(ctx, st, service.Options{Password: identity.TestParams})
			if err != nil {
				t.Fatal(err)
			}
			af, err := os.Open(filepath.Join(dir, "answers.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			defer af.Close()
			answers, err := scenario.ReadQueries(af)
			if err != nil {
				t.Fatal(err)
			}
			if len(answers) < 1000 {
				t.Fatalf("only %d reference answers", len(answers))
			}
			// The service answers on behalf of each account's owner, as the
			// harness's driver does over HTTP.
			owners := map[string]service.Actor{}
			accts, _ := st.ListAccounts(ctx)
			for _, acct := range accts {
				n := 0
				for _, u := range mustUsers(t, st, acct.ID) {
					if slices.Contains(u.Roles, "owner") && u.Status == "active" {
						owners[acct.ID] = service.Actor{UserID: u.ID, AccountID: acct.ID}
						n++
						break
					}
				}
				if n == 0 {
					t.Fatalf("account %s has no active owner", acct.ID)
				}
			}
			bad := 0
			for i, q := range answers {
				userAcct, ok := svc.Engine().UserAccount(strings.TrimPrefix(q.Subject, "user:"))
				if !ok {
					t.Fatalf("#%d: unknown subject %s", i, q.Subject)
				}
				actor := owners[userAcct]
				switch q.Op {
				case "check":
					got, err := svc.Check(ctx, actor, q.Subject, q.Permission, q.Resource)
					if err != nil {
						t.Fatalf("#%d: %v", i, err)
					}
					if got != *q.Allowed {
						bad++
						t.Errorf("#%d check %s %s %s = %v, want %v", i, q.Subject, q.Permission, q.Resource, got, *q.Allowed)
					}
				case "list":
					var ids []string
					cursor := ""
					for {
						p, err := svc.ListObjects(ctx, actor, q.Subject, q.Permission, q.Type, service.ListQuery{Limit: 1000, Cursor: cursor})
						if err != nil {
							t.Fatalf("#%d: %v", i, err)
						}
						ids = append(ids, p.IDs...)
						if p.NextCursor == "" {
							break
						}
						cursor = p.NextCursor
					}
					slices.Sort(ids)
					if !slices.Equal(ids, q.IDs) && !(len(ids) == 0 && len(q.IDs) == 0) {
						bad++
						t.Errorf("#%d list %s %s %s: %d ids, want %d", i, q.Subject, q.Permission, q.Type, len(ids), len(q.IDs))
					}
				}
				if bad > 20 {
					t.Fatal("too many differences")
				}
			}
		})
	}
}
