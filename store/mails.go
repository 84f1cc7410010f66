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
	Subject, Body string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time
	OrderID       sql.NullInt64 // the order the mail is about, if any
}

const mailColumns = `id, kind, from_addr, to_addr, subject, body, status, attempts, next_attempt_at, last_error, created_at, sent_at, order_id`

func scanMail(s scanner) (Mail, error) {
	var m Mail
	var next, created int64
	var sent sql.NullInt64
	err := s.Scan(&m.ID, &m.Kind, &m.From, &m.To, &m.Subject, &m.Body, &m.Status, &m.Attempts, &next, &m.LastError, &created, &sent, &m.OrderID)
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
	_, err = tx.exec(`INSERT INTO mails (`+mailColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, '', ?, NULL, ?)`,
		m.ID, m.Kind, m.From, m.To, m.Subject, m.Body, m.Status, unix(m.NextAttemptAt), unix(m.CreatedAt), m.OrderID)
	return m, err
}

// ClaimMail takes the oldest due queued mail (or one whose claim has lapsed)
// for delivery. The conditional UPDATE makes it safe with several workers.
func (db *DB) ClaimMail(ctx context.Context, claimFor time.Duration) (Mail, error) {
	var m Mail
	err := db.WithTx(ctx, func(tx *Tx) error {
		var err error
		m, err = scanMail(tx.queryRow(`SELECT `+mailColumns+` FROM mails
			WHERE status IN ('queued', 'sending') AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1`, unix(tx.now)))
		if err != nil {
			return err
		}
		m.Status, m.Attempts = MailSending, m.Attempts+1
		_, err = tx.exec(`UPDATE mails SET status = 'sending', attempts = ?, next_attempt_at = ? WHERE id = ?`,
			m.Attempts, unix(tx.now.Add(claimFor)), m.ID)
		return err
	})
	return m, err
}

// MarkMailSent records a delivery.
func (db *DB) MarkMailSent(ctx context.Context, id int64) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE mails SET status = 'sent', sent_at = ?, last_error = '' WHERE id = ?`, unix(tx.now), id)
		return err
	})
}

// RetryMailAt puts a mail back in the queue after a failed attempt.
func (db *DB) RetryMailAt(ctx context.Context, id int64, at time.Time, lastError string) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE mails SET status = 'queued', next_attempt_at = ?, last_error = ? WHERE id = ?`, unix(at), lastError, id)
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
