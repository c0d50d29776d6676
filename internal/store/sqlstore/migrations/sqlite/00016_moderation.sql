-- +goose Up
-- Request/approval relationships get a kind: "access" (members of the
-- requester groups ask for access to existing content; every relation so
-- far) or "moderation" (their uploads are held until a member of the
-- approver group publishes them).
ALTER TABLE approval_relations ADD COLUMN kind TEXT NOT NULL DEFAULT 'access';

-- Records and media objects held for moderation. While a row stands the
-- permission index treats the object as having no workspace and an ACL of
-- its uploader (edit) and its approver groups (view; download for media):
-- its own ACL and its workspace's roles count again once the row is gone
-- (published). record_id is the record itself or the media object's
-- record, so that deleting either removes the hold with it. The uploader
-- is not a foreign key: a hold never goes away except by a decision or
-- with its object.
CREATE TABLE moderation_holds (
    object_type TEXT NOT NULL CHECK (object_type IN ('record', 'media')),
    object_id   TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    record_id   TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    media_id    TEXT REFERENCES media (id) ON DELETE CASCADE,
    uploader_id TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (object_type, object_id)
);
CREATE INDEX moderation_holds_account ON moderation_holds (account_id, created_at, object_type, object_id);
CREATE INDEX moderation_holds_uploader ON moderation_holds (uploader_id, created_at);
CREATE INDEX moderation_holds_record ON moderation_holds (record_id);
CREATE INDEX moderation_holds_media ON moderation_holds (media_id);

-- The approver groups of each hold, as they were when it was held. A group
-- named here cannot be deleted while the hold stands (not cascaded).
CREATE TABLE moderation_hold_approvers (
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    group_id    TEXT NOT NULL REFERENCES groups (id),
    PRIMARY KEY (object_type, object_id, group_id),
    FOREIGN KEY (object_type, object_id) REFERENCES moderation_holds (object_type, object_id) ON DELETE CASCADE
);
CREATE INDEX moderation_hold_approvers_group ON moderation_hold_approvers (group_id);

-- +goose Down
DROP TABLE moderation_hold_approvers;
DROP TABLE moderation_holds;
ALTER TABLE approval_relations DROP COLUMN kind;
