package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
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

func TestProxyAndGeoIPSettings(t *testing.T) {
	p := func(ss ...string) []netip.Prefix {
		out := []netip.Prefix{}
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	for _, c := range []struct {
		name    string
		env     map[string]string
		header  string
		proxies []netip.Prefix
		geoip   string
		err     string // in FromEnv's or Check's error; "" for none
	}{
		{"by default no header is trusted and there is no database", nil, "", nil, "", ""},
		{"a header and its proxies are read, the header in canonical form",
			map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "x-forwarded-for", "ATRIUM_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7 fd00::/8"},
			"X-Forwarded-For", p("10.0.0.0/8", "192.0.2.7/32", "fd00::/8"), "", ""},
		{"networks are masked and mapped addresses unmapped",
			map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "X-Real-IP", "ATRIUM_TRUSTED_PROXIES": "10.1.2.3/8,::ffff:10.0.0.1"},
			"X-Real-Ip", p("10.0.0.0/8", "10.0.0.1/32"), "", ""},
		{"none trusts no header", map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "None"}, "", nil, "", ""},
		{"the database path is read", map[string]string{"ATRIUM_GEOIP_DB": "/var/lib/GeoLite2-Country.mmdb"}, "", nil, "/var/lib/GeoLite2-Country.mmdb", ""},
		{"a header without proxies is refused", map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "X-Forwarded-For"}, "", nil, "", "ATRIUM_TRUSTED_PROXIES"},
		{"proxies without a header are refused", map[string]string{"ATRIUM_TRUSTED_PROXIES": "10.0.0.1"}, "", nil, "", "ATRIUM_TRUSTED_PROXY_HEADER"},
		{"a header name with a space is refused", map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "X Forwarded", "ATRIUM_TRUSTED_PROXIES": "10.0.0.1"}, "", nil, "", "ATRIUM_TRUSTED_PROXY_HEADER"},
		{"Forwarded is refused", map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "forwarded", "ATRIUM_TRUSTED_PROXIES": "10.0.0.1"}, "", nil, "", "not supported"},
		{"a malformed network is refused", map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "X-Real-IP", "ATRIUM_TRUSTED_PROXIES": "10.0.0.0/33"}, "", nil, "", "ATRIUM_TRUSTED_PROXIES"},
		{"a host name is refused", map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "X-Real-IP", "ATRIUM_TRUSTED_PROXIES": "proxy.internal"}, "", nil, "", "ATRIUM_TRUSTED_PROXIES"},
		{"trusting every IPv4 address is refused", map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "X-Real-IP", "ATRIUM_TRUSTED_PROXIES": "0.0.0.0/0"}, "", nil, "", "every address"},
		{"trusting every IPv6 address is refused", map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "X-Real-IP", "ATRIUM_TRUSTED_PROXIES": "10.0.0.1, ::/0"}, "", nil, "", "every address"},
		{"a list of separators only is refused", map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "X-Real-IP", "ATRIUM_TRUSTED_PROXIES": " , "}, "", nil, "", "no network"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := Default()
			err := cfg.FromEnv(env(c.env))
			if err == nil {
				err = cfg.Check()
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one mentioning %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Proxy.Header != c.header || !slices.Equal(cfg.Proxy.Trusted, c.proxies) || cfg.GeoIPDB != c.geoip {
				t.Errorf("proxy %+v, geoip %q; want header %q, proxies %v, geoip %q", cfg.Proxy, cfg.GeoIPDB, c.header, c.proxies, c.geoip)
			}
			if s := cfg.String(); !strings.Contains(s, "trusted_proxy_header=") || !strings.Contains(s, "geoip_db=") {
				t.Errorf("String() omits the settings: %s", s)
			}
		})
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

