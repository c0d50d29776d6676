package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/mail"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
)

// withService parses flags, opens the data directory and runs fn.
func withService(ctx context.Context, env Env, name string, args []string, define func(fs *flag.FlagSet), fn func(svc *service.Service, pos []string) error) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlags(name, env, &cfg)
	if define != nil {
		define(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	svc, closeStore, err := open(ctx, env, cfg, false)
	if err != nil {
		return err
	}
	defer closeStore()
	return fn(svc, pos)
}

func noArgs(pos []string) error {
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	return nil
}

func migrate(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlags("migrate", env, &cfg)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	st, err := sqlstore.OpenSQLite(ctx, cfg.DataDir, true)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(env.Stdout, "database in %s is up to date\n", cfg.DataDir)
	return nil
}

func importCmd(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlags("import", env, &cfg)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give exactly one scenario file (- for standard input)")
	}
	in := env.Stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	// The import writes through the store alone: this process needs no
	// permission index, and a running server reloads its own.
	st, err := sqlstore.OpenSQLite(ctx, cfg.DataDir, true)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	stats, err := service.ImportInto(ctx, st, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "imported %v in %s\n", stats, time.Since(start).Round(time.Millisecond))
	return nil
}

func account(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return usagef("account create|limits|list")
	}
	switch args[0] {
	case "create":
		var id, name, username, email, display, pwFile string
		var lim domain.Limits
		cfg, err := loadConfig(env)
		if err != nil {
			return err
		}
		fs := newFlags("account create", env, &cfg)
		fs.StringVar(&id, "id", "", "account id (default: generated)")
		fs.StringVar(&name, "name", "", "account name")
		fs.StringVar(&username, "owner-username", "", "the owner's username")
		fs.StringVar(&email, "owner-email", "", "the owner's email")
		fs.StringVar(&display, "owner-name", "", "the owner's display name")
		fs.StringVar(&pwFile, "owner-password-file", "", "file holding the owner's password (default: generate one and print it)")
		fs.IntVar(&lim.MaxUsers, "max-users", 0, "plan limit: active users (0: unlimited)")
		fs.IntVar(&lim.MaxWorkspaces, "max-workspaces", 0, "plan limit: workspaces (0: unlimited)")
		fs.Int64Var(&lim.MaxStorageBytes, "max-storage-bytes", 0, "plan limit: storage bytes (0: unlimited)")
		fs.IntVar(&lim.MaxShareLinks, "max-share-links", 0, "plan limit: share links neither revoked nor expired (0: unlimited)")
		fs.IntVar(&lim.MaxShareLinkDays, "max-share-link-days", 0, "plan limit: days a share link may stay valid (0: unlimited)")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if err := noArgs(pos); err != nil {
			return err
		}
		pw, err := readPasswordFile(pwFile)
		if err != nil {
			return err
		}
		generated := pw == ""
		if generated {
			pw = identity.NewPassword()
		}
		svc, closeStore, err := open(ctx, env, cfg, true)
		if err != nil {
			return err
		}
		defer closeStore()
		acct, owner, err := svc.CreateAccount(ctx, service.NewAccount{ID: id, Name: name, Limits: lim, Owner: service.UserInput{
			Username: username, Email: email, DisplayName: display, Password: pw,
			Access: []string{domain.AppPortal, domain.AppCapture, domain.AppConnect}}})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "account %s\nowner %s (%s)\n", acct.ID, owner.ID, owner.Username)
		if generated {
			fmt.Fprintf(env.Stdout, "one-time password %s\n", pw)
		}
		return nil
	case "limits":
		var id string
		var lim domain.Limits
		return withService(ctx, env, "account limits", args[1:], func(fs *flag.FlagSet) {
			fs.StringVar(&id, "account", "", "account id")
			fs.IntVar(&lim.MaxUsers, "max-users", 0, "active users (0: unlimited)")
			fs.IntVar(&lim.MaxWorkspaces, "max-workspaces", 0, "workspaces (0: unlimited)")
			fs.Int64Var(&lim.MaxStorageBytes, "max-storage-bytes", 0, "storage bytes (0: unlimited)")
			fs.IntVar(&lim.MaxShareLinks, "max-share-links", 0, "share links neither revoked nor expired (0: unlimited)")
			fs.IntVar(&lim.MaxShareLinkDays, "max-share-link-days", 0, "days a share link may stay valid (0: unlimited)")
		}, func(svc *service.Service, pos []string) error {
			if err := noArgs(pos); err != nil {
				return err
			}
			if id == "" {
				return usagef("--account is required")
			}
			return svc.SetLimits(ctx, id, lim)
		})
	case "list":
		return withService(ctx, env, "account list", args[1:], nil, func(svc *service.Service, pos []string) error {
			accts, err := svc.Store().ListAccounts(ctx)
			if err != nil {
				return err
			}
			for _, a := range accts {
				fmt.Fprintf(env.Stdout, "%s\t%s\n", a.ID, a.Name)
			}
			return nil
		})
	}
	return usagef("unknown account command %q", args[0])
}

