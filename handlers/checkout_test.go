package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"kago/shop"
	"kago/store"
)

func buyerValues() url.Values {
	return url.Values{
		"email": {"taro@example.jp"}, "buyer_family_name": {"判図"}, "buyer_given_name": {"太郎"},
		"buyer_family_kana": {"はんず"}, "buyer_given_kana": {"タロウ"}, "buyer_phone": {"０５５-９７５-００００"},
		"buyer_postal_code": {"4110901"}, "buyer_prefecture": {"静岡県"}, "buyer_city": {"駿東郡清水町"},
		"buyer_address1": {"新宿823-1"}, "buyer_address2": {"ハンズマンション101"}, "ship_to": {"buyer"},
	}
}

func paymentValues(method string) url.Values {
	return url.Values{"delivery_method": {"takkyubin"}, "delivery_date": {""}, "delivery_time": {"am"},
		"payment_method": {method}, "notes": {"不在時は宅配ボックスへ"}, "agree": {"1"}}
}

func merge(vs ...url.Values) url.Values {
	out := url.Values{}
	for _, v := range vs {
		for k, x := range v {
			out[k] = x
		}
	}
	return out
}

// fillCart puts qty of a well-stocked product into the kit's cart.
func fillCart(t testing.TB, k *kit, qty int) store.Product {
	t.Helper()
	p := k.product(func(p store.Product) bool { return p.Stock > 20 && p.TaxRate == 8 })
	if r := k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {strconv.Itoa(qty)}}); r.status != http.StatusSeeOther {
		t.Fatalf("add to cart: %d", r.status)
	}
	return p
}

var (
	totalRe    = regexp.MustCompile(`name="total" value="(\d+)"`)
	checkoutRe = regexp.MustCompile(`name="checkout_id" value="([^"]+)"`)
	digestRe   = regexp.MustCompile(`name="digest" value="([^"]+)"`)
)

func confirmForm(t testing.TB, body string) url.Values {
	t.Helper()
	tm, cm, dm := totalRe.FindStringSubmatch(body), checkoutRe.FindStringSubmatch(body), digestRe.FindStringSubmatch(body)
	if tm == nil || cm == nil || dm == nil {
		t.Fatalf("confirm page without its form:\n%s", body)
	}
	return url.Values{"total": {tm[1]}, "checkout_id": {cm[1]}, "digest": {dm[1]}}
}

