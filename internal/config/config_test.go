package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestEnvironmentOverridesDefaults(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("from a file\n"), 0o600)
	c := Default()
	err := c.FromEnv(env(map[string]string{
		"ATRIUM_DATA": "/srv/atrium", "ATRIUM_ADDR": "0.0.0.0:9000", "ATRIUM_LOG_LEVEL": "debug", "ATRIUM_LOG_FORMAT": "json",
		"ATRIUM_SESSION_TTL": "2h", "ATRIUM_SECURE_COOKIES": "true", "ATRIUM_BOOTSTRAP_PASSWORD_FILE": pwFile,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/atrium" || c.Addr != "0.0.0.0:9000" || !c.LogJSON || c.SessionTTL != 2*time.Hour || !c.SecureCookies {
		t.Errorf("config %+v", c)
	}
	if c.Bootstrap.Password != "from a file" {
		t.Errorf("password from file: %q", c.Bootstrap.Password)
	}
	if s := c.String(); strings.Contains(s, "from a file") || !strings.Contains(s, "[redacted]") {
		t.Errorf("String() leaks the secret: %s", s)
	}
}

func TestBadEnvironmentValuesAreReportedTogether(t *testing.T) {
	c := Default()
	err := c.FromEnv(env(map[string]string{
		"ATRIUM_SESSION_TTL": "forever", "ATRIUM_SECURE_COOKIES": "maybe", "ATRIUM_LOG_LEVEL": "loud",
		"ATRIUM_BOOTSTRAP_PASSWORD": "x", "ATRIUM_BOOTSTRAP_PASSWORD_FILE": "/y",
	}))
	for _, want := range []string{"ATRIUM_SESSION_TTL", "ATRIUM_SECURE_COOKIES", "ATRIUM_LOG_LEVEL", "not both"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func TestCheckRejectsAnAddressWithoutPort(t *testing.T) {
	c := Default()
	c.Addr = "localhost"
	if c.Check() == nil {
		t.Error("addr without a port accepted")
	}
	if Default().Check() != nil {
		t.Error("defaults rejected")
	}
}

func TestLoginThrottleSettings(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want Login
		bad  string
	}{
		{"the defaults are 5 per login and 50 per address in 15 minutes", nil, Login{5, 50, 15 * time.Minute}, ""},
		{"each setting is read from its variable", map[string]string{"ATRIUM_LOGIN_MAX_FAILURES": "3", "ATRIUM_LOGIN_MAX_FAILURES_PER_IP": "0", "ATRIUM_LOGIN_FAILURE_WINDOW": "1h"},
			Login{3, 0, time.Hour}, ""},
		{"a negative limit is refused", map[string]string{"ATRIUM_LOGIN_MAX_FAILURES": "-1"}, Login{}, "ATRIUM_LOGIN_MAX_FAILURES"},
		{"a window that is not a duration is refused", map[string]string{"ATRIUM_LOGIN_FAILURE_WINDOW": "soon"}, Login{}, "ATRIUM_LOGIN_FAILURE_WINDOW"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Default()
			err := cfg.FromEnv(env(c.env))
			if c.bad != "" {
				if err == nil || !strings.Contains(err.Error(), c.bad) {
					t.Errorf("error %v, want one naming %s", err, c.bad)
				}
				return
			}
			if err != nil || cfg.Login != c.want {
				t.Errorf("login settings %+v (%v), want %+v", cfg.Login, err, c.want)
			}
		})
	}
}

func TestMailSettingsComeFromTheEnvironmentAndTheSMTPPasswordIsRedacted(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "smtp")
	if err := os.WriteFile(pwFile, []byte("smtp secret from a file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ATRIUM_SMTP_HOST": "mail.example.com", "ATRIUM_SMTP_PORT": "2525", "ATRIUM_SMTP_USERNAME": "atrium",
		"ATRIUM_SMTP_PASSWORD_FILE": pwFile, "ATRIUM_MAIL_FROM": "Atrium <noreply@example.com>"}
	c := Default()
	if err := c.FromEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	want := Mail{SMTPHost: "mail.example.com", SMTPPort: 2525, SMTPUsername: "atrium", SMTPPassword: "smtp secret from a file", From: "Atrium <noreply@example.com>"}
	if c.Mail != want {
		t.Errorf("Mail = %+v, want %+v", c.Mail, want)
	}
	if err := c.Check(); err != nil {
		t.Error(err)
	}
	if s := c.String(); strings.Contains(s, "smtp secret") || !strings.Contains(s, "smtp_password=[redacted]") {
		t.Errorf("String() leaks the SMTP password: %s", s)
	}
	for _, bad := range []map[string]string{{"ATRIUM_SMTP_PORT": "0"}, {"ATRIUM_SMTP_PORT": "smtp"}, {"ATRIUM_SMTP_PASSWORD": "x", "ATRIUM_SMTP_PASSWORD_FILE": pwFile}} {
		c := Default()
		if err := c.FromEnv(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("FromEnv(%v) accepted", bad)
		}
	}
	c = Default()
	c.Mail.From = "not an address"
	if err := c.Check(); err == nil {
		t.Error("Check accepted a malformed sender address")
	}
}

func TestRateLimitSettings(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want RateLimit
		bad  string
	}{
		{"the defaults are 20 per address and 5 per email in an hour", nil, RateLimit{20, 5, time.Hour}, ""},
		{"each setting is read from its variable", map[string]string{"ATRIUM_RATE_LIMIT_PER_IP": "0", "ATRIUM_RATE_LIMIT_PER_EMAIL": "2", "ATRIUM_RATE_LIMIT_WINDOW": "10m"},
			RateLimit{0, 2, 10 * time.Minute}, ""},
		{"a negative limit is refused", map[string]string{"ATRIUM_RATE_LIMIT_PER_EMAIL": "-3"}, RateLimit{}, "ATRIUM_RATE_LIMIT_PER_EMAIL"},
		{"a limit that is not a number is refused", map[string]string{"ATRIUM_RATE_LIMIT_PER_IP": "lots"}, RateLimit{}, "ATRIUM_RATE_LIMIT_PER_IP"},
		{"a window that is not a duration is refused", map[string]string{"ATRIUM_RATE_LIMIT_WINDOW": "0s"}, RateLimit{}, "ATRIUM_RATE_LIMIT_WINDOW"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Default()
			err := cfg.FromEnv(env(c.env))
			if c.bad != "" {
				if err == nil || !strings.Contains(err.Error(), c.bad) {
					t.Errorf("error %v, want one naming %s", err, c.bad)
				}
				return
			}
			if err != nil || cfg.RateLimit != c.want {
				t.Errorf("rate limit settings %+v (%v), want %+v", cfg.RateLimit, err, c.want)
			}
			if s := cfg.String(); !strings.Contains(s, "rate_limit_window="+c.want.Window.String()) {
				t.Errorf("String() does not show the window: %s", s)
			}
		})
	}
}