func user(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "clear-pending":
			return clearPending(ctx, env, args[1:])
		case "status":
			return userStatus(ctx, env, args[1:])
		case "list":
			return userList(ctx, env, args[1:])
		case "mfa-reset":
			return userMFAReset(ctx, env, args[1:])
		}
	}
	if len(args) == 0 || args[0] != "create" {
		return usagef("user create --username U --email E [--password-file F] [--role R]... | user list [--status S] | user status --user ID --status active|deactivated|banned [--reason R] | user mfa-reset --user ID | user clear-pending --older-than-days N [--dry-run]")
	}
	var acct, username, email, display, pwFile, status string
	var roles, access multi
	return withService(ctx, env, "user create", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		fs.StringVar(&username, "username", "", "username (immutable)")
		fs.StringVar(&email, "email", "", "email")
		fs.StringVar(&display, "name", "", "display name")
		fs.StringVar(&pwFile, "password-file", "", "file holding the password")
		fs.StringVar(&status, "status", "active", "pending, active, deactivated or banned")
		fs.Var(&roles, "role", "account role (repeatable)")
		fs.Var(&access, "access", "application: portal, capture, connect (repeatable; default portal and connect)")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		pw, err := readPasswordFile(pwFile)
		if err != nil {
			return err
		}
		a, err := accountActor(ctx, svc, acct)
		if err != nil {
			return err
		}
		in := service.UserInput{Username: username, Email: email, DisplayName: display, Password: pw, Status: status, Roles: roles}
		if len(access) > 0 {
			in.Access = access
		}
		u, err := svc.CreateUser(ctx, a, in)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, u.ID)
		return nil
	})
}

func group(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return usagef("group create --name N [--member SUBJECT]... | group add --group ID --member SUBJECT")
	}
	var acct, name, gid string
	var members, roles multi
	define := func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		fs.StringVar(&name, "name", "", "group name")
		fs.StringVar(&gid, "group", "", "group id")
		fs.Var(&members, "member", "member subject user:ID or group:ID (repeatable)")
		fs.Var(&roles, "role", "account role held for the members (repeatable)")
	}
	subjects := func() ([]authz.Subject, error) {
		var out []authz.Subject
		for _, m := range members {
			s, err := authz.ParseSubject(m)
			if err != nil {
				return nil, usageError{err}
			}
			out = append(out, s)
		}
		return out, nil
	}
	switch args[0] {
	case "create":
		return withService(ctx, env, "group create", args[1:], define, func(svc *service.Service, pos []string) error {
			if err := noArgs(pos); err != nil {
				return err
			}
			ms, err := subjects()
			if err != nil {
				return err
			}
			a, err := accountActor(ctx, svc, acct)
			if err != nil {
				return err
			}
			g, err := svc.CreateGroup(ctx, a, service.GroupInput{Name: name, Roles: roles, Members: ms})
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, g.ID)
			return nil
		})
	case "add":
		return withService(ctx, env, "group add", args[1:], define, func(svc *service.Service, pos []string) error {
			if err := noArgs(pos); err != nil {
				return err
			}
			ms, err := subjects()
			if err != nil {
				return err
			}
			a, err := accountActor(ctx, svc, acct)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if err := svc.AddGroupMember(ctx, a, gid, m); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return usagef("unknown group command %q", args[0])
}

func role(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "grant" && args[0] != "revoke" {
		return usagef("role grant|revoke --subject user:ID|group:ID --role ROLE")
	}
	grant := args[0] == "grant"
	var acct, subject, roleName string
	return withService(ctx, env, "role "+args[0], args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the subject's)")
		fs.StringVar(&subject, "subject", "", "user:ID or group:ID")
		fs.StringVar(&roleName, "role", "", "owner, admin, developer, finance, library_editor, library_viewer, or a custom role's name or id")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		subj, err := authz.ParseSubject(subject)
		if err != nil || subj.Kind == authz.Everyone {
			return usagef("--subject must be user:ID or group:ID")
		}
		if acct == "" {
			ref := authz.ObjectRef{Type: authz.Group, ID: subj.ID}
			var ok bool
			if subj.Kind == authz.UserSubject {
				acct, ok = svc.Engine().UserAccount(subj.ID)
			} else {
				acct, ok = svc.Engine().AccountOf(ref)
			}
			if !ok {
				return fmt.Errorf("no %s", subject)
			}
		}
		a, err := accountActor(ctx, svc, acct)
		if err != nil {
			return err
		}
		if !authz.IsBuiltinRoleName(roleName) {
			return grantCustomRole(ctx, svc, a, subj, roleName, grant)
		}
		edit := func(have []string) []string {
			out := []string{}
			for _, r := range have {
				if r != roleName {
					out = append(out, r)
				}
			}
			if grant {
				out = append(out, roleName)
			}
			return out
		}
		if subj.Kind == authz.UserSubject {
			u, err := svc.GetUser(ctx, a, subj.ID)
			if err != nil {
				return err
			}
			roles := edit(u.Roles)
			_, err = svc.UpdateUser(ctx, a, subj.ID, service.UserUpdate{Roles: &roles})
			return err
		}
		g, err := svc.GetGroup(ctx, a, subj.ID)
		if err != nil {
			return err
		}
		roles := edit(g.Roles)
		_, err = svc.UpdateGroup(ctx, a, subj.ID, service.GroupUpdate{Roles: &roles})
		return err
	})
}

