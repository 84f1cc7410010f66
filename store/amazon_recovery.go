package store

import (
	"context"
	"time"
)

// The completion's claim and the recovery's clock (F-80): a payment moves
// from pending to completing with one conditional UPDATE that names its
// holder (an instance, see ReleaseInstanceClaims) and a token only the
// holder knows. A claim that outlives the claim timeout may be taken over;
// its old holder then cannot finish (HoldsCompletion is false) and reads
// the outcome instead. Releasing a claim never restarts the recovery's
// clock: it makes the payment due (recover_at).

// ClaimCompletion takes the completion of an order's payment for owner with
// token: from pending, or from a completing claim taken at staleBefore or
// earlier (a holder that died); a zero staleBefore takes pending ones
// only. Of concurrent callers at most one gets true.
func (db *DB) ClaimCompletion(ctx context.Context, orderID int64, owner, token string, staleBefore time.Time) (bool, error) {
	var won bool
	err := db.WithTx(ctx, func(tx *Tx) error {
		stale := int64(-1)
		if !staleBefore.IsZero() {
			stale = unix(staleBefore)
		}
		var err error
		won, err = tx.execOne(`UPDATE amazon_payments SET state = ?, claimed_by = ?, claim_token = ?, claimed_at = ?, updated_at = ?
			WHERE order_id = ? AND (state = ? OR (state = ? AND claimed_at <= ?))`,
			AmazonCompleting, owner, token, unix(tx.now), unix(tx.now), orderID, AmazonPending, AmazonCompleting, stale)
		return err
	})
	return won, err
}

// ReleaseCompletion gives a claim back (the payment is pending again) if
// token still holds it, and makes the payment due for the recovery at
// recoverAt (UTC). It reports whether the claim was still held.
func (db *DB) ReleaseCompletion(ctx context.Context, orderID int64, token string, recoverAt time.Time) (bool, error) {
	var held bool
	err := db.WithTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE amazon_payments SET state = ?, claimed_by = '', claim_token = '', claimed_at = 0,
			recover_at = ?, recover_tries = recover_tries + 1, updated_at = ?
			WHERE order_id = ? AND state = ? AND claim_token = ?`,
			AmazonPending, unix(recoverAt), unix(tx.now), orderID, AmazonCompleting, token)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	return held, err
}

// HoldsCompletion tells, inside the writer, whether token still holds the
// completion of the order's payment.
func (tx *Tx) HoldsCompletion(orderID int64, token string) (bool, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM amazon_payments WHERE order_id = ? AND state = ? AND claim_token = ?`,
		orderID, AmazonCompleting, token).Scan(&n)
	return n == 1, mapErr(err)
}

// CompletionClaimedAt is when the completion of an order's payment was
// claimed (zero when it is not being completed).
func (db *DB) CompletionClaimedAt(ctx context.Context, orderID int64) (time.Time, error) {
	var at int64
	var state string
	err := db.queryRow(ctx, `SELECT state, claimed_at FROM amazon_payments WHERE order_id = ?`, orderID).Scan(&state, &at)
	if err != nil || state != AmazonCompleting {
		return time.Time{}, mapErr(err)
	}
	return fromUnix(at), nil
}

// ReleaseStaleCompletions puts back to pending every completion claimed at
// before or earlier (its holder died), due for the recovery at once. It
// returns how many it released.
func (db *DB) ReleaseStaleCompletions(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.WithTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE amazon_payments SET state = ?, claimed_by = '', claim_token = '', claimed_at = 0, recover_at = ?,
			updated_at = ? WHERE state = ? AND claimed_at <= ?`, AmazonPending, unix(tx.now), unix(tx.now), AmazonCompleting, unix(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// RecoverablePayments lists pending payments the recovery should look at
// now (UTC): those placed at placedBefore or earlier that it has not looked
// at yet, and those whose next look (recover_at) is due; oldest first.
func (db *DB) RecoverablePayments(ctx context.Context, now, placedBefore time.Time, limit int) ([]AmazonPayment, error) {
	rows, err := db.query(ctx, `SELECT `+amazonPaymentColumns+` FROM amazon_payments WHERE state = ?
		AND ((recover_at = 0 AND created_at <= ?) OR (recover_at > 0 AND recover_at <= ?)) ORDER BY created_at, order_id LIMIT ?`,
		AmazonPending, unix(placedBefore), unix(now), limit)
	if err != nil {
		return nil, err
	}
	return scanAmazonPayments(rows)
}

// NoteRecoveryCheck records what the recovery found of a pending payment:
// the checkout session's state at Amazon ("" when Amazon did not answer)
// and when to look next (UTC). A payment no longer pending is left alone.
func (db *DB) NoteRecoveryCheck(ctx context.Context, orderID int64, sessionState string, next time.Time) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE amazon_payments SET recover_at = ?, recover_tries = recover_tries + 1,
			session_state = CASE WHEN ? = '' THEN session_state ELSE ? END,
			session_checked_at = CASE WHEN ? = '' THEN session_checked_at ELSE ? END
			WHERE order_id = ? AND state = ?`, unix(next), sessionState, sessionState, sessionState, unix(tx.now), orderID, AmazonPending)
		return err
	})
}

