package service

import (
	"context"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/store"
)

// NewAccount describes an account to create with its first owner.
type NewAccount struct {
	ID     string // optional; generated when empty
	Name   string
	Limits domain.Limits
	Owner  UserInput
}

// CreateAccount creates an account, its built-in groups and default ACLs,
// and its owner. It is an operator action (CLI, bootstrap): no actor.
func (s *Service) CreateAccount(ctx context.Context, in NewAccount) (domain.Account, domain.User, error) {
	acct := domain.Account{ID: in.ID, Name: strings.TrimSpace(in.Name), Limits: in.Limits}
	if acct.ID == "" {
		acct.ID = domain.NewID("acct")
	} else if err := authz.ValidID(acct.ID); err != nil {
		return domain.Account{}, domain.User{}, invalidErr("id", err)
	}
	if err := domain.CheckName("name", acct.Name, true, 200); err != nil {
		return domain.Account{}, domain.User{}, invalidErr("name", err)
	}
	if acct.Limits.MaxUsers < 0 || acct.Limits.MaxWorkspaces < 0 || acct.Limits.MaxStorageBytes < 0 || acct.Limits.MaxShareLinks < 0 || acct.Limits.MaxShareLinkDays < 0 {
		return domain.Account{}, domain.User{}, invalid("limits", "limits cannot be negative")
	}
	if err := checkShareLimits(acct.Limits); err != nil {
		return domain.Account{}, domain.User{}, err
	}
	in.Owner.Roles = append(in.Owner.Roles, "owner")
	in.Owner.Status = string(domain.StatusActive)
	u, hash, err := s.prepareUser(acct.ID, in.Owner)
	if err != nil {
		return domain.Account{}, domain.User{}, err
	}
	_, err = s.update(ctx, func(tx store.Tx) error {
		if err := tx.CreateAccount(ctx, acct); err != nil {
			return storeErr(err, "account "+acct.ID)
		}
		if err := SeedAccount(ctx, tx, acct.ID); err != nil {
			return err
		}
		return s.insertUser(ctx, tx, u, hash)
	})
	if err != nil {
		return domain.Account{}, domain.User{}, err
	}
	return acct, u, nil
}

// SeedAccount creates what every account starts with: the Standard and
// Administrators groups, the default ACLs (everyone may view new
// content; Administrators may edit it, and download media) and the
// download profile "All renditions" held by everyone (so that downloads
// follow the ACLs until an administrator restricts them).
func SeedAccount(ctx context.Context, tx store.Tx, accountID string) error {
	admins := domain.Group{ID: domain.NewID("grp"), AccountID: accountID, Name: "Administrators", Builtin: domain.BuiltinAdministrators,
		Description: "Holds the admin role for its members.", Roles: []string{"admin"}}
	standard := domain.Group{ID: domain.NewID("grp"), AccountID: accountID, Name: "Standard", Builtin: domain.BuiltinStandard,
		Description: "Every new user joins this group."}
	for _, g := range []domain.Group{admins, standard} {
		if err := tx.CreateGroup(ctx, g); err != nil {
			return storeErr(err, "group "+g.Name)
		}
	}
	adminGroup := authz.GroupOf(admins.ID)
	defaults := map[authz.ObjectType][]domain.ACLEntry{
		authz.Record: {
			{Subject: authz.EveryoneSubject, Permissions: []string{"view"}},
			{Subject: adminGroup, Permissions: []string{"edit"}},
		},
		authz.Media: {
			{Subject: authz.EveryoneSubject, Permissions: []string{"view"}},
			{Subject: adminGroup, Permissions: []string{"download", "edit"}},
		},
		authz.Collection: {
			{Subject: authz.EveryoneSubject, Permissions: []string{"view"}},
			{Subject: adminGroup, Permissions: []string{"edit"}},
		},
	}
	for t, entries := range defaults {
		if err := tx.SetDefaultACL(ctx, accountID, t, entries); err != nil {
			return err
		}
	}
	return seedDownloadProfile(ctx, tx, accountID)
}

// Bootstrap is the first start's account and owner.
type Bootstrap struct {
	AccountName string
	Username    string
	Email       string
	Password    string // generated when empty
}

