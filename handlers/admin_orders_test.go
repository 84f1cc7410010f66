package handlers_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kago/mail"
	"kago/shop"
	"kago/store"
)

type orderSpec struct {
	family, given string
	email         string
	payment       string
	qty           int64
	dest          *store.Address
	notes         string
	status, paid  string // the order and payment status, when not as placed
}

// placeOrders writes orders the way checkout does (stock taken, order and
// first history row in one transaction) and returns them in order.
func (k *kit) placeOrders(specs ...orderSpec) []store.Order {
	k.t.Helper()
	p := k.product(func(p store.Product) bool { return p.Stock >= 50 && p.TaxRate == 8 })
	var out []store.Order
	err := k.db.WithTx(context.Background(), func(tx *store.Tx) error {
		for _, s := range specs {
			if s.qty == 0 {
				s.qty = 1
			}
			o := store.Order{CheckoutID: fmt.Sprintf("co-%d", checkoutSeq.Add(1)), Status: store.OrderNew,
				PaymentMethod: s.payment, PaymentStatus: shop.PaymentUnpaid, Email: s.email,
				Buyer: store.Address{FamilyName: s.family, GivenName: s.given, FamilyKana: "テスト", GivenKana: "ジロウ", Phone: "090-1111-2222",
					PostalCode: "600-8001", Prefecture: "京都府", City: "京都市下京区", Address1: "四条通1-1", Address2: "かごビル2F"},
				Destination: store.Destination{SameAsBuyer: s.dest == nil}, DeliveryMethod: "宅配便", DeliveryDate: "2025-04-05",
				DeliveryTime: "午前中", Notes: s.notes, ShippingFee: 880}
			if s.status != "" {
				o.Status = s.status
			}
			if s.paid != "" {
				o.PaymentStatus = s.paid
			}
			if s.dest != nil {
				o.Destination.Address = *s.dest
			}
			if s.payment == shop.PayCOD {
				o.PaymentStatus, o.CODFee = shop.PaymentCOD, 330
			}
			o.Lines = []store.OrderLine{{ProductID: p.ID, Name: p.Name, UnitPrice: p.Price, TaxRate: p.TaxRate, Quantity: s.qty}}
			o.Subtotal = p.Price * s.qty
			o.Total = o.Subtotal + o.ShippingFee + o.CODFee
			o.Total8, o.Tax8 = o.Subtotal, shop.TaxIncluded(o.Subtotal, 8)
			o.Total10, o.Tax10 = o.ShippingFee+o.CODFee, shop.TaxIncluded(o.ShippingFee+o.CODFee, 10)
			if err := tx.TakeStock(p.ID, s.qty); err != nil {
				return err
			}
			if err := tx.InsertOrder(&o, "購入者"); err != nil {
				return err
			}
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		k.t.Fatal(err)
	}
	return out
}

// checkoutSeq keeps the orders' checkout IDs unique.
var checkoutSeq atomic.Int64

func taro(payment string) orderSpec {
	return orderSpec{family: "山田", given: "太郎", email: "taro@example.com", payment: payment}
}

var numberLinkRe = regexp.MustCompile(`href="/admin/orders/(\d+)">(\d+)</a>`)

// listedNumbers are the order numbers of a list page, in order.
func listedNumbers(body string) []string {
	var out []string
	for _, m := range numberLinkRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[2])
	}
	return out
}

func num(o store.Order) string { return strconv.FormatInt(o.Number, 10) }

func TestAdminOrderPagesNeedLogin(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	for _, path := range []string{"/admin/orders", "/admin/orders.csv", "/admin/orders/1", "/admin/mail-templates", "/admin/mail-templates/thanks"} {
		if r := k.get(path); r.status != http.StatusSeeOther || r.location != "/admin/login" {
			t.Errorf("%s without login: %d %s", path, r.status, r.location)
		}
	}
	for _, path := range []string{"/admin/orders/1/status", "/admin/orders/1/payment", "/admin/mail-templates/thanks", "/admin/mail-templates/thanks/reset"} {
		if r := k.post(path, url.Values{"to": {"canceled"}, "paid": {"1"}}); r.status != http.StatusSeeOther || r.location != "/admin/login" {
			t.Errorf("POST %s without login: %d %s", path, r.status, r.location)
		}
	}
}

