-- +goose Up
-- The Amazon Pay side of an order. The row is written with the order, before
-- the buyer is sent to Amazon, and carries the pre-payment snapshot
-- (決済直前ログ) so an order can be recovered whatever happens on the way back.
CREATE TABLE amazon_payments (
    order_id             INTEGER PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    checkout_session_id  TEXT    NOT NULL UNIQUE,
    -- pending: waiting for the buyer's return; completing: one request is
    -- completing it; done: completed at Amazon; failed: declined or canceled.
    state                TEXT    NOT NULL CHECK (state IN ('pending', 'completing', 'done', 'failed')),
    sale_method          TEXT    NOT NULL,
    allow_increase       INTEGER NOT NULL DEFAULT 0,
    product_type         TEXT    NOT NULL,
    charge_permission_id TEXT    NOT NULL DEFAULT '',
    charge_id            TEXT    NOT NULL DEFAULT '',
    amazon_state         TEXT    NOT NULL DEFAULT '',
    reason_code          TEXT    NOT NULL DEFAULT '',
    reason_text          TEXT    NOT NULL DEFAULT '',
    amount               INTEGER NOT NULL CHECK (amount >= 1 AND amount <= 1000000),
    instrument           TEXT    NOT NULL DEFAULT '',
    buyer_id             TEXT    NOT NULL DEFAULT '',
    snapshot             TEXT    NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX amazon_payments_state ON amazon_payments (state, updated_at);
CREATE INDEX amazon_payments_permission ON amazon_payments (charge_permission_id);

-- +goose Down
DROP TABLE amazon_payments;
