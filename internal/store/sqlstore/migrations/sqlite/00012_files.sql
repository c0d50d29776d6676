-- +goose Up
-- The original file of a media object (at most one): what the upload
-- measured and detected, and the server-chosen key of its bytes in the
-- blob store. account_id is the media's account, kept here so that
-- duplicate detection (by content hash) stays within one account.
CREATE TABLE files (
    id           TEXT PRIMARY KEY,
    media_id     TEXT NOT NULL UNIQUE REFERENCES media (id) ON DELETE CASCADE,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    blob_key     TEXT NOT NULL UNIQUE,
    size         BIGINT NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    uploaded_at  BIGINT NOT NULL
);
CREATE INDEX files_account_sha256 ON files (account_id, sha256);

-- Each account's storage: the sum of its files' sizes and their count,
-- moved by the same transactions that add and remove files, so that the
-- plan's max_storage_bytes is checked without summing every file. No
-- row: nothing stored.
CREATE TABLE storage_usage (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    bytes      BIGINT NOT NULL,
    files      BIGINT NOT NULL
);

-- +goose Down
DROP TABLE storage_usage;
DROP TABLE files;
