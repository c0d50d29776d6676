// Package cli is the atrium command: the server (serve), schema migration,
// scenario import, and administration commands that work directly on a data
// directory, also while a server runs on it (the server picks their writes
// up from the change log).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"atrium/internal/blob"
	"atrium/internal/config"
	"atrium/internal/identity"
	"atrium/internal/mail"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
)

// Env is what a command runs with.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Password is the argon2id cost for new passwords (tests use a cheap one).
	Password identity.Params
}

type command struct {
	name, usage, help string
	run               func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "[--data DIR] [--addr HOST:PORT]", "run the server", serve},
		{"migrate", "[--data DIR]", "apply database migrations", migrate},
		{"import", "[--data DIR] FILE", "import a scenario file (JSON Lines) in one transaction", importCmd},
		{"account", "create|limits|list ...", "create accounts, set plan limits", account},
		{"user", "create|list|status|mfa-reset|clear-pending ...", "create and list users, change their status, reset a second factor, clear users never validated", user},
		{"group", "create|add ...", "create groups, add members", group},
		{"role", "grant|revoke|define|change|delete|list|permissions ...", "grant or revoke roles; define, change, delete and list custom roles", roles},
		{"access", "relate|relations|list|revoke|expire ...", "set up request/approval relationships, list and revoke access requests, end grants past their end date", access},
		{"moderation", "list|publish|reject ...", "list the uploads held for moderation; publish or reject one as an approver", moderation},
		{"geo", "show|set ...", "read or set an account's geography rule for sign-in and sign-up", geoCmd},
		{"outbox", "list|show ...", "read the mail written to the outbox folder (when no SMTP server is configured)", outbox},
		{"token", "create|list|revoke ...", "issue an API token for a user (printed on stdout), list and revoke tokens", token},
		{"session", "list|revoke --user ID [--id SESSION]", "list a user's sessions, end one or all of them", session},
		{"invite", "--email E [--role R]... [--group G]... [--expires-days N] | list | revoke --id ID", "invite an email address (the token goes by mail), list and revoke invitations", invite},
		{"signup", "show|set ...", "show or change the account's sign-up rules", signup},
		{"audit", "[--actor ID] [--target T] [--type T] [--since T] [--until T] [--limit N] [--json] [--instance]", "print the audit log, newest first", auditCmd},
		{"check", "--subject user:ID --permission P --object TYPE:ID", "check a permission", check},
		{"list", "--subject user:ID --permission P --type TYPE", "list the objects a user has a permission on", list},
		{"explain", "--subject user:ID --permission P --object TYPE:ID", "explain a permission", explain},
		{"who", "--permission P --object TYPE:ID", "list the users who have a permission", who},
		{"share", "list|revoke ...", "list an account's public share links, revoke one", share},
		{"bench", "--scenario DIR [--data DIR] [--keep] [--json FILE] [--checks N] [--lists N] [--writes N] [--batch N] [--concurrency N]", "measure import, start-up, memory, checks, lists and writes on a scenario", bench},
	}
}

// Main runs the atrium command and returns its exit status.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Password == (identity.Params{}) {
		env.Password = identity.DefaultParams
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, env, args[1:])
			if err == nil {
				return 0
			}
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			var ue usageError
			if errors.As(err, &ue) {
				fmt.Fprintf(env.Stderr, "atrium %s: %v\nusage: atrium %s %s\n", c.name, err, c.name, c.usage)
				return 2
			}
			fmt.Fprintf(env.Stderr, "atrium %s: %s\n", c.name, describe(err))
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "atrium: unknown command %q\n", args[0])
	usage(env.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: atrium COMMAND [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.help)
	}
	fmt.Fprintln(w, "\nEvery command takes --data DIR (default ./atrium-data, env ATRIUM_DATA). atrium COMMAND -h for its flags.")
}

// describe turns an error into one line for people: service errors by
// their message, anything else as it is.
func describe(err error) string {
	if se, ok := service.AsError(err); ok {
		if se.Field != "" {
			return fmt.Sprintf("%s (%s: %s)", se.Message, se.Code, se.Field)
		}
		return fmt.Sprintf("%s (%s)", se.Message, se.Code)
	}
	return err.Error()
}

type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// parse parses flags allowing them before and after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func newFlags(name string, env Env, cfg *config.Config) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg.DataFlag(fs)
	return fs
}

