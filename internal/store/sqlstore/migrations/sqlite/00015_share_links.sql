-- +goose Up
-- Plan limits of public share links: how many may be neither revoked nor
-- expired at once, and for how many days one may stay valid (0: no limit).
ALTER TABLE accounts ADD COLUMN max_share_links INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN max_share_link_days INTEGER NOT NULL DEFAULT 0;

-- Public share links. Only the SHA-256 of the token and the argon2id
-- hash of the optional password ('' for none) are stored. The target is
-- not a foreign key: a link whose object is deleted simply stops
-- working, and its history stays. Optional times are NULL when unset.
CREATE TABLE share_links (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    created_by    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_type   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    starts_at     BIGINT,
    expires_at    BIGINT,
    download      INTEGER NOT NULL,
    max_downloads INTEGER NOT NULL CHECK (max_downloads >= 0),
    note          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    revoked_by    TEXT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX share_links_account ON share_links (account_id, created_at, id);
CREATE INDEX share_links_creator ON share_links (created_by, created_at, id);

-- Downloads made through each link, per media object: what the link's
-- per-file limit counts.
CREATE TABLE share_link_downloads (
    link_id  TEXT NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
    media_id TEXT NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (link_id, media_id)
);

-- +goose Down
DROP TABLE share_link_downloads;
DROP TABLE share_links;
ALTER TABLE accounts DROP COLUMN max_share_link_days;
ALTER TABLE accounts DROP COLUMN max_share_links;