// BootstrapIfEmpty creates an account and its owner when the store has no
// account yet. It returns the generated password, if it generated one, and
// whether it created anything.
func (s *Service) BootstrapIfEmpty(ctx context.Context, b Bootstrap) (created bool, generated string, err error) {
	accts, err := s.store.ListAccounts(ctx)
	if err != nil || len(accts) > 0 {
		return false, "", err
	}
	if b.AccountName == "" {
		b.AccountName = "Atrium"
	}
	if b.Username == "" {
		b.Username = "owner"
	}
	if b.Email == "" {
		b.Email = b.Username + "@localhost"
	}
	if b.Password == "" {
		b.Password = identity.NewPassword()
		generated = b.Password
	}
	_, _, err = s.CreateAccount(ctx, NewAccount{Name: b.AccountName, Owner: UserInput{
		Username: b.Username, Email: b.Email, DisplayName: b.Username, Password: b.Password,
		Access: []string{domain.AppPortal, domain.AppCapture, domain.AppConnect},
	}})
	if err != nil {
		return false, "", err
	}
	return true, generated, nil
}

// GetAccount returns the actor's account.
func (s *Service) GetAccount(ctx context.Context, a Actor) (domain.Account, error) {
	if err := s.member(a); err != nil {
		return domain.Account{}, err
	}
	var acct domain.Account
	err := s.store.Snapshot(ctx, func(r store.Reader) error {
		var err error
		if acct, err = r.GetAccount(ctx, a.AccountID); err != nil {
			return storeErr(err, "account")
		}
		u, err := r.StorageUsage(ctx, a.AccountID)
		acct.Usage = &u
		return err
	})
	return acct, err
}

// AccountUpdate changes an account's settings.
type AccountUpdate struct {
	Name *string
}

// UpdateAccount changes the actor's account (manage_settings). Plan limits
// are the operator's, set with the CLI.
func (s *Service) UpdateAccount(ctx context.Context, a Actor, in AccountUpdate) (domain.Account, error) {
	if err := s.member(a); err != nil {
		return domain.Account{}, err
	}
	ev := a.event(AuditAccountUpdate, "account:"+a.AccountID)
	if err := s.require(a, authz.ManageSettings); err != nil {
		return domain.Account{}, s.refused(ctx, ev, err)
	}
	var out domain.Account
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		acct, err := tx.GetAccount(ctx, a.AccountID)
		if err != nil {
			return storeErr(err, "account")
		}
		if in.Name != nil {
			name := strings.TrimSpace(*in.Name)
			if err := domain.CheckName("name", name, true, 200); err != nil {
				return invalidErr("name", err)
			}
			acct.Name = name
			ev.Detail = map[string]string{"name": name}
		}
		out = acct
		return storeErr(tx.UpdateAccount(ctx, acct), "account")
	})
	return out, err
}

// SetLimits sets an account's plan limits (operator action, CLI).
func (s *Service) SetLimits(ctx context.Context, accountID string, l domain.Limits) error {
	if l.MaxUsers < 0 || l.MaxWorkspaces < 0 || l.MaxStorageBytes < 0 || l.MaxShareLinks < 0 || l.MaxShareLinkDays < 0 {
		return invalid("limits", "limits cannot be negative")
	}
	if err := checkShareLimits(l); err != nil {
		return err
	}
	_, err := s.update(ctx, func(tx store.Tx) error {
		acct, err := tx.GetAccount(ctx, accountID)
		if err != nil {
			return storeErr(err, "account "+accountID)
		}
		acct.Limits = l
		return tx.UpdateAccount(ctx, acct)
	})
	return err
}

// OwnerActor returns an actor for the first active owner of an account
// (by id): the CLI acts on an account's data as its owner, so that every
// domain rule applies to it too.
func (s *Service) OwnerActor(ctx context.Context, accountID string) (Actor, error) {
	if _, err := s.store.GetAccount(ctx, accountID); err != nil {
		return Actor{}, storeErr(err, "account "+accountID)
	}
	owners := s.Engine().ActiveOwners(accountID)
	if len(owners) == 0 {
		return Actor{}, conflict("no_owner", "account %s has no active owner", accountID)
	}
	return Actor{UserID: owners[0], AccountID: accountID}, nil
}
