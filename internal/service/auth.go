package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/store"
)

// Prefixes of the secrets Atrium hands out, so that leaked ones are easy to
// recognise (secret scanners, logs).
const (
	TokenPrefix   = "atr_"
	SessionPrefix = "ats_"
	CSRFPrefix    = "atc_"
)

// Login is a sign-in attempt.
type Login struct {
	Login     string // username or email
	Password  string
	AccountID string // optional: narrows the login to one account
	// TOTPCode or RecoveryCode is the second factor of a user who has
	// one; without it (or with a wrong one) a right password gets
	// ErrMFARequired.
	TOTPCode     string
	RecoveryCode string
	IP           string
	UserAgent    string
}

// SignedIn is a new session: Secret goes into the cookie, CSRF into the
// X-CSRF-Token header of cookie-authenticated writes.
type SignedIn struct {
	Secret    string
	CSRF      string
	ExpiresAt time.Time
	User      domain.User
}

// SignIn checks a username or email and password and opens a session. Every
// failure is the same ErrUnauthenticated, and an unknown login costs the
// same password hash as a known one.
func (s *Service) SignIn(ctx context.Context, in Login) (SignedIn, error) {
	login := strings.TrimSpace(in.Login)
	if login == "" || in.Password == "" || len(login) > 254 || len(in.Password) > identity.MaxPasswordLen*4 {
		return SignedIn{}, ErrUnauthenticated
	}
	at, ok, err := s.reserve(ctx, login, in.IP)
	if err != nil {
		return SignedIn{}, err
	}
	if !ok {
		// Locked: the same answer, at the same cost, as a wrong password,
		// whether or not the login names anyone.
		identity.VerifyPassword(s.dummyHash, in.Password)
		return SignedIn{}, ErrUnauthenticated
	}
	creds, err := s.store.FindLogin(ctx, login)
	if err != nil {
		return SignedIn{}, err
	}
	var match *store.Credentials
	tried := false
	for i := range creds {
		c := &creds[i]
		if in.AccountID != "" && c.AccountID != in.AccountID || c.PasswordHash == "" {
			continue
		}
		tried = true
		ok, err := identity.VerifyPassword(c.PasswordHash, in.Password)
		if err != nil {
			s.log.Error("stored password hash unreadable", "user", c.UserID, "err", err)
			continue
		}
		if ok {
			if match != nil {
				// The same login and password in two accounts: ambiguous.
				return SignedIn{}, ErrUnauthenticated
			}
			match = c
		}
	}
	if !tried {
		identity.VerifyPassword(s.dummyHash, in.Password)
	}
	// A session is the sign-in of the web UI (the portal application) and
	// of upload clients (capture): a session of a user granted capture
	// only works on the capture application's routes.
	if match == nil || match.Status != domain.StatusActive || !s.canUseAny(match.UserID, authz.AppPortal|authz.AppCapture) {
		// The attempt is logged in the account of the user it names, when
		// it names exactly one; the caller learns nothing either way.
		ev := domain.AuditEvent{Type: AuditLogin, ClientIP: in.IP, Result: domain.AuditDenied,
			Detail: map[string]string{"login": truncate(login, 100), "reason": "wrong login or password"}}
		named := match
		if named == nil && len(creds) == 1 {
			named = &creds[0]
		}
		if named != nil && (in.AccountID == "" || named.AccountID == in.AccountID) {
			ev.Account, ev.Target = named.AccountID, "user:"+named.UserID
			if match != nil {
				ev.Detail["reason"] = "the user may not sign in (status " + string(match.Status) + ", or neither portal nor capture access)"
			}
		}
		s.auditAlone(ctx, ev)
		s.failed(ctx, at, ev)
		return SignedIn{}, ErrUnauthenticated
	}
	// The geography rule is the account's, so it applies only once the
	// password has named a user, and before the second factor (whose
	// mfa_required would tell the password was right). A refused
	// location gets the very answer of a wrong password, and counts as a
	// failure like one: a distinct answer would confirm to whoever holds
	// a stolen password that it is right and only their location is in
	// the way, and a different answer for known users would tell which
	// logins exist. The user learns why from an administrator, whose
	// audit log records the refusal with the country.
	allowed, where, err := s.located(ctx, match.AccountID, in.IP)
	if err != nil {
		return SignedIn{}, err
	}
	if !allowed {
		ev := domain.AuditEvent{Account: match.AccountID, Type: AuditLogin, Target: "user:" + match.UserID, ClientIP: in.IP, Result: domain.AuditDenied,
			Detail: map[string]string{"login": truncate(login, 100), "reason": "the account's geography rule refuses the location", "country": where}}
		s.log.Info("sign-in refused by the geography rule", "account", match.AccountID, "country", where)
		s.auditAlone(ctx, ev)
		s.failed(ctx, at, ev)
		return SignedIn{}, ErrUnauthenticated
	}
	method, err := s.secondFactor(ctx, at, match, in)
	if err != nil {
		return SignedIn{}, err
	}
	s.succeeded(ctx, at)
	secret, hash := identity.NewSecret(SessionPrefix)
	csrf, csrfHash := identity.NewSecret(CSRFPrefix)
	sess := store.Session{IDHash: hash, UserID: match.UserID, CSRFHash: csrfHash, ExpiresAt: time.Now().Add(s.ttl), IP: in.IP, UserAgent: truncate(in.UserAgent, 300)}
	ev := domain.AuditEvent{Account: match.AccountID, Actor: match.UserID, Type: AuditLogin, Target: "user:" + match.UserID, ClientIP: in.IP, Result: domain.AuditOK}
	if method != "" || where != unknownCountry {
		ev.Detail = map[string]string{}
		if method != "" {
			ev.Detail["mfa"] = method
		}
		if where != unknownCountry {
			ev.Detail["country"] = where
		}
	}
	if _, err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		return tx.Audit(ctx, ev)
	}); err != nil {
		return SignedIn{}, err
	}
	u, err := s.store.GetUser(ctx, match.UserID)
	if err != nil {
		return SignedIn{}, err
	}
	s.log.Info("signed in", "user", u.ID, "account", u.AccountID, "ip", in.IP)
	return SignedIn{Secret: secret, CSRF: csrf, ExpiresAt: sess.ExpiresAt, User: u}, nil
}

