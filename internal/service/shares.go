package service

// Public share links. A link lends its creator's eyes to whoever holds its
// token, and nothing more: every public request through it is decided
// again, at that moment, as the creator (active, still in the account,
// still able to see the target; for a download, still holding
// can_download and a download profile allowing the original). A link
// that is unknown, revoked, expired, not yet valid, or whose creator lost
// either the account or the target, answers the same 404 to the public;
// the audit log, never the answer, says which.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/store"
)

// ShareTokenPrefix starts every share link token: "shr_" and 32 random
// bytes in unpadded base64url.
const ShareTokenPrefix = "shr_"

// shareUnlockPrefix starts the proof of a link's password.
const shareUnlockPrefix = "shu_"

// ShareUnlockTTL is how long the proof of a link's password lasts.
const ShareUnlockTTL = time.Hour

// Bounds of a share link's fields.
const (
	MinSharePasswordLen = 8
	MaxShareNoteLen     = 500
	MaxShareDownloads   = 1_000_000
)

// ValidShareToken reports whether s has the form of a share link token,
// exactly as NewSecret writes one: anything else is refused before the
// database is asked.
func ValidShareToken(s string) bool {
	rest, ok := strings.CutPrefix(s, ShareTokenPrefix)
	if !ok || len(rest) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	return err == nil && len(b) == 32
}

// shareState holds the key of the proofs of links' passwords, read once
// from the database's instance secrets: every server on one database
// accepts the others' proofs.
type shareState struct {
	mu  sync.Mutex
	key []byte
}

func (s *Service) shareKey(ctx context.Context) ([]byte, error) {
	s.shares.mu.Lock()
	defer s.shares.mu.Unlock()
	if s.shares.key == nil {
		k, err := s.store.InstanceSecret(ctx, "share unlock")
		if err != nil {
			return nil, fmt.Errorf("share unlock key: %w", err)
		}
		s.shares.key = k
	}
	return s.shares.key, nil
}

// ---- management

// ShareLinkInput describes a new share link.
type ShareLinkInput struct {
	// Target is "record:ID", "media:ID" or "collection:ID".
	Target   string
	Password string // "" for none
	StartsAt *time.Time
	// ExpiresAt nil means no end, unless the plan bounds a link's
	// validity: then it is that bound.
	ExpiresAt    *time.Time
	Download     bool
	MaxDownloads int
	Note         string
}

// NewShareLink is a created link with its token, shown this once.
type NewShareLink struct {
	domain.ShareLink
	Token string `json:"token"`
	// Path is where the link is used: GET it for what the link shows.
	Path string `json:"path"`
}

// MaxShareLinkDays bounds the plan limit max_share_link_days (a hundred
// years), which must stay a valid duration.
const MaxShareLinkDays = 36500

func checkShareLimits(l domain.Limits) error {
	if l.MaxShareLinkDays > MaxShareLinkDays {
		return invalid("max_share_link_days", "max_share_link_days must be at most %d", MaxShareLinkDays)
	}
	return nil
}

func linkLimitReached(format string, args ...any) *Error {
	return conflict("limit_reached", format, args...)
}

