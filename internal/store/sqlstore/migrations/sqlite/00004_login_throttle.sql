-- +goose Up
-- Failed sign-in attempts, one row per attempt and counter: key is a hash
-- of a normalized login or of a client address (never the login itself),
-- attempt the random id of the attempt, so that a successful one can be
-- taken back. Rows older than the throttle's window are dropped as new
-- attempts arrive. The table is shared by every server on the database.
CREATE TABLE login_failures (
    key     TEXT   NOT NULL,
    attempt TEXT   NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);
CREATE INDEX login_failures_at ON login_failures (at);
CREATE INDEX login_failures_attempt ON login_failures (attempt);

-- +goose Down
DROP TABLE login_failures;
