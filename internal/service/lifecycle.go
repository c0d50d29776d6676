package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/mail"
	"atrium/internal/store"
)

// Prefixes of the one-time tokens mailed to users. The purpose itself is
// stored with the token and checked; the prefix only makes them readable.
const (
	VerifyPrefix = "atv_"
	ResetPrefix  = "atp_"
)

// Lifetimes of the one-time tokens.
const (
	VerifyTTL = 72 * time.Hour
	ResetTTL  = time.Hour
)

// WaitBackground waits for work that requests left running (password
// reset mail): for tests and an orderly shutdown.
func (s *Service) WaitBackground() { s.mailWG.Wait() }

// send delivers a message, or logs that it could not be: the recipient is
// logged, never the body (it holds a token).
func (s *Service) send(ctx context.Context, m mail.Message) error {
	if s.mail == nil {
		s.log.Warn("mail not sent: no mail sender configured", "to", m.To, "subject", m.Subject)
		return errors.New("no mail sender is configured")
	}
	if err := s.mail.Send(ctx, m); err != nil {
		s.log.Error("mail not sent", "to", m.To, "subject", m.Subject, "err", err)
		return fmt.Errorf("send mail: %w", err)
	}
	return nil
}

// issueUserToken stores a new one-time token for a user, ending the
// user's earlier tokens of the purpose, and returns its secret.
func issueUserToken(ctx context.Context, tx store.Tx, userID, purpose, prefix string, ttl time.Duration) (string, error) {
	if err := tx.ExpireUserTokens(ctx, userID, purpose); err != nil {
		return "", err
	}
	secret, hash := identity.NewSecret(prefix)
	err := tx.CreateUserToken(ctx, store.UserToken{Hash: hash, UserID: userID, Purpose: purpose, ExpiresAt: tx.Now().Add(ttl)})
	return secret, err
}

// takeUserToken consumes a one-time token of a purpose and returns its
// user. Every refusal is ErrInvalidToken; ev learns the user and, in its
// detail, why (for the account's audit log only).
func takeUserToken(ctx context.Context, tx store.Tx, secret, purpose string, ev *domain.AuditEvent) (domain.User, error) {
	if secret == "" || len(secret) > 100 {
		return domain.User{}, ErrInvalidToken
	}
	ut, err := tx.GetUserToken(ctx, identity.HashSecret(secret))
	if errors.Is(err, store.ErrNotFound) {
		return domain.User{}, ErrInvalidToken
	}
	if err != nil {
		return domain.User{}, err
	}
	u, err := tx.GetUser(ctx, ut.UserID)
	if err != nil {
		return domain.User{}, err
	}
	ev.Account, ev.Actor, ev.Target = u.AccountID, u.ID, "user:"+u.ID
	why := ""
	switch {
	case ut.Purpose != purpose:
		why = "a token of purpose " + ut.Purpose
	case ut.UsedAt != nil:
		why = "used already"
	case !tx.Now().Before(ut.ExpiresAt):
		why = "expired"
	}
	if why != "" {
		ev.Detail = map[string]string{"token": why}
		return domain.User{}, ErrInvalidToken
	}
	if err := tx.UseUserToken(ctx, ut.Hash); errors.Is(err, store.ErrNotFound) {
		return domain.User{}, ErrInvalidToken
	} else if err != nil {
		return domain.User{}, err
	}
	return u, nil
}

// RequestPasswordReset mails a single-use reset token to every active user
// whose username or email is login. Whether anyone matched never shows:
// the work, lookup included, runs after the call returns, and the call
// fails only on malformed input.
//
// Requests are rate-limited per client address and per login (see
// RateLimit): over the limit the answer is ErrRateLimited, the same for
// logins that name someone and logins that do not.
func (s *Service) RequestPasswordReset(ctx context.Context, login, ip string) error {
	login = strings.TrimSpace(login)
	if _, err := s.admit(ctx, publicRequest{action: RatePasswordReset, ip: ip, target: login, attribute: s.attributeLogin(login)}); err != nil {
		return err
	}
	if login == "" || len(login) > 254 {
		return invalid("login", "give your username or email (at most 254 characters)")
	}
	s.background(ctx, func(ctx context.Context) {
		if err := s.sendResets(ctx, login, ip); err != nil {
			s.log.Error("password reset request failed", "err", err)
		}
	})
	return nil
}

