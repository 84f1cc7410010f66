package store

import (
	"context"
	"database/sql"
	"time"
)

// AmazonAlert is a payment Amazon holds for a merchant reference that has
// no completed order (受注未作成, F-52): when it was first seen, and when
// the shop was told (once) or the order turned up.
type AmazonAlert struct {
	Reference    string // merchantReferenceId: prefix + order number
	PermissionID string
	OrderID      int64 // the shop's order of that reference, if it has one (pending or failed)
	Amount       int64
	SeenAt       time.Time
	MailedAt     time.Time // zero: not mailed yet
	ResolvedAt   time.Time // zero: not resolved
}

const alertColumns = `merchant_reference, permission_id, order_id, amount, seen_at, mailed_at, resolved_at`

func scanAlert(s scanner) (AmazonAlert, error) {
	var a AmazonAlert
	var order sql.NullInt64
	var seen, mailed, resolved int64
	err := s.Scan(&a.Reference, &a.PermissionID, &order, &a.Amount, &seen, &mailed, &resolved)
	a.OrderID, a.SeenAt, a.MailedAt, a.ResolvedAt = order.Int64, fromUnix(seen), timeOrZero(mailed), timeOrZero(resolved)
	return a, mapErr(err)
}

// NoteAlert records that Amazon holds a payment for a reference with no
// completed order; the first sighting is kept (seen_at), a later one fills
// in what was missing and opens a resolved alert again.
func (db *DB) NoteAlert(ctx context.Context, a AmazonAlert) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO amazon_alerts (`+alertColumns+`) VALUES (?, ?, ?, ?, ?, 0, 0)
			ON CONFLICT (merchant_reference) DO UPDATE SET
			permission_id = CASE WHEN excluded.permission_id <> '' THEN excluded.permission_id ELSE amazon_alerts.permission_id END,
			order_id = COALESCE(excluded.order_id, amazon_alerts.order_id),
			amount = CASE WHEN excluded.amount > 0 THEN excluded.amount ELSE amazon_alerts.amount END,
			resolved_at = 0`,
			a.Reference, a.PermissionID, nullID(a.OrderID), a.Amount, unix(tx.now))
		return err
	})
}

// DueAlerts lists alerts neither mailed nor resolved, first seen at
// seenBefore or earlier, oldest first.
func (db *DB) DueAlerts(ctx context.Context, seenBefore time.Time, limit int) ([]AmazonAlert, error) {
	return list(db.reads(ctx), scanAlert, `SELECT `+alertColumns+` FROM amazon_alerts WHERE mailed_at = 0 AND resolved_at = 0
		AND seen_at <= ? ORDER BY seen_at LIMIT ?`, unix(seenBefore), limit)
}

// OpenAlerts lists the alerts not resolved, newest first.
func (db *DB) OpenAlerts(ctx context.Context, limit int) ([]AmazonAlert, error) {
	return list(db.reads(ctx), scanAlert, `SELECT `+alertColumns+` FROM amazon_alerts WHERE resolved_at = 0
		ORDER BY seen_at DESC LIMIT ?`, limit)
}

// MarkAlertMailed records, in the transaction that writes the mail, that
// the alert of a reference is mailed: true the first time only.
func (tx *Tx) MarkAlertMailed(ref string) (bool, error) {
	return tx.execOne(`UPDATE amazon_alerts SET mailed_at = ? WHERE merchant_reference = ? AND mailed_at = 0`, unix(tx.now), ref)
}

// ResolveAlert closes the alert of a reference: its order is completed now.
func (db *DB) ResolveAlert(ctx context.Context, ref string) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE amazon_alerts SET resolved_at = ? WHERE merchant_reference = ? AND resolved_at = 0`, unix(tx.now), ref)
		return err
	})
}

// CompletedButPending lists payments whose checkout session Amazon
// completed (as the shop last saw it) while the order is still pending or
// being completed, placed at placedBefore or earlier.
func (db *DB) CompletedButPending(ctx context.Context, placedBefore time.Time, limit int) ([]AmazonPayment, error) {
	rows, err := db.query(ctx, `SELECT `+amazonPaymentColumns+` FROM amazon_payments WHERE state IN (?, ?)
		AND session_state = 'Completed' AND created_at <= ? ORDER BY created_at LIMIT ?`,
		AmazonPending, AmazonCompleting, unix(placedBefore), limit)
	if err != nil {
		return nil, err
	}
	return scanAmazonPayments(rows)
}
