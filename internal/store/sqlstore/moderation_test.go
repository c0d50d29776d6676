package sqlstore_test

import (
	"context"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// TestModerationMigrationKeepsExistingRelationsForAccess: relations made
// before relations had a kind are access relations, as they always were.
func TestModerationMigrationKeepsExistingRelationsForAccess(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openSQLite(t, dir, true)
	s.Close()
	migrateDownTo(t, dir, 15)
	for _, q := range []string{
		`INSERT INTO accounts (id, name, created_at) VALUES ('acc', 'acc', 1)`,
		`INSERT INTO groups (id, account_id, name, description, created_at) VALUES ('g1', 'acc', 'g1', '', 1), ('g2', 'acc', 'g2', '', 1)`,
		`INSERT INTO approval_relations (id, account_id, approver_group_id, created_by, created_at) VALUES ('ar1', 'acc', 'g1', 'someone', 1)`,
		`INSERT INTO approval_requesters (relation_id, group_id) VALUES ('ar1', 'g2')`,
	} {
		if _, err := rawDB(t, dir).Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s = openSQLite(t, dir, true)
	rel, err := s.GetApprovalRelation(ctx, "ar1")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Kind != domain.RelationAccess || rel.ApproverGroup != "g1" {
		t.Errorf("relation after the migration: %+v", rel)
	}
	hs, err := s.ListHolds(ctx, "acc", store.HoldFilter{})
	if err != nil || len(hs) != 0 {
		t.Errorf("holds after the migration: %v, %v", hs, err)
	}
}
