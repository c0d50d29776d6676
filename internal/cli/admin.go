package cli

// Administration of the identity lifecycle from the command line: user
// status and listing, second-factor reset, sessions, API tokens,
// invitations, sign-up rules and the audit log. Every command calls the
// service method the matching API route calls, acting as the account's
// owner (so the same domain rules apply), except where only the operator
// of the data directory can act (resetting the only owner's second
// factor, events recorded outside any account).

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/store"
)

// userActor is the owner of the account of a user given by id, acting
// from the command line.
func userActor(ctx context.Context, svc *service.Service, userID string) (service.Actor, error) {
	if userID == "" {
		return service.Actor{}, usagef("--user ID is required")
	}
	u, err := svc.Store().GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return service.Actor{}, fmt.Errorf("no user %s", userID)
	}
	if err != nil {
		return service.Actor{}, err
	}
	a, err := svc.OwnerActor(ctx, u.AccountID)
	a.IP = "local"
	return a, err
}

// localActor is accountActor for the commands of this file, whose audit
// entries say they came from the command line.
func localActor(ctx context.Context, svc *service.Service, accountID string) (service.Actor, error) {
	a, err := accountActor(ctx, svc, accountID)
	a.IP = "local"
	return a, err
}

// ---- user status | list | mfa-reset

// userStatus changes a user's status, as PATCH /api/v1/users/{id} does.
func userStatus(ctx context.Context, env Env, args []string) error {
	var userID, status, reason string
	return withService(ctx, env, "user status", args, func(fs *flag.FlagSet) {
		fs.StringVar(&userID, "user", "", "user id (required)")
		fs.StringVar(&status, "status", "", "active, deactivated or banned (required)")
		fs.StringVar(&reason, "reason", "", "why, kept in the audit log")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		switch status {
		case string(domain.StatusActive), string(domain.StatusDeactivated), string(domain.StatusBanned):
		default:
			return usagef("--status must be active, deactivated or banned")
		}
		a, err := userActor(ctx, svc, userID)
		if err != nil {
			return err
		}
		u, err := svc.UpdateUser(ctx, a, userID, service.UserUpdate{Status: &status, Reason: reason})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s\t%s\n", u.ID, u.Status)
		return nil
	})
}

// userList lists an account's users, as GET /api/v1/users does, one per
// line: id, username, email, status, roles.
func userList(ctx context.Context, env Env, args []string) error {
	var acct, status string
	return withService(ctx, env, "user list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		fs.StringVar(&status, "status", "", "only users of this status: pending, active, deactivated or banned")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		if status != "" {
			if _, err := domain.ParseStatus(status); err != nil {
				return usagef("--status must be pending, active, deactivated or banned")
			}
		}
		a, err := localActor(ctx, svc, acct)
		if err != nil {
			return err
		}
		const page = 1000
		f := store.UserFilter{Status: domain.Status(status), Limit: page}
		for {
			us, err := svc.ListUsers(ctx, a, f)
			if err != nil {
				return err
			}
			for _, u := range us {
				fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.Email, u.Status, strings.Join(u.Roles, ","))
			}
			if len(us) < page {
				return nil
			}
			f.After = us[len(us)-1].ID
		}
	})
}

// userMFAReset removes a user's second factor and ends their sessions, as
// DELETE /api/v1/users/{id}/mfa does, but as the operator: it works for
// an account's only owner, who has nobody to ask.
func userMFAReset(ctx context.Context, env Env, args []string) error {
	var userID string
	return withService(ctx, env, "user mfa-reset", args, func(fs *flag.FlagSet) {
		fs.StringVar(&userID, "user", "", "user id (required)")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		if userID == "" {
			return usagef("--user ID is required")
		}
		if err := svc.OperatorResetMFA(ctx, userID); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "two-factor sign-in of %s removed and their sessions ended: they sign in with their password and may enrol again\n", userID)
		return nil
	})
}

// ---- session list | revoke

