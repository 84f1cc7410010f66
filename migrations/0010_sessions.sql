-- +goose Up
-- Server-side sessions (admins now, members later). The cookie carries only a
-- random session ID; this table keeps its SHA-256, so a copy of the database
-- cannot be replayed as a cookie. Deleting a row ends that session: logout,
-- a password change and a password reset at start-up do.
CREATE TABLE sessions (
    id_hash    TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('admin', 'member')),
    subject_id INTEGER NOT NULL,
    flash      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_subject ON sessions (kind, subject_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
