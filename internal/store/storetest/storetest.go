// Package storetest is the conformance suite of the store contract
// (package store): every backend runs it, SQLite today and PostgreSQL
// later, in the manner of OpenFGA's pkg/storage/test and Perkeep's
// pkg/sorted/kvtest.
//
// A backend's test calls Run with a function returning a fresh, empty,
// migrated store. Every subtest gets its own store, so subtests never see
// each other's data.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// testCase is one subtest: its name reads as a sentence about the store.
type testCase struct {
	name string
	run  func(t *testing.T, f *fixture)
}

// Run runs the conformance suite. open must return a fresh, empty,
// migrated store for each call; it should close the store with t.Cleanup.
// Subtests run one after another, so open is never called concurrently;
// some subtests use their store from several goroutines.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	areas := []struct {
		name  string
		cases []testCase
	}{
		{"accounts", accountCases},
		{"users", userCases},
		{"users and group names read at once", userManyCases},
		{"groups", groupCases},
		{"custom roles", customRoleCases},
		{"tiers", tierCases},
		{"workspaces", workspaceCases},
		{"records and media", recordCases},
		{"collections", collectionCases},
		{"ACLs", aclCases},
		{"sessions and tokens", sessionCases},
		{"audit log", auditCases},
		{"login throttle and session listing", throttleCases},
		{"user lifecycle", userLifecycleCases},
		{"sign-up rules and invitations", signupCases},
		{"geography rules", geoCases},
		{"second factor and token scopes", mfaCases},
		{"access requests", accessCases},
		{"download and capture profiles", profileCases},
		{"media files and storage usage", fileCases},
		{"public share links", shareCases},
		{"moderation holds", moderationCases},
		{"renditions", renditionCases},
		{"unknown ids", unknownIDCases()},
		{"transactions", transactionCases},
		{"change log", changeLogCases},
		{"changes touched by each write", touchCases()},
		{"LoadAuth", loadAuthCases},
		{"user list filters", userFilterCases},
		{"group summaries", groupSummaryCases},
	}
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) {
			for _, c := range a.cases {
				t.Run(c.name, func(t *testing.T) {
					c.run(t, &fixture{t: t, ctx: t.Context(), s: open(t)})
				})
			}
		})
	}
}

// fixture is one subtest's store with helpers that fail the test on
// unexpected errors.
type fixture struct {
	t   *testing.T
	ctx context.Context
	s   store.Store
}

// at returns the fixture for a nested subtest t of the same store, so
// its helpers fail t, not the parent.
func (f *fixture) at(t *testing.T) *fixture {
	return &fixture{t: t, ctx: f.ctx, s: f.s}
}

// update runs fn in a transaction that must commit, and returns the
// revision of the commit.
func (f *fixture) update(fn func(tx store.Tx) error) uint64 {
	f.t.Helper()
	rev, err := f.s.Update(f.ctx, fn)
	if err != nil {
		f.t.Fatalf("update: %v", err)
	}
	return rev
}

// create stores entities in one transaction, in the order given. Users get
// the password hash "hash-ID".
func (f *fixture) create(entities ...any) {
	f.t.Helper()
	f.update(func(tx store.Tx) error { return createAll(f.ctx, tx, entities...) })
}

// createAt is create returning the transaction's time.
func (f *fixture) createAt(entities ...any) (now time.Time) {
	f.t.Helper()
	f.update(func(tx store.Tx) error {
		now = tx.Now()
		return createAll(f.ctx, tx, entities...)
	})
	return now
}

