// Package config is Atrium's one typed configuration: defaults, then
// environment variables (ATRIUM_*), then command-line flags. Every secret
// also accepts a *_FILE variant and is redacted when printed.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"atrium/internal/clientip"
)

// Config is the whole configuration of the server and the CLI.
type Config struct {
	DataDir       string        // ATRIUM_DATA, --data
	Addr          string        // ATRIUM_ADDR, --addr
	LogLevel      slog.Level    // ATRIUM_LOG_LEVEL: debug, info, warn, error
	LogJSON       bool          // ATRIUM_LOG_FORMAT=json
	AccessLog     bool          // ATRIUM_ACCESS_LOG
	SecureCookies bool          // ATRIUM_SECURE_COOKIES: serve behind HTTPS
	SessionTTL    time.Duration // ATRIUM_SESSION_TTL
	SyncInterval  time.Duration // ATRIUM_SYNC_INTERVAL: pick up other processes' writes
	Login         Login
	RateLimit     RateLimit
	Bootstrap     Bootstrap
	Mail          Mail
	Proxy         Proxy
	// GeoIPDB is the path of a MaxMind-format country or city database
	// (.mmdb) that the geography rule locates clients with; "" means
	// none, and every client's location is unknown. ATRIUM_GEOIP_DB.
	GeoIPDB    string
	Blobs      Blobs
	Renditions Renditions
}

// Renditions are the image renditions made in the background after
// uploads, and the limits of one image.
type Renditions struct {
	// Workers is how many images are rendered at once; 0 makes none in
	// this process (uploads record them pending, for a server that does).
	// ATRIUM_RENDITION_WORKERS.
	Workers int
	Queue   int           // ATRIUM_RENDITION_QUEUE: jobs waiting for a worker
	Timeout time.Duration // ATRIUM_RENDITION_TIMEOUT: one image, read to stored
	// JPEGQuality is 1 to 100. ATRIUM_RENDITION_JPEG_QUALITY.
	JPEGQuality    int
	MaxImagePixels int64 // ATRIUM_MAX_IMAGE_PIXELS
	MaxImageBytes  int64 // ATRIUM_MAX_IMAGE_BYTES: the largest original read
	// WatermarkText is the preview's text; "" means the account's name.
	// ATRIUM_WATERMARK_TEXT.
	WatermarkText string
	// WatermarkOpacity is 0 (no watermark) to 1. ATRIUM_WATERMARK_OPACITY.
	WatermarkOpacity float64
}

// MaxWatermarkText is the longest watermark text, in characters.
const MaxWatermarkText = 100

// Blob store kinds.
const (
	BlobsFS = "fs" // files under <data>/blobs
	BlobsS3 = "s3" // an S3-compatible bucket
)

// Blobs is where uploaded files' bytes are kept, and how large an upload
// may be.
type Blobs struct {
	Store          string // ATRIUM_BLOB_STORE: fs (default) or s3
	MaxUploadBytes int64  // ATRIUM_MAX_UPLOAD_BYTES
	S3             S3
}

// S3 locates the bucket of the s3 blob store.
type S3 struct {
	Endpoint  string // ATRIUM_S3_ENDPOINT: https://s3.example.com, http://127.0.0.1:7070
	Region    string // ATRIUM_S3_REGION
	Bucket    string // ATRIUM_S3_BUCKET
	Prefix    string // ATRIUM_S3_PREFIX: put in front of every object name
	AccessKey string // ATRIUM_S3_ACCESS_KEY
	SecretKey string // ATRIUM_S3_SECRET_KEY or ATRIUM_S3_SECRET_KEY_FILE
	PathStyle bool   // ATRIUM_S3_PATH_STYLE: bucket in the path, not the host name
}

// BlobDir is the fs blob store's folder.
func (c Config) BlobDir() string { return filepath.Join(c.DataDir, "blobs") }

