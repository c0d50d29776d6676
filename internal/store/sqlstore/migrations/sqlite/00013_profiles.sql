-- +goose Up
-- Download profiles: which renditions of which media types their holders
-- may download (rules: a JSON array of {media_type, renditions}, "*" for
-- any). Holders are users, groups or everyone (subject 'everyone', both
-- ids NULL); a user's or group's deletion takes its holdings with it.
CREATE TABLE download_profiles (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    rules       TEXT NOT NULL DEFAULT '[]',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE download_profile_holders (
    profile_id TEXT NOT NULL REFERENCES download_profiles (id) ON DELETE CASCADE,
    subject    TEXT NOT NULL,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    group_id   TEXT REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (profile_id, subject)
);
CREATE INDEX download_profile_holders_user ON download_profile_holders (user_id);
CREATE INDEX download_profile_holders_group ON download_profile_holders (group_id);

-- Capture profiles: upload templates into one workspace (which cannot be
-- deleted while a profile targets it: the reference is not cascaded),
-- with typed metadata fields (a JSON array, like sign-up fields) and the
-- ACLs given to captured records and media (rows like default_acls:
-- subject 'user:$creator' with both ids NULL is the capturing user).
CREATE TABLE capture_profiles (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    fields       TEXT NOT NULL DEFAULT '[]',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX capture_profiles_workspace ON capture_profiles (workspace_id);

CREATE TABLE capture_profile_holders (
    profile_id TEXT NOT NULL REFERENCES capture_profiles (id) ON DELETE CASCADE,
    subject    TEXT NOT NULL,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    group_id   TEXT REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (profile_id, subject)
);
CREATE INDEX capture_profile_holders_user ON capture_profile_holders (user_id);
CREATE INDEX capture_profile_holders_group ON capture_profile_holders (group_id);

CREATE TABLE capture_profile_acls (
    profile_id  TEXT NOT NULL REFERENCES capture_profiles (id) ON DELETE CASCADE,
    object_kind TEXT NOT NULL,
    subject     TEXT NOT NULL,
    user_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    group_id    TEXT REFERENCES groups (id) ON DELETE CASCADE,
    permission  TEXT NOT NULL,
    PRIMARY KEY (profile_id, object_kind, subject, permission)
);
CREATE INDEX capture_profile_acls_user ON capture_profile_acls (user_id);
CREATE INDEX capture_profile_acls_group ON capture_profile_acls (group_id);

-- A download needs a profile allowing the rendition, and a user holding
-- none downloads nothing. So that existing accounts keep downloading as
-- the ACLs allow, each gets the profile new accounts start with: every
-- rendition of every type, held by everyone. Administrators narrow it
-- (or give it to fewer holders) to restrict downloads.
INSERT INTO download_profiles (id, account_id, name, description, rules, created_at, updated_at)
SELECT 'dlp_' || lower(hex(randomblob(10))), id, 'All renditions',
       'Every rendition of every media type. Held by everyone when the account was created: give it to fewer holders, or narrow its rules, to restrict downloads.',
       '[{"media_type":"*","renditions":["*"]}]',
       CAST(strftime('%s', 'now') AS INTEGER) * 1000000, CAST(strftime('%s', 'now') AS INTEGER) * 1000000
FROM accounts;
INSERT INTO download_profile_holders (profile_id, subject, user_id, group_id)
SELECT id, 'everyone', NULL, NULL FROM download_profiles;

-- +goose Down
DROP TABLE capture_profile_acls;
DROP TABLE capture_profile_holders;
DROP TABLE capture_profiles;
DROP TABLE download_profile_holders;
DROP TABLE download_profiles;
