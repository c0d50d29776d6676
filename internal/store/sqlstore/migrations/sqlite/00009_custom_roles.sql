-- +goose Up
-- Custom roles: an account's own bundles of account permissions (a JSON
-- array of names), held by users directly and by groups for their members.
-- A role still held cannot be deleted (the references are not cascaded);
-- a user's or group's deletion takes its holdings with it.
CREATE TABLE custom_roles (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    permissions TEXT NOT NULL DEFAULT '[]',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE user_custom_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES custom_roles (id),
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_custom_roles_role ON user_custom_roles (role_id);

CREATE TABLE group_custom_roles (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    role_id  TEXT NOT NULL REFERENCES custom_roles (id),
    PRIMARY KEY (group_id, role_id)
);
CREATE INDEX group_custom_roles_role ON group_custom_roles (role_id);

-- +goose Down
DROP TABLE group_custom_roles;
DROP TABLE user_custom_roles;
DROP TABLE custom_roles;