// Proxy says which request header names the client's address, and which
// peers may set it. By default no header is trusted: the client is the
// connection's peer, and behind a reverse proxy every client has the
// proxy's address.
type Proxy struct {
	// Header is the trusted header, in canonical form (X-Forwarded-For,
	// X-Real-Ip, ...); "" trusts none. ATRIUM_TRUSTED_PROXY_HEADER
	// ("none" also means none).
	Header string
	// Trusted are the networks of the proxies whose Header is believed.
	// ATRIUM_TRUSTED_PROXIES: CIDRs or addresses, separated by commas or
	// spaces.
	Trusted []netip.Prefix
}

// Mail is outbound mail. Without an SMTP host, mail goes into the outbox
// folder <data>/outbox as .eml files.
type Mail struct {
	SMTPHost     string // ATRIUM_SMTP_HOST, --smtp-host
	SMTPPort     int    // ATRIUM_SMTP_PORT, --smtp-port
	SMTPUsername string // ATRIUM_SMTP_USERNAME
	SMTPPassword string // ATRIUM_SMTP_PASSWORD or ATRIUM_SMTP_PASSWORD_FILE
	From         string // ATRIUM_MAIL_FROM, --mail-from
}

// Login throttles failed sign-ins: after MaxFailures failures for one
// login (any case or spacing, whether or not it names a user), or
// MaxFailuresPerIP from one client address, within Window, further
// attempts are refused like a wrong password until the window passes.
// A limit of 0 turns it off.
type Login struct {
	MaxFailures      int           // ATRIUM_LOGIN_MAX_FAILURES
	MaxFailuresPerIP int           // ATRIUM_LOGIN_MAX_FAILURES_PER_IP
	Window           time.Duration // ATRIUM_LOGIN_FAILURE_WINDOW
}

// RateLimit bounds the public requests that send mail or take one-time
// tokens (sign-up, password reset and its confirmation, email
// verification, accepting an invitation): MaxPerIP per endpoint from one
// client address, and MaxPerEmail sign-up or reset requests naming one
// email or login (any case or spacing), within Window; over it the
// answer is 429 rate_limited with Retry-After. A limit of 0 turns it off.
type RateLimit struct {
	MaxPerIP    int           // ATRIUM_RATE_LIMIT_PER_IP
	MaxPerEmail int           // ATRIUM_RATE_LIMIT_PER_EMAIL
	Window      time.Duration // ATRIUM_RATE_LIMIT_WINDOW
}

// Bootstrap is the first start's account and owner.
type Bootstrap struct {
	AccountName string // ATRIUM_BOOTSTRAP_ACCOUNT
	Username    string // ATRIUM_BOOTSTRAP_USERNAME
	Email       string // ATRIUM_BOOTSTRAP_EMAIL
	Password    string // ATRIUM_BOOTSTRAP_PASSWORD or ATRIUM_BOOTSTRAP_PASSWORD_FILE
}

// Default returns the defaults.
func Default() Config {
	return Config{
		DataDir:      "./atrium-data",
		Addr:         "127.0.0.1:8080",
		LogLevel:     slog.LevelInfo,
		SessionTTL:   12 * time.Hour,
		SyncInterval: time.Second,
		Login:        Login{MaxFailures: 5, MaxFailuresPerIP: 50, Window: 15 * time.Minute},
		RateLimit:    RateLimit{MaxPerIP: 20, MaxPerEmail: 5, Window: time.Hour},
		Mail:         Mail{SMTPPort: 587, From: "Atrium <atrium@localhost>"},
		Blobs:        Blobs{Store: BlobsFS, MaxUploadBytes: 2 << 30},
		Renditions: Renditions{Workers: min(2, runtime.NumCPU()), Queue: 256, Timeout: 2 * time.Minute, JPEGQuality: 85,
			MaxImagePixels: 50_000_000, MaxImageBytes: 256 << 20, WatermarkOpacity: 0.3},
	}
}