// NoteSessionState records what Amazon said of a payment's checkout
// session, for the 決済直前ログ.
func (db *DB) NoteSessionState(ctx context.Context, orderID int64, sessionState string) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE amazon_payments SET session_state = ?, session_checked_at = ? WHERE order_id = ?`,
			sessionState, unix(tx.now), orderID)
		return err
	})
}

// RecoveryTries is how many times the recovery (or a released claim) has
// looked at a payment.
func (db *DB) RecoveryTries(ctx context.Context, orderID int64) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT recover_tries FROM amazon_payments WHERE order_id = ?`, orderID).Scan(&n)
	return n, mapErr(err)
}

// AmazonPaymentByReference finds the payment sent to Amazon with a
// merchant reference (merchantReferenceId).
func (db *DB) AmazonPaymentByReference(ctx context.Context, ref string) (AmazonPayment, error) {
	return scanAmazonPayment(db.queryRow(ctx, `SELECT `+amazonPaymentColumns+` FROM amazon_payments WHERE merchant_reference = ?
		ORDER BY order_id DESC LIMIT 1`, ref))
}

// OrderOfPermission finds the order whose payment is a charge permission:
// in the ledger, or as the completion recorded it.
func (db *DB) OrderOfPermission(ctx context.Context, permissionID string) (int64, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT order_id FROM amazon_charge_permissions WHERE id = ?
		UNION SELECT order_id FROM amazon_payments WHERE charge_permission_id = ? LIMIT 1`, permissionID, permissionID).Scan(&id)
	return id, mapErr(err)
}

// PrepaymentLog is a checkout that never completed, with its snapshot
// (決済直前ログ) and what Amazon last said of its session.
type PrepaymentLog struct {
	AmazonPayment
	SessionState     string
	SessionCheckedAt time.Time // zero: never asked
	ClaimedAt        time.Time // zero: not being completed
}

// PrepaymentLogs lists the payments not completed (pending, completing or
// failed), newest first, a page at a time (before: the order ID to go
// below; 0 for the first page).
func (db *DB) PrepaymentLogs(ctx context.Context, before int64, limit int) ([]PrepaymentLog, error) {
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := db.query(ctx, `SELECT `+amazonPaymentColumns+`, session_state, session_checked_at, claimed_at FROM amazon_payments
		WHERE state IN (?, ?, ?) AND order_id < ? ORDER BY order_id DESC LIMIT ?`,
		AmazonPending, AmazonCompleting, AmazonFailed, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PrepaymentLog
	for rows.Next() {
		l, err := scanPrepaymentLog(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// PrepaymentLogOf reads one order's 決済直前ログ.
func (db *DB) PrepaymentLogOf(ctx context.Context, orderID int64) (PrepaymentLog, error) {
	return scanPrepaymentLog(db.queryRow(ctx, `SELECT `+amazonPaymentColumns+`, session_state, session_checked_at, claimed_at
		FROM amazon_payments WHERE order_id = ?`, orderID))
}

func scanPrepaymentLog(s scanner) (PrepaymentLog, error) {
	var l PrepaymentLog
	var checked, claimed int64
	err := scanAmazonPaymentInto(s, &l.AmazonPayment, &l.SessionState, &checked, &claimed)
	l.SessionCheckedAt, l.ClaimedAt = timeOrZero(checked), timeOrZero(claimed)
	return l, err
}

// ReopenFailedPayment makes a failed payment pending again so that the
// completion can run for it (「受注データを作成」 from the 決済直前ログ when
// Amazon holds the money): its stock counts as released (the completion
// takes it again) and may go back once more. false when the payment is not
// failed.
func (tx *Tx) ReopenFailedPayment(orderID int64) (bool, error) {
	res, err := tx.exec(`UPDATE amazon_payments SET state = ?, stock_released = 1, claimed_by = '', claim_token = '', claimed_at = 0,
		recover_at = ?, updated_at = ? WHERE order_id = ? AND state = ?`, AmazonPending, unix(tx.now), unix(tx.now), orderID, AmazonFailed)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	_, err = tx.exec(`UPDATE orders SET stock_returned = 0 WHERE id = ?`, orderID)
	return true, err
}