// CreateShareLink creates a public link to an object the caller can see.
// A download link to a media object needs can_download on it and a
// download profile allowing the original, now; for a record or a
// collection, each file is checked when it is downloaded. The token is
// returned this once; only its hash is stored.
func (s *Service) CreateShareLink(ctx context.Context, a Actor, in ShareLinkInput) (NewShareLink, error) {
	if err := s.member(a); err != nil {
		return NewShareLink{}, err
	}
	ref, err := authz.ParseObjectRef(in.Target)
	if err != nil || !ref.Type.IsContent() {
		return NewShareLink{}, invalid("target", "target must be record:ID, media:ID or collection:ID")
	}
	if err := s.visible(a, ref); err != nil {
		return NewShareLink{}, err
	}
	if s.Engine().Held(ref) {
		return NewShareLink{}, errSharingHeld
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	l := domain.ShareLink{ID: domain.NewID("shr"), AccountID: a.AccountID, Target: ref.String(), CreatedBy: a.UserID,
		Download: in.Download, MaxDownloads: in.MaxDownloads, Note: in.Note}
	if in.StartsAt != nil {
		t := in.StartsAt.UTC().Truncate(time.Microsecond)
		l.StartsAt = &t
	}
	if in.ExpiresAt != nil {
		t := in.ExpiresAt.UTC().Truncate(time.Microsecond)
		l.ExpiresAt = &t
		switch {
		case !t.After(now):
			return NewShareLink{}, invalid("expires_at", "expires_at must be in the future")
		case l.StartsAt != nil && !t.After(*l.StartsAt):
			return NewShareLink{}, invalid("expires_at", "expires_at must be after starts_at")
		}
	}
	if in.MaxDownloads < 0 || in.MaxDownloads > MaxShareDownloads {
		return NewShareLink{}, invalid("max_downloads", "max_downloads must be from 0 (no limit) to %d", MaxShareDownloads)
	}
	if in.MaxDownloads > 0 && !in.Download {
		return NewShareLink{}, invalid("max_downloads", "max_downloads needs download: true")
	}
	if err := domain.CheckText("note", in.Note, MaxShareNoteLen); err != nil {
		return NewShareLink{}, invalidErr("note", err)
	}
	if in.Password != "" {
		if err := checkSharePassword(in.Password); err != nil {
			return NewShareLink{}, invalidErr("password", err)
		}
	}
	ev := a.event(AuditShareCreate, "share_link:"+l.ID)
	ev.Detail = map[string]string{"target": l.Target, "download": strconv.FormatBool(l.Download)}
	if in.Download && ref.Type == authz.Media {
		if err := s.DownloadAllowed(ctx, a, ref.ID, RenditionOriginal); err != nil {
			return NewShareLink{}, s.refused(ctx, ev, err)
		}
	}
	if in.Password != "" {
		if l.PasswordHash, err = identity.HashPassword(in.Password, s.pw); err != nil {
			return NewShareLink{}, err
		}
		l.HasPassword = true
	}
	token, hash := identity.NewSecret(ShareTokenPrefix)
	l.TokenHash = hash
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := s.visible(a, ref); err != nil {
			return err
		}
		acct, err := tx.GetAccount(ctx, a.AccountID)
		if err != nil {
			return storeErr(err, "account")
		}
		l.CreatedAt = tx.Now()
		if days := acct.Limits.MaxShareLinkDays; days > 0 {
			// The plan bounds a link's validity from its creation,
			// whenever it starts.
			bound := l.CreatedAt.Add(time.Duration(days) * 24 * time.Hour)
			if l.ExpiresAt == nil {
				l.ExpiresAt = &bound
			} else if l.ExpiresAt.After(bound) {
				return linkLimitReached("the account's plan keeps a share link valid for at most %d days (limit max_share_link_days): expires_at must be at or before %s", days, bound.Format(time.RFC3339))
			}
		}
		if limit := acct.Limits.MaxShareLinks; limit > 0 {
			n, err := tx.CountActiveShareLinks(ctx, a.AccountID, l.CreatedAt)
			if err != nil {
				return err
			}
			if n >= limit {
				return linkLimitReached("the account's plan allows %d share links that are neither revoked nor expired (limit max_share_links), and has %d; revoke one first", limit, n)
			}
		}
		ev.Detail["password"] = strconv.FormatBool(l.HasPassword)
		if l.MaxDownloads > 0 {
			ev.Detail["max_downloads"] = strconv.Itoa(l.MaxDownloads)
		}
		if l.StartsAt != nil {
			ev.Detail["starts_at"] = l.StartsAt.Format(time.RFC3339)
		}
		if l.ExpiresAt != nil {
			ev.Detail["expires_at"] = l.ExpiresAt.Format(time.RFC3339)
		}
		return unique(tx.CreateShareLink(ctx, l), "share link %s already exists", l.ID)
	})
	if err != nil {
		return NewShareLink{}, err
	}
	l.Status = l.StatusAt(time.Now())
	return NewShareLink{ShareLink: l, Token: token, Path: "/api/v1/shared/" + token}, nil
}

