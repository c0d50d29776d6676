-- +goose Up
-- An account's geography rule for sign-in, sign-up and invitations: the
-- mode (off, allow, deny), the countries (a JSON array of ISO 3166-1
-- alpha-2 codes) and what happens to unknown locations (allow, deny).
-- No row: off.
CREATE TABLE geo_rules (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    mode       TEXT NOT NULL,
    countries  TEXT NOT NULL DEFAULT '[]',
    unknown    TEXT NOT NULL
);

-- +goose Down
DROP TABLE geo_rules;