func TestAdminOrderListTabsAndSearch(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	if r := k.get("/admin/orders"); r.status != http.StatusOK || !strings.Contains(r.body, "受注はまだありません。") {
		t.Fatalf("empty list: %d", r.status)
	}
	os := k.placeOrders(
		taro(shop.PayBank),
		orderSpec{family: "佐藤", given: "花子", email: "hanako@example.com", payment: shop.PayCOD},
		orderSpec{family: "山本", given: "一郎", email: "ichiro@example.com", payment: shop.PayBank},
		orderSpec{family: "鈴木", given: "次郎", email: "jiro@example.com", payment: shop.PayCOD},
	)
	ctx := context.Background()
	if err := k.shop.ChangeOrderStatus(ctx, os[2].ID, store.OrderCanceled, "x"); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{store.OrderShipped, store.OrderCompleted} {
		if err := k.shop.ChangeOrderStatus(ctx, os[3].ID, to, "x"); err != nil {
			t.Fatal(err)
		}
	}
	r := k.get("/admin/orders")
	if r.status != http.StatusOK {
		t.Fatalf("list: %d", r.status)
	}
	mustContain(t, r.body, "<h1>受注一覧</h1>", "受注完了一覧", "受注キャンセル一覧", "注文番号", "受注日時", "注文者", "合計金額",
		"お支払い方法", "受注ステータス", "山田 太郎", "taro@example.com", "銀行振込", "入金待ち", "代金引換", "代引き（配達時に集金）",
		"新規受付", "受注データCSVダウンロード", "詳細検索フォーム", `<label for="q-name">お名前（前方一致）</label>`)
	if got, want := listedNumbers(r.body), []string{num(os[1]), num(os[0])}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("受注一覧 lists %v, want %v (newest first)", got, want)
	}
	r = k.get("/admin/orders?tab=completed")
	mustContain(t, r.body, "<h1>受注完了一覧</h1>", "鈴木 次郎", "受注完了")
	if got := listedNumbers(r.body); len(got) != 1 || got[0] != num(os[3]) {
		t.Fatalf("受注完了一覧 lists %v", got)
	}
	r = k.get("/admin/orders?tab=canceled")
	if got := listedNumbers(r.body); len(got) != 1 || got[0] != num(os[2]) {
		t.Fatalf("受注キャンセル一覧 lists %v", got)
	}

	today := k.db.Now().In(jst).Format("2006-01-02")
	for _, tc := range []struct {
		query string
		want  []store.Order
	}{
		{"number=" + num(os[0]), []store.Order{os[0]}},
		{"number=" + url.QueryEscape("　"+toFullWidth(num(os[1]))), []store.Order{os[1]}},
		{"name=" + url.QueryEscape("佐藤"), []store.Order{os[1]}},
		{"name=" + url.QueryEscape("山田　太郎"), []store.Order{os[0]}},
		{"name=" + url.QueryEscape("太郎"), []store.Order{os[0]}}, // 前方一致 on the family or the given name (F-40)
		{"email=hanako@example.com", []store.Order{os[1]}},
		{"payment=bank", []store.Order{os[0]}},
		{"status=new&payment=cod", []store.Order{os[1]}},
		{"status=shipped", nil},
		{"from=" + today + "&to=" + today, []store.Order{os[1], os[0]}},
		{"from=2000-01-01&to=2000-12-31", nil},
		{"tab=canceled&name=" + url.QueryEscape("山本"), []store.Order{os[2]}},
		{"tab=completed&payment=cod", []store.Order{os[3]}},
	} {
		r := k.get("/admin/orders?" + tc.query)
		if r.status != http.StatusOK {
			t.Errorf("%s: %d", tc.query, r.status)
			continue
		}
		var want []string
		for _, o := range tc.want {
			want = append(want, num(o))
		}
		if got := listedNumbers(r.body); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: lists %v, want %v", tc.query, got, want)
		}
		if len(tc.want) == 0 {
			mustContain(t, r.body, "条件に合う受注はありません。")
		}
		mustContain(t, r.body, "<details class=\"panel search-panel\" open")
	}
	// The search is kept in the form.
	mustContain(t, k.get("/admin/orders?name="+url.QueryEscape("佐藤")+"&payment=cod").body,
		`name="name" value="佐藤"`, `<option value="cod" selected>代金引換</option>`)
}

