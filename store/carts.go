package store

import (
	"context"
	"database/sql"
	"slices"
	"time"
)

// CartLine is one product in a cart, joined with its current catalog data.
type CartLine struct {
	Product  Product
	Quantity int64
}

// EnsureCart creates the cart row for token unless it exists.
func (tx *Tx) EnsureCart(token string) error {
	_, err := tx.exec(`INSERT INTO carts (token, created_at, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET updated_at = excluded.updated_at`, token, unix(tx.now), unix(tx.now))
	return err
}

// CartQuantity is how many of a product the cart holds now (0 when none).
func (tx *Tx) CartQuantity(token string, productID int64) (int64, error) {
	var q int64
	err := tx.queryRow(`SELECT quantity FROM cart_items WHERE cart_token = ? AND product_id = ?`, token, productID).Scan(&q)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return q, mapErr(err)
}

// SetCartQuantity sets a line's quantity; quantity <= 0 removes the line.
func (tx *Tx) SetCartQuantity(token string, productID, quantity int64) error {
	if quantity <= 0 {
		_, err := tx.exec(`DELETE FROM cart_items WHERE cart_token = ? AND product_id = ?`, token, productID)
		return err
	}
	_, err := tx.exec(`INSERT INTO cart_items (cart_token, product_id, quantity, added_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (cart_token, product_id) DO UPDATE SET quantity = excluded.quantity`,
		token, productID, quantity, unix(tx.now))
	return err
}

// DeleteAbandonedCarts removes up to limit carts (with their lines) that
// nobody added to since before, and says how many.
func (tx *Tx) DeleteAbandonedCarts(before time.Time, limit int) (int64, error) {
	res, err := tx.exec(`DELETE FROM carts WHERE token IN (SELECT token FROM carts WHERE updated_at < ? LIMIT ?)`, unix(before), limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// TakeFromCart removes up to quantity of a product from a cart: what an
// order took leaves the cart, lines added meanwhile stay.
func (tx *Tx) TakeFromCart(token string, productID, quantity int64) error {
	if _, err := tx.exec(`DELETE FROM cart_items WHERE cart_token = ? AND product_id = ? AND quantity <= ?`,
		token, productID, quantity); err != nil {
		return err
	}
	_, err := tx.exec(`UPDATE cart_items SET quantity = quantity - ? WHERE cart_token = ? AND product_id = ?`,
		quantity, token, productID)
	return err
}

const cartLinesQuery = `SELECT ` + productColumnsP + `, ci.quantity FROM cart_items ci JOIN products p ON p.id = ci.product_id
	WHERE ci.cart_token = ? ORDER BY ci.added_at, p.id`

const productColumnsP = `p.id, p.name, p.description, p.price, p.member_price, p.tax_rate, p.stock, p.published, p.image_path, p.sort_order, p.created_at, p.updated_at`

// CartLines returns the cart's lines with current product data, for
// showing the cart; the slice is the caller's own. Like CartCount it is
// kept per token until a transaction writes cart_items, carts or products
// (a price or stock change included), or catalogTTL passes.
func (db *DB) CartLines(ctx context.Context, token string) ([]CartLine, error) {
	return cachedRead(&db.cartCounts, catalogKey{read: readCartLines, text: token}, slices.Clone[[]CartLine], func() ([]CartLine, error) {
		rows, err := db.query(ctx, cartLinesQuery, token)
		if err != nil {
			return nil, err
		}
		return scanCartLines(rows)
	})
}

// CartLines reads the cart inside the writer transaction, for decisions.
func (tx *Tx) CartLines(token string) ([]CartLine, error) {
	rows, err := tx.query(cartLinesQuery, token)
	if err != nil {
		return nil, err
	}
	return scanCartLines(rows)
}

func scanCartLines(rows *sql.Rows) ([]CartLine, error) {
	defer rows.Close()
	var out []CartLine
	for rows.Next() {
		var l CartLine
		p, err := scanProduct(rows, &l.Quantity)
		if err != nil {
			return nil, err
		}
		l.Product = p
		out = append(out, l)
	}
	return out, rows.Err()
}

// CartCount is the number of items in the cart, for the header badge. It
// is kept per token until any transaction writes cart_items (or catalogTTL
// passes, for another process's writes).
func (db *DB) CartCount(ctx context.Context, token string) (int64, error) {
	return cachedRead(&db.cartCounts, catalogKey{read: readCartCount, text: token}, same[int64], func() (int64, error) {
		var n sql.NullInt64
		err := db.queryRow(ctx, `SELECT CAST(SUM(quantity) AS BIGINT) FROM cart_items WHERE cart_token = ?`, token).Scan(&n)
		return n.Int64, mapErr(err)
	})
}