// checkSharePassword is the rule of a link's password: it is shared with
// people outside the account, often by voice, so shorter than a user's,
// but never one of the most common passwords.
func checkSharePassword(pw string) error {
	if !utf8.ValidString(pw) {
		return errors.New("password is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(pw); n < MinSharePasswordLen || n > identity.MaxPasswordLen {
		return fmt.Errorf("password must have %d to %d characters", MinSharePasswordLen, identity.MaxPasswordLen)
	}
	if identity.IsCommonPassword(pw) {
		return errors.New("password is one of the most commonly used passwords; choose another")
	}
	return nil
}

// ShareLinkQuery selects share links of the caller's account.
type ShareLinkQuery struct {
	// All lists every link of the account; CreatedBy those of one user.
	// Either, for anyone but the caller, needs review_access. Without
	// them the caller's own links are listed.
	All       bool
	CreatedBy string
	// Active keeps the links neither revoked nor expired.
	Active bool
	Limit  int
	Cursor string
}

// ShareLinkPage is one page of share links, newest first.
type ShareLinkPage struct {
	Links      []domain.ShareLink `json:"links"`
	NextCursor string             `json:"next_cursor"`
}

// ListShareLinks lists share links: the caller's own, or (review_access)
// the account's.
func (s *Service) ListShareLinks(ctx context.Context, a Actor, q ShareLinkQuery) (ShareLinkPage, error) {
	page := ShareLinkPage{Links: []domain.ShareLink{}}
	if err := s.member(a); err != nil {
		return page, err
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	if q.Limit < 1 || q.Limit > 1000 {
		return page, badQuery("limit", "limit must be between 1 and 1000")
	}
	f := store.ShareLinkFilter{CreatedBy: q.CreatedBy, Limit: q.Limit + 1}
	switch {
	case q.All || q.CreatedBy != "" && q.CreatedBy != a.UserID:
		if err := s.require(a, authz.ReviewAccess); err != nil {
			return page, err
		}
	default:
		f.CreatedBy = a.UserID
	}
	now := time.Now()
	if q.Active {
		f.ActiveAt = now
	}
	if q.Cursor != "" {
		at, id, ok := strings.Cut(q.Cursor, ".")
		us, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil || us <= 0 || authz.ValidID(id) != nil {
			return page, badQuery("cursor", "the cursor is not one this server issued")
		}
		f.BeforeAt, f.BeforeID = time.UnixMicro(us).UTC(), id
	}
	ls, err := s.store.ListShareLinks(ctx, a.AccountID, f)
	if err != nil {
		return page, err
	}
	if len(ls) > q.Limit {
		ls = ls[:q.Limit]
		last := ls[q.Limit-1]
		page.NextCursor = strconv.FormatInt(last.CreatedAt.UnixMicro(), 10) + "." + last.ID
	}
	for i := range ls {
		ls[i].Status = ls[i].StatusAt(now)
	}
	page.Links = ls
	return page, nil
}

// shareInAccount loads a link the actor may manage: their own, or any of
// the account's with review_access. Others do not exist for the actor.
func (s *Service) shareInAccount(ctx context.Context, a Actor, id string) (domain.ShareLink, error) {
	if authz.ValidID(id) != nil {
		return domain.ShareLink{}, notFound("share link")
	}
	l, err := s.store.GetShareLink(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && (l.AccountID != a.AccountID || l.CreatedBy != a.UserID && !s.can(a, authz.ReviewAccess)) {
		return domain.ShareLink{}, notFound("share link")
	}
	return l, err
}

// GetShareLink returns a link the caller may manage, with its downloads
// by media object (never its token, which is not stored).
func (s *Service) GetShareLink(ctx context.Context, a Actor, id string) (domain.ShareLink, error) {
	if err := s.member(a); err != nil {
		return domain.ShareLink{}, err
	}
	l, err := s.shareInAccount(ctx, a, id)
	if err != nil {
		return l, err
	}
	if l.Downloads, err = s.store.ShareLinkDownloads(ctx, l.ID); err != nil {
		return l, err
	}
	l.Status = l.StatusAt(time.Now())
	return l, nil
}

// RevokeShareLink ends a link at once: its creator, or a holder of
// review_access in the account. Revoking a revoked link changes nothing.
func (s *Service) RevokeShareLink(ctx context.Context, a Actor, id string) error {
	if err := s.member(a); err != nil {
		return err
	}
	l, err := s.shareInAccount(ctx, a, id)
	if err != nil || l.RevokedAt != nil {
		return err
	}
	ev := a.event(AuditShareRevoke, "share_link:"+l.ID)
	ev.Detail = map[string]string{"target": l.Target, "created_by": l.CreatedBy}
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		return storeErr(tx.RevokeShareLink(ctx, l.ID, a.UserID), "share link")
	})
	return err
}

// ---- public use

// SharedRequest is a request through a share link, without a session.
type SharedRequest struct {
	Token string
	// Unlock is the proof of the link's password from UnlockShared, if
	// the client has one.
	Unlock string
	IP     string
}

// shareNotFound is every refusal of a link itself: unknown, revoked,
// expired, not yet valid, or whose creator may no longer share it.
func shareNotFound() *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: "share link not found, or no longer valid"}
}

// sharedFileNotFound is every refusal of one file through a valid link.
func sharedFileNotFound() *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: "no such file through this link"}
}

// ErrSharePasswordRequired answers a request through a link with a
// password but without a valid proof of it (see UnlockShared).
var ErrSharePasswordRequired = &Error{Kind: KindUnauthenticated, Code: "password_required",
	Message: "this link has a password: unlock it with POST …/unlock first"}

var errShareWrongPassword = &Error{Kind: KindInvalid, Code: "invalid_password", Field: "password", Message: "the password is wrong"}

// errSharingHeld refuses a link to a held upload: its uploader sees it,
// but nobody else may until an approver publishes it.
var errSharingHeld = &Error{Kind: KindConflict, Code: "held_for_moderation",
	Message: "this is held for moderation: it can be shared once an approver publishes it"}

var errShareDownloadLimit = &Error{Kind: KindForbidden, Code: "download_limit_reached",
	Message: "this file has been downloaded through this link as many times as the link allows"}

// shareUse is a link found valid for a request, with its creator, whose
// rights it lends.
type shareUse struct {
	link    domain.ShareLink
	target  authz.ObjectRef
	creator Actor
	ev      domain.AuditEvent
}