var jst = time.FixedZone("JST", 9*60*60)

func toFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r += '０' - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestAdminOrderListBadQueries(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	k.placeOrders(taro(shop.PayBank))
	for _, tc := range []struct{ query, want string }{
		{"number=12ab", "注文番号は半角数字（Amazon Payの注文はAmazonリファレンス ID「S03-1234567-1234567」でも可）で入力してください。"},
		{"from=2025-13-01", "受注日（開始）は 2025-04-01 のように年-月-日で入力してください。"},
		{"to=tomorrow", "受注日（終了）は 2025-04-30 のように年-月-日で入力してください。"},
		{"from=2025-04-10&to=2025-04-01", "受注日（終了）は開始日と同じか、それより後の日付にしてください。"},
		{"status=lost", "この一覧では選べない受注ステータスです。"},
		{"tab=canceled&status=new", "この一覧では選べない受注ステータスです。"},
		{"payment=card", "お支払い方法の指定が正しくありません。"},
		{"after=abc", "ページの指定が正しくありません。"},
		{"before=-1", "ページの指定が正しくありません。"},
		{"after=1&before=2", "ページの指定が正しくありません。"},
		{"after=" + strings.Repeat("9", 30), "ページの指定が正しくありません。"},
		{"tab=everything", "一覧の指定が正しくありません。"},
		{"name=" + strings.Repeat("a", 51), "お名前は50文字以内で入力してください。"},
	} {
		for _, path := range []string{"/admin/orders?", "/admin/orders.csv?"} {
			if path == "/admin/orders.csv?" && (strings.Contains(tc.query, "after=") || strings.Contains(tc.query, "before=")) {
				continue // the export has all pages and ignores the cursor
			}
			r := k.get(path + tc.query)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s%s: %d", path, tc.query, r.status)
				continue
			}
			mustContain(t, r.body, "検索条件に誤りがあります。", tc.want, "条件をクリアして一覧を表示する")
			if strings.Contains(r.body, "受注データCSVダウンロード") || len(listedNumbers(r.body)) != 0 {
				t.Errorf("%s%s: a list or a download next to the error", path, tc.query)
			}
		}
	}
	if r := k.get("/admin/orders.csv?after=abc"); r.status != http.StatusOK {
		t.Errorf("CSV with a stale cursor: %d", r.status)
	}
	// What was typed stays in the form.
	r := k.get("/admin/orders?number=12ab&name=" + url.QueryEscape("山田"))
	mustContain(t, r.body, `name="number" inputmode="numeric" value="12ab"`, `value="山田"`)
}

