package domain

import (
	"fmt"
	"slices"
	"strings"
)

// Modes of an account's geography rule.
const (
	GeoOff   = "off"   // no rule (the default)
	GeoAllow = "allow" // only the listed countries
	GeoDeny  = "deny"  // every country but the listed ones
)

// What a geography rule does with a client whose country is unknown.
const (
	GeoUnknownAllow = "allow"
	GeoUnknownDeny  = "deny"
)

// GeoRule is an account's geography rule: an allow-list or a deny-list of
// countries (ISO 3166-1 alpha-2 codes) that applies to sign-in, sign-up
// and accepting an invitation, by the country of the client address.
type GeoRule struct {
	Mode      string   `json:"mode"`
	Countries []string `json:"countries"`
	// Unknown is what happens to a client the server cannot locate (no
	// GeoIP database, a private or loopback address, an address the
	// database does not know): allow or deny.
	Unknown string `json:"unknown"`
}

// DefaultGeoRule is the rule of an account that never set one: off.
func DefaultGeoRule() GeoRule {
	return GeoRule{Mode: GeoOff, Countries: []string{}, Unknown: GeoUnknownAllow}
}

// NormalizeGeoRule checks a rule and returns it normalised: countries
// upper-cased, de-duplicated and sorted. An empty Unknown takes the
// mode's own logic, an unknown country being on no list: an allow-list
// refuses it, a deny-list lets it through.
func NormalizeGeoRule(r GeoRule) (GeoRule, error) {
	switch r.Mode {
	case GeoOff, GeoAllow, GeoDeny:
	default:
		return r, fieldErr("mode", "invalid mode %q (want off, allow or deny)", r.Mode)
	}
	if len(r.Countries) > len(countryCodes) {
		return r, fieldErr("countries", "at most %d countries", len(countryCodes))
	}
	cs := make([]string, 0, len(r.Countries))
	for i, c := range r.Countries {
		code := strings.ToUpper(strings.TrimSpace(c))
		if !IsCountryCode(code) {
			return r, fieldErr(fmt.Sprintf("countries[%d]", i), "%s", notCountry(c))
		}
		cs = append(cs, code)
	}
	slices.Sort(cs)
	r.Countries = slices.Compact(cs)
	if r.Mode != GeoOff && len(r.Countries) == 0 {
		return r, fieldErr("countries", "mode %s needs at least one country", r.Mode)
	}
	switch r.Unknown {
	case GeoUnknownAllow, GeoUnknownDeny:
	case "":
		r.Unknown = GeoUnknownAllow
		if r.Mode == GeoAllow {
			r.Unknown = GeoUnknownDeny
		}
	default:
		return r, fieldErr("unknown", "invalid value %q for unknown locations (want allow or deny)", r.Unknown)
	}
	return r, nil
}

func notCountry(c string) string {
	const max = 20
	if len(c) > max {
		c = c[:max] + "…"
	}
	msg := fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code", c)
	if strings.EqualFold(strings.TrimSpace(c), "UK") {
		msg += " (the United Kingdom is GB)"
	}
	return msg
}

// Allows reports whether the rule lets a client in from a country ("" when
// unknown).
func (r GeoRule) Allows(country string) bool {
	switch {
	case r.Mode != GeoAllow && r.Mode != GeoDeny:
		return true
	case country == "":
		return r.Unknown == GeoUnknownAllow
	case r.Mode == GeoAllow:
		return slices.Contains(r.Countries, country)
	default:
		return !slices.Contains(r.Countries, country)
	}
}

// IsCountryCode reports whether code is an officially assigned ISO 3166-1
// alpha-2 code, upper-case, or XK, which MaxMind's databases give Kosovo.
func IsCountryCode(code string) bool {
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return false
	}
	_, ok := slices.BinarySearch(countryCodes, code)
	return ok
}

// countryCodes are the 249 officially assigned ISO 3166-1 alpha-2 codes and
// XK, sorted.
var countryCodes = strings.Fields(`
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ
EC EE EG EH ER ES ET
FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ
OM
PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA
RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ
VA VC VE VG VI VN VU
WF WS
XK
YE YT
ZA ZM ZW
`)