// secondFactor checks the second factor of a sign-in whose password was
// right, if the user has one, and returns the method used ("" without
// one). A missing code is not a failure (the client asks for it next); a
// wrong or replayed one counts toward the throttle like a wrong password.
// Both get ErrMFARequired, and nothing else tells them apart.
func (s *Service) secondFactor(ctx context.Context, at attempt, match *store.Credentials, in Login) (string, error) {
	t, on, err := s.enabledTOTP(ctx, match.UserID)
	if err != nil || !on {
		return "", err
	}
	ev := domain.AuditEvent{Account: match.AccountID, Type: AuditLogin, Target: "user:" + match.UserID, ClientIP: in.IP, Result: domain.AuditDenied,
		Detail: map[string]string{"login": truncate(in.Login, 100), "reason": "second factor missing"}}
	if in.TOTPCode == "" && in.RecoveryCode == "" {
		if err := s.store.ForgiveLoginAttempt(ctx, at.id, nil); err != nil {
			s.log.Error("sign-in attempt not taken back", "err", err)
		}
		s.auditAlone(ctx, ev)
		return "", ErrMFARequired
	}
	method, err := s.useFactor(ctx, t, in.TOTPCode, in.RecoveryCode)
	if errors.Is(err, errInvalidCode) {
		ev.Detail["reason"] = "wrong, used or expired second factor"
		s.auditAlone(ctx, ev)
		s.failed(ctx, at, ev)
		return "", ErrMFARequired
	}
	return method, err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// canUseAny reports whether a user is active and may use one of apps.
func (s *Service) canUseAny(userID string, apps authz.Apps) bool {
	e := s.Engine()
	for _, app := range []authz.Apps{authz.AppPortal, authz.AppCapture, authz.AppConnect} {
		if apps&app != 0 && e.UserCanUse(userID, app) {
			return true
		}
	}
	return false
}

// ErrApplicationNotAllowed refuses a valid credential of a user granted
// the capture application on a route of an application they may not use:
// they may use the capture routes only (see CaptureRecord).
var ErrApplicationNotAllowed = &Error{Kind: KindForbidden, Code: "application_not_allowed",
	Message: "your application access does not cover this request: with the capture application, use its routes (/api/v1/me/capture-profiles, /api/v1/capture/{profile}/...)"}

// actorFor builds the actor of an active user allowed to use one of apps.
// A user who may not, but may use capture, is refused as such rather
// than as unauthenticated: the credential is good, for other routes.
func (s *Service) actorFor(userID string, apps authz.Apps) (Actor, error) {
	e := s.Engine()
	acct, ok := e.UserAccount(userID)
	if !ok || !s.canUseAny(userID, apps) {
		if ok && e.UserCanUse(userID, authz.AppCapture) {
			return Actor{}, ErrApplicationNotAllowed
		}
		return Actor{}, ErrUnauthenticated
	}
	return Actor{UserID: userID, AccountID: acct}, nil
}

// AuthenticateSession returns the actor of a session cookie and the hash of
// its CSRF token. The session's user must be allowed the portal
// application.
func (s *Service) AuthenticateSession(ctx context.Context, secret string) (Actor, string, error) {
	return s.AuthenticateSessionFor(ctx, secret, authz.AppPortal)
}

// AuthenticateSessionFor is AuthenticateSession for a route of any of the
// applications apps (the capture routes take portal and capture).
func (s *Service) AuthenticateSessionFor(ctx context.Context, secret string, apps authz.Apps) (Actor, string, error) {
	if !strings.HasPrefix(secret, SessionPrefix) || len(secret) > 100 {
		return Actor{}, "", ErrUnauthenticated
	}
	hash := identity.HashSecret(secret)
	sess, ok := s.creds.session(hash)
	if !ok {
		rev := s.Revision()
		got, err := s.store.GetSession(ctx, hash)
		if errors.Is(err, store.ErrNotFound) {
			return Actor{}, "", ErrUnauthenticated
		}
		if err != nil {
			return Actor{}, "", err
		}
		sess = cachedSession{userID: got.UserID, csrfHash: got.CSRFHash, expires: got.ExpiresAt}
		s.creds.putSession(hash, sess, rev, s.Revision)
	}
	if time.Now().After(sess.expires) {
		return Actor{}, "", ErrUnauthenticated
	}
	a, err := s.actorFor(sess.userID, apps&(authz.AppPortal|authz.AppCapture))
	a.SessionHash = hash
	return a, sess.csrfHash, err
}

// SignOut ends the actor's session.
func (s *Service) SignOut(ctx context.Context, a Actor) error {
	if a.SessionHash == "" {
		return nil
	}
	_, err := s.auditedUpdate(ctx, a.event(AuditLogout, "user:"+a.UserID), func(tx store.Tx, _ *domain.AuditEvent) error {
		return tx.DeleteSession(ctx, a.SessionHash)
	})
	return err
}

// AuthenticateToken returns the actor of an API token. The token's user
// must be allowed the connect application.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (Actor, error) {
	return s.AuthenticateTokenFor(ctx, secret, authz.AppConnect)
}

