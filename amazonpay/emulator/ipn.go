package emulator

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"kago/amazonpay"
)

// Every state change of a charge permission, charge or refund, whoever made
// it (an API call, the console, the clock settling a pending outcome or an
// expiry), sends the merchant a signed SNS notification (AMAZON-PAY.md
// section 6; SignatureVersion 1 by default, as the sandbox, or 2). The
// notification is saved with the change that caused it, in the same
// transaction, in a table that serves as the outbox: a background worker
// delivers it to the merchant's IPN URL and retries a failed delivery
// (Options.IPNRetries times, the delay doubling from IPNRetryDelay), a
// restart included. The console lists the newest.

// Delivery records one notification and what became of its delivery.
type Delivery struct {
	Message   amazonpay.IPNMessage
	MessageID string
	URL       string
	Attempts  int
	Status    int // HTTP status of the last attempt (0: no answer)
	Delivered bool
	Err       string
	At        time.Time // emulator clock when the change happened
}

// outgoing is a notification in the outbox.
type outgoing struct {
	Delivery
	Envelope amazonpay.Notification // unsigned; signed at each attempt
	Copies   int                    // 2 when notifications are duplicated
	Next     time.Time              // real time of the next attempt
	Done     bool                   // delivered, or given up
}

const (
	maxDeliveryLog = 500  // Deliveries returns at most this many
	keepDeliveries = 1000 // finished deliveries kept on disk
)

const deliverySchema = `
CREATE TABLE IF NOT EXISTS deliveries (
	message_id TEXT PRIMARY KEY,
	seq        INTEGER NOT NULL,  -- order of creation
	pending    INTEGER NOT NULL,  -- 1 until delivered or given up
	next_at    INTEGER NOT NULL,  -- unix ms, real time
	data       BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at) WHERE pending = 1;
CREATE INDEX IF NOT EXISTS deliveries_seq ON deliveries (seq);`

// Deliveries returns the last 500 notifications, oldest first.
func (e *Emulator) Deliveries() []Delivery {
	out, err := e.deliveries(maxDeliveryLog)
	if err != nil {
		e.log.Error("amazonpay emulator: reading notifications", "err", err)
	}
	return out
}

func (e *Emulator) deliveries(limit int) ([]Delivery, error) {
	rows, err := e.db.Query(`SELECT data FROM (SELECT seq, data FROM deliveries ORDER BY seq DESC LIMIT ?) ORDER BY seq`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var data []byte
		var o outgoing
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &o); err != nil {
			return nil, err
		}
		out = append(out, o.Delivery)
	}
	return out, rows.Err()
}

