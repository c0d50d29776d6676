-- +goose Up
-- Whether a user has proved they receive mail at their address.
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;

-- One-time tokens mailed to users (email verification, password reset).
-- Only the SHA-256 of the secret is stored; a token is used once
-- (used_at > 0) and expires at expires_at. Times are microseconds.
CREATE TABLE user_tokens (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

-- +goose Down
DROP TABLE user_tokens;
ALTER TABLE users DROP COLUMN email_verified;