// AuthenticateTokenFor is AuthenticateToken for a route of any of the
// applications apps (the capture routes take connect and capture).
func (s *Service) AuthenticateTokenFor(ctx context.Context, secret string, apps authz.Apps) (Actor, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return Actor{}, ErrUnauthenticated
	}
	hash := identity.HashSecret(secret)
	tok, ok := s.creds.token(hash)
	if !ok {
		rev := s.Revision()
		got, err := s.store.GetTokenByHash(ctx, hash)
		if errors.Is(err, store.ErrNotFound) || err == nil && got.RevokedAt != nil {
			return Actor{}, ErrUnauthenticated
		}
		if err != nil {
			return Actor{}, err
		}
		tok = cachedToken{id: got.ID, userID: got.UserID, scopes: got.Scopes}
		if got.ExpiresAt != nil {
			tok.expires = *got.ExpiresAt
		}
		s.creds.putToken(hash, tok, rev, s.Revision)
	}
	if !tok.expires.IsZero() && time.Now().After(tok.expires) {
		return Actor{}, ErrUnauthenticated
	}
	// API tokens are the connect application's credentials, and the
	// capture application's on its routes.
	a, err := s.actorFor(tok.userID, apps&(authz.AppConnect|authz.AppCapture))
	a.TokenID, a.Scopes = tok.id, tok.scopes
	return a, err
}

// NewToken is a created token; Secret is shown this once.
type NewToken struct {
	store.Token
	Secret string `json:"token"`
}

// CreateToken creates a personal API token for the actor with the given
// scopes (nil: every scope the actor may give it). A token can only create
// tokens within its own scopes.
func (s *Service) CreateToken(ctx context.Context, a Actor, name string, ttl time.Duration, scopes []string) (NewToken, error) {
	if err := s.member(a); err != nil {
		return NewToken{}, err
	}
	return s.issueToken(ctx, a, a.UserID, name, ttl, scopes)
}