func createAll(ctx context.Context, tx store.Tx, entities ...any) error {
	for _, e := range entities {
		var err error
		switch v := e.(type) {
		case domain.Account:
			err = tx.CreateAccount(ctx, v)
		case domain.User:
			err = tx.CreateUser(ctx, v, "hash-"+v.ID)
		case domain.Group:
			err = tx.CreateGroup(ctx, v)
		case domain.CustomRole:
			err = tx.CreateCustomRole(ctx, v)
		case domain.Tier:
			err = tx.CreateTier(ctx, v)
		case domain.Workspace:
			err = tx.CreateWorkspace(ctx, v)
		case domain.Record:
			err = tx.CreateRecord(ctx, v)
		case domain.Media:
			err = tx.CreateMedia(ctx, v)
		case domain.Collection:
			err = tx.CreateCollection(ctx, v)
		case store.Session:
			err = tx.CreateSession(ctx, v)
		case store.Token:
			err = tx.CreateToken(ctx, v)
		default:
			return fmt.Errorf("storetest: cannot create %T", e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// revision returns the store's current revision.
func (f *fixture) revision() uint64 {
	f.t.Helper()
	rev, err := f.s.Revision(f.ctx)
	if err != nil {
		f.t.Fatalf("revision: %v", err)
	}
	return rev
}

// must fails the test if err is not nil.
func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// wantErr fails the test unless err wraps target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want one wrapping %q", what, err, target)
	}
}

// wantNotFound checks that err wraps store.ErrNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	wantErr(t, what, err, store.ErrNotFound)
}

// wantConflict checks that err wraps store.ErrConflict.
func wantConflict(t *testing.T, what string, err error) {
	t.Helper()
	wantErr(t, what, err, store.ErrConflict)
}

// cmpOpts are the options every comparison uses: nil and empty slices and
// maps are the same, and subject lists whose order the contract leaves
// open (group members, grants) are compared as sets.
var cmpOpts = []cmp.Option{
	cmpopts.EquateEmpty(),
	cmpopts.SortSlices(func(a, b authz.Subject) bool { return a.String() < b.String() }),
	cmpopts.SortSlices(func(a, b domain.Grant) bool { return a.Subject.String() < b.Subject.String() }),
}

// sortStrings compares string slices as sets, for lists whose order the
// contract leaves open.
var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })

// diff fails the test if got differs from want.
func diff(t *testing.T, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, append(append([]cmp.Option{}, cmpOpts...), opts...)...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// ---- entity builders with unremarkable defaults

func account(id string) domain.Account {
	return domain.Account{ID: id, Name: "Account " + id}
}

// user returns an active user whose username is its id.
func user(acct, id string) domain.User {
	return domain.User{ID: id, AccountID: acct, Username: id, Email: id + "@example.com", DisplayName: "User " + id, Status: domain.StatusActive}
}

func withStatus(u domain.User, s domain.Status) domain.User { u.Status = s; return u }

func withRoles(u domain.User, roles ...string) domain.User { u.Roles = roles; return u }

func group(acct, id string, members ...authz.Subject) domain.Group {
	return domain.Group{ID: id, AccountID: acct, Name: "Group " + id, Members: members}
}

func tier(acct, id string, grants ...domain.Grant) domain.Tier {
	return domain.Tier{ID: id, AccountID: acct, Name: "Tier " + id, Grants: grants}
}

func workspace(acct, id, tierID string, members ...domain.Grant) domain.Workspace {
	return domain.Workspace{ID: id, AccountID: acct, Name: "Workspace " + id, TierID: tierID, Members: members}
}

func record(ws, id string, acl ...domain.ACLEntry) domain.Record {
	return domain.Record{ID: id, WorkspaceID: ws, Title: "Record " + id, ACL: acl}
}

func media(rec, id string, acl ...domain.ACLEntry) domain.Media {
	return domain.Media{ID: id, RecordID: rec, MediaType: "image", Filename: id + ".jpg", ACL: acl}
}

func collection(ws, id, creator string, acl ...domain.ACLEntry) domain.Collection {
	return domain.Collection{ID: id, WorkspaceID: ws, Name: "Collection " + id, CreatorID: creator, ACL: acl}
}

func grant(s authz.Subject, role string) domain.Grant { return domain.Grant{Subject: s, Role: role} }

func entry(s authz.Subject, perms ...string) domain.ACLEntry {
	return domain.ACLEntry{Subject: s, Permissions: perms}
}

var (
	u  = authz.User
	gr = authz.GroupOf
)

// ---- change-log helpers

func ref(k store.Kind, id string) store.Ref { return store.Ref{Kind: k, ID: id} }

func sortRefs(refs []store.Ref) []store.Ref {
	out := append([]store.Ref(nil), refs...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// changes returns the sorted refs changed after rev, failing on error.
func (f *fixture) changes(after uint64) []store.Ref {
	f.t.Helper()
	refs, _, err := f.s.Changes(f.ctx, after)
	if err != nil {
		f.t.Fatalf("changes after %d: %v", after, err)
	}
	return sortRefs(refs)
}

func refsString(refs []store.Ref) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = string(r.Kind) + ":" + r.ID
	}
	return strings.Join(parts, " ")
}
