package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"atrium/internal/authz"
)

// Renditions of a media object: the file as uploaded and the sizes made
// from it.
const (
	RenditionOriginal  = "original"
	RenditionLarge     = "large"
	RenditionPreview   = "preview" // may carry a watermark
	RenditionThumbnail = "thumbnail"
)

// Renditions lists every rendition, largest first.
var Renditions = []string{RenditionOriginal, RenditionLarge, RenditionPreview, RenditionThumbnail}

// Any stands, in a download rule, for every media type or every
// rendition, including ones added later.
const Any = "*"

// CheckRendition checks a rendition name.
func CheckRendition(r string) error {
	if !slices.Contains(Renditions, r) {
		return fmt.Errorf("invalid rendition %q (want original, large, preview or thumbnail)", r)
	}
	return nil
}

// DownloadRule allows the renditions of the media of one type ("*": of
// every type).
type DownloadRule struct {
	MediaType  string   `json:"media_type"`
	Renditions []string `json:"renditions"` // or ["*"]
}

// DownloadProfile says which renditions of which media types its holders
// may download, where the media object's ACL lets them. A user's
// effective profile is the union of the profiles held by the user, by
// groups the user is in (transitively) and by everyone.
type DownloadProfile struct {
	ID          string          `json:"id"`
	AccountID   string          `json:"-"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Rules       []DownloadRule  `json:"rules"`
	Holders     []authz.Subject `json:"holders"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// Allows reports whether the profile's rules allow a rendition of media
// of type mediaType.
func (p DownloadProfile) Allows(mediaType, rendition string) bool {
	for _, r := range p.Rules {
		if (r.MediaType == Any || r.MediaType == mediaType) && (slices.Contains(r.Renditions, Any) || slices.Contains(r.Renditions, rendition)) {
			return true
		}
	}
	return false
}

// Bounds of profiles.
const (
	MaxProfileHolders = 1000
	MaxCaptureFields  = 50
)

// NormalizeDownloadRules checks rules and returns them normalised: one
// rule per media type, renditions in the order of Renditions without
// repeats, or just "*". Errors name rules[i].media_type or
// rules[i].renditions.
func NormalizeDownloadRules(rules []DownloadRule) ([]DownloadRule, error) {
	if len(rules) > len(MediaTypes)+1 {
		return nil, fieldErr("rules", "at most %d rules: one per media type and one for \"*\"", len(MediaTypes)+1)
	}
	out := make([]DownloadRule, 0, len(rules))
	seen := map[string]bool{}
	for i, r := range rules {
		at := fmt.Sprintf("rules[%d]", i)
		if r.MediaType != Any {
			if err := CheckMediaType(r.MediaType); err != nil {
				return nil, fieldErr(at+".media_type", "%v, or \"*\" for every type", err)
			}
		}
		if seen[r.MediaType] {
			return nil, fieldErr(at+".media_type", "media type %q has a rule already: put its renditions in one rule", r.MediaType)
		}
		seen[r.MediaType] = true
		if len(r.Renditions) == 0 {
			return nil, fieldErr(at+".renditions", "name at least one rendition, or \"*\" for all; leave the rule out to allow none")
		}
		have := map[string]bool{}
		for _, n := range r.Renditions {
			if n != Any {
				if err := CheckRendition(n); err != nil {
					return nil, fieldErr(at+".renditions", "%v, or \"*\" for all", err)
				}
			}
			have[n] = true
		}
		norm := DownloadRule{MediaType: r.MediaType, Renditions: []string{}}
		if have[Any] {
			norm.Renditions = append(norm.Renditions, Any)
		} else {
			for _, n := range Renditions {
				if have[n] {
					norm.Renditions = append(norm.Renditions, n)
				}
			}
		}
		out = append(out, norm)
	}
	return out, nil
}

// CaptureProfile is an upload template: its holders create records (and
// attach media to them) in its workspace, with the metadata fields it
// defines, and the records and media get its ACLs. Holding a capture
// profile is what lets a user of the capture application create records
// in a workspace where they hold no role.
type CaptureProfile struct {
	ID          string `json:"id"`
	AccountID   string `json:"-"`
	Name        string `json:"name"`
	Description string `json:"description"`
	WorkspaceID string `json:"workspace"`
	// Fields are the metadata fields a capture gives, typed and checked
	// like registration fields.
	Fields []RegistrationField `json:"fields"`
	// RecordACL and MediaACL are given to what is captured through the
	// profile; user:$creator stands for the capturing user.
	RecordACL []ACLEntry      `json:"record_acl"`
	MediaACL  []ACLEntry      `json:"media_acl"`
	Holders   []authz.Subject `json:"holders"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// CheckCaptureFields checks the metadata a capture gives against a
// profile's field definitions (see CheckRegistration) and returns the
// values as a record stores them. Errors name fields.NAME.
func CheckCaptureFields(defs []RegistrationField, values map[string]any) (map[string]string, error) {
	return CheckFieldValues(defs, values, "a field of this capture profile")
}

// NormalizeHolders checks a profile's holders: users, groups or
// everyone, each once, at most MaxProfileHolders. It returns them sorted.
func NormalizeHolders(hs []authz.Subject) ([]authz.Subject, error) {
	if len(hs) > MaxProfileHolders {
		return nil, fieldErr("holders", "at most %d holders", MaxProfileHolders)
	}
	out := make([]authz.Subject, 0, len(hs))
	for _, h := range hs {
		if h.Kind == 0 {
			return nil, fieldErr("holders", "a holder without a subject")
		}
		if slices.Contains(out, h) {
			return nil, fieldErr("holders", "%s is listed twice", h)
		}
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b authz.Subject) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}
