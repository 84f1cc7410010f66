package mail_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kago/mail"
	"kago/mail/mailtest"
	"kago/store"
	"kago/store/storetest"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T) (*store.DB, *clock, *mailtest.Server, *mail.Worker) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)}
	db, err := store.Open(context.Background(), storetest.URL(t), clk.now)
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

// crashingSender delivers for real, then behaves like a process killed
// before it could record the delivery: the caller never learns it worked.
type crashingSender struct{ real mail.Sender }

func (s crashingSender) Send(ctx context.Context, m store.Mail) error {
	if err := s.real.Send(ctx, m); err != nil {
		return err
	}
	return errors.New("connection lost after the server took the message")
}

// TestRetryAfterCrashCarriesTheSameMessageID: issue 9 item 7, a crash during
// SMTP delivery sent the thanks mail twice with different Message-IDs. The
// retry now carries the mail's one Message-ID and Date, so it is
// recognisably the same mail.
func TestRetryAfterCrashCarriesTheSameMessageID(t *testing.T) {
	db, clk, srv, w := setup(t)
	ctx := context.Background()
	m := enqueue(t, db, mail.NewOutbox(mail.SMTPConfig{Host: srv.Host}), "【かご屋】ご注文ありがとうございます")
	if m.MessageID == "" || !strings.HasSuffix(m.MessageID, "@example.com") {
		t.Fatalf("Message-ID at enqueue %q", m.MessageID)
	}
	sender, _ := mail.NewSMTPSender(mail.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 5 * time.Second})
	crashing := mail.NewWorker(db, crashingSender{sender}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if n, err := crashing.DeliverDue(ctx); n != 0 || err == nil {
		t.Fatalf("the crashing delivery: %d sent, %v", n, err)
	}
	clk.t = clk.t.Add(mail.Backoff(1))
	if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("the retry: %d sent, %v", n, err)
	}
	got := srv.Messages()
	if len(got) != 2 {
		t.Fatalf("received %d messages, want the mail and its retry", len(got))
	}
	if got[0].MessageID != "<"+m.MessageID+">" || got[1].MessageID != got[0].MessageID || got[1].Date != got[0].Date {
		t.Fatalf("Message-ID %q then %q, Date %q then %q; want %q both times", got[0].MessageID, got[1].MessageID, got[0].Date, got[1].Date, m.MessageID)
	}
}

// TestKilledWorkerClaimLapses: a worker killed between the SMTP server's
// acceptance and recording it holds the mail for its lease; afterwards
// another worker delivers it again with the same Message-ID, and never
// while the lease holds.
func TestKilledWorkerClaimLapses(t *testing.T) {
	db, clk, srv, w := setup(t)
	ctx := context.Background()
	m := enqueue(t, db, mail.NewOutbox(mail.SMTPConfig{Host: srv.Host}), "再送の確認")
	claimed, err := db.ClaimMail(ctx, "killed-worker", 2*time.Minute, mail.NewMessageID)
	if err != nil || claimed.ID != m.ID {
		t.Fatalf("claim as the worker about to die: %+v %v", claimed, err)
	}
	sender, _ := mail.NewSMTPSender(mail.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 5 * time.Second})
	if err := sender.Send(ctx, claimed); err != nil { // delivered, then kill -9
		t.Fatal(err)
	}
	clk.t = clk.t.Add(2*time.Minute - time.Second)
	if n, _ := w.DeliverDue(ctx); n != 0 {
		t.Fatal("a mail another worker holds was sent")
	}
	clk.t = clk.t.Add(time.Second)
	if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("after the lease: %d sent, %v", n, err)
	}
	got := srv.Messages()
	if len(got) != 2 || got[0].MessageID != got[1].MessageID || got[0].MessageID != "<"+m.MessageID+">" {
		ids := make([]string, len(got))
		for i, r := range got {
			ids[i] = r.MessageID
		}
		t.Fatalf("received Message-IDs %v, want <%s> twice", ids, m.MessageID)
	}
	// The killed worker coming back cannot queue the mail again.
	if err := db.RetryMailAt(ctx, m.ID, "killed-worker", clk.t, "late"); err != nil {
		t.Fatal(err)
	}
	if stored, _ := db.Mail(ctx, m.ID); stored.Status != store.MailSent {
		t.Fatalf("after the killed worker's late retry: %s", stored.Status)
	}
}

// TestTwoWorkersNeverSendOneMailTwice: four workers deliver one outbox at
// once over a real SMTP server; every mail arrives exactly once.
func TestTwoWorkersNeverSendOneMailTwice(t *testing.T) {
	db, _, srv, _ := setup(t)
	ctx := context.Background()
	outbox := mail.NewOutbox(mail.SMTPConfig{Host: srv.Host})
	want := map[string]bool{}
	for i := range 40 {
		m := enqueue(t, db, outbox, "ご注文ありがとうございます "+strconv.Itoa(i))
		want["<"+m.MessageID+">"] = true
	}
	sender, _ := mail.NewSMTPSender(mail.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 5 * time.Second})
	var wg sync.WaitGroup
	var total atomic.Int64
	for range 4 {
		w := mail.NewWorker(db, sender, slog.New(slog.NewTextHandler(io.Discard, nil)))
		wg.Go(func() {
			n, err := w.DeliverDue(ctx)
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(n))
		})
	}
	wg.Wait()
	got := srv.Messages()
	seen := map[string]int{}
	for _, r := range got {
		seen[r.MessageID]++
	}
	if total.Load() != 40 || len(got) != 40 || len(seen) != 40 {
		t.Fatalf("workers reported %d, server received %d with %d distinct Message-IDs; want 40 each", total.Load(), len(got), len(seen))
	}
	for id, n := range seen {
		if !want[id] || n != 1 {
			t.Fatalf("Message-ID %s received %d times (known: %v)", id, n, want[id])
		}
	}
}
