-- +goose Up
-- The parcel of an order (送り状): the carrier and its tracking number
-- (送り状番号), entered on 受注明細 and used by the shipping mail. One row per
-- order; an order without one has not been given a number yet.
CREATE TABLE shipments (
    order_id        INTEGER PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    carrier         TEXT    NOT NULL,
    tracking_number TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- The sender of a mail as the shop's settings had it when the mail was
-- written: 差出人名 and 返信先 (Reply-To).
ALTER TABLE mails ADD COLUMN from_name TEXT NOT NULL DEFAULT '';
ALTER TABLE mails ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';

-- The dashboard counts undelivered mail and open orders by status.
CREATE INDEX orders_status_payment ON orders (status, payment_method, payment_status);

-- +goose Down
DROP INDEX orders_status_payment;
ALTER TABLE mails DROP COLUMN reply_to;
ALTER TABLE mails DROP COLUMN from_name;
DROP TABLE shipments;
