-- +goose Up
-- Mail sent once: every outbox mail keeps one Message-ID (set on every
-- attempt, so a retry after a crash is recognisable as the same mail), and
-- the worker that claimed it (with the lease in next_attempt_at) is named,
-- so only that worker can put it back in the queue.
ALTER TABLE mails ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE mails ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE mails DROP COLUMN claimed_by;
ALTER TABLE mails DROP COLUMN message_id;
