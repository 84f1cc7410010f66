-- +goose Up
-- A product CSV that passed its dry run, kept until the owner presses
-- 取り込む (the form carries only its ID, not the file). Rows older than a
-- day are dropped whenever another file is checked.
CREATE TABLE product_imports (
    id         TEXT PRIMARY KEY,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE product_imports;
