package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/mail"
	"atrium/internal/store"
)

// InvitePrefix marks invitation secrets.
const InvitePrefix = "ati_"

// Invitation lifetimes: the default and the longest an admin may give.
const (
	InviteTTL     = 7 * 24 * time.Hour
	MaxInviteDays = 30
)

// Refusals of a sign-up that reveal only the account's rules, which are
// public.
var (
	ErrSignupClosed       = &Error{Kind: KindForbidden, Code: "signup_closed", Message: "this account does not accept sign-ups; ask an administrator for an invitation"}
	ErrDomainNotAllowed   = &Error{Kind: KindForbidden, Code: "email_domain_not_allowed", Field: "email", Message: "this account accepts sign-ups from some email domains only, and not this one"}
	errPasswordIsRequired = invalid("password", "password is required")
)

// fieldInvalid turns a domain.FieldError into a validation error naming
// its field; other errors name fallback.
func fieldInvalid(err error, fallback string) error {
	var fe *domain.FieldError
	if errors.As(err, &fe) {
		return invalid(fe.Field, "%s", fe.Message)
	}
	return invalidErr(fallback, err)
}

// signupRules reads an account's rules; an account that never set any is
// closed.
func signupRules(ctx context.Context, r store.Reader, accountID string) (domain.SignupRules, error) {
	rules, err := r.GetSignupRules(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.DefaultSignupRules(), nil
	}
	return rules, err
}

// GetSignupRules returns the actor's account's sign-up rules
// (manage_settings).
func (s *Service) GetSignupRules(ctx context.Context, a Actor) (domain.SignupRules, error) {
	if err := s.member(a); err != nil {
		return domain.SignupRules{}, err
	}
	if err := s.require(a, authz.ManageSettings); err != nil {
		return domain.SignupRules{}, err
	}
	return signupRules(ctx, s.store, a.AccountID)
}

// SetSignupRules replaces the actor's account's sign-up rules
// (manage_settings).
func (s *Service) SetSignupRules(ctx context.Context, a Actor, in domain.SignupRules) (domain.SignupRules, error) {
	if err := s.member(a); err != nil {
		return domain.SignupRules{}, err
	}
	ev := a.event(AuditSignupRules, "account:"+a.AccountID)
	if err := s.require(a, authz.ManageSettings); err != nil {
		return domain.SignupRules{}, s.refused(ctx, ev, err)
	}
	rules, err := domain.NormalizeSignupRules(in)
	if err != nil {
		return domain.SignupRules{}, s.refused(ctx, ev, fieldInvalid(err, "rules"))
	}
	names := make([]string, len(rules.Fields))
	for i, f := range rules.Fields {
		names[i] = f.Name + ":" + f.Type
	}
	ev.Detail = map[string]string{"mode": rules.Mode, "approval_required": strconv.FormatBool(rules.ApprovalRequired),
		"domains": truncate(strings.Join(rules.Domains, ","), 2000), "fields": truncate(strings.Join(names, ","), 2000)}
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, _ *domain.AuditEvent) error {
		return storeErr(tx.SetSignupRules(ctx, a.AccountID, rules), "account")
	})
	return rules, err
}

// PublicSignupRules returns what a registration form needs to know of an
// account: its rules. An unknown account looks closed.
func (s *Service) PublicSignupRules(ctx context.Context, accountID string) (domain.SignupRules, error) {
	if authz.ValidID(accountID) != nil {
		return domain.DefaultSignupRules(), nil
	}
	if _, err := s.store.GetAccount(ctx, accountID); errors.Is(err, store.ErrNotFound) {
		return domain.DefaultSignupRules(), nil
	} else if err != nil {
		return domain.SignupRules{}, err
	}
	return signupRules(ctx, s.store, accountID)
}

// SignupInput is a self-registration.
type SignupInput struct {
	AccountID   string
	Username    string
	Email       string
	DisplayName string
	Password    string
	Fields      map[string]any // values as decoded from JSON
	IP          string
}

