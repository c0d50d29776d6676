package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"time"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// share lists and revokes an account's public share links as its owner.
// Links are created through the API only: a link lends its creator's
// rights, and the operator is nobody's creator.
func share(ctx context.Context, env Env, args []string) error {
	const use = "share list [--active] [--created-by USER] | share revoke --id ID"
	if len(args) == 0 {
		return usagef(use)
	}
	var acct, createdBy, id string
	var active bool
	define := func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		switch args[0] {
		case "list":
			fs.BoolVar(&active, "active", false, "only links neither revoked nor expired")
			fs.StringVar(&createdBy, "created-by", "", "only the links of this user")
		case "revoke":
			fs.StringVar(&id, "id", "", "share link id")
		}
	}
	run := func(fn func(svc *service.Service, a service.Actor) error) error {
		return withService(ctx, env, "share "+args[0], args[1:], define, func(svc *service.Service, pos []string) error {
			if err := noArgs(pos); err != nil {
				return err
			}
			a, err := accountActor(ctx, svc, acct)
			if err != nil {
				return err
			}
			return fn(svc, a)
		})
	}
	switch args[0] {
	case "list":
		return run(func(svc *service.Service, a service.Actor) error {
			q := service.ShareLinkQuery{All: true, CreatedBy: createdBy, Active: active, Limit: 1000}
			for {
				page, err := svc.ListShareLinks(ctx, a, q)
				if err != nil {
					return err
				}
				for _, l := range page.Links {
					fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%s\t%s\tdownload=%s\tpassword=%t\texpires=%s\n", l.ID, l.CreatedAt.Format(time.RFC3339),
						l.CreatedBy, l.Target, l.Status, downloadText(l), l.HasPassword, timeText(l.ExpiresAt))
				}
				if page.NextCursor == "" {
					return nil
				}
				q.Cursor = page.NextCursor
			}
		})
	case "revoke":
		return run(func(svc *service.Service, a service.Actor) error {
			if id == "" {
				return usagef("--id is required")
			}
			return svc.RevokeShareLink(ctx, a, id)
		})
	}
	return usagef("unknown share command %q; usage: %s", args[0], use)
}

func downloadText(l domain.ShareLink) string {
	switch {
	case !l.Download:
		return "off"
	case l.MaxDownloads > 0:
		return "max" + strconv.Itoa(l.MaxDownloads)
	}
	return "on"
}

func timeText(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
