package service

import (
	"atrium/internal/authz"
)

// Revisions as clients see them. The store's revision counts the writes of
// every account, so showing it would tell each tenant how busy the others
// are. Clients get instead, per account, an opaque token of the revision of
// their account's latest write that the engine has applied: it changes only
// when their own account changes, and reveals no count.

// noteAccounts records that the engine now reflects rev for accounts.
func (s *Service) noteAccounts(accounts map[string]bool, rev uint64) {
	s.revMu.Lock()
	defer s.revMu.Unlock()
	for a := range accounts {
		if rev > s.acctRev[a] {
			s.acctRev[a] = rev
		}
	}
}

// RevisionToken is the opaque revision of the actor's account: the engine
// reflects at least every write of the account up to it.
func (s *Service) RevisionToken(a Actor) string {
	s.revMu.Lock()
	rev := s.acctRev[a.AccountID]
	s.revMu.Unlock()
	return s.revTokens.Encode(rev)
}

// accountsDeleted returns the accounts of entities that ops delete, looked
// up before the engine applies them.
func accountsDeleted(e *authz.Engine, ops []authz.Op, into map[string]bool) {
	add := func(a string, ok bool) {
		if ok {
			into[a] = true
		}
	}
	for _, op := range ops {
		switch o := op.(type) {
		case authz.DeleteObject:
			add(e.AccountOf(o.Ref))
		case authz.DeleteGroup:
			add(e.AccountOf(authz.ObjectRef{Type: authz.Group, ID: o.ID}))
		case authz.DeleteTier:
			add(e.AccountOf(authz.ObjectRef{Type: authz.Tier, ID: o.ID}))
		case authz.DeleteWorkspace:
			add(e.AccountOf(authz.ObjectRef{Type: authz.Workspace, ID: o.ID}))
		case authz.DeleteUser:
			add(e.UserAccount(o.ID))
		}
	}
}

// accountsPut returns the accounts of entities that ops put, looked up
// after the engine applied them.
func accountsPut(e *authz.Engine, ops []authz.Op, into map[string]bool) {
	add := func(a string, ok bool) {
		if ok {
			into[a] = true
		}
	}
	for _, op := range ops {
		switch o := op.(type) {
		case authz.PutAccount:
			into[o.ID] = true
		case authz.PutUser:
			into[o.Account] = true
		case authz.PutGroup:
			into[o.Account] = true
		case authz.PutTier:
			into[o.Account] = true
		case authz.PutWorkspace:
			into[o.Account] = true
		case authz.PutRecord:
			add(e.AccountOf(authz.ObjectRef{Type: authz.Record, ID: o.ID}))
		case authz.PutMedia:
			add(e.AccountOf(authz.ObjectRef{Type: authz.Media, ID: o.ID}))
		case authz.PutCollection:
			add(e.AccountOf(authz.ObjectRef{Type: authz.Collection, ID: o.ID}))
		case authz.SetACL:
			add(e.AccountOf(o.Ref))
		}
	}
}
