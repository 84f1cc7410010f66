package store

import (
	"context"
	"database/sql"
	"time"

	"kago/model"
)

// Instant payment notifications as received (see migration 0065): recorded
// once, processed by whoever claims them.

const notificationColumns = `id, message_id, notification_id, object_type, object_id, permission_id, notification_type, sent_at,
	received_at, state, attempts, next_at, order_id, merchant_reference, object_state, reason_code, last_error, body`

func scanNotification(s scanner) (model.Notification, error) {
	var n model.Notification
	var sent, received, next int64
	var order sql.NullInt64
	err := s.Scan(&n.ID, &n.MessageID, &n.NotificationID, &n.ObjectType, &n.ObjectID, &n.PermissionID, &n.NotificationType, &sent,
		&received, &n.State, &n.Attempts, &next, &order, &n.MerchantReference, &n.ObjectState, &n.ReasonCode, &n.LastError, &n.Body)
	n.SentAt, n.ReceivedAt, n.NextAt, n.OrderID = fromUnix(sent), fromUnix(received), fromUnix(next), order.Int64
	return n, mapErr(err)
}

// RecordNotification stores a verified notification, due for processing at
// once, and fills in its ID. It reports false (and stores nothing) when the
// notification was recorded before: the same SNS MessageId or Amazon
// NotificationId (SNS delivers at least once).
func (db *DB) RecordNotification(ctx context.Context, n *model.Notification) (bool, error) {
	fresh := false
	err := db.WithTx(ctx, func(tx *Tx) error {
		fresh = false // WithTx may run this again
		var seen int
		if err := tx.queryRow(`SELECT COUNT(*) FROM amazon_notifications WHERE message_id = ? OR (notification_id <> '' AND notification_id = ?)`,
			n.MessageID, n.NotificationID).Scan(&seen); err != nil {
			return mapErr(err)
		}
		if seen > 0 {
			return nil
		}
		id, err := tx.nextID("amazon_notifications")
		if err != nil {
			return err
		}
		n.ID, n.ReceivedAt, n.NextAt, n.State = id, tx.now, tx.now, model.NotificationReceived
		_, err = tx.exec(`INSERT INTO amazon_notifications (`+notificationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			n.ID, n.MessageID, n.NotificationID, n.ObjectType, n.ObjectID, n.PermissionID, n.NotificationType, unix(n.SentAt),
			unix(n.ReceivedAt), n.State, n.Attempts, unix(n.NextAt), nullID(n.OrderID), n.MerchantReference, n.ObjectState, n.ReasonCode,
			n.LastError, n.Body)
		fresh = err == nil
		return err
	})
	return fresh, err
}

// DueNotifications lists the notifications waiting to be processed whose
// next attempt is due at now, oldest first.
func (db *DB) DueNotifications(ctx context.Context, now time.Time, limit int) ([]model.Notification, error) {
	return list(db.reads(ctx), scanNotification, `SELECT `+notificationColumns+` FROM amazon_notifications
		WHERE state = ? AND next_at <= ? ORDER BY id LIMIT ?`, model.NotificationReceived, unix(now), limit)
}

// ClaimNotification takes a due notification for processing until lease
// ends (a later attempt may take it after that) and counts the attempt;
// false when it is not due or another process holds it.
func (db *DB) ClaimNotification(ctx context.Context, id int64, lease time.Duration) (bool, error) {
	var won bool
	err := db.WithTx(ctx, func(tx *Tx) error {
		var err error
		won, err = tx.execOne(`UPDATE amazon_notifications SET next_at = ?, attempts = attempts + 1 WHERE id = ? AND state = ? AND next_at <= ?`,
			unix(tx.now.Add(lease)), id, model.NotificationReceived, unix(tx.now))
		return err
	})
	return won, err
}

// RetryNotification leaves a claimed notification to a later attempt at
// at (UTC), with the reason.
func (db *DB) RetryNotification(ctx context.Context, id int64, at time.Time, reason string) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE amazon_notifications SET next_at = ?, last_error = ? WHERE id = ? AND state = ?`,
			unix(at), reason, id, model.NotificationReceived)
		return err
	})
}

// FinishNotification records how a notification was processed (done or
// unmatched), in the transaction of the changes it brought.
func (tx *Tx) FinishNotification(n model.Notification) error {
	_, err := tx.exec(`UPDATE amazon_notifications SET state = ?, order_id = ?, merchant_reference = ?, object_state = ?, reason_code = ?,
		last_error = ? WHERE id = ?`, n.State, nullID(n.OrderID), n.MerchantReference, n.ObjectState, n.ReasonCode, n.LastError, n.ID)
	return err
}

// Notification reads one notification.
func (db *DB) Notification(ctx context.Context, id int64) (model.Notification, error) {
	return scanNotification(db.queryRow(ctx, `SELECT `+notificationColumns+` FROM amazon_notifications WHERE id = ?`, id))
}

// UnmatchedNotifications lists the notifications naming a charge
// permission that no order of the shop has (with the merchant reference
// Amazon gave), newest first.
func (db *DB) UnmatchedNotifications(ctx context.Context, limit int) ([]model.Notification, error) {
	return list(db.reads(ctx), scanNotification, `SELECT `+notificationColumns+` FROM amazon_notifications
		WHERE state = ? ORDER BY id DESC LIMIT ?`, model.NotificationUnmatched, limit)
}

// ClaimIPNMail records that the IPN mail for an Amazon object in a state
// (and reason) is being written, inside the transaction that writes it:
// true the first time, false when it was written before.
func (tx *Tx) ClaimIPNMail(objectID, state, reason string, orderID int64) (bool, error) {
	return tx.execOne(`INSERT INTO amazon_ipn_mails (object_id, state, reason_code, order_id, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (object_id, state, reason_code) DO NOTHING`, objectID, state, reason, nullID(orderID), unix(tx.now))
}

// NotificationStats counts the notifications received and tells when the
// last one came (zero: never).
func (db *DB) NotificationStats(ctx context.Context) (int, time.Time, error) {
	var n int
	var last sql.NullInt64
	err := db.queryRow(ctx, `SELECT COUNT(*), MAX(received_at) FROM amazon_notifications`).Scan(&n, &last)
	return n, nullUnix(last), mapErr(err)
}
