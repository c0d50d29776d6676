package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"atrium/internal/domain"
)

// ---- geography rules

func (r reader) GetGeoRule(ctx context.Context, accountID string) (domain.GeoRule, error) {
	var rule domain.GeoRule
	var countries string
	err := r.q.QueryRowContext(ctx, `SELECT mode, countries, unknown FROM geo_rules WHERE account_id = $1`, accountID).
		Scan(&rule.Mode, &countries, &rule.Unknown)
	if err != nil {
		return domain.GeoRule{}, r.wrap("get geography rule", err)
	}
	if err := json.Unmarshal([]byte(countries), &rule.Countries); err != nil {
		return domain.GeoRule{}, fmt.Errorf("get geography rule: countries: %w", err)
	}
	if rule.Countries == nil {
		rule.Countries = []string{}
	}
	return rule, nil
}

func (t *txn) SetGeoRule(ctx context.Context, accountID string, r domain.GeoRule) error {
	if _, err := t.GetAccount(ctx, accountID); err != nil {
		return err
	}
	countries := r.Countries
	if countries == nil {
		countries = []string{}
	}
	return t.exec(ctx, "set geography rule", `INSERT INTO geo_rules (account_id, mode, countries, unknown) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id) DO UPDATE SET mode = excluded.mode, countries = excluded.countries, unknown = excluded.unknown`,
		accountID, r.Mode, jsonText(countries), r.Unknown)
}
