package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/scenario"
	"atrium/internal/store"
)

// ImportStats counts what an import created.
type ImportStats struct {
	Accounts, Users, Groups, Tiers, Workspaces, Collections, Records, Media int
	Revision                                                                uint64
}

func (st ImportStats) String() string {
	return fmt.Sprintf("%d accounts, %d users, %d groups, %d tiers, %d workspaces, %d collections, %d records, %d media (revision %d)",
		st.Accounts, st.Users, st.Groups, st.Tiers, st.Workspaces, st.Collections, st.Records, st.Media, st.Revision)
}

// importer checks a scenario's references as it streams in: every
// reference must name an entity defined earlier (groups may name groups
// defined later) in the same account.
type importer struct {
	tx       store.Tx
	accounts map[string]bool
	users    map[string]string // id -> account
	groups   map[string]string
	tiers    map[string]string
	ws       map[string]string
	records  map[string]string // id -> workspace
	standard map[string]string // account -> its Standard group
	nested   []groupEdge
	stats    ImportStats
}

type groupEdge struct {
	parent, child string
}

// Import loads a scenario into the store (see ImportInto) and brings the
// engine up to date with it.
func (s *Service) Import(ctx context.Context, r io.Reader) (ImportStats, error) {
	stats, err := ImportInto(ctx, s.store, r)
	if err != nil {
		return stats, err
	}
	return stats, s.Sync(ctx)
}

// ImportInto loads a scenario (shared/spec/scenario-format.md) into a
// store in one transaction: all of it or, on the first error, nothing.
// Objects keep the scenario's ids; users get their id as username and no
// password (issue them API tokens); each account gets its built-in groups
// and default ACLs, which apply to objects created later, not to the
// imported ones. It needs no permission engine: engines on the store
// reload fully at their next sync.
func ImportInto(ctx context.Context, st store.Store, r io.Reader) (ImportStats, error) {
	var stats ImportStats
	rev, err := st.Update(ctx, func(tx store.Tx) error {
		tx.RequireReload()
		im := &importer{tx: tx, accounts: map[string]bool{}, users: map[string]string{}, groups: map[string]string{},
			tiers: map[string]string{}, ws: map[string]string{}, records: map[string]string{}, standard: map[string]string{}}
		rd := scenario.NewReader(r)
		for {
			e, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return invalidErr("scenario", err)
			}
			if err := im.add(ctx, e); err != nil {
				if se, ok := AsError(err); ok {
					se.Message = fmt.Sprintf("line %d: %s %s: %s", rd.Line(), e.Kind, e.ID, se.Message)
					return se
				}
				return fmt.Errorf("line %d: %s %s: %w", rd.Line(), e.Kind, e.ID, err)
			}
		}
		if err := im.finish(ctx); err != nil {
			return err
		}
		stats = im.stats
		return nil
	})
	stats.Revision = rev
	return stats, err
}

func bad(format string, args ...any) error { return invalid("scenario", format, args...) }

// sameAccount checks a subject reference.
func (im *importer) subject(ref, acct string) (authz.Subject, error) {
	s, err := authz.ParseSubject(ref)
	if err != nil {
		return s, bad("%v", err)
	}
	switch s.Kind {
	case authz.UserSubject:
		if a, ok := im.users[s.ID]; !ok || a != acct {
			return s, bad("%s is not a user of account %s defined earlier", ref, acct)
		}
	case authz.GroupSubject:
		if a, ok := im.groups[s.ID]; !ok || a != acct {
			return s, bad("%s is not a group of account %s defined earlier", ref, acct)
		}
	}
	return s, nil
}

func (im *importer) grants(gs []scenario.Grant, acct string) ([]domain.Grant, error) {
	out := make([]domain.Grant, 0, len(gs))
	seen := map[authz.Subject]bool{}
	for _, g := range gs {
		s, err := im.subject(g.Subject, acct)
		if err != nil {
			return nil, err
		}
		if seen[s] {
			return nil, bad("%s is granted twice", g.Subject)
		}
		seen[s] = true
		out = append(out, domain.Grant{Subject: s, Role: g.Role})
	}
	return out, nil
}