// SignUp registers a pending user in an account whose rules allow it and
// mails them a verification token. Input is checked at once (a closed
// account, a domain not allowed and invalid fields are refused); what
// happens next runs after the call returns and never shows in its
// answer: a new user is created, the owner of an email already registered
// is told by mail that someone tried again, a banned email is ignored,
// and a username already taken is reported by mail to the address given.
//
// Sign-ups are rate-limited per client address and per email (see
// RateLimit), before anything else is looked at.
func (s *Service) SignUp(ctx context.Context, in SignupInput) error {
	if _, err := s.admit(ctx, publicRequest{action: RateSignup, ip: in.IP, target: in.Email, attribute: s.attributeAccount(in.AccountID)}); err != nil {
		return err
	}
	ev := domain.AuditEvent{Type: AuditSignup, ClientIP: in.IP, Result: domain.AuditOK,
		Detail: map[string]string{"username": truncate(in.Username, 100), "email": truncate(in.Email, 254)}}
	refuse := func(err error) error {
		if ev.Account == "" {
			return err // nobody's log: the account does not exist
		}
		return s.refused(ctx, ev, err)
	}
	rules := domain.DefaultSignupRules()
	if authz.ValidID(in.AccountID) == nil {
		_, err := s.store.GetAccount(ctx, in.AccountID)
		switch {
		case err == nil:
			ev.Account = in.AccountID
			if rules, err = signupRules(ctx, s.store, in.AccountID); err != nil {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	if rules.Mode == domain.SignupClosed {
		return refuse(ErrSignupClosed)
	}
	// Only an account open to sign-ups gets this far, and such an
	// account's existence is public (GET /auth/signup): refusing the
	// location openly tells nothing more, and nothing of who is
	// registered, since no user has been looked up yet.
	allowed, where, err := s.located(ctx, in.AccountID, in.IP)
	if err != nil {
		return err
	}
	if !allowed || where != unknownCountry {
		ev.Detail["country"] = where
	}
	if !allowed {
		return refuse(ErrLocationNotAllowed)
	}
	if in.Password == "" {
		return refuse(errPasswordIsRequired)
	}
	u, hash, err := s.prepareUser(in.AccountID, UserInput{Username: in.Username, Email: in.Email, DisplayName: in.DisplayName,
		Password: in.Password, Status: string(domain.StatusPending)})
	if err != nil {
		return refuse(err)
	}
	if rules.Mode == domain.SignupDomain && !rules.DomainAllowed(u.Email) {
		return refuse(ErrDomainNotAllowed)
	}
	if u.Fields, err = domain.CheckRegistration(rules.Fields, in.Fields); err != nil {
		return refuse(fieldInvalid(err, "fields"))
	}
	s.background(ctx, func(ctx context.Context) {
		if err := s.register(ctx, u, hash, ev); err != nil {
			s.log.Error("sign-up failed", "account", u.AccountID, "err", err)
		}
	})
	return nil
}

// attributeAccount puts a refused sign-up into the log of the account it
// names, if there is one.
func (s *Service) attributeAccount(accountID string) func(ctx context.Context, ev *domain.AuditEvent) {
	return func(ctx context.Context, ev *domain.AuditEvent) {
		if authz.ValidID(accountID) != nil {
			return
		}
		if _, err := s.store.GetAccount(ctx, accountID); err == nil {
			ev.Account = accountID
		}
	}
}

// register does the part of a sign-up that depends on who exists.
func (s *Service) register(ctx context.Context, u domain.User, hash string, ev domain.AuditEvent) error {
	existing, err := s.userByEmail(ctx, u.AccountID, u.Email)
	if err != nil {
		return err
	}
	if existing != nil {
		ev.Result, ev.Target = domain.AuditDenied, "user:"+existing.ID
		if existing.Status == domain.StatusBanned {
			ev.Detail["reason"] = "the email belongs to a banned user"
			s.auditAlone(ctx, ev)
			return nil
		}
		ev.Detail["reason"] = "the email belongs to an existing user, who was told by mail"
		s.auditAlone(ctx, ev)
		_ = s.send(ctx, mail.Message{To: existing.Email, Subject: "Someone tried to register with your email address", Body: fmt.Sprintf(
			"Someone, perhaps you, tried to register a new Atrium user with the email address %s.\n\n"+
				"You have a user with this address already: %s. If you forgot its password, ask for a reset:\n\n"+
				"    POST /api/v1/auth/password-reset\n    {\"login\": \"%s\"}\n\n"+
				"If it was not you, ignore this mail: nothing changed.\n",
			existing.Email, existing.Username, existing.Username)})
		return nil
	}
	var secret string
	ev.Target = "user:" + u.ID
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := s.insertUser(ctx, tx, u, hash); err != nil {
			return err
		}
		var err error
		secret, err = issueUserToken(ctx, tx, u.ID, store.PurposeVerifyEmail, VerifyPrefix, VerifyTTL)
		return err
	})
	if e, ok := AsError(err); ok && e.Code == "already_exists" {
		// The email was free a moment ago, so the username is taken.
		_ = s.send(ctx, mail.Message{To: u.Email, Subject: "Your Atrium registration did not go through", Body: fmt.Sprintf(
			"Someone, hopefully you, tried to register the Atrium user %s with this email address.\n\n"+
				"That username is not available: please register again with another one.\n",
			u.Username)})
		return nil
	}
	if err != nil {
		return err
	}
	return s.send(ctx, verificationMail(u, secret))
}

// userByEmail returns the user of an account with this email (compared
// case-insensitively), or nil.
func (s *Service) userByEmail(ctx context.Context, accountID, email string) (*domain.User, error) {
	creds, err := s.store.FindLogin(ctx, email)
	if err != nil {
		return nil, err
	}
	for _, c := range creds {
		if c.AccountID != accountID {
			continue
		}
		u, err := s.store.GetUser(ctx, c.UserID)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(u.Email, email) {
			return &u, nil
		}
	}
	return nil, nil
}

// verificationMail is the mail carrying a verification token.
func verificationMail(u domain.User, secret string) mail.Message {
	return mail.Message{To: u.Email, Subject: "Confirm your email address for Atrium", Body: fmt.Sprintf(
		"Please confirm that %s is the email address of the Atrium user %s.\n\n"+
			"Your verification token, valid for %s and usable once:\n\n    %s\n\n"+
			"Confirm with:\n\n    POST /api/v1/auth/verify-email\n    {\"token\": \"%s\"}\n",
		u.Email, u.Username, VerifyTTL, secret, secret)}
}

// InvitationInput describes an invitation.
type InvitationInput struct {
	Email         string
	Roles         []string
	Groups        []string
	ExpiresInDays int // 0: InviteTTL
}

// CreateInvitation invites an email address to join the actor's account
// with roles (as checkRoleGrant allows the actor to give) and groups of
// the account (manage_users), and mails the invitation's secret. The
// secret is not returned: only the mail carries it.
func (s *Service) CreateInvitation(ctx context.Context, a Actor, in InvitationInput) (store.Invitation, error) {
	if err := s.member(a); err != nil {
		return store.Invitation{}, err
	}
	ev := a.event(AuditInvitationCreate, "")
	ev.Detail = map[string]string{"email": truncate(in.Email, 254)}
	if err := s.require(a, authz.ManageUsers); err != nil {
		return store.Invitation{}, s.refused(ctx, ev, err)
	}
	email, err := domain.NormalizeEmail(strings.TrimSpace(in.Email))
	if err != nil {
		return store.Invitation{}, s.refused(ctx, ev, invalidErr("email", err))
	}
	roles, err := authz.ParseRoles(in.Roles)
	if err != nil {
		return store.Invitation{}, s.refused(ctx, ev, invalidErr("roles", err))
	}
	if err := s.checkRoleGrant(a, roleGrant{newRoles: roles}); err != nil {
		return store.Invitation{}, s.refused(ctx, ev, err)
	}
	if in.ExpiresInDays < 0 || in.ExpiresInDays > MaxInviteDays {
		return store.Invitation{}, s.refused(ctx, ev, invalid("expires_in_days", "expires_in_days must be from 1 to %d (0: 7 days)", MaxInviteDays))
	}
	ttl := InviteTTL
	if in.ExpiresInDays > 0 {
		ttl = time.Duration(in.ExpiresInDays) * 24 * time.Hour
	}
	groups := slices.Compact(slices.Sorted(slices.Values(in.Groups)))
	if groups == nil {
		groups = []string{}
	}
	if len(groups) > 100 {
		return store.Invitation{}, s.refused(ctx, ev, invalid("groups", "at most 100 groups"))
	}
	secret, hash := identity.NewSecret(InvitePrefix)
	inv := store.Invitation{ID: domain.NewID("inv"), AccountID: a.AccountID, Email: email, Roles: roles.Names(), Groups: groups, Hash: hash, CreatedBy: a.UserID}
	ev.Target = "invitation:" + inv.ID
	ev.Detail = map[string]string{"email": email, "roles": strings.Join(inv.Roles, ","), "groups": strings.Join(groups, ",")}
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, _ *domain.AuditEvent) error {
		for _, id := range groups {
			g, err := tx.GetGroup(ctx, id)
			if authz.ValidID(id) != nil || errors.Is(err, store.ErrNotFound) || err == nil && g.AccountID != a.AccountID {
				return invalid("groups", "no group %s in the account", truncate(id, 100))
			}
			if err != nil {
				return err
			}
			// Accepting joins the group, and gives its roles.
			if err := s.checkJoin(ctx, tx, a, id); err != nil {
				return err
			}
		}
		creds, err := tx.FindLogin(ctx, email)
		if err != nil {
			return err
		}
		for _, c := range creds {
			if c.AccountID == a.AccountID {
				return conflict("already_exists", "a user of the account has this email already")
			}
		}
		inv.CreatedAt = tx.Now()
		inv.ExpiresAt = tx.Now().Add(ttl)
		return tx.CreateInvitation(ctx, inv)
	})
	if err != nil {
		return store.Invitation{}, err
	}
	acct, err := s.store.GetAccount(ctx, a.AccountID)
	if err != nil {
		return store.Invitation{}, err
	}
	if err := s.send(ctx, mail.Message{To: email, Subject: "You are invited to " + acct.Name + " on Atrium", Body: fmt.Sprintf(
		"You are invited to join %s on Atrium as %s.\n\n"+
			"Your invitation token, valid until %s and usable once:\n\n    %s\n\n"+
			"Accept it by choosing a username and password, in a browser on this Atrium server's page\n\n"+
			"    /ui/invitations/accept?token=%s\n\n"+
			"or with the API:\n\n"+
			"    POST /api/v1/auth/accept-invitation\n    {\"token\": \"%s\", \"username\": \"...\", \"password\": \"...\"}\n",
		acct.Name, email, inv.ExpiresAt.Format(time.RFC1123), secret, secret, secret)}); err != nil {
		return store.Invitation{}, err
	}
	return inv, nil
}

