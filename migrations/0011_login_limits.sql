-- +goose Up
-- Login limits (shop.Logins): one counter per account and one per address.
-- An attempt first takes a slot with a conditional UPDATE (not locked, fewer
-- failures than the limit), so concurrent attempts, on one instance or
-- several, never get past the limit; a failure that fills the counter locks
-- the key until locked_until. Keys carry no password and no raw e-mail: an
-- account is kept as its SHA-256.
CREATE TABLE login_limits (
    key          TEXT    PRIMARY KEY,
    window_start INTEGER NOT NULL,
    failures     INTEGER NOT NULL CHECK (failures >= 0),
    locked_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_limits_window ON login_limits (window_start);

-- +goose Down
DROP TABLE login_limits;