func session(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "list" && args[0] != "revoke" {
		return usagef("session list --user ID | session revoke --user ID [--id SESSION]")
	}
	sub := args[0]
	var userID, id string
	return withService(ctx, env, "session "+sub, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&userID, "user", "", "user id (required)")
		if sub == "revoke" {
			fs.StringVar(&id, "id", "", "the session to end, from session list (default: every session of the user)")
		}
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		a, err := userActor(ctx, svc, userID)
		if err != nil {
			return err
		}
		switch {
		case sub == "list":
			ss, err := svc.ListUserSessions(ctx, a, userID)
			if err != nil {
				return err
			}
			for _, se := range ss {
				fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%s\t%s\n", se.ID, se.CreatedAt.Format(time.RFC3339), se.ExpiresAt.Format(time.RFC3339), se.IP, se.UserAgent)
			}
			return nil
		case id != "":
			return svc.RevokeUserSession(ctx, a, userID, id)
		}
		return svc.RevokeUserSessions(ctx, a, userID)
	})
}

// ---- token create | list | revoke

// tokenCreate issues a token for a user, printing its secret and nothing
// else, with the scopes given (default: all).
func tokenCreate(ctx context.Context, env Env, args []string) error {
	var userID, name string
	var days int
	var scopes multi
	return withService(ctx, env, "token create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&userID, "user", "", "user id")
		fs.StringVar(&name, "name", "cli", "token name")
		fs.IntVar(&days, "expires-days", 0, "days until it expires (0: never)")
		fs.Var(&scopes, "scope", "read, write or admin (repeatable; default: all three)")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		if userID == "" {
			return usagef("--user is required")
		}
		if days < 0 {
			return usagef("--expires-days cannot be negative")
		}
		var sc []string
		if len(scopes) > 0 {
			sc = scopes
		}
		tok, err := svc.IssueScopedToken(ctx, userID, name, time.Duration(days)*24*time.Hour, sc)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, tok.Secret)
		return nil
	})
}

// tokenList lists a user's tokens, never their secrets, as
// GET /api/v1/users/{id}/tokens does: id, name, scopes, created,
// expires, revoked.
func tokenList(ctx context.Context, env Env, args []string) error {
	var userID string
	return withService(ctx, env, "token list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&userID, "user", "", "user id (required)")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		a, err := userActor(ctx, svc, userID)
		if err != nil {
			return err
		}
		ts, err := svc.ListUserTokens(ctx, a, userID)
		if err != nil {
			return err
		}
		opt := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return t.Format(time.RFC3339)
		}
		for _, t := range ts {
			fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(t.Scopes, ","), t.CreatedAt.Format(time.RFC3339), opt(t.ExpiresAt), opt(t.RevokedAt))
		}
		return nil
	})
}

// tokenRevoke revokes a token by id, as DELETE /api/v1/tokens/{id} does
// for the owner of its user's account.
func tokenRevoke(ctx context.Context, env Env, args []string) error {
	var id string
	return withService(ctx, env, "token revoke", args, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "token id, from token list (required)")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		if id == "" {
			return usagef("--id ID is required")
		}
		tok, err := svc.Store().GetToken(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no token %s", id)
		}
		if err != nil {
			return err
		}
		a, err := userActor(ctx, svc, tok.UserID)
		if err != nil {
			return err
		}
		return svc.RevokeToken(ctx, a, id)
	})
}

// ---- invite [list | revoke]

func invite(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && (args[0] == "list" || args[0] == "revoke") {
		return inviteManage(ctx, env, args[0], args[1:])
	}
	var acct, email string
	var roles, groups multi
	var days int
	return withService(ctx, env, "invite", args, func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		fs.StringVar(&email, "email", "", "the address to invite (required)")
		fs.Var(&roles, "role", "account role the new user gets (repeatable)")
		fs.Var(&groups, "group", "group id the new user joins (repeatable)")
		fs.IntVar(&days, "expires-days", 0, fmt.Sprintf("days the invitation stays valid, 1 to %d (default %d)", service.MaxInviteDays, int(service.InviteTTL/(24*time.Hour))))
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		if email == "" {
			return usagef("--email is required")
		}
		if days < 0 || days > service.MaxInviteDays {
			return usagef("--expires-days must be from 1 to %d", service.MaxInviteDays)
		}
		a, err := localActor(ctx, svc, acct)
		if err != nil {
			return err
		}
		inv, err := svc.CreateInvitation(ctx, a, service.InvitationInput{Email: email, Roles: roles, Groups: groups, ExpiresInDays: days})
		if err != nil {
			return err
		}
		// The token exists only in the mail: the service never hands it out.
		fmt.Fprintln(env.Stdout, inv.ID)
		fmt.Fprintf(env.Stderr, "invitation %s for %s, valid until %s: the token was mailed to them (without an SMTP server, see atrium outbox list)\n",
			inv.ID, inv.Email, inv.ExpiresAt.Format(time.RFC3339))
		return nil
	})
}

