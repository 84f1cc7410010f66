package store

import (
	"context"
	"time"

	"kago/model"
)

const couponColumns = `c.id, c.code, c.name, c.kind, c.value, c.min_subtotal, c.starts_at, c.ends_at, c.active, c.created_at, c.updated_at,
	(SELECT count(*) FROM coupon_uses u WHERE u.coupon_id = c.id)`

func scanCoupon(s scanner) (model.Coupon, error) {
	var c model.Coupon
	var starts, ends, created, updated int64
	err := s.Scan(&c.ID, &c.Code, &c.Name, &c.Kind, &c.Value, &c.MinSubtotal, &starts, &ends, &c.Active, &created, &updated, &c.Uses)
	c.StartsAt, c.EndsAt, c.CreatedAt, c.UpdatedAt = fromUnix(starts), fromUnix(ends), fromUnix(created), fromUnix(updated)
	return c, mapErr(err)
}

// Coupons lists every coupon with its use count, newest first.
func (db *DB) Coupons(ctx context.Context) ([]model.Coupon, error) {
	rows, err := db.query(ctx, `SELECT `+couponColumns+` FROM coupons c ORDER BY c.id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Coupon
	for rows.Next() {
		c, err := scanCoupon(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Coupon reads one coupon with its use count.
func (db *DB) Coupon(ctx context.Context, id int64) (model.Coupon, error) {
	return scanCoupon(db.queryRow(ctx, `SELECT `+couponColumns+` FROM coupons c WHERE c.id = ?`, id))
}

// Coupon reads one coupon inside the writer.
func (tx *Tx) Coupon(id int64) (model.Coupon, error) {
	return scanCoupon(tx.queryRow(`SELECT `+couponColumns+` FROM coupons c WHERE c.id = ?`, id))
}

// CouponByCode reads a coupon by its code, inside the writer.
func (tx *Tx) CouponByCode(code string) (model.Coupon, error) {
	return scanCoupon(tx.queryRow(`SELECT `+couponColumns+` FROM coupons c WHERE c.code = ?`, code))
}

// CouponByCode reads a coupon by its code.
func (db *DB) CouponByCode(ctx context.Context, code string) (model.Coupon, error) {
	return scanCoupon(db.queryRow(ctx, `SELECT `+couponColumns+` FROM coupons c WHERE c.code = ?`, code))
}

// SaveCoupon inserts a coupon (ID 0) or updates one, and fills in its ID.
// ErrConflict when the code is taken; ErrNotFound for an unknown ID.
func (tx *Tx) SaveCoupon(c *model.Coupon) error {
	if c.ID == 0 {
		id, err := tx.nextID("coupons")
		if err != nil {
			return err
		}
		c.ID = id
		_, err = tx.exec(`INSERT INTO coupons (id, code, name, kind, value, min_subtotal, starts_at, ends_at, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Code, c.Name, c.Kind, c.Value, c.MinSubtotal, unix(c.StartsAt), unix(c.EndsAt),
			c.Active, unix(tx.now), unix(tx.now))
		return err
	}
	res, err := tx.exec(`UPDATE coupons SET code = ?, name = ?, kind = ?, value = ?, min_subtotal = ?, starts_at = ?, ends_at = ?, active = ?,
		updated_at = ? WHERE id = ?`, c.Code, c.Name, c.Kind, c.Value, c.MinSubtotal, unix(c.StartsAt), unix(c.EndsAt), c.Active, unix(tx.now), c.ID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// CouponUsed tells whether a member has used a coupon (on an order not
// returned).
func (db *DB) CouponUsed(ctx context.Context, couponID, memberID int64) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT count(*) FROM coupon_uses WHERE coupon_id = ? AND member_id = ?`, couponID, memberID).Scan(&n)
	return n > 0, mapErr(err)
}

// UseCoupon records a member's use of a coupon on an order. ErrConflict
// when the member has used it already: the primary key decides, so two
// orders at once cannot both use it.
func (tx *Tx) UseCoupon(couponID, memberID, orderID, discount int64) error {
	_, err := tx.exec(`INSERT INTO coupon_uses (coupon_id, member_id, order_id, discount, at) VALUES (?, ?, ?, ?, ?)`,
		couponID, memberID, orderID, discount, unix(tx.now))
	return err
}

// ReturnCoupon deletes the use an order made, so the member may use the
// coupon again.
func (tx *Tx) ReturnCoupon(couponID, memberID, orderID int64) error {
	_, err := tx.exec(`DELETE FROM coupon_uses WHERE coupon_id = ? AND member_id = ? AND order_id = ?`, couponID, memberID, orderID)
	return err
}

// CouponUses lists which members used a coupon on which order, newest
// first.
func (db *DB) CouponUses(ctx context.Context, couponID int64) ([]CouponUse, error) {
	rows, err := db.query(ctx, `SELECT u.member_id, u.order_id, o.number, u.discount, u.at FROM coupon_uses u
		JOIN orders o ON o.id = u.order_id WHERE u.coupon_id = ? ORDER BY u.at DESC, u.order_id DESC`, couponID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CouponUse
	for rows.Next() {
		var u CouponUse
		var at int64
		if err := rows.Scan(&u.MemberID, &u.OrderID, &u.OrderNumber, &u.Discount, &at); err != nil {
			return nil, mapErr(err)
		}
		u.At = fromUnix(at)
		out = append(out, u)
	}
	return out, rows.Err()
}

// CouponUse is one member's use of a coupon.
type CouponUse struct {
	MemberID, OrderID, OrderNumber, Discount int64
	At                                       time.Time
}
