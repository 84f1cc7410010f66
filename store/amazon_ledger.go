package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"kago/model"
)

// The Amazon Pay ledger: an order's charge permission, charges and refunds
// as Amazon reported them, the operations the shop asked for, and every
// HTTP call made for the order.

// queryFunc runs a read on the writer (inside a Tx) or on the reader pool,
// so one reader serves both.
type queryFunc func(query string, args ...any) (*sql.Rows, error)

func (tx *Tx) reads() queryFunc { return tx.query }

func (db *DB) reads(ctx context.Context) queryFunc {
	return func(query string, args ...any) (*sql.Rows, error) { return db.query(ctx, query, args...) }
}

// unixOrZero stores the zero time as 0; timeOrZero reads it back.
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return unix(t)
}

func timeOrZero(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return fromUnix(s)
}

func nullTime(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: unix(t), Valid: true}
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

const permissionColumns = `id, order_id, state, reason_code, reason_description, amount_limit, amount_balance, payment_descriptor,
	created_at, expires_at, fetched_at, updated_at, version, busy_operation_id, busy_since, deadline_at, deadline_kind`

func scanPermission(s scanner) (model.ChargePermission, error) {
	var p model.ChargePermission
	var created, expires, updated, deadline int64
	var fetched, busy, busySince sql.NullInt64
	err := s.Scan(&p.ID, &p.OrderID, &p.State, &p.ReasonCode, &p.ReasonDescription, &p.AmountLimit, &p.AmountBalance,
		&p.PaymentDescriptor, &created, &expires, &fetched, &updated, &p.Version, &busy, &busySince, &deadline, &p.DeadlineKind)
	p.CreatedAt, p.ExpiresAt, p.FetchedAt, p.UpdatedAt = timeOrZero(created), timeOrZero(expires), nullUnix(fetched), fromUnix(updated)
	p.BusyOperation, p.BusySince, p.DeadlineAt = busy.Int64, nullUnix(busySince), timeOrZero(deadline)
	return p, mapErr(err)
}

const chargeColumns = `id, permission_id, order_id, state, reason_code, reason_description, amount, captured, refunded,
	created_at, expires_at, fetched_at, updated_at`

func scanCharge(s scanner) (model.Charge, error) {
	var c model.Charge
	var created, expires, updated int64
	var fetched sql.NullInt64
	err := s.Scan(&c.ID, &c.PermissionID, &c.OrderID, &c.State, &c.ReasonCode, &c.ReasonDescription, &c.Amount, &c.Captured,
		&c.Refunded, &created, &expires, &fetched, &updated)
	c.CreatedAt, c.ExpiresAt, c.FetchedAt, c.UpdatedAt = timeOrZero(created), timeOrZero(expires), nullUnix(fetched), fromUnix(updated)
	return c, mapErr(err)
}

const refundColumns = `id, charge_id, order_id, state, reason_code, reason_description, amount, created_at, fetched_at, updated_at`

func scanRefund(s scanner) (model.Refund, error) {
	var r model.Refund
	var created, updated int64
	var fetched sql.NullInt64
	err := s.Scan(&r.ID, &r.ChargeID, &r.OrderID, &r.State, &r.ReasonCode, &r.ReasonDescription, &r.Amount, &created, &fetched, &updated)
	r.CreatedAt, r.FetchedAt, r.UpdatedAt = timeOrZero(created), nullUnix(fetched), fromUnix(updated)
	return r, mapErr(err)
}

const operationColumns = `id, order_id, kind, seq, idempotency_key, target_id, result_id, amount, return_stock, state, http_status,
	reason_code, message, request_id, duration_ms, actor_kind, actor_name, requested_at, finished_at`

