-- +goose Up
-- A registration asked for on the order page (新規会員登録欄 or 「Amazonアカウ
-- ントで会員登録を行う」). The member is made when the order is done (注文完了),
-- from the order's buyer, and can log in at the shop's registration timing.
CREATE TABLE order_registrations (
    order_id      INTEGER PRIMARY KEY REFERENCES orders (id),
    login_id      TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL DEFAULT '', -- '' : a temporary password is mailed (registered through Amazon)
    created_at    INTEGER NOT NULL
);

-- +goose Down
DROP TABLE order_registrations;