// deny audits a refused use with its real reason and returns the public
// answer.
func (s *Service) deny(ctx context.Context, ev domain.AuditEvent, reason string, answer error) error {
	ev.Result = domain.AuditDenied
	ev.Detail = cloneDetail(ev.Detail)
	ev.Detail["reason"] = reason
	s.auditAlone(ctx, ev)
	return answer
}

func cloneDetail(d map[string]string) map[string]string {
	out := make(map[string]string, len(d)+4)
	for k, v := range d {
		out[k] = v
	}
	return out
}

// openShare finds the link of a request and decides, now, whether it
// stands: it exists, is neither revoked nor outside its window, its
// creator is an active user of its account who can still see the
// target, and (unless unlocking) the request proves the password. The
// event it returns is the request's audit event (of type typ).
func (s *Service) openShare(ctx context.Context, req SharedRequest, typ string, detail map[string]string, unlocking bool) (shareUse, error) {
	if !ValidShareToken(req.Token) {
		return shareUse{}, shareNotFound()
	}
	l, err := s.store.GetShareLinkByHash(ctx, identity.HashSecret(req.Token))
	if errors.Is(err, store.ErrNotFound) {
		return shareUse{}, shareNotFound()
	}
	if err != nil {
		return shareUse{}, err
	}
	u := shareUse{link: l, creator: Actor{UserID: l.CreatedBy, AccountID: l.AccountID, IP: req.IP},
		ev: domain.AuditEvent{Account: l.AccountID, Type: typ, Target: "share_link:" + l.ID, ClientIP: req.IP, Result: domain.AuditOK, Detail: cloneDetail(detail)}}
	u.ev.Detail["target"] = l.Target
	if u.target, err = authz.ParseObjectRef(l.Target); err != nil {
		return shareUse{}, fmt.Errorf("share link %s: %w", l.ID, err)
	}
	var reason string
	switch l.StatusAt(time.Now()) {
	case domain.ShareRevoked:
		reason = "the link is revoked"
	case domain.ShareExpired:
		reason = "the link has expired"
	case domain.ShareScheduled:
		reason = "the link is not valid yet"
	default:
		switch {
		case s.member(u.creator) != nil:
			reason = "the link's creator is not an active user of the account"
		case s.visible(u.creator, u.target) != nil:
			reason = "the link's creator can no longer see " + l.Target
		case s.Engine().Held(u.target):
			reason = l.Target + " is held for moderation"
		}
	}
	if reason != "" {
		return shareUse{}, s.deny(ctx, u.ev, reason, shareNotFound())
	}
	if l.HasPassword && !unlocking {
		ok, err := s.checkUnlock(ctx, l, req.Unlock)
		if err != nil {
			return shareUse{}, err
		}
		if !ok {
			reason := "the password was not given"
			if req.Unlock != "" {
				reason = "the proof of the password is wrong or expired"
			}
			return shareUse{}, s.deny(ctx, u.ev, reason, ErrSharePasswordRequired)
		}
	}
	return u, nil
}

// ---- passwords

