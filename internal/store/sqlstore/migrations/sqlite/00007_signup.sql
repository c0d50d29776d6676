-- +goose Up
-- An account's sign-up rules: the mode (closed, open, domain), whether an
-- admin must approve registered users, the allowed email domains and the
-- custom registration fields (JSON arrays). No row: closed.
CREATE TABLE signup_rules (
    account_id        TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    mode              TEXT NOT NULL,
    approval_required INTEGER NOT NULL DEFAULT 0,
    domains           TEXT NOT NULL DEFAULT '[]',
    fields            TEXT NOT NULL DEFAULT '[]'
);

-- Invitations to join an account. Only the SHA-256 of the secret is
-- stored. Times are microseconds; accepted_at and revoked_at are 0 until
-- set.
CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    roles       TEXT NOT NULL DEFAULT '[]',
    groups      TEXT NOT NULL DEFAULT '[]',
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    accepted_at BIGINT NOT NULL DEFAULT 0,
    accepted_by TEXT NOT NULL DEFAULT '',
    revoked_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX invitations_account ON invitations (account_id, created_at);

-- +goose Down
DROP TABLE invitations;
DROP TABLE signup_rules;
