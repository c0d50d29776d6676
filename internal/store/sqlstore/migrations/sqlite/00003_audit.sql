-- +goose Up
-- The audit log: one row per security-relevant event, per account. Events
-- without an account (a sign-in attempt naming nobody) have account_id ''.
-- detail is a small JSON object of strings. Rows are only ever appended.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    at         BIGINT NOT NULL,
    actor_id   TEXT NOT NULL DEFAULT '',
    type       TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    client_ip  TEXT NOT NULL DEFAULT '',
    result     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_time ON audit_events (account_id, id);
CREATE INDEX audit_by_actor ON audit_events (account_id, actor_id, id);
CREATE INDEX audit_by_target ON audit_events (account_id, target, id);
CREATE INDEX audit_by_type ON audit_events (account_id, type, id);

-- +goose Down
DROP TABLE audit_events;
