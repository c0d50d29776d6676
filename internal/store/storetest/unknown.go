package storetest

import (
	"context"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// unknownIDCases checks that every read of one entity and every write that
// changes an existing one reports ErrNotFound for an id that does not
// exist, and that a failed write leaves the revision alone. The store holds
// one account "acc" with user "u1", group "g1", tier "t1" and workspace
// "ws" holding record "r1" with media "m1", and collection "c1".
func unknownIDCases() []testCase {
	reads := []struct {
		name string
		call func(ctx context.Context, r store.Reader) error
	}{
		{"an unknown account", func(ctx context.Context, r store.Reader) error { _, err := r.GetAccount(ctx, "nope"); return err }},
		{"an unknown user", func(ctx context.Context, r store.Reader) error { _, err := r.GetUser(ctx, "nope"); return err }},
		{"an unknown username", func(ctx context.Context, r store.Reader) error {
			_, err := r.GetUserByUsername(ctx, "acc", "nope")
			return err
		}},
		{"a username in an unknown account", func(ctx context.Context, r store.Reader) error {
			_, err := r.GetUserByUsername(ctx, "nope", "u1")
			return err
		}},
		{"an unknown group", func(ctx context.Context, r store.Reader) error { _, err := r.GetGroup(ctx, "nope"); return err }},
		{"an unknown built-in group", func(ctx context.Context, r store.Reader) error {
			_, err := r.GetBuiltinGroup(ctx, "acc", domain.BuiltinStandard)
			return err
		}},
		{"the id of an unknown built-in group", func(ctx context.Context, r store.Reader) error {
			_, err := r.BuiltinGroupID(ctx, "acc", domain.BuiltinStandard)
			return err
		}},
		{"an unknown tier", func(ctx context.Context, r store.Reader) error { _, err := r.GetTier(ctx, "nope"); return err }},
		{"an unknown workspace", func(ctx context.Context, r store.Reader) error { _, err := r.GetWorkspace(ctx, "nope"); return err }},
		{"an unknown collection", func(ctx context.Context, r store.Reader) error { _, err := r.GetCollection(ctx, "nope"); return err }},
		{"an unknown record", func(ctx context.Context, r store.Reader) error { _, err := r.GetRecord(ctx, "nope"); return err }},
		{"an unknown media object", func(ctx context.Context, r store.Reader) error { _, err := r.GetMedia(ctx, "nope"); return err }},
		{"an unknown session", func(ctx context.Context, r store.Reader) error { _, err := r.GetSession(ctx, "nope"); return err }},
		{"an unknown token", func(ctx context.Context, r store.Reader) error { _, err := r.GetToken(ctx, "nope"); return err }},
		{"an unknown token hash", func(ctx context.Context, r store.Reader) error { _, err := r.GetTokenByHash(ctx, "nope"); return err }},
	}
	writes := []struct {
		name string
		call func(ctx context.Context, tx store.Tx) error
	}{
		{"updating an unknown account", func(ctx context.Context, tx store.Tx) error { return tx.UpdateAccount(ctx, account("nope")) }},
		{"updating an unknown user", func(ctx context.Context, tx store.Tx) error { return tx.UpdateUser(ctx, user("acc", "nope")) }},
		{"setting the password of an unknown user", func(ctx context.Context, tx store.Tx) error { return tx.SetPassword(ctx, "nope", "h") }},
		{"updating an unknown group", func(ctx context.Context, tx store.Tx) error { return tx.UpdateGroup(ctx, group("acc", "nope")) }},
		{"deleting an unknown group", func(ctx context.Context, tx store.Tx) error { return tx.DeleteGroup(ctx, "nope") }},
		{"removing a member of an unknown group", func(ctx context.Context, tx store.Tx) error {
			return tx.RemoveGroupMember(ctx, "nope", u("u1"))
		}},
		{"updating an unknown tier", func(ctx context.Context, tx store.Tx) error { return tx.UpdateTier(ctx, tier("acc", "nope")) }},
		{"deleting an unknown tier", func(ctx context.Context, tx store.Tx) error { return tx.DeleteTier(ctx, "nope") }},
		{"removing a grant from an unknown tier", func(ctx context.Context, tx store.Tx) error {
			return tx.RemoveTierGrant(ctx, "nope", u("u1"))
		}},
		{"updating an unknown workspace", func(ctx context.Context, tx store.Tx) error {
			return tx.UpdateWorkspace(ctx, workspace("acc", "nope", ""))
		}},
		{"deleting an unknown workspace", func(ctx context.Context, tx store.Tx) error { return tx.DeleteWorkspace(ctx, "nope") }},
		{"removing a member of an unknown workspace", func(ctx context.Context, tx store.Tx) error {
			return tx.RemoveWorkspaceMember(ctx, "nope", u("u1"))
		}},
		{"updating an unknown collection", func(ctx context.Context, tx store.Tx) error {
			return tx.UpdateCollection(ctx, collection("ws", "nope", ""))
		}},
		{"deleting an unknown collection", func(ctx context.Context, tx store.Tx) error { return tx.DeleteCollection(ctx, "nope") }},
		{"removing a record from an unknown collection", func(ctx context.Context, tx store.Tx) error {
			return tx.RemoveCollectionRecord(ctx, "nope", "r1")
		}},
		{"removing an unknown record from a collection", func(ctx context.Context, tx store.Tx) error {
			return tx.RemoveCollectionRecord(ctx, "c1", "nope")
		}},
		{"updating an unknown record", func(ctx context.Context, tx store.Tx) error { return tx.UpdateRecord(ctx, record("ws", "nope")) }},
		{"deleting an unknown record", func(ctx context.Context, tx store.Tx) error { return tx.DeleteRecord(ctx, "nope") }},
		{"updating an unknown media object", func(ctx context.Context, tx store.Tx) error { return tx.UpdateMedia(ctx, media("r1", "nope")) }},
		{"deleting an unknown media object", func(ctx context.Context, tx store.Tx) error { return tx.DeleteMedia(ctx, "nope") }},
		{"setting the ACL of an unknown record", func(ctx context.Context, tx store.Tx) error {
			return tx.SetACL(ctx, authz.ObjectRef{Type: authz.Record, ID: "nope"}, nil)
		}},
		{"revoking an unknown token", func(ctx context.Context, tx store.Tx) error { return tx.RevokeToken(ctx, "nope") }},
	}
	world := func(f *fixture) {
		f.t.Helper()
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"), tier("acc", "t1"), workspace("acc", "ws", "t1"),
			record("ws", "r1"), media("r1", "m1"), collection("ws", "c1", "u1"))
	}
	var cases []testCase
	for _, r := range reads {
		cases = append(cases, testCase{"reading " + r.name + " is not found", func(t *testing.T, f *fixture) {
			world(f)
			wantNotFound(t, "read", r.call(f.ctx, f.s))
			err := f.s.Snapshot(f.ctx, func(sr store.Reader) error { return r.call(f.ctx, sr) })
			wantNotFound(t, "read in a snapshot", err)
		}})
	}
	for _, w := range writes {
		cases = append(cases, testCase{w.name + " is not found", func(t *testing.T, f *fixture) {
			world(f)
			before := f.revision()
			_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return w.call(f.ctx, tx) })
			wantNotFound(t, "write", err)
			if rev := f.revision(); rev != before {
				t.Errorf("the failed write moved the revision from %d to %d", before, rev)
			}
		}})
	}
	return cases
}
