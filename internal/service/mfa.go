package service

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/store"
)

// TOTP parameters: RFC 6238 defaults, which every authenticator app
// reads. A code is accepted for the time step before and after the
// current one (clock drift), and never twice.
const (
	totpPeriod       = 30
	totpSkew         = 1
	recoveryCodes    = 10
	totpKeyName      = "mfa_totp_key"
	totpIssuer       = "Atrium"
	maxFactorCodeLen = 64
)

// Second-factor methods, as the audit log names them.
const (
	MFATOTP     = "totp"
	MFARecovery = "recovery"
)

// ErrMFARequired answers a sign-in whose password was right for a user
// with a second factor, when the code is missing, wrong or used: the
// cases are not told apart.
var ErrMFARequired = &Error{Kind: KindUnauthenticated, Code: "mfa_required",
	Message: "a second factor is required: sign in again with totp_code (or a recovery_code)"}

// errInvalidCode is a wrong, used or expired code of a signed-in user.
var errInvalidCode = &Error{Kind: KindInvalid, Code: "invalid_code", Field: "code", Message: "the code is wrong, used or expired"}

// errWrongPassword is a wrong current password given to confirm a change
// of one's own second factor.
var errWrongPassword = &Error{Kind: KindInvalid, Code: "invalid_password", Field: "current_password", Message: "the current password is wrong"}

// TOTPEnrolment is a started enrolment: the secret is shown this once.
type TOTPEnrolment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
}

// RecoveryCodes are an enabled factor's one-time codes, shown once.
type RecoveryCodes struct {
	Codes []string `json:"recovery_codes"`
}

// MFAStatus is whether a user has a second factor.
type MFAStatus struct {
	TOTP              bool `json:"totp"`
	Pending           bool `json:"pending"`
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
}

// totpAEAD is the cipher that seals TOTP secrets at rest, under a key
// kept in the database's instance secrets: a copy of the user_totp table
// alone does not give the secrets away.
func (s *Service) totpAEAD(ctx context.Context) (cipher.AEAD, error) {
	key, err := s.store.InstanceSecret(ctx, totpKeyName)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// totpAD binds a sealed secret to its user: it cannot be moved to another.
func totpAD(userID string) []byte { return []byte("atrium totp secret\x00" + userID) }

func (s *Service) sealTOTP(ctx context.Context, userID, secret string) (string, error) {
	aead, err := s.totpAEAD(ctx)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(secret), totpAD(userID))), nil
}

func (s *Service) openTOTP(ctx context.Context, userID, sealed string) (string, error) {
	aead, err := s.totpAEAD(ctx)
	if err != nil {
		return "", err
	}
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(b) < aead.NonceSize() {
		return "", errors.New("sealed totp secret unreadable")
	}
	pt, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], totpAD(userID))
	if err != nil {
		return "", errors.New("sealed totp secret does not open")
	}
	return string(pt), nil
}

// totpStep returns the time step, within totpSkew of now, whose code is
// code.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for st := cur - totpSkew; st <= cur+totpSkew; st++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*totpPeriod, 0).UTC(),
			totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// recoveryHash is how a recovery code is stored: hashed with its user,
// after dropping case, spaces and dashes.
func recoveryHash(userID, code string) string {
	code = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	h := sha256.Sum256([]byte("atrium recovery code\x00" + userID + "\x00" + code))
	return hex.EncodeToString(h[:])
}

// newRecoveryCodes returns fresh codes (50 random bits each, as
// xxxxx-xxxxx) and their hashes.
func newRecoveryCodes(userID string) (codes, hashes []string) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for range recoveryCodes {
		b := make([]byte, 7)
		rand.Read(b)
		s := strings.ToLower(enc.EncodeToString(b))[:10]
		c := s[:5] + "-" + s[5:]
		codes = append(codes, c)
		hashes = append(hashes, recoveryHash(userID, c))
	}
	return codes, hashes
}