// inviteManage lists an account's pending invitations (id, email, roles,
// groups, expiry) or revokes one.
func inviteManage(ctx context.Context, env Env, sub string, args []string) error {
	var acct, id string
	return withService(ctx, env, "invite "+sub, args, func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		if sub == "revoke" {
			fs.StringVar(&id, "id", "", "invitation id (required)")
		}
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		if sub == "revoke" && id == "" {
			return usagef("--id ID is required")
		}
		a, err := localActor(ctx, svc, acct)
		if err != nil {
			return err
		}
		if sub == "revoke" {
			return svc.RevokeInvitation(ctx, a, id)
		}
		invs, err := svc.ListInvitations(ctx, a)
		if err != nil {
			return err
		}
		for _, inv := range invs {
			fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%s\t%s\n", inv.ID, inv.Email, strings.Join(inv.Roles, ","), strings.Join(inv.Groups, ","), inv.ExpiresAt.Format(time.RFC3339))
		}
		return nil
	})
}

// ---- signup show | set

func signup(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "show" && args[0] != "set" {
		return usagef("signup show | signup set [--mode closed|open|domain] [--approval-required=true|false] [--domains D1,D2] [--fields-file F.json]")
	}
	sub := args[0]
	var acct, mode, domains, fieldsFile string
	var approval bool
	var flags *flag.FlagSet
	return withService(ctx, env, "signup "+sub, args[1:], func(fs *flag.FlagSet) {
		flags = fs
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		if sub == "set" {
			fs.StringVar(&mode, "mode", "", "closed (invitation only), open or domain")
			fs.BoolVar(&approval, "approval-required", false, "keep self-registered users pending until a user manager activates them")
			fs.StringVar(&domains, "domains", "", "comma-separated email domains allowed in mode domain (empty: none)")
			fs.StringVar(&fieldsFile, "fields-file", "", "JSON file holding the registration fields, an array of {name, label, type, required, choices} (- for standard input)")
		}
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		a, err := localActor(ctx, svc, acct)
		if err != nil {
			return err
		}
		rules, err := svc.GetSignupRules(ctx, a)
		if err != nil {
			return err
		}
		if sub == "set" {
			// Only the settings given change: the rest stay as they are.
			set := map[string]bool{}
			flags.Visit(func(f *flag.Flag) { set[f.Name] = true })
			delete(set, "data")
			delete(set, "account")
			if len(set) == 0 {
				return usagef("give at least one of --mode, --approval-required, --domains, --fields-file")
			}
			if set["mode"] {
				rules.Mode = mode
			}
			if set["approval-required"] {
				rules.ApprovalRequired = approval
			}
			if set["domains"] {
				rules.Domains = []string{}
				for d := range strings.SplitSeq(domains, ",") {
					if d = strings.TrimSpace(d); d != "" {
						rules.Domains = append(rules.Domains, d)
					}
				}
			}
			if set["fields-file"] {
				if rules.Fields, err = readFields(env, fieldsFile); err != nil {
					return err
				}
			}
			if rules, err = svc.SetSignupRules(ctx, a, rules); err != nil {
				return err
			}
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rules)
	})
}

// readFields reads registration fields from a JSON file (or standard
// input), refusing unknown keys as the API does.
func readFields(env Env, path string) ([]domain.RegistrationField, error) {
	var r io.Reader = env.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	var fields []domain.RegistrationField
	if err := dec.Decode(&fields); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of registration fields: %w", path, err)
	}
	if fields == nil {
		fields = []domain.RegistrationField{}
	}
	return fields, nil
}

// ---- audit