func setCartType(t *testing.T, k *kit, cart string) {
	t.Helper()
	st, _ := k.shop.Settings(context.Background())
	in := st.Input()
	in.CartType = cart
	if err := k.shop.SaveSettings(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

func TestZeroStepCartOrder(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	p := fillCart(t, k, 2)
	mustContain(t, k.get("/cart").body, "ご注文手続きへ")
	if r := k.get("/checkout"); r.location != "/checkout/order" {
		t.Fatalf("checkout start: %s", r.location)
	}
	r := k.get("/checkout/order")
	mustContain(t, r.body, "ご注文手続き", "お客様情報", "お届け先", "お支払い方法", "代金引換", "確認画面へ進む", `<label for="buyer_family_name">`)
	r = k.post("/checkout/order", merge(buyerValues(), paymentValues("cod")))
	if r.status != http.StatusSeeOther || r.location != "/checkout/confirm" {
		t.Fatalf("order page: %d %s\n%s", r.status, r.location, r.body)
	}
	r = k.get("/checkout/confirm")
	subtotal := 2 * p.Price
	total := subtotal + 330
	if subtotal < 8000 {
		total += 880
	}
	mustContain(t, r.body, "ご注文内容の確認", "注文する", "判図 太郎", "〒411-0901", "代金引換", "代引き手数料", yen(total), "ハンズ　タロウ", "0559750000")
	r = k.post("/checkout/place", confirmForm(t, r.body))
	if r.status != http.StatusSeeOther || r.location != "/checkout/complete" {
		t.Fatalf("place: %d %s %s", r.status, r.location, r.body)
	}
	r = k.get("/checkout/complete")
	mustContain(t, r.body, "ご注文ありがとうございました", "ご注文番号：<strong>100001</strong>", "taro@example.jp")

	o, err := k.db.Order(context.Background(), 1)
	if err != nil || o.Total != total || o.PaymentMethod != shop.PayCOD || o.CODFee != 330 || o.Buyer.FamilyKana != "ハンズ" || len(o.Lines) != 1 {
		t.Fatalf("order %+v %v", o, err)
	}
	after, _ := k.db.Product(context.Background(), p.ID)
	if after.Stock != p.Stock-2 {
		t.Fatalf("stock %d, want %d", after.Stock, p.Stock-2)
	}
	mails, _ := k.db.OrderMails(context.Background(), o.ID)
	if len(mails) != 2 || mails[0].To != "taro@example.jp" || !strings.HasPrefix(mails[1].Subject, "【受注通知用コピーメール】") ||
		!strings.Contains(mails[0].Body, "判図 太郎 様") || !strings.Contains(mails[0].Body, "100001") {
		t.Fatalf("mails %+v", mails)
	}
	mustContain(t, k.get("/cart").body, "カゴに商品が入っていません。")
}

func yen(v int64) string {
	s := strconv.FormatInt(v, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s + "円"
}

func TestThreeStepCartOrderKeepsInputBackAndForth(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	setCartType(t, k, shop.CartThreeStep)
	fillCart(t, k, 1)
	if r := k.get("/checkout"); r.location != "/checkout/step1" {
		t.Fatalf("checkout start: %s", r.location)
	}
	if r := k.get("/checkout/step2"); r.location != "/checkout/step1" {
		t.Fatal("step2 before step1 was allowed")
	}
	mustContain(t, k.get("/checkout/step1").body, "Step1 お客様情報・お届け先", `class="current"`)
	other := buyerValues()
	other.Set("ship_to", "other")
	for k2, v := range map[string]string{"dest_family_name": "山田", "dest_given_name": "花子", "dest_phone": "09012345678",
		"dest_postal_code": "060-0001", "dest_prefecture": "北海道", "dest_city": "札幌市中央区", "dest_address1": "北一条西1-1"} {
		other.Set(k2, v)
	}
	if r := k.post("/checkout/step1", other); r.location != "/checkout/step2" {
		t.Fatalf("step1: %d %s", r.status, r.location)
	}
	// Step2 typed, then 「Step1へ戻る」: both pages still show what was typed.
	back := paymentValues("bank")
	back.Set("back", "1")
	back.Set("notes", "のし紙をお願いします")
	if r := k.post("/checkout/step2", back); r.location != "/checkout/step1" {
		t.Fatalf("back: %d %s", r.status, r.location)
	}
	mustContain(t, k.get("/checkout/step1").body, `value="山田"`, `value="taro@example.jp"`)
	mustContain(t, k.get("/checkout/step2").body, "のし紙をお願いします", "Step2 お支払い方法・配送")
	pay := paymentValues("bank")
	if r := k.post("/checkout/step2", pay); r.location != "/checkout/confirm" {
		t.Fatalf("step2: %d %s", r.status, r.location)
	}
	r := k.get("/checkout/confirm")
	mustContain(t, r.body, "Step3 ご注文内容の確認", "山田 花子", "北海道札幌市中央区", "銀行振込")
	r = k.post("/checkout/place", confirmForm(t, r.body))
	if r.location != "/checkout/complete" {
		t.Fatalf("place: %d %s", r.status, r.location)
	}
	mustContain(t, k.get("/checkout/complete").body, "お振込先", "かご銀行")
	o, _ := k.db.Order(context.Background(), 1)
	if o.Destination.SameAsBuyer || o.Destination.Address.Prefecture != "北海道" || o.PaymentStatus != shop.PaymentUnpaid {
		t.Fatalf("order %+v", o)
	}
}

func TestCheckoutBadInput(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	fillCart(t, k, 1)
	k.get("/checkout/order")
	cases := []struct {
		field, value, want string
	}{
		{"email", "", "メールアドレスを入力してください。"},
		{"email", "taro@", "メールアドレスの形式が正しくありません"},
		{"buyer_phone", "12345", "電話番号は市外局番から10桁または11桁"},
		{"buyer_postal_code", "12-34", "郵便番号は7桁の数字"},
		{"buyer_prefecture", "東京", "都道府県を選んでください。"},
		{"buyer_family_kana", "Hanzu", "フリガナは全角カタカナ"},
		{"buyer_city", "", "市区町村を入力してください。"},
		{"delivery_date", "2020-01-01", "お届け希望日は"},
		{"delivery_time", "midnight", "お届け希望時間帯を選び直してください。"},
		{"payment_method", "bitcoin", "お支払い方法を選んでください。"},
		{"delivery_method", "drone", "配送方法を選んでください。"},
		{"agree", "", "ご利用規約への同意が必要です。"},
		{"ship_to", "moon", "お届け先を選んでください。"},
	}
	markedControls := map[string]bool{"email": true, "buyer_phone": true, "buyer_postal_code": true, "buyer_prefecture": true,
		"buyer_family_kana": true, "buyer_city": true, "delivery_date": true, "delivery_time": true, "delivery_method": true, "agree": true}
	for _, tc := range cases {
		form := merge(buyerValues(), paymentValues("bank"))
		form.Set(tc.field, tc.value)
		form.Set("buyer_address1", "入力保持の確認1-2-3")
		r := k.post("/checkout/order", form)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s=%q: %d, want 422", tc.field, tc.value, r.status)
			continue
		}
		mustContain(t, r.body, tc.want, "入力内容に誤りがあります", `value="入力保持の確認1-2-3"`)
		// The control itself says it is wrong, and where its message is
		// (the radio groups' messages follow the group).
		if markedControls[tc.field] {
			marked := regexp.MustCompile(` id="` + tc.field + `"[^>]* aria-invalid="true" aria-describedby="err-` + tc.field + `"`)
			if !marked.MatchString(r.body) {
				t.Errorf("%s=%q: the control is not marked aria-invalid=\"true\" with its message", tc.field, tc.value)
			}
		}
	}
	// A recipient address is checked only when shipping elsewhere.
	form := merge(buyerValues(), paymentValues("bank"))
	form.Set("ship_to", "other")
	r := k.post("/checkout/order", form)
	mustContain(t, r.body, `id="err-dest_family_name"`, `id="err-dest_postal_code"`)
	if n, _ := k.db.Products(context.Background(), true); len(n) == 0 {
		t.Fatal("catalog vanished")
	}
	if _, err := k.db.Order(context.Background(), 1); err == nil {
		t.Fatal("bad input created an order")
	}
	// The confirm page is not reachable with an invalid draft.
	if r := k.get("/checkout/confirm"); r.location != "/checkout/order" {
		t.Fatalf("confirm with an invalid draft: %d %s", r.status, r.location)
	}
}

func TestCheckoutEmptyCartAndTampering(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	for _, path := range []string{"/checkout/order", "/checkout/step1", "/checkout/confirm"} {
		if r := k.get(path); r.location != "/cart" {
			t.Errorf("%s with an empty cart: %d %s", path, r.status, r.location)
		}
	}
	if r := k.post("/checkout/place", url.Values{"total": {"100"}, "checkout_id": {"x"}}); r.location != "/cart" {
		t.Fatalf("place with an empty cart: %d %s", r.status, r.location)
	}
	fillCart(t, k, 1)
	k.post("/checkout/order", merge(buyerValues(), paymentValues("bank")))
	r := k.get("/checkout/confirm")
	form := confirmForm(t, r.body)
	for _, tc := range []url.Values{{"total": {"1"}}, {"total": {"abc"}}, {"checkout_id": {"someone-else"}}} {
		f := merge(form, tc)
		r := k.post("/checkout/place", f)
		if r.status == http.StatusSeeOther && r.location == "/checkout/complete" {
			t.Fatalf("tampered %v placed an order", tc)
		}
	}
	r = k.post("/checkout/place", merge(form, url.Values{"total": {"1"}}))
	mustContain(t, r.body, "金額が変更されました")
	if _, err := k.db.Order(context.Background(), 1); err == nil {
		t.Fatal("a tampered total created an order")
	}
}

func TestPriceOrStockChangeBeforeOrder(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	p := fillCart(t, k, 2)
	k.post("/checkout/order", merge(buyerValues(), paymentValues("bank")))
	form := confirmForm(t, k.get("/checkout/confirm").body)
	ctx := context.Background()
	// The merchant raises the price after the shopper saw the confirmation.
	if err := k.db.WithTx(ctx, func(tx *store.Tx) error {
		p.Price += 100
		return tx.UpdateProduct(p)
	}); err != nil {
		t.Fatal(err)
	}
	r := k.post("/checkout/place", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("price change: %d %s", r.status, r.location)
	}
	mustContain(t, r.body, "金額が変更されました", yen(2*p.Price))
	// Stock sold out elsewhere: back to the cart with the reason.
	form = confirmForm(t, r.body)
	if err := k.db.WithTx(ctx, func(tx *store.Tx) error { return tx.TakeStock(p.ID, p.Stock-1) }); err != nil {
		t.Fatal(err)
	}
	r = k.post("/checkout/place", form)
	if r.location != "/cart" {
		t.Fatalf("stock change: %d %s", r.status, r.location)
	}
	mustContain(t, k.get("/cart").body, "在庫が不足")
	if _, err := k.db.Order(ctx, 1); err == nil {
		t.Fatal("an order was made")
	}
}

// TestDoubleSubmitMakesOneOrder fires 「注文する」 twenty times at once with the
// same session, then once more later (the back button): one order, one stock
// decrement, two mails.
func TestDoubleSubmitMakesOneOrder(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	p := fillCart(t, k, 3)
	k.post("/checkout/order", merge(buyerValues(), paymentValues("bank")))
	form := confirmForm(t, k.get("/checkout/confirm").body)
	csrf := k.csrfToken()
	form.Set("_csrf", csrf)
	var wg sync.WaitGroup
	statuses := make(chan string, 20)
	for range 20 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, k.srv.URL+"/checkout/place", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := k.client.Do(req)
			if err != nil {
				statuses <- err.Error()
				return
			}
			res.Body.Close()
			statuses <- strconv.Itoa(res.StatusCode) + " " + res.Header.Get("Location")
		})
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != "303 /checkout/complete" {
			t.Errorf("a concurrent submit got %s", s)
		}
	}
	if r := k.post("/checkout/place", form); r.location != "/checkout/complete" {
		t.Errorf("resubmit after completion: %d %s", r.status, r.location)
	}
	ctx := context.Background()
	if _, err := k.db.Order(ctx, 2); err == nil {
		t.Fatal("a second order was made")
	}
	o, err := k.db.Order(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := k.db.Product(ctx, p.ID)
	mails, _ := k.db.OrderMails(ctx, o.ID)
	if after.Stock != p.Stock-3 || len(mails) != 2 {
		t.Fatalf("stock %d (want %d), mails %d (want 2)", after.Stock, p.Stock-3, len(mails))
	}
}

// フリガナ typed in half-width katakana (ﾔﾏﾀﾞ, as many keyboards and
// autofill give it) is taken and shown in full width, not refused.
func TestHalfWidthKanaIsWidened(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	fillCart(t, k, 1)
	if r := k.post("/checkout/order", merge(buyerValues(), paymentValues("bank"),
		url.Values{"buyer_family_kana": {"ﾊﾝｽﾞ"}, "buyer_given_kana": {"ﾀﾛｳ"}})); r.location != "/checkout/confirm" {
		t.Fatalf("half-width kana refused: %d %s", r.status, r.location)
	}
	mustContain(t, k.get("/checkout/confirm").body, "ハンズ　タロウ")
}