// useFactor checks and uses a second factor of a user whose factor is
// enabled: a TOTP code (its time step is then spent) or else a recovery
// code (then spent). It returns the method used, or errInvalidCode.
func (s *Service) useFactor(ctx context.Context, t store.TOTP, code, recovery string) (string, error) {
	if len(code) > maxFactorCodeLen || len(recovery) > maxFactorCodeLen {
		return "", errInvalidCode
	}
	if code != "" {
		secret, err := s.openTOTP(ctx, t.UserID, t.Secret)
		if err != nil {
			return "", err
		}
		step, ok := totpStep(secret, code, time.Now())
		if !ok {
			return "", errInvalidCode
		}
		_, err = s.store.Update(ctx, func(tx store.Tx) error { return tx.UseTOTPStep(ctx, t.UserID, step) })
		if errors.Is(err, store.ErrNotFound) {
			return "", errInvalidCode // replayed, or older than the last code used
		}
		return MFATOTP, err
	}
	if recovery != "" {
		_, err := s.store.Update(ctx, func(tx store.Tx) error { return tx.UseRecoveryCode(ctx, t.UserID, recoveryHash(t.UserID, recovery)) })
		if errors.Is(err, store.ErrNotFound) {
			return "", errInvalidCode
		}
		return MFARecovery, err
	}
	return "", errInvalidCode
}

// enabledTOTP returns a user's enabled factor; ok is false without one.
func (s *Service) enabledTOTP(ctx context.Context, userID string) (store.TOTP, bool, error) {
	t, err := s.store.GetTOTP(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return store.TOTP{}, false, nil
	}
	if err != nil {
		return store.TOTP{}, false, err
	}
	return t, t.EnabledAt != nil, nil
}

// throttledCode runs check, a code check of a signed-in user, under the
// sign-in throttle of their username and address: a stolen session
// cannot try codes faster than a password guesser. Locked, it answers as
// a wrong code does.
func (s *Service) throttledCode(ctx context.Context, a Actor, ev domain.AuditEvent, check func() error) error {
	return s.throttledCheck(ctx, a, ev, errInvalidCode, check)
}

// throttledCheck is throttledCode for a check whose failure is wrong
// (a wrong code, a wrong password): that failure counts, and a locked
// user gets it without the check.
func (s *Service) throttledCheck(ctx context.Context, a Actor, ev domain.AuditEvent, wrong *Error, check func() error) error {
	u, err := s.store.GetUser(ctx, a.UserID)
	if err != nil {
		return err
	}
	at, ok, err := s.reserve(ctx, u.Username, a.IP)
	if err != nil {
		return err
	}
	if !ok {
		return s.refused(ctx, ev, wrong)
	}
	if err := check(); err != nil {
		if errors.Is(err, wrong) {
			s.failed(ctx, at, ev)
			return s.refused(ctx, ev, err)
		}
		return err
	}
	s.succeeded(ctx, at)
	return nil
}

// MFA returns the actor's second-factor status.
func (s *Service) MFA(ctx context.Context, a Actor) (MFAStatus, error) {
	if err := s.member(a); err != nil {
		return MFAStatus{}, err
	}
	t, err := s.store.GetTOTP(ctx, a.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return MFAStatus{}, nil
	}
	if err != nil {
		return MFAStatus{}, err
	}
	return MFAStatus{TOTP: t.EnabledAt != nil, Pending: t.EnabledAt == nil, RecoveryCodesLeft: t.RecoveryCodesLeft}, nil
}