// String prints the configuration with secrets redacted.
func (c Config) String() string {
	pw := ""
	if c.Bootstrap.Password != "" {
		pw = "[redacted]"
	}
	smtpPW := ""
	if c.Mail.SMTPPassword != "" {
		smtpPW = "[redacted]"
	}
	s3Secret := ""
	if c.Blobs.S3.SecretKey != "" {
		s3Secret = "[redacted]"
	}
	proxies := make([]string, len(c.Proxy.Trusted))
	for i, p := range c.Proxy.Trusted {
		proxies[i] = p.String()
	}
	return fmt.Sprintf("data=%s addr=%s log_level=%s log_json=%t access_log=%t secure_cookies=%t session_ttl=%s sync_interval=%s login_max_failures=%d login_max_failures_per_ip=%d login_failure_window=%s rate_limit_per_ip=%d rate_limit_per_email=%d rate_limit_window=%s bootstrap_account=%q bootstrap_username=%q bootstrap_email=%q bootstrap_password=%s smtp_host=%q smtp_port=%d smtp_username=%q smtp_password=%s mail_from=%q trusted_proxy_header=%q trusted_proxies=%q geoip_db=%q blob_store=%s max_upload_bytes=%d s3_endpoint=%q s3_region=%q s3_bucket=%q s3_prefix=%q s3_access_key=%q s3_secret_key=%s s3_path_style=%t rendition_workers=%d rendition_queue=%d rendition_timeout=%s rendition_jpeg_quality=%d max_image_pixels=%d max_image_bytes=%d watermark_text=%q watermark_opacity=%g",
		c.DataDir, c.Addr, c.LogLevel, c.LogJSON, c.AccessLog, c.SecureCookies, c.SessionTTL, c.SyncInterval,
		c.Login.MaxFailures, c.Login.MaxFailuresPerIP, c.Login.Window,
		c.RateLimit.MaxPerIP, c.RateLimit.MaxPerEmail, c.RateLimit.Window,
		c.Bootstrap.AccountName, c.Bootstrap.Username, c.Bootstrap.Email, pw,
		c.Mail.SMTPHost, c.Mail.SMTPPort, c.Mail.SMTPUsername, smtpPW, c.Mail.From,
		c.Proxy.Header, strings.Join(proxies, ","), c.GeoIPDB,
		c.Blobs.Store, c.Blobs.MaxUploadBytes, c.Blobs.S3.Endpoint, c.Blobs.S3.Region, c.Blobs.S3.Bucket, c.Blobs.S3.Prefix, c.Blobs.S3.AccessKey, s3Secret, c.Blobs.S3.PathStyle,
		c.Renditions.Workers, c.Renditions.Queue, c.Renditions.Timeout, c.Renditions.JPEGQuality, c.Renditions.MaxImagePixels, c.Renditions.MaxImageBytes,
		c.Renditions.WatermarkText, c.Renditions.WatermarkOpacity)
}

