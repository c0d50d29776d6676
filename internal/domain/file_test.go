package domain

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeFilename(t *testing.T) {
	long := strings.Repeat("é", 300)
	cases := []struct {
		name, in, want string
	}{
		{"a plain name stays", "sunset.jpg", "sunset.jpg"},
		{"a Unix path keeps its last element", "../../etc/passwd", "passwd"},
		{"a Windows path keeps its last element", `C:\Users\ada\..\photo.png`, "photo.png"},
		{"a name that is only dots becomes upload", "..", "upload"},
		{"a path ending in a separator becomes upload", "photos/", "upload"},
		{"quotes stay: they are escaped where the name is shown", `say "cheese".jpg`, `say "cheese".jpg`},
		{"line breaks, tabs and NULs go", "a\r\nX-Evil: 1\x00\t.jpg", "aX-Evil: 1.jpg"},
		{"a right-to-left override and zero-width characters go", "photo\u202egpj.exe\u200b", "photogpj.exe"},
		{"other spaces become plain spaces and ends are trimmed", "\u00a0 summer\u2003holiday.mov  ", "summer holiday.mov"},
		{"letters of any script stay", "фото 東京 📷.heic", "фото 東京 📷.heic"},
		{"invalid UTF-8 is replaced", "bad\xff\xfename.txt", "bad_name.txt"},
		{"an empty name becomes upload", "", "upload"},
		{"a long name is cut to 255 characters, keeping its extension", long + ".jpeg", strings.Repeat("é", 250) + ".jpeg"},
		{"a long name without extension is cut to 255 characters", long, strings.Repeat("é", 255)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := SanitizeFilename(c.in); got != c.want {
				t.Errorf("SanitizeFilename(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func FuzzSanitizeFilename(f *testing.F) {
	for _, s := range []string{"../../etc/passwd", `a\b`, "x\u202e", "\xff", strings.Repeat("a", 300) + ".jpg", " . "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := SanitizeFilename(in)
		if out == "" || !utf8.ValidString(out) || utf8.RuneCountInString(out) > MaxFilenameLen {
			t.Fatalf("SanitizeFilename(%q) = %q", in, out)
		}
		if strings.ContainsAny(out, `/\`) || out == "." || out == ".." {
			t.Fatalf("SanitizeFilename(%q) = %q names a path", in, out)
		}
		if err := CheckName("filename", out, true, MaxFilenameLen); err != nil {
			t.Fatalf("SanitizeFilename(%q) = %q fails the filename rule: %v", in, out, err)
		}
		if SanitizeFilename(out) != out {
			t.Fatalf("SanitizeFilename is not stable on %q", out)
		}
	})
}
