package service

import (
	"slices"

	"atrium/internal/authz"
)

// API token scopes. A scope never grants anything: it narrows what a token
// may do to a part of what its user may do. The scopes are independent:
// read covers safe requests, write content changes, admin what needs an
// account permission (users, groups, tiers, settings, audit, others'
// tokens) and the user's own credentials (password, second factor).
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
	ScopeAdmin = "admin"
)

// Scopes lists every scope, in order.
var Scopes = []string{ScopeRead, ScopeWrite, ScopeAdmin}

// HasScope reports whether the actor's credentials allow scope. Sessions
// (the web UI) are not scoped.
func (a Actor) HasScope(scope string) bool {
	if a.TokenID == "" {
		return true
	}
	return slices.Contains(a.Scopes, scope)
}

// ErrInsufficientScope is a request its token's scopes do not allow.
func ErrInsufficientScope(scope string) *Error {
	return &Error{Kind: KindForbidden, Code: "insufficient_scope", Message: "this request needs an API token with the " + scope + " scope"}
}

// userScopes are the scopes useful to a user: admin only to one who holds
// an account permission.
func (s *Service) userScopes(userID string) []string {
	if len(authz.AccountPermissionsOf(s.Engine().EffectiveRoles(userID))) == 0 {
		return []string{ScopeRead, ScopeWrite}
	}
	return slices.Clone(Scopes)
}

// tokenScopes checks the scopes asked for a new token of userID, created
// by a (whose own token, if it uses one, bounds them); nil asks for every
// scope allowed. The result is in the order of Scopes.
func (s *Service) tokenScopes(a Actor, userID string, asked []string) ([]string, error) {
	allowed := s.userScopes(userID)
	if a.TokenID != "" {
		allowed = slices.DeleteFunc(allowed, func(sc string) bool { return !slices.Contains(a.Scopes, sc) })
	}
	if asked == nil {
		if len(allowed) == 0 {
			return nil, invalid("scopes", "no scope is left to give a new token")
		}
		return allowed, nil
	}
	if len(asked) == 0 {
		return nil, invalid("scopes", "a token needs at least one scope (read, write, admin)")
	}
	var out []string
	for _, sc := range Scopes {
		if !slices.Contains(asked, sc) {
			continue
		}
		if !slices.Contains(allowed, sc) {
			if a.TokenID != "" && slices.Contains(s.userScopes(userID), sc) {
				return nil, ErrInsufficientScope(sc)
			}
			return nil, invalid("scopes", "the %s scope would give this user nothing: it needs an account permission", sc)
		}
		out = append(out, sc)
	}
	for _, sc := range asked {
		if !slices.Contains(Scopes, sc) {
			return nil, invalid("scopes", "unknown scope %q: use read, write or admin", truncate(sc, 20))
		}
	}
	return out, nil
}