func token(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "create":
			return tokenCreate(ctx, env, args[1:])
		case "list":
			return tokenList(ctx, env, args[1:])
		case "revoke":
			return tokenRevoke(ctx, env, args[1:])
		}
	}
	return usagef("token create --user ID [--scope read|write|admin]... [--name N] [--expires-days N] | token list --user ID | token revoke --id ID")
}

// queryFlags are the flags of check, list and explain.
type queryFlags struct {
	subject, permission, object, typ string
	limit                            int
}

func (q *queryFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&q.subject, "subject", "", "user:ID")
	fs.StringVar(&q.permission, "permission", "", "e.g. can_view")
	fs.StringVar(&q.object, "object", "", "TYPE:ID, e.g. record:r1")
	fs.StringVar(&q.typ, "type", "", "record, media or collection")
	fs.IntVar(&q.limit, "limit", 0, "list: at most this many ids (0: all)")
}

// runQuery runs one of check, list and explain: it parses their flags,
// opens the data directory and calls fn acting as the subject's account
// owner (the CLI is the operator and may ask about anyone).
func runQuery(ctx context.Context, env Env, name string, args []string, fn func(svc *service.Service, a service.Actor, q queryFlags) error) error {
	var q queryFlags
	return withService(ctx, env, name, args, q.define, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		a, err := q.actor(ctx, svc)
		if err != nil {
			return err
		}
		return fn(svc, a, q)
	})
}

func (q *queryFlags) actor(ctx context.Context, svc *service.Service) (service.Actor, error) {
	subj, err := authz.ParseSubject(q.subject)
	if err != nil || subj.Kind != authz.UserSubject {
		return service.Actor{}, usagef("--subject must be user:ID")
	}
	acct, ok := svc.Engine().UserAccount(subj.ID)
	if !ok {
		return service.Actor{}, fmt.Errorf("no user %s", subj.ID)
	}
	return svc.OwnerActor(ctx, acct)
}

func check(ctx context.Context, env Env, args []string) error {
	return runQuery(ctx, env, "check", args, func(svc *service.Service, a service.Actor, q queryFlags) error {
		ok, err := svc.Check(ctx, a, q.subject, q.permission, q.object)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, ok)
		return nil
	})
}