func (im *importer) acl(t authz.ObjectType, es []scenario.ACLEntry, acct string) ([]domain.ACLEntry, error) {
	out := make([]domain.ACLEntry, 0, len(es))
	for _, en := range es {
		s, err := im.subject(en.Subject, acct)
		if err != nil {
			return nil, err
		}
		out = append(out, domain.ACLEntry{Subject: s, Permissions: en.Permissions})
	}
	norm, err := domain.NormalizeACL(t, out)
	if err != nil {
		return nil, bad("%v", err)
	}
	return norm, nil
}

func (im *importer) exists(err error, what string) error {
	return unique(err, "%s already exists in the database (or clashes with an existing one)", what)
}

func (im *importer) add(ctx context.Context, e *scenario.Entity) error {
	tx := im.tx
	switch e.Kind {
	case "account":
		if err := tx.CreateAccount(ctx, domain.Account{ID: e.ID, Name: nonEmpty(e.Name, e.ID)}); err != nil {
			return im.exists(err, "the account")
		}
		im.accounts[e.ID] = true
		im.stats.Accounts++
		return SeedAccount(ctx, tx, e.ID)
	case "user":
		if !im.accounts[e.Account] {
			return bad("account %s is not defined earlier in the file", e.Account)
		}
		email, err := domain.NormalizeEmail(e.Email)
		if err != nil {
			return bad("%v", err)
		}
		username := strings.ToLower(e.ID)
		if err := domain.CheckUsername(username); err != nil {
			return bad("the id must also serve as username: %v", err)
		}
		roles, _ := authz.ParseRoles(e.AccountRoles)
		u := domain.User{ID: e.ID, AccountID: e.Account, Username: username, Email: email, DisplayName: nonEmpty(e.Name, e.ID),
			Status: domain.Status(e.Status), Roles: roles.Names(), Access: []string{domain.AppCapture, domain.AppConnect, domain.AppPortal}}
		if err := tx.CreateUser(ctx, u, ""); err != nil {
			return im.exists(err, "a user with this id, username or email")
		}
		im.users[e.ID] = e.Account
		im.stats.Users++
		std, ok := im.standard[e.Account]
		if !ok {
			var err error
			if std, err = tx.BuiltinGroupID(ctx, e.Account, domain.BuiltinStandard); err != nil {
				return err
			}
			im.standard[e.Account] = std
		}
		return tx.AddGroupMember(ctx, std, authz.User(e.ID))
	case "group":
		if !im.accounts[e.Account] {
			return bad("account %s is not defined earlier in the file", e.Account)
		}
		roles, _ := authz.ParseRoles(e.AccountRoles)
		g := domain.Group{ID: e.ID, AccountID: e.Account, Name: nonEmpty(e.Name, e.ID), Roles: roles.Names()}
		seen := map[string]bool{}
		for _, m := range e.GroupMembers {
			if seen[m] {
				return bad("member %s is listed twice", m)
			}
			seen[m] = true
			s, _ := authz.ParseSubject(m)
			if s.Kind == authz.GroupSubject {
				// May be defined later: checked in finish.
				im.nested = append(im.nested, groupEdge{parent: e.ID, child: s.ID})
				continue
			}
			if _, err := im.subject(m, e.Account); err != nil {
				return err
			}
			g.Members = append(g.Members, s)
		}
		if err := tx.CreateGroup(ctx, g); err != nil {
			return im.exists(err, "a group with this id or name")
		}
		im.groups[e.ID] = e.Account
		im.stats.Groups++
	case "tier":
		if !im.accounts[e.Account] {
			return bad("account %s is not defined earlier in the file", e.Account)
		}
		gs, err := im.grants(e.Grants, e.Account)
		if err != nil {
			return err
		}
		if err := tx.CreateTier(ctx, domain.Tier{ID: e.ID, AccountID: e.Account, Name: nonEmpty(e.Name, e.ID), Grants: gs}); err != nil {
			return im.exists(err, "a tier with this id or name")
		}
		im.tiers[e.ID] = e.Account
		im.stats.Tiers++
	case "workspace":
		if !im.accounts[e.Account] {
			return bad("account %s is not defined earlier in the file", e.Account)
		}
		if e.Tier != "" && im.tiers[e.Tier] != e.Account {
			return bad("tier %s is not a tier of account %s defined earlier", e.Tier, e.Account)
		}
		gs, err := im.grants(e.WorkspaceMembers, e.Account)
		if err != nil {
			return err
		}
		if err := tx.CreateWorkspace(ctx, domain.Workspace{ID: e.ID, AccountID: e.Account, Name: nonEmpty(e.Name, e.ID), TierID: e.Tier, Members: gs}); err != nil {
			return im.exists(err, "a workspace with this id or name")
		}
		im.ws[e.ID] = e.Account
		im.stats.Workspaces++
	case "collection":
		acct, ok := im.ws[e.Workspace]
		if !ok {
			return bad("workspace %s is not defined earlier", e.Workspace)
		}
		creator := ""
		if e.Creator != "" {
			s, err := im.subject(e.Creator, acct)
			if err != nil {
				return err
			}
			creator = s.ID
		}
		acl, err := im.acl(authz.Collection, e.ACL, acct)
		if err != nil {
			return err
		}
		if err := tx.CreateCollection(ctx, domain.Collection{ID: e.ID, WorkspaceID: e.Workspace, Name: nonEmpty(e.Name, e.ID), CreatorID: creator, ACL: acl}); err != nil {
			return im.exists(err, "a collection with this id")
		}
		im.stats.Collections++
	case "record":
		acct, ok := im.ws[e.Workspace]
		if !ok {
			return bad("workspace %s is not defined earlier", e.Workspace)
		}
		acl, err := im.acl(authz.Record, e.ACL, acct)
		if err != nil {
			return err
		}
		if err := tx.CreateRecord(ctx, domain.Record{ID: e.ID, WorkspaceID: e.Workspace, Title: nonEmpty(e.Title, e.ID), MediaType: e.MediaType, ACL: acl}); err != nil {
			return im.exists(err, "a record with this id")
		}
		im.records[e.ID] = e.Workspace
		im.stats.Records++
	case "media":
		ws, ok := im.records[e.Record]
		if !ok {
			return bad("record %s is not defined earlier", e.Record)
		}
		acl, err := im.acl(authz.Media, e.ACL, im.ws[ws])
		if err != nil {
			return err
		}
		if err := tx.CreateMedia(ctx, domain.Media{ID: e.ID, RecordID: e.Record, MediaType: e.MediaType, ACL: acl}); err != nil {
			return im.exists(err, "a media object with this id")
		}
		im.stats.Media++
	}
	return nil
}

// finish adds the nested group memberships once every group is known and
// rejects cycles.
func (im *importer) finish(ctx context.Context) error {
	children := map[string][]string{}
	for _, ed := range im.nested {
		if acct, ok := im.groups[ed.child]; !ok || acct != im.groups[ed.parent] {
			return bad("group %s: member group:%s is not a group of the same account in the file", ed.parent, ed.child)
		}
		children[ed.parent] = append(children[ed.parent], ed.child)
	}
	// Colour-marking DFS for cycles.
	state := map[string]int{}
	var visit func(g string, path []string) error
	visit = func(g string, path []string) error {
		switch state[g] {
		case 1:
			return bad("group nesting has a cycle: %s", strings.Join(append(path, g), " ∋ "))
		case 2:
			return nil
		}
		state[g] = 1
		for _, c := range children[g] {
			if err := visit(c, append(path, g)); err != nil {
				return err
			}
		}
		state[g] = 2
		return nil
	}
	for g := range children {
		if err := visit(g, nil); err != nil {
			return err
		}
	}
	for _, ed := range im.nested {
		if err := im.tx.AddGroupMember(ctx, ed.parent, authz.GroupOf(ed.child)); err != nil {
			return err
		}
	}
	return nil
}

func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}
