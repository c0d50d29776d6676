-- +goose Up
-- The renditions of an image (thumbnail, preview, large), made in the
-- background from one file of the media object. A row is written pending
-- in the transaction that records the file, and becomes ready (with the
-- rendition's blob) or failed (with the reason the API shows) in one
-- later transaction. It goes with its file: replacing or deleting the file
-- (or its media object) removes it, so a row always describes the current
-- file, and a job finishing for a replaced file finds no pending row and
-- discards its output. Renditions are not counted in storage_usage.
CREATE TABLE renditions (
    media_id     TEXT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    file_id      TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('thumbnail', 'preview', 'large')),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
    reason       TEXT NOT NULL DEFAULT '',
    blob_key     TEXT UNIQUE,
    size         BIGINT NOT NULL DEFAULT 0,
    sha256       TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (media_id, kind),
    CHECK ((status = 'ready') = (blob_key IS NOT NULL))
);
CREATE INDEX renditions_file ON renditions (file_id);

-- What the original holds, once read: an image's displayed size (from
-- its decoding), a video's or audio's duration and a video's displayed
-- size (from ffprobe). probed_at is when a video or audio file was given
-- to ffprobe (whatever it found), so that it is not probed again.
ALTER TABLE files ADD COLUMN width INTEGER NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN height INTEGER NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN duration_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN probed_at BIGINT;

-- +goose Down
ALTER TABLE files DROP COLUMN probed_at;
ALTER TABLE files DROP COLUMN duration_ms;
ALTER TABLE files DROP COLUMN height;
ALTER TABLE files DROP COLUMN width;
DROP TABLE renditions;