func scanOperation(s scanner) (model.Operation, error) {
	var o model.Operation
	var ms, requested int64
	var finished sql.NullInt64
	err := s.Scan(&o.ID, &o.OrderID, &o.Kind, &o.Seq, &o.IdempotencyKey, &o.TargetID, &o.ResultID, &o.Amount, &o.ReturnStock,
		&o.State, &o.HTTPStatus, &o.ReasonCode, &o.Message, &o.RequestID, &ms, &o.Actor.Kind, &o.Actor.Name, &requested, &finished)
	o.Duration, o.RequestedAt, o.FinishedAt = time.Duration(ms)*time.Millisecond, fromUnix(requested), nullUnix(finished)
	return o, mapErr(err)
}

// list runs a query and scans every row with scan.
func list[T any](q queryFunc, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func readLedger(q queryFunc, orderID int64) (model.Ledger, error) {
	var l model.Ledger
	perms, err := list(q, scanPermission, `SELECT `+permissionColumns+` FROM amazon_charge_permissions WHERE order_id = ?`, orderID)
	if err != nil {
		return l, err
	}
	if len(perms) == 0 {
		return l, ErrNotFound
	}
	l.Permission = perms[0]
	if l.Charges, err = list(q, scanCharge, `SELECT `+chargeColumns+` FROM amazon_charges WHERE order_id = ? ORDER BY created_at, id`, orderID); err != nil {
		return l, err
	}
	if l.Refunds, err = list(q, scanRefund, `SELECT `+refundColumns+` FROM amazon_refunds WHERE order_id = ? ORDER BY created_at, id`, orderID); err != nil {
		return l, err
	}
	l.Operations, err = list(q, scanOperation, `SELECT `+operationColumns+` FROM amazon_operations WHERE order_id = ? ORDER BY id`, orderID)
	return l, err
}

// Ledger reads an order's Amazon Pay ledger; ErrNotFound when the order has
// no charge permission.
func (db *DB) Ledger(ctx context.Context, orderID int64) (model.Ledger, error) {
	return readLedger(db.reads(ctx), orderID)
}

// Ledger reads an order's Amazon Pay ledger inside the writer.
func (tx *Tx) Ledger(orderID int64) (model.Ledger, error) { return readLedger(tx.reads(), orderID) }

// SavePermission writes what Amazon reported of a charge permission and the
// shop's derived deadline, keeping the version and the claim as they are.
func (tx *Tx) SavePermission(p model.ChargePermission) error {
	_, err := tx.exec(`INSERT INTO amazon_charge_permissions (id, order_id, state, reason_code, reason_description, amount_limit,
		amount_balance, payment_descriptor, created_at, expires_at, fetched_at, updated_at, deadline_at, deadline_kind)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state, reason_code = excluded.reason_code,
		reason_description = excluded.reason_description, amount_limit = excluded.amount_limit,
		amount_balance = excluded.amount_balance, payment_descriptor = excluded.payment_descriptor,
		created_at = excluded.created_at, expires_at = excluded.expires_at, fetched_at = excluded.fetched_at,
		updated_at = excluded.updated_at, deadline_at = excluded.deadline_at, deadline_kind = excluded.deadline_kind`,
		p.ID, p.OrderID, p.State, p.ReasonCode, p.ReasonDescription, p.AmountLimit, p.AmountBalance, p.PaymentDescriptor,
		unixOrZero(p.CreatedAt), unixOrZero(p.ExpiresAt), nullTime(p.FetchedAt), unix(tx.now), unixOrZero(p.DeadlineAt), p.DeadlineKind)
	return err
}

// SaveCharge writes what Amazon reported of a charge.
func (tx *Tx) SaveCharge(c model.Charge) error {
	_, err := tx.exec(`INSERT INTO amazon_charges (`+chargeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state, reason_code = excluded.reason_code,
		reason_description = excluded.reason_description, amount = excluded.amount, captured = excluded.captured,
		refunded = excluded.refunded, created_at = excluded.created_at, expires_at = excluded.expires_at,
		fetched_at = excluded.fetched_at, updated_at = excluded.updated_at`,
		c.ID, c.PermissionID, c.OrderID, c.State, c.ReasonCode, c.ReasonDescription, c.Amount, c.Captured, c.Refunded,
		unixOrZero(c.CreatedAt), unixOrZero(c.ExpiresAt), nullTime(c.FetchedAt), unix(tx.now))
	return err
}

// SaveRefund writes what Amazon reported of a refund.
func (tx *Tx) SaveRefund(r model.Refund) error {
	_, err := tx.exec(`INSERT INTO amazon_refunds (`+refundColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state, reason_code = excluded.reason_code,
		reason_description = excluded.reason_description, amount = excluded.amount, created_at = excluded.created_at,
		fetched_at = excluded.fetched_at, updated_at = excluded.updated_at`,
		r.ID, r.ChargeID, r.OrderID, r.State, r.ReasonCode, r.ReasonDescription, r.Amount, unixOrZero(r.CreatedAt),
		nullTime(r.FetchedAt), unix(tx.now))
	return err
}

// ClaimPayment marks operation opID as the one at Amazon for the order, if
// no other is and the payment is still at version (the version the
// merchant's page was drawn from). Of concurrent callers at most one gets
// true; false means another operation is running or the page is stale.
func (tx *Tx) ClaimPayment(orderID, version, opID int64) (bool, error) {
	return tx.execOne(`UPDATE amazon_charge_permissions SET busy_operation_id = ?, busy_since = ?
		WHERE order_id = ? AND version = ? AND busy_operation_id IS NULL`, opID, unix(tx.now), orderID, version)
}

// ReleasePayment moves the payment to its next version and ends operation
// opID's claim if it holds it (another operation's claim stays).
func (tx *Tx) ReleasePayment(orderID, opID int64) error {
	_, err := tx.exec(`UPDATE amazon_charge_permissions SET version = version + 1,
		busy_since = CASE WHEN busy_operation_id = ? THEN NULL ELSE busy_since END,
		busy_operation_id = CASE WHEN busy_operation_id = ? THEN NULL ELSE busy_operation_id END
		WHERE order_id = ?`, opID, opID, orderID)
	return err
}

// NextOperationSeq is the sequence number of the order's next operation of
// kind: one past the last.
func (tx *Tx) NextOperationSeq(orderID int64, kind string) (int, error) {
	var n sql.NullInt64
	err := tx.queryRow(`SELECT MAX(seq) FROM amazon_operations WHERE order_id = ? AND kind = ?`, orderID, kind).Scan(&n)
	return int(n.Int64) + 1, mapErr(err)
}

// InsertOperation records an operation about to be sent and fills in its ID
// and request time.
func (tx *Tx) InsertOperation(o *model.Operation) error {
	id, err := tx.nextID("amazon_operations")
	if err != nil {
		return err
	}
	o.ID, o.RequestedAt = id, tx.now
	_, err = tx.exec(`INSERT INTO amazon_operations (`+operationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.OrderID, o.Kind, o.Seq, o.IdempotencyKey, o.TargetID, o.ResultID, o.Amount, o.ReturnStock, o.State, o.HTTPStatus,
		o.ReasonCode, o.Message, o.RequestID, o.Duration.Milliseconds(), o.Actor.Kind, o.Actor.Name, unix(o.RequestedAt), nullTime(o.FinishedAt))
	return err
}

// FinishOperation records an operation's outcome.
func (tx *Tx) FinishOperation(o model.Operation) error {
	res, err := tx.exec(`UPDATE amazon_operations SET result_id = ?, state = ?, http_status = ?, reason_code = ?, message = ?,
		request_id = ?, duration_ms = ?, finished_at = ? WHERE id = ?`,
		o.ResultID, o.State, o.HTTPStatus, o.ReasonCode, o.Message, o.RequestID, o.Duration.Milliseconds(), nullTime(o.FinishedAt), o.ID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// PaymentOfOrders reads the charge permissions of several orders (a page of
// the order list), keyed by order ID.
func (db *DB) PaymentOfOrders(ctx context.Context, orderIDs []int64) (map[int64]model.ChargePermission, error) {
	out := make(map[int64]model.ChargePermission, len(orderIDs))
	if len(orderIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(orderIDs))
	for i, id := range orderIDs {
		args[i] = id
	}
	perms, err := list(db.reads(ctx), scanPermission, `SELECT `+permissionColumns+` FROM amazon_charge_permissions WHERE order_id IN (?`+
		strings.Repeat(", ?", len(orderIDs)-1)+`)`, args...)
	for _, p := range perms {
		out[p.OrderID] = p
	}
	return out, err
}

const apiCallColumns = `id, order_id, operation_id, at, api, method, path, idempotency_key, attempt, http_status, reason_code,
	request_id, duration_ms, error, request_body, response_body`

// InsertAPICall records one HTTP attempt to Amazon Pay for an order.
func (db *DB) InsertAPICall(ctx context.Context, c model.APICall) error {
	return db.WithTx(ctx, func(tx *Tx) error { return tx.AddAPICall(c) })
}

// AddAPICall records one exchange with Amazon Pay for an order (a call, or
// a notification received) in the caller's transaction.
func (tx *Tx) AddAPICall(c model.APICall) error {
	id, err := tx.nextID("amazon_api_calls")
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO amazon_api_calls (`+apiCallColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, c.OrderID, nullID(c.OperationID), unix(c.At), c.API, c.Method, c.Path, c.IdempotencyKey, c.Attempt, c.HTTPStatus,
		c.ReasonCode, c.RequestID, c.Duration.Milliseconds(), c.Error, c.RequestBody, c.ResponseBody)
	return err
}

// apiCallListColumns are apiCallColumns without the bodies, for lists.
const apiCallListColumns = `id, order_id, operation_id, at, api, method, path, idempotency_key, attempt, http_status, reason_code,
	request_id, duration_ms, error, '', ''`

// APICalls lists the latest limit HTTP calls made for an order, newest
// first, without their bodies.
func (db *DB) APICalls(ctx context.Context, orderID int64, limit int) ([]model.APICall, error) {
	return list(db.reads(ctx), scanAPICall, `SELECT `+apiCallListColumns+` FROM amazon_api_calls WHERE order_id = ? ORDER BY id DESC LIMIT ?`,
		orderID, limit)
}

// APICall reads one call made for an order, with its bodies; ErrNotFound
// when the order has no such call.
func (db *DB) APICall(ctx context.Context, orderID, id int64) (model.APICall, error) {
	return scanAPICall(db.queryRow(ctx, `SELECT `+apiCallColumns+` FROM amazon_api_calls WHERE id = ? AND order_id = ?`, id, orderID))
}

func scanAPICall(s scanner) (model.APICall, error) {
	var c model.APICall
	var op sql.NullInt64
	var at, ms int64
	err := s.Scan(&c.ID, &c.OrderID, &op, &at, &c.API, &c.Method, &c.Path, &c.IdempotencyKey, &c.Attempt, &c.HTTPStatus,
		&c.ReasonCode, &c.RequestID, &ms, &c.Error, &c.RequestBody, &c.ResponseBody)
	c.OperationID, c.At, c.Duration = op.Int64, fromUnix(at), time.Duration(ms)*time.Millisecond
	return c, mapErr(err)
}

// LastAPICall is the latest HTTP attempt of Amazon's operation api (e.g.
// CaptureCharge) recorded for an operation; ErrNotFound when none.
func (db *DB) LastAPICall(ctx context.Context, operationID int64, api string) (model.APICall, error) {
	calls, err := list(db.reads(ctx), scanAPICall, `SELECT `+apiCallColumns+` FROM amazon_api_calls WHERE operation_id = ? AND api = ?
		ORDER BY id DESC LIMIT 1`, operationID, api)
	if err == nil && len(calls) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return model.APICall{}, err
	}
	return calls[0], nil
}
