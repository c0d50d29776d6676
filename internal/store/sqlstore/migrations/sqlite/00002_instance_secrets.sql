-- +goose Up
-- Random keys generated once per database, shared by every server on it
-- (e.g. the key of the opaque revision tokens clients see).
CREATE TABLE instance_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE instance_secrets;
