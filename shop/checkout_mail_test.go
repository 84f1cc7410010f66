package shop_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"kago/mail"
	"kago/mail/mailtest"
	"kago/shop"
	"kago/store"
	"kago/store/storetest"
)

// TestOrderMailsOverSMTP places an order with SMTP configured and delivers
// the outbox to a real SMTP server: the buyer gets the thanks mail, the shop
// its copy with 【受注通知用コピーメール】.
func TestOrderMailsOverSMTP(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := mailtest.Start(t)
	cfg := mail.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 5 * time.Second}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := shop.New(db, mail.NewOutbox(cfg), log, t.TempDir())
	if _, err := s.SeedDemo(ctx, "/static/"); err != nil {
		t.Fatal(err)
	}
	// The first admin's address receives the shop's copies.
	if _, err := s.EnsureAdmin(ctx, "owner@example.jp", "correct-horse-battery"); err != nil {
		t.Fatal(err)
	}
	products, _ := db.Products(ctx, true)
	token := shop.NewCartToken()
	if err := s.AddToCart(ctx, token, products[0].ID, 1); err != nil {
		t.Fatal(err)
	}
	cart, err := s.Cart(ctx, token, false)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := s.OpenCheckout(ctx, "", cart)
	if err != nil {
		t.Fatal(err)
	}
	d.Form = shop.CheckoutForm{Email: "taro@example.jp", ShipTo: shop.ShipToBuyer, DeliveryMethod: shop.DeliveryTakkyubin,
		PaymentMethod: shop.PayCOD, Agree: true, Buyer: store.Address{FamilyName: "判図", GivenName: "太郎", FamilyKana: "ハンズ",
			GivenKana: "タロウ", Phone: "0559750000", PostalCode: "411-0901", Prefecture: "静岡県", City: "駿東郡清水町", Address1: "新宿823-1"}}
	if err := s.SaveDraft(ctx, &d, shop.PartAll); err != nil {
		t.Fatal(err)
	}
	q, _ := s.Quote(ctx, d, false)
	o, err := s.PlaceOrder(ctx, shop.Confirmation{CheckoutID: d.ID, CartToken: token, Total: q.Total, Digest: shop.CheckoutDigest(d, q)})
	if err != nil {
		t.Fatal(err)
	}
	sender, _ := mail.NewSMTPSender(cfg)
	if n, err := mail.NewWorker(db, sender, log).DeliverDue(ctx); n != 2 || err != nil {
		t.Fatalf("delivered %d mails (%v), want 2", n, err)
	}
	got := srv.Messages()
	if len(got) != 2 {
		t.Fatalf("received %d", len(got))
	}
	thanks, copyMail := got[0], got[1]
	num := "（注文番号：" + itoa(o.Number) + "）"
	if thanks.To[0] != "taro@example.jp" || !strings.Contains(thanks.Subject, num) || !strings.Contains(thanks.Body, "判図 太郎") ||
		!strings.Contains(thanks.Body, "代引き手数料：330円") || !strings.Contains(thanks.Body, "8%対象") ||
		!strings.Contains(strings.ReplaceAll(thanks.Body, "\r\n", "\n"), "■ご注文者\n判図 太郎（ハンズ　タロウ） 様") {
		t.Fatalf("thanks mail %q\n%s", thanks.Subject, thanks.Body)
	}
	// The sender carries the shop's name; replies go to the sender.
	if h := header(t, thanks.Raw, "From"); !strings.Contains(h, "shop@example.com") || !strings.Contains(h, "=?") {
		t.Errorf("From %q: no display name", h)
	}
	if copyMail.To[0] != "owner@example.jp" || !strings.HasPrefix(copyMail.Subject, "【受注通知用コピーメール】") || copyMail.Body != thanks.Body {
		t.Fatalf("copy mail %q to %v", copyMail.Subject, copyMail.To)
	}
	// Each mail went out with the Message-ID the outbox keeps for it.
	stored, _ := db.OrderMails(ctx, o.ID)
	if len(stored) != 2 || thanks.MessageID != "<"+stored[0].MessageID+">" || copyMail.MessageID != "<"+stored[1].MessageID+">" ||
		thanks.MessageID == copyMail.MessageID {
		t.Fatalf("Message-IDs sent %s and %s, stored %+v", thanks.MessageID, copyMail.MessageID, stored)
	}
}

// header reads one header of a raw message, decoded as it was sent.
func header(t *testing.T, raw []byte, name string) string {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m.Header.Get(name)
}
