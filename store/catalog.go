package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kago/model"
)

// searchProducts reads SearchProducts' page from the database.
func (db *DB) searchProducts(ctx context.Context, q model.ProductQuery) ([]Product, int, error) {
	where, args := productWhere(q)
	var total int
	if err := db.queryRow(ctx, `SELECT count(*) FROM products`+where, args...).Scan(&total); err != nil {
		return nil, 0, mapErr(err)
	}
	rows, err := db.query(ctx, `SELECT `+productColumns+` FROM products`+where+` ORDER BY sort_order, id LIMIT ? OFFSET ?`,
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

func productWhere(q model.ProductQuery) (string, []any) {
	var conds []string
	var args []any
	if q.PublishedOnly || q.Status == "published" {
		conds = append(conds, `published = 1`)
	} else if q.Status == "draft" {
		conds = append(conds, `published = 0`)
	}
	if q.CategoryID != 0 {
		conds = append(conds, `id IN (SELECT product_id FROM product_categories WHERE category_id = ?)`)
		args = append(args, q.CategoryID)
	}
	// lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's
	// does not; lower() changes only ASCII letters on both (TEXT is
	// COLLATE "C" on PostgreSQL, dialect.go).
	for _, word := range strings.Fields(q.Text) {
		like := "%" + escapeLike(word) + "%"
		if q.PublishedOnly {
			conds = append(conds, `(lower(name) LIKE lower(?) ESCAPE '\' OR lower(description) LIKE lower(?) ESCAPE '\')`)
			args = append(args, like, like)
		} else {
			conds = append(conds, `lower(name) LIKE lower(?) ESCAPE '\'`)
			args = append(args, like)
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return ` WHERE ` + strings.Join(conds, ` AND `), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// PatchProduct writes the named columns of p (a subset of name, description,
// price, member_price, tax_rate, stock, published, sort_order) and nothing
// else, so a field the caller did not change keeps what others wrote.
func (tx *Tx) PatchProduct(p Product, columns []string) error {
	value := map[string]any{"name": p.Name, "description": p.Description, "price": p.Price, "member_price": p.MemberPrice,
		"tax_rate": p.TaxRate, "stock": p.Stock, "published": p.Published, "sort_order": p.SortOrder}
	sets := []string{"updated_at = ?"}
	args := []any{unix(tx.now)}
	for _, c := range columns {
		v, ok := value[c]
		if !ok {
			return fmt.Errorf("store: PatchProduct: unknown column %q", c)
		}
		sets = append(sets, c+" = ?")
		args = append(args, v)
	}
	res, err := tx.exec(`UPDATE products SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(args, p.ID)...)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// categories reads Categories from the database.
func (db *DB) categories(ctx context.Context, publishedOnly bool) ([]model.Category, error) {
	q := `SELECT c.id, c.name, c.sort_order, (SELECT count(*) FROM product_categories pc JOIN products p ON p.id = pc.product_id
		WHERE pc.category_id = c.id`
	if publishedOnly {
		q += ` AND p.published = 1`
	}
	rows, err := db.query(ctx, q+`) FROM categories c ORDER BY c.sort_order, c.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Category
	for rows.Next() {
		var c model.Category
		if err := rows.Scan(&c.ID, &c.Name, &c.SortOrder, &c.Products); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Categories lists the categories inside the writer (no counts).
func (tx *Tx) Categories() ([]model.Category, error) {
	rows, err := tx.query(`SELECT id, name, sort_order FROM categories ORDER BY sort_order, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Category
	for rows.Next() {
		var c model.Category
		if err := rows.Scan(&c.ID, &c.Name, &c.SortOrder); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// InsertCategory adds a category; ErrConflict when the name is taken.
func (tx *Tx) InsertCategory(c model.Category) (model.Category, error) {
	id, err := tx.nextID("categories")
	if err != nil {
		return c, err
	}
	c.ID = id
	_, err = tx.exec(`INSERT INTO categories (id, name, sort_order, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		c.ID, c.Name, c.SortOrder, unix(tx.now), unix(tx.now))
	return c, err
}

// UpdateCategory renames or reorders a category; ErrConflict when the name
// is taken, ErrNotFound when the category is gone.
func (tx *Tx) UpdateCategory(c model.Category) error {
	res, err := tx.exec(`UPDATE categories SET name = ?, sort_order = ?, updated_at = ? WHERE id = ?`, c.Name, c.SortOrder, unix(tx.now), c.ID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// DeleteCategory removes a category; its products stay, off that shelf.
func (tx *Tx) DeleteCategory(id int64) error {
	res, err := tx.exec(`DELETE FROM categories WHERE id = ?`, id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// productCategoryIDs reads ProductCategoryIDs from the database.
func (db *DB) productCategoryIDs(ctx context.Context, productID int64) ([]int64, error) {
	rows, err := db.query(ctx, `SELECT category_id FROM product_categories WHERE product_id = ? ORDER BY category_id`, productID)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// ProductCategoryIDs lists a product's categories inside the writer.
func (tx *Tx) ProductCategoryIDs(productID int64) ([]int64, error) {
	rows, err := tx.query(`SELECT category_id FROM product_categories WHERE product_id = ? ORDER BY category_id`, productID)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// ProductCategoryMap maps every product that has categories to their IDs.
func (db *DB) ProductCategoryMap(ctx context.Context) (map[int64][]int64, error) {
	rows, err := db.query(ctx, `SELECT product_id, category_id FROM product_categories ORDER BY product_id, category_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var p, c int64
		if err := rows.Scan(&p, &c); err != nil {
			return nil, mapErr(err)
		}
		out[p] = append(out[p], c)
	}
	return out, rows.Err()
}

// SetProductCategories replaces a product's categories.
func (tx *Tx) SetProductCategories(productID int64, categoryIDs []int64) error {
	if _, err := tx.exec(`DELETE FROM product_categories WHERE product_id = ?`, productID); err != nil {
		return err
	}
	for _, id := range categoryIDs {
		if _, err := tx.exec(`INSERT INTO product_categories (product_id, category_id) VALUES (?, ?)`, productID, id); err != nil {
			return err
		}
	}
	return nil
}

func scanIDs(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]int64, error) {
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

const imageColumns = `id, product_id, path, position`

// productImages reads ProductImages from the database.
func (db *DB) productImages(ctx context.Context, productID int64) ([]model.ProductImage, error) {
	rows, err := db.query(ctx, `SELECT `+imageColumns+` FROM product_images WHERE product_id = ? ORDER BY position, id`, productID)
	if err != nil {
		return nil, err
	}
	return scanImages(rows)
}

// ProductImages lists a product's pictures inside the writer.
func (tx *Tx) ProductImages(productID int64) ([]model.ProductImage, error) {
	rows, err := tx.query(`SELECT `+imageColumns+` FROM product_images WHERE product_id = ? ORDER BY position, id`, productID)
	if err != nil {
		return nil, err
	}
	return scanImages(rows)
}

func scanImages(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]model.ProductImage, error) {
	defer rows.Close()
	var out []model.ProductImage
	for rows.Next() {
		var im model.ProductImage
		if err := rows.Scan(&im.ID, &im.ProductID, &im.Path, &im.Position); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, im)
	}
	return out, rows.Err()
}

// AddProductImage appends a picture after the product's others.
func (tx *Tx) AddProductImage(productID int64, path string) (model.ProductImage, error) {
	id, err := tx.nextID("product_images")
	if err != nil {
		return model.ProductImage{}, err
	}
	var pos int
	if err := tx.queryRow(`SELECT COALESCE(MAX(position) + 1, 0) FROM product_images WHERE product_id = ?`, productID).Scan(&pos); err != nil {
		return model.ProductImage{}, mapErr(err)
	}
	im := model.ProductImage{ID: id, ProductID: productID, Path: path, Position: pos}
	_, err = tx.exec(`INSERT INTO product_images (id, product_id, path, position, created_at) VALUES (?, ?, ?, ?, ?)`,
		im.ID, im.ProductID, im.Path, im.Position, unix(tx.now))
	return im, err
}

// DeleteProductImage removes one picture of a product.
func (tx *Tx) DeleteProductImage(productID, imageID int64) error {
	res, err := tx.exec(`DELETE FROM product_images WHERE id = ? AND product_id = ?`, imageID, productID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// SetProductImageOrder numbers a product's pictures in the order given (every
// one of its image IDs) and makes the first the product's main image.
func (tx *Tx) SetProductImageOrder(productID int64, imageIDs []int64) error {
	main := ""
	for i, id := range imageIDs {
		var path string
		if err := tx.queryRow(`UPDATE product_images SET position = ? WHERE id = ? AND product_id = ? RETURNING path`, i, id, productID).Scan(&path); err != nil {
			return mapErr(err)
		}
		if i == 0 {
			main = path
		}
	}
	res, err := tx.exec(`UPDATE products SET image_path = ?, updated_at = ? WHERE id = ?`, main, unix(tx.now), productID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// ImagePathInUse tells whether any product still shows the picture at path.
func (tx *Tx) ImagePathInUse(path string) (bool, error) {
	var n int
	err := tx.queryRow(`SELECT count(*) FROM product_images WHERE path = ?`, path).Scan(&n)
	return n > 0, mapErr(err)
}

// Page returns the stored text of a shop page, or ErrNotFound when the shop
// still shows the built-in one.
func (db *DB) Page(ctx context.Context, slug string) (string, error) {
	var body string
	err := db.queryRow(ctx, `SELECT body FROM pages WHERE slug = ?`, slug).Scan(&body)
	return body, mapErr(err)
}

// Page reads a shop page inside the writer.
func (tx *Tx) Page(slug string) (string, error) {
	var body string
	err := tx.queryRow(`SELECT body FROM pages WHERE slug = ?`, slug).Scan(&body)
	return body, mapErr(err)
}

// PutPage stores a shop page's text.
func (tx *Tx) PutPage(slug, body string) error {
	_, err := tx.exec(`INSERT INTO pages (slug, body, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (slug) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`, slug, body, unix(tx.now))
	return err
}

// PutProductImport keeps a checked product CSV under id and drops those
// kept since before olderThan.
func (tx *Tx) PutProductImport(id, body string, olderThan time.Time) error {
	if _, err := tx.exec(`DELETE FROM product_imports WHERE created_at < ?`, unix(olderThan)); err != nil {
		return err
	}
	_, err := tx.exec(`INSERT INTO product_imports (id, body, created_at) VALUES (?, ?, ?)`, id, body, unix(tx.now))
	return err
}

// TakeProductImport returns a kept CSV and deletes it (ErrNotFound when it
// was taken already or dropped).
func (tx *Tx) TakeProductImport(id string) (string, error) {
	var body string
	if err := tx.queryRow(`SELECT body FROM product_imports WHERE id = ?`, id).Scan(&body); err != nil {
		return "", mapErr(err)
	}
	_, err := tx.exec(`DELETE FROM product_imports WHERE id = ?`, id)
	return body, err
}