// WaitIdle waits until no notification waits for delivery or a retry, or
// ctx ends.
func (e *Emulator) WaitIdle(ctx context.Context) error {
	for {
		e.mu.Lock()
		if e.undelivered == 0 {
			e.mu.Unlock()
			return nil
		}
		ch := e.idle
		e.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifyLocked puts a notification in the outbox; it is saved with the
// change that caused it.
func (e *Emulator) notifyLocked(merchantID, env, objectType, objectID, permissionID string) {
	if e.closed {
		return
	}
	msg := amazonpay.IPNMessage{
		MerchantID: merchantID, ObjectType: objectType, ObjectID: objectID, ChargePermissionID: permissionID,
		NotificationType: amazonpay.NotificationTypeStateChange, NotificationID: newUUID(), NotificationVersion: "V2",
	}
	body, _ := json.Marshal(struct {
		amazonpay.IPNMessage
		ReleaseEnvironment string `json:"ReleaseEnvironment"`
	}{msg, env})
	o := &outgoing{
		Delivery: Delivery{Message: msg, MessageID: newUUID(), At: e.now()},
		Envelope: amazonpay.Notification{
			Type: "Notification", TopicArn: "arn:aws:sns:ap-northeast-1:000000000000:AmazonPayEmulator-" + merchantID,
			Message: string(body), Timestamp: e.now().Format("2006-01-02T15:04:05.000Z"), SignatureVersion: e.opts.SignatureVersion,
		},
		Copies: 1,
		Next:   time.Now(),
	}
	o.Envelope.MessageID = o.MessageID
	if m := e.byID[merchantID]; m != nil {
		o.URL = m.IPNURL
	}
	if o.URL == "" {
		o.Err, o.Done = "no IPN URL registered", true
	}
	if e.dupIPN {
		o.Copies = 2
	}
	e.outbox = append(e.outbox, o)
}

// saveOutbox writes the new notifications in the change's transaction.
func (e *Emulator) saveOutbox(tx *sql.Tx) error {
	for _, o := range e.outbox {
		e.deliverySeq++
		if err := putDelivery(tx, o, e.deliverySeq); err != nil {
			return err
		}
	}
	return nil
}

type execer interface {
	Exec(query string, args ...any) (sql.Result, error)
}

func putDelivery(db execer, o *outgoing, seq int64) error {
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	pending := 1
	if o.Done {
		pending = 0
	}
	_, err = db.Exec(`INSERT INTO deliveries (message_id, seq, pending, next_at, data) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (message_id) DO UPDATE SET pending = excluded.pending, next_at = excluded.next_at, data = excluded.data`,
		o.MessageID, seq, pending, o.Next.UnixMilli(), data)
	return err
}

// outboxSaved runs after the transaction with the new notifications
// committed: it counts them and wakes the worker.
func (e *Emulator) outboxSaved() {
	n := 0
	for _, o := range e.outbox {
		if !o.Done {
			n++
		}
	}
	e.outbox = e.outbox[:0]
	if n == 0 {
		return
	}
	if e.undelivered == 0 {
		e.idle = make(chan struct{})
	}
	e.undelivered += n
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// finishedLocked counts a notification out of the outbox.
func (e *Emulator) finishedLocked() {
	e.undelivered--
	if e.undelivered == 0 {
		close(e.idle)
	}
}

// deliverLoop delivers what is due, then sleeps until the next attempt is
// due or a change adds a notification.
func (e *Emulator) deliverLoop() {
	defer e.wg.Done()
	for {
		wait := e.deliverDue()
		t := time.NewTimer(wait)
		select {
		case <-e.ctx.Done():
			t.Stop()
			return
		case <-e.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// deliverDue delivers the notifications that are due, at once, and
// returns how long until the next one is.
func (e *Emulator) deliverDue() time.Duration {
	const idle = time.Minute
	now := time.Now()
	rows, err := e.db.Query(`SELECT data FROM deliveries WHERE pending = 1 AND next_at <= ? ORDER BY seq LIMIT 50`, now.UnixMilli())
	if err != nil {
		e.log.Error("amazonpay emulator: notifications", "err", err)
		return idle
	}
	var due []*outgoing
	for rows.Next() {
		var data []byte
		o := new(outgoing)
		if err := rows.Scan(&data); err == nil && json.Unmarshal(data, o) == nil {
			due = append(due, o)
		}
	}
	rows.Close()
	var wg sync.WaitGroup
	for _, o := range due {
		wg.Go(func() { e.attempt(o) })
	}
	wg.Wait()
	if e.ctx.Err() != nil {
		return idle
	}
	var next sql.NullInt64
	if err := e.db.QueryRow(`SELECT min(next_at) FROM deliveries WHERE pending = 1`).Scan(&next); err != nil || !next.Valid {
		return idle
	}
	return max(time.Until(time.UnixMilli(next.Int64)), 0)
}

// attempt signs and posts one notification (twice when duplicated) and
// records the outcome: delivered, a retry after the doubled delay, or
// given up after the last retry.
func (e *Emulator) attempt(o *outgoing) {
	if err := e.ensurePKI(); err != nil {
		e.log.Error("amazonpay emulator: notification key", "err", err)
		return
	}
	n := o.Envelope
	certURL, _ := e.SigningCertURL()
	n.SigningCertURL = certURL
	n.UnsubscribeURL = strings.TrimSuffix(certURL, "/sns/"+e.pki.snsName) + "/sns/unsubscribe?SubscriptionArn=" + n.TopicArn
	if err := amazonpay.SignNotification(&n, e.pki.key); err != nil {
		e.log.Error("amazonpay emulator: signing notification", "err", err)
		return
	}
	body, _ := json.Marshal(n)
	status, err := 0, error(nil)
	for range max(o.Copies, 1) {
		status, err = e.post(o.URL, n, body)
	}
	if e.ctx.Err() != nil {
		return // stopping: the next run delivers it
	}
	ok := err == nil && status >= 200 && status < 300
	o.Attempts++
	o.Status = status
	switch {
	case ok:
		o.Delivered, o.Err, o.Done = true, "", true
	case err != nil:
		o.Err = err.Error()
	default:
		o.Err = http.StatusText(status)
	}
	if !ok {
		e.log.Info("amazonpay emulator: notification delivery failed", "url", o.URL, "attempt", o.Attempts, "status", status, "err", err)
		if o.Attempts > e.opts.IPNRetries {
			o.Done = true
		} else {
			o.Next = time.Now().Add(e.opts.IPNRetryDelay << (o.Attempts - 1))
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.db == nil {
		return
	}
	if err := putDelivery(e.db, o, 0); err != nil {
		e.log.Error("amazonpay emulator: recording a notification", "err", err)
		return
	}
	if o.Done {
		e.finishedLocked()
	}
}

func (e *Emulator) post(url string, n amazonpay.Notification, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	req.Header.Set("x-amz-sns-message-type", n.Type)
	req.Header.Set("x-amz-sns-message-id", n.MessageID)
	req.Header.Set("x-amz-sns-topic-arn", n.TopicArn)
	resp, err := e.opts.IPNClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// loadOutbox counts the notifications a previous run left undelivered and
// continues the order of creation.
func (e *Emulator) loadOutbox() error {
	var undelivered int
	var seq sql.NullInt64
	if err := e.db.QueryRow(`SELECT (SELECT count(*) FROM deliveries WHERE pending = 1), (SELECT max(seq) FROM deliveries)`).Scan(&undelivered, &seq); err != nil {
		return fmt.Errorf("emulator: state database: %w", err)
	}
	e.undelivered, e.deliverySeq = undelivered, seq.Int64
	if undelivered > 0 {
		e.idle = make(chan struct{})
	}
	return nil
}

// pruneDeliveries keeps the newest finished deliveries.
func (e *Emulator) pruneDeliveries() error {
	_, err := e.db.Exec(`DELETE FROM deliveries WHERE pending = 0 AND seq <= (SELECT seq FROM deliveries ORDER BY seq DESC LIMIT 1 OFFSET ?)`, keepDeliveries)
	return err
}
