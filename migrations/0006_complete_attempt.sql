-- +goose Up
-- Amazon keeps the first answer to an idempotency key, refusals included: a
-- completion tried before the buyer finished at Amazon is refused, and
-- retrying it under the same key would replay that refusal forever. The
-- attempt advances after each definitive refusal and is part of the key.
ALTER TABLE amazon_payments ADD COLUMN complete_attempt INTEGER NOT NULL DEFAULT 0 CHECK (complete_attempt >= 0);

-- +goose Down
ALTER TABLE amazon_payments DROP COLUMN complete_attempt;
