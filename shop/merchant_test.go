package shop_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kago/mail"
	"kago/model"
	"kago/shop"
	"kago/store"
	"kago/store/storetest"
)

func TestNormalizeTracking(t *testing.T) {
	for _, tc := range []struct {
		carrier, in, want, field string
	}{
		{model.CarrierYamato, "1234-5678-9013", "123456789013", ""},
		{model.CarrierSagawa, "１２３４５６７８９０１３", "123456789013", ""},
		{model.CarrierJapanPost, " 1234 5678 9013 ", "123456789013", ""},
		{model.CarrierYamato, "1234-5678-9011", "", "tracking_number"}, // check digit
		{model.CarrierYamato, "12345678901", "", "tracking_number"},    // 11 digits
		{model.CarrierYamato, "1234-5678-901X", "", "tracking_number"},
		{model.CarrierYamato, "", "", "tracking_number"},
		{model.CarrierOther, "SEINO-0042", "SEINO-0042", ""},
		{model.CarrierOther, "西濃 0042", "", "tracking_number"},
		{model.CarrierOther, strings.Repeat("1", 31), "", "tracking_number"},
		{"kuroneko", "123456789013", "", "carrier"},
	} {
		got, err := shop.NormalizeTracking(tc.carrier, tc.in)
		ie, _ := shop.AsInputError(err)
		switch {
		case tc.field == "" && (err != nil || got != tc.want):
			t.Errorf("%s %q: %q %v", tc.carrier, tc.in, got, err)
		case tc.field != "" && (ie == nil || ie.Fields[tc.field] == ""):
			t.Errorf("%s %q: want a message on %s, got %v", tc.carrier, tc.in, tc.field, err)
		}
	}
	if got := shop.TrackingURL(model.CarrierYamato, "123456789013"); got != "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01=123456789013" {
		t.Errorf("yamato URL %s", got)
	}
	if shop.TrackingURL(model.CarrierOther, "X1") != "" {
		t.Error("その他 has a tracking page")
	}
}