// FromEnv applies ATRIUM_* variables to c.
func (c *Config) FromEnv(getenv func(string) string) error {
	var errs []error
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	boolean := func(name string, dst *bool) {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: want true or false, got %q", name, v))
				return
			}
			*dst = b
		}
	}
	dur := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s: want a positive duration such as 12h, got %q", name, v))
				return
			}
			*dst = d
		}
	}
	count := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1_000_000 {
				errs = append(errs, fmt.Errorf("%s: want a whole number from 0 (off) to 1000000, got %q", name, v))
				return
			}
			*dst = n
		}
	}
	str("ATRIUM_DATA", &c.DataDir)
	str("ATRIUM_ADDR", &c.Addr)
	if v := getenv("ATRIUM_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("ATRIUM_LOG_LEVEL: want debug, info, warn or error, got %q", v))
		}
	}
	if v := getenv("ATRIUM_LOG_FORMAT"); v != "" {
		switch v {
		case "json":
			c.LogJSON = true
		case "text":
			c.LogJSON = false
		default:
			errs = append(errs, fmt.Errorf("ATRIUM_LOG_FORMAT: want text or json, got %q", v))
		}
	}
	boolean("ATRIUM_ACCESS_LOG", &c.AccessLog)
	boolean("ATRIUM_SECURE_COOKIES", &c.SecureCookies)
	dur("ATRIUM_SESSION_TTL", &c.SessionTTL)
	dur("ATRIUM_SYNC_INTERVAL", &c.SyncInterval)
	count("ATRIUM_LOGIN_MAX_FAILURES", &c.Login.MaxFailures)
	count("ATRIUM_LOGIN_MAX_FAILURES_PER_IP", &c.Login.MaxFailuresPerIP)
	dur("ATRIUM_LOGIN_FAILURE_WINDOW", &c.Login.Window)
	count("ATRIUM_RATE_LIMIT_PER_IP", &c.RateLimit.MaxPerIP)
	count("ATRIUM_RATE_LIMIT_PER_EMAIL", &c.RateLimit.MaxPerEmail)
	dur("ATRIUM_RATE_LIMIT_WINDOW", &c.RateLimit.Window)
	str("ATRIUM_BOOTSTRAP_ACCOUNT", &c.Bootstrap.AccountName)
	str("ATRIUM_BOOTSTRAP_USERNAME", &c.Bootstrap.Username)
	str("ATRIUM_BOOTSTRAP_EMAIL", &c.Bootstrap.Email)
	if err := secret(getenv, "ATRIUM_BOOTSTRAP_PASSWORD", &c.Bootstrap.Password); err != nil {
		errs = append(errs, err)
	}
	str("ATRIUM_SMTP_HOST", &c.Mail.SMTPHost)
	if v := getenv("ATRIUM_SMTP_PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			errs = append(errs, fmt.Errorf("ATRIUM_SMTP_PORT: want a port from 1 to 65535, got %q", v))
		} else {
			c.Mail.SMTPPort = n
		}
	}
	str("ATRIUM_SMTP_USERNAME", &c.Mail.SMTPUsername)
	if err := secret(getenv, "ATRIUM_SMTP_PASSWORD", &c.Mail.SMTPPassword); err != nil {
		errs = append(errs, err)
	}
	str("ATRIUM_MAIL_FROM", &c.Mail.From)
	if v := strings.TrimSpace(getenv("ATRIUM_TRUSTED_PROXY_HEADER")); v != "" {
		switch {
		case strings.EqualFold(v, "none"):
			c.Proxy.Header = ""
		case strings.EqualFold(v, clientip.Forwarded):
			errs = append(errs, fmt.Errorf("ATRIUM_TRUSTED_PROXY_HEADER: Forwarded is not supported (a client can make it unreadable); use X-Forwarded-For or X-Real-IP"))
		case !clientip.ValidHeader(v):
			errs = append(errs, fmt.Errorf("ATRIUM_TRUSTED_PROXY_HEADER: want a header name such as X-Forwarded-For or X-Real-IP, or none, got %q", v))
		default:
			c.Proxy.Header = textproto.CanonicalMIMEHeaderKey(v)
		}
	}
	if v := getenv("ATRIUM_TRUSTED_PROXIES"); v != "" {
		ps, err := ParseProxies(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("ATRIUM_TRUSTED_PROXIES: %w", err))
		} else {
			c.Proxy.Trusted = ps
		}
	}
	str("ATRIUM_GEOIP_DB", &c.GeoIPDB)
	if v := getenv("ATRIUM_BLOB_STORE"); v != "" {
		switch v {
		case BlobsFS, BlobsS3:
			c.Blobs.Store = v
		default:
			errs = append(errs, fmt.Errorf("ATRIUM_BLOB_STORE: want fs or s3, got %q", v))
		}
	}
	if v := getenv("ATRIUM_MAX_UPLOAD_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("ATRIUM_MAX_UPLOAD_BYTES: want a number of bytes such as 2147483648 (2 GiB), got %q", v))
		} else {
			c.Blobs.MaxUploadBytes = n
		}
	}
	str("ATRIUM_S3_ENDPOINT", &c.Blobs.S3.Endpoint)
	str("ATRIUM_S3_REGION", &c.Blobs.S3.Region)
	str("ATRIUM_S3_BUCKET", &c.Blobs.S3.Bucket)
	str("ATRIUM_S3_PREFIX", &c.Blobs.S3.Prefix)
	str("ATRIUM_S3_ACCESS_KEY", &c.Blobs.S3.AccessKey)
	if err := secret(getenv, "ATRIUM_S3_SECRET_KEY", &c.Blobs.S3.SecretKey); err != nil {
		errs = append(errs, err)
	}
	boolean("ATRIUM_S3_PATH_STYLE", &c.Blobs.S3.PathStyle)
	errs = append(errs, c.Renditions.fromEnv(getenv)...)
	return errors.Join(errs...)
}

