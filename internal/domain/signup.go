package domain

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sign-up modes of an account.
const (
	SignupClosed = "closed" // invitation only (the default)
	SignupOpen   = "open"   // anyone may register
	SignupDomain = "domain" // only emails of the allowed domains
)

// Types of custom registration fields.
const (
	FieldText    = "text"
	FieldNumber  = "number"
	FieldDate    = "date" // YYYY-MM-DD
	FieldChoice  = "choice"
	FieldBoolean = "boolean"
)

// RegistrationField is one custom field a user gives when registering.
type RegistrationField struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Required bool     `json:"required"`
	Choices  []string `json:"choices"` // type choice only
}

// SignupRules are an account's rules for self-registration.
type SignupRules struct {
	Mode string `json:"mode"`
	// ApprovalRequired keeps a registered user pending after they verify
	// their email, until a user manager activates them.
	ApprovalRequired bool `json:"approval_required"`
	// Domains are the email domains allowed in mode domain, lower-case.
	Domains []string            `json:"domains"`
	Fields  []RegistrationField `json:"fields"`
}

// DefaultSignupRules are the rules of an account that never set any.
func DefaultSignupRules() SignupRules {
	return SignupRules{Mode: SignupClosed, Domains: []string{}, Fields: []RegistrationField{}}
}

// Limits of sign-up rules.
const (
	MaxSignupDomains  = 100
	MaxSignupFields   = 50
	MaxFieldChoices   = 100
	maxFieldValueText = 1000
)

// FieldError is a problem with one part of a request; Field names it
// ("fields.NAME", "domains", ...).
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Message }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// NormalizeSignupRules checks rules and returns them normalised: domains
// lower-cased and de-duplicated, empty lists instead of nil.
func NormalizeSignupRules(r SignupRules) (SignupRules, error) {
	switch r.Mode {
	case SignupClosed, SignupOpen, SignupDomain:
	default:
		return r, fieldErr("mode", "invalid mode %q (want closed, open or domain)", r.Mode)
	}
	if len(r.Domains) > MaxSignupDomains {
		return r, fieldErr("domains", "at most %d domains", MaxSignupDomains)
	}
	doms := []string{}
	for _, d := range r.Domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if err := checkDomain(d); err != nil {
			return r, fieldErr("domains", "%v", err)
		}
		if !slices.Contains(doms, d) {
			doms = append(doms, d)
		}
	}
	if r.Mode == SignupDomain && len(doms) == 0 {
		return r, fieldErr("domains", "mode domain needs at least one domain")
	}
	r.Domains = doms
	if len(r.Fields) > MaxSignupFields {
		return r, fieldErr("fields", "at most %d registration fields", MaxSignupFields)
	}
	fields, err := NormalizeFieldDefs(r.Fields, "fields")
	if err != nil {
		return r, err
	}
	r.Fields = fields
	return r, nil
}

// NormalizeFieldDefs checks definitions of typed fields (registration
// fields, a capture profile's metadata fields) and returns them
// normalised: labels trimmed (the name when empty), choices only for
// choice fields, never nil. Errors name at[i].name, at[i].type, ...
func NormalizeFieldDefs(defs []RegistrationField, at string) ([]RegistrationField, error) {
	fields := make([]RegistrationField, 0, len(defs))
	seen := map[string]bool{}
	for i, f := range defs {
		at := fmt.Sprintf("%s[%d]", at, i)
		if err := CheckFields(map[string]string{f.Name: ""}); err != nil {
			return nil, fieldErr(at+".name", "%v", err)
		}
		if seen[f.Name] {
			return nil, fieldErr(at+".name", "field %q appears twice", f.Name)
		}
		seen[f.Name] = true
		f.Label = strings.TrimSpace(f.Label)
		if f.Label == "" {
			f.Label = f.Name
		}
		if err := CheckName("label", f.Label, true, 200); err != nil {
			return nil, fieldErr(at+".label", "%v", err)
		}
		switch f.Type {
		case FieldText, FieldNumber, FieldDate, FieldBoolean:
			if len(f.Choices) > 0 {
				return nil, fieldErr(at+".choices", "only fields of type choice have choices")
			}
			f.Choices = []string{}
		case FieldChoice:
			if len(f.Choices) == 0 || len(f.Choices) > MaxFieldChoices {
				return nil, fieldErr(at+".choices", "a choice field needs 1 to %d choices", MaxFieldChoices)
			}
			for _, c := range f.Choices {
				if err := CheckName("choice", c, true, 200); err != nil {
					return nil, fieldErr(at+".choices", "%v", err)
				}
			}
			if len(slices.Compact(slices.Sorted(slices.Values(f.Choices)))) != len(f.Choices) {
				return nil, fieldErr(at+".choices", "a choice appears twice")
			}
		default:
			return nil, fieldErr(at+".type", "invalid type %q (want text, number, date, choice or boolean)", f.Type)
		}
		fields = append(fields, f)
	}
	return fields, nil
}