// mailsOf lists the mails of an order of one kind.
func mailsOf(t *testing.T, db *store.DB, orderID int64, kind string) []store.Mail {
	t.Helper()
	all, err := db.OrderMails(context.Background(), orderID)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Mail
	for _, m := range all {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

func TestShipWithTrackingAndMail(t *testing.T) {
	t.Parallel()
	s, db := newShop(t)
	ctx := context.Background()
	if _, err := s.EnsureAdmin(ctx, "owner@example.jp", "correct-horse-battery"); err != nil {
		t.Fatal(err)
	}
	o := placeOrder(t, db, shop.PayBank, 1, demoProducts(t, db, 2)...)
	// A wrong number changes nothing, not even the status.
	err := s.ChangeOrderStatusFrom(ctx, o.ID, shop.StatusChange{From: store.OrderNew, To: store.OrderShipped, Carrier: model.CarrierYamato,
		Tracking: "1234-5678-9011", Mail: true}, "owner@example.jp")
	if ie, ok := shop.AsInputError(err); !ok || ie.Fields["tracking_number"] == "" {
		t.Fatalf("bad number: %v", err)
	}
	if got, _ := db.Order(ctx, o.ID); got.Status != store.OrderNew || len(mailsOf(t, db, o.ID, mail.KindShipping)) != 0 {
		t.Fatal("a refused change left a trace")
	}
	err = s.ChangeOrderStatusFrom(ctx, o.ID, shop.StatusChange{From: store.OrderNew, To: store.OrderShipped, Carrier: model.CarrierYamato,
		Tracking: "1234-5678-9013", Mail: true}, "owner@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	sh, ok, _ := s.OrderShipment(ctx, o.ID)
	if !ok || sh.Carrier != model.CarrierYamato || sh.TrackingNumber != "123456789013" {
		t.Fatalf("shipment %+v", sh)
	}
	sent := mailsOf(t, db, o.ID, mail.KindShipping)
	if len(sent) != 1 {
		t.Fatalf("%d shipping mails", len(sent))
	}
	m := sent[0]
	for _, want := range []string{"山田 太郎 様", "■配送業者：ヤマト運輸", "■送り状番号：1234-5678-9013",
		"number01=123456789013", "■発送日：" + jpToday(db), "※消費税は税率ごとの合計金額から計算し"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("shipping mail lacks %q:\n%s", want, m.Body)
		}
	}
	if m.To != o.Email || m.Subject != "【かご屋 デモショップ】商品を発送いたしました（注文番号："+itoa(o.Number)+"）" ||
		m.From != "shop@example.com" || m.FromName != "かご屋 デモショップ" {
		t.Fatalf("mail %+v", m)
	}
	h, _ := db.OrderHistory(ctx, o.ID)
	var actions []string
	for _, e := range h {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, ",") != "受注,送り状番号,メール送信" {
		t.Fatalf("history %v", actions)
	}
	// The status change itself is a typed event (the recorder's).
	if ev, _ := db.Events(ctx, o.ID); len(ev) != 1 || ev[0].Kind != model.EventOrderStatus || ev[0].To != store.OrderShipped {
		t.Fatalf("events %+v", ev)
	}
	// Cancel without the mail, then nothing is sent; with it, one mail.
	o2 := placeOrder(t, db, shop.PayCOD, 1, demoProducts(t, db, 1)...)
	if err := s.ChangeOrderStatusFrom(ctx, o2.ID, shop.StatusChange{To: store.OrderCanceled}, "a"); err != nil {
		t.Fatal(err)
	}
	if n := len(mailsOf(t, db, o2.ID, mail.KindCancel)); n != 0 {
		t.Fatalf("cancel without the box sent %d mails", n)
	}
	o3 := placeOrder(t, db, shop.PayCOD, 1, demoProducts(t, db, 1)...)
	if err := s.ChangeOrderStatusFrom(ctx, o3.ID, shop.StatusChange{To: store.OrderCanceled, Mail: true}, "a"); err != nil {
		t.Fatal(err)
	}
	if c := mailsOf(t, db, o3.ID, mail.KindCancel); len(c) != 1 || !strings.Contains(c[0].Subject, "キャンセルのお知らせ") {
		t.Fatalf("cancel mail %+v", c)
	}
	// A number goes only with 発送済み.
	if err := s.ChangeOrderStatusFrom(ctx, o.ID, shop.StatusChange{To: store.OrderCompleted, Carrier: model.CarrierYamato,
		Tracking: "123456789013"}, "a"); err == nil {
		t.Fatal("a tracking number with 受注完了 was taken")
	}
}

func jpToday(db *store.DB) string {
	d := db.Now().In(shop.Japan)
	return d.Format("2006年1月2日") + "（" + []string{"日", "月", "火", "水", "木", "金", "土"}[d.Weekday()] + "）"
}

func TestSendOrderMail(t *testing.T) {
	t.Parallel()
	s, db := newShop(t)
	ctx := context.Background()
	o := placeOrder(t, db, shop.PayBank, 1, demoProducts(t, db, 1)...)
	d, err := s.ComposeOrderMail(ctx, o.ID, mail.KindFree)
	if err != nil || !strings.Contains(d.Body, mail.FreeMailMarker) || d.To != o.Email {
		t.Fatalf("free mail draft %+v %v", d, err)
	}
	// The marker must be replaced by the message.
	err = s.SendOrderMail(ctx, o.ID, mail.KindFree, d.Subject, d.Body, "owner")
	if ie, ok := shop.AsInputError(err); !ok || !strings.Contains(ie.Fields["body"], "書き換えてください") {
		t.Fatalf("marker left: %v", err)
	}
	for _, tc := range []struct{ subject, body, field string }{
		{"", "本文", "subject"}, {"件名\nBcc: x@example.com", "本文", "subject"}, {"件名", " \n ", "body"},
		{strings.Repeat("件", 201), "本文", "subject"}, {"件名", strings.Repeat("本", 10001), "body"},
	} {
		err := s.SendOrderMail(ctx, o.ID, mail.KindFree, tc.subject, tc.body, "owner")
		if ie, ok := shop.AsInputError(err); !ok || ie.Fields[tc.field] == "" {
			t.Errorf("%q: %v", tc.subject, err)
		}
	}
	body := strings.Replace(d.Body, mail.FreeMailMarker, "お届け日についてご相談させてください。", 1)
	if err := s.SendOrderMail(ctx, o.ID, mail.KindFree, d.Subject, body+"\r\n", "owner"); err != nil {
		t.Fatal(err)
	}
	sent := mailsOf(t, db, o.ID, mail.KindFree)
	if len(sent) != 1 || sent[0].Body != body+"\n" || sent[0].Subject != d.Subject {
		t.Fatalf("sent %+v", sent)
	}
	// Only the manual kinds are composed from 受注明細.
	for _, kind := range []string{mail.KindThanks, mail.KindCancel, "nope"} {
		if _, err := s.ComposeOrderMail(ctx, o.ID, kind); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("compose %s: %v", kind, err)
		}
		if err := s.SendOrderMail(ctx, o.ID, kind, "件名", "本文", "owner"); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("send %s: %v", kind, err)
		}
	}
	if err := s.SendOrderMail(ctx, 999999, mail.KindOrderConfirm, "件名", "本文", "owner"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
	// A shipping mail composed before a number is entered says so.
	if d, _ := s.ComposeOrderMail(ctx, o.ID, mail.KindShipping); !d.NoTracking || strings.Contains(d.Body, "■送り状番号") {
		t.Errorf("shipping draft without a number %+v", d)
	}
}

// TestBankTransferMail: the thanks mail of a transfer names the deadline
// and the name to transfer under; the settings' 登録番号 stands under the
// tax lines and the signature carries the shop's particulars.
func TestBankTransferMail(t *testing.T) {
	t.Parallel()
	s, db := newShop(t)
	ctx := context.Background()
	if err := s.SaveShopInfo(ctx, shop.ShopInfoInput{SenderName: "かご屋", SenderEmail: "shop@example.jp", ReplyTo: "support@example.jp",
		NotifyEmail: "owner@example.jp", PostalCode: "6008001", Address: "京都府京都市下京区四条通1-1", Phone: "075-000-0000",
		URL: "https://kago.example.jp/", InvoiceNumber: "t1234567890123", TransferDays: "５"}); err != nil {
		t.Fatal(err)
	}
	var o store.Order
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		o = store.Order{CheckoutID: "co-mail", Status: store.OrderNew, PaymentMethod: shop.PayBank, PaymentStatus: shop.PaymentUnpaid,
			Email: "taro@example.com", Buyer: testBuyer, Destination: store.Destination{SameAsBuyer: true}, DeliveryMethod: shop.DeliveryTakkyubin,
			Lines:    []store.OrderLine{{ProductID: 1, Name: "煎茶", UnitPrice: 1080, TaxRate: 8, Quantity: 1}},
			Subtotal: 1080, ShippingFee: 880, Total: 1960, Total8: 1080, Tax8: 80, Total10: 880, Tax10: 80}
		if err := tx.InsertOrder(&o, "お客様"); err != nil {
			return err
		}
		return shop.EnqueueThanks(s, tx, o)
	})
	if err != nil {
		t.Fatal(err)
	}
	thanks := mailsOf(t, db, o.ID, mail.KindThanks)[0]
	deadline := o.CreatedAt.In(shop.Japan).AddDate(0, 0, 5)
	for _, want := range []string{
		"　お振込期限：" + deadline.Format("2006年1月2日") + "（",
		"　ご依頼人名：" + itoa(o.Number) + " ヤマダ タロウ",
		"（8%対象 1,080円 内消費税 80円）\n※消費税は税率ごとの合計金額から計算し、1円未満を切り捨てています。\n登録番号：T1234567890123",
		"■ご注文者\n山田 太郎（ヤマダ　タロウ） 様",
		"かご屋 デモショップ\n〒600-8001 京都府京都市下京区四条通1-1\nTEL：075-000-0000\nURL：https://kago.example.jp/\nメール：support@example.jp",
	} {
		if !strings.Contains(thanks.Body, want) {
			t.Errorf("thanks mail lacks %q:\n%s", want, thanks.Body)
		}
	}
	if strings.Contains(thanks.Body, "\n\n\n") || strings.Contains(thanks.Body, "代引き手数料") || isoDate.MatchString(thanks.Body) {
		t.Errorf("stray lines or a machine date:\n%s", thanks.Body)
	}
	if thanks.FromName != "かご屋" || thanks.ReplyTo != "support@example.jp" {
		t.Errorf("sender %q reply-to %q", thanks.FromName, thanks.ReplyTo)
	}
	if cp := mailsOf(t, db, o.ID, mail.KindOrderCopy); len(cp) != 1 || cp[0].To != "owner@example.jp" {
		t.Errorf("copy %+v", cp)
	}
}