// ListInvitations lists the actor's account's pending invitations, never
// their secrets (manage_users).
func (s *Service) ListInvitations(ctx context.Context, a Actor) ([]store.Invitation, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if err := s.require(a, authz.ManageUsers); err != nil {
		return nil, err
	}
	return s.store.ListInvitations(ctx, a.AccountID, time.Now())
}

// RevokeInvitation ends an invitation of the actor's account not yet
// accepted (manage_users). Invitations of other accounts do not exist for
// the actor.
func (s *Service) RevokeInvitation(ctx context.Context, a Actor, id string) error {
	if err := s.member(a); err != nil {
		return err
	}
	ev := a.event(AuditInvitationRevoke, "invitation:"+id)
	if err := s.require(a, authz.ManageUsers); err != nil {
		return s.refused(ctx, ev, err)
	}
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		if authz.ValidID(id) != nil {
			return notFound("invitation")
		}
		inv, err := tx.GetInvitation(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && inv.AccountID != a.AccountID {
			return notFound("invitation")
		}
		if err != nil {
			return err
		}
		if inv.AcceptedAt != nil || inv.RevokedAt != nil {
			return conflict("invitation_closed", "the invitation was accepted or revoked already")
		}
		ev.Detail = map[string]string{"email": inv.Email}
		return tx.RevokeInvitation(ctx, id)
	})
	return err
}