func TestBlobStoreSettings(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "s3")
	if err := os.WriteFile(secretFile, []byte("s3 secret from a file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s3env := map[string]string{"ATRIUM_BLOB_STORE": "s3", "ATRIUM_S3_ENDPOINT": "https://s3.example.com", "ATRIUM_S3_REGION": "eu-west-1",
		"ATRIUM_S3_BUCKET": "media", "ATRIUM_S3_PREFIX": "atrium/", "ATRIUM_S3_ACCESS_KEY": "AKIA", "ATRIUM_S3_SECRET_KEY_FILE": secretFile,
		"ATRIUM_S3_PATH_STYLE": "true"}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{}
		for a, b := range m {
			out[a] = b
		}
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name string
		env  map[string]string
		want Blobs
		err  string // in FromEnv's or Check's error; "" for none
	}{
		{"by default files go under the data directory and an upload holds up to 2 GiB", nil, Blobs{Store: "fs", MaxUploadBytes: 2 << 30}, ""},
		{"the upload limit is read in bytes", map[string]string{"ATRIUM_MAX_UPLOAD_BYTES": "1048576"}, Blobs{Store: "fs", MaxUploadBytes: 1 << 20}, ""},
		{"an S3 store is read whole, its secret from a file", s3env, Blobs{Store: "s3", MaxUploadBytes: 2 << 30, S3: S3{Endpoint: "https://s3.example.com",
			Region: "eu-west-1", Bucket: "media", Prefix: "atrium/", AccessKey: "AKIA", SecretKey: "s3 secret from a file", PathStyle: true}}, ""},
		{"an unknown store is refused", map[string]string{"ATRIUM_BLOB_STORE": "ftp"}, Blobs{}, "ATRIUM_BLOB_STORE"},
		{"an upload limit of zero is refused", map[string]string{"ATRIUM_MAX_UPLOAD_BYTES": "0"}, Blobs{}, "ATRIUM_MAX_UPLOAD_BYTES"},
		{"an upload limit with a unit is refused", map[string]string{"ATRIUM_MAX_UPLOAD_BYTES": "2GiB"}, Blobs{}, "ATRIUM_MAX_UPLOAD_BYTES"},
		{"an S3 store without a bucket is refused, naming it", with(s3env, "ATRIUM_S3_BUCKET", ""), Blobs{}, "ATRIUM_S3_BUCKET"},
		{"an S3 store without a secret is refused, naming it", with(s3env, "ATRIUM_S3_SECRET_KEY_FILE", ""), Blobs{}, "ATRIUM_S3_SECRET_KEY"},
		{"a secret given twice is refused", with(s3env, "ATRIUM_S3_SECRET_KEY", "x"), Blobs{}, "not both"},
		{"S3 settings without the s3 store are refused rather than ignored", map[string]string{"ATRIUM_S3_BUCKET": "media"}, Blobs{}, "ATRIUM_BLOB_STORE=s3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Default()
			err := cfg.FromEnv(env(c.env))
			if err == nil {
				err = cfg.Check()
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one mentioning %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Blobs != c.want {
				t.Errorf("blobs %+v, want %+v", cfg.Blobs, c.want)
			}
			s := cfg.String()
			if strings.Contains(s, "secret from a file") || !strings.Contains(s, "blob_store="+c.want.Store) {
				t.Errorf("String() leaks the secret or omits the store: %s", s)
			}
		})
	}
	if got := (Config{DataDir: "/srv/atrium"}).BlobDir(); got != filepath.Join("/srv/atrium", "blobs") {
		t.Errorf("BlobDir = %s", got)
	}
}