// fromEnv reads the ATRIUM_RENDITION_*, ATRIUM_MAX_IMAGE_* and
// ATRIUM_WATERMARK_* variables; ranges are checked by Check.
func (r *Renditions) fromEnv(getenv func(string) string) []error {
	var errs []error
	integer := func(name string, dst *int64, want string) {
		if v := getenv(name); v != "" {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: want %s, got %q", name, want, v))
				return
			}
			*dst = n
		}
	}
	small := func(name string, dst *int, want string) {
		n := int64(*dst)
		integer(name, &n, want)
		if n != int64(int(n)) {
			n = -1
		}
		*dst = int(n)
	}
	small("ATRIUM_RENDITION_WORKERS", &r.Workers, "a number of workers from 0 (none) to 256")
	small("ATRIUM_RENDITION_QUEUE", &r.Queue, "a number of jobs from 0 to 1000000")
	small("ATRIUM_RENDITION_JPEG_QUALITY", &r.JPEGQuality, "a quality from 1 to 100")
	integer("ATRIUM_MAX_IMAGE_PIXELS", &r.MaxImagePixels, "a number of pixels such as 50000000")
	integer("ATRIUM_MAX_IMAGE_BYTES", &r.MaxImageBytes, "a number of bytes such as 268435456 (256 MiB)")
	if v := getenv("ATRIUM_RENDITION_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("ATRIUM_RENDITION_TIMEOUT: want a positive duration such as 2m, got %q", v))
		} else {
			r.Timeout = d
		}
	}
	if v := getenv("ATRIUM_WATERMARK_TEXT"); v != "" {
		r.WatermarkText = v
	}
	if v := getenv("ATRIUM_WATERMARK_OPACITY"); v != "" {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("ATRIUM_WATERMARK_OPACITY: want a number from 0 (off) to 1, got %q", v))
		} else {
			r.WatermarkOpacity = f
		}
	}
	return errs
}

func (r Renditions) check() error {
	switch {
	case r.Workers < 0 || r.Workers > 256:
		return fmt.Errorf("ATRIUM_RENDITION_WORKERS=%d: want 0 (none in this process) to 256", r.Workers)
	case r.Queue < 0 || r.Queue > 1_000_000:
		return fmt.Errorf("ATRIUM_RENDITION_QUEUE=%d: want 0 to 1000000", r.Queue)
	case r.Timeout <= 0:
		return fmt.Errorf("ATRIUM_RENDITION_TIMEOUT=%s: want a positive duration", r.Timeout)
	case r.JPEGQuality < 1 || r.JPEGQuality > 100:
		return fmt.Errorf("ATRIUM_RENDITION_JPEG_QUALITY=%d: want 1 to 100", r.JPEGQuality)
	case r.MaxImagePixels < 1 || r.MaxImagePixels > 1<<32:
		return fmt.Errorf("ATRIUM_MAX_IMAGE_PIXELS=%d: want 1 to %d", r.MaxImagePixels, int64(1)<<32)
	case r.MaxImageBytes < 1:
		return fmt.Errorf("ATRIUM_MAX_IMAGE_BYTES=%d: want at least 1", r.MaxImageBytes)
	case !(r.WatermarkOpacity >= 0 && r.WatermarkOpacity <= 1):
		return fmt.Errorf("ATRIUM_WATERMARK_OPACITY=%g: want 0 (off) to 1", r.WatermarkOpacity)
	case utf8.RuneCountInString(r.WatermarkText) > MaxWatermarkText:
		return fmt.Errorf("ATRIUM_WATERMARK_TEXT: at most %d characters", MaxWatermarkText)
	case strings.IndexFunc(r.WatermarkText, unicode.IsControl) >= 0:
		return errors.New("ATRIUM_WATERMARK_TEXT: no control characters (line breaks, tabs)")
	}
	return nil
}

// ParseProxies reads a list of networks (CIDRs such as 10.0.0.0/8 or
// fd00::/8) and single addresses, separated by commas or spaces. A
// network that holds every address is refused: it would believe any
// client's header.
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is neither a network (10.0.0.0/8) nor an address (10.0.0.1)", f)
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		p = p.Masked()
		if p.Bits() == 0 {
			return nil, fmt.Errorf("%q holds every address, so any client could set the header; name the proxies' networks", f)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, errors.New("no network given")
	}
	return out, nil
}

