package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"atrium/internal/service"
)

// moderation lists the uploads held for moderation and decides them. The
// operator sees every hold of the account; a decision is made as an
// approver (--as), whom the permission engine must allow exactly as
// through the API: a member of the hold's approver groups who can see it,
// never its uploader. The audit log names that approver.
func moderation(ctx context.Context, env Env, args []string) error {
	const use = "moderation list [--account ID] | moderation publish --as USER --type record|media --id ID | moderation reject --as USER --type record|media --id ID --reason R"
	if len(args) == 0 {
		return usagef(use)
	}
	var acct, as, typ, id, reason string
	define := func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		switch args[0] {
		case "publish", "reject":
			fs.StringVar(&as, "as", "", "the approver deciding (a user id)")
			fs.StringVar(&typ, "type", "", "record or media")
			fs.StringVar(&id, "id", "", "the held record's or media object's id")
			if args[0] == "reject" {
				fs.StringVar(&reason, "reason", "", "why (the uploader is told)")
			}
		}
	}
	run := func(fn func(svc *service.Service, accountID string) error) error {
		return withService(ctx, env, "moderation "+args[0], args[1:], define, func(svc *service.Service, pos []string) error {
			if err := noArgs(pos); err != nil {
				return err
			}
			owner, err := accountActor(ctx, svc, acct)
			if err != nil {
				return err
			}
			return fn(svc, owner.AccountID)
		})
	}
	decide := func(fn func(svc *service.Service, a service.Actor) (service.ModerationDecision, error)) error {
		return run(func(svc *service.Service, accountID string) error {
			if as == "" || typ == "" || id == "" {
				return usagef("--as, --type and --id are required")
			}
			d, err := fn(svc, service.Actor{UserID: as, AccountID: accountID})
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s:%s\t%s\n", d.Type, d.ID, d.Status)
			return nil
		})
	}
	switch args[0] {
	case "list":
		return run(func(svc *service.Service, accountID string) error {
			hs, err := svc.AccountHolds(ctx, accountID)
			if err != nil {
				return err
			}
			for _, h := range hs {
				fmt.Fprintf(env.Stdout, "%s:%s\trecord=%s\tuploader=%s\tapprovers=%s\t%s\n", h.ObjectType, h.ObjectID, h.RecordID, h.Uploader,
					strings.Join(h.ApproverGroups, ","), h.HeldAt.Format(time.RFC3339))
			}
			return nil
		})
	case "publish":
		return decide(func(svc *service.Service, a service.Actor) (service.ModerationDecision, error) {
			return svc.PublishHeld(ctx, a, typ, id)
		})
	case "reject":
		return decide(func(svc *service.Service, a service.Actor) (service.ModerationDecision, error) {
			return svc.RejectHeld(ctx, a, typ, id, reason)
		})
	}
	return usagef("unknown moderation command %q; usage: %s", args[0], use)
}
