package service

import (
	"context"
	"errors"
	"net/netip"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// Locator tells the country of a client address: an upper-case ISO
// 3166-1 alpha-2 code, or "" when the location is unknown. An error means
// the lookup itself failed; the address then counts as unknown.
// *geo.DB is the server's Locator.
type Locator interface {
	Country(addr netip.Addr) (string, error)
}

// ErrLocationNotAllowed refuses a sign-up or an invitation's acceptance
// from a place the account's geography rule keeps out. It tells only
// what the caller's own location and an account open to sign-ups (or a
// valid invitation) imply; a refused sign-in gets ErrUnauthenticated
// instead (see SignIn).
var ErrLocationNotAllowed = &Error{Kind: KindForbidden, Code: "location_not_allowed",
	Message: "this account does not accept registrations from your location"}

// unknownCountry stands for an unknown location in the audit log.
const unknownCountry = "unknown"

// geoRule reads an account's geography rule; an account that never set
// one has it off.
func geoRule(ctx context.Context, r store.Reader, accountID string) (domain.GeoRule, error) {
	rule, err := r.GetGeoRule(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.DefaultGeoRule(), nil
	}
	return rule, err
}

// country is the country of a client address, "" when unknown (no
// database, an address that is none, a failed lookup: logged).
func (s *Service) country(ip string) string {
	if s.geo == nil {
		return ""
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	c, err := s.geo.Country(addr)
	if err != nil {
		s.log.Error("GeoIP lookup failed; the location counts as unknown", "err", err)
		return ""
	}
	return c
}

// located checks a client address against an account's geography rule.
// It returns whether the rule lets the client in and, for the audit log,
// where the client is: a country code or "unknown".
func (s *Service) located(ctx context.Context, accountID, ip string) (bool, string, error) {
	rule, err := geoRule(ctx, s.store, accountID)
	if err != nil {
		return false, "", err
	}
	c := s.country(ip)
	where := c
	if c == "" {
		where = unknownCountry
	}
	return rule.Allows(c), where, nil
}

// GeoSettings are an account's geography rule with what an administrator
// needs to judge it: whether the server can locate anyone at all, and
// where it locates the administrator's own request.
type GeoSettings struct {
	domain.GeoRule
	// GeoIPDatabase says whether the server has a GeoIP database;
	// without one every location is unknown.
	GeoIPDatabase bool `json:"geoip_database"`
	// ClientCountry is the country the server places this request in,
	// "" when unknown: what the rule would see of a sign-in from here.
	ClientCountry string `json:"client_country"`
}

func (s *Service) geoSettings(a Actor, rule domain.GeoRule) GeoSettings {
	return GeoSettings{GeoRule: rule, GeoIPDatabase: s.geo != nil, ClientCountry: s.country(a.IP)}
}

// GetGeoRule returns the actor's account's geography rule
// (manage_settings).
func (s *Service) GetGeoRule(ctx context.Context, a Actor) (GeoSettings, error) {
	if err := s.member(a); err != nil {
		return GeoSettings{}, err
	}
	if err := s.require(a, authz.ManageSettings); err != nil {
		return GeoSettings{}, err
	}
	rule, err := geoRule(ctx, s.store, a.AccountID)
	if err != nil {
		return GeoSettings{}, err
	}
	return s.geoSettings(a, rule), nil
}

// SetGeoRule replaces the actor's account's geography rule
// (manage_settings). The rule applies to sign-ins, sign-ups and
// invitations from the next request on; sessions and API tokens that
// exist already are not affected.
func (s *Service) SetGeoRule(ctx context.Context, a Actor, in domain.GeoRule) (GeoSettings, error) {
	if err := s.member(a); err != nil {
		return GeoSettings{}, err
	}
	ev := a.event(AuditGeoRule, "account:"+a.AccountID)
	if err := s.require(a, authz.ManageSettings); err != nil {
		return GeoSettings{}, s.refused(ctx, ev, err)
	}
	rule, err := domain.NormalizeGeoRule(in)
	if err != nil {
		return GeoSettings{}, s.refused(ctx, ev, fieldInvalid(err, "rule"))
	}
	ev.Detail = map[string]string{"mode": rule.Mode, "countries": strings.Join(rule.Countries, ","), "unknown": rule.Unknown}
	if _, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, _ *domain.AuditEvent) error {
		return storeErr(tx.SetGeoRule(ctx, a.AccountID, rule), "account")
	}); err != nil {
		return GeoSettings{}, err
	}
	return s.geoSettings(a, rule), nil
}
