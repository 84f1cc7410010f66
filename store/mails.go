package store

import (
	"context"
	"database/sql"
	"time"
)

// Mail statuses: queued for the SMTP worker, claimed by it, sent, or stored
// in the outbox because no SMTP server is configured.
const (
	MailQueued  = "queued"
	MailSending = "sending"
	MailSent    = "sent"
	MailStored  = "stored"
)

// Mail is one message in the outbox.
type Mail struct {
	ID            int64
	Kind          string
	From, To      string
	FromName      string // 差出人名, shown with From
	ReplyTo       string // 返信先; empty: replies go to From
	Subject, Body string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time
	OrderID       sql.NullInt64 // the order the mail is about, if any
	// MessageID is the mail's one Message-ID (without <>), the same on
	// every delivery attempt; "" for mail written before it existed.
	MessageID string
}

const mailColumns = `id, kind, from_addr, to_addr, subject, body, status, attempts, next_attempt_at, last_error, created_at, sent_at, order_id,
	from_name, reply_to, message_id`

func scanMail(s scanner) (Mail, error) {
	var m Mail
	var next, created int64
	var sent sql.NullInt64
	err := s.Scan(&m.ID, &m.Kind, &m.From, &m.To, &m.Subject, &m.Body, &m.Status, &m.Attempts, &next, &m.LastError, &created, &sent, &m.OrderID,
		&m.FromName, &m.ReplyTo, &m.MessageID)
	m.NextAttemptAt, m.CreatedAt, m.SentAt = fromUnix(next), fromUnix(created), nullUnix(sent)
	return m, mapErr(err)
}

// EnqueueMail adds a message to the outbox in the caller's transaction, so a
// mail exists exactly when the change that caused it was committed.
func (tx *Tx) EnqueueMail(m Mail) (Mail, error) {
	id, err := tx.nextID("mails")
	if err != nil {
		return m, err
	}
	m.ID, m.CreatedAt, m.NextAttemptAt = id, tx.now, tx.now
	_, err = tx.exec(`INSERT INTO mails (`+mailColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, '', ?, NULL, ?, ?, ?, ?)`,
		m.ID, m.Kind, m.From, m.To, m.Subject, m.Body, m.Status, unix(m.NextAttemptAt), unix(m.CreatedAt), m.OrderID, m.FromName, m.ReplyTo,
		m.MessageID)
	return m, err
}

// ClaimMail takes the oldest due queued mail, or one whose claim has lapsed
// (a worker died mid-send), for owner for the lease. Each candidate is
// taken with a conditional UPDATE that re-checks it is still due, so two
// workers (or instances) never hold one mail at once. A mail without a
// Message-ID gets newMessageID(mail) in the same transaction.
func (db *DB) ClaimMail(ctx context.Context, owner string, lease time.Duration, newMessageID func(Mail) string) (Mail, error) {
	var m Mail
	err := db.WithTx(ctx, func(tx *Tx) error {
		now := unix(tx.now)
		for {
			var err error
			m, err = scanMail(tx.queryRow(`SELECT `+mailColumns+` FROM mails
				WHERE status IN ('queued', 'sending') AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1`, now))
			if err != nil {
				return err
			}
			if m.MessageID == "" {
				m.MessageID = newMessageID(m)
			}
			res, err := tx.exec(`UPDATE mails SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?, claimed_by = ?,
					message_id = ?
				WHERE id = ? AND status IN ('queued', 'sending') AND next_attempt_at <= ?`,
				unix(tx.now.Add(lease)), owner, m.MessageID, m.ID, now)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 1 {
				m.Status, m.Attempts = MailSending, m.Attempts+1
				return err
			}
			// Taken meanwhile by another worker: look again.
		}
	})
	return m, err
}

// MarkMailSent records a delivery.
func (db *DB) MarkMailSent(ctx context.Context, id int64) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE mails SET status = 'sent', sent_at = ?, last_error = '', claimed_by = '' WHERE id = ?`, unix(tx.now), id)
		return err
	})
}

// RetryMailAt puts owner's claimed mail back in the queue after a failed
// attempt; nothing happens when owner no longer holds it.
func (db *DB) RetryMailAt(ctx context.Context, id int64, owner string, at time.Time, lastError string) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE mails SET status = 'queued', next_attempt_at = ?, last_error = ?, claimed_by = ''
			WHERE id = ? AND status = 'sending' AND claimed_by = ?`, unix(at), lastError, id, owner)
		return err
	})
}

// MailsAwaitingRetry counts the queued mails whose last attempt failed and
// returns the newest failure's error ("" when none).
func (db *DB) MailsAwaitingRetry(ctx context.Context) (int, string, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT count(*) FROM mails WHERE status = 'queued' AND last_error <> ''`).Scan(&n); err != nil || n == 0 {
		return 0, "", mapErr(err)
	}
	var last string
	err := db.queryRow(ctx, `SELECT last_error FROM mails WHERE status = 'queued' AND last_error <> '' ORDER BY id DESC LIMIT 1`).Scan(&last)
	return n, last, mapErr(err)
}

// Mail returns one message.
func (db *DB) Mail(ctx context.Context, id int64) (Mail, error) {
	return scanMail(db.queryRow(ctx, `SELECT `+mailColumns+` FROM mails WHERE id = ?`, id))
}

// Mails lists the outbox, newest first, with keyset paging on ID.
func (db *DB) Mails(ctx context.Context, beforeID int64, limit int) ([]Mail, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := db.query(ctx, `SELECT `+mailColumns+` FROM mails WHERE id < ? ORDER BY id DESC LIMIT ?`, beforeID, limit)
	if err != nil {
		return nil, err
	}
	return scanMails(rows)
}

// CountMails counts the outbox rows with the given status.
func (db *DB) CountMails(ctx context.Context, status string) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT count(*) FROM mails WHERE status = ?`, status).Scan(&n)
	return n, mapErr(err)
}

// CountFailingMails counts the mails still waiting for delivery whose last
// attempt failed (the SMTP server refused them or could not be reached).
func (db *DB) CountFailingMails(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT count(*) FROM mails WHERE status IN ('queued', 'sending') AND last_error <> ''`).Scan(&n)
	return n, mapErr(err)
}

// OrderMails lists the mails about one order, oldest first.
func (db *DB) OrderMails(ctx context.Context, orderID int64) ([]Mail, error) {
	rows, err := db.query(ctx, `SELECT `+mailColumns+` FROM mails WHERE order_id = ? ORDER BY id`, orderID)
	if err != nil {
		return nil, err
	}
	return scanMails(rows)
}

func scanMails(rows *sql.Rows) ([]Mail, error) {
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
