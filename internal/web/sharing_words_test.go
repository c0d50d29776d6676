package web

import (
	"testing"

	"atrium/internal/authz"
	"atrium/internal/store"
)

// Every kind of path the engine explains reads as a sentence, with names.
func TestExplanationsReadAsSentences(t *testing.T) {
	nm := &namer{labels: map[store.Ref]store.Label{
		{Kind: store.KindUser, ID: "u1"}:      {Name: "Nadia Petrova", Username: "nadia"},
		{Kind: store.KindGroup, ID: "g1"}:     {Name: "Desk"},
		{Kind: store.KindGroup, ID: "g2"}:     {Name: "Newsroom"},
		{Kind: store.KindTier, ID: "t1"}:      {Name: "Gold"},
		{Kind: store.KindWorkspace, ID: "w1"}: {Name: "News"},
	}}
	in := authz.Step{Subject: "workspace:w1", Relation: "workspace", Object: "record:r1"}
	for _, c := range []struct {
		name string
		path authz.Path
		want string
	}{
		{"a group chain to a workspace role", authz.Path{Via: "workspace_member", Steps: []authz.Step{
			st("user:u1", "member", "group:g1"), st("group:g1", "member", "group:g2"), st("group:g2", "viewer", "workspace:w1"), in}},
			"member of Desk → member of Newsroom → viewer of workspace News"},
		{"a tier grant", authz.Path{Via: "tier_grant", Steps: []authz.Step{
			st("user:u1", "editor", "tier:t1"), st("tier:t1", "tier", "workspace:w1"), in}},
			"editor of tier Gold → which includes workspace News"},
		{"an account role through a group", authz.Path{Via: "account_role", Steps: []authz.Step{
			st("user:u1", "member", "group:g1"), st("group:g1", "library_viewer", "account:a1"), st("account:a1", "account", "workspace:w1"), in}},
			"member of Desk → library viewer of the account"},
		{"an ACL entry for everyone", authz.Path{Via: "acl", Steps: []authz.Step{
			st("user:u1", "member", "everyone"), st("everyone", "acl_view", "record:r1")}},
			"everyone in the account → in the access list with view"},
		{"the creator of a collection", authz.Path{Via: "creator", Steps: []authz.Step{st("user:u1", "creator", "collection:c1")}},
			"created it"},
		{"the uploader of a held object", authz.Path{Via: "moderation_hold", Steps: []authz.Step{
			st("user:u1", "uploader (held for moderation: acl_edit)", "record:r1")}},
			"uploaded it, which is held for moderation"},
		{"an approver of a held object", authz.Path{Via: "moderation_hold", Steps: []authz.Step{
			st("user:u1", "member", "group:g1"), st("group:g1", "approver (held for moderation: acl_view)", "record:r1")}},
			"member of Desk → approves it while it is held for moderation"},
		{"a workspace the reader cannot see is not named", authz.Path{Via: "workspace_member", Steps: []authz.Step{
			st("user:u1", "viewer", "workspace:w9")}},
			"viewer of a workspace you cannot see"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := nm.path(c.path); got != c.want {
				t.Errorf("%q, want %q", got, c.want)
			}
		})
	}
}

func st(subject, relation, object string) authz.Step {
	return authz.Step{Subject: subject, Relation: relation, Object: object}
}