// IssueToken creates an API token with every scope for an active user
// (operator action, CLI; the API's CreateToken is the user's own).
func (s *Service) IssueToken(ctx context.Context, userID, name string, ttl time.Duration) (NewToken, error) {
	return s.IssueScopedToken(ctx, userID, name, ttl, nil)
}

// IssueScopedToken is IssueToken with the given scopes (nil: all).
func (s *Service) IssueScopedToken(ctx context.Context, userID, name string, ttl time.Duration, scopes []string) (NewToken, error) {
	acct, _ := s.Engine().UserAccount(userID)
	// The operator acts outside any account: the event has no actor.
	return s.issueToken(ctx, Actor{AccountID: acct, IP: "local"}, userID, name, ttl, scopes)
}

func (s *Service) issueToken(ctx context.Context, a Actor, userID, name string, ttl time.Duration, scopes []string) (NewToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "token"
	}
	if err := domain.CheckName("name", name, true, 100); err != nil {
		return NewToken{}, invalidErr("name", err)
	}
	if ttl < 0 {
		return NewToken{}, invalid("expires_in", "expiry must be in the future")
	}
	if authz.ValidID(userID) != nil || !s.Engine().UserActive(userID) {
		return NewToken{}, notFound("active user")
	}
	// A token of a user granted capture but not connect works on the
	// capture routes only: what an upload client needs.
	if !s.canUseAny(userID, authz.AppConnect|authz.AppCapture) {
		return NewToken{}, forbidden("the user may not use the API: grant them the connect application (or capture, for a token of the capture routes) first")
	}
	scopes, err := tokenScopes(a, scopes)
	if err != nil {
		return NewToken{}, err
	}
	secret, hash := identity.NewSecret(TokenPrefix)
	tok := store.Token{ID: domain.NewID("tok"), UserID: userID, Name: name, Hash: hash, Scopes: scopes}
	if ttl > 0 {
		exp := time.Now().Add(ttl).UTC().Truncate(time.Microsecond)
		tok.ExpiresAt = &exp
	}
	ev := a.event(AuditTokenCreate, "token:"+tok.ID)
	ev.Detail = map[string]string{"name": name, "user": userID, "scopes": strings.Join(scopes, " ")}
	_, err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateToken(ctx, tok); err != nil {
			return err
		}
		return tx.Audit(ctx, ev)
	})
	if err != nil {
		return NewToken{}, err
	}
	got, err := s.store.GetToken(ctx, tok.ID)
	return NewToken{Token: got, Secret: secret}, err
}

// ListTokens lists the actor's tokens (never their secrets).
func (s *Service) ListTokens(ctx context.Context, a Actor) ([]store.Token, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx, a.UserID)
}

// RevokeToken revokes one of the actor's tokens, or with
// manage_api_tokens any token of the account.
func (s *Service) RevokeToken(ctx context.Context, a Actor, id string) error {
	if err := s.member(a); err != nil {
		return err
	}
	if authz.ValidID(id) != nil {
		return notFound("token")
	}
	_, err := s.auditedUpdate(ctx, a.event(AuditTokenRevoke, "token:"+id), func(tx store.Tx, ev *domain.AuditEvent) error {
		tok, err := tx.GetToken(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("token")
		}
		if err != nil {
			return err
		}
		if tok.UserID != a.UserID {
			owner, err := tx.GetUser(ctx, tok.UserID)
			if err != nil || owner.AccountID != a.AccountID || !s.can(a, authz.ManageAPITokens) {
				return notFound("token")
			}
		}
		if tok.RevokedAt != nil {
			return nil
		}
		return tx.RevokeToken(ctx, id)
	})
	return err
}

// Me returns the actor's own user with its effective built-in and custom
// roles and the account permissions they give.
func (s *Service) Me(ctx context.Context, a Actor) (MeInfo, error) {
	if err := s.member(a); err != nil {
		return MeInfo{}, err
	}
	u, err := s.store.GetUser(ctx, a.UserID)
	if err != nil {
		return MeInfo{}, err
	}
	e := s.Engine()
	custom, err := customRoleRefs(ctx, s.store, a.AccountID, e.EffectiveCustomRoles(a.UserID))
	if err != nil {
		return MeInfo{}, err
	}
	return MeInfo{User: u, EffectiveRoles: e.EffectiveRoles(a.UserID).Names(), CustomRoles: custom,
		Permissions: e.EffectivePermissions(a.UserID).Names()}, nil
}
