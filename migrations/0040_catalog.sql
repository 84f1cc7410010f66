-- +goose Up
-- Categories (カテゴリ) a product may belong to, several at once.
CREATE TABLE categories (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE CHECK (length(name) > 0),
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE product_categories (
    product_id  INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, category_id)
);
CREATE INDEX product_categories_category ON product_categories (category_id, product_id);

-- Several pictures per product in the shop's order; the first is the main
-- image, copied to products.image_path for the lists, the cart and the mails.
CREATE TABLE product_images (
    id         INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    path       TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX product_images_product ON product_images (product_id, position);

-- Each product's one picture so far becomes its first image.
INSERT INTO product_images (id, product_id, path, position, created_at)
    SELECT id, id, image_path, 0, created_at FROM products WHERE image_path <> '';
INSERT INTO sequences (name, value)
    SELECT 'product_images', COALESCE(MAX(id), 0) FROM product_images;

-- Pages the shop writes itself: 特定商取引法に基づく表記, プライバシーポリシー,
-- ご利用規約. Absent rows show the built-in text.
CREATE TABLE pages (
    slug       TEXT PRIMARY KEY,
    body       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE pages;
DELETE FROM sequences WHERE name = 'product_images';
DROP TABLE product_images;
DROP TABLE product_categories;
DROP TABLE categories;
