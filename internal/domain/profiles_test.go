package domain

import (
	"errors"
	"slices"
	"testing"

	"atrium/internal/authz"
)

func TestDownloadRules(t *testing.T) {
	p := DownloadProfile{Rules: []DownloadRule{
		{MediaType: "image", Renditions: []string{RenditionOriginal, RenditionLarge}},
		{MediaType: Any, Renditions: []string{RenditionThumbnail}},
		{MediaType: "document", Renditions: []string{Any}},
	}}
	for _, c := range []struct {
		mediaType, rendition string
		want                 bool
	}{
		{"image", RenditionOriginal, true},
		{"image", RenditionPreview, false},
		{"video", RenditionThumbnail, true},
		{"video", RenditionLarge, false},
		{"document", RenditionPreview, true},
	} {
		if got := p.Allows(c.mediaType, c.rendition); got != c.want {
			t.Errorf("Allows(%s, %s) = %v, want %v", c.mediaType, c.rendition, got, c.want)
		}
	}
	if (DownloadProfile{}).Allows("image", RenditionThumbnail) {
		t.Error("a profile without rules allows something")
	}
}

func TestNormalizeDownloadRules(t *testing.T) {
	got, err := NormalizeDownloadRules([]DownloadRule{
		{MediaType: "image", Renditions: []string{"thumbnail", "original", "thumbnail"}},
		{MediaType: "*", Renditions: []string{"preview", "*"}},
	})
	if err != nil || !slices.Equal(got[0].Renditions, []string{"original", "thumbnail"}) || !slices.Equal(got[1].Renditions, []string{"*"}) {
		t.Errorf("got %v, %v; want renditions largest first without repeats, and \"*\" alone", got, err)
	}
	for _, c := range []struct {
		name  string
		rules []DownloadRule
		field string
	}{
		{"an unknown media type", []DownloadRule{{MediaType: "photo", Renditions: []string{"large"}}}, "rules[0].media_type"},
		{"an unknown rendition", []DownloadRule{{MediaType: "image", Renditions: []string{"huge"}}}, "rules[0].renditions"},
		{"no renditions", []DownloadRule{{MediaType: "image"}}, "rules[0].renditions"},
		{"a media type twice", []DownloadRule{{MediaType: "*", Renditions: []string{"large"}}, {MediaType: "*", Renditions: []string{"original"}}}, "rules[1].media_type"},
	} {
		_, err := NormalizeDownloadRules(c.rules)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: error %v, want one naming %s", c.name, err, c.field)
		}
	}
}

func TestNormalizeHolders(t *testing.T) {
	got, err := NormalizeHolders([]authz.Subject{authz.User("u1"), authz.EveryoneSubject, authz.GroupOf("g1")})
	if err != nil || !slices.Equal(got, []authz.Subject{authz.EveryoneSubject, authz.GroupOf("g1"), authz.User("u1")}) {
		t.Errorf("got %v, %v; want them sorted", got, err)
	}
	if _, err := NormalizeHolders([]authz.Subject{authz.User("u1"), authz.User("u1")}); err == nil {
		t.Error("a holder listed twice was accepted")
	}
}

func TestCaptureFieldsUseTheRegistrationFieldRules(t *testing.T) {
	defs, err := NormalizeFieldDefs([]RegistrationField{{Name: "site", Type: FieldText, Required: true}, {Name: "n", Type: FieldNumber}}, "fields")
	if err != nil || defs[0].Label != "site" || defs[0].Choices == nil {
		t.Fatalf("NormalizeFieldDefs = %+v, %v", defs, err)
	}
	got, err := CheckCaptureFields(defs, map[string]any{"site": " Quay 4 ", "n": 3.0})
	if err != nil || got["site"] != "Quay 4" || got["n"] != "3" {
		t.Errorf("CheckCaptureFields = %v, %v", got, err)
	}
	_, err = CheckCaptureFields(defs, map[string]any{"n": 3.0})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "fields.site" {
		t.Errorf("a missing required field: %v, want an error naming fields.site", err)
	}
	_, err = CheckCaptureFields(defs, map[string]any{"site": "x", "other": "y"})
	if !errors.As(err, &fe) || fe.Field != "fields.other" || fe.Message != `"other" is not a field of this capture profile` {
		t.Errorf("an unknown field: %v", err)
	}
}
