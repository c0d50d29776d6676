-- +goose Up
-- Request/approval relationships of the "approve access" type: members of
-- the requester groups may ask for access, members of the approver group
-- decide. Groups named here cannot be deleted while the relation stands
-- (the references are not cascaded).
CREATE TABLE approval_relations (
    id                TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    approver_group_id TEXT NOT NULL REFERENCES groups (id),
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX approval_relations_account ON approval_relations (account_id);

CREATE TABLE approval_requesters (
    relation_id TEXT NOT NULL REFERENCES approval_relations (id) ON DELETE CASCADE,
    group_id    TEXT NOT NULL REFERENCES groups (id),
    PRIMARY KEY (relation_id, group_id)
);
CREATE INDEX approval_requesters_group ON approval_requesters (group_id);

-- Access requests and their decisions. status: pending, approved,
-- rejected, withdrawn, expired (an approved grant that lapsed) or revoked
-- (a grant ended early). Times are microseconds; 0 means unset.
CREATE TABLE access_requests (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    requester_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    access       TEXT NOT NULL,
    message      TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   BIGINT NOT NULL DEFAULT 0,
    level        TEXT NOT NULL DEFAULT '',
    expires_at   BIGINT NOT NULL DEFAULT 0,
    reason       TEXT NOT NULL DEFAULT '',
    ended_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX access_requests_account ON access_requests (account_id, status, created_at);
CREATE INDEX access_requests_requester ON access_requests (requester_id, status);
CREATE INDEX access_requests_expiry ON access_requests (expires_at) WHERE status = 'approved' AND expires_at > 0;

-- The tuples an approved request grants, while it stands: an ACL
-- permission on a record, media object or collection, a member role on a
-- workspace, or an account role. The permission index reads them as if
-- they were part of the object's ACL, the workspace's members or the
-- user's roles, without touching those: editing an ACL never removes a
-- grant, and a grant that ends never removes an entry someone set by hand.
CREATE TABLE access_grants (
    request_id  TEXT NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    level       TEXT NOT NULL,
    PRIMARY KEY (request_id, object_type, object_id)
);
CREATE INDEX access_grants_object ON access_grants (object_type, object_id);
CREATE INDEX access_grants_user ON access_grants (user_id);

-- +goose Down
DROP TABLE access_grants;
DROP TABLE access_requests;
DROP TABLE approval_requesters;
DROP TABLE approval_relations;
