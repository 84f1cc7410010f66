package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// Amazon payment states (our side of the exactly-once completion).
const (
	AmazonPending    = "pending"    // waiting for the buyer to come back from Amazon
	AmazonCompleting = "completing" // one request has claimed the completion
	AmazonDone       = "done"       // completed at Amazon
	AmazonFailed     = "failed"     // declined, canceled or expired
)

// AmazonPayment is the Amazon Pay side of an order.
type AmazonPayment struct {
	OrderID            int64
	CheckoutSessionID  string
	State              string
	SaleMethod         string
	AllowIncrease      bool
	ProductType        string
	ChargePermissionID string // the Amazonリファレンス ID
	ChargeID           string
	AmazonState        string // Amazon's word for the charge or permission
	ReasonCode         string
	ReasonText         string
	Amount             int64
	Instrument         string // the payment descriptor the buyer chose
	BuyerID            string
	Snapshot           []byte // 決済直前ログ: the order as it stood before payment
	Environment        string // emulator, sandbox or live when the order was placed
	MerchantReference  string // merchantReferenceId sent to Amazon (prefix + order number)
	ClientKey          string // a hash of the client address that placed the order
	StockReleased      bool   // the reservation lapsed and its stock went back
	CompleteAttempt    int    // advances after each refused completion (part of its idempotency key)
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

const amazonPaymentColumns = `order_id, checkout_session_id, state, sale_method, allow_increase, product_type, charge_permission_id,
	charge_id, amazon_state, reason_code, reason_text, amount, instrument, buyer_id, snapshot, environment, merchant_reference,
	client_key, stock_released, complete_attempt, created_at, updated_at`

func scanAmazonPayment(s scanner) (AmazonPayment, error) {
	var p AmazonPayment
	return p, scanAmazonPaymentInto(s, &p)
}

// scanAmazonPaymentInto scans amazonPaymentColumns into p, then the
// columns selected after them into extra.
func scanAmazonPaymentInto(s scanner, p *AmazonPayment, extra ...any) error {
	var snapshot string
	var created, updated int64
	err := s.Scan(append([]any{&p.OrderID, &p.CheckoutSessionID, &p.State, &p.SaleMethod, &p.AllowIncrease, &p.ProductType,
		&p.ChargePermissionID, &p.ChargeID, &p.AmazonState, &p.ReasonCode, &p.ReasonText, &p.Amount, &p.Instrument,
		&p.BuyerID, &snapshot, &p.Environment, &p.MerchantReference, &p.ClientKey, &p.StockReleased, &p.CompleteAttempt, &created, &updated},
		extra...)...)
	p.Snapshot, p.CreatedAt, p.UpdatedAt = []byte(snapshot), fromUnix(created), fromUnix(updated)
	return mapErr(err)
}

// InsertAmazonPayment records the Amazon side of a new order.
func (tx *Tx) InsertAmazonPayment(p AmazonPayment) error {
	_, err := tx.exec(`INSERT INTO amazon_payments (`+amazonPaymentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.OrderID, p.CheckoutSessionID, p.State, p.SaleMethod, p.AllowIncrease, p.ProductType, p.ChargePermissionID,
		p.ChargeID, p.AmazonState, p.ReasonCode, p.ReasonText, p.Amount, p.Instrument, p.BuyerID, string(p.Snapshot),
		p.Environment, p.MerchantReference, p.ClientKey, p.StockReleased, p.CompleteAttempt, unix(tx.now), unix(tx.now))
	return err
}

// AmazonPayment reads the Amazon side of an order.
func (db *DB) AmazonPayment(ctx context.Context, orderID int64) (AmazonPayment, error) {
	return scanAmazonPayment(db.queryRow(ctx, `SELECT `+amazonPaymentColumns+` FROM amazon_payments WHERE order_id = ?`, orderID))
}

// AmazonPaymentBySession finds the payment of a checkout session.
func (db *DB) AmazonPaymentBySession(ctx context.Context, sessionID string) (AmazonPayment, error) {
	return scanAmazonPayment(db.queryRow(ctx, `SELECT `+amazonPaymentColumns+` FROM amazon_payments WHERE checkout_session_id = ?`, sessionID))
}

// AmazonPayment reads the Amazon side of an order inside the writer.
func (tx *Tx) AmazonPayment(orderID int64) (AmazonPayment, error) {
	return scanAmazonPayment(tx.queryRow(`SELECT `+amazonPaymentColumns+` FROM amazon_payments WHERE order_id = ?`, orderID))
}

// UpdateAmazonPayment writes what Amazon answered.
func (tx *Tx) UpdateAmazonPayment(p AmazonPayment) error {
	res, err := tx.exec(`UPDATE amazon_payments SET state = ?, charge_permission_id = ?, charge_id = ?, amazon_state = ?,
		reason_code = ?, reason_text = ?, instrument = ?, buyer_id = ?, stock_released = ?, complete_attempt = ?, updated_at = ?
		WHERE order_id = ?`,
		p.State, p.ChargePermissionID, p.ChargeID, p.AmazonState, p.ReasonCode, p.ReasonText, p.Instrument, p.BuyerID,
		p.StockReleased, p.CompleteAttempt, unix(tx.now), p.OrderID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// AmazonPaymentsOf reads the Amazon side of several orders at once (a page
// of the order list), keyed by order ID.
func (db *DB) AmazonPaymentsOf(ctx context.Context, orderIDs []int64) (map[int64]AmazonPayment, error) {
	out := make(map[int64]AmazonPayment, len(orderIDs))
	if len(orderIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(orderIDs))
	for i, id := range orderIDs {
		args[i] = id
	}
	rows, err := db.query(ctx, `SELECT `+amazonPaymentColumns+` FROM amazon_payments WHERE order_id IN (?`+
		strings.Repeat(", ?", len(orderIDs)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	list, err := scanAmazonPayments(rows)
	for _, p := range list {
		out[p.OrderID] = p
	}
	return out, err
}

// UnpaidAmazonPayments lists payments still waiting for the buyer (pending,
// stock not yet released) placed, and last tried, at or before t, oldest
// first: reservations that may have lapsed. A completion tried since t
// (whose outcome may be unknown) keeps its reservation a while longer.
func (db *DB) UnpaidAmazonPayments(ctx context.Context, before time.Time, limit int) ([]AmazonPayment, error) {
	rows, err := db.query(ctx, `SELECT `+amazonPaymentColumns+` FROM amazon_payments WHERE state = ? AND stock_released = 0
		AND created_at <= ? AND updated_at <= ? ORDER BY created_at LIMIT ?`, AmazonPending, unix(before), unix(before), limit)
	if err != nil {
		return nil, err
	}
	return scanAmazonPayments(rows)
}

// CountUnpaidReservations counts the payments of a client still waiting
// for the buyer, inside the writer: those whose reservation lapsed count
// too, until Amazon ends them, so a lapse does not open room for more.
func (tx *Tx) CountUnpaidReservations(clientKey string) (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM amazon_payments WHERE client_key = ? AND state IN (?, ?)`,
		clientKey, AmazonPending, AmazonCompleting).Scan(&n)
	return n, mapErr(err)
}

// UnpaidUnits is how many of a product a client's Amazon Pay orders hold
// while waiting for the buyer (reservations not lapsed), inside the writer.
func (tx *Tx) UnpaidUnits(clientKey string, productID int64) (int64, error) {
	var n int64
	err := tx.queryRow(`SELECT CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) FROM order_lines l JOIN amazon_payments p ON p.order_id = l.order_id
		WHERE p.client_key = ? AND p.state IN (?, ?) AND p.stock_released = 0 AND l.product_id = ?`,
		clientKey, AmazonPending, AmazonCompleting, productID).Scan(&n)
	return n, mapErr(err)
}

func scanAmazonPayments(rows *sql.Rows) ([]AmazonPayment, error) {
	defer rows.Close()
	var out []AmazonPayment
	for rows.Next() {
		p, err := scanAmazonPayment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