// ShareUnlock proves a link's password for a while: send it back in the
// Atrium-Share-Unlock header (or its cookie) with each request.
type ShareUnlock struct {
	UnlockToken string    `json:"unlock_token"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// unlockMAC binds a proof to the link, its expiry and its password hash.
func unlockMAC(key []byte, l domain.ShareLink, exp int64) []byte {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "atrium share unlock\x00%s\x00%d\x00%s", l.ID, exp, l.PasswordHash)
	return m.Sum(nil)
}

// newUnlock issues a proof of the link's password. It is stateless (an
// HMAC under an instance secret, with its expiry): nothing is stored, and
// every server on the database accepts it.
func (s *Service) newUnlock(ctx context.Context, l domain.ShareLink) (ShareUnlock, error) {
	key, err := s.shareKey(ctx)
	if err != nil {
		return ShareUnlock{}, err
	}
	exp := time.Now().Add(ShareUnlockTTL).Truncate(time.Second)
	b := binary.BigEndian.AppendUint64(nil, uint64(exp.Unix()))
	b = append(b, unlockMAC(key, l, exp.Unix())...)
	return ShareUnlock{UnlockToken: shareUnlockPrefix + base64.RawURLEncoding.EncodeToString(b), ExpiresAt: exp.UTC()}, nil
}

// checkUnlock verifies a proof of the link's password, in constant time.
func (s *Service) checkUnlock(ctx context.Context, l domain.ShareLink, proof string) (bool, error) {
	rest, ok := strings.CutPrefix(proof, shareUnlockPrefix)
	if !ok || len(rest) > 100 {
		return false, nil
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil || len(b) != 8+sha256.Size {
		return false, nil
	}
	exp := int64(binary.BigEndian.Uint64(b[:8]))
	now := time.Now()
	if exp <= now.Unix() || exp > now.Add(ShareUnlockTTL+time.Minute).Unix() {
		return false, nil
	}
	key, err := s.shareKey(ctx)
	if err != nil {
		return false, err
	}
	return hmac.Equal(b[8:], unlockMAC(key, l, exp)), nil
}

// shareCounters are the throttle counters of a link's password: the
// sign-in throttle's limits, per link (every client's guesses count
// together) and per client address, under keys of their own.
func (s *Service) shareCounters(linkID, ip string) []counter {
	var cs []counter
	if s.thr.PerLogin > 0 {
		cs = append(cs, counter{store.ThrottleKey{Key: throttleKey("share link", linkID), Limit: s.thr.PerLogin}, "link"})
	}
	if s.thr.PerIP > 0 && ip != "" {
		cs = append(cs, counter{store.ThrottleKey{Key: throttleKey("share client address", ipBucket(ip)), Limit: s.thr.PerIP}, "client address"})
	}
	return cs
}

// UnlockShared checks a link's password and returns a proof of it for
// the requests that follow. Wrong passwords are throttled per link and
// per client address, as sign-ins are; once a counter is full the answer
// is 429 rate_limited, without the password being checked, until its
// oldest failures leave the window.
func (s *Service) UnlockShared(ctx context.Context, req SharedRequest, password string) (ShareUnlock, error) {
	u, err := s.openShare(ctx, req, AuditShareUnlock, nil, true)
	if err != nil {
		return ShareUnlock{}, err
	}
	if !u.link.HasPassword {
		return ShareUnlock{}, invalid("password", "this link has no password: use it as it is")
	}
	if password == "" {
		return ShareUnlock{}, invalid("password", "password is required")
	}
	at := attempt{id: domain.NewID("att"), counters: s.shareCounters(u.link.ID, req.IP)}
	if len(at.counters) > 0 {
		keys := make([]store.ThrottleKey, len(at.counters))
		for i, c := range at.counters {
			keys[i] = c.key
		}
		now := time.Now()
		since := now.Add(-s.thr.Window)
		counts, ok, err := s.store.ReserveLoginAttempt(ctx, at.id, keys, now, since)
		if err != nil {
			return ShareUnlock{}, err
		}
		at.counts = counts
		if !ok {
			// Refused attempts are not audited one by one: the one that
			// filled the counter was.
			retry := time.Second
			for i, c := range at.counters {
				if counts[i] < c.key.Limit {
					continue
				}
				oldest, err := s.store.LoginAttemptAt(ctx, c.key.Key, since, counts[i]-c.key.Limit)
				if err != nil {
					return ShareUnlock{}, err
				}
				retry = max(retry, oldest.Add(s.thr.Window).Sub(now))
			}
			return ShareUnlock{}, ErrRateLimited(retry)
		}
	}
	ok, err := identity.VerifyPassword(u.link.PasswordHash, password)
	if err != nil {
		return ShareUnlock{}, fmt.Errorf("share link %s: %w", u.link.ID, err)
	}
	if !ok {
		var locked []string
		for i, c := range at.counters {
			if at.counts[i]+1 == c.key.Limit {
				locked = append(locked, c.what)
			}
		}
		if locked != nil {
			u.ev.Detail["locked"] = strings.Join(locked, ",")
			s.log.Warn("share link password locked out", "link", u.link.ID, "counter", locked, "ip", req.IP, "window", s.thr.Window)
		}
		return ShareUnlock{}, s.deny(ctx, u.ev, "wrong password", errShareWrongPassword)
	}
	if len(at.counters) > 0 {
		// Only failures count; a success does not reset the link's
		// counter, so that a guesser gains nothing from the owner's
		// own use of the link.
		if err := s.store.ForgiveLoginAttempt(ctx, at.id, nil); err != nil {
			s.log.Error("share password attempt not taken back", "err", err)
		}
	}
	proof, err := s.newUnlock(ctx, u.link)
	if err != nil {
		return ShareUnlock{}, err
	}
	s.auditAlone(ctx, u.ev)
	return proof, nil
}

// ---- what a link shows

// SharedView is what a link shows: one of record, media or collection,
// with only what its creator can see now.
type SharedView struct {
	// Target is the kind of object shared: record, media or collection.
	Target string `json:"target"`
	// Download says whether the link downloads originals at all; each
	// media object says whether its own can be downloaded now.
	Download     bool              `json:"download"`
	MaxDownloads int               `json:"max_downloads"`
	ExpiresAt    *time.Time        `json:"expires_at,omitempty"`
	Record       *SharedRecord     `json:"record,omitempty"`
	Media        *SharedMedia      `json:"media,omitempty"`
	Collection   *SharedCollection `json:"collection,omitempty"`
}

// SharedRecord is a record as a link shows it.
type SharedRecord struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Keywords    []string      `json:"keywords"`
	Media       []SharedMedia `json:"media"`
}

// SharedMedia is a media object as a link shows it. Download says
// whether its original can be downloaded through the link now, at
// …/media/{id}/file; DownloadsLeft, under a per-file limit, how many
// more times.
type SharedMedia struct {
	ID            string      `json:"id"`
	MediaType     string      `json:"media_type"`
	Filename      string      `json:"filename"`
	File          *SharedFile `json:"file,omitempty"`
	Download      bool        `json:"download"`
	DownloadsLeft *int        `json:"downloads_left,omitempty"`
}

// SharedFile describes a media object's original.
type SharedFile struct {
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256"`
}

