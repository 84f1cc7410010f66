package store

import (
	"context"
	"database/sql"
	"time"

	"kago/model"
)

// Reconciliation runs (F-83) and what they found.

// StartReconciliation records a run starting now and returns its ID.
func (db *DB) StartReconciliation(ctx context.Context) (int64, error) {
	var id int64
	err := db.WithTx(ctx, func(tx *Tx) error {
		var err error
		if id, err = tx.nextID("amazon_reconciliations"); err != nil {
			return err
		}
		_, err = tx.exec(`INSERT INTO amazon_reconciliations (id, started_at) VALUES (?, ?)`, id, unix(tx.now))
		return err
	})
	return id, err
}

// FinishReconciliation records a run's items and totals, and keeps the
// last keep runs.
func (db *DB) FinishReconciliation(ctx context.Context, run model.ReconcileRun, items []model.ReconcileItem, keep int) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		for _, it := range items {
			id, err := tx.nextID("amazon_reconcile_items")
			if err != nil {
				return err
			}
			if _, err := tx.exec(`INSERT INTO amazon_reconcile_items (id, run_id, kind, order_id, order_number, permission_id, merchant_reference,
				shop_state, amazon_state, shop_amount, amazon_amount, stale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, run.ID, it.Kind, nullID(it.OrderID), it.OrderNumber, it.PermissionID, it.Reference, it.ShopState, it.AmazonState,
				it.ShopAmount, it.AmazonAmount, it.Stale); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`UPDATE amazon_reconciliations SET finished_at = ?, checked = ?, differences = ?, unreachable = ?, mailed = ?
			WHERE id = ?`, unix(tx.now), run.Checked, run.Differences, run.Unreachable, run.Mailed, run.ID); err != nil {
			return err
		}
		_, err := tx.exec(`DELETE FROM amazon_reconciliations WHERE id <= (SELECT id FROM amazon_reconciliations ORDER BY id DESC LIMIT 1 OFFSET ?)`, keep)
		return err
	})
}

// LatestReconciliation reads the last finished run and its items
// (differences first, then by order number); ErrNotFound before the first.
func (db *DB) LatestReconciliation(ctx context.Context) (model.ReconcileRun, []model.ReconcileItem, error) {
	var r model.ReconcileRun
	var started, finished int64
	err := db.queryRow(ctx, `SELECT id, started_at, finished_at, checked, differences, unreachable, mailed FROM amazon_reconciliations
		WHERE finished_at > 0 ORDER BY id DESC LIMIT 1`).Scan(&r.ID, &started, &finished, &r.Checked, &r.Differences, &r.Unreachable, &r.Mailed)
	if err != nil {
		return r, nil, mapErr(err)
	}
	r.StartedAt, r.FinishedAt = fromUnix(started), fromUnix(finished)
	items, err := list(db.reads(ctx), scanReconcileItem, `SELECT kind, order_id, order_number, permission_id, merchant_reference, shop_state,
		amazon_state, shop_amount, amazon_amount, stale FROM amazon_reconcile_items WHERE run_id = ?
		ORDER BY CASE kind WHEN 'money_without_order' THEN 0 WHEN 'order_without_money' THEN 1 WHEN 'amount_differs' THEN 2
		WHEN 'state_differs' THEN 3 WHEN 'unreachable' THEN 4 ELSE 5 END, order_number DESC, id`, r.ID)
	return r, items, err
}

func scanReconcileItem(s scanner) (model.ReconcileItem, error) {
	var it model.ReconcileItem
	var order sql.NullInt64
	err := s.Scan(&it.Kind, &order, &it.OrderNumber, &it.PermissionID, &it.Reference, &it.ShopState, &it.AmazonState, &it.ShopAmount,
		&it.AmazonAmount, &it.Stale)
	it.OrderID = order.Int64
	return it, mapErr(err)
}

// PaymentsPlacedSince lists the Amazon Pay payments of orders placed at
// since or later (UTC), oldest first.
func (db *DB) PaymentsPlacedSince(ctx context.Context, since time.Time) ([]AmazonPayment, error) {
	rows, err := db.query(ctx, `SELECT `+amazonPaymentColumns+` FROM amazon_payments WHERE created_at >= ? ORDER BY order_id`, unix(since))
	if err != nil {
		return nil, err
	}
	return scanAmazonPayments(rows)
}
