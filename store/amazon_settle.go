package store

import (
	"context"
	"database/sql"
	"time"

	"kago/model"
)

// Settlement of pending payments (F-45): orders whose ledger holds an
// authorization, capture or refund still pending at Amazon, or an object
// never read, are read again on a schedule that backs off.

// UnsettledOrders lists the orders with a pending or unread Amazon Pay
// object whose next reading is due at now (UTC).
func (db *DB) UnsettledOrders(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	return list(db.reads(ctx), scanID, `SELECT u.order_id FROM (
			SELECT order_id FROM amazon_charges WHERE state IN ('', ?, ?)
			UNION SELECT order_id FROM amazon_refunds WHERE state IN ('', ?)
			UNION SELECT order_id FROM amazon_charge_permissions WHERE state = ''
		) u LEFT JOIN amazon_settle s ON s.order_id = u.order_id
		WHERE s.next_at IS NULL OR s.next_at <= ? ORDER BY u.order_id LIMIT ?`,
		model.StateAuthorizationInitiated, model.StateCaptureInitiated, model.StateRefundInitiated, unix(now), limit)
}

func scanID(s scanner) (int64, error) {
	var id int64
	return id, mapErr(s.Scan(&id))
}

// ClaimSettlement takes an order's next reading if it is due, with one
// conditional write, and schedules the one after it at now plus
// delay(attempts before this one); false when it is not due (another
// process took it).
func (db *DB) ClaimSettlement(ctx context.Context, orderID int64, delay func(attempts int) time.Duration) (bool, error) {
	won := false
	err := db.WithTx(ctx, func(tx *Tx) error {
		won = false // WithTx may run this again
		var attempts, next int64
		err := tx.queryRow(`SELECT attempts, next_at FROM amazon_settle WHERE order_id = ?`, orderID).Scan(&attempts, &next)
		switch {
		case err == sql.ErrNoRows:
			// Won only if this transaction wrote the row: it does not rely
			// on the transactions being serialized.
			won, err = tx.execOne(`INSERT INTO amazon_settle (order_id, attempts, next_at) VALUES (?, 1, ?)
				ON CONFLICT (order_id) DO NOTHING`, orderID, unix(tx.now.Add(delay(0))))
			return err
		case err != nil:
			return mapErr(err)
		case next > unix(tx.now):
			return nil
		}
		won, err = tx.execOne(`UPDATE amazon_settle SET attempts = attempts + 1, next_at = ? WHERE order_id = ? AND next_at = ?`,
			unix(tx.now.Add(delay(int(attempts)))), orderID, next)
		return err
	})
	return won, err
}

// SettlementDone forgets an order's readings: nothing of it is pending.
func (db *DB) SettlementDone(ctx context.Context, orderID int64) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`DELETE FROM amazon_settle WHERE order_id = ?`, orderID)
		return err
	})
}