func checkDomain(d string) error {
	if d == "" || len(d) > 253 || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return fmt.Errorf("invalid domain %q", d)
	}
	for _, c := range d {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("invalid domain %q", d)
		}
	}
	return nil
}

// DomainAllowed reports whether rules of mode domain allow an email (the
// part after the last '@', compared case-insensitively; subdomains are
// not included).
func (r SignupRules) DomainAllowed(email string) bool {
	i := strings.LastIndexByte(email, '@')
	return i >= 0 && slices.Contains(r.Domains, strings.ToLower(email[i+1:]))
}

// CheckRegistration checks the values given for an account's registration
// fields, as decoded from JSON (string, float64, bool), and returns them
// as stored: text as given, numbers in shortest form, dates as
// YYYY-MM-DD, booleans as "true"/"false". Unknown names, missing required
// fields and values of the wrong type are errors naming fields.NAME.
func CheckRegistration(defs []RegistrationField, values map[string]any) (map[string]string, error) {
	return CheckFieldValues(defs, values, "a registration field of this account")
}

// CheckFieldValues checks values given for typed field definitions as
// CheckRegistration does; unknownIs says what an unknown name is not
// ("a registration field of this account").
func CheckFieldValues(defs []RegistrationField, values map[string]any, unknownIs string) (map[string]string, error) {
	out := map[string]string{}
	byName := map[string]RegistrationField{}
	for _, d := range defs {
		byName[d.Name] = d
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if _, ok := byName[k]; !ok {
			return nil, fieldErr("fields."+truncName(k), "%q is not %s", truncName(k), unknownIs)
		}
	}
	for _, d := range defs {
		at := "fields." + d.Name
		v, ok := values[d.Name]
		if !ok || v == nil || v == "" {
			if d.Required {
				return nil, fieldErr(at, "%s is required", d.Label)
			}
			continue
		}
		switch d.Type {
		case FieldText:
			s, ok := v.(string)
			if !ok {
				return nil, fieldErr(at, "%s must be text", d.Label)
			}
			if err := CheckName(d.Label, s, d.Required, maxFieldValueText); err != nil {
				return nil, fieldErr(at, "%v", err)
			}
			out[d.Name] = strings.TrimSpace(s)
		case FieldNumber:
			n, ok := v.(float64)
			if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, fieldErr(at, "%s must be a number", d.Label)
			}
			out[d.Name] = strconv.FormatFloat(n, 'f', -1, 64)
		case FieldDate:
			s, ok := v.(string)
			if !ok {
				return nil, fieldErr(at, "%s must be a date (YYYY-MM-DD)", d.Label)
			}
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				return nil, fieldErr(at, "%s must be a date (YYYY-MM-DD)", d.Label)
			}
			out[d.Name] = s
		case FieldChoice:
			s, ok := v.(string)
			if !ok || !slices.Contains(d.Choices, s) {
				return nil, fieldErr(at, "%s must be one of: %s", d.Label, strings.Join(d.Choices, ", "))
			}
			out[d.Name] = s
		case FieldBoolean:
			b, ok := v.(bool)
			if !ok {
				return nil, fieldErr(at, "%s must be true or false", d.Label)
			}
			if d.Required && !b {
				// A required checkbox ("I accept the terms") must be ticked.
				return nil, fieldErr(at, "%s is required", d.Label)
			}
			out[d.Name] = strconv.FormatBool(b)
		}
	}
	return out, nil
}

// truncName keeps an unknown, client-chosen field name short in errors.
func truncName(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "")
	}
	return s
}
