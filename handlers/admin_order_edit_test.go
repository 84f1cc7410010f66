package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kago/amazonpay/emulator"
	"kago/model"
	"kago/shop"
	"kago/store"
)

// Tests of 編集モード (F-43) and the amount change of an Amazon Pay order
// (seed 000 table 8-2, the rows 増額 and 減額, for each sale method; seed
// 004's increase rules), through the admin's HTTP forms and the emulator
// over HTTP.

// amazonOrder places an Amazon Pay order with the sale method and 増額 as
// set at order time, paid with the buyer's instrument (its index), and
// signs the admin in.
func amazonOrder(t testing.TB, k *kit, method string, increase bool, buyer string, instrument int) int64 {
	t.Helper()
	a, _ := k.shop.AmazonPaySettings(context.Background())
	in := shop.AmazonPayInput{Environment: a.Environment, SaleMethod: method, ButtonColor: "DarkGray", ProductType: "PayAndShip",
		DisplayStyle: "logo", NotesOnPayment: true, NotesOnThanks: true, EnabledTakkyubin: true, Notes: a.Notes, AllowIncrease: increase}
	if err := k.shop.SaveAmazonPaySettings(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if r := payAtAmazon(t, k, amazonCheckout(t, k, buyer, instrument)); r.location != "/checkout/complete" {
		t.Fatalf("checkout: %d %s", r.status, r.location)
	}
	k.loginAdmin()
	return k.lastOrder().ID
}

var editVersionRe = regexp.MustCompile(`name="version" value="(\d+)"`)

// editVersion is the edit version 編集モード is drawn from now.
func editVersion(t testing.TB, k *kit, id int64) string {
	t.Helper()
	m := editVersionRe.FindStringSubmatch(k.get(orderPath(id) + "/edit").body)
	if m == nil {
		t.Fatal("編集モード has no form")
	}
	return m[1]
}

// edit sends 編集モード's 変更 from the page as drawn now.
func edit(t testing.TB, k *kit, id int64, form url.Values) response {
	t.Helper()
	return editAt(t, k, id, editVersion(t, k, id), form)
}

func editAt(t testing.TB, k *kit, id int64, version string, form url.Values) response {
	t.Helper()
	f := url.Values{"version": {version}}
	for key, vals := range form {
		f[key] = vals
	}
	return k.post(orderPath(id)+"/edit", f)
}

// mustEdit checks that an edit went through, back to 編集モード with the
// totals before and after.
func mustEdit(t testing.TB, k *kit, id int64, r response, before, after int64) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.location != orderPath(id)+"/edit" {
		t.Fatalf("edit: %d %s\n%s", r.status, r.location, excerpt(r.body))
	}
	mustContain(t, k.get(r.location).body, "変更しました（合計 "+yen(before)+" → "+yen(after)+"）。")
	if got := orderOf(t, k, id).Total; got != after {
		t.Fatalf("total %d after the edit, want %d", got, after)
	}
}

// redFrame is the red frame of 受注明細 ("" when there is none).
func redFrame(t testing.TB, k *kit, id int64) string {
	t.Helper()
	body := k.get(orderPath(id)).body
	i := strings.Index(body, `class="panel amount-gap"`)
	if i < 0 {
		return ""
	}
	return body[i : i+strings.Index(body[i:], "</section>")]
}

func adjust(name, rate, amount string) url.Values {
	return url.Values{"adj_name": {name}, "adj_" + rate: {amount}}
}

// openCharge is the order's open authorization at Amazon now.
func openAuthorizationOf(t testing.TB, k *kit, id int64) model.Charge {
	t.Helper()
	for _, c := range ledger(t, k, id).Charges {
		if c.State == model.StateAuthorized {
			return c
		}
	}
	t.Fatal("no open authorization")
	return model.Charge{}
}

