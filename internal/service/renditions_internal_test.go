package service

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/store/sqlstore"
	"atrium/internal/store/sqlstore/sqltest"
)

func TestThePreviewWatermarkIsTheConfiguredTextOrElseTheAccountsName(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, sqltest.Dir(t), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(ctx, st, Options{Password: identity.TestParams})
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := s.CreateAccount(ctx, NewAccount{Name: "Harbour News", Owner: UserInput{Username: "ada", Email: "ada@harbour.example", Password: "correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	f := domain.File{ID: "fil_x", MediaID: "med_x", AccountID: acct.ID}
	for text, want := range map[string]string{"": "Harbour News", "© Atrium": "© Atrium"} {
		r := &renderer{s: s, ctx: ctx, opts: RenditionOptions{WatermarkText: text}}
		j, err := r.newJob(f)
		if err != nil {
			t.Fatal(err)
		}
		if j.Watermark != want || j.ID != "med_x" {
			t.Errorf("configured %q: the job's watermark is %q, want %q", text, j.Watermark, want)
		}
	}
	r := &renderer{s: s, ctx: ctx}
	if _, err := r.newJob(domain.File{AccountID: "acc_gone"}); err == nil {
		t.Error("a job for an unknown account was made")
	}
}

// FuzzRenditionFilename: whatever the original's name, a rendition is
// saved under a clean name (SanitizeFilename leaves it as it is) that ends
// with its kind and its own extension.
func FuzzRenditionFilename(f *testing.F) {
	for _, s := range []string{"flood.jpg", "", ".", "a.b.c.heic", "no extension", strings.Repeat("é", 300) + ".jpeg",
		"evil\u202egpj.exe", "../../etc/passwd", "x.", strings.Repeat("a", 254) + ".png"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, name string, png bool) {
		ct, ext := "image/jpeg", ".jpg"
		if png {
			ct, ext = "image/png", ".png"
		}
		for _, kind := range domain.MadeRenditions {
			got := renditionFilename(domain.SanitizeFilename(name), kind, ct)
			if domain.SanitizeFilename(got) != got || !strings.HasSuffix(got, "-"+kind+ext) || utf8.RuneCountInString(got) > domain.MaxFilenameLen {
				t.Fatalf("renditionFilename(%q, %s) = %q", name, kind, got)
			}
		}
	})
}
