-- +goose Up
-- 編集モード (F-43): the merchant's adjustment lines of an order (金額調整:
-- a 名目 and a signed, tax-inclusive amount at one tax rate). The order's
-- totals include them; its lines stay the products sold.
CREATE TABLE order_adjustments (
    order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no  INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    tax_rate INTEGER NOT NULL CHECK (tax_rate IN (8, 10)),
    amount   INTEGER NOT NULL CHECK (amount <> 0),
    PRIMARY KEY (order_id, line_no)
);

-- Grows with every edit of the order's contents: 編集モード's form carries
-- the version it was drawn from, so a second admin's stale form cannot
-- overwrite the first one's change.
ALTER TABLE orders ADD COLUMN edit_version INTEGER NOT NULL DEFAULT 0;

-- The buyer's given name, for the order search by given name (前方一致);
-- buyer_name starts with the family name. Filled for existing orders by the
-- Go migration 76.
ALTER TABLE orders ADD COLUMN buyer_given TEXT NOT NULL DEFAULT '';
CREATE INDEX orders_status_given ON orders (status, buyer_given);

-- +goose Down
DROP INDEX orders_status_given;
ALTER TABLE orders DROP COLUMN buyer_given;
ALTER TABLE orders DROP COLUMN edit_version;
DROP TABLE order_adjustments;