func TestAdminOrderPaging(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	specs := make([]orderSpec, 0, 120)
	for i := range 120 {
		s := taro(shop.PayBank)
		if i%2 == 1 {
			s.payment = shop.PayCOD
		}
		specs = append(specs, s)
	}
	os := k.placeOrders(specs...)
	nextRe := regexp.MustCompile(`href="(/admin/orders\?[^"]*)" rel="next"`)
	prevRe := regexp.MustCompile(`href="(/admin/orders\?[^"]*)" rel="prev"`)
	link := func(re *regexp.Regexp, body string) string {
		m := re.FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return strings.ReplaceAll(m[1], "&amp;", "&")
	}
	// Forward through 120 orders: 50, 50, 20.
	var pages []string
	var seen []string
	path := "/admin/orders"
	for path != "" {
		r := k.get(path)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d", path, r.status)
		}
		pages = append(pages, path)
		seen = append(seen, listedNumbers(r.body)...)
		path = link(nextRe, r.body)
		if len(pages) > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(pages) != 3 || len(seen) != 120 || seen[0] != num(os[119]) || seen[119] != num(os[0]) {
		t.Fatalf("%d pages, %d orders, first %v", len(pages), len(seen), seen[:1])
	}
	// Back from the last page.
	r := k.get(pages[2])
	back := k.get(link(prevRe, r.body))
	if got := listedNumbers(back.body); len(got) != 50 || got[0] != seen[50] {
		t.Fatalf("前へ from the last page: %d orders from %v", len(got), got[:1])
	}
	if link(prevRe, k.get("/admin/orders").body) != "" {
		t.Error("the first page has 前へ")
	}
	// The search goes along with the cursor.
	r = k.get("/admin/orders?payment=cod")
	next := link(nextRe, r.body)
	if !strings.Contains(next, "payment=cod") || !strings.Contains(next, "after=") {
		t.Fatalf("次へ %q lost the search", next)
	}
	if got := listedNumbers(k.get(next).body); len(got) != 10 {
		t.Fatalf("second page of 60 COD orders has %d", len(got))
	}
}

