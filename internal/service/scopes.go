package service

import "slices"

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

// tokenScopes checks the scopes asked for a new token, created by a
// (whose own token, if it uses one, bounds them); nil asks for every scope
// a may give. The result is in the order of Scopes. Every user may hold
// every scope: the admin scope is worth only the account permissions its
// user holds, and it also covers the user's own credentials.
func tokenScopes(a Actor, asked []string) ([]string, error) {
	allowed := slices.DeleteFunc(slices.Clone(Scopes), func(sc string) bool { return !a.HasScope(sc) })
	if asked == nil {
		return allowed, nil
	}
	if len(asked) == 0 {
		return nil, invalid("scopes", "a token needs at least one scope (read, write, admin)")
	}
	for _, sc := range asked {
		if !slices.Contains(Scopes, sc) {
			return nil, invalid("scopes", "unknown scope %q: use read, write or admin", truncate(sc, 20))
		}
	}
	var out []string
	for _, sc := range Scopes {
		if !slices.Contains(asked, sc) {
			continue
		}
		if !slices.Contains(allowed, sc) {
			// A token cannot mint a token with more power than its own.
			return nil, ErrInsufficientScope(sc)
		}
		out = append(out, sc)
	}
	return out, nil
}
