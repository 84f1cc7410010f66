-- +goose Up
-- What the shopper confirmed: a digest of the draft and the priced cart
-- shown on the confirm page. A 「注文する」 for the same checkout is the
-- same order only when it confirms the same thing.
ALTER TABLE orders ADD COLUMN checkout_digest TEXT NOT NULL DEFAULT '';

-- The Amazon Pay environment the order was paid in (emulator orders are
-- テスト決済), the merchant reference sent to Amazon (prefix + number),
-- a hash of the client address that placed it (unpaid reservations are
-- limited per address), and whether its reserved stock went back when the
-- reservation lapsed.
ALTER TABLE amazon_payments ADD COLUMN environment TEXT NOT NULL DEFAULT '';
ALTER TABLE amazon_payments ADD COLUMN merchant_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE amazon_payments ADD COLUMN client_key TEXT NOT NULL DEFAULT '';
ALTER TABLE amazon_payments ADD COLUMN stock_released INTEGER NOT NULL DEFAULT 0 CHECK (stock_released IN (0, 1));
CREATE INDEX amazon_payments_client ON amazon_payments (client_key, state);

-- +goose Down
DROP INDEX amazon_payments_client;
ALTER TABLE amazon_payments DROP COLUMN stock_released;
ALTER TABLE amazon_payments DROP COLUMN client_key;
ALTER TABLE amazon_payments DROP COLUMN merchant_reference;
ALTER TABLE amazon_payments DROP COLUMN environment;
ALTER TABLE orders DROP COLUMN checkout_digest;