// attributeLogin puts a refused request naming login into the account of
// the one user it names, if it names exactly one.
func (s *Service) attributeLogin(login string) func(ctx context.Context, ev *domain.AuditEvent) {
	return func(ctx context.Context, ev *domain.AuditEvent) {
		creds, err := s.store.FindLogin(ctx, login)
		if err == nil && len(creds) == 1 {
			ev.Account, ev.Target = creds[0].AccountID, "user:"+creds[0].UserID
		}
	}
}

func (s *Service) sendResets(ctx context.Context, login, ip string) error {
	creds, err := s.store.FindLogin(ctx, login)
	if err != nil {
		return err
	}
	sent := 0
	for _, c := range creds {
		if c.Status != domain.StatusActive {
			continue
		}
		u, err := s.store.GetUser(ctx, c.UserID)
		if err != nil {
			return err
		}
		var secret string
		ev := domain.AuditEvent{Account: u.AccountID, Type: AuditResetRequest, Target: "user:" + u.ID, ClientIP: ip, Result: domain.AuditOK}
		if _, err := s.store.Update(ctx, func(tx store.Tx) error {
			var err error
			if secret, err = issueUserToken(ctx, tx, u.ID, store.PurposePasswordReset, ResetPrefix, ResetTTL); err != nil {
				return err
			}
			return tx.Audit(ctx, ev)
		}); err != nil {
			return err
		}
		sent++
		_ = s.send(ctx, mail.Message{To: u.Email, Subject: "Reset your Atrium password", Body: fmt.Sprintf(
			"Someone, hopefully you, asked to reset the password of the Atrium user %s.\n\n"+
				"Your reset token, valid for %s and usable once:\n\n    %s\n\n"+
				"Send it with your new password:\n\n    POST /api/v1/auth/password-reset/confirm\n    {\"token\": \"%s\", \"password\": \"...\"}\n\n"+
				"If you did not ask for this, ignore this mail: your password stays as it is.\n",
			u.Username, ResetTTL, secret, secret)})
	}
	if sent == 0 {
		// Recorded in the account of the one user the login names, if any.
		ev := domain.AuditEvent{Type: AuditResetRequest, ClientIP: ip, Result: domain.AuditDenied,
			Detail: map[string]string{"login": truncate(login, 100), "reason": "no active user has this username or email"}}
		if len(creds) == 1 {
			ev.Account, ev.Target = creds[0].AccountID, "user:"+creds[0].UserID
		}
		s.auditAlone(ctx, ev)
	}
	return nil
}

// ResetPassword sets a new password with a reset token: the token is used
// up, every session of the user ends, and the user's other reset tokens
// stop working. A bad password is refused before the token is looked at.
// Confirmations are rate-limited per client address (see RateLimit); only
// refused ones count.
func (s *Service) ResetPassword(ctx context.Context, token, password, ip string) error {
	at, err := s.admit(ctx, publicRequest{action: RateResetConfirm, ip: ip})
	if err != nil {
		return err
	}
	if err := s.resetPassword(ctx, token, password, ip); err != nil {
		return err
	}
	s.forgive(ctx, at)
	return nil
}

func (s *Service) resetPassword(ctx context.Context, token, password, ip string) error {
	if err := identity.CheckPassword(password); err != nil {
		return invalidErr("password", err)
	}
	hash, err := identity.HashPassword(password, s.pw)
	if err != nil {
		return err
	}
	ev := domain.AuditEvent{Type: AuditPasswordReset, ClientIP: ip, Result: domain.AuditOK}
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		u, err := takeUserToken(ctx, tx, token, store.PurposePasswordReset, ev)
		if err != nil {
			return err
		}
		if u.Status != domain.StatusActive {
			ev.Detail = map[string]string{"token": "the user is " + string(u.Status)}
			return ErrInvalidToken
		}
		if err := tx.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		if err := tx.ExpireUserTokens(ctx, u.ID, store.PurposePasswordReset); err != nil {
			return err
		}
		return tx.DeleteUserSessions(ctx, u.ID)
	})
	return err
}

// VerifyEmail marks the email of a verification token's user verified; a
// pending user becomes active (within the plan's user limit), unless the
// account's sign-up rules require approval: then the user stays pending
// until a user manager activates them. Verifications are rate-limited per
// client address (see RateLimit); only refused ones count.
func (s *Service) VerifyEmail(ctx context.Context, token, ip string) error {
	at, err := s.admit(ctx, publicRequest{action: RateVerifyEmail, ip: ip})
	if err != nil {
		return err
	}
	if err := s.verifyEmail(ctx, token, ip); err != nil {
		return err
	}
	s.forgive(ctx, at)
	return nil
}