// captureAll sends 売上請求 of the open authorization with its default
// amount and checks Amazon captured want.
func captureAll(t testing.TB, k *kit, id int64, want int64) {
	t.Helper()
	c := openAuthorizationOf(t, k, id)
	mustContain(t, frame(t, k, id), `data-amount="`+strings.TrimSuffix(yen(want), "円")+`"`)
	mustOK(t, k, id, payOp(t, k, id, model.OpCapture, url.Values{"charge": {c.ID}, "amount": {strconv.FormatInt(want, 10)}}))
	if got := amazonCharge(t, k, c.ID); got.StatusDetails.State != "Captured" || priceYen(got.CaptureAmount) != want {
		t.Fatalf("Amazon holds %s %d, want Captured %d", got.StatusDetails.State, priceYen(got.CaptureAmount), want)
	}
}

// TestOrderEditSeedTable82 walks every cell of seed 000's table 8-2 with an
// amount change: a decrease and an increase for each sale method, each
// edited in 編集モード and closed by the buttons the red frame names, and
// checks what the emulator holds.
func TestOrderEditSeedTable82(t *testing.T) {
	t.Parallel()
	cells := []struct {
		name, method string
		delta        int64
		walk         func(t testing.TB, k *kit, id int64, total int64)
	}{
		{"9-4 オーソリ+売上 減額 (差額を返金)", shop.SaleAuthorizeWithCapture, -108, func(t testing.TB, k *kit, id, total int64) {
			ch := chargeID(t, k, id, 1)
			mustContain(t, redFrame(t, k, id), "少なくなっています", "差額108円を返金")
			// The refund form offers the difference, not the whole.
			mustContain(t, frame(t, k, id), `<input type="radio" name="full" value="0" checked>`, `name="amount" inputmode="numeric" size="9" value="108"`)
			if strings.Contains(frame(t, k, id), `<input type="radio" name="full" value="1" checked>`) {
				t.Fatal("the refund form still offers the whole amount first")
			}
			mustOK(t, k, id, payOp(t, k, id, model.OpRefund, url.Values{"charge": {ch}, "full": {"0"}, "amount": {"108"}}))
			k.emu.Advance(settleTime)
			mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
			if c := amazonCharge(t, k, ch); priceYen(c.CaptureAmount)-priceYen(c.RefundedAmount) != total {
				t.Fatalf("Amazon keeps %d, want %d", priceYen(c.CaptureAmount)-priceYen(c.RefundedAmount), total)
			}
		}},
		{"9-3 オーソリ+売上 増額 (増額分を売上請求, F-82)", shop.SaleAuthorizeWithCapture, 500, func(t testing.TB, k *kit, id, total int64) {
			mustContain(t, redFrame(t, k, id), "500円多くなっています", "増額分を売上請求")
			mustContain(t, frame(t, k, id), "増額分を売上請求")
			mustOK(t, k, id, payOp(t, k, id, model.OpCharge, url.Values{"amount": {""}}))
			l := ledger(t, k, id)
			if len(l.Charges) != 2 || l.Charges[0].Captured+l.Charges[1].Captured != total {
				t.Fatalf("charges %+v, want %d captured in two", l.Charges, total)
			}
			if c := amazonCharge(t, k, l.Charges[1].ID); c.StatusDetails.State != "Captured" || priceYen(c.CaptureAmount) != 500 ||
				c.ChargePermissionID != l.Permission.ID {
				t.Fatalf("the additional charge at Amazon: %+v", c)
			}
		}},
		{"10-4 オーソリのみ 減額 (金額を更新してオーソリ)", shop.SaleAuthorize, -108, func(t testing.TB, k *kit, id, total int64) {
			old := chargeID(t, k, id, 1)
			mustContain(t, redFrame(t, k, id), "オーソリ額", "金額を更新してオーソリ")
			mustOK(t, k, id, payOp(t, k, id, model.OpReauthorize, url.Values{"charge": {old}}))
			if c := amazonCharge(t, k, old); c.StatusDetails.State != "Canceled" {
				t.Fatalf("the old authorization is %s at Amazon", c.StatusDetails.State)
			}
			if c := openAuthorizationOf(t, k, id); c.Amount != total {
				t.Fatalf("authorized %d, want %d", c.Amount, total)
			}
			captureAll(t, k, id, total)
		}},
		{"10-5 オーソリのみ 減額 (少なく売上請求)", shop.SaleAuthorize, -108, func(t testing.TB, k *kit, id, total int64) {
			captureAll(t, k, id, total) // the capture's default is the new total
		}},
		{"10-3 オーソリのみ 増額 (金額を更新してオーソリ)", shop.SaleAuthorize, 500, func(t testing.TB, k *kit, id, total int64) {
			old := chargeID(t, k, id, 1)
			mustContain(t, redFrame(t, k, id), "金額を更新してオーソリ")
			mustOK(t, k, id, payOp(t, k, id, model.OpReauthorize, url.Values{"charge": {old}}))
			if c := openAuthorizationOf(t, k, id); c.Amount != total {
				t.Fatalf("authorized %d, want %d", c.Amount, total)
			}
			captureAll(t, k, id, total)
		}},
		{"11-3 確認 減額 (金額を更新してオーソリ)", shop.SaleConfirm, -108, func(t testing.TB, k *kit, id, total int64) {
			mustContain(t, redFrame(t, k, id), "まだオーソリしていません")
			mustContain(t, frame(t, k, id), "金額を更新してオーソリ")
			mustOK(t, k, id, payOp(t, k, id, model.OpAuthorize, url.Values{"amount": {""}}))
			captureAll(t, k, id, total)
		}},
		{"11-3 確認 増額 (金額を更新してオーソリ)", shop.SaleConfirm, 500, func(t testing.TB, k *kit, id, total int64) {
			mustContain(t, frame(t, k, id), "金額を更新してオーソリ")
			mustOK(t, k, id, payOp(t, k, id, model.OpAuthorize, url.Values{"amount": {""}}))
			captureAll(t, k, id, total)
		}},
	}
	for _, c := range cells {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t)
			id := amazonOrder(t, k, c.method, true, emulator.BuyerTaro, 0)
			before := orderOf(t, k, id).Total
			if redFrame(t, k, id) != "" {
				t.Fatal("a red frame before any edit")
			}
			form := adjust("値引き", "8", strconv.FormatInt(c.delta, 10))
			if c.delta > 0 {
				form = adjust("追加料金", "10", "+"+strconv.FormatInt(c.delta, 10))
			}
			mustEdit(t, k, id, edit(t, k, id, form), before, before+c.delta)
			c.walk(t, k, id, before+c.delta)
			if g := redFrame(t, k, id); g != "" {
				t.Fatalf("the red frame stays after the money follows: %s", g)
			}
			page := k.get(orderPath(id)).body
			mustContain(t, page, "受注内容の編集（編集モード）", yen(before)+" → "+yen(before+c.delta), form.Get("adj_name"))
			if strings.Contains(page, "結果不明") {
				t.Fatal("an operation's outcome is unknown")
			}
		})
	}
}

