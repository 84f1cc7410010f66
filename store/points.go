package store

import (
	"context"
	"database/sql"

	"kago/model"
)

// AddPoints changes a member's balance by points (signed) and records the
// entry; it returns the entry with the new balance. The balance may go
// below zero only through model.PointsTakenBack; the caller checks a use.
func (tx *Tx) AddPoints(memberID, orderID int64, kind string, points int64) (model.PointEntry, error) {
	e := model.PointEntry{MemberID: memberID, OrderID: orderID, At: tx.now, Kind: kind, Points: points}
	if err := tx.queryRow(`UPDATE members SET points = points + ?, updated_at = ? WHERE id = ? RETURNING points`,
		points, unix(tx.now), memberID).Scan(&e.Balance); err != nil {
		return e, mapErr(err)
	}
	id, err := tx.nextID("member_points")
	if err != nil {
		return e, err
	}
	e.ID = id
	_, err = tx.exec(`INSERT INTO member_points (id, member_id, order_id, at, kind, points, balance) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, memberID, sql.NullInt64{Int64: orderID, Valid: orderID != 0}, unix(tx.now), kind, points, e.Balance)
	return e, err
}

// MemberPoints lists a member's point entries, newest first, up to limit.
func (db *DB) MemberPoints(ctx context.Context, memberID int64, limit int) ([]model.PointEntry, error) {
	rows, err := db.query(ctx, `SELECT id, member_id, order_id, at, kind, points, balance FROM member_points
		WHERE member_id = ? ORDER BY id DESC LIMIT ?`, memberID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.PointEntry
	for rows.Next() {
		var e model.PointEntry
		var order sql.NullInt64
		var at int64
		if err := rows.Scan(&e.ID, &e.MemberID, &order, &at, &e.Kind, &e.Points, &e.Balance); err != nil {
			return nil, mapErr(err)
		}
		e.OrderID, e.At = order.Int64, fromUnix(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

const benefitsColumns = `order_id, member_id, points_used, coupon_id, coupon_code, coupon_discount, discount_10, discount_8,
	points_earned, returned_at`

func scanBenefits(s scanner) (model.OrderBenefits, error) {
	var b model.OrderBenefits
	var coupon, returned sql.NullInt64
	err := s.Scan(&b.OrderID, &b.MemberID, &b.PointsUsed, &coupon, &b.CouponCode, &b.CouponDiscount, &b.Discount10, &b.Discount8,
		&b.PointsEarned, &returned)
	b.CouponID, b.ReturnedAt = coupon.Int64, nullUnix(returned)
	return b, mapErr(err)
}

// InsertOrderBenefits records what a member's order used and earned.
func (tx *Tx) InsertOrderBenefits(b model.OrderBenefits) error {
	_, err := tx.exec(`INSERT INTO order_benefits (`+benefitsColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
		b.OrderID, b.MemberID, b.PointsUsed, sql.NullInt64{Int64: b.CouponID, Valid: b.CouponID != 0}, b.CouponCode, b.CouponDiscount,
		b.Discount10, b.Discount8, b.PointsEarned)
	return err
}

// OrderBenefits reads an order's benefits inside the writer; ErrNotFound
// when the order used and earned nothing.
func (tx *Tx) OrderBenefits(orderID int64) (model.OrderBenefits, error) {
	return scanBenefits(tx.queryRow(`SELECT `+benefitsColumns+` FROM order_benefits WHERE order_id = ?`, orderID))
}

// OrderBenefits reads an order's benefits; ErrNotFound when none.
func (db *DB) OrderBenefits(ctx context.Context, orderID int64) (model.OrderBenefits, error) {
	return scanBenefits(db.queryRow(ctx, `SELECT `+benefitsColumns+` FROM order_benefits WHERE order_id = ?`, orderID))
}

// SetPointsEarned records the points given for an order, once: ErrConflict
// when some were recorded already or the benefits were returned.
func (tx *Tx) SetPointsEarned(orderID, points int64) error {
	res, err := tx.exec(`UPDATE order_benefits SET points_earned = ? WHERE order_id = ? AND points_earned = 0 AND returned_at IS NULL`,
		points, orderID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// MarkBenefitsReturned claims the return of an order's benefits: only the
// first call changes the row. ErrConflict when they were returned already.
func (tx *Tx) MarkBenefitsReturned(orderID int64) error {
	res, err := tx.exec(`UPDATE order_benefits SET returned_at = ? WHERE order_id = ? AND returned_at IS NULL`, unix(tx.now), orderID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}