func TestRenditionSettings(t *testing.T) {
	def := Default().Renditions
	if def.Workers < 1 || def.Workers > 2 || def.Queue != 256 || def.Timeout != 2*time.Minute || def.JPEGQuality != 85 ||
		def.MaxImagePixels != 50_000_000 || def.MaxImageBytes != 256<<20 || def.WatermarkText != "" || def.WatermarkOpacity != 0.3 {
		t.Errorf("defaults %+v", def)
	}
	all := map[string]string{"ATRIUM_RENDITION_WORKERS": "4", "ATRIUM_RENDITION_QUEUE": "10", "ATRIUM_RENDITION_TIMEOUT": "30s",
		"ATRIUM_RENDITION_JPEG_QUALITY": "70", "ATRIUM_MAX_IMAGE_PIXELS": "1000000", "ATRIUM_MAX_IMAGE_BYTES": "1048576",
		"ATRIUM_WATERMARK_TEXT": "© Newsroom", "ATRIUM_WATERMARK_OPACITY": "0.5"}
	cases := []struct {
		name string
		env  map[string]string
		want Renditions
		err  string // in FromEnv's or Check's error; "" for none
	}{
		{"every setting is read", all, Renditions{Workers: 4, Queue: 10, Timeout: 30 * time.Second, JPEGQuality: 70, MaxImagePixels: 1_000_000,
			MaxImageBytes: 1 << 20, WatermarkText: "© Newsroom", WatermarkOpacity: 0.5}, ""},
		{"no workers means none in this process", map[string]string{"ATRIUM_RENDITION_WORKERS": "0"}, func() Renditions { r := def; r.Workers = 0; return r }(), ""},
		{"an opacity of 0 turns the watermark off", map[string]string{"ATRIUM_WATERMARK_OPACITY": "0"}, func() Renditions { r := def; r.WatermarkOpacity = 0; return r }(), ""},
		{"too many workers are refused", map[string]string{"ATRIUM_RENDITION_WORKERS": "257"}, Renditions{}, "ATRIUM_RENDITION_WORKERS"},
		{"workers that are not a number are refused", map[string]string{"ATRIUM_RENDITION_WORKERS": "two"}, Renditions{}, "ATRIUM_RENDITION_WORKERS"},
		{"a negative queue is refused", map[string]string{"ATRIUM_RENDITION_QUEUE": "-1"}, Renditions{}, "ATRIUM_RENDITION_QUEUE"},
		{"a timeout without a unit is refused", map[string]string{"ATRIUM_RENDITION_TIMEOUT": "30"}, Renditions{}, "ATRIUM_RENDITION_TIMEOUT"},
		{"a quality of 0 is refused", map[string]string{"ATRIUM_RENDITION_JPEG_QUALITY": "0"}, Renditions{}, "ATRIUM_RENDITION_JPEG_QUALITY"},
		{"a quality over 100 is refused", map[string]string{"ATRIUM_RENDITION_JPEG_QUALITY": "101"}, Renditions{}, "ATRIUM_RENDITION_JPEG_QUALITY"},
		{"a pixel limit of 0 is refused", map[string]string{"ATRIUM_MAX_IMAGE_PIXELS": "0"}, Renditions{}, "ATRIUM_MAX_IMAGE_PIXELS"},
		{"a pixel limit over 2^32 is refused", map[string]string{"ATRIUM_MAX_IMAGE_PIXELS": "4294967297"}, Renditions{}, "ATRIUM_MAX_IMAGE_PIXELS"},
		{"a byte limit with a unit is refused", map[string]string{"ATRIUM_MAX_IMAGE_BYTES": "256MiB"}, Renditions{}, "ATRIUM_MAX_IMAGE_BYTES"},
		{"an opacity over 1 is refused", map[string]string{"ATRIUM_WATERMARK_OPACITY": "1.5"}, Renditions{}, "ATRIUM_WATERMARK_OPACITY"},
		{"an opacity that is not a number is refused", map[string]string{"ATRIUM_WATERMARK_OPACITY": "NaN"}, Renditions{}, "ATRIUM_WATERMARK_OPACITY"},
		{"a watermark over 100 characters is refused", map[string]string{"ATRIUM_WATERMARK_TEXT": strings.Repeat("é", 101)}, Renditions{}, "ATRIUM_WATERMARK_TEXT"},
		{"a watermark with a line break is refused", map[string]string{"ATRIUM_WATERMARK_TEXT": "two\nlines"}, Renditions{}, "ATRIUM_WATERMARK_TEXT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Default()
			err := cfg.FromEnv(env(c.env))
			if err == nil {
				err = cfg.Check()
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one mentioning %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Renditions != c.want {
				t.Errorf("renditions %+v, want %+v", cfg.Renditions, c.want)
			}
		})
	}
	cfg := Default()
	if err := cfg.FromEnv(env(all)); err != nil {
		t.Fatal(err)
	}
	s := cfg.String()
	for _, want := range []string{"rendition_workers=4", "rendition_queue=10", "rendition_timeout=30s", "rendition_jpeg_quality=70",
		"max_image_pixels=1000000", "max_image_bytes=1048576", `watermark_text="© Newsroom"`, "watermark_opacity=0.5"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %s: %s", want, s)
		}
	}
}
