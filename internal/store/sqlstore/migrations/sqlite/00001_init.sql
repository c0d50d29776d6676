-- +goose Up
-- Times are BIGINT microseconds since the Unix epoch; lists and maps are
-- JSON text. The same SQL serves SQLite and PostgreSQL.
CREATE TABLE revision (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    rev            BIGINT NOT NULL,
    pruned_through BIGINT NOT NULL
);
INSERT INTO revision (id, rev, pruned_through) VALUES (1, 0, 0);

CREATE TABLE changes (
    rev  BIGINT NOT NULL,
    kind TEXT   NOT NULL,
    id   TEXT   NOT NULL,
    at   BIGINT NOT NULL,
    PRIMARY KEY (rev, kind, id)
);

CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    max_users         INTEGER NOT NULL DEFAULT 0,
    max_workspaces    INTEGER NOT NULL DEFAULT 0,
    max_storage_bytes BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    username      TEXT NOT NULL,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    status        TEXT NOT NULL,
    access        TEXT NOT NULL,
    fields        TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (account_id, username),
    UNIQUE (account_id, email_key)
);
CREATE INDEX users_username ON users (username);
CREATE INDEX users_email_key ON users (email_key);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    builtin     TEXT,
    created_at  BIGINT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE UNIQUE INDEX groups_builtin ON groups (account_id, builtin) WHERE builtin IS NOT NULL;

CREATE TABLE group_roles (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    role     TEXT NOT NULL,
    PRIMARY KEY (group_id, role)
);

CREATE TABLE group_users (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_users_user ON group_users (user_id);

CREATE TABLE group_groups (
    group_id        TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, member_group_id)
);
CREATE INDEX group_groups_member ON group_groups (member_group_id);

CREATE TABLE tiers (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

-- A grant names a user or a group; the group reference is not cascaded:
-- a group granted on a tier or workspace cannot be deleted.
CREATE TABLE tier_grants (
    tier_id  TEXT NOT NULL REFERENCES tiers (id) ON DELETE CASCADE,
    subject  TEXT NOT NULL,
    user_id  TEXT REFERENCES users (id),
    group_id TEXT REFERENCES groups (id),
    role     TEXT NOT NULL,
    PRIMARY KEY (tier_id, subject)
);
CREATE INDEX tier_grants_group ON tier_grants (group_id);

CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    tier_id     TEXT REFERENCES tiers (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX workspaces_tier ON workspaces (tier_id);

CREATE TABLE workspace_members (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    subject      TEXT NOT NULL,
    user_id      TEXT REFERENCES users (id),
    group_id     TEXT REFERENCES groups (id),
    role         TEXT NOT NULL,
    PRIMARY KEY (workspace_id, subject)
);
CREATE INDEX workspace_members_group ON workspace_members (group_id);

CREATE TABLE records (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    title        TEXT NOT NULL,
    description  TEXT NOT NULL,
    keywords     TEXT NOT NULL,
    fields       TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    created_by   TEXT REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX records_workspace ON records (workspace_id);

CREATE TABLE media (
    id         TEXT PRIMARY KEY,
    record_id  TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    media_type TEXT NOT NULL,
    filename   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX media_record ON media (record_id);

CREATE TABLE collections (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    creator_id   TEXT REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX collections_workspace ON collections (workspace_id);

CREATE TABLE collection_records (
    collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    record_id     TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    added_at      BIGINT NOT NULL,
    PRIMARY KEY (collection_id, record_id)
);
CREATE INDEX collection_records_record ON collection_records (record_id);

-- One row per (object, subject, permission): the model's tuples. subject is
-- 'user:ID', 'group:ID' or 'everyone'.
CREATE TABLE record_acl (
    object_id  TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    subject    TEXT NOT NULL,
    user_id    TEXT REFERENCES users (id),
    group_id   TEXT REFERENCES groups (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (object_id, subject, permission)
);
CREATE INDEX record_acl_group ON record_acl (group_id);

CREATE TABLE media_acl (
    object_id  TEXT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    subject    TEXT NOT NULL,
    user_id    TEXT REFERENCES users (id),
    group_id   TEXT REFERENCES groups (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (object_id, subject, permission)
);
CREATE INDEX media_acl_group ON media_acl (group_id);

CREATE TABLE collection_acl (
    object_id  TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    subject    TEXT NOT NULL,
    user_id    TEXT REFERENCES users (id),
    group_id   TEXT REFERENCES groups (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (object_id, subject, permission)
);
CREATE INDEX collection_acl_group ON collection_acl (group_id);

-- Default ACLs per account and object type; subject may also be
-- 'user:$creator', the creating user.
CREATE TABLE default_acls (
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    object_kind TEXT NOT NULL,
    subject     TEXT NOT NULL,
    user_id     TEXT REFERENCES users (id),
    group_id    TEXT REFERENCES groups (id) ON DELETE CASCADE,
    permission  TEXT NOT NULL,
    PRIMARY KEY (account_id, object_kind, subject, permission)
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    csrf_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip         TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE default_acls;
DROP TABLE collection_acl;
DROP TABLE media_acl;
DROP TABLE record_acl;
DROP TABLE collection_records;
DROP TABLE collections;
DROP TABLE media;
DROP TABLE records;
DROP TABLE workspace_members;
DROP TABLE workspaces;
DROP TABLE tier_grants;
DROP TABLE tiers;
DROP TABLE group_groups;
DROP TABLE group_users;
DROP TABLE group_roles;
DROP TABLE groups;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE accounts;
DROP TABLE changes;
DROP TABLE revision;