// SharedCollection is a collection as a link shows it: a page of its
// records that the creator can see.
type SharedCollection struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Records     []SharedRecord `json:"records"`
	NextCursor  string         `json:"next_cursor"`
}

// SharedPage pages a shared collection's records.
type SharedPage struct {
	Limit  int // 1 to 200, default 50
	Cursor string
}

// shareDecider decides what of a link's media may be downloaded, with the
// creator's download profiles and the link's counts read once.
type shareDecider struct {
	s      *Service
	u      shareUse
	held   []domain.DownloadProfile
	counts map[string]int
}

func (s *Service) decider(ctx context.Context, u shareUse) (*shareDecider, error) {
	d := &shareDecider{s: s, u: u}
	if !u.link.Download {
		return d, nil
	}
	var err error
	if d.held, err = s.heldDownloadProfiles(ctx, u.creator); err != nil {
		return nil, err
	}
	if d.counts, err = s.store.ShareLinkDownloads(ctx, u.link.ID); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *shareDecider) media(m domain.Media, f *domain.File) SharedMedia {
	out := SharedMedia{ID: m.ID, MediaType: m.MediaType, Filename: m.Filename}
	if f != nil {
		out.File = &SharedFile{Size: f.Size, ContentType: f.ContentType, SHA256: f.SHA256}
	}
	if !d.u.link.Download {
		return out
	}
	if limit := d.u.link.MaxDownloads; limit > 0 {
		left := max(limit-d.counts[m.ID], 0)
		out.DownloadsLeft = &left
	}
	_, refusal := d.s.decideDownload(d.u.creator, m, RenditionOriginal, d.held)
	out.Download = f != nil && refusal == nil && (out.DownloadsLeft == nil || *out.DownloadsLeft > 0)
	return out
}

// record shows a record the creator can see, with its media the creator
// can see.
func (d *shareDecider) record(ctx context.Context, r store.Reader, rec domain.Record) (SharedRecord, error) {
	out := SharedRecord{ID: rec.ID, Title: rec.Title, Description: rec.Description, Keywords: rec.Keywords, Media: []SharedMedia{}}
	if out.Keywords == nil {
		out.Keywords = []string{}
	}
	ms, err := r.ListRecordMedia(ctx, rec.ID)
	if err != nil {
		return out, err
	}
	fs, err := r.RecordFiles(ctx, rec.ID)
	if err != nil {
		return out, err
	}
	files := map[string]*domain.File{}
	for i := range fs {
		files[fs[i].MediaID] = &fs[i]
	}
	e := d.s.Engine()
	for _, m := range ms {
		ref := authz.ObjectRef{Type: authz.Media, ID: m.ID}
		if e.Check(d.u.creator.UserID, authz.CanPreview, ref) && !e.Held(ref) {
			out.Media = append(out.Media, d.media(m, files[m.ID]))
		}
	}
	return out, nil
}

