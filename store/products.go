package store

import (
	"context"
	"database/sql"
	"time"
)

// Product is one catalog item. Prices are tax-inclusive yen.
type Product struct {
	ID          int64
	Name        string
	Description string
	Price       int64
	MemberPrice sql.NullInt64
	TaxRate     int
	Stock       int64
	Published   bool
	ImagePath   string
	SortOrder   int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const productColumns = `id, name, description, price, member_price, tax_rate, stock, published, image_path, sort_order, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

// scanProduct reads productColumns and then any extra columns into extra.
func scanProduct(s scanner, extra ...any) (Product, error) {
	var p Product
	var created, updated int64
	dest := append([]any{&p.ID, &p.Name, &p.Description, &p.Price, &p.MemberPrice, &p.TaxRate, &p.Stock,
		&p.Published, &p.ImagePath, &p.SortOrder, &created, &updated}, extra...)
	err := s.Scan(dest...)
	p.CreatedAt, p.UpdatedAt = fromUnix(created), fromUnix(updated)
	return p, mapErr(err)
}

// Products lists products in display order; publishedOnly hides drafts.
func (db *DB) Products(ctx context.Context, publishedOnly bool) ([]Product, error) {
	q := `SELECT ` + productColumns + ` FROM products`
	if publishedOnly {
		q += ` WHERE published = 1`
	}
	rows, err := db.query(ctx, q+` ORDER BY sort_order, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountProducts tells whether the catalog is empty (for the demo seed).
func (tx *Tx) CountProducts() (int, error) {
	var n int
	err := tx.queryRow(`SELECT count(*) FROM products`).Scan(&n)
	return n, mapErr(err)
}

// Product reads one product inside the writer transaction.
func (tx *Tx) Product(id int64) (Product, error) {
	return scanProduct(tx.queryRow(`SELECT `+productColumns+` FROM products WHERE id = ?`, id))
}

// InsertProduct stores a new product and returns it with its ID.
func (tx *Tx) InsertProduct(p Product) (Product, error) {
	id, err := tx.nextID("products")
	if err != nil {
		return p, err
	}
	p.ID, p.CreatedAt, p.UpdatedAt = id, tx.now, tx.now
	_, err = tx.exec(`INSERT INTO products (`+productColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Name, p.Description, p.Price, p.MemberPrice, p.TaxRate, p.Stock, p.Published,
		p.ImagePath, p.SortOrder, unix(p.CreatedAt), unix(p.UpdatedAt))
	if err == nil && p.ImagePath != "" {
		_, err = tx.AddProductImage(p.ID, p.ImagePath)
	}
	return p, err
}

// UpdateProduct overwrites a product's editable fields.
func (tx *Tx) UpdateProduct(p Product) error {
	res, err := tx.exec(`UPDATE products SET name = ?, description = ?, price = ?, member_price = ?, tax_rate = ?,
		stock = ?, published = ?, image_path = ?, sort_order = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.Description, p.Price, p.MemberPrice, p.TaxRate, p.Stock, p.Published, p.ImagePath,
		p.SortOrder, unix(tx.now), p.ID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// TakeStock removes qty from a product's stock, failing with ErrConflict when
// not enough is left: the check and the decrement are one statement.
func (tx *Tx) TakeStock(productID, qty int64) error {
	res, err := tx.exec(`UPDATE products SET stock = stock - ?, updated_at = ? WHERE id = ? AND stock >= ?`,
		qty, unix(tx.now), productID, qty)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// ReturnStock puts qty back (a cancelled order).
func (tx *Tx) ReturnStock(productID, qty int64) error {
	res, err := tx.exec(`UPDATE products SET stock = stock + ?, updated_at = ? WHERE id = ?`, qty, unix(tx.now), productID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

func mustAffect(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
