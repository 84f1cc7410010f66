package store

import (
	"bytes"
	"context"
	"time"
)

// Checkout is a checkout in progress; Data is the domain's JSON.
type Checkout struct {
	ID        string
	CartToken string
	Data      []byte
	UpdatedAt time.Time
}

// PutCheckout creates or replaces a checkout draft.
func (tx *Tx) PutCheckout(c Checkout) error {
	_, err := tx.exec(`INSERT INTO checkouts (id, cart_token, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET cart_token = excluded.cart_token, data = excluded.data, updated_at = excluded.updated_at`,
		c.ID, c.CartToken, string(c.Data), unix(tx.now), unix(tx.now))
	return err
}

func scanCheckout(s scanner) (Checkout, error) {
	var c Checkout
	var data string
	var updated int64
	err := s.Scan(&c.ID, &c.CartToken, &data, &updated)
	c.Data, c.UpdatedAt = []byte(data), fromUnix(updated)
	return c, mapErr(err)
}

// Checkout reads a checkout draft. It is kept until a transaction writes
// checkouts or orders, or catalogTTL passes; decisions read it with
// Tx.Checkout.
func (db *DB) Checkout(ctx context.Context, id string) (Checkout, error) {
	return cachedRead(&db.checkouts, catalogKey{read: readCheckout, text: id}, cloneCheckout, func() (Checkout, error) {
		return scanCheckout(db.queryRow(ctx, `SELECT id, cart_token, data, updated_at FROM checkouts WHERE id = ?`, id))
	})
}

func cloneCheckout(c Checkout) Checkout {
	c.Data = bytes.Clone(c.Data)
	return c
}

// Checkout reads a checkout draft inside the writer.
func (tx *Tx) Checkout(id string) (Checkout, error) {
	return scanCheckout(tx.queryRow(`SELECT id, cart_token, data, updated_at FROM checkouts WHERE id = ?`, id))
}

// DeleteAbandonedCheckouts removes up to limit drafts untouched since
// before and says how many. A draft whose Amazon Pay order is still pending
// or completing stays: completing that order reads it.
func (tx *Tx) DeleteAbandonedCheckouts(before time.Time, limit int) (int64, error) {
	res, err := tx.exec(`DELETE FROM checkouts WHERE id IN (
		SELECT c.id FROM checkouts c WHERE c.updated_at < ? AND NOT EXISTS (
			SELECT 1 FROM orders o JOIN amazon_payments p ON p.order_id = o.id
			WHERE o.checkout_id = c.id AND p.state IN ('pending', 'completing'))
		LIMIT ?)`, unix(before), limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