// ViewShared answers what a link shows, as its creator can see it now;
// every view is audited.
func (s *Service) ViewShared(ctx context.Context, req SharedRequest, p SharedPage) (SharedView, error) {
	if p.Limit == 0 {
		p.Limit = 50
	}
	if p.Limit < 1 || p.Limit > 200 {
		return SharedView{}, badQuery("limit", "limit must be between 1 and 200")
	}
	u, err := s.openShare(ctx, req, AuditShareView, nil, false)
	if err != nil {
		return SharedView{}, err
	}
	view := SharedView{Target: u.target.Type.String(), Download: u.link.Download, MaxDownloads: u.link.MaxDownloads, ExpiresAt: u.link.ExpiresAt}
	d, err := s.decider(ctx, u)
	if err != nil {
		return SharedView{}, err
	}
	err = s.store.Snapshot(ctx, func(r store.Reader) error {
		switch u.target.Type {
		case authz.Record:
			rec, err := r.GetRecord(ctx, u.target.ID)
			if err != nil {
				return storeErr(err, "record")
			}
			sr, err := d.record(ctx, r, rec)
			view.Record = &sr
			return err
		case authz.Media:
			m, err := r.GetMedia(ctx, u.target.ID)
			if err != nil {
				return storeErr(err, "media")
			}
			var f *domain.File
			if fl, err := r.GetMediaFile(ctx, m.ID); err == nil {
				f = &fl
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			sm := d.media(m, f)
			view.Media = &sm
			return nil
		default:
			sc, err := s.sharedCollection(ctx, r, d, p)
			view.Collection = sc
			return err
		}
	})
	if e, ok := AsError(err); ok && e.Kind == KindNotFound {
		// Deleted since the engine's check: as invalid as any other.
		return SharedView{}, s.deny(ctx, u.ev, "the target no longer exists", shareNotFound())
	}
	if err != nil {
		return SharedView{}, err
	}
	if view.Collection != nil {
		u.ev.Detail["records"] = strconv.Itoa(len(view.Collection.Records))
	}
	s.auditAlone(ctx, u.ev)
	return view, nil
}

// sharedCollection is a page of a collection's records the creator can
// see, in the collection's order; the cursor is the last record shown.
func (s *Service) sharedCollection(ctx context.Context, r store.Reader, d *shareDecider, p SharedPage) (*SharedCollection, error) {
	id := d.u.target.ID
	c, err := r.GetCollection(ctx, id)
	if err != nil {
		return nil, storeErr(err, "collection")
	}
	ids, err := r.CollectionRecords(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Cursor != "" {
		i := slices.Index(ids, p.Cursor)
		if i < 0 {
			return nil, badQuery("cursor", "the cursor is not a record of this collection (any more): start again")
		}
		ids = ids[i+1:]
	}
	e := s.Engine()
	var page []string
	next := ""
	for _, rid := range ids {
		ref := authz.ObjectRef{Type: authz.Record, ID: rid}
		if !e.Check(d.u.creator.UserID, authz.CanView, ref) || e.Held(ref) {
			continue
		}
		if len(page) == p.Limit {
			next = page[len(page)-1]
			break
		}
		page = append(page, rid)
	}
	recs, err := r.GetRecords(ctx, page)
	if err != nil {
		return nil, err
	}
	out := &SharedCollection{ID: c.ID, Name: c.Name, Description: c.Description, Records: []SharedRecord{}, NextCursor: next}
	for _, rec := range recs {
		sr, err := d.record(ctx, r, rec)
		if err != nil {
			return nil, err
		}
		out.Records = append(out.Records, sr)
	}
	return out, nil
}

// ---- downloads through a link

// SharedDownload is a file open for download through a link.
type SharedDownload struct {
	*Download
	link domain.ShareLink
	ev   domain.AuditEvent
}

// OpenSharedFile opens the original of a media object for download
// through a link, checked now: the link stands, downloads are on, the
// media object belongs to the link's target, its creator holds
// can_download on it and a download profile allowing the original, and
// the link's per-file limit is not reached. Refusals are audited with
// their reason and answer 404 (403 download_limit_reached for the limit).
// The caller records the download with RecordSharedDownload before its
// first byte.
func (s *Service) OpenSharedFile(ctx context.Context, req SharedRequest, mediaID string) (*SharedDownload, error) {
	return s.openShared(ctx, req, mediaID, RenditionOriginal, func(m domain.Media) (*Download, error) {
		return s.openFile(ctx, m, RenditionOriginal)
	})
}

// openShared is a download of one rendition of a media object through a
// link: every check of OpenSharedFile, with the download rule
// (DownloadAllowed) of that rendition for the creator, then open. A
// rendition route plugs in here with the renditions' own open.
func (s *Service) openShared(ctx context.Context, req SharedRequest, mediaID, rendition string, open func(domain.Media) (*Download, error)) (*SharedDownload, error) {
	detail := map[string]string{"media": truncate(mediaID, 64), "rendition": rendition}
	u, err := s.openShare(ctx, req, AuditShareDownload, detail, false)
	if err != nil {
		return nil, err
	}
	if !u.link.Download {
		return nil, s.deny(ctx, u.ev, "downloads are off for this link", sharedFileNotFound())
	}
	m, err := s.sharedMedia(ctx, u, mediaID)
	if err != nil {
		return nil, err
	}
	if err := s.DownloadAllowed(ctx, u.creator, m.ID, rendition); err != nil {
		reason := "the link's creator may not download it now"
		if e, ok := AsError(err); ok {
			reason += ": " + e.Message
		}
		return nil, s.deny(ctx, u.ev, reason, sharedFileNotFound())
	}
	if u.link.MaxDownloads > 0 {
		counts, err := s.store.ShareLinkDownloads(ctx, u.link.ID)
		if err != nil {
			return nil, err
		}
		if counts[m.ID] >= u.link.MaxDownloads {
			return nil, s.deny(ctx, u.ev, "download limit reached", errShareDownloadLimit)
		}
	}
	d, err := open(m)
	if e, ok := AsError(err); ok && e.Kind == KindNotFound {
		return nil, s.deny(ctx, u.ev, "the media object has no file yet", sharedFileNotFound())
	}
	if err != nil {
		return nil, err
	}
	return &SharedDownload{Download: d, link: u.link, ev: u.ev}, nil
}

// sharedMedia finds a media object a link may serve: one that exists,
// belongs to the link's target and is not held for moderation. Any
// other is denied (audited with its reason) as one "no such file".
func (s *Service) sharedMedia(ctx context.Context, u shareUse, mediaID string) (domain.Media, error) {
	if authz.ValidID(mediaID) != nil {
		return domain.Media{}, s.deny(ctx, u.ev, "no such media object", sharedFileNotFound())
	}
	m, err := s.store.GetMedia(ctx, mediaID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Media{}, s.deny(ctx, u.ev, "no such media object", sharedFileNotFound())
	}
	if err != nil {
		return domain.Media{}, err
	}
	in, err := s.inShareTarget(ctx, u.target, m)
	if err != nil {
		return domain.Media{}, err
	}
	if !in {
		return domain.Media{}, s.deny(ctx, u.ev, "the media object is not part of "+u.link.Target, sharedFileNotFound())
	}
	if s.Engine().Held(authz.ObjectRef{Type: authz.Media, ID: m.ID}) {
		return domain.Media{}, s.deny(ctx, u.ev, "the media object is held for moderation", sharedFileNotFound())
	}
	return m, nil
}

// OpenSharedRendition opens a ready rendition (thumbnail, preview,
// large) of a media object of a link. With download it is a download
// like OpenSharedFile's: the rendition's download rule for the creator,
// counted against the per-file limit, recorded by the caller with
// RecordSharedDownload. Without, it is a view in the page, which a link
// with downloads off gives too: the creator must be allowed to view that
// rendition now (ViewAllowed's rule: thumbnail and preview need
// can_preview, large can_view). A view is audited as share.view at once
// and not counted.
func (s *Service) OpenSharedRendition(ctx context.Context, req SharedRequest, mediaID, kind string, download bool) (*SharedDownload, error) {
	if !domain.IsMadeRendition(kind) {
		return nil, unknownRendition(kind)
	}
	if download {
		return s.openShared(ctx, req, mediaID, kind, func(m domain.Media) (*Download, error) {
			return s.openRendition(ctx, m, kind, false)
		})
	}
	detail := map[string]string{"media": truncate(mediaID, 64), "rendition": kind, "inline": "true"}
	u, err := s.openShare(ctx, req, AuditShareView, detail, false)
	if err != nil {
		return nil, err
	}
	m, err := s.sharedMedia(ctx, u, mediaID)
	if err != nil {
		return nil, err
	}
	if err := s.ViewAllowed(ctx, u.creator, m.ID, kind); err != nil {
		reason := "the link's creator may not view it now"
		if e, ok := AsError(err); ok {
			reason += ": " + e.Message
		}
		return nil, s.deny(ctx, u.ev, reason, sharedFileNotFound())
	}
	d, err := s.openRendition(ctx, m, kind, true)
	if err != nil {
		return nil, err
	}
	if err := s.store.Audit(ctx, u.ev); err != nil {
		d.Content.Close()
		return nil, fmt.Errorf("record the view of share link %s: %w", u.link.ID, err)
	}
	return &SharedDownload{Download: d, link: u.link, ev: u.ev}, nil
}

// inShareTarget reports whether a media object belongs to what a link
// shares: the media object itself, the record's media, or the media of
// the collection's records.
func (s *Service) inShareTarget(ctx context.Context, target authz.ObjectRef, m domain.Media) (bool, error) {
	switch target.Type {
	case authz.Media:
		return m.ID == target.ID, nil
	case authz.Record:
		return m.RecordID == target.ID, nil
	case authz.Collection:
		ids, err := s.store.CollectionRecords(ctx, target.ID)
		return slices.Contains(ids, m.RecordID), err
	}
	return false, nil
}

// RecordSharedDownload counts and audits a download through a link about
// to be sent; detail adds to the event (the byte range, the length). It
// refuses, with download_limit_reached, a download past the link's
// per-file limit (two at once cannot both take the last one). A download
// that cannot be recorded must not be sent.
func (s *Service) RecordSharedDownload(ctx context.Context, d *SharedDownload, detail map[string]string) error {
	ev := d.ev
	ev.Detail = cloneDetail(ev.Detail)
	ev.Detail["file"], ev.Detail["sha256"] = d.File.ID, d.File.SHA256
	for k, v := range detail {
		ev.Detail[k] = v
	}
	counted, err := s.store.CountShareDownload(ctx, d.link.ID, d.Media.ID, d.link.MaxDownloads, ev)
	if err != nil {
		return fmt.Errorf("record the download of media %s through share link %s: %w", d.Media.ID, d.link.ID, err)
	}
	if !counted {
		return s.deny(ctx, d.ev, "download limit reached", errShareDownloadLimit)
	}
	return nil
}
