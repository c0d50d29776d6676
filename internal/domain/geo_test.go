package domain

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCountryCodes(t *testing.T) {
	if !slices.IsSorted(countryCodes) {
		t.Errorf("the country codes are not sorted: IsCountryCode searches them")
	}
	if len(countryCodes) != 250 || len(slices.Compact(slices.Clone(countryCodes))) != 250 {
		t.Errorf("%d codes, want the 249 of ISO 3166-1 and XK, once each", len(countryCodes))
	}
	for _, c := range []struct {
		code string
		want bool
	}{
		{"DE", true}, {"GB", true}, {"US", true}, {"XK", true}, {"AX", true}, {"ZW", true},
		{"UK", false}, {"EU", false}, {"de", false}, {"D", false}, {"DEU", false}, {"", false}, {"A1", false}, {"ÄÖ", false},
	} {
		if got := IsCountryCode(c.code); got != c.want {
			t.Errorf("IsCountryCode(%q) = %t, want %t", c.code, got, c.want)
		}
	}
}

func TestNormalizeGeoRule(t *testing.T) {
	for _, c := range []struct {
		name  string
		in    GeoRule
		want  GeoRule
		field string // of the error, "" for none
	}{
		{"codes are upper-cased, trimmed, de-duplicated and sorted",
			GeoRule{Mode: GeoDeny, Countries: []string{" fr", "DE", "de", "Fr "}, Unknown: GeoUnknownDeny},
			GeoRule{Mode: GeoDeny, Countries: []string{"DE", "FR"}, Unknown: GeoUnknownDeny}, ""},
		{"an allow-list refuses unknown locations unless told otherwise",
			GeoRule{Mode: GeoAllow, Countries: []string{"FR"}}, GeoRule{Mode: GeoAllow, Countries: []string{"FR"}, Unknown: GeoUnknownDeny}, ""},
		{"a deny-list lets unknown locations through unless told otherwise",
			GeoRule{Mode: GeoDeny, Countries: []string{"FR"}}, GeoRule{Mode: GeoDeny, Countries: []string{"FR"}, Unknown: GeoUnknownAllow}, ""},
		{"an allow-list may let unknown locations through",
			GeoRule{Mode: GeoAllow, Countries: []string{"FR"}, Unknown: GeoUnknownAllow}, GeoRule{Mode: GeoAllow, Countries: []string{"FR"}, Unknown: GeoUnknownAllow}, ""},
		{"off keeps its list for later, and needs none",
			GeoRule{Mode: GeoOff, Countries: nil}, GeoRule{Mode: GeoOff, Countries: []string{}, Unknown: GeoUnknownAllow}, ""},
		{"an empty mode is refused", GeoRule{Countries: []string{"FR"}}, GeoRule{}, "mode"},
		{"an unknown mode is refused", GeoRule{Mode: "block", Countries: []string{"FR"}}, GeoRule{}, "mode"},
		{"an allow-list without countries is refused", GeoRule{Mode: GeoAllow}, GeoRule{}, "countries"},
		{"a deny-list without countries is refused", GeoRule{Mode: GeoDeny, Countries: []string{}}, GeoRule{}, "countries"},
		{"UK is refused, by its index", GeoRule{Mode: GeoDeny, Countries: []string{"FR", "UK"}}, GeoRule{}, "countries[1]"},
		{"a three-letter code is refused", GeoRule{Mode: GeoDeny, Countries: []string{"FRA"}}, GeoRule{}, "countries[0]"},
		{"an unassigned code is refused", GeoRule{Mode: GeoDeny, Countries: []string{"QQ"}}, GeoRule{}, "countries[0]"},
		{"an empty code is refused", GeoRule{Mode: GeoDeny, Countries: []string{""}}, GeoRule{}, "countries[0]"},
		{"an unknown value for unknown locations is refused", GeoRule{Mode: GeoDeny, Countries: []string{"FR"}, Unknown: "maybe"}, GeoRule{}, "unknown"},
		{"more codes than there are countries are refused", GeoRule{Mode: GeoDeny, Countries: slices.Repeat([]string{"FR"}, 251)}, GeoRule{}, "countries"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := NormalizeGeoRule(c.in)
			if c.field != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != c.field {
					t.Fatalf("NormalizeGeoRule(%+v) = %v, want an error on %s", c.in, err, c.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("rule (-want +got):\n%s", d)
			}
		})
	}
}

func TestGeoRuleAllows(t *testing.T) {
	allow := GeoRule{Mode: GeoAllow, Countries: []string{"DE", "FR"}, Unknown: GeoUnknownDeny}
	deny := GeoRule{Mode: GeoDeny, Countries: []string{"DE"}, Unknown: GeoUnknownAllow}
	for _, c := range []struct {
		name    string
		rule    GeoRule
		country string
		want    bool
	}{
		{"no rule lets every country in", DefaultGeoRule(), "DE", true},
		{"no rule lets unknown locations in", DefaultGeoRule(), "", true},
		{"off with a list and deny for unknown still lets everyone in", GeoRule{Mode: GeoOff, Countries: []string{"DE"}, Unknown: GeoUnknownDeny}, "", true},
		{"an allow-list lets a listed country in", allow, "FR", true},
		{"an allow-list refuses a country not listed", allow, "US", false},
		{"an allow-list refuses an unknown location when told to", allow, "", false},
		{"an allow-list lets an unknown location in when told to", GeoRule{Mode: GeoAllow, Countries: []string{"DE"}, Unknown: GeoUnknownAllow}, "", true},
		{"a deny-list refuses a listed country", deny, "DE", false},
		{"a deny-list lets another country in", deny, "FR", true},
		{"a deny-list lets an unknown location in when told to", deny, "", true},
		{"a deny-list refuses an unknown location when told to", GeoRule{Mode: GeoDeny, Countries: []string{"DE"}, Unknown: GeoUnknownDeny}, "", false},
		{"a rule of an unknown mode refuses nobody", GeoRule{Mode: "block", Countries: []string{"DE"}}, "DE", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.rule.Allows(c.country); got != c.want {
				t.Errorf("%+v.Allows(%q) = %t, want %t", c.rule, c.country, got, c.want)
			}
		})
	}
}
