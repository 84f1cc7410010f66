package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"kago/model"
)

// Order statuses (受注ステータス).
const (
	OrderNew       = "new"       // 新規受付
	OrderShipped   = "shipped"   // 発送済み
	OrderCompleted = "completed" // 受注完了
	OrderCanceled  = "canceled"  // キャンセル
	OrderPending   = "pending"   // 決済待ち: saved before the buyer goes to Amazon
	OrderFailed    = "failed"    // 決済失敗
)

// Address is model.Address: orders keep the buyer and the recipient in it.
type Address = model.Address

// Destination is where an order goes; SameAsBuyer means the buyer's address.
type Destination struct {
	SameAsBuyer bool    `json:"same_as_buyer"`
	Address     Address `json:"address"`
}

// OrderLine is a product as it was sold: name, price and rate are copies.
type OrderLine struct {
	LineNo    int
	ProductID int64
	Name      string
	UnitPrice int64
	TaxRate   int
	Quantity  int64
}

// Subtotal is the line's tax-inclusive amount.
func (l OrderLine) Subtotal() int64 { return l.UnitPrice * l.Quantity }

// Order is a placed order with its totals as charged.
type Order struct {
	ID             int64
	Number         int64
	CheckoutID     string
	Status         string
	PaymentMethod  string
	PaymentStatus  string
	MemberID       sql.NullInt64
	Email          string
	Buyer          Address
	Destination    Destination
	DeliveryMethod string
	DeliveryDate   string
	DeliveryTime   string
	Notes          string
	Subtotal       int64
	ShippingFee    int64
	CODFee         int64
	Total          int64
	Total10, Tax10 int64
	Total8, Tax8   int64
	// Digest is what the shopper confirmed (shop.CheckoutDigest): a second
	// 「注文する」 for the checkout is this order only if it confirms the same.
	Digest    string
	CreatedAt time.Time
	UpdatedAt time.Time
	Lines     []OrderLine
	// Adjustments are the merchant's 金額調整 lines (編集モード), included
	// in the totals.
	Adjustments []model.Adjustment
}

// HistoryEntry is one row of an order's history (操作履歴).
type HistoryEntry struct {
	At     time.Time
	Actor  string
	Action string
	Detail string
}

const orderColumns = `id, number, checkout_id, status, payment_method, payment_status, member_id, email, buyer, destination,
	delivery_method, delivery_date, delivery_time, notes, subtotal, shipping_fee, cod_fee, total, total_10, tax_10, total_8, tax_8,
	checkout_digest, created_at, updated_at`

func scanOrder(s scanner) (Order, error) {
	var o Order
	var buyer, dest string
	var created, updated int64
	err := s.Scan(&o.ID, &o.Number, &o.CheckoutID, &o.Status, &o.PaymentMethod, &o.PaymentStatus, &o.MemberID, &o.Email,
		&buyer, &dest, &o.DeliveryMethod, &o.DeliveryDate, &o.DeliveryTime, &o.Notes, &o.Subtotal, &o.ShippingFee, &o.CODFee,
		&o.Total, &o.Total10, &o.Tax10, &o.Total8, &o.Tax8, &o.Digest, &created, &updated)
	if err != nil {
		return o, mapErr(err)
	}
	o.CreatedAt, o.UpdatedAt = fromUnix(created), fromUnix(updated)
	if err := json.Unmarshal([]byte(buyer), &o.Buyer); err != nil {
		return o, err
	}
	return o, json.Unmarshal([]byte(dest), &o.Destination)
}

// InsertOrder stores a new order with its lines and a first history row, and
// fills in its ID and its shop order number.
func (tx *Tx) InsertOrder(o *Order, actor string) error {
	id, err := tx.nextID("orders")
	if err != nil {
		return err
	}
	seq, err := tx.nextID("order_number")
	if err != nil {
		return err
	}
	o.ID, o.Number, o.CreatedAt, o.UpdatedAt = id, 100000+seq, tx.now, tx.now
	buyer, _ := json.Marshal(o.Buyer)
	dest, _ := json.Marshal(o.Destination)
	_, err = tx.exec(`INSERT INTO orders (`+orderColumns+`, buyer_name, buyer_given) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Number, o.CheckoutID, o.Status, o.PaymentMethod, o.PaymentStatus, o.MemberID, o.Email, string(buyer), string(dest),
		o.DeliveryMethod, o.DeliveryDate, o.DeliveryTime, o.Notes, o.Subtotal, o.ShippingFee, o.CODFee, o.Total,
		o.Total10, o.Tax10, o.Total8, o.Tax8, o.Digest, unix(o.CreatedAt), unix(o.UpdatedAt), o.Buyer.FullName(), BuyerGiven(o.Buyer))
	if err != nil {
		return err
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		l.LineNo = i + 1
		if _, err := tx.exec(`INSERT INTO order_lines (order_id, line_no, product_id, name, unit_price, tax_rate, quantity) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			o.ID, l.LineNo, l.ProductID, l.Name, l.UnitPrice, l.TaxRate, l.Quantity); err != nil {
			return err
		}
	}
	return tx.AddOrderHistory(o.ID, actor, "受注", "")
}

// AddOrderHistory records a change of an order.
func (tx *Tx) AddOrderHistory(orderID int64, actor, action, detail string) error {
	id, err := tx.nextID("order_history")
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO order_history (id, order_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		id, orderID, unix(tx.now), actor, action, detail)
	return err
}