// auditCmd prints an account's audit log, newest first, as
// GET /api/v1/audit does: one event per line (time, type, result, actor,
// target, client address, details), or JSON Lines with --json.
func auditCmd(ctx context.Context, env Env, args []string) error {
	var acct, since, until string
	var q service.AuditQuery
	var limit int
	var asJSON, instance bool
	return withService(ctx, env, "audit", args, func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		fs.StringVar(&q.Actor, "actor", "", "only events of this acting user id")
		fs.StringVar(&q.Target, "target", "", "only events on this target, e.g. user:ID")
		fs.StringVar(&q.Type, "type", "", "only events of this type, e.g. auth.login")
		fs.StringVar(&since, "since", "", "only events at or after this time (RFC 3339)")
		fs.StringVar(&until, "until", "", "only events before this time (RFC 3339)")
		fs.IntVar(&limit, "limit", 100, "at most this many events")
		fs.BoolVar(&asJSON, "json", false, "print JSON Lines, one event per line")
		fs.BoolVar(&instance, "instance", false, "the events recorded outside any account (refused public requests that name none) instead of an account's")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		var err error
		if q.From, err = rfc3339("since", since); err != nil {
			return err
		}
		if q.To, err = rfc3339("until", until); err != nil {
			return err
		}
		if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
			return usagef("--until must be after --since")
		}
		if limit < 1 {
			return usagef("--limit must be 1 or more")
		}
		if instance && acct != "" {
			return usagef("--instance and --account exclude each other")
		}
		list := svc.ListInstanceAudit
		if !instance {
			a, err := localActor(ctx, svc, acct)
			if err != nil {
				return err
			}
			list = func(ctx context.Context, q service.AuditQuery) (service.AuditPage, error) {
				return svc.ListAudit(ctx, a, q)
			}
		}
		enc := json.NewEncoder(env.Stdout)
		for n := 0; n < limit; {
			q.Limit = min(limit-n, service.MaxAuditPage)
			p, err := list(ctx, q)
			if err != nil {
				return err
			}
			for _, ev := range p.Events {
				if asJSON {
					if err := enc.Encode(ev); err != nil {
						return err
					}
				} else {
					printEvent(env.Stdout, ev)
				}
			}
			n += len(p.Events)
			if p.NextCursor == "" {
				break
			}
			q.Cursor = p.NextCursor
		}
		return nil
	})
}

func rfc3339(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usagef("--%s must be an RFC 3339 time such as 2026-01-31T09:00:00Z", name)
	}
	return t, nil
}

// printEvent writes one event on one line: time, type, result, actor,
// target, client address, then its details as key=value, sorted.
func printEvent(w io.Writer, ev domain.AuditEvent) {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	var detail []string
	for _, k := range slices.Sorted(maps.Keys(ev.Detail)) {
		detail = append(detail, k+"="+strconv.Quote(ev.Detail[k]))
	}
	fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.At.UTC().Format(time.RFC3339), ev.Type, ev.Result, dash(ev.Actor), dash(ev.Target), dash(ev.ClientIP), strings.Join(detail, " "))
}

// ---- geo show | set

// geoCmd reads and sets an account's geography rule: the way back in for
// an operator whose rule locked every admin out of signing in.
func geoCmd(ctx context.Context, env Env, args []string) error {
	const use = "geo show | geo set [--mode off|allow|deny] [--countries FR,DE] [--unknown allow|deny]"
	if len(args) == 0 || args[0] != "show" && args[0] != "set" {
		return usagef(use)
	}
	sub := args[0]
	var acct, mode, countries, unknown string
	var flags *flag.FlagSet
	return withService(ctx, env, "geo "+sub, args[1:], func(fs *flag.FlagSet) {
		flags = fs
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		if sub == "set" {
			fs.StringVar(&mode, "mode", "", "off, allow (an allow-list) or deny (a deny-list)")
			fs.StringVar(&countries, "countries", "", "comma-separated ISO 3166-1 alpha-2 codes (empty: none)")
			fs.StringVar(&unknown, "unknown", "", "allow or deny clients the server cannot locate")
		}
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		a, err := localActor(ctx, svc, acct)
		if err != nil {
			return err
		}
		cur, err := svc.GetGeoRule(ctx, a)
		if err != nil {
			return err
		}
		rule := cur.GeoRule
		if sub == "set" {
			set := map[string]bool{}
			flags.Visit(func(f *flag.Flag) { set[f.Name] = true })
			if !set["mode"] && !set["countries"] && !set["unknown"] {
				return usagef("give at least one of --mode, --countries, --unknown")
			}
			if set["mode"] {
				rule.Mode = mode
			}
			if set["countries"] {
				rule.Countries = []string{}
				for c := range strings.SplitSeq(countries, ",") {
					if c = strings.TrimSpace(c); c != "" {
						rule.Countries = append(rule.Countries, c)
					}
				}
			}
			if set["unknown"] {
				rule.Unknown = unknown
			}
			if cur, err = svc.SetGeoRule(ctx, a, rule); err != nil {
				return err
			}
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(cur.GeoRule)
	})
}
