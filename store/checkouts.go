package store

import (
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

// Checkout reads a checkout draft.
func (db *DB) Checkout(ctx context.Context, id string) (Checkout, error) {
	return scanCheckout(db.queryRow(ctx, `SELECT id, cart_token, data, updated_at FROM checkouts WHERE id = ?`, id))
}

// Checkout reads a checkout draft inside the writer.
func (tx *Tx) Checkout(id string) (Checkout, error) {
	return scanCheckout(tx.queryRow(`SELECT id, cart_token, data, updated_at FROM checkouts WHERE id = ?`, id))
}

// DeleteCheckoutsBefore removes drafts untouched since t (housekeeping).
func (db *DB) DeleteCheckoutsBefore(ctx context.Context, t time.Time) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`DELETE FROM checkouts WHERE updated_at < ?`, unix(t))
		return err
	})
}