// TestOrderEditLinesStockAndTotals: quantities change and lines go, a
// product is added, an adjustment is removed; stock follows, and the
// totals and tax of each rate are computed again; mails and documents
// read the edited order.
func TestOrderEditLinesStockAndTotals(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	o := k.placeOrders(orderSpec{family: "山田", given: "太郎", email: "taro@example.com", payment: shop.PayBank, qty: 2})[0]
	k.loginAdmin()
	line := o.Lines[0]
	stock := stockOf(t, k, line.ProductID)
	add := k.product(func(p store.Product) bool { return p.TaxRate == 10 && p.Stock >= 5 && p.ID != line.ProductID })
	addStock := stockOf(t, k, add.ID)

	page := k.get(orderPath(o.ID) + "/edit?q=" + url.QueryEscape(add.Name)).body
	mustContain(t, page, "編集モード", "金額調整名目", `value="`+strconv.FormatInt(add.ID, 10)+`"`)
	form := url.Values{"qty-" + strconv.Itoa(line.LineNo): {"３"}, "add_product": {strconv.FormatInt(add.ID, 10)}, "add_quantity": {"2"},
		"adj_name": {"値引き"}, "adj_10": {"-100"}}
	want := o.Total + line.UnitPrice + 2*add.Price - 100
	mustEdit(t, k, o.ID, edit(t, k, o.ID, form), o.Total, want)
	e := orderOf(t, k, o.ID)
	if got := stockOf(t, k, line.ProductID); got != stock-1 {
		t.Fatalf("stock %d, want %d", got, stock-1)
	}
	if got := stockOf(t, k, add.ID); got != addStock-2 {
		t.Fatalf("added product's stock %d, want %d", got, addStock-2)
	}
	if e.Total8 != 3*line.UnitPrice || e.Tax8 != shop.TaxIncluded(e.Total8, 8) || e.Total10 != o.Total10+2*add.Price-100 ||
		e.Tax10 != shop.TaxIncluded(e.Total10, 10) || e.Total != e.Total8+e.Total10 {
		t.Fatalf("totals %+v", e)
	}
	detail := k.get(orderPath(o.ID)).body
	mustContain(t, detail, "値引き", "-100円", add.Name, "受注内容の編集（編集モード）", line.Name+" 数量 2 → 3", add.Name+" 2点を追加")
	if redFrame(t, k, o.ID) != "" {
		t.Fatal("a red frame on a bank transfer order")
	}
	// The 納品書 reads the edited lines and the adjustment.
	mustContain(t, k.get("/admin/orders/selection?do=doc-delivery&id="+strconv.FormatInt(o.ID, 10)).body, "値引き", yen(e.Total))

	// Remove the adjustment and the added product: all back as it was.
	adjNo := e.Adjustments[0].LineNo
	var addedNo int
	for _, l := range e.Lines {
		if l.ProductID == add.ID {
			addedNo = l.LineNo
		}
	}
	form = url.Values{"qty-" + strconv.Itoa(addedNo): {"0"}, "qty-" + strconv.Itoa(line.LineNo): {"2"}, "remove_adjustment": {strconv.Itoa(adjNo)}}
	mustEdit(t, k, o.ID, edit(t, k, o.ID, form), want, o.Total)
	if got := stockOf(t, k, add.ID); got != addStock {
		t.Fatalf("added product's stock %d after its removal, want %d", got, addStock)
	}
	if got := stockOf(t, k, line.ProductID); got != stock {
		t.Fatalf("stock %d, want %d", got, stock)
	}
}

