-- +goose Up
-- Secrets every instance of the shop must share (issue 16): the session
-- key that signs and encrypts the cookies. A value is written once (the
-- first instance to start wins, INSERT ... ON CONFLICT DO NOTHING) and never
-- changed; it is kept as hex text so the column is the same on SQLite and
-- PostgreSQL.
CREATE TABLE secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    value      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE secrets;
