-- +goose Up
-- The scheduler's jobs (package jobs). Each run is claimed with a
-- conditional UPDATE on its row (due, and no live claim), so two instances
-- never run the same job at once; the claim is a lease that a dead instance
-- gives up when claimed_until passes. The last run's outcome is kept for the
-- admin page 定期処理.
CREATE TABLE jobs (
    name             TEXT    PRIMARY KEY,
    label            TEXT    NOT NULL,
    interval_seconds INTEGER NOT NULL CHECK (interval_seconds > 0),
    next_run_at      INTEGER NOT NULL,
    claimed_by       TEXT    NOT NULL DEFAULT '',
    claimed_until    INTEGER NOT NULL DEFAULT 0,
    last_started_at  INTEGER NOT NULL DEFAULT 0,
    last_finished_at INTEGER NOT NULL DEFAULT 0,
    last_duration_ms INTEGER NOT NULL DEFAULT 0,
    last_count       INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT    NOT NULL DEFAULT '',
    runs             INTEGER NOT NULL DEFAULT 0,
    failures         INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE jobs;
