// Package mail writes the shop's messages into the outbox and delivers them
// over SMTP with go-mail. Without an SMTP server the outbox keeps them, and
// the admin lists every message either way.
package mail

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"os"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"kago/store"
)

// Message is a plain-text mail to write to the outbox.
type Message struct {
	Kind     string // what the mail is, e.g. "thanks", "order_copy", "test"
	From     string
	FromName string // the sender's display name (差出人名); empty for none
	ReplyTo  string // where replies go (返信先); empty: to From
	To       string
	Subject  string
	Body     string
	OrderID  int64 // the order the mail is about; 0 when none
}

// SMTPConfig is where mail goes; an empty Host means "keep it in the outbox".
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is "starttls" (default, required), "tls" (implicit, port 465) or
	// "none" (plain, for local relays and tests).
	TLS     string
	Timeout time.Duration
}

// Enabled tells whether a server is configured.
func (c SMTPConfig) Enabled() bool { return c.Host != "" }

// Outbox writes messages in the caller's transaction.
type Outbox struct {
	deliver bool
}

// NewOutbox returns an outbox that queues for delivery when SMTP is
// configured and stores otherwise.
func NewOutbox(cfg SMTPConfig) *Outbox { return &Outbox{deliver: cfg.Enabled()} }

// Enqueue adds m to the outbox within tx.
func (o *Outbox) Enqueue(tx *store.Tx, m Message) (store.Mail, error) {
	status := store.MailStored
	if o.deliver {
		status = store.MailQueued
	}
	sm := store.Mail{Kind: m.Kind, From: m.From, FromName: m.FromName, ReplyTo: m.ReplyTo, To: m.To,
		Subject: m.Subject, Body: m.Body, Status: status,
		OrderID: sql.NullInt64{Int64: m.OrderID, Valid: m.OrderID != 0}}
	sm.MessageID = NewMessageID(sm)
	return tx.EnqueueMail(sm)
}

// NewMessageID makes a mail's one Message-ID (RFC 5322 3.6.4, without the
// angle brackets): 128 random bits at the sender's domain.
func NewMessageID(m store.Mail) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	domain := "kago.invalid"
	if at := strings.LastIndex(m.From, "@"); at >= 0 && at < len(m.From)-1 {
		domain = strings.Trim(m.From[at+1:], "<> ")
	}
	return hex.EncodeToString(b) + "@" + domain
}

// Sender delivers one message; SMTP in production, a real in-process SMTP
// server in tests.
type Sender interface {
	Send(ctx context.Context, m store.Mail) error
}

// NoSMTP is the sender of a shop without an SMTP server: mail is stored, not
// queued, so it is only reached by mail queued while a server was set.
type NoSMTP struct{}

// Send refuses: there is no server to deliver to.
func (NoSMTP) Send(context.Context, store.Mail) error {
	return errors.New("no SMTP server is configured (-smtp-host); the mail stays queued")
}

// SMTPSender delivers through go-mail.
type SMTPSender struct {
	cfg SMTPConfig
}

// NewSMTPSender checks the configuration and returns a sender.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	if !cfg.Enabled() {
		return nil, errors.New("mail: no SMTP host")
	}
	switch cfg.TLS {
	case "", "starttls", "tls", "none":
	default:
		return nil, fmt.Errorf("mail: unknown TLS mode %q (starttls, tls or none)", cfg.TLS)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTPSender{cfg: cfg}, nil
}

// Send delivers m over one SMTP connection.
func (s *SMTPSender) Send(ctx context.Context, m store.Mail) error {
	opts := []gomail.Option{gomail.WithTimeout(s.cfg.Timeout)}
	if s.cfg.Port != 0 {
		opts = append(opts, gomail.WithPort(s.cfg.Port))
	}
	switch s.cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return err
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8))
	from, err := netmail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("from: %w", err)
	}
	from.Name = m.FromName
	msg.FromMailAddress(from)
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return fmt.Errorf("reply-to: %w", err)
		}
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	// The same Date and Message-ID on every attempt: a retry after a crash
	// mid-delivery is the same mail, and mail programs can tell.
	msg.SetDateWithValue(m.CreatedAt)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return client.DialAndSendWithContext(ctx, msg)
}

// Worker delivers queued mail with retry and backoff. Each mail is claimed
// with a conditional UPDATE and a lease before it is sent, and a send is
// cut off before its lease ends, so two workers (or instances) never send
// one mail at the same time. The scheduler (package jobs) runs DeliverDue.
type Worker struct {
	db     *store.DB
	sender Sender
	log    *slog.Logger
	now    func() time.Time
	owner  string
}

// NewWorker returns a worker sending through sender.
func NewWorker(db *store.DB, sender Sender, log *slog.Logger) *Worker {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return &Worker{db: db, sender: sender, log: log, now: db.Now, owner: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))}
}

// SetInstance names the worker's claims after an instance that survives
// restarts (instance/pid/random), so that store.ReleaseInstanceClaims can
// give up the claims a dead run of the instance left.
func (w *Worker) SetInstance(instance string) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	w.owner = fmt.Sprintf("%s/%d/%s", instance, os.Getpid(), hex.EncodeToString(b))
}

// claimFor is the lease on a claimed mail: after it another worker may
// retry the mail (the first one died mid-send). sendFor cuts a delivery off
// well before the lease ends.
const (
	claimFor = 2 * time.Minute
	sendFor  = claimFor - 30*time.Second
)

// DeliverDue sends every mail that is due now and returns how many were
// sent. After a failed delivery it stops (the server is likely down) and
// returns that error; the mail is retried after its backoff. While mail
// waits for a retry, the run reports that as its error too, so 定期処理
// keeps showing that delivery is failing.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	sent := 0
	for ctx.Err() == nil {
		m, err := w.db.ClaimMail(ctx, w.owner, claimFor, NewMessageID)
		if errors.Is(err, store.ErrNotFound) {
			n, last, err := w.db.MailsAwaitingRetry(ctx)
			if err == nil && n > 0 {
				err = fmt.Errorf("%d queued mail(s) wait for a retry; last error: %s", n, last)
			}
			return sent, err
		}
		if err != nil {
			return sent, fmt.Errorf("mail claim: %w", err)
		}
		sendCtx, cancel := context.WithTimeout(ctx, sendFor)
		err = w.sender.Send(sendCtx, m)
		cancel()
		if err != nil {
			at := w.now().Add(Backoff(m.Attempts))
			w.log.Warn("mail delivery failed", "mail_id", m.ID, "message_id", m.MessageID, "attempt", m.Attempts, "retry_at", at, "err", err)
			if rerr := w.db.RetryMailAt(context.WithoutCancel(ctx), m.ID, w.owner, at, err.Error()); rerr != nil {
				return sent, errors.Join(err, rerr)
			}
			return sent, fmt.Errorf("mail %d (attempt %d): %w", m.ID, m.Attempts, err)
		}
		if err := w.db.MarkMailSent(context.WithoutCancel(ctx), m.ID); err != nil {
			return sent, fmt.Errorf("mail %d mark sent: %w", m.ID, err)
		}
		sent++
	}
	return sent, ctx.Err()
}

// Backoff is the wait after the given number of failed attempts: 30 s
// doubling, at most an hour. Mail is never given up on.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
