package mail_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kago/mail"
	"kago/mail/mailtest"
	"kago/store"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T) (*store.DB, *clock, *mailtest.Server, *mail.Worker) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kago.db"), clk.now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := mailtest.Start(t)
	cfg := mail.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 5 * time.Second}
	sender, err := mail.NewSMTPSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := mail.NewWorker(db, sender, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return db, clk, srv, w
}

func enqueue(t *testing.T, db *store.DB, outbox *mail.Outbox, subject string) store.Mail {
	t.Helper()
	var m store.Mail
	err := db.WithTx(context.Background(), func(tx *store.Tx) error {
		var err error
		m, err = outbox.Enqueue(tx, mail.Message{Kind: "test", From: "shop@example.com", To: "taro@example.jp", Subject: subject,
			Body: "判図太郎 様\n\nご注文ありがとうございます。\n"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOutboxDeliversJapaneseMailOverSMTP(t *testing.T) {
	db, _, srv, w := setup(t)
	outbox := mail.NewOutbox(mail.SMTPConfig{Host: srv.Host})
	m := enqueue(t, db, outbox, "【かご屋】ご注文ありがとうございます")
	if m.Status != store.MailQueued {
		t.Fatalf("status %q, want queued", m.Status)
	}
	if n, err := w.DeliverDue(context.Background()); n != 1 || err != nil {
		t.Fatalf("delivered %d (%v), want 1", n, err)
	}
	got := srv.Messages()
	if len(got) != 1 || got[0].Subject != "【かご屋】ご注文ありがとうございます" || !strings.Contains(got[0].Body, "判図太郎 様") ||
		got[0].To[0] != "taro@example.jp" || got[0].From != "shop@example.com" {
		t.Fatalf("received %+v", got)
	}
	stored, _ := db.Mail(context.Background(), m.ID)
	if stored.Status != store.MailSent || stored.SentAt.IsZero() {
		t.Fatalf("after delivery: %+v", stored)
	}
	if n, _ := w.DeliverDue(context.Background()); n != 0 || len(srv.Messages()) != 1 {
		t.Fatal("a sent mail was sent again")
	}
}

func TestOutboxRetriesAfterServerWasDown(t *testing.T) {
	db, clk, srv, w := setup(t)
	outbox := mail.NewOutbox(mail.SMTPConfig{Host: srv.Host})
	m := enqueue(t, db, outbox, "再送テスト")
	srv.Stop()
	ctx := context.Background()
	if n, err := w.DeliverDue(ctx); n != 0 || err == nil {
		t.Fatalf("delivered %d with the server down (error %v)", n, err)
	}
	failed, _ := db.Mail(ctx, m.ID)
	if failed.Status != store.MailQueued || failed.Attempts != 1 || failed.LastError == "" {
		t.Fatalf("after a failed attempt: %+v", failed)
	}
	srv.Restart()
	if n, err := w.DeliverDue(ctx); n != 0 || err == nil || !strings.Contains(err.Error(), "1 queued mail(s) wait for a retry") {
		t.Fatalf("before the backoff elapsed: %d sent, error %v", n, err)
	}
	clk.t = clk.t.Add(mail.Backoff(1))
	if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("delivered %d (%v) after the server came back, want 1", n, err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].Subject != "再送テスト" {
		t.Fatalf("received %+v", got)
	}
}

func TestNoSMTPKeepsMailInOutbox(t *testing.T) {
	db, _, srv, w := setup(t)
	m := enqueue(t, db, mail.NewOutbox(mail.SMTPConfig{}), "保存のみ")
	if m.Status != store.MailStored {
		t.Fatalf("status %q, want stored", m.Status)
	}
	if n, _ := w.DeliverDue(context.Background()); n != 0 || len(srv.Messages()) != 0 {
		t.Fatal("a stored mail was delivered")
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	if mail.Backoff(1) != 30*time.Second || mail.Backoff(2) != time.Minute || mail.Backoff(50) != time.Hour {
		t.Fatal(mail.Backoff(1), mail.Backoff(2), mail.Backoff(50))
	}
}