// OrderByCheckout finds the order a checkout placed, inside the writer.
func (tx *Tx) OrderByCheckout(checkoutID string) (Order, error) {
	o, err := scanOrder(tx.queryRow(`SELECT `+orderColumns+` FROM orders WHERE checkout_id = ?`, checkoutID))
	if err != nil {
		return o, err
	}
	if o.Lines, err = tx.orderLines(o.ID); err != nil {
		return o, err
	}
	o.Adjustments, err = readAdjustments(tx.reads(), o.ID)
	return o, err
}

// OrderByCheckout finds the order a checkout placed; ErrNotFound when it
// placed none. Which order (or none) is kept like Checkout; the order
// itself is read each time.
func (db *DB) OrderByCheckout(ctx context.Context, checkoutID string) (Order, error) {
	id, err := cachedRead(&db.checkouts, catalogKey{read: readOrderOfCheckout, text: checkoutID}, same[int64], func() (int64, error) {
		var id int64
		err := db.queryRow(ctx, `SELECT id FROM orders WHERE checkout_id = ?`, checkoutID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return id, mapErr(err)
	})
	if err != nil {
		return Order{}, err
	}
	if id == 0 {
		return Order{}, ErrNotFound
	}
	return db.Order(ctx, id)
}

// Order reads one order with its lines, inside the writer.
func (tx *Tx) Order(id int64) (Order, error) {
	o, err := scanOrder(tx.queryRow(`SELECT `+orderColumns+` FROM orders WHERE id = ?`, id))
	if err != nil {
		return o, err
	}
	if o.Lines, err = tx.orderLines(o.ID); err != nil {
		return o, err
	}
	o.Adjustments, err = readAdjustments(tx.reads(), o.ID)
	return o, err
}

func (tx *Tx) orderLines(orderID int64) ([]OrderLine, error) {
	rows, err := tx.query(`SELECT line_no, product_id, name, unit_price, tax_rate, quantity FROM order_lines WHERE order_id = ? ORDER BY line_no`, orderID)
	if err != nil {
		return nil, err
	}
	return scanOrderLines(rows)
}

func scanOrderLines(rows *sql.Rows) ([]OrderLine, error) {
	defer rows.Close()
	var out []OrderLine
	for rows.Next() {
		var l OrderLine
		if err := rows.Scan(&l.LineNo, &l.ProductID, &l.Name, &l.UnitPrice, &l.TaxRate, &l.Quantity); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Order reads one order with its lines.
func (db *DB) Order(ctx context.Context, id int64) (Order, error) {
	o, err := scanOrder(db.queryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, id))
	if err != nil {
		return o, err
	}
	rows, err := db.query(ctx, `SELECT line_no, product_id, name, unit_price, tax_rate, quantity FROM order_lines WHERE order_id = ? ORDER BY line_no`, id)
	if err != nil {
		return o, err
	}
	if o.Lines, err = scanOrderLines(rows); err != nil {
		return o, err
	}
	o.Adjustments, err = readAdjustments(db.reads(ctx), id)
	return o, err
}

// SetOrderStatus changes the order status when it is still from; the
// conditional update makes concurrent changes safe. ErrConflict when the
// order is no longer in from.
func (tx *Tx) SetOrderStatus(id int64, from, to string) error {
	res, err := tx.exec(`UPDATE orders SET status = ?, updated_at = ? WHERE id = ? AND status = ?`, to, unix(tx.now), id, from)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// SetPaymentStatus records the payment status of an order.
func (tx *Tx) SetPaymentStatus(id int64, status string) error {
	res, err := tx.exec(`UPDATE orders SET payment_status = ?, updated_at = ? WHERE id = ?`, status, unix(tx.now), id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// OrderHistory lists an order's history, oldest first.
func (db *DB) OrderHistory(ctx context.Context, orderID int64) ([]HistoryEntry, error) {
	rows, err := db.query(ctx, `SELECT at, actor, action, detail FROM order_history WHERE order_id = ? ORDER BY id`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		var at int64
		if err := rows.Scan(&at, &h.Actor, &h.Action, &h.Detail); err != nil {
			return nil, mapErr(err)
		}
		h.At = fromUnix(at)
		out = append(out, h)
	}
	return out, rows.Err()
}

// ClaimStockReturn marks that an order's stock went back; true when this
// call marked it, false when it had been marked already. Stock goes back
// at most once per order, whichever way it is canceled.
func (tx *Tx) ClaimStockReturn(orderID int64) (bool, error) {
	res, err := tx.exec(`UPDATE orders SET stock_returned = 1, updated_at = ? WHERE id = ? AND stock_returned = 0`, unix(tx.now), orderID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// StockReturned tells whether an order's stock went back.
func (db *DB) StockReturned(ctx context.Context, orderID int64) (bool, error) {
	var back bool
	err := db.queryRow(ctx, `SELECT stock_returned FROM orders WHERE id = ?`, orderID).Scan(&back)
	return back, mapErr(err)
}

// StockReturned tells, inside the writer, whether an order's stock went back.
func (tx *Tx) StockReturned(orderID int64) (bool, error) {
	var back bool
	err := tx.queryRow(`SELECT stock_returned FROM orders WHERE id = ?`, orderID).Scan(&back)
	return back, mapErr(err)
}