func loadConfig(env Env) (config.Config, error) {
	cfg := config.Default()
	if err := cfg.FromEnv(env.Getenv); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func logger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// open opens the data directory's store and a service over it. The CLI's
// commands never migrate implicitly except serve and migrate.
func open(ctx context.Context, env Env, cfg config.Config, migrate bool) (*service.Service, func(), error) {
	return openWith(ctx, env, cfg, migrate, nil)
}

// openWith is open with a locator for the geography rule (nil: none).
func openWith(ctx context.Context, env Env, cfg config.Config, migrate bool, loc service.Locator) (*service.Service, func(), error) {
	if !migrate {
		if _, err := os.Stat(cfg.DataDir); err != nil {
			return nil, nil, fmt.Errorf("data directory %s: %w (create it with atrium serve, migrate or import)", cfg.DataDir, err)
		}
	}
	st, err := sqlstore.OpenSQLite(ctx, cfg.DataDir, migrate)
	if err != nil {
		return nil, nil, err
	}
	blobs, closeBlobs, err := openBlobs(cfg)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	svc, err := service.New(ctx, st, service.Options{Logger: slog.New(slog.DiscardHandler), Password: env.Password, SessionTTL: cfg.SessionTTL,
		Throttle: throttleOf(cfg.Login), RateLimit: rateLimitOf(cfg.RateLimit), Mail: mailer(cfg), Geo: loc,
		Blobs: blobs, MaxUploadBytes: cfg.Blobs.MaxUploadBytes})
	if err != nil {
		closeBlobs()
		st.Close()
		return nil, nil, err
	}
	return svc, func() { closeBlobs(); st.Close() }, nil
}

// openBlobs opens the configured blob store: files under <data>/blobs, or
// an S3 bucket (not contacted here; serve checks it).
func openBlobs(cfg config.Config) (blob.Store, func(), error) {
	if cfg.Blobs.Store == config.BlobsS3 {
		c := cfg.Blobs.S3
		s, err := blob.NewS3(blob.S3Config{Endpoint: c.Endpoint, Region: c.Region, Bucket: c.Bucket, Prefix: c.Prefix,
			AccessKey: c.AccessKey, SecretKey: c.SecretKey, PathStyle: c.PathStyle})
		return s, func() {}, err
	}
	s, err := blob.NewFS(cfg.BlobDir())
	if err != nil {
		return nil, nil, err
	}
	return s, func() { s.Close() }, nil
}

// throttleOf turns the configuration's sign-in limits into the service's,
// where 0 means the default and a negative number off.
func throttleOf(l config.Login) service.Throttle {
	off := func(n int) int {
		if n == 0 {
			return -1
		}
		return n
	}
	return service.Throttle{PerLogin: off(l.MaxFailures), PerIP: off(l.MaxFailuresPerIP), Window: l.Window}
}

// rateLimitOf turns the configuration's public-request limits into the
// service's, where 0 means the default and a negative number off.
func rateLimitOf(l config.RateLimit) service.RateLimit {
	off := func(n int) int {
		if n == 0 {
			return -1
		}
		return n
	}
	return service.RateLimit{PerIP: off(l.MaxPerIP), PerEmail: off(l.MaxPerEmail), Window: l.Window}
}

// mailer is the configured mail sender: SMTP when a host is set,
// otherwise the data directory's outbox folder.
func mailer(cfg config.Config) mail.Sender {
	if cfg.Mail.SMTPHost != "" {
		return mail.SMTP{Host: cfg.Mail.SMTPHost, Port: cfg.Mail.SMTPPort, Username: cfg.Mail.SMTPUsername, Password: cfg.Mail.SMTPPassword, From: cfg.Mail.From}
	}
	return mail.Outbox{Dir: cfg.OutboxDir(), From: cfg.Mail.From}
}

// accountActor resolves --account (or the only account) to its owner.
func accountActor(ctx context.Context, svc *service.Service, accountID string) (service.Actor, error) {
	if accountID == "" {
		accts, err := svc.Store().ListAccounts(ctx)
		if err != nil {
			return service.Actor{}, err
		}
		if len(accts) != 1 {
			ids := make([]string, len(accts))
			for i, a := range accts {
				ids[i] = a.ID
			}
			sort.Strings(ids)
			return service.Actor{}, usagef("--account is required: the data directory holds %d accounts (%s)", len(accts), strings.Join(ids, ", "))
		}
		accountID = accts[0].ID
	}
	return svc.OwnerActor(ctx, accountID)
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func readPasswordFile(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