// TestOrderEditRefusals: each bad edit has its own message, keeps what was
// typed, and changes nothing: totals out of bounds, a quantity above
// stock, an increase with 増額 off, past the limit, or on a gift-card-only
// payment, and a second admin's stale form.
func TestOrderEditRefusals(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	o := k.placeOrders(orderSpec{family: "山田", given: "太郎", email: "taro@example.com", payment: shop.PayBank, qty: 1})[0]
	k.loginAdmin()
	line := o.Lines[0]
	qty := "qty-" + strconv.Itoa(line.LineNo)
	stock := stockOf(t, k, line.ProductID)
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"合計0円", url.Values{"adj_name": {"値引き"}, "adj_10": {strconv.FormatInt(-o.Total10, 10)}, "adj_8": {strconv.FormatInt(-o.Total8, 10)}},
			"合計金額は1円以上にしてください"},
		{"マイナス", adjust("値引き", "8", strconv.FormatInt(-o.Total8-1, 10)), "8%対象の合計がマイナス"},
		{"100万円超", adjust("追加料金", "10", "1000000"), "合計金額は1,000,000円までです。"},
		{"在庫超", url.Values{qty: {strconv.FormatInt(stock+line.Quantity+1, 10)}}, "在庫が足りません"},
		{"数量", url.Values{qty: {"x"}}, "数量は0以上の半角数字で入力してください"},
		{"全削除", url.Values{qty: {"0"}}, "商品をすべて削除することはできません"},
		{"名目なし", url.Values{"adj_10": {"-100"}}, "金額調整名目を入力してください"},
		{"金額の形", adjust("値引き", "10", "1.5"), "円単位の整数で入力してください"},
		{"変更なし", url.Values{}, "変更する内容がありません"},
	} {
		r := edit(t, k, o.ID, tc.form)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", tc.name, r.status, excerpt(r.body))
			continue
		}
		mustContain(t, r.body, tc.want)
		for key, vals := range tc.form {
			if key != "remove_adjustment" && !strings.Contains(r.body, `value="`+vals[0]+`"`) {
				t.Errorf("%s: %s=%s not kept", tc.name, key, vals[0])
			}
		}
	}
	if e := orderOf(t, k, o.ID); e.Total != o.Total || len(e.Adjustments) != 0 || stockOf(t, k, line.ProductID) != stock {
		t.Fatalf("a refused edit changed the order: %+v", e)
	}

	// Two admins: both draw the page; the first edit wins, the second is
	// refused with the first's change on the page, nothing lost.
	v := editVersion(t, k, o.ID)
	mustEdit(t, k, o.ID, editAt(t, k, o.ID, v, adjust("値引き", "8", "-50")), o.Total, o.Total-50)
	r := editAt(t, k, o.ID, v, adjust("送料調整", "10", "200"))
	mustRefuse(t, r, http.StatusConflict, "別の画面（他の管理者）で編集されました", "-50円")
	if e := orderOf(t, k, o.ID); e.Total != o.Total-50 || len(e.Adjustments) != 1 {
		t.Fatalf("the stale edit changed the order: %+v", e)
	}

	// A canceled order cannot be edited: the page says why and has no form.
	gone := k.placeOrders(taro(shop.PayBank))[0]
	if err := k.shop.ChangeOrderStatus(context.Background(), gone.ID, store.OrderCanceled, "x"); err != nil {
		t.Fatal(err)
	}
	page := k.get(orderPath(gone.ID) + "/edit").body
	mustContain(t, page, "この注文は編集できません。")
	if strings.Contains(page, `name="version"`) {
		t.Fatal("編集モード of a canceled order has a form")
	}
	mustRefuse(t, editAt(t, k, gone.ID, "0", adjust("値引き", "8", "-1")), http.StatusUnprocessableEntity, "この注文は編集できません。")

	// Amazon Pay's increase rules, before any call to Amazon.
	for _, tc := range []struct {
		name       string
		increase   bool
		buyer      string
		instrument int
		delta      int64
		want       string
	}{
		{"増額 利用しない", false, emulator.BuyerTaro, 0, 1, "注文時に「増額」を利用しない設定だった"},
		{"ギフト券のみ", true, emulator.BuyerGiftCard, 0, 1, "Amazonギフト券のみでお支払いの注文は増額できません"},
		{"上限超", true, emulator.BuyerTaro, 0, 70_000, "900%または70,000円のどちらか高い額"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t)
			id := amazonOrder(t, k, shop.SaleAuthorize, tc.increase, tc.buyer, tc.instrument)
			total := orderOf(t, k, id).Total
			n := calls(t, k, id, "CreateCharge") + calls(t, k, id, "CancelCharge")
			r := edit(t, k, id, adjust("追加料金", "10", strconv.FormatInt(tc.delta, 10)))
			mustRefuse(t, r, http.StatusUnprocessableEntity, tc.want)
			if got := orderOf(t, k, id).Total; got != total {
				t.Fatalf("total %d after a refused increase", got)
			}
			if calls(t, k, id, "CreateCharge")+calls(t, k, id, "CancelCharge") != n {
				t.Fatal("a refused increase called Amazon")
			}
			// A decrease is always possible.
			mustEdit(t, k, id, edit(t, k, id, adjust("値引き", "8", "-1")), total, total-1)
		})
	}
}
