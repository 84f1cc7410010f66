-- +goose Up
-- Instant payment notifications (IPN) as they arrived: the raw SNS envelope
-- (for the order's timeline and for checking later), what it names, and
-- its processing. A notification is recorded once (SNS MessageId and
-- Amazon's NotificationId are unique), then processed by whoever claims it
-- with a conditional UPDATE on next_at (a lease); a processing that cannot
-- reach Amazon leaves it 'received' for a later attempt.
CREATE TABLE amazon_notifications (
    id                 INTEGER PRIMARY KEY,
    message_id         TEXT    NOT NULL UNIQUE,
    notification_id    TEXT    NOT NULL DEFAULT '',
    object_type        TEXT    NOT NULL,
    object_id          TEXT    NOT NULL,
    permission_id      TEXT    NOT NULL DEFAULT '',
    notification_type  TEXT    NOT NULL DEFAULT '',
    sent_at            INTEGER NOT NULL, -- the envelope's Timestamp
    received_at        INTEGER NOT NULL,
    -- received: to process; done: processed; unmatched: no order of this
    -- shop has its charge permission or merchant reference.
    state              TEXT    NOT NULL CHECK (state IN ('received', 'done', 'unmatched')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_at            INTEGER NOT NULL,
    order_id           INTEGER REFERENCES orders (id) ON DELETE SET NULL,
    merchant_reference TEXT    NOT NULL DEFAULT '',
    object_state       TEXT    NOT NULL DEFAULT '', -- the state Amazon gave when the object was fetched
    reason_code        TEXT    NOT NULL DEFAULT '',
    last_error         TEXT    NOT NULL DEFAULT '',
    body               TEXT    NOT NULL
);
CREATE UNIQUE INDEX amazon_notifications_notification ON amazon_notifications (notification_id) WHERE notification_id <> '';
CREATE INDEX amazon_notifications_due ON amazon_notifications (state, next_at);
CREATE INDEX amazon_notifications_permission ON amazon_notifications (permission_id);

-- The shop's 「Amazon Payインスタント決済通知（IPN）受信メール」 goes once per
-- Amazon object and the state it reached (seed 000, 12-2).
CREATE TABLE amazon_ipn_mails (
    object_id   TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    reason_code TEXT    NOT NULL,
    order_id    INTEGER REFERENCES orders (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (object_id, state, reason_code)
);

-- Payments with an authorization, capture or refund still pending at
-- Amazon (or never read) are read again on a schedule that backs off.
CREATE TABLE amazon_settle (
    order_id INTEGER PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at  INTEGER NOT NULL
);
CREATE INDEX amazon_charges_state ON amazon_charges (state);
CREATE INDEX amazon_refunds_state ON amazon_refunds (state);
CREATE INDEX amazon_charge_permissions_state ON amazon_charge_permissions (state);

-- The completion's claim: which process holds it (the instance, so a
-- restarted process releases its own claims at once), a token only the
-- holder knows (a claim taken over after it went stale cannot be finished
-- by its old holder), and since when. recover_at is when the recovery may
-- look at a pending payment next (0: its creation plus the recovery delay);
-- a released claim makes it due at once instead of restarting the clock.
-- session_state is what Amazon last said of the checkout session (決済直前ログ).
ALTER TABLE amazon_payments ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE amazon_payments ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';
ALTER TABLE amazon_payments ADD COLUMN claimed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE amazon_payments ADD COLUMN recover_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE amazon_payments ADD COLUMN recover_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE amazon_payments ADD COLUMN session_state TEXT NOT NULL DEFAULT '';
ALTER TABLE amazon_payments ADD COLUMN session_checked_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX amazon_payments_reference ON amazon_payments (merchant_reference);

-- 受注未作成通知 (F-52): a payment Amazon holds for a merchant reference
-- with no completed order, first seen at seen_at; the mail goes once
-- (mailed_at), after the alert delay, if the order is still missing.
CREATE TABLE amazon_alerts (
    merchant_reference TEXT PRIMARY KEY,
    permission_id      TEXT    NOT NULL DEFAULT '',
    order_id           INTEGER REFERENCES orders (id) ON DELETE SET NULL,
    amount             INTEGER NOT NULL DEFAULT 0,
    seen_at            INTEGER NOT NULL,
    mailed_at          INTEGER NOT NULL DEFAULT 0,
    resolved_at        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX amazon_alerts_due ON amazon_alerts (mailed_at, resolved_at, seen_at);

-- Reconciliation (F-83): each run and what it found, differences first.
CREATE TABLE amazon_reconciliations (
    id          INTEGER PRIMARY KEY,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL DEFAULT 0,
    checked     INTEGER NOT NULL DEFAULT 0,
    differences INTEGER NOT NULL DEFAULT 0,
    unreachable INTEGER NOT NULL DEFAULT 0,
    mailed      INTEGER NOT NULL DEFAULT 0 CHECK (mailed IN (0, 1))
);
CREATE TABLE amazon_reconcile_items (
    id                 INTEGER PRIMARY KEY,
    run_id             INTEGER NOT NULL REFERENCES amazon_reconciliations (id) ON DELETE CASCADE,
    kind               TEXT    NOT NULL, -- ok, money_without_order, order_without_money, amount_differs, state_differs, unreachable
    order_id           INTEGER REFERENCES orders (id) ON DELETE SET NULL,
    order_number       INTEGER NOT NULL DEFAULT 0,
    permission_id      TEXT    NOT NULL DEFAULT '',
    merchant_reference TEXT    NOT NULL DEFAULT '',
    shop_state         TEXT    NOT NULL DEFAULT '',
    amazon_state       TEXT    NOT NULL DEFAULT '',
    shop_amount        INTEGER NOT NULL DEFAULT 0,
    amazon_amount      INTEGER NOT NULL DEFAULT 0,
    stale              INTEGER NOT NULL DEFAULT 0 CHECK (stale IN (0, 1)) -- the shop's record differs from Amazon's
);
CREATE INDEX amazon_reconcile_items_run ON amazon_reconcile_items (run_id, kind);

-- +goose Down
DROP TABLE amazon_reconcile_items;
DROP TABLE amazon_reconciliations;
DROP TABLE amazon_alerts;
DROP INDEX amazon_payments_reference;
ALTER TABLE amazon_payments DROP COLUMN session_checked_at;
ALTER TABLE amazon_payments DROP COLUMN session_state;
ALTER TABLE amazon_payments DROP COLUMN recover_tries;
ALTER TABLE amazon_payments DROP COLUMN recover_at;
ALTER TABLE amazon_payments DROP COLUMN claimed_at;
ALTER TABLE amazon_payments DROP COLUMN claim_token;
ALTER TABLE amazon_payments DROP COLUMN claimed_by;
DROP INDEX amazon_charge_permissions_state;
DROP INDEX amazon_refunds_state;
DROP INDEX amazon_charges_state;
DROP TABLE amazon_settle;
DROP TABLE amazon_ipn_mails;
DROP TABLE amazon_notifications;