// StartTOTP starts the actor's TOTP enrolment (replacing a pending one):
// the secret is returned this once and stored sealed. The factor is not
// required until ConfirmTOTP.
func (s *Service) StartTOTP(ctx context.Context, a Actor) (TOTPEnrolment, error) {
	if err := s.member(a); err != nil {
		return TOTPEnrolment{}, err
	}
	u, err := s.store.GetUser(ctx, a.UserID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Username, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	sealed, err := s.sealTOTP(ctx, a.UserID, key.Secret())
	if err != nil {
		return TOTPEnrolment{}, err
	}
	_, err = s.auditedUpdate(ctx, a.event(AuditMFAEnroll, "user:"+a.UserID), func(tx store.Tx, _ *domain.AuditEvent) error {
		err := tx.StartTOTP(ctx, a.UserID, sealed)
		if errors.Is(err, store.ErrConflict) {
			return conflict("mfa_enabled", "two-factor sign-in is already on: turn it off first")
		}
		return err
	})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP turns the actor's pending factor on with a first code and
// returns its recovery codes, shown this once.
func (s *Service) ConfirmTOTP(ctx context.Context, a Actor, code string) (RecoveryCodes, error) {
	if err := s.member(a); err != nil {
		return RecoveryCodes{}, err
	}
	ev := a.event(AuditMFAEnable, "user:"+a.UserID)
	ev.Detail = map[string]string{"mfa": MFATOTP}
	t, err := s.store.GetTOTP(ctx, a.UserID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return RecoveryCodes{}, s.refused(ctx, ev, conflict("mfa_not_started", "start the enrolment first (POST /api/v1/me/mfa/totp)"))
	case err != nil:
		return RecoveryCodes{}, err
	case t.EnabledAt != nil:
		return RecoveryCodes{}, s.refused(ctx, ev, conflict("mfa_enabled", "two-factor sign-in is already on"))
	}
	var step int64
	err = s.throttledCode(ctx, a, ev, func() error {
		secret, err := s.openTOTP(ctx, a.UserID, t.Secret)
		if err != nil {
			return err
		}
		var ok bool
		if step, ok = totpStep(secret, code, time.Now()); !ok {
			return errInvalidCode
		}
		return nil
	})
	if err != nil {
		return RecoveryCodes{}, err
	}
	codes, hashes := newRecoveryCodes(a.UserID)
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, _ *domain.AuditEvent) error {
		err := tx.EnableTOTP(ctx, a.UserID, step, hashes)
		if errors.Is(err, store.ErrNotFound) {
			return conflict("mfa_not_started", "the enrolment changed meanwhile: start again")
		}
		return err
	})
	if err != nil {
		return RecoveryCodes{}, err
	}
	s.log.Info("two-factor sign-in enabled", "user", a.UserID)
	return RecoveryCodes{Codes: codes}, nil
}

// DisableTOTP turns the actor's factor off, with a current TOTP code or a
// recovery code; a pending enrolment is cancelled without one.
func (s *Service) DisableTOTP(ctx context.Context, a Actor, code, recovery string) error {
	if err := s.member(a); err != nil {
		return err
	}
	ev := a.event(AuditMFADisable, "user:"+a.UserID)
	t, err := s.store.GetTOTP(ctx, a.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return s.refused(ctx, ev, notFound("two-factor sign-in"))
	}
	if err != nil {
		return err
	}
	if t.EnabledAt != nil {
		err := s.throttledCode(ctx, a, ev, func() error {
			method, err := s.useFactor(ctx, t, code, recovery)
			ev.Detail = map[string]string{"mfa": method}
			return err
		})
		if err != nil {
			return err
		}
	} else {
		ev.Detail = map[string]string{"mfa": "pending"}
	}
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, _ *domain.AuditEvent) error {
		err := tx.DeleteTOTP(ctx, a.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("two-factor sign-in")
		}
		return err
	})
	return err
}

