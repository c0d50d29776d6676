package service

import (
	"errors"
	"fmt"
	"time"

	"atrium/internal/store"
)

// Kind classifies an error for the API: each maps to one HTTP status.
type Kind uint8

// Error kinds.
const (
	KindInternal        Kind = iota
	KindInvalid              // the request is malformed or a field is invalid
	KindUnauthenticated      // no valid credentials
	KindForbidden            // the caller can see the object but may not do this
	KindNotFound             // no such object, or the caller may not know it exists
	KindConflict             // the current state forbids it
	KindTooLarge             // the request or a collection in it is too large
	KindBadQuery             // a search or filter query cannot be understood
	KindBadToken             // a one-time token is unknown, used, expired or of another purpose
	KindRateLimited          // too many requests of this kind from this client or for this email; try again after RetryAfter
	KindBadRequest           // the request's body could not be read as sent: cut short or malformed
)

// Error is a service error with a stable code and a message safe to show
// the caller. Err, if set, is the internal cause and is never shown.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Field   string // the request field at fault, if one is
	// RetryAfter, for KindRateLimited, is how long until the request may
	// succeed.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

func invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Code: "validation_failed", Field: field, Message: fmt.Sprintf(format, args...)}
}

// badQuery is a query string the server cannot make sense of; field names
// the parameter at fault.
func badQuery(field, format string, args ...any) *Error {
	return &Error{Kind: KindBadQuery, Code: "invalid_query", Field: field, Message: fmt.Sprintf(format, args...)}
}

func invalidErr(field string, err error) *Error {
	return &Error{Kind: KindInvalid, Code: "validation_failed", Field: field, Message: err.Error()}
}

// notFound is what callers see both for objects that do not exist and for
// objects they may not know about: the two must be indistinguishable.
func notFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: what + " not found"}
}

func forbidden(format string, args ...any) *Error {
	return &Error{Kind: KindForbidden, Code: "forbidden", Message: fmt.Sprintf(format, args...)}
}

func conflict(code, format string, args ...any) *Error {
	return &Error{Kind: KindConflict, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrInvalidToken is every refusal of a one-time token (unknown, used,
// expired, of another purpose, of a user it no longer applies to): the
// cases are not told apart.
var ErrInvalidToken = &Error{Kind: KindBadToken, Code: "invalid_token", Field: "token", Message: "the token is invalid, used or expired"}

// ErrUnauthenticated is returned for missing, wrong, expired or revoked
// credentials, and for users who may not sign in; the cases are not told
// apart.
var ErrUnauthenticated = &Error{Kind: KindUnauthenticated, Code: "unauthenticated", Message: "sign in required: the credentials are missing, invalid or expired"}

// unique reports a uniqueness conflict from the store as already_exists,
// worded by format; other errors pass through.
func unique(err error, format string, args ...any) error {
	if errors.Is(err, store.ErrConflict) {
		e := conflict("already_exists", format, args...)
		e.Err = err
		return e
	}
	return err
}