func list(ctx context.Context, env Env, args []string) error {
	return runQuery(ctx, env, "list", args, func(svc *service.Service, a service.Actor, q queryFlags) error {
		cursor, n := "", 0
		for {
			p, err := svc.ListObjects(ctx, a, q.subject, q.permission, q.typ, service.ListQuery{Limit: 1000, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, id := range p.IDs {
				if q.limit > 0 && n == q.limit {
					return nil
				}
				fmt.Fprintln(env.Stdout, id)
				n++
			}
			if p.NextCursor == "" {
				return nil
			}
			cursor = p.NextCursor
		}
	})
}

func explain(ctx context.Context, env Env, args []string) error {
	return runQuery(ctx, env, "explain", args, func(svc *service.Service, a service.Actor, q queryFlags) error {
		ex, err := svc.Explain(ctx, a, q.subject, q.permission, q.object)
		if err != nil {
			return err
		}
		printExplanation(env, ex, "")
		return nil
	})
}

func printExplanation(env Env, ex authz.Explanation, indent string) {
	if ex.Allowed {
		fmt.Fprintf(env.Stdout, "%sallowed\n", indent)
	} else {
		fmt.Fprintf(env.Stdout, "%sdenied: %s\n", indent, ex.Reason)
	}
	for _, p := range ex.Paths {
		steps := make([]string, len(p.Steps))
		for i, s := range p.Steps {
			steps[i] = s.Subject + " " + s.Relation + " " + s.Object
		}
		fmt.Fprintf(env.Stdout, "%s  via %s: %s\n", indent, p.Via, strings.Join(steps, " → "))
	}
	if ex.Record != nil {
		fmt.Fprintf(env.Stdout, "%s  and the record:\n", indent)
		printExplanation(env, *ex.Record, indent+"    ")
	}
}

func who(ctx context.Context, env Env, args []string) error {
	var q queryFlags
	var acct string
	return withService(ctx, env, "who", args, func(fs *flag.FlagSet) {
		q.define(fs)
		fs.StringVar(&acct, "account", "", "account id (default: the object's)")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		ref, err := authz.ParseObjectRef(q.object)
		if err != nil {
			return usageError{err}
		}
		if acct == "" {
			var ok bool
			if acct, ok = svc.Engine().AccountOf(ref); !ok {
				return fmt.Errorf("no %s", q.object)
			}
		}
		a, err := svc.OwnerActor(ctx, acct)
		if err != nil {
			return err
		}
		users, err := svc.Who(ctx, a, q.permission, q.object)
		if err != nil {
			return err
		}
		for _, u := range users {
			fmt.Fprintln(env.Stdout, u)
		}
		return nil
	})
}

// clearPending deletes an account's pending users older than N days, as
// the account's owner (audited like the API's DELETE /api/v1/users).
func clearPending(ctx context.Context, env Env, args []string) error {
	var acct string
	days := -1
	var dry bool
	return withService(ctx, env, "user clear-pending", args, func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		fs.IntVar(&days, "older-than-days", -1, "delete pending users created more than this many days ago (required)")
		fs.BoolVar(&dry, "dry-run", false, "only list the users that would be deleted")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		if days < 0 {
			return usagef("--older-than-days N is required (0 or more)")
		}
		a, err := accountActor(ctx, svc, acct)
		if err != nil {
			return err
		}
		a.IP = "local"
		res, err := svc.ClearPendingUsers(ctx, a, days, dry)
		if err != nil {
			return err
		}
		verb := "deleted"
		if dry {
			verb = "would delete"
		}
		fmt.Fprintf(env.Stderr, "%s %d pending users\n", verb, res.Count)
		for _, id := range res.IDs {
			fmt.Fprintln(env.Stdout, id)
		}
		return nil
	})
}

// outbox reads the mail in the data directory's outbox folder; it needs
// no database.
func outbox(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "list" && args[0] != "show" {
		return usagef("outbox list | outbox show ID")
	}
	sub := args[0]
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlags("outbox "+sub, env, &cfg)
	cfg.MailFlags(fs)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	box := mail.Outbox{Dir: cfg.OutboxDir()}
	if sub == "list" {
		if err := noArgs(pos); err != nil {
			return err
		}
		es, err := box.List()
		if err != nil {
			return err
		}
		for _, e := range es {
			fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%s\n", e.ID, e.Date.Format(time.RFC3339), e.To, e.Subject)
		}
		return nil
	}
	if len(pos) != 1 {
		return usagef("outbox show ID (an id from outbox list)")
	}
	raw, err := box.Read(pos[0])
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(raw)
	return err
}