// secret reads NAME, or the file named by NAME_FILE (one of them).
func secret(getenv func(string) string, name string, dst *string) error {
	v, file := getenv(name), getenv(name+"_FILE")
	switch {
	case v != "" && file != "":
		return fmt.Errorf("set %s or %s_FILE, not both", name, name)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("%s_FILE: %w", name, err)
		}
		*dst = strings.TrimRight(string(b), "\r\n")
	case v != "":
		*dst = v
	}
	return nil
}

// DataFlag registers --data on fs.
func (c *Config) DataFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data directory (env ATRIUM_DATA)")
}

// ServeFlags registers the server's flags on fs.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.DataFlag(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on, HOST:PORT (env ATRIUM_ADDR)")
	fs.BoolVar(&c.AccessLog, "access-log", c.AccessLog, "log every request (env ATRIUM_ACCESS_LOG)")
	c.MailFlags(fs)
}

// MailFlags registers the outbound mail flags on fs.
func (c *Config) MailFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Mail.SMTPHost, "smtp-host", c.Mail.SMTPHost, "SMTP server; empty: write mail to <data>/outbox (env ATRIUM_SMTP_HOST)")
	fs.IntVar(&c.Mail.SMTPPort, "smtp-port", c.Mail.SMTPPort, "SMTP port (env ATRIUM_SMTP_PORT)")
	fs.StringVar(&c.Mail.From, "mail-from", c.Mail.From, "sender address of outbound mail (env ATRIUM_MAIL_FROM)")
}

// OutboxDir is the folder mail goes to when no SMTP server is configured.
func (c Config) OutboxDir() string { return filepath.Join(c.DataDir, "outbox") }

// Check validates the configuration.
func (c Config) Check() error {
	if c.DataDir == "" {
		return errors.New("the data directory must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("addr %q: want HOST:PORT, e.g. 127.0.0.1:8080", c.Addr)
	}
	if c.Mail.SMTPPort < 1 || c.Mail.SMTPPort > 65535 {
		return fmt.Errorf("smtp port %d: want 1 to 65535", c.Mail.SMTPPort)
	}
	if _, err := mail.ParseAddress(c.Mail.From); err != nil {
		return fmt.Errorf("mail from %q: want an address such as Atrium <atrium@example.com>", c.Mail.From)
	}
	switch {
	case c.Proxy.Header != "" && len(c.Proxy.Trusted) == 0:
		return fmt.Errorf("the trusted proxy header %s needs ATRIUM_TRUSTED_PROXIES, the networks of the proxies allowed to set it", c.Proxy.Header)
	case c.Proxy.Header == "" && len(c.Proxy.Trusted) > 0:
		return errors.New("ATRIUM_TRUSTED_PROXIES has no effect without ATRIUM_TRUSTED_PROXY_HEADER, the header they set")
	}
	if err := c.Renditions.check(); err != nil {
		return err
	}
	return c.Blobs.check()
}

func (b Blobs) check() error {
	if b.MaxUploadBytes < 1 {
		return fmt.Errorf("max upload bytes %d: want at least 1", b.MaxUploadBytes)
	}
	switch b.Store {
	case BlobsFS:
		if b.S3 != (S3{}) {
			return errors.New("ATRIUM_S3_* settings have no effect without ATRIUM_BLOB_STORE=s3")
		}
	case BlobsS3:
		var missing []string
		for name, v := range map[string]string{"ATRIUM_S3_ENDPOINT": b.S3.Endpoint, "ATRIUM_S3_BUCKET": b.S3.Bucket,
			"ATRIUM_S3_ACCESS_KEY": b.S3.AccessKey, "ATRIUM_S3_SECRET_KEY": b.S3.SecretKey} {
			if v == "" {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return fmt.Errorf("ATRIUM_BLOB_STORE=s3 needs %s", strings.Join(missing, ", "))
		}
	default:
		return fmt.Errorf("blob store %q: want fs or s3", b.Store)
	}
	return nil
}