// AcceptInput accepts an invitation.
type AcceptInput struct {
	Token       string
	Username    string
	DisplayName string
	Password    string
	Fields      map[string]any
	IP          string
}

// invitationRefusal says why an invitation cannot be accepted at now, or
// "" if it can.
func invitationRefusal(inv store.Invitation, now time.Time) string {
	switch {
	case inv.AcceptedAt != nil:
		return "accepted already"
	case inv.RevokedAt != nil:
		return "revoked"
	case !now.Before(inv.ExpiresAt):
		return "expired"
	}
	return ""
}

// AcceptInvitation creates, with an invitation's token, an active user
// with the invited email (verified), roles and groups, within the plan's
// user limit; the invitation is used up. Every refusal of the token is
// ErrInvalidToken; the account's registration fields apply as in SignUp.
//
// Accepting is rate-limited per client address (see RateLimit); only
// refused attempts count.
func (s *Service) AcceptInvitation(ctx context.Context, in AcceptInput) (domain.User, error) {
	at, err := s.admit(ctx, publicRequest{action: RateAcceptInvitation, ip: in.IP})
	if err != nil {
		return domain.User{}, err
	}
	u, err := s.acceptInvitation(ctx, in)
	if err != nil {
		return domain.User{}, err
	}
	s.forgive(ctx, at)
	return u, nil
}

