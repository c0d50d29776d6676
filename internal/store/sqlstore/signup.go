package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// ---- sign-up rules and invitations

func (r reader) GetSignupRules(ctx context.Context, accountID string) (domain.SignupRules, error) {
	var rules domain.SignupRules
	var approval int
	var doms, fields string
	err := r.q.QueryRowContext(ctx, `SELECT mode, approval_required, domains, fields FROM signup_rules WHERE account_id = $1`, accountID).
		Scan(&rules.Mode, &approval, &doms, &fields)
	if err != nil {
		return domain.SignupRules{}, r.wrap("get sign-up rules", err)
	}
	rules.ApprovalRequired = approval != 0
	if err := json.Unmarshal([]byte(doms), &rules.Domains); err != nil {
		return domain.SignupRules{}, fmt.Errorf("get sign-up rules: domains: %w", err)
	}
	if err := json.Unmarshal([]byte(fields), &rules.Fields); err != nil {
		return domain.SignupRules{}, fmt.Errorf("get sign-up rules: fields: %w", err)
	}
	if rules.Domains == nil {
		rules.Domains = []string{}
	}
	if rules.Fields == nil {
		rules.Fields = []domain.RegistrationField{}
	}
	return rules, nil
}

const invitationCols = `id, account_id, email, roles, groups, token_hash, created_by, created_at, expires_at, accepted_at, accepted_by, revoked_at`

func scanInvitation(s interface{ Scan(...any) error }) (store.Invitation, error) {
	var inv store.Invitation
	var roles, groups string
	var created, expires, accepted, revoked int64
	err := s.Scan(&inv.ID, &inv.AccountID, &inv.Email, &roles, &groups, &inv.Hash, &inv.CreatedBy, &created, &expires, &accepted, &inv.AcceptedBy, &revoked)
	if err != nil {
		return inv, err
	}
	inv.CreatedAt, inv.ExpiresAt, inv.AcceptedAt, inv.RevokedAt = fromMicros(created), fromMicros(expires), optTime(accepted), optTime(revoked)
	if err := json.Unmarshal([]byte(roles), &inv.Roles); err != nil {
		return inv, fmt.Errorf("roles: %w", err)
	}
	if err := json.Unmarshal([]byte(groups), &inv.Groups); err != nil {
		return inv, fmt.Errorf("groups: %w", err)
	}
	if inv.Roles == nil {
		inv.Roles = []string{}
	}
	if inv.Groups == nil {
		inv.Groups = []string{}
	}
	return inv, nil
}

func (r reader) GetInvitation(ctx context.Context, id string) (store.Invitation, error) {
	inv, err := scanInvitation(r.q.QueryRowContext(ctx, `SELECT `+invitationCols+` FROM invitations WHERE id = $1`, id))
	return inv, r.wrap("get invitation "+id, err)
}

func (r reader) GetInvitationByHash(ctx context.Context, hash string) (store.Invitation, error) {
	inv, err := scanInvitation(r.q.QueryRowContext(ctx, `SELECT `+invitationCols+` FROM invitations WHERE token_hash = $1`, hash))
	return inv, r.wrap("get invitation by hash", err)
}

func (r reader) ListInvitations(ctx context.Context, accountID string, after time.Time) ([]store.Invitation, error) {
	out := []store.Invitation{}
	err := r.collect(ctx, "list invitations", `SELECT `+invitationCols+` FROM invitations
		WHERE account_id = $1 AND accepted_at = 0 AND revoked_at = 0 AND expires_at > $2 ORDER BY created_at, id`,
		[]any{accountID, micros(after)}, func(rows *sql.Rows) error {
			inv, err := scanInvitation(rows)
			out = append(out, inv)
			return err
		})
	return out, err
}

func (t *txn) SetSignupRules(ctx context.Context, accountID string, r domain.SignupRules) error {
	if _, err := t.GetAccount(ctx, accountID); err != nil {
		return err
	}
	approval := 0
	if r.ApprovalRequired {
		approval = 1
	}
	doms, fields := r.Domains, r.Fields
	if doms == nil {
		doms = []string{}
	}
	if fields == nil {
		fields = []domain.RegistrationField{}
	}
	return t.exec(ctx, "set sign-up rules", `INSERT INTO signup_rules (account_id, mode, approval_required, domains, fields) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id) DO UPDATE SET mode = excluded.mode, approval_required = excluded.approval_required, domains = excluded.domains, fields = excluded.fields`,
		accountID, r.Mode, approval, jsonText(doms), jsonText(fields))
}

func (t *txn) CreateInvitation(ctx context.Context, inv store.Invitation) error {
	roles, groups := inv.Roles, inv.Groups
	if roles == nil {
		roles = []string{}
	}
	if groups == nil {
		groups = []string{}
	}
	return t.exec(ctx, "create invitation", `INSERT INTO invitations (id, account_id, email, roles, groups, token_hash, created_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		inv.ID, inv.AccountID, inv.Email, jsonText(roles), jsonText(groups), inv.Hash, inv.CreatedBy, micros(t.now), micros(inv.ExpiresAt))
}

func (t *txn) AcceptInvitation(ctx context.Context, id, userID string) error {
	return t.execOne(ctx, "accept invitation "+id, `UPDATE invitations SET accepted_at = $2, accepted_by = $3 WHERE id = $1 AND accepted_at = 0 AND revoked_at = 0`,
		id, micros(t.now), userID)
}

func (t *txn) RevokeInvitation(ctx context.Context, id string) error {
	return t.execOne(ctx, "revoke invitation "+id, `UPDATE invitations SET revoked_at = $2 WHERE id = $1 AND accepted_at = 0 AND revoked_at = 0`,
		id, micros(t.now))
}
