package shop_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kago/model"
	"kago/shop"
	"kago/store"
)

var testBuyer = store.Address{FamilyName: "山田", GivenName: "太郎", FamilyKana: "ヤマダ", GivenKana: "タロウ",
	Phone: "090-1234-5678", PostalCode: "100-0001", Prefecture: "東京都", City: "千代田区", Address1: "千代田1-1", Address2: "かごビル3F"}

// placeOrder writes an order for qty of each product the way checkout does:
// stock taken and the order inserted in one transaction.
func placeOrder(t *testing.T, db *store.DB, payment string, qty int64, products ...store.Product) store.Order {
	t.Helper()
	o := store.Order{CheckoutID: "co-" + itoa(checkoutSeq.Add(1)), Status: store.OrderNew, PaymentMethod: payment,
		PaymentStatus: shop.PaymentUnpaid, Email: "taro@example.com", Buyer: testBuyer,
		Destination: store.Destination{SameAsBuyer: true}, DeliveryMethod: "宅配便", ShippingFee: 880}
	if payment == shop.PayCOD {
		o.PaymentStatus, o.CODFee = shop.PaymentCOD, 330
	}
	for _, p := range products {
		o.Lines = append(o.Lines, store.OrderLine{ProductID: p.ID, Name: p.Name, UnitPrice: p.Price, TaxRate: p.TaxRate, Quantity: qty})
		o.Subtotal += p.Price * qty
	}
	o.Total = o.Subtotal + o.ShippingFee + o.CODFee
	err := db.WithTx(context.Background(), func(tx *store.Tx) error {
		for _, l := range o.Lines {
			if err := tx.TakeStock(l.ProductID, l.Quantity); err != nil {
				return err
			}
		}
		return tx.InsertOrder(&o, "購入者")
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func demoProducts(t *testing.T, db *store.DB, n int) []store.Product {
	t.Helper()
	ps, err := db.Products(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Product
	for _, p := range ps {
		if p.Stock >= 10 && len(out) < n {
			out = append(out, p)
		}
	}
	if len(out) < n {
		t.Fatal("the demo catalog has too few products in stock")
	}
	return out
}

func stockOf(t *testing.T, db *store.DB, id int64) int64 {
	t.Helper()
	p, err := db.Product(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Stock
}

func events(t *testing.T, db *store.DB, orderID int64) []model.Event {
	t.Helper()
	e, err := db.Events(context.Background(), orderID)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOrderStatusTransitions(t *testing.T) {
	t.Parallel()
	s, db := newShop(t)
	ctx := context.Background()
	ps := demoProducts(t, db, 1)
	o := placeOrder(t, db, shop.PayBank, 1, ps...)

	mustFailInput := func(err error, want string) {
		t.Helper()
		ie, ok := shop.AsInputError(err)
		if !ok || !strings.Contains(ie.Error(), want) {
			t.Fatalf("got %v, want an input error with %q", err, want)
		}
	}
	mustFailInput(s.ChangeOrderStatus(ctx, o.ID, store.OrderCompleted, "a@example.com"), "「新規受付」から「受注完了」には変更できません。")
	mustFailInput(s.ChangeOrderStatus(ctx, o.ID, "lost", "a@example.com"), "受注ステータスを選んでください")
	if err := s.ChangeOrderStatusFrom(ctx, o.ID, shop.StatusChange{From: store.OrderShipped, To: store.OrderCompleted}, "a@example.com"); !errors.Is(err, shop.ErrOrderChanged) {
		t.Fatalf("stale from: %v", err)
	}
	if err := s.ChangeOrderStatus(ctx, 99999, store.OrderShipped, "a@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown order: %v", err)
	}
	for _, to := range []string{store.OrderShipped, store.OrderCompleted} {
		if err := s.ChangeOrderStatus(ctx, o.ID, to, "a@example.com"); err != nil {
			t.Fatalf("to %s: %v", to, err)
		}
	}
	mustFailInput(s.ChangeOrderStatus(ctx, o.ID, store.OrderCanceled, "a@example.com"), "「受注完了」から「キャンセル」には変更できません。")
	if err := s.ChangeOrderStatus(ctx, o.ID, store.OrderCompleted, "a@example.com"); !errors.Is(err, shop.ErrOrderChanged) {
		t.Fatalf("again to the same status: %v", err)
	}
	h := events(t, db, o.ID)
	if len(h) != 2 || h[0].Kind != model.EventOrderStatus || h[0].From != store.OrderNew || h[0].To != store.OrderShipped ||
		h[1].From != store.OrderShipped || h[1].To != store.OrderCompleted || h[1].Actor != shop.AdminActor("a@example.com") {
		t.Fatalf("events: %+v", h)
	}
	if got, _ := db.Order(ctx, o.ID); got.Status != store.OrderCompleted {
		t.Fatalf("status %s", got.Status)
	}
	if n := shop.NextOrderStatuses(store.OrderCompleted); len(n) != 0 {
		t.Fatalf("a completed order offers %v", n)
	}
}

func TestCancelReturnsStockOnce(t *testing.T) {
	t.Parallel()
	s, db := newShop(t)
	ctx := context.Background()
	ps := demoProducts(t, db, 2)
	before := []int64{stockOf(t, db, ps[0].ID), stockOf(t, db, ps[1].ID)}
	for round, from := range []string{store.OrderNew, store.OrderShipped, store.OrderNew, store.OrderShipped} {
		o := placeOrder(t, db, shop.PayCOD, 2, ps...)
		if from == store.OrderShipped {
			if err := s.ChangeOrderStatus(ctx, o.ID, store.OrderShipped, "a@example.com"); err != nil {
				t.Fatal(err)
			}
		}
		// Two admins press キャンセル at the same moment.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				errs[i] = s.ChangeOrderStatusFrom(ctx, o.ID, shop.StatusChange{From: from, To: store.OrderCanceled}, "admin"+string(rune('1'+i)))
			})
		}
		wg.Wait()
		won, lost := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, shop.ErrOrderChanged):
				lost++
				if err.Error() != "他の操作で状態が変わりました。画面を再読み込みしてください。" {
					t.Fatalf("conflict message %q", err)
				}
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("round %d: %d won, %d lost", round, won, lost)
		}
		for i, p := range ps {
			if got := stockOf(t, db, p.ID); got != before[i] {
				t.Fatalf("round %d: %s stock %d, want %d (returned once)", round, p.Name, got, before[i])
			}
		}
		h := events(t, db, o.ID)
		last := h[len(h)-1]
		if last.Kind != model.EventOrderStatus || last.From != from || last.To != store.OrderCanceled || len(last.Items) != 2 ||
			last.Items[0] != (model.EventItem{Name: ps[0].Name, Quantity: 2}) {
			t.Fatalf("event %+v", last)
		}
		cancels := 0
		for _, e := range h {
			if e.To == store.OrderCanceled {
				cancels++
			}
		}
		if cancels != 1 {
			t.Fatalf("round %d: %d cancel rows", round, cancels)
		}
	}
}

