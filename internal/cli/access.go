package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"atrium/internal/service"
)

// access administers request/approval relationships and access requests
// as the account's owner: relations are set up and requests listed and
// revoked here; approving and rejecting is for the approvers, through the
// API, since an approval grants only what its approver holds.
func access(ctx context.Context, env Env, args []string) error {
	const use = "access relate --requester-group ID... --approver-group ID [--kind access|moderation] | access relations | access list [--status S] | access revoke --id ID [--reason R] | access expire"
	if len(args) == 0 {
		return usagef(use)
	}
	var acct, approver, status, id, reason, kind string
	var requesters multi
	define := func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		switch args[0] {
		case "relate":
			fs.Var(&requesters, "requester-group", "group whose members may ask for access (repeatable)")
			fs.StringVar(&approver, "approver-group", "", "group whose members decide")
			fs.StringVar(&kind, "kind", "access", "access (requesters ask for access) or moderation (requesters' uploads wait for an approver)")
		case "list":
			fs.StringVar(&status, "status", "", "pending, approved, rejected, withdrawn, expired or revoked")
		case "revoke":
			fs.StringVar(&id, "id", "", "access request id")
			fs.StringVar(&reason, "reason", "", "why the grant ends early")
		}
	}
	run := func(fn func(svc *service.Service, a service.Actor) error) error {
		return withService(ctx, env, "access "+args[0], args[1:], define, func(svc *service.Service, pos []string) error {
			if err := noArgs(pos); err != nil {
				return err
			}
			if args[0] == "expire" {
				return fn(svc, service.Actor{})
			}
			a, err := accountActor(ctx, svc, acct)
			if err != nil {
				return err
			}
			return fn(svc, a)
		})
	}
	switch args[0] {
	case "relate":
		return run(func(svc *service.Service, a service.Actor) error {
			rel, err := svc.CreateApprovalRelation(ctx, a, service.ApprovalInput{Kind: kind, RequesterGroups: requesters, ApproverGroup: approver})
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, rel.ID)
			return nil
		})
	case "relations":
		return run(func(svc *service.Service, a service.Actor) error {
			rels, err := svc.ListApprovalRelations(ctx, a)
			if err != nil {
				return err
			}
			for _, rel := range rels {
				fmt.Fprintf(env.Stdout, "%s\trequesters=%s\tapprovers=%s\tkind=%s\n", rel.ID, strings.Join(rel.RequesterGroups, ","), rel.ApproverGroup, rel.Kind)
			}
			return nil
		})
	case "list":
		return run(func(svc *service.Service, a service.Actor) error {
			q := service.AccessRequestQuery{Status: status, Limit: 1000}
			for {
				page, err := svc.ListAccessRequests(ctx, a, q)
				if err != nil {
					return err
				}
				for _, r := range page.Requests {
					until := "-"
					if r.ExpiresAt != nil {
						until = r.ExpiresAt.Format(time.RFC3339)
					}
					fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%s:%s\t%s\t%s\tuntil=%s\n", r.ID, r.CreatedAt.Format(time.RFC3339), r.Requester, r.TargetType, r.TargetID, r.Access, r.Status, until)
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
			_, err := svc.RevokeAccessGrant(ctx, a, id, reason)
			return err
		})
	case "expire":
		return run(func(svc *service.Service, _ service.Actor) error {
			n, err := svc.ExpireAccessGrants(ctx, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%d grants ended\n", n)
			return nil
		})
	}
	return usagef("unknown access command %q; usage: %s", args[0], use)
}
