package identity

import (
	"strings"
	"testing"
)

func TestPasswordHashesVerifyOnlyTheirPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery", TestParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string", h)
	}
	h2, _ := HashPassword("correct horse battery", TestParams)
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		ok, err := VerifyPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

func TestVerifyPasswordRejectsForeignOrDamagedHashes(t *testing.T) {
	for _, h := range []string{
		"", "plain", "$2a$10$abcdefghijklmnopqrstuv", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
		"$argon2id$v=18$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "$argon2id$v=19$m=1024,t=0,p=1$c2FsdHNhbHQ$aGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$",
	} {
		if ok, err := VerifyPassword(h, "x"); ok || err != ErrBadHash {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false, ErrBadHash", h, ok, err)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	tests := map[string]bool{"short": false, "exactly 12ch": true, strings.Repeat("é", 12): true, strings.Repeat("x", 1025): false, "bad\xffutf8 password": false}
	for pw, ok := range tests {
		if err := CheckPassword(pw); (err == nil) != ok {
			t.Errorf("CheckPassword(%q) = %v, want ok=%v", pw, err, ok)
		}
	}
}

func TestSecretsAreRandomPrefixedAndStoredHashed(t *testing.T) {
	s1, h1 := NewSecret("atr_")
	s2, _ := NewSecret("atr_")
	if s1 == s2 || !strings.HasPrefix(s1, "atr_") || len(s1) != 4+43 {
		t.Errorf("secrets %q %q", s1, s2)
	}
	if h1 != HashSecret(s1) || strings.Contains(h1, s1) || len(h1) != 64 {
		t.Errorf("hash %q of %q", h1, s1)
	}
	if !EqualHashes(h1, HashSecret(s1)) || EqualHashes(h1, HashSecret(s2)) {
		t.Error("EqualHashes")
	}
	p := NewPassword()
	if len(p) != 24 || CheckPassword(p) != nil || p == NewPassword() {
		t.Errorf("generated password %q", p)
	}
}

// FuzzVerifyPassword: stored hashes are outside input (a database may be
// restored from anywhere); no hash may make verification panic or accept.
func FuzzVerifyPassword(f *testing.F) {
	h, _ := HashPassword("pw", TestParams)
	f.Add(h, "pw")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$", "")
	f.Add("$argon2id$v=19$m=1024,t=1,p=255$c2FsdA$aGFzaA", "x")
	f.Fuzz(func(t *testing.T, stored, pw string) {
		if strings.Contains(stored, "m=") && !strings.HasPrefix(stored, h[:20]) {
			// Keep the fuzzer from asking argon2 for gigabytes.
			var m uint64
			for _, part := range strings.Split(stored, "$") {
				if strings.HasPrefix(part, "m=") {
					for _, c := range part[2:] {
						if c < '0' || c > '9' {
							break
						}
						m = m*10 + uint64(c-'0')
						if m > 1<<16 {
							return
						}
					}
				}
			}
		}
		VerifyPassword(stored, pw)
	})
}

func TestPasswordPolicyForAUser(t *testing.T) {
	cases := []struct {
		name     string
		pw       string
		personal []string
		ok       bool
	}{
		{"a long random passphrase is accepted", "correct horse battery", []string{"alice", "alice@example.com"}, true},
		{"a password of 11 characters is refused", "abcdefghijk", nil, false},
		{"a common password of 12 characters is refused", "qwertyqwerty", nil, false},
		{"a common password in another case is refused", "QwErTyQwErTy", nil, false},
		{"the username as the password is refused", "alice-the-great", []string{"alice-the-great", "a@example.com"}, false},
		{"the email as the password, in capitals, is refused", "ALICE@EXAMPLE.COM", []string{"alice", "alice@example.com"}, false},
		{"a password merely containing the username is accepted", "alice-the-great-2026!", []string{"alice", ""}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckPasswordFor(c.pw, c.personal...)
			if (err == nil) != c.ok {
				t.Errorf("CheckPasswordFor(%q) = %v, want ok %t", c.pw, err, c.ok)
			}
		})
	}
	t.Run("the embedded list holds about ten thousand passwords", func(t *testing.T) {
		if n := len(commonSet()); n < 9_000 || n > 10_000 {
			t.Errorf("%d common passwords", n)
		}
		for _, pw := range []string{"password", "123456", "Dragon"} {
			if !IsCommonPassword(pw) {
				t.Errorf("%q is not on the list", pw)
			}
		}
	})
}
