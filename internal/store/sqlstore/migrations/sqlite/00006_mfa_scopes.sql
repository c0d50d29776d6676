-- +goose Up
-- API token scopes, space-separated (read, write, admin). Tokens made
-- before scopes existed keep every power they had.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read write admin';

-- A user's TOTP second factor. secret is sealed by the service (AES-GCM
-- under an instance secret), never stored in clear. enabled_at is 0 while
-- the enrolment waits for its first code; last_step is the last time
-- step a code was accepted for, so that no code is accepted twice.
CREATE TABLE user_totp (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    enabled_at BIGINT NOT NULL DEFAULT 0,
    last_step  BIGINT NOT NULL DEFAULT 0
);

-- One-time recovery codes of an enabled TOTP factor: only hashes.
CREATE TABLE user_recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, code_hash)
);

-- +goose Down
DROP TABLE user_recovery_codes;
DROP TABLE user_totp;
ALTER TABLE api_tokens DROP COLUMN scopes;
