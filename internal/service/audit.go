package service

import (
	"context"
	"maps"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// Audit event types. The log records each with who, target, client IP and
// result; denied and failed attempts are recorded as well as successes.
const (
	AuditLogin   = "auth.login"
	AuditLogout  = "auth.logout"
	AuditLockout = "auth.lockout"
	// AuditRateLimit is a public request refused by its rate limit
	// (once per counter and window).
	AuditRateLimit     = "auth.rate_limited"
	AuditSessionRevoke = "session.revoke"
	AuditTokenCreate   = "token.create"
	AuditTokenRevoke   = "token.revoke"
	AuditUserCreate    = "user.create"
	AuditUserUpdate    = "user.update"
	AuditUserPassword  = "user.password"
	AuditAccountUpdate = "account.update"
	AuditACLSet        = "acl.set"
	AuditACLBatch      = "acl.batch"
	// Identity lifecycle: verification mail sent, email verified, reset
	// requested and completed, unvalidated users cleared.
	AuditVerificationSend = "user.verification_send"
	AuditEmailVerify      = "user.verify_email"
	AuditResetRequest     = "auth.password_reset_request"
	AuditPasswordReset    = "auth.password_reset"
	AuditClearPending     = "user.clear_pending"
	// Sign-up and invitations: rules changed, a self-registration (its
	// result says whether a user was created), invitations created,
	// revoked and accepted.
	AuditSignupRules      = "account.signup_rules"
	AuditSignup           = "auth.signup"
	AuditInvitationCreate = "invitation.create"
	AuditInvitationRevoke = "invitation.revoke"
	AuditInvitationAccept = "invitation.accept"
	// The geography rule changed; refusals it causes are recorded as
	// auth.login, auth.signup and invitation.accept with a country.
	AuditGeoRule = "account.geo_rule"
	// Second factor: enrolment started, enabled (first code), disabled,
	// reset by a user manager, recovery codes replaced.
	AuditMFAEnroll        = "mfa.enroll"
	AuditMFAEnable        = "mfa.enable"
	AuditMFADisable       = "mfa.disable"
	AuditMFAReset         = "mfa.reset"
	AuditMFARecoveryCodes = "mfa.recovery_codes"
	// Custom roles defined, changed and deleted.
	AuditRoleCreate = "role.create"
	AuditRoleUpdate = "role.update"
	AuditRoleDelete = "role.delete"
	// Group changes: created, renamed or given roles, deleted, members
	// added and removed (joining a group gives its roles).
	AuditGroupCreate       = "group.create"
	AuditGroupUpdate       = "group.update"
	AuditGroupDelete       = "group.delete"
	AuditGroupMemberAdd    = "group.member_add"
	AuditGroupMemberRemove = "group.member_remove"
	// Public share links: created and revoked (by a user), and every use
	// by the public, refused ones included with their real reason: a view
	// of what the link shows, an unlock with its password, a download.
	// The target of each is the link (share_link:ID), never its token.
	AuditShareCreate   = "share.create"
	AuditShareRevoke   = "share.revoke"
	AuditShareView     = "share.view"
	AuditShareUnlock   = "share.unlock"
	AuditShareDownload = "share.download"
	// Upload moderation: an upload held for its approvers, published,
	// rejected (and deleted) with a reason.
	AuditModerationHold    = "moderation.hold"
	AuditModerationPublish = "moderation.publish"
	AuditModerationReject  = "moderation.reject"
)

// event starts an audit event of the actor.
func (a Actor) event(typ, target string) domain.AuditEvent {
	return domain.AuditEvent{Account: a.AccountID, Actor: a.UserID, Type: typ, Target: target, ClientIP: a.IP, Result: domain.AuditOK}
}

// resultOf is the audit result of an operation's error.
func resultOf(err error) string {
	if err == nil {
		return domain.AuditOK
	}
	if e, ok := AsError(err); ok {
		if e == errInvalidCode || e == errWrongPassword {
			return domain.AuditDenied // a wrong code or password is refused, not failed
		}
		switch e.Kind {
		case KindForbidden, KindUnauthenticated, KindNotFound, KindConflict, KindBadToken:
			return domain.AuditDenied
		}
	}
	return domain.AuditFailed
}

// auditAlone records an event outside any transaction. A failure to record
// is logged, not returned: the caller's answer does not depend on it.
func (s *Service) auditAlone(ctx context.Context, ev domain.AuditEvent) {
	if err := s.store.Audit(ctx, ev); err != nil {
		s.log.Error("audit event not recorded", "type", ev.Type, "account", ev.Account, "err", err)
	}
}

// refused records ev as refused by err, which it returns: for checks made
// before an audited operation's transaction.
func (s *Service) refused(ctx context.Context, ev domain.AuditEvent, err error) error {
	ev.Result = resultOf(err)
	ev.Detail = maps.Clone(ev.Detail)
	if ev.Detail == nil {
		ev.Detail = map[string]string{}
	}
	ev.Detail["reason"] = "internal error"
	if e, ok := AsError(err); ok {
		ev.Detail["reason"] = e.Message
	}
	s.auditAlone(ctx, ev)
	return err
}

// auditedUpdate is update for an audited operation. fn may complete ev
// (its target, its detail). If fn succeeds, ev is recorded in the same
// transaction, so the log holds exactly the committed changes; if it fails,
// ev is recorded on its own with the result the error implies, and the
// error's message as its reason.
func (s *Service) auditedUpdate(ctx context.Context, ev domain.AuditEvent, fn func(tx store.Tx, ev *domain.AuditEvent) error) (uint64, error) {
	rev, err := s.update(ctx, func(tx store.Tx) error {
		if err := fn(tx, &ev); err != nil {
			return err
		}
		return tx.Audit(ctx, ev)
	})
	if err != nil {
		return rev, s.refused(ctx, ev, err)
	}
	return rev, nil
}

// AuditQuery selects audit events of the caller's account.
type AuditQuery struct {
	Actor, Target, Type string
	From, To            time.Time
	Cursor              string
	Limit               int
}

// AuditPage is one page of audit events, newest first.
type AuditPage struct {
	Events     []domain.AuditEvent `json:"events"`
	NextCursor string              `json:"next_cursor"`
}

// MaxAuditPage bounds one page of the audit log.
const MaxAuditPage = 1000

// ListAudit returns audit events of the actor's account (view_audit).
func (s *Service) ListAudit(ctx context.Context, a Actor, q AuditQuery) (AuditPage, error) {
	if err := s.member(a); err != nil {
		return AuditPage{}, err
	}
	if err := s.require(a, authz.ViewAudit); err != nil {
		return AuditPage{}, err
	}
	return s.listAudit(ctx, a.AccountID, q)
}

// ListInstanceAudit returns the audit events recorded outside any account
// (refused public requests that name no account, such as rate-limited
// token checks): for the operator of the data directory (the CLI) only.
func (s *Service) ListInstanceAudit(ctx context.Context, q AuditQuery) (AuditPage, error) {
	return s.listAudit(ctx, "", q)
}

func (s *Service) listAudit(ctx context.Context, accountID string, q AuditQuery) (AuditPage, error) {
	if q.Limit == 0 {
		q.Limit = 100
	}
	if q.Limit < 1 || q.Limit > MaxAuditPage {
		return AuditPage{}, badQuery("limit", "limit must be between 1 and %d", MaxAuditPage)
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return AuditPage{}, badQuery("to", "to must be after from")
	}
	f := store.AuditFilter{Actor: q.Actor, Target: q.Target, Type: q.Type, From: q.From, To: q.To, Limit: q.Limit + 1}
	if q.Cursor != "" {
		id, ok := s.auditCursors.Decode(q.Cursor)
		if !ok || id == 0 || id > 1<<62 {
			return AuditPage{}, badQuery("cursor", "the cursor is not one this server issued")
		}
		f.Before = int64(id)
	}
	evs, err := s.store.ListAudit(ctx, accountID, f)
	if err != nil {
		return AuditPage{}, err
	}
	page := AuditPage{Events: evs}
	if len(evs) > q.Limit {
		page.Events = evs[:q.Limit]
		page.NextCursor = s.auditCursors.Encode(uint64(page.Events[q.Limit-1].ID))
	}
	return page, nil
}