func TestAdminOrderCSV(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	gift := store.Address{FamilyName: "田中", GivenName: "三郎", Phone: "075-000-0000", PostalCode: "604-0000", Prefecture: "京都府",
		City: "京都市中京区", Address1: "烏丸通2-2"}
	os := k.placeOrders(taro(shop.PayBank), orderSpec{family: "佐藤", given: "花子", email: "hanako@example.com", payment: shop.PayCOD, qty: 2, dest: &gift})
	r := k.get("/admin/orders.csv?payment=cod")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(r.header.Get("Content-Disposition"), `attachment; filename="orders_`) {
		t.Fatalf("CSV: %d %v", r.status, r.header)
	}
	if !strings.HasPrefix(r.body, "\xEF\xBB\xBF") {
		t.Fatal("no byte-order mark for Excel")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "注文番号" || rows[1][0] != num(os[1]) {
		t.Fatalf("rows %q", rows)
	}
	mustContain(t, strings.Join(rows[1], "|"), "佐藤 花子", "hanako@example.com", "090-1111-2222", "田中 三郎", "604-0000",
		"京都府京都市中京区烏丸通2-2", "代金引換", "新規受付", "|880|330|"+strconv.FormatInt(os[1].Total, 10))
	all := k.get("/admin/orders.csv")
	if n := strings.Count(all.body, "\r\n"); n != 3 {
		t.Fatalf("whole 受注一覧: %d lines", n)
	}
}

func TestAdminOrderDetail(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	gift := store.Address{FamilyName: "田中", GivenName: "三郎", FamilyKana: "タナカ", GivenKana: "サブロウ", Phone: "075-000-0000",
		PostalCode: "604-0000", Prefecture: "京都府", City: "京都市中京区", Address1: "烏丸通2-2"}
	os := k.placeOrders(orderSpec{family: "佐藤", given: "花子", email: "hanako@example.com", payment: shop.PayCOD, qty: 3,
		notes: "のし紙をお願いします。<b>"}, orderSpec{family: "山田", given: "太郎", email: "taro@example.com", payment: shop.PayBank, dest: &gift})
	o := os[0]
	var m store.Mail
	err := k.db.WithTx(context.Background(), func(tx *store.Tx) error {
		var err error
		m, err = tx.EnqueueMail(store.Mail{Kind: mail.KindThanks, From: "shop@example.com", To: o.Email, Subject: "ご注文ありがとうございます",
			Body: "本文", Status: store.MailStored, OrderID: sql.NullInt64{Int64: o.ID, Valid: true}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r := k.get("/admin/orders/" + strconv.FormatInt(o.ID, 10))
	if r.status != http.StatusOK {
		t.Fatalf("detail: %d", r.status)
	}
	line := o.Lines[0]
	mustContain(t, r.body, "受注明細", num(o), "佐藤 花子 様", "テスト ジロウ", "hanako@example.com", "090-1111-2222", "〒600-8001",
		"京都府京都市下京区四条通1-1 かごビル2F", "注文者と同じ", "宅配便", "2025年4月5日（土）", "午前中", "のし紙をお願いします。&lt;b&gt;",
		"代金引換", "代引き（配達時に集金）", line.Name, "※軽減税率対象", "商品合計", "送料", "代引き手数料", "合計",
		"8%対象", "10%対象", "内消費税", ">3<", "880円", "330円", fmtYen(o.Total),
		"受注ステータス変更", "発送済みにする（確定）", "キャンセルする（確定）", `name="from" value="new"`,
		`href="/admin/mails/`+strconv.FormatInt(m.ID, 10)+`"`, "ご注文ありがとうございます", "操作履歴", "購入者", "受注")
	if strings.Contains(r.body, "入金チェック") {
		t.Error("COD order offers 入金チェック")
	}
	r = k.get("/admin/orders/" + strconv.FormatInt(os[1].ID, 10))
	mustContain(t, r.body, "田中 三郎 様", "タナカ サブロウ", "京都府京都市中京区烏丸通2-2", "入金チェック", "入金済みにする", "この注文についてのメールはまだありません。")
	for _, path := range []string{"/admin/orders/99999", "/admin/orders/abc", "/admin/orders/-1", "/admin/orders/0"} {
		if r := k.get(path); r.status != http.StatusNotFound || !strings.Contains(r.body, "ページが見つかりません") {
			t.Errorf("%s: %d", path, r.status)
		}
	}
}

func fmtYen(v int64) string {
	s := strconv.FormatInt(v, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s + "円"
}

func TestAdminOrderStatusChange(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	os := k.placeOrders(orderSpec{family: "佐藤", given: "花子", email: "hanako@example.com", payment: shop.PayCOD, qty: 4})
	o := os[0]
	id := strconv.FormatInt(o.ID, 10)
	stock := func() int64 {
		p, err := k.db.Product(context.Background(), o.Lines[0].ProductID)
		if err != nil {
			t.Fatal(err)
		}
		return p.Stock
	}
	before := stock()
	k.get("/admin/orders/" + id)
	r := k.post("/admin/orders/"+id+"/status", url.Values{"from": {"new"}, "to": {"shipped"}})
	if r.status != http.StatusSeeOther || r.location != "/admin/orders/"+id {
		t.Fatalf("ship: %d %s", r.status, r.location)
	}
	r = k.get("/admin/orders/" + id)
	mustContain(t, r.body, "受注ステータスを「発送済み」に変更しました。", testAdminEmail, "新規受付 → 発送済み", "受注完了にする", "キャンセルする")
	// A second tab still showing 新規受付 tries the same.
	r = k.post("/admin/orders/"+id+"/status", url.Values{"from": {"new"}, "to": {"shipped"}})
	if r.status != http.StatusConflict {
		t.Fatalf("stale change: %d", r.status)
	}
	mustContain(t, r.body, "他の操作で状態が変わりました。画面を再読み込みしてください。", "発送済み")
	for _, tc := range []struct {
		form   url.Values
		status int
		want   string
	}{
		{url.Values{"from": {"shipped"}, "to": {"new"}}, http.StatusUnprocessableEntity, "「発送済み」から「新規受付」には変更できません。"},
		{url.Values{"from": {"shipped"}, "to": {"lost"}}, http.StatusUnprocessableEntity, "変更後の受注ステータスを選んでください。"},
		{url.Values{"from": {"shipped"}}, http.StatusUnprocessableEntity, "変更後の受注ステータスを選んでください。"},
	} {
		r := k.post("/admin/orders/"+id+"/status", tc.form)
		if r.status != tc.status {
			t.Errorf("%v: %d", tc.form, r.status)
		}
		mustContain(t, r.body, tc.want)
	}
	r = k.post("/admin/orders/"+id+"/status", url.Values{"from": {"shipped"}, "to": {"canceled"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", r.status)
	}
	if got := stock(); got != before+4 {
		t.Fatalf("stock after cancel %d, want %d", got, before+4)
	}
	r = k.get("/admin/orders/" + id)
	mustContain(t, r.body, "発送済み → キャンセル（在庫に戻しました：", "この注文の受注ステータスは変更できません。")
	if r := k.post("/admin/orders/"+id+"/status", url.Values{"from": {"shipped"}, "to": {"canceled"}}); r.status != http.StatusConflict {
		t.Fatalf("second cancel: %d", r.status)
	}
	if got := stock(); got != before+4 {
		t.Fatalf("stock returned twice: %d", got)
	}
	if r := k.post("/admin/orders/99999/status", url.Values{"from": {"new"}, "to": {"shipped"}}); r.status != http.StatusNotFound {
		t.Fatalf("unknown order: %d", r.status)
	}
	if r := k.post("/admin/orders/"+id+"/status", url.Values{"_csrf": {"forged"}, "to": {"new"}}); r.status != http.StatusForbidden {
		t.Fatalf("forged CSRF token: %d", r.status)
	}
}

func TestAdminPaymentCheck(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	os := k.placeOrders(taro(shop.PayBank), taro(shop.PayCOD))
	id := strconv.FormatInt(os[0].ID, 10)
	k.get("/admin/orders/" + id)
	if r := k.post("/admin/orders/"+id+"/payment", url.Values{"paid": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("mark paid: %d", r.status)
	}
	r := k.get("/admin/orders/" + id)
	mustContain(t, r.body, "入金済みにしました。", "入金待ちに戻す", "入金待ち → 入金済み")
	if r := k.post("/admin/orders/"+id+"/payment", url.Values{"paid": {"1"}}); r.status != http.StatusConflict {
		t.Fatalf("paid twice: %d", r.status)
	}
	if r := k.post("/admin/orders/"+id+"/payment", url.Values{"paid": {"yes"}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "入金チェックの操作を選んでください。") {
		t.Fatalf("bad value: %d", r.status)
	}
	if r := k.post("/admin/orders/"+id+"/payment", url.Values{"paid": {"0"}}); r.status != http.StatusSeeOther {
		t.Fatalf("mark unpaid: %d", r.status)
	}
	mustContain(t, k.get("/admin/orders/"+id).body, "入金待ちに戻しました。", "入金済み → 入金待ち")
	cod := strconv.FormatInt(os[1].ID, 10)
	if r := k.post("/admin/orders/"+cod+"/payment", url.Values{"paid": {"1"}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "入金チェックの対象ではありません") {
		t.Fatalf("COD payment check: %d", r.status)
	}
	// The list shows the new payment status under the method.
	mustContain(t, k.get("/admin/orders").body, "銀行振込", `<small class="muted">入金待ち</small>`)
}

func TestAdminMailTemplates(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	builtin, _ := mail.Builtin(mail.KindThanks)
	r := k.get("/admin/mail-templates")
	if r.status != http.StatusOK {
		t.Fatalf("list: %d", r.status)
	}
	mustContain(t, r.body, "メール定型文", builtin.Label, "初期値", `href="/admin/mail-templates/thanks"`)
	r = k.get("/admin/mail-templates/thanks")
	mustContain(t, r.body, `<label for="subject">件名`, `<label for="body">本文`, "使える差し込み項目", "{店舗名}", "{税率別内訳}",
		"プレビュー", "【"+shop.DefaultSettings().ShopName+"】ご注文ありがとうございます（注文番号：100001）", "4,140円")
	if strings.Contains(r.body, "初期値に戻す</button>") {
		t.Error("a built-in text offers 初期値に戻す")
	}
	// Preview shows the typed text and saves nothing.
	r = k.post("/admin/mail-templates/thanks", url.Values{"action": {"preview"}, "subject": {"{店舗名}より"}, "body": {"{お名前} 様へ"}})
	if r.status != http.StatusOK {
		t.Fatalf("preview: %d", r.status)
	}
	mustContain(t, r.body, shop.DefaultSettings().ShopName+"より", "山田 太郎 様へ", `value="{店舗名}より"`)
	if got, _ := k.shop.MailTemplate(context.Background(), mail.KindThanks); !reflect.DeepEqual(got, builtin) {
		t.Fatal("preview saved the text")
	}
	for _, tc := range []struct {
		subject, body string
		wants         []string
	}{
		{"", "本文", []string{"件名を入力してください。"}},
		{strings.Repeat("件", 201), "本文", []string{"件名は200文字以内で入力してください。"}},
		{"件名", "", []string{"本文を入力してください。"}},
		{"件名", strings.Repeat("本", 10001), []string{"本文は10000文字以内で入力してください。"}},
		{"{ショップ名}", "{氏名} 様 {お名前}", []string{"使えない差し込み項目があります：{ショップ名}。", "使えない差し込み項目があります：{氏名}。"}},
	} {
		for _, action := range []string{"save", "preview"} {
			r := k.post("/admin/mail-templates/thanks", url.Values{"action": {action}, "subject": {tc.subject}, "body": {tc.body}})
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s %q: %d", action, tc.subject, r.status)
			}
			mustContain(t, r.body, append(tc.wants, "入力内容に誤りがあります。")...)
		}
	}
	r = k.post("/admin/mail-templates/thanks", url.Values{"subject": {"【{店舗名}】ご注文承りました"}, "body": {"{お名前} 様\r\n{注文内容}\r\n"}})
	if r.status != http.StatusSeeOther || r.location != "/admin/mail-templates/thanks" {
		t.Fatalf("save: %d %s", r.status, r.location)
	}
	r = k.get("/admin/mail-templates/thanks")
	mustContain(t, r.body, "を保存しました。", "編集済み", "ご注文承りました", "初期値に戻す</button>")
	mustContain(t, k.get("/admin/mail-templates").body, "編集済み", "【{店舗名}】ご注文承りました")
	if got, _ := k.shop.MailTemplate(context.Background(), mail.KindThanks); got.Body != "{お名前} 様\n{注文内容}\n" {
		t.Fatalf("saved body %q", got.Body)
	}
	if r := k.post("/admin/mail-templates/thanks/reset", nil); r.status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.status)
	}
	mustContain(t, k.get("/admin/mail-templates/thanks").body, "を初期値に戻しました。")
	if got, _ := k.shop.MailTemplate(context.Background(), mail.KindThanks); !reflect.DeepEqual(got, builtin) {
		t.Fatal("reset left the edited text")
	}
	for _, path := range []string{"/admin/mail-templates/nope", "/admin/mail-templates/..%2Fthanks"} {
		if r := k.get(path); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, r.status)
		}
	}
	for _, path := range []string{"/admin/mail-templates/nope", "/admin/mail-templates/nope/reset"} {
		if r := k.post(path, url.Values{"subject": {"a"}, "body": {"b"}}); r.status != http.StatusNotFound {
			t.Errorf("POST %s: %d", path, r.status)
		}
	}
}

// 受注明細 shows 代引き手数料 only on an order that has one.
func TestAdminOrderHidesZeroCODFee(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	os := k.placeOrders(taro(shop.PayBank), taro(shop.PayCOD))
	if body := k.get("/admin/orders/" + strconv.FormatInt(os[0].ID, 10)).body; strings.Contains(body, "代引き手数料") {
		t.Error("a bank transfer's 受注明細 shows 代引き手数料")
	}
	mustContain(t, k.get("/admin/orders/"+strconv.FormatInt(os[1].ID, 10)).body, "<dt>代引き手数料</dt><dd class=\"num\">330円</dd>")
}
