-- +goose Up
-- Members (会員). A withdrawn member's row stays for the shop's orders; its
-- login keys are cleared so the address and login ID can register again.
CREATE TABLE members (
    id                 INTEGER PRIMARY KEY,
    login_id           TEXT UNIQUE,           -- ログインID, lower-case; NULL when none or withdrawn
    email_key          TEXT UNIQUE,           -- the e-mail lower-cased, for login and reset; NULL once withdrawn
    email              TEXT    NOT NULL,
    password_hash      TEXT    NOT NULL,      -- bcrypt; '' once withdrawn
    password_temporary INTEGER NOT NULL DEFAULT 0 CHECK (password_temporary IN (0, 1)),
    status             TEXT    NOT NULL CHECK (status IN ('provisional', 'active', 'withdrawn')),
    source             TEXT    NOT NULL CHECK (source IN ('form', 'checkout', 'amazon')),
    family_name        TEXT    NOT NULL,
    given_name         TEXT    NOT NULL DEFAULT '',
    family_kana        TEXT    NOT NULL DEFAULT '',
    given_kana         TEXT    NOT NULL DEFAULT '',
    name_key           TEXT    NOT NULL,      -- "姓 名" for the admin's prefix search
    phone              TEXT    NOT NULL DEFAULT '',
    postal_code        TEXT    NOT NULL DEFAULT '',
    prefecture         TEXT    NOT NULL DEFAULT '',
    city               TEXT    NOT NULL DEFAULT '',
    address1           TEXT    NOT NULL DEFAULT '',
    address2           TEXT    NOT NULL DEFAULT '',
    points             INTEGER NOT NULL DEFAULT 0,
    -- The linked Amazon account: one member per buyer ID, so two members
    -- linking the same account at once cannot both win.
    amazon_buyer_id    TEXT UNIQUE,
    amazon_linked_at   INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    withdrawn_at       INTEGER
);
CREATE INDEX members_name ON members (name_key);
CREATE INDEX members_phone ON members (phone);
CREATE INDEX members_email ON members (email);

-- 会員操作履歴: typed rows, rendered in Japanese by the views.
CREATE TABLE member_events (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    at              INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    source          TEXT    NOT NULL DEFAULT '',
    amazon_buyer_id TEXT    NOT NULL DEFAULT '',
    order_id        INTEGER
);
CREATE INDEX member_events_member ON member_events (member_id, id);

-- Password reset links: only the SHA-256 of the mailed token is kept; a
-- token works once, before it expires.
CREATE TABLE member_password_resets (
    token_hash TEXT    PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX member_password_resets_member ON member_password_resets (member_id, created_at);

-- The my page lists a member's orders, newest first.
CREATE INDEX orders_member ON orders (member_id, id);

-- +goose Down
DROP INDEX orders_member;
DROP TABLE member_password_resets;
DROP TABLE member_events;
DROP TABLE members;
