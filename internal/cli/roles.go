package cli

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

const roleUsage = "role grant|revoke --subject user:ID|group:ID --role ROLE | role define --name N [--description D] [--permission P]... | " +
	"role change --role ROLE [--name N] [--description D] [--permission P]... | role delete --role ROLE | role list | role permissions"

// roles is the role command: it defines, changes, deletes and lists an
// account's custom roles, lists the permission catalogue, and grants or
// revokes roles, built-in or custom (role in commands.go), to users and
// groups. Custom roles are named by name or id.
func roles(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return usagef("%s", roleUsage)
	}
	switch args[0] {
	case "grant", "revoke":
		return role(ctx, env, args)
	case "define":
		return roleDefine(ctx, env, args[1:])
	case "change":
		return roleChange(ctx, env, args[1:])
	case "delete":
		return roleDelete(ctx, env, args[1:])
	case "list":
		return roleList(ctx, env, args[1:])
	case "permissions":
		return rolePermissions(ctx, env, args[1:])
	}
	return usagef("unknown role command %q (%s)", args[0], roleUsage)
}

func roleDefine(ctx context.Context, env Env, args []string) error {
	var acct, name, desc string
	var perms multi
	return withService(ctx, env, "role define", args, func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		fs.StringVar(&name, "name", "", "role name: lower-case letters, digits, '_' and '-'")
		fs.StringVar(&desc, "description", "", "what the role is for")
		fs.Var(&perms, "permission", "account permission (repeatable; atrium role permissions lists them)")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		if name == "" {
			return usagef("--name is required")
		}
		a, err := accountActor(ctx, svc, acct)
		if err != nil {
			return err
		}
		r, err := svc.CreateRole(ctx, a, service.RoleInput{Name: name, Description: desc, Permissions: nonNilStrings(perms)})
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, r.ID)
		return nil
	})
}

func roleChange(ctx context.Context, env Env, args []string) error {
	var acct, ref string
	var name, desc optString
	var perms multi
	return withService(ctx, env, "role change", args, func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		fs.StringVar(&ref, "role", "", "the custom role's name or id")
		fs.Var(&name, "name", "new name")
		fs.Var(&desc, "description", "new description")
		fs.Var(&perms, "permission", "account permission (repeatable): the role's permissions become exactly these")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		a, id, err := customRoleActor(ctx, svc, acct, ref)
		if err != nil {
			return err
		}
		in := service.RoleUpdate{Name: name.ptr(), Description: desc.ptr()}
		if len(perms) > 0 {
			ps := []string(perms)
			in.Permissions = &ps
		}
		_, err = svc.UpdateRole(ctx, a, id, in)
		return err
	})
}

func roleDelete(ctx context.Context, env Env, args []string) error {
	var acct, ref string
	return withService(ctx, env, "role delete", args, func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
		fs.StringVar(&ref, "role", "", "the custom role's name or id")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		a, id, err := customRoleActor(ctx, svc, acct, ref)
		if err != nil {
			return err
		}
		return svc.DeleteRole(ctx, a, id)
	})
}

// roleList prints one role per line: name, "built-in" or the custom
// role's id, and its permissions.
func roleList(ctx context.Context, env Env, args []string) error {
	var acct string
	return withService(ctx, env, "role list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "account id (default: the only one)")
	}, func(svc *service.Service, pos []string) error {
		if err := noArgs(pos); err != nil {
			return err
		}
		a, err := accountActor(ctx, svc, acct)
		if err != nil {
			return err
		}
		cat, err := svc.ListRoles(ctx, a)
		if err != nil {
			return err
		}
		for _, r := range cat.Builtin {
			fmt.Fprintf(env.Stdout, "%s\tbuilt-in\t%s\n", r.Name, strings.Join(r.Permissions, ","))
		}
		for _, r := range cat.Custom {
			fmt.Fprintf(env.Stdout, "%s\t%s\t%s\n", r.Name, r.ID, strings.Join(r.Permissions, ","))
		}
		return nil
	})
}

// rolePermissions prints the permission catalogue, one per line with its
// description. It reads no data directory (--data is accepted, as by
// every command).
func rolePermissions(_ context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	pos, err := parse(newFlags("role permissions", env, &cfg), args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	for _, p := range authz.AllAccountPermissions() {
		fmt.Fprintf(env.Stdout, "%s\t%s\n", p, p.Description())
	}
	return nil
}

// customRoleActor resolves --account and a custom role's name or id in it.
func customRoleActor(ctx context.Context, svc *service.Service, acct, ref string) (service.Actor, string, error) {
	if ref == "" {
		return service.Actor{}, "", usagef("--role is required")
	}
	a, err := accountActor(ctx, svc, acct)
	if err != nil {
		return service.Actor{}, "", err
	}
	id, err := customRoleID(ctx, svc, a, ref)
	return a, id, err
}

// customRoleID finds a custom role of the actor's account by name or id.
func customRoleID(ctx context.Context, svc *service.Service, a service.Actor, ref string) (string, error) {
	cat, err := svc.ListRoles(ctx, a)
	if err != nil {
		return "", err
	}
	for _, r := range cat.Custom {
		if r.Name == ref || r.ID == ref {
			return r.ID, nil
		}
	}
	return "", fmt.Errorf("no role %q in account %s (atrium role list shows them)", ref, a.AccountID)
}

// grantCustomRole gives a custom role to a user or group, or takes it
// away, as role grant|revoke does for built-in roles.
func grantCustomRole(ctx context.Context, svc *service.Service, a service.Actor, subj authz.Subject, ref string, grant bool) error {
	id, err := customRoleID(ctx, svc, a, ref)
	if err != nil {
		return err
	}
	edit := func(have []string) []string {
		out := slices.DeleteFunc(slices.Clone(have), func(r string) bool { return r == id })
		if grant {
			out = append(out, id)
		}
		return nonNilStrings(out)
	}
	if subj.Kind == authz.UserSubject {
		var u domain.User
		if u, err = svc.GetUser(ctx, a, subj.ID); err != nil {
			return err
		}
		custom := edit(u.CustomRoles)
		_, err = svc.UpdateUser(ctx, a, subj.ID, service.UserUpdate{CustomRoles: &custom})
		return err
	}
	g, err := svc.GetGroup(ctx, a, subj.ID)
	if err != nil {
		return err
	}
	custom := edit(g.CustomRoles)
	_, err = svc.UpdateGroup(ctx, a, subj.ID, service.GroupUpdate{CustomRoles: &custom})
	return err
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// optString is a string flag that remembers whether it was given.
type optString struct {
	v   string
	set bool
}

func (o *optString) String() string     { return o.v }
func (o *optString) Set(v string) error { o.v, o.set = v, true; return nil }

func (o *optString) ptr() *string {
	if !o.set {
		return nil
	}
	return &o.v
}