func (s *Service) verifyEmail(ctx context.Context, token, ip string) error {
	ev := domain.AuditEvent{Type: AuditEmailVerify, ClientIP: ip, Result: domain.AuditOK}
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		u, err := takeUserToken(ctx, tx, token, store.PurposeVerifyEmail, ev)
		if err != nil {
			return err
		}
		before := u
		awaiting := false
		switch u.Status {
		case domain.StatusPending:
			rules, err := signupRules(ctx, tx, u.AccountID)
			if err != nil {
				return err
			}
			if rules.ApprovalRequired {
				awaiting = true
				break
			}
			if err := checkUserLimit(ctx, tx, u.AccountID); err != nil {
				return err
			}
			u.Status = domain.StatusActive
		case domain.StatusActive:
		default:
			ev.Detail = map[string]string{"token": "the user is " + string(u.Status)}
			return ErrInvalidToken
		}
		u.EmailVerified = true
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		ev.Detail = userChanges(before, u)
		ev.Detail["email"], ev.Detail["email_verified"] = u.Email, "true"
		if awaiting {
			ev.Detail["approval"] = "required: the user stays pending until a user manager activates them"
		}
		return tx.ExpireUserTokens(ctx, u.ID, store.PurposeVerifyEmail)
	})
	return err
}

// SendVerification (re)sends the verification mail to a pending or active
// user of the account whose email is not verified yet (manage_users).
// Earlier verification tokens of the user stop working.
func (s *Service) SendVerification(ctx context.Context, a Actor, id string) error {
	if err := s.member(a); err != nil {
		return err
	}
	ev := a.event(AuditVerificationSend, "user:"+id)
	if err := s.require(a, authz.ManageUsers); err != nil {
		return s.refused(ctx, ev, err)
	}
	var u domain.User
	var secret string
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		var err error
		if u, err = userInAccount(ctx, tx, a, id); err != nil {
			return err
		}
		if u.EmailVerified {
			return conflict("already_verified", "the user's email is verified already")
		}
		if u.Status != domain.StatusPending && u.Status != domain.StatusActive {
			return conflict("user_inactive", "the user is %s: only pending and active users verify their email", u.Status)
		}
		ev.Detail = map[string]string{"email": u.Email}
		secret, err = issueUserToken(ctx, tx, u.ID, store.PurposeVerifyEmail, VerifyPrefix, VerifyTTL)
		return err
	})
	if err != nil {
		return err
	}
	return s.send(ctx, verificationMail(u, secret))
}

// ClearResult lists the pending users a clear removed, or would remove.
type ClearResult struct {
	DryRun bool     `json:"dry_run"`
	Count  int      `json:"count"`
	IDs    []string `json:"ids"`
}

// MaxClearDays bounds older_than_days.
const MaxClearDays = 36500

// ClearPendingUsers deletes, for good and in one transaction, the users of
// the actor's account still pending (never validated, so never given
// access) that were created more than days days ago (manage_users). A dry
// run only lists them.
func (s *Service) ClearPendingUsers(ctx context.Context, a Actor, days int, dryRun bool) (ClearResult, error) {
	if err := s.member(a); err != nil {
		return ClearResult{}, err
	}
	ev := a.event(AuditClearPending, "account:"+a.AccountID)
	ev.Detail = map[string]string{"older_than_days": strconv.Itoa(days), "dry_run": strconv.FormatBool(dryRun)}
	if err := s.require(a, authz.ManageUsers); err != nil {
		return ClearResult{}, s.refused(ctx, ev, err)
	}
	if days < 0 || days > MaxClearDays {
		return ClearResult{}, s.refused(ctx, ev, invalid("older_than_days", "older_than_days must be a whole number from 0 to %d", MaxClearDays))
	}
	age := time.Duration(days) * 24 * time.Hour
	res := ClearResult{DryRun: dryRun}
	if dryRun {
		ids, err := s.store.UsersCreatedBefore(ctx, a.AccountID, domain.StatusPending, time.Now().Add(-age))
		res.IDs, res.Count = ids, len(ids)
		return res, err
	}
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		ids, err := tx.UsersCreatedBefore(ctx, a.AccountID, domain.StatusPending, tx.Now().Add(-age))
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.DeleteUser(ctx, id); err != nil {
				return err
			}
		}
		res.IDs, res.Count = ids, len(ids)
		ev.Detail["count"] = strconv.Itoa(len(ids))
		ev.Detail["ids"] = truncate(strings.Join(ids, ","), 2000)
		return nil
	})
	if err != nil {
		return ClearResult{}, err
	}
	return res, nil
}
