-- +goose Up
-- A checkout in progress: what the shopper typed on the order pages, kept
-- server-side so back and forward (and the return from Amazon) lose nothing.
CREATE TABLE checkouts (
    id         TEXT PRIMARY KEY,
    cart_token TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE orders (
    id                INTEGER PRIMARY KEY,
    number            INTEGER NOT NULL UNIQUE,
    -- The checkout that placed the order: a second 「注文する」 for the same
    -- checkout finds this row instead of making another order.
    checkout_id       TEXT    NOT NULL UNIQUE,
    -- pending: written before the buyer is sent to a payment service;
    -- failed: the payment did not go through (決済失敗).
    status            TEXT    NOT NULL CHECK (status IN ('pending', 'new', 'shipped', 'completed', 'canceled', 'failed')),
    payment_method    TEXT    NOT NULL CHECK (payment_method IN ('bank', 'cod', 'amazonpay')),
    payment_status    TEXT    NOT NULL,
    member_id         INTEGER,
    email             TEXT    NOT NULL,
    buyer             TEXT    NOT NULL, -- JSON: name, kana, phone, address
    destination       TEXT    NOT NULL, -- JSON: the same shape plus the sender
    buyer_name        TEXT    NOT NULL, -- denormalised for search and lists
    delivery_method   TEXT    NOT NULL,
    delivery_date     TEXT    NOT NULL DEFAULT '',
    delivery_time     TEXT    NOT NULL DEFAULT '',
    notes             TEXT    NOT NULL DEFAULT '',
    subtotal          INTEGER NOT NULL CHECK (subtotal >= 0),
    shipping_fee      INTEGER NOT NULL CHECK (shipping_fee >= 0),
    cod_fee           INTEGER NOT NULL CHECK (cod_fee >= 0),
    total             INTEGER NOT NULL CHECK (total >= 0),
    total_10          INTEGER NOT NULL DEFAULT 0,
    tax_10            INTEGER NOT NULL DEFAULT 0,
    total_8           INTEGER NOT NULL DEFAULT 0,
    tax_8             INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX orders_status_id ON orders (status, id DESC);
CREATE INDEX orders_created ON orders (created_at, id);
CREATE INDEX orders_email ON orders (email);
CREATE INDEX orders_buyer_name ON orders (buyer_name);

CREATE TABLE order_lines (
    order_id   INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no    INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
    tax_rate   INTEGER NOT NULL CHECK (tax_rate IN (8, 10)),
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, line_no)
);

-- Every change of an order, written in the same transaction as the change.
CREATE TABLE order_history (
    id       INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    actor    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    detail   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX order_history_order ON order_history (order_id, id);

-- Editable mail texts (定型文), keyed by kind; absent rows use the built-in text.
CREATE TABLE mail_templates (
    kind       TEXT PRIMARY KEY,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

ALTER TABLE mails ADD COLUMN order_id INTEGER;
CREATE INDEX mails_order ON mails (order_id);

-- +goose Down
DROP INDEX mails_order;
ALTER TABLE mails DROP COLUMN order_id;
DROP TABLE mail_templates;
DROP TABLE order_history;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE checkouts;
