package httpapi

import (
	"mime"
	"strings"
	"testing"
)

// FuzzAttachment: whatever a file is called, its Content-Disposition is
// one line of printable ASCII that parses back to exactly that name, with
// an ASCII fallback that cannot break out of its quotes.
func FuzzAttachment(f *testing.F) {
	for _, s := range []string{"a.jpg", `say "cheese".png`, "фото 東京 📷.heic", "evil\r\nX-Injected: 1", `back\slash`, "pct%41.txt", "semi;colon=x", "", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		h := attachment(name)
		for i := 0; i < len(h); i++ {
			if h[i] < 0x20 || h[i] > 0x7e {
				t.Fatalf("attachment(%q) = %q holds byte %#x", name, h, h[i])
			}
		}
		disp, params, err := mime.ParseMediaType(h)
		if err != nil || disp != "attachment" {
			t.Fatalf("attachment(%q) = %q parses as %q, %v", name, h, disp, err)
		}
		if params["filename"] != name {
			t.Fatalf("attachment(%q) = %q gives the name %q", name, h, params["filename"])
		}
		fallback, _, ok := strings.Cut(h, "; filename*=")
		if !ok {
			t.Fatalf("attachment(%q) = %q has no filename*", name, h)
		}
		_, params, err = mime.ParseMediaType(fallback)
		if err != nil || params["filename"] == "" || strings.ContainsAny(params["filename"], `"\`) {
			t.Fatalf("the fallback of attachment(%q) = %q is %q (%v)", name, h, params["filename"], err)
		}
		if len(params) != 1 {
			t.Fatalf("the fallback of attachment(%q) = %q adds parameters %v", name, h, params)
		}
	})
}
