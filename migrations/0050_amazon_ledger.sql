-- +goose Up
-- Amazon's own objects of an order as Amazon reported them: the charge
-- permission (the Amazonリファレンス ID), its charges and their refunds.
-- amazon_payments stays the record of the checkout's completion.
CREATE TABLE amazon_charge_permissions (
    id                 TEXT PRIMARY KEY,
    order_id           INTEGER NOT NULL UNIQUE REFERENCES orders (id) ON DELETE CASCADE,
    state              TEXT    NOT NULL DEFAULT '', -- '' until read from Amazon
    reason_code        TEXT    NOT NULL DEFAULT '',
    reason_description TEXT    NOT NULL DEFAULT '',
    amount_limit       INTEGER NOT NULL DEFAULT 0 CHECK (amount_limit >= 0),
    amount_balance     INTEGER NOT NULL DEFAULT 0 CHECK (amount_balance >= 0),
    payment_descriptor TEXT    NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL DEFAULT 0, -- Amazon's creationTimestamp
    expires_at         INTEGER NOT NULL DEFAULT 0, -- Amazon's expirationTimestamp
    fetched_at         INTEGER,                    -- last read from Amazon
    updated_at         INTEGER NOT NULL,
    -- Grows with every change recorded for the payment: a form carries the
    -- version it was drawn from, so a stale page cannot act.
    version            INTEGER NOT NULL DEFAULT 0,
    -- The one operation at Amazon for this order, claimed with a
    -- conditional UPDATE.
    busy_operation_id  INTEGER,
    busy_since         INTEGER,
    -- The deadline that matters now (capture or authorization), derived
    -- from the rows by the shop, for the order list and its filter.
    deadline_at        INTEGER NOT NULL DEFAULT 0,
    deadline_kind      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX amazon_charge_permissions_deadline ON amazon_charge_permissions (deadline_at);

CREATE TABLE amazon_charges (
    id                 TEXT PRIMARY KEY,
    permission_id      TEXT    NOT NULL REFERENCES amazon_charge_permissions (id) ON DELETE CASCADE,
    order_id           INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    state              TEXT    NOT NULL DEFAULT '',
    reason_code        TEXT    NOT NULL DEFAULT '',
    reason_description TEXT    NOT NULL DEFAULT '',
    amount             INTEGER NOT NULL CHECK (amount >= 0),
    captured           INTEGER NOT NULL DEFAULT 0 CHECK (captured >= 0),
    refunded           INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    created_at         INTEGER NOT NULL DEFAULT 0,
    expires_at         INTEGER NOT NULL DEFAULT 0,
    fetched_at         INTEGER,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX amazon_charges_order ON amazon_charges (order_id, created_at);

CREATE TABLE amazon_refunds (
    id                 TEXT PRIMARY KEY,
    charge_id          TEXT    NOT NULL REFERENCES amazon_charges (id) ON DELETE CASCADE,
    order_id           INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    state              TEXT    NOT NULL DEFAULT '',
    reason_code        TEXT    NOT NULL DEFAULT '',
    reason_description TEXT    NOT NULL DEFAULT '',
    amount             INTEGER NOT NULL CHECK (amount >= 0),
    created_at         INTEGER NOT NULL DEFAULT 0,
    fetched_at         INTEGER,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX amazon_refunds_order ON amazon_refunds (order_id, created_at);

-- One row per operation the shop asks Amazon for (F-44), from the request
-- to Amazon's answer; the sequence makes the idempotency key.
CREATE TABLE amazon_operations (
    id              INTEGER PRIMARY KEY,
    order_id        INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    idempotency_key TEXT    NOT NULL DEFAULT '',
    target_id       TEXT    NOT NULL DEFAULT '',
    result_id       TEXT    NOT NULL DEFAULT '',
    amount          INTEGER NOT NULL DEFAULT 0 CHECK (amount >= 0),
    return_stock    INTEGER NOT NULL DEFAULT 0 CHECK (return_stock IN (0, 1)),
    state           TEXT    NOT NULL CHECK (state IN ('requested', 'succeeded', 'failed', 'unknown')),
    http_status     INTEGER NOT NULL DEFAULT 0,
    reason_code     TEXT    NOT NULL DEFAULT '',
    message         TEXT    NOT NULL DEFAULT '',
    request_id      TEXT    NOT NULL DEFAULT '',
    duration_ms     INTEGER NOT NULL DEFAULT 0,
    actor_kind      TEXT    NOT NULL,
    actor_name      TEXT    NOT NULL DEFAULT '',
    requested_at    INTEGER NOT NULL,
    finished_at     INTEGER,
    UNIQUE (order_id, kind, seq)
);

-- Every HTTP attempt to Amazon Pay for an order, from the client's
-- Observer: the per-order timeline (F-84) with the raw JSON.
CREATE TABLE amazon_api_calls (
    id              INTEGER PRIMARY KEY,
    order_id        INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    operation_id    INTEGER,
    at              INTEGER NOT NULL,
    api             TEXT    NOT NULL,
    method          TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL DEFAULT '',
    attempt         INTEGER NOT NULL,
    http_status     INTEGER NOT NULL DEFAULT 0,
    reason_code     TEXT    NOT NULL DEFAULT '',
    request_id      TEXT    NOT NULL DEFAULT '',
    duration_ms     INTEGER NOT NULL DEFAULT 0,
    error           TEXT    NOT NULL DEFAULT '',
    request_body    TEXT    NOT NULL DEFAULT '',
    response_body   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX amazon_api_calls_order ON amazon_api_calls (order_id, id);

-- Typed events: every change of an order or its payment as data, rendered
-- into Japanese by the views.
CREATE TABLE order_events (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    actor_kind   TEXT    NOT NULL,
    actor_name   TEXT    NOT NULL DEFAULT '',
    operation    TEXT    NOT NULL DEFAULT '',
    result       TEXT    NOT NULL DEFAULT '',
    object_id    TEXT    NOT NULL DEFAULT '',
    request_id   TEXT    NOT NULL DEFAULT '',
    operation_id INTEGER,
    amount       INTEGER NOT NULL DEFAULT 0,
    from_state   TEXT    NOT NULL DEFAULT '',
    to_state     TEXT    NOT NULL DEFAULT '',
    reason_code  TEXT    NOT NULL DEFAULT '',
    items        TEXT    NOT NULL DEFAULT '' -- JSON list of {name, quantity}
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- Stock goes back at most once per order, whichever way it is canceled.
ALTER TABLE orders ADD COLUMN stock_returned INTEGER NOT NULL DEFAULT 0 CHECK (stock_returned IN (0, 1));
UPDATE orders SET stock_returned = 1 WHERE status IN ('canceled', 'failed');

-- Existing Amazon Pay orders: their charge permission and charge as the
-- completion recorded them, marked as never read (fetched_at NULL) until
-- 最新の状態に更新 reads them from Amazon.
INSERT INTO amazon_charge_permissions (id, order_id, payment_descriptor, updated_at)
    SELECT charge_permission_id, order_id, instrument, updated_at FROM amazon_payments
    WHERE state = 'done' AND charge_permission_id <> '';
INSERT INTO amazon_charges (id, permission_id, order_id, state, reason_code, reason_description, amount, captured, created_at, updated_at)
    SELECT charge_id, charge_permission_id, order_id, amazon_state, reason_code, reason_text, amount,
           CASE WHEN amazon_state = 'Captured' THEN amount ELSE 0 END, updated_at, updated_at
    FROM amazon_payments
    WHERE state = 'done' AND charge_permission_id <> '' AND charge_id <> '';

-- +goose Down
ALTER TABLE orders DROP COLUMN stock_returned;
DROP TABLE order_events;
DROP TABLE amazon_api_calls;
DROP TABLE amazon_operations;
DROP TABLE amazon_refunds;
DROP TABLE amazon_charges;
DROP TABLE amazon_charge_permissions;
