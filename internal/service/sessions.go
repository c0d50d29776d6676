package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// SessionInfo describes a signed-in session. ID is an opaque handle
// derived from the stored hash; neither the secret nor its hash is ever
// shown.
type SessionInfo struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	// Current marks the session the request is authenticated by.
	Current bool `json:"current"`
}

// sessionHandle is the public id of a session: a hash of its stored hash
// under a purpose of its own, so it can be shown and matched but leads to
// neither.
func sessionHandle(idHash string) string {
	h := sha256.Sum256([]byte("atrium session handle\x00" + idHash))
	return "ses_" + hex.EncodeToString(h[:16])
}

// sessionInfos lists the live sessions among ss.
func sessionInfos(a Actor, ss []store.Session) []SessionInfo {
	now := time.Now()
	out := []SessionInfo{}
	for _, se := range ss {
		if now.After(se.ExpiresAt) {
			continue
		}
		out = append(out, SessionInfo{ID: sessionHandle(se.IDHash), CreatedAt: se.CreatedAt, ExpiresAt: se.ExpiresAt,
			IP: se.IP, UserAgent: se.UserAgent, Current: a.SessionHash != "" && se.IDHash == a.SessionHash})
	}
	return out
}

// ListMySessions lists the actor's live sessions.
func (s *Service) ListMySessions(ctx context.Context, a Actor) ([]SessionInfo, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	ss, err := s.store.ListSessions(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	return sessionInfos(a, ss), nil
}

// ListUserSessions lists a user's live sessions: the actor's own, or with
// manage_users any user's of the account.
func (s *Service) ListUserSessions(ctx context.Context, a Actor, userID string) ([]SessionInfo, error) {
	u, err := s.selfOr(ctx, a, userID, authz.ManageUsers)
	if err != nil {
		return nil, err
	}
	ss, err := s.store.ListSessions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return sessionInfos(a, ss), nil
}

// RevokeMySession ends one of the actor's sessions, by its handle, at
// once in every process. current reports whether it was the one the
// request came with.
func (s *Service) RevokeMySession(ctx context.Context, a Actor, handle string) (current bool, err error) {
	if err := s.member(a); err != nil {
		return false, err
	}
	ev := a.event(AuditSessionRevoke, "user:"+a.UserID)
	ev.Detail = map[string]string{"session": truncate(handle, 40)}
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, _ *domain.AuditEvent) error {
		ss, err := tx.ListSessions(ctx, a.UserID)
		if err != nil {
			return err
		}
		for _, se := range ss {
			if sessionHandle(se.IDHash) == handle {
				current = se.IDHash == a.SessionHash
				return tx.DeleteSession(ctx, se.IDHash)
			}
		}
		return notFound("session")
	})
	return current, err
}

// RevokeUserSessions ends every session of a user at once: the actor's
// own, or with manage_users any user's of the account (an owner's or
// admin's needs manage_owners, as setting their password does).
func (s *Service) RevokeUserSessions(ctx context.Context, a Actor, userID string) error {
	return s.revokeUserSessions(ctx, a, userID, "")
}

// RevokeUserSession ends one session of a user, by its handle, with the
// rights of RevokeUserSessions. A handle that is not one of the user's
// live sessions is not found.
func (s *Service) RevokeUserSession(ctx context.Context, a Actor, userID, handle string) error {
	if handle == "" {
		return notFound("session")
	}
	return s.revokeUserSessions(ctx, a, userID, handle)
}

// revokeUserSessions ends the session handle of a user, or every one
// when handle is "".
func (s *Service) revokeUserSessions(ctx context.Context, a Actor, userID, handle string) error {
	if err := s.member(a); err != nil {
		return err
	}
	_, err := s.auditedUpdate(ctx, a.event(AuditSessionRevoke, "user:"+userID), func(tx store.Tx, ev *domain.AuditEvent) error {
		u, err := userInAccount(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		if u.ID != a.UserID {
			if err := s.requireOver(a, u); err != nil {
				return err
			}
		}
		ss, err := tx.ListSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		if handle != "" {
			ev.Detail = map[string]string{"session": truncate(handle, 40)}
			for _, se := range ss {
				if sessionHandle(se.IDHash) == handle && time.Now().Before(se.ExpiresAt) {
					return tx.DeleteSession(ctx, se.IDHash)
				}
			}
			return notFound("session")
		}
		ev.Detail = map[string]string{"session": "all", "sessions": strconv.Itoa(len(ss))}
		return tx.DeleteUserSessions(ctx, u.ID)
	})
	return err
}

// ListUserTokens lists a user's API tokens (never their secrets): the
// actor's own, or with manage_api_tokens any user's of the account.
func (s *Service) ListUserTokens(ctx context.Context, a Actor, userID string) ([]store.Token, error) {
	u, err := s.selfOr(ctx, a, userID, authz.ManageAPITokens)
	if err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx, u.ID)
}

// selfOr loads a user of the actor's account that the actor may act on
// with p: itself always, anyone else with p.
func (s *Service) selfOr(ctx context.Context, a Actor, userID string, p authz.AccountPermission) (domain.User, error) {
	if err := s.member(a); err != nil {
		return domain.User{}, err
	}
	u, err := userInAccount(ctx, s.store, a, userID)
	if err != nil {
		return domain.User{}, err
	}
	if u.ID != a.UserID {
		if err := s.require(a, p); err != nil {
			return domain.User{}, err
		}
	}
	return u, nil
}