func (s *Service) acceptInvitation(ctx context.Context, in AcceptInput) (domain.User, error) {
	if in.Token == "" || len(in.Token) > 100 {
		return domain.User{}, ErrInvalidToken
	}
	hash := identity.HashSecret(in.Token)
	inv, err := s.store.GetInvitationByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return domain.User{}, ErrInvalidToken
	}
	if err != nil {
		return domain.User{}, err
	}
	ev := domain.AuditEvent{Account: inv.AccountID, Type: AuditInvitationAccept, Target: "invitation:" + inv.ID, ClientIP: in.IP, Result: domain.AuditOK,
		Detail: map[string]string{"email": inv.Email}}
	if why := invitationRefusal(inv, time.Now()); why != "" {
		ev.Detail["token"] = why
		return domain.User{}, s.refused(ctx, ev, ErrInvalidToken)
	}
	// After the token's checks, so that only the holder of a valid
	// invitation learns the location is the obstacle; the invitation
	// stays open for an acceptance from elsewhere.
	allowed, where, err := s.located(ctx, inv.AccountID, in.IP)
	if err != nil {
		return domain.User{}, err
	}
	if !allowed || where != unknownCountry {
		ev.Detail["country"] = where
	}
	if !allowed {
		return domain.User{}, s.refused(ctx, ev, ErrLocationNotAllowed)
	}
	rules, err := signupRules(ctx, s.store, inv.AccountID)
	if err != nil {
		return domain.User{}, err
	}
	if in.Password == "" {
		return domain.User{}, s.refused(ctx, ev, errPasswordIsRequired)
	}
	u, pwHash, err := s.prepareUser(inv.AccountID, UserInput{Username: in.Username, Email: inv.Email, DisplayName: in.DisplayName,
		Password: in.Password, Status: string(domain.StatusActive), Roles: inv.Roles})
	if err != nil {
		return domain.User{}, s.refused(ctx, ev, err)
	}
	if u.Fields, err = domain.CheckRegistration(rules.Fields, in.Fields); err != nil {
		return domain.User{}, s.refused(ctx, ev, fieldInvalid(err, "fields"))
	}
	u.EmailVerified = true
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		inv, err := tx.GetInvitationByHash(ctx, hash)
		if err != nil {
			return err
		}
		if why := invitationRefusal(inv, tx.Now()); why != "" {
			ev.Detail["token"] = why
			return ErrInvalidToken
		}
		if err := s.insertUser(ctx, tx, u, pwHash); err != nil {
			return err
		}
		for _, gid := range inv.Groups {
			g, err := tx.GetGroup(ctx, gid)
			if errors.Is(err, store.ErrNotFound) || err == nil && g.AccountID != inv.AccountID {
				continue // deleted since the invitation
			}
			if err != nil {
				return err
			}
			if err := tx.AddGroupMember(ctx, gid, authz.User(u.ID)); err != nil && !errors.Is(err, store.ErrConflict) {
				return err
			}
		}
		if err := tx.AcceptInvitation(ctx, inv.ID, u.ID); errors.Is(err, store.ErrNotFound) {
			return ErrInvalidToken
		} else if err != nil {
			return err
		}
		ev.Actor = u.ID
		ev.Detail["user"], ev.Detail["username"], ev.Detail["roles"] = u.ID, u.Username, strings.Join(u.Roles, ",")
		return nil
	})
	if err != nil {
		return domain.User{}, err
	}
	u, err = s.store.GetUser(ctx, u.ID)
	return u, err
}