var isoDate = regexp.MustCompile(`\d{4}[-/]\d{1,2}[-/]\d{1,2}`)

func TestShopInfoInput(t *testing.T) {
	t.Parallel()
	s, _ := newShop(t)
	ctx := context.Background()
	err := s.SaveShopInfo(ctx, shop.ShopInfoInput{SenderName: `かご屋 "本店" <x>`, SenderEmail: "shop", ReplyTo: "a@b", NotifyEmail: "",
		PostalCode: "600-80", Address: "京都\n二行目", Phone: "075", URL: "ftp://x", InvoiceNumber: "1234567890123", TransferDays: "0",
		YamatoBillingCode: "12345", YamatoFreightCode: "1", SagawaCustomerCode: "abc"})
	ie, ok := shop.AsInputError(err)
	if !ok {
		t.Fatalf("bad input accepted: %v", err)
	}
	for _, f := range []string{"sender_name", "sender_email", "reply_to", "notify_email", "postal_code", "address", "phone", "url",
		"invoice_number", "transfer_days", "yamato_billing_code", "yamato_freight_code", "sagawa_customer_code"} {
		if ie.Fields[f] == "" {
			t.Errorf("no message on %s", f)
		}
	}
	if st, _ := s.Settings(ctx); st.SenderEmail != "shop@example.com" || st.TransferDays != 7 {
		t.Fatalf("refused input was saved: %+v", st)
	}
	// Saving ショップ設定 leaves this form's values alone.
	if err := s.SaveShopInfo(ctx, shop.ShopInfoInput{SenderEmail: "shop@example.jp", NotifyEmail: "owner@example.jp", TransferDays: "10"}); err != nil {
		t.Fatal(err)
	}
	in := shop.DefaultSettings().Input()
	in.ShopName = "新しい店名"
	if err := s.SaveSettings(ctx, in); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Settings(ctx); st.SenderEmail != "shop@example.jp" || st.NotifyEmail != "owner@example.jp" || st.TransferDays != 10 || st.ShopName != "新しい店名" {
		t.Fatalf("settings %+v", st)
	}
}