// RegenerateRecoveryCodes replaces the actor's recovery codes with 10 new
// ones, shown this once; the old ones, used or not, stop working. It
// needs the actor's current password or a current TOTP code (then spent),
// checked under the sign-in throttle like every code of a signed-in
// user, so that a stolen session alone cannot take the codes.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, a Actor, password, code string) (RecoveryCodes, error) {
	if err := s.member(a); err != nil {
		return RecoveryCodes{}, err
	}
	ev := a.event(AuditMFARecoveryCodes, "user:"+a.UserID)
	t, on, err := s.enabledTOTP(ctx, a.UserID)
	if err != nil {
		return RecoveryCodes{}, err
	}
	if !on {
		return RecoveryCodes{}, s.refused(ctx, ev, errMFANotEnabled)
	}
	if password == "" && code == "" {
		return RecoveryCodes{}, s.refused(ctx, ev, invalid("current_password", "give your current_password or a code from your authenticator"))
	}
	if code != "" {
		ev.Detail = map[string]string{"confirmed_by": MFATOTP}
		err = s.throttledCode(ctx, a, ev, func() error {
			_, err := s.useFactor(ctx, t, code, "")
			return err
		})
	} else {
		ev.Detail = map[string]string{"confirmed_by": "password"}
		err = s.throttledCheck(ctx, a, ev, errWrongPassword, func() error {
			ok, err := s.passwordMatches(ctx, a.UserID, password)
			if err == nil && !ok {
				err = errWrongPassword
			}
			return err
		})
	}
	if err != nil {
		return RecoveryCodes{}, err
	}
	codes, hashes := newRecoveryCodes(a.UserID)
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, _ *domain.AuditEvent) error {
		err := tx.ReplaceRecoveryCodes(ctx, a.UserID, hashes)
		if errors.Is(err, store.ErrNotFound) {
			return errMFANotEnabled // turned off meanwhile
		}
		return err
	})
	if err != nil {
		return RecoveryCodes{}, err
	}
	return RecoveryCodes{Codes: codes}, nil
}

// errMFANotEnabled: there is no enabled second factor to act on.
var errMFANotEnabled = conflict("mfa_not_enabled", "two-factor sign-in is not on")

// passwordMatches checks a user's password.
func (s *Service) passwordMatches(ctx context.Context, userID, password string) (bool, error) {
	if password == "" || len(password) > identity.MaxPasswordLen*4 {
		return false, nil
	}
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return false, err
	}
	creds, err := s.store.FindLogin(ctx, u.Username)
	if err != nil {
		return false, err
	}
	for _, c := range creds {
		if c.UserID == u.ID && c.PasswordHash != "" {
			return identity.VerifyPassword(c.PasswordHash, password)
		}
	}
	return false, nil
}

// ResetUserMFA removes another user's second factor, enabled or pending,
// with its recovery codes, and ends every session of theirs: for a user
// who lost their authenticator and their recovery codes. It needs
// manage_users over the user (manage_owners for an owner or admin, as
// setting their password does); users of other accounts are not found.
// The user then signs in with their password alone and may enrol again.
// One's own factor is turned off with a code instead (DisableTOTP), so
// that a stolen session of an admin cannot strip its own second factor.
func (s *Service) ResetUserMFA(ctx context.Context, a Actor, userID string) error {
	if err := s.member(a); err != nil {
		return err
	}
	return s.resetMFA(ctx, a, userID)
}

// OperatorResetMFA is ResetUserMFA for the operator of the data directory
// (the CLI), who acts outside any account, so it works for an account's
// only owner too. The event has no actor.
func (s *Service) OperatorResetMFA(ctx context.Context, userID string) error {
	if authz.ValidID(userID) != nil {
		return notFound("user")
	}
	u, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("user")
	}
	if err != nil {
		return err
	}
	return s.resetMFA(ctx, Actor{AccountID: u.AccountID, IP: "local"}, userID)
}

func (s *Service) resetMFA(ctx context.Context, a Actor, userID string) error {
	_, err := s.auditedUpdate(ctx, a.event(AuditMFAReset, "user:"+userID), func(tx store.Tx, ev *domain.AuditEvent) error {
		u, err := userInAccount(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		if a.UserID != "" {
			if u.ID == a.UserID {
				return forbidden("turn your own two-factor sign-in off with a code (DELETE /api/v1/me/mfa/totp)")
			}
			if err := s.requireOver(a, u); err != nil {
				return err
			}
		}
		t, err := tx.GetTOTP(ctx, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("two-factor sign-in")
		}
		if err != nil {
			return err
		}
		ss, err := tx.ListSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		ev.Detail = map[string]string{"mfa": MFATOTP, "sessions": strconv.Itoa(len(ss))}
		if t.EnabledAt == nil {
			ev.Detail["mfa"] = "pending"
		}
		if err := tx.DeleteTOTP(ctx, u.ID); err != nil {
			return err
		}
		return tx.DeleteUserSessions(ctx, u.ID)
	})
	if err == nil {
		s.log.Info("two-factor sign-in reset", "user", userID, "by", a.UserID)
	}
	return err
}
