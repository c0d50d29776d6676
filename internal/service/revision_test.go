package service_test

import (
	"context"
	"testing"

	"atrium/internal/service"
)

// A client that wrote through one server and reads through another with
// the revision of its write sees the write, without waiting for the other
// server's periodic sync.
func TestAReadAtLeastARevisionSeesTheWritesBeforeIt(t *testing.T) {
	ctx := context.Background()
	server, other, owner := twoProcesses(t)
	ws, err := server.CreateWorkspace(ctx, owner, service.WorkspaceInput{Name: "Photos"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.CreateRecord(ctx, owner, service.RecordInput{WorkspaceID: ws.ID, Title: "harbour at dawn"}); err != nil {
		t.Fatal(err)
	}
	token := server.RevisionToken(owner)
	search := func() int {
		l, err := other.SearchRecords(ctx, owner, service.SearchQuery{Text: "harbour"})
		if err != nil {
			t.Fatal(err)
		}
		return l.Total
	}
	if n := search(); n != 0 {
		t.Fatalf("the other server found %d records before syncing; the test needs it behind", n)
	}
	if err := other.AwaitRevision(ctx, token); err != nil {
		t.Fatalf("AwaitRevision: %v", err)
	}
	if n := search(); n != 1 {
		t.Fatalf("after AwaitRevision the other server finds %d records, want 1", n)
	}
	if got := other.RevisionToken(owner); got != token {
		t.Errorf("the other server's revision token %q differs from the writer's %q for the same state", got, token)
	}
}

func TestAnInvalidRevisionTokenIsABadQuery(t *testing.T) {
	server, _, _ := twoProcesses(t)
	for _, tok := range []string{"nonsense", "AAAAAAAAAAAAAAAAAAAAAA"} {
		err := server.AwaitRevision(context.Background(), tok)
		if se, ok := service.AsError(err); !ok || se.Kind != service.KindBadQuery || se.Field != "at_least_revision" {
			t.Errorf("AwaitRevision(%q) = %v, want a bad query naming at_least_revision", tok, err)
		}
	}
}
