-- +goose Up
-- A member's points, one row per change; members.points is the balance,
-- changed in the same transaction.
CREATE TABLE member_points (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    order_id  INTEGER,
    at        INTEGER NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('earn', 'use', 'return_use', 'cancel_earn', 'adjust')),
    points    INTEGER NOT NULL,
    balance   INTEGER NOT NULL
);
CREATE INDEX member_points_member ON member_points (member_id, id);

-- Member-only coupons (会員限定クーポン).
CREATE TABLE coupons (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('amount', 'percent')),
    value        INTEGER NOT NULL CHECK (value > 0),
    min_subtotal INTEGER NOT NULL DEFAULT 0 CHECK (min_subtotal >= 0),
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CHECK (kind <> 'percent' OR value <= 100),
    CHECK (ends_at > starts_at)
);

-- One use per member: the primary key refuses a second. A use is deleted
-- when its order is canceled or refunded in full, so the coupon is back.
CREATE TABLE coupon_uses (
    coupon_id INTEGER NOT NULL REFERENCES coupons (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    order_id  INTEGER NOT NULL,
    discount  INTEGER NOT NULL CHECK (discount > 0),
    at        INTEGER NOT NULL,
    PRIMARY KEY (coupon_id, member_id)
);

-- What a member's order used and earned. The order's own totals are after
-- the discount; this row says how it was made up, per tax rate.
CREATE TABLE order_benefits (
    order_id        INTEGER PRIMARY KEY REFERENCES orders (id),
    member_id       INTEGER NOT NULL REFERENCES members (id),
    points_used     INTEGER NOT NULL DEFAULT 0 CHECK (points_used >= 0),
    coupon_id       INTEGER,
    coupon_code     TEXT    NOT NULL DEFAULT '',
    coupon_discount INTEGER NOT NULL DEFAULT 0 CHECK (coupon_discount >= 0),
    discount_10     INTEGER NOT NULL DEFAULT 0 CHECK (discount_10 >= 0),
    discount_8      INTEGER NOT NULL DEFAULT 0 CHECK (discount_8 >= 0),
    points_earned   INTEGER NOT NULL DEFAULT 0 CHECK (points_earned >= 0),
    returned_at     INTEGER
);

-- +goose Down
DROP TABLE order_benefits;
DROP TABLE coupon_uses;
DROP TABLE coupons;
DROP TABLE member_points;
