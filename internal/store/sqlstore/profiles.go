package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"atrium/internal/authz"
	"atrium/internal/domain"
)

// ---- download and capture profiles
//
// Profiles are not part of the permission index: the service reads them
// when a download or a capture is decided, so their writes touch nothing
// in the change log.

const downloadProfileCols = `id, account_id, name, description, rules, created_at, updated_at`

func scanDownloadProfile(s interface{ Scan(...any) error }) (domain.DownloadProfile, error) {
	var p domain.DownloadProfile
	var rules string
	var created, updated int64
	if err := s.Scan(&p.ID, &p.AccountID, &p.Name, &p.Description, &rules, &created, &updated); err != nil {
		return p, err
	}
	p.Rules = []domain.DownloadRule{}
	if err := json.Unmarshal([]byte(rules), &p.Rules); err != nil {
		return p, fmt.Errorf("download profile %s rules: %w", p.ID, err)
	}
	for i := range p.Rules {
		if p.Rules[i].Renditions == nil {
			p.Rules[i].Renditions = []string{}
		}
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, nil
}

func (r reader) GetDownloadProfile(ctx context.Context, id string) (domain.DownloadProfile, error) {
	p, err := scanDownloadProfile(r.q.QueryRowContext(ctx, `SELECT `+downloadProfileCols+` FROM download_profiles WHERE id = $1`, id))
	if err != nil {
		return p, r.wrap("get download profile "+id, err)
	}
	holders, err := r.profileHolders(ctx, "download_profile_holders", `profile_id = $1`, id)
	p.Holders = holdersOf(holders, id)
	return p, err
}

func (r reader) ListDownloadProfiles(ctx context.Context, accountID string) ([]domain.DownloadProfile, error) {
	out := []domain.DownloadProfile{}
	err := r.collect(ctx, "list download profiles", `SELECT `+downloadProfileCols+` FROM download_profiles WHERE account_id = $1 ORDER BY name`,
		[]any{accountID}, func(rows *sql.Rows) error {
			p, err := scanDownloadProfile(rows)
			out = append(out, p)
			return err
		})
	if err != nil {
		return nil, err
	}
	holders, err := r.profileHolders(ctx, "download_profile_holders",
		`profile_id IN (SELECT id FROM download_profiles WHERE account_id = $1)`, accountID)
	for i := range out {
		out[i].Holders = holdersOf(holders, out[i].ID)
	}
	return out, err
}

// profileHolders reads the holders of the profiles selected by where
// (over table's profile_id, with one argument), by profile, sorted.
func (r reader) profileHolders(ctx context.Context, table, where string, arg any) (map[string][]authz.Subject, error) {
	out := map[string][]authz.Subject{}
	err := r.collect(ctx, "read profile holders", `SELECT profile_id, subject FROM `+table+` WHERE `+where+` ORDER BY profile_id, subject`,
		[]any{arg}, func(rows *sql.Rows) error {
			var id, subj string
			if err := rows.Scan(&id, &subj); err != nil {
				return err
			}
			s, err := authz.ParseSubject(subj)
			out[id] = append(out[id], s)
			return err
		})
	return out, err
}

// holdersOf returns a profile's holders from a profileHolders map, an
// empty list if it has none.
func holdersOf(m map[string][]authz.Subject, id string) []authz.Subject {
	if h := m[id]; h != nil {
		return h
	}
	return []authz.Subject{}
}

const captureProfileCols = `id, account_id, name, description, workspace_id, fields, created_at, updated_at`

func scanCaptureProfile(s interface{ Scan(...any) error }) (domain.CaptureProfile, error) {
	var p domain.CaptureProfile
	var fields string
	var created, updated int64
	if err := s.Scan(&p.ID, &p.AccountID, &p.Name, &p.Description, &p.WorkspaceID, &fields, &created, &updated); err != nil {
		return p, err
	}
	p.Fields = []domain.RegistrationField{}
	if err := json.Unmarshal([]byte(fields), &p.Fields); err != nil {
		return p, fmt.Errorf("capture profile %s fields: %w", p.ID, err)
	}
	for i := range p.Fields {
		if p.Fields[i].Choices == nil {
			p.Fields[i].Choices = []string{}
		}
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	p.RecordACL, p.MediaACL = []domain.ACLEntry{}, []domain.ACLEntry{}
	return p, nil
}

func (r reader) GetCaptureProfile(ctx context.Context, id string) (domain.CaptureProfile, error) {
	p, err := scanCaptureProfile(r.q.QueryRowContext(ctx, `SELECT `+captureProfileCols+` FROM capture_profiles WHERE id = $1`, id))
	if err != nil {
		return p, r.wrap("get capture profile "+id, err)
	}
	ps := []domain.CaptureProfile{p}
	if err := r.captureDetails(ctx, ps, `profile_id = $1`, id); err != nil {
		return p, err
	}
	return ps[0], nil
}

func (r reader) ListCaptureProfiles(ctx context.Context, accountID string) ([]domain.CaptureProfile, error) {
	out := []domain.CaptureProfile{}
	err := r.collect(ctx, "list capture profiles", `SELECT `+captureProfileCols+` FROM capture_profiles WHERE account_id = $1 ORDER BY name`,
		[]any{accountID}, func(rows *sql.Rows) error {
			p, err := scanCaptureProfile(rows)
			out = append(out, p)
			return err
		})
	if err != nil {
		return nil, err
	}
	return out, r.captureDetails(ctx, out, `profile_id IN (SELECT id FROM capture_profiles WHERE account_id = $1)`, accountID)
}

// captureDetails fills in the ACLs and holders of ps, read from the rows
// selected by where (with one argument).
func (r reader) captureDetails(ctx context.Context, ps []domain.CaptureProfile, where string, arg any) error {
	holders, err := r.profileHolders(ctx, "capture_profile_holders", where, arg)
	if err != nil {
		return err
	}
	// profile -> object kind -> subject -> permissions
	acls := map[string]map[string]map[string][]string{}
	err = r.collect(ctx, "read capture profile ACLs", `SELECT profile_id, object_kind, subject, permission FROM capture_profile_acls WHERE `+where,
		[]any{arg}, func(rows *sql.Rows) error {
			var id, kind, subj, perm string
			if err := rows.Scan(&id, &kind, &subj, &perm); err != nil {
				return err
			}
			if acls[id] == nil {
				acls[id] = map[string]map[string][]string{}
			}
			if acls[id][kind] == nil {
				acls[id][kind] = map[string][]string{}
			}
			acls[id][kind][subj] = append(acls[id][kind][subj], perm)
			return nil
		})
	if err != nil {
		return err
	}
	for i := range ps {
		p := &ps[i]
		p.Holders = holdersOf(holders, p.ID)
		if p.RecordACL, err = aclEntries(authz.Record, acls[p.ID][authz.Record.String()]); err != nil {
			return fmt.Errorf("capture profile %s record ACL: %w", p.ID, err)
		}
		if p.MediaACL, err = aclEntries(authz.Media, acls[p.ID][authz.Media.String()]); err != nil {
			return fmt.Errorf("capture profile %s media ACL: %w", p.ID, err)
		}
	}
	return nil
}

// setHolders replaces the holders of a profile in table.
func (t *txn) setHolders(ctx context.Context, table, profileID string, holders []authz.Subject) error {
	if err := t.exec(ctx, "set profile holders", `DELETE FROM `+table+` WHERE profile_id = $1`, profileID); err != nil {
		return err
	}
	for _, h := range holders {
		u, g := subjectCols(h)
		if err := t.exec(ctx, "add profile holder "+h.String(), `INSERT INTO `+table+` (profile_id, subject, user_id, group_id) VALUES ($1, $2, $3, $4)`,
			profileID, h.String(), u, g); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) CreateDownloadProfile(ctx context.Context, p domain.DownloadProfile) error {
	err := t.exec(ctx, "create download profile "+p.Name, `INSERT INTO download_profiles (`+downloadProfileCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		p.ID, p.AccountID, p.Name, p.Description, jsonText(nonNilRules(p.Rules)), micros(t.now), micros(t.now))
	if err != nil {
		return err
	}
	return t.setHolders(ctx, "download_profile_holders", p.ID, p.Holders)
}

func (t *txn) UpdateDownloadProfile(ctx context.Context, p domain.DownloadProfile) error {
	err := t.execOne(ctx, "update download profile "+p.ID, `UPDATE download_profiles SET name = $2, description = $3, rules = $4, updated_at = $5 WHERE id = $1`,
		p.ID, p.Name, p.Description, jsonText(nonNilRules(p.Rules)), micros(t.now))
	if err != nil {
		return err
	}
	return t.setHolders(ctx, "download_profile_holders", p.ID, p.Holders)
}

func (t *txn) DeleteDownloadProfile(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete download profile "+id, `DELETE FROM download_profiles WHERE id = $1`, id)
}

func nonNilRules(rs []domain.DownloadRule) []domain.DownloadRule {
	out := make([]domain.DownloadRule, 0, len(rs))
	for _, r := range rs {
		r.Renditions = nonNilList(r.Renditions)
		out = append(out, r)
	}
	return out
}

func nonNilFields(fs []domain.RegistrationField) []domain.RegistrationField {
	out := make([]domain.RegistrationField, 0, len(fs))
	for _, f := range fs {
		f.Choices = nonNilList(f.Choices)
		out = append(out, f)
	}
	return out
}

func (t *txn) CreateCaptureProfile(ctx context.Context, p domain.CaptureProfile) error {
	err := t.exec(ctx, "create capture profile "+p.Name, `INSERT INTO capture_profiles (`+captureProfileCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		p.ID, p.AccountID, p.Name, p.Description, p.WorkspaceID, jsonText(nonNilFields(p.Fields)), micros(t.now), micros(t.now))
	if err != nil {
		return err
	}
	return t.setCaptureDetails(ctx, p)
}

func (t *txn) UpdateCaptureProfile(ctx context.Context, p domain.CaptureProfile) error {
	err := t.execOne(ctx, "update capture profile "+p.ID, `UPDATE capture_profiles SET name = $2, description = $3, workspace_id = $4, fields = $5, updated_at = $6 WHERE id = $1`,
		p.ID, p.Name, p.Description, p.WorkspaceID, jsonText(nonNilFields(p.Fields)), micros(t.now))
	if err != nil {
		return err
	}
	return t.setCaptureDetails(ctx, p)
}

// setCaptureDetails replaces a capture profile's ACLs and holders.
func (t *txn) setCaptureDetails(ctx context.Context, p domain.CaptureProfile) error {
	if err := t.exec(ctx, "set capture profile ACLs", `DELETE FROM capture_profile_acls WHERE profile_id = $1`, p.ID); err != nil {
		return err
	}
	for kind, entries := range map[authz.ObjectType][]domain.ACLEntry{authz.Record: p.RecordACL, authz.Media: p.MediaACL} {
		for _, en := range entries {
			u, g := subjectCols(en.Subject)
			for _, perm := range en.Permissions {
				err := t.exec(ctx, "set capture profile ACL", `INSERT INTO capture_profile_acls (profile_id, object_kind, subject, user_id, group_id, permission) VALUES ($1, $2, $3, $4, $5, $6)`,
					p.ID, kind.String(), en.Subject.String(), u, g, perm)
				if err != nil {
					return err
				}
			}
		}
	}
	return t.setHolders(ctx, "capture_profile_holders", p.ID, p.Holders)
}

func (t *txn) DeleteCaptureProfile(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete capture profile "+id, `DELETE FROM capture_profiles WHERE id = $1`, id)
}