func TestCopiesGoToTheFirstAdmin(t *testing.T) {
	t.Parallel()
	s, _ := newShop(t)
	ctx := context.Background()
	if st, _ := s.Settings(ctx); st.CopyAddress() != "shop@example.com" {
		t.Fatalf("no admin yet: %q", st.CopyAddress())
	}
	if _, err := s.EnsureAdmin(ctx, "Owner@Example.jp", ""); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Settings(ctx); st.CopyAddress() != "owner@example.jp" {
		t.Fatalf("copies go to %q", st.CopyAddress())
	}
	// The shop's own choice stays across restarts.
	if err := s.SaveShopInfo(ctx, shop.ShopInfoInput{SenderEmail: "shop@example.jp", NotifyEmail: "orders@example.jp", TransferDays: "7"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureAdmin(ctx, "owner@example.jp", "new-password-123"); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Settings(ctx); st.CopyAddress() != "orders@example.jp" {
		t.Fatalf("restart replaced the choice: %q", st.CopyAddress())
	}
}

func TestDashboardCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC).Unix()) // 12:00 in Japan
	db, err := store.Open(ctx, storetest.URL(t), func() time.Time { return time.Unix(now.Load(), 0) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := shop.New(db, mail.NewOutbox(mail.SMTPConfig{}), slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir())
	if _, err := s.SeedDemo(ctx, "/static/"); err != nil {
		t.Fatal(err)
	}
	ps := demoProducts(t, db, 1)
	placeOrder(t, db, shop.PayBank, 1, ps...) // placed 12月1日
	now.Add(9 * 24 * 3600)                    // 12月10日: past 12月8日, the deadline
	recent := placeOrder(t, db, shop.PayBank, 1, ps...)
	cod := placeOrder(t, db, shop.PayCOD, 1, ps...)
	d, err := s.Dashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.NewOrders != 3 || d.NewToday != 2 || d.UnpaidTransfer != 2 || d.OverdueTransfer != 1 {
		t.Fatalf("orders %+v", d)
	}
	// No mail was ever delivered: the outbox holds them (no SMTP), and the
	// dashboard does not call them sent.
	if err := s.MarkPaid(ctx, recent.ID, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendTestMail(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeOrderStatus(ctx, cod.ID, store.OrderShipped, "a"); err != nil {
		t.Fatal(err)
	}
	d, _ = s.Dashboard(ctx)
	if d.NewOrders != 2 || d.UnpaidTransfer != 1 || d.OverdueTransfer != 1 || d.MailsStored != 1 || d.MailsUndelivered() != 1 {
		t.Fatalf("after changes %+v", d)
	}
}

func TestDocumentsAndLabelsOfASelection(t *testing.T) {
	t.Parallel()
	s, db := newShop(t)
	ctx := context.Background()
	ps := demoProducts(t, db, 2)
	a := placeOrder(t, db, shop.PayBank, 1, ps...)
	b := placeOrder(t, db, shop.PayCOD, 2, ps[0])
	for _, raw := range [][]string{nil, {}, {"abc"}, {"-1"}, make([]string, 101)} {
		if _, err := shop.ParseSelection(raw); err == nil {
			t.Errorf("selection %q accepted", raw)
		}
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = itoa(int64(i + 1))
	}
	if _, err := shop.ParseSelection(many); err == nil || !strings.Contains(err.Error(), "100件") {
		t.Errorf("101 orders: %v", err)
	}
	ids, err := shop.ParseSelection([]string{itoa(b.ID), itoa(a.ID), itoa(b.ID)})
	if err != nil || len(ids) != 2 || ids[0] != b.ID {
		t.Fatalf("ids %v %v", ids, err)
	}
	docs, _, err := s.Documents(ctx, "delivery", ids)
	if err != nil || len(docs) != 2 || docs[0].Number != b.Number || docs[0].Title != "納品書" {
		t.Fatalf("docs %+v %v", docs, err)
	}
	invoice, _, _ := s.Documents(ctx, "invoice", []int64{a.ID})
	if invoice[0].BankDetails == "" {
		t.Error("a transfer's invoice has no account")
	}
	if _, _, err := s.Documents(ctx, "estimate", ids); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("unknown kind: %v", err)
	}
	if _, _, err := s.Documents(ctx, "delivery", []int64{999999}); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
	var buf bytes.Buffer
	if err := s.WriteLabels(ctx, "yamato", ids, &buf); err != nil || bytes.Count(buf.Bytes(), []byte("\r\n")) != 3 {
		t.Fatalf("labels %v: %q", err, buf.String())
	}
	if err := s.WriteLabels(ctx, "seino", ids, &buf); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("unknown format: %v", err)
	}
}
