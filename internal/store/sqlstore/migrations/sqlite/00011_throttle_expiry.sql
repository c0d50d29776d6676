-- +goose Up
-- The throttle table also holds the rate limits of the public endpoints
-- that send mail or take one-time tokens, under keys of their own and
-- with windows of their own (an hour where sign-ins use 15 minutes). A
-- row therefore carries its own expiry: one counter's window passing no
-- longer drops another counter's attempts. Rows from before keep a day.
ALTER TABLE login_failures ADD COLUMN expires BIGINT NOT NULL DEFAULT 0;
UPDATE login_failures SET expires = at + 86400000000;
DROP INDEX login_failures_at;
CREATE INDEX login_failures_expires ON login_failures (expires);

-- +goose Down
DROP INDEX login_failures_expires;
CREATE INDEX login_failures_at ON login_failures (at);
ALTER TABLE login_failures DROP COLUMN expires;
