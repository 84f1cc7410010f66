-- +goose Up
-- The admin's order list always filters by status (its tabs), so a search by
-- name prefix or by date span seeks inside one status instead of reading the
-- whole tab in id order or sorting every order of the span.
CREATE INDEX orders_status_name ON orders (status, buyer_name);
CREATE INDEX orders_status_created ON orders (status, created_at);

-- +goose Down
DROP INDEX orders_status_created;
DROP INDEX orders_status_name;