func TestPaymentCheck(t *testing.T) {
	t.Parallel()
	s, db := newShop(t)
	ctx := context.Background()
	ps := demoProducts(t, db, 1)
	bank := placeOrder(t, db, shop.PayBank, 1, ps...)
	if err := s.MarkUnpaid(ctx, bank.ID, "a@example.com"); !errors.Is(err, shop.ErrOrderChanged) {
		t.Fatalf("unpaid twice: %v", err)
	}
	if err := s.MarkPaid(ctx, bank.ID, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if o, _ := db.Order(ctx, bank.ID); o.PaymentStatus != shop.PaymentPaid {
		t.Fatalf("payment %s", o.PaymentStatus)
	}
	if err := s.MarkPaid(ctx, bank.ID, "a@example.com"); !errors.Is(err, shop.ErrOrderChanged) {
		t.Fatalf("paid twice: %v", err)
	}
	if err := s.MarkUnpaid(ctx, bank.ID, "b@example.com"); err != nil {
		t.Fatal(err)
	}
	h := events(t, db, bank.ID)
	if len(h) != 2 || h[0].Kind != model.EventPaymentCheck || h[0].From != shop.PaymentUnpaid || h[0].To != shop.PaymentPaid ||
		h[1].To != shop.PaymentUnpaid || h[1].Actor != shop.AdminActor("b@example.com") {
		t.Fatalf("events %+v", h)
	}
	cod := placeOrder(t, db, shop.PayCOD, 1, ps...)
	if _, ok := shop.AsInputError(s.MarkPaid(ctx, cod.ID, "a@example.com")); !ok {
		t.Fatal("COD order took a payment check")
	}
	if err := s.ChangeOrderStatus(ctx, bank.ID, store.OrderCanceled, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, ok := shop.AsInputError(s.MarkPaid(ctx, bank.ID, "a@example.com")); !ok {
		t.Fatal("canceled order took a payment check")
	}
	if err := s.MarkPaid(ctx, 99999, "a@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown order: %v", err)
	}
}

func TestParseOrderSearch(t *testing.T) {
	q, err := shop.ParseOrderSearch(shop.OrderSearchInput{Tab: "completed", Number: "１０００１２", Name: "　山田　　太郎 ",
		Email: " taro@example.com ", From: "2025-04-01", To: "2025/04/30", Payment: "bank", After: "120"})
	if err != nil {
		t.Fatal(err)
	}
	f := q.Filter
	// A number names one order: it is looked for in every tab (F-40).
	if q.Tab.Label != "受注完了一覧" || len(f.Statuses) != 0 || !q.AllTabs || f.Number != 100012 ||
		f.NamePrefix != "山田 太郎" || f.Email != "taro@example.com" || f.PaymentMethod != "bank" || q.Cursor.After != 120 {
		t.Fatalf("parsed %+v", q)
	}
	// Japan days as UTC bounds: from 2025-04-01 00:00 JST to the end of 2025-04-30 JST.
	if !f.From.Equal(time.Date(2025, 3, 31, 15, 0, 0, 0, time.UTC)) || !f.Until.Equal(time.Date(2025, 4, 30, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("dates %v – %v", f.From, f.Until)
	}
	for in, want := range map[string]string{"S03-1234567-7654321": "S03-1234567-7654321", "ｓ０３ー１２３４５６７ー７６５４３２１": "S03-1234567-7654321",
		" S03-1234567-7654321-C0000002 ": "S03-1234567-7654321", "S03-1234567-7654321-R01234567": "S03-1234567-7654321", "S03-123": "", "1000012": ""} {
		if got, ok := shop.ParseReference(in); got != want || ok != (want != "") {
			t.Errorf("ParseReference(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	if q, err := shop.ParseOrderSearch(shop.OrderSearchInput{Name: "太郎", AmazonStatus: "declined"}); err != nil || !q.Filter.GivenToo ||
		len(q.Filter.PaymentStatuses) != 3 || q.AllTabs || len(q.Filter.Statuses) == 0 {
		t.Fatalf("given name and 決済状況: %+v %v", q, err)
	}
	if q, err := shop.ParseOrderSearch(shop.OrderSearchInput{Name: "山田 太郎"}); err != nil || q.Filter.GivenToo {
		t.Fatalf("a full name is family name first: %+v %v", q.Filter, err)
	}
	if q, err := shop.ParseOrderSearch(shop.OrderSearchInput{Deadline: "near"}); err != nil || q.Filter.DeadlineWithin != shop.DeadlineNear {
		t.Fatalf("deadline filter: %+v %v", q.Filter, err)
	}
	q, err = shop.ParseOrderSearch(shop.OrderSearchInput{Status: store.OrderShipped})
	if err != nil || q.Tab.Key != "active" || len(q.Filter.Statuses) != 1 || q.Filter.Statuses[0] != store.OrderShipped {
		t.Fatalf("status in the open tab: %+v %v", q, err)
	}
	for _, tc := range []struct {
		in    shop.OrderSearchInput
		field string
	}{
		{shop.OrderSearchInput{Tab: "all"}, "tab"},
		{shop.OrderSearchInput{Number: "12a"}, "number"},
		{shop.OrderSearchInput{Number: "-5"}, "number"},
		{shop.OrderSearchInput{Name: strings.Repeat("山", 51)}, "name"},
		{shop.OrderSearchInput{Email: strings.Repeat("a", 255)}, "email"},
		{shop.OrderSearchInput{From: "2025-02-30"}, "from"},
		{shop.OrderSearchInput{From: "yesterday"}, "from"},
		{shop.OrderSearchInput{To: "20250401"}, "to"},
		{shop.OrderSearchInput{From: "2025-04-02", To: "2025-04-01"}, "to"},
		{shop.OrderSearchInput{Status: "lost"}, "status"},
		{shop.OrderSearchInput{Status: store.OrderCompleted}, "status"},
		{shop.OrderSearchInput{Tab: "canceled", Status: store.OrderNew}, "status"},
		{shop.OrderSearchInput{Payment: "card"}, "payment"},
		{shop.OrderSearchInput{Deadline: "soon"}, "deadline"},
		{shop.OrderSearchInput{Reference: "P01-1234567-1234567X"}, "reference"},
		{shop.OrderSearchInput{AmazonStatus: "Authorized"}, "amazon_status"},
		{shop.OrderSearchInput{After: "x'--"}, "page"},
		{shop.OrderSearchInput{Before: "0"}, "page"},
		{shop.OrderSearchInput{After: "5", Before: "9"}, "page"},
		{shop.OrderSearchInput{After: "99999999999999999999"}, "page"},
	} {
		q, err := shop.ParseOrderSearch(tc.in)
		ie, ok := shop.AsInputError(err)
		if !ok || ie.Fields[tc.field] == "" {
			t.Errorf("%+v: got %v, want a message for %s", tc.in, err, tc.field)
		}
		if q.Tab.Key == "" {
			t.Errorf("%+v: no tab to show", tc.in)
		}
	}
}

func TestExportOrdersCSV(t *testing.T) {
	t.Parallel()
	s, db := newShop(t)
	ctx := context.Background()
	ps := demoProducts(t, db, 1)
	a := placeOrder(t, db, shop.PayBank, 1, ps...)
	b := placeOrder(t, db, shop.PayCOD, 3, ps...)
	// A destination typed by a shopper that looks like a spreadsheet formula.
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		o := store.Order{CheckoutID: "co-gift", Status: store.OrderNew, PaymentMethod: shop.PayBank, PaymentStatus: shop.PaymentUnpaid,
			Email: "=cmd@example.com", Buyer: testBuyer, DeliveryMethod: "宅配便", Subtotal: 100, Total: 100,
			Destination: store.Destination{Address: store.Address{FamilyName: "=HYPERLINK(\"x\")", GivenName: "花子", Phone: "03-0000-0000",
				PostalCode: "530-0001", Prefecture: "大阪府", City: "大阪市北区", Address1: "梅田1-1"}},
			Lines: []store.OrderLine{{ProductID: ps[0].ID, Name: ps[0].Name, UnitPrice: 100, TaxRate: 8, Quantity: 1}}}
		return tx.InsertOrder(&o, "購入者")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeOrderStatus(ctx, a.ID, store.OrderCanceled, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	q, _ := shop.ParseOrderSearch(shop.OrderSearchInput{})
	if err := s.ExportOrdersCSV(ctx, q.Filter, &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\uFEFF注文番号,明細番号,受注日時,") || !strings.Contains(out, "\r\n") {
		t.Fatalf("no BOM, header or CRLF: %q", out[:min(len(out), 80)])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 { // header, the gift order, b; a is canceled and not in 受注一覧
		t.Fatalf("%d rows: %q", len(rows), rows)
	}
	header := rows[0]
	col := func(row []string, name string) string {
		t.Helper()
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("no column %s in %q", name, header)
		}
		return row[i]
	}
	gift, cod := rows[1], rows[2]
	if col(gift, "メールアドレス") != "'=cmd@example.com" || col(gift, "お届け先氏名") != "'=HYPERLINK(\"x\") 花子" ||
		col(gift, "お届け先住所") != "大阪府大阪市北区梅田1-1" || col(gift, "お届け先電話番号") != `="03-0000-0000"` {
		t.Fatalf("gift row %q", gift)
	}
	for name, want := range map[string]string{"注文番号": itoa(b.Number), "明細番号": "1",
		"受注日時": b.CreatedAt.In(time.FixedZone("JST", 9*3600)).Format("2006/01/02 15:04:05"), "注文者": "山田 太郎",
		"注文者カナ": "ヤマダ タロウ", "メールアドレス": "taro@example.com", "注文者電話番号": `="090-1234-5678"`, "注文者郵便番号": `="100-0001"`,
		"お届け先氏名": "山田 太郎", "お届け先郵便番号": `="100-0001"`, "お届け先住所": "東京都千代田区千代田1-1 かごビル3F",
		"お支払い方法": "代金引換", "入金・決済状況": "代引き（配達時に集金）", "受注ステータス": "新規受付", "商品ID": itoa(ps[0].ID),
		"商品名": ps[0].Name, "数量": "3", "小計（税込）": itoa(b.Subtotal), "商品合計": itoa(b.Subtotal), "送料": "880",
		"代引き手数料": "330", "合計金額": itoa(b.Total), "Amazonリファレンス ID": "", "送り状番号": ""} {
		if got := col(cod, name); got != want {
			t.Errorf("COD row %s = %q, want %q", name, got, want)
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

var checkoutSeq atomic.Int64
