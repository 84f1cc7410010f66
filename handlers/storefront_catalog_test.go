package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kago/shop"
	"kago/store"
)

func TestStorefrontCategoriesSearchAndPages(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	k.loginAdmin()
	k.get("/admin/categories")
	k.post("/admin/categories", url.Values{"name": {"特選"}, "sort_order": {"1"}})
	k.post("/admin/categories", url.Values{"name": {"空の棚"}, "sort_order": {"2"}})
	var special string
	cats, _ := k.db.Categories(ctx, false)
	for _, c := range cats {
		if c.Name == "特選" {
			special = strconv.FormatInt(c.ID, 10)
		}
	}
	// 湯呑み and 急須 also go on the 特選 shelf, by CSV.
	var ids []string
	for _, name := range []string{"美濃焼 湯呑み（藍）", "常滑焼 急須 300ml"} {
		ids = append(ids, strconv.FormatInt(k.product(func(p store.Product) bool { return p.Name == name }).ID, 10))
	}
	k.get("/admin/products/import")
	r := k.importFile([]byte("商品ID,商品名,販売価格,税率,在庫数,カテゴリ\n"+ids[0]+",美濃焼 湯呑み（藍）,2420,10,30,茶器|特選\n"+ids[1]+",常滑焼 急須 300ml,5500,10,12,特選|茶器\n"), "1")
	mustContain(t, r.body, "取り込みました", "カテゴリ：茶器 → 茶器、特選")

	r = k.get("/")
	mustContain(t, r.body, `aria-label="カテゴリ"`, "すべての商品", "日本茶", "茶器", "特選", "（2）", "（4）", `role="search"`, `name="q"`)
	if strings.Contains(r.body, "空の棚") {
		t.Error("an empty category is on the storefront")
	}
	r = k.get("/?category=" + special)
	mustContain(t, r.body, "<title>特選 | かご屋 デモショップ</title>", "美濃焼 湯呑み（藍）", "常滑焼 急須 300ml", "2件の商品")
	if strings.Contains(r.body, "宇治抹茶 30g缶") {
		t.Error("the category shows a product off its shelf")
	}
	// Search looks at the description too; a page title says what it is.
	r = k.get("/?q=" + url.QueryEscape("釉薬"))
	mustContain(t, r.body, "「釉薬」の検索結果", "美濃焼 湯呑み（藍）", "1件の商品")
	r = k.get("/?q=" + url.QueryEscape("存在しない言葉"))
	mustContain(t, r.body, "「存在しない言葉」に一致する商品は見つかりませんでした。")
	r = k.get("/?q=" + url.QueryEscape("%_"))
	mustContain(t, r.body, "0件の商品")
	if r := k.get("/?category=99999"); r.status != 200 || !strings.Contains(r.body, "静岡県産 深蒸し煎茶") {
		t.Fatalf("unknown category: %d", r.status)
	}

	// Thirty more products make two pages of 24.
	var csv strings.Builder
	csv.WriteString("商品ID,商品名,販売価格,税率,在庫数,公開,表示順\n")
	for i := range 30 {
		csv.WriteString(",追加商品 " + strconv.Itoa(i) + ",500,10,5,公開,1000\n")
	}
	k.get("/admin/products/import")
	k.importFile([]byte(csv.String()), "1")
	r = k.get("/")
	mustContain(t, r.body, `aria-label="ページ"`, `href="/?page=2"`, "次へ")
	if n := strings.Count(r.body, `class="product-card"`); n != shop.StorefrontPageSize {
		t.Fatalf("first page has %d products", n)
	}
	r = k.get("/?page=2")
	mustContain(t, r.body, "<title>商品一覧（2ページ目） | かご屋 デモショップ</title>", "追加商品 29", "前へ")
	if n := strings.Count(r.body, `class="product-card"`); n != 15+30-shop.StorefrontPageSize {
		t.Fatalf("second page has %d products", n)
	}
	for _, q := range []string{"?page=0", "?page=-3", "?page=abc", "?page=9999999999999999999"} {
		if r := k.get("/" + q); r.status != 200 {
			t.Errorf("%s: %d", q, r.status)
		}
	}
}

func TestStorefrontMetaTagsAndFavicon(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	r := k.get("/")
	mustContain(t, r.body, "<title>かご屋 デモショップ</title>", `<meta name="description" content="静岡の深蒸し煎茶`,
		`<meta property="og:title" content="かご屋 デモショップ">`, `<meta property="og:type" content="website">`,
		`<meta property="og:url" content="`+k.srv.URL+`/">`, `<link rel="icon" href="/static/favicon.svg?v=`,
		`href="/law"`, `href="/privacy"`, `href="/terms"`)
	p := k.product(func(p store.Product) bool { return p.Name == "宇治抹茶 30g缶" })
	r = k.get("/products/" + strconv.FormatInt(p.ID, 10))
	mustContain(t, r.body, "<title>宇治抹茶 30g缶 | かご屋 デモショップ</title>", `<meta name="description" content="石臼挽きの宇治抹茶。`,
		`<meta property="og:type" content="product">`, `<meta property="og:image" content="`+k.srv.URL+`/static/demo/matcha.svg`)
	fav := k.get("/favicon.ico")
	if fav.status != http.StatusMovedPermanently || !strings.HasPrefix(fav.location, "/static/favicon.svg?v=") {
		t.Fatalf("favicon.ico: %d %s", fav.status, fav.location)
	}
	if r := k.get(fav.location); r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "svg") {
		t.Fatalf("favicon: %d %s", r.status, r.header.Get("Content-Type"))
	}
	// The description is a setting.
	k.loginAdmin()
	vals := formValues(k.get("/admin/settings").body)
	vals.Set("shop_description", "  手摘みのお茶を\n産地から。 ")
	if r := k.post("/admin/settings", vals); r.status != http.StatusSeeOther {
		t.Fatalf("settings: %d %s", r.status, r.body)
	}
	mustContain(t, k.get("/").body, `<meta name="description" content="手摘みのお茶を 産地から。">`)
	vals.Set("shop_description", strings.Repeat("長", 161))
	if r := k.post("/admin/settings", vals); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("long description: %d", r.status)
	}
}

func TestCartShowsFreeShippingShortfall(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	p := k.product(func(p store.Product) bool { return p.Price == 2700 }) // 栗きんとん; free shipping from 8,000円
	id := strconv.FormatInt(p.ID, 10)
	k.get("/products/" + id)
	k.post("/cart/items", url.Values{"product_id": {id}, "quantity": {"2"}})
	mustContain(t, k.get("/cart").body, "あと2,600円で送料無料")
	k.post("/cart/items/"+id, url.Values{"quantity": {"3"}})
	r := k.get("/cart")
	mustContain(t, r.body, "送料無料でお届けします")
	if strings.Contains(r.body, "で送料無料</p>") {
		t.Error("shortfall shown above the threshold")
	}
	// No threshold, no note.
	k.loginAdmin()
	vals := formValues(k.get("/admin/settings").body)
	vals.Set("free_shipping_over", "0")
	if r := k.post("/admin/settings", vals); r.status != http.StatusSeeOther {
		t.Fatalf("settings: %d", r.status)
	}
	if r := k.get("/cart"); strings.Contains(r.body, "送料無料") {
		t.Error("free-shipping note without a threshold")
	}
}

func TestLegalPages(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	r := k.get("/law")
	mustContain(t, r.body, "<title>特定商取引法に基づく表記 | かご屋 デモショップ</title>", "販売業者", "運営統括責任者", "所在地", "電話番号",
		"メールアドレス", "販売価格", "商品代金以外の必要料金", "全国一律880円", "8,000円以上のご注文は送料無料", "代金引換手数料：330円",
		"お支払い方法", "お支払い時期", "商品の引渡時期", "返品・交換について", "shop@example.com")
	mustContain(t, k.get("/privacy").body, "<h1 class=\"page-title\">プライバシーポリシー</h1>", "<h2>利用目的</h2>", "かご屋 デモショップ（以下「当店」）")
	mustContain(t, k.get("/terms").body, "ご利用規約", "<h2>第1条（ご注文と契約の成立）</h2>")

	k.loginAdmin()
	mustContain(t, k.get("/admin/pages").body, "ページ管理", "初期の文面", "/law")
	vals := formValues(k.get("/admin/pages/law").body)
	vals.Set("item_seller", "株式会社かご屋")
	vals.Set("item_address", "〒422-8001 静岡県静岡市駿河区1-2-3")
	vals.Set("item_quantity", "")
	if r := k.post("/admin/pages/law", vals); r.status != http.StatusSeeOther {
		t.Fatalf("save law: %d %s", r.status, r.body)
	}
	r = k.get("/law")
	mustContain(t, r.body, "株式会社かご屋", "静岡県静岡市駿河区1-2-3")
	if strings.Contains(r.body, "販売数量") {
		t.Error("an emptied particular is still shown")
	}
	mustContain(t, k.get("/admin/pages").body, "編集済み")
	// Required particulars.
	vals = formValues(k.get("/admin/pages/law").body)
	vals.Set("item_phone", " ")
	r = k.post("/admin/pages/law", vals)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty phone: %d", r.status)
	}
	mustContain(t, r.body, "特定商取引法で表示が求められている項目です。", "株式会社かご屋")
	// Two windows: a change to another particular merges, the same one is refused.
	a := formValues(k.get("/admin/pages/law").body)
	b := formValues(k.get("/admin/pages/law").body)
	a.Set("item_manager", "山田 太郎")
	if r := k.post("/admin/pages/law", a); r.status != http.StatusSeeOther {
		t.Fatalf("window a: %d", r.status)
	}
	b.Set("item_phone", "054-000-0000")
	if r := k.post("/admin/pages/law", b); r.status != http.StatusSeeOther {
		t.Fatalf("window b: %d", r.status)
	}
	mustContain(t, k.get("/law").body, "山田 太郎", "054-000-0000")
	b.Set("item_manager", "佐藤 花子")
	r = k.post("/admin/pages/law", b)
	if r.status != http.StatusConflict {
		t.Fatalf("stale page: %d", r.status)
	}
	mustContain(t, r.body, "「運営統括責任者」はこの画面を開いた後に変更されています（現在の値：山田 太郎）。", "佐藤 花子")
	// Text pages.
	vals = formValues(k.get("/admin/pages/privacy").body)
	vals.Set("body", "■ はじめに\n当店の方針です。\n\n本文二段落目。")
	if r := k.post("/admin/pages/privacy", vals); r.status != http.StatusSeeOther {
		t.Fatalf("save privacy: %d", r.status)
	}
	mustContain(t, k.get("/privacy").body, "<h2>はじめに</h2>", "<p>当店の方針です。</p>", "<p>本文二段落目。</p>")
	vals.Set("body", "")
	if r := k.post("/admin/pages/privacy", vals); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty body: %d", r.status)
	}
	if r := k.get("/admin/pages/nope"); r.status != http.StatusNotFound {
		t.Fatalf("unknown page: %d", r.status)
	}
	if r := k.post("/admin/pages/nope", url.Values{"body": {"x"}}); r.status != http.StatusNotFound {
		t.Fatalf("unknown page POST: %d", r.status)
	}
}

func TestPostalLookup(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	type answer struct {
		Addresses []struct{ Prefecture, City, Town string }
		Error     string
	}
	get := func(code string) (int, answer) {
		r := k.get("/postal/" + url.PathEscape(code))
		var a answer
		if err := json.Unmarshal([]byte(r.body), &a); err != nil {
			t.Fatalf("%s: %v %q", code, err, r.body)
		}
		return r.status, a
	}
	status, a := get("150-0001")
	if status != 200 || len(a.Addresses) != 1 || a.Addresses[0].Prefecture != "東京都" || a.Addresses[0].City != "渋谷区" || a.Addresses[0].Town != "神宮前" {
		t.Fatalf("150-0001: %d %+v", status, a)
	}
	if status, a := get("0000000"); status != 200 || a.Addresses == nil || len(a.Addresses) != 0 {
		t.Fatalf("unknown code: %d %+v", status, a)
	}
	if status, a := get("12-34"); status != 400 || a.Error == "" {
		t.Fatalf("bad code: %d %+v", status, a)
	}
	// The order page carries the button (hidden until the script shows it)
	// and the script.
	p := k.product(func(p store.Product) bool { return p.Stock > 10 })
	k.get("/products/" + strconv.FormatInt(p.ID, 10))
	k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {"1"}})
	r := k.get("/checkout/order")
	mustContain(t, r.body, `data-postal-lookup="buyer_"`, `data-postal-lookup="dest_"`, "住所検索", `<script src="/static/postal.js?v=`)
}

// Settings, Amazon Pay settings, mail templates, 店舗情報・メール設定 and
// coupons have the product form's
// lost-update kind: two windows each save only what they changed, and the
// same field changed in both is refused.
func TestAdminFormsMergeAndRefuseStale(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	k.loginAdmin()
	a := formValues(k.get("/admin/settings").body)
	b := formValues(k.get("/admin/settings").body)
	a.Set("shop_name", "窓Aの店名")
	if r := k.post("/admin/settings", a); r.status != http.StatusSeeOther {
		t.Fatalf("a: %d", r.status)
	}
	b.Set("cod_fee", "550")
	if r := k.post("/admin/settings", b); r.status != http.StatusSeeOther {
		t.Fatalf("b: %d %s", r.status, r.body)
	}
	st, _ := k.shop.Settings(ctx)
	if st.ShopName != "窓Aの店名" || st.CODFee != 550 {
		t.Fatalf("merged settings: %q %d", st.ShopName, st.CODFee)
	}
	b.Set("shop_name", "窓Bの店名")
	r := k.post("/admin/settings", b)
	if r.status != http.StatusConflict {
		t.Fatalf("stale settings: %d", r.status)
	}
	mustContain(t, r.body, "「店舗名」はこの画面を開いた後に変更されています（現在の値：窓Aの店名）。", `value="窓Bの店名"`)
	if st, _ := k.shop.Settings(ctx); st.ShopName != "窓Aの店名" {
		t.Fatal("stale settings were written")
	}
	if r := k.post("/admin/settings", formValues(r.body)); r.status != http.StatusSeeOther {
		t.Fatalf("resave: %d", r.status)
	}
	if st, _ := k.shop.Settings(ctx); st.ShopName != "窓Bの店名" {
		t.Fatal("resaved settings not written")
	}

	// Amazon Pay settings.
	a = formValues(k.get("/admin/amazonpay").body)
	b = formValues(k.get("/admin/amazonpay").body)
	a.Set("button_color", "DarkGray")
	if r := k.post("/admin/amazonpay", a); r.status != http.StatusSeeOther {
		t.Fatalf("amazon a: %d %s", r.status, r.body)
	}
	b.Set("button_color", "LightGray")
	r = k.post("/admin/amazonpay", b)
	if r.status != http.StatusConflict {
		t.Fatalf("stale amazon pay: %d", r.status)
	}
	mustContain(t, r.body, "「ボタン色」はこの画面を開いた後に変更されています（現在の値：DarkGray）。")

	// Mail templates.
	path := "/admin/mail-templates/thanks"
	a = formValues(k.get(path).body)
	b = formValues(k.get(path).body)
	a.Set("subject", "【{店舗名}】ご注文ありがとうございます（A）")
	if r := k.post(path, a); r.status != http.StatusSeeOther {
		t.Fatalf("template a: %d %s", r.status, r.body)
	}
	b.Set("body", b.Get("body")+"\nBの追記")
	if r := k.post(path, b); r.status != http.StatusSeeOther {
		t.Fatalf("template b: %d", r.status)
	}
	tpl, _ := k.shop.MailTemplate(ctx, "thanks")
	if !strings.HasSuffix(tpl.Subject, "（A）") || !strings.HasSuffix(tpl.Body, "Bの追記") {
		t.Fatalf("merged template %q / …%q", tpl.Subject, tpl.Body[max(0, len(tpl.Body)-30):])
	}
	b.Set("subject", "Bの件名")
	r = k.post(path, b)
	if r.status != http.StatusConflict {
		t.Fatalf("stale template: %d", r.status)
	}
	mustContain(t, r.body, "「件名」はこの画面を開いた後に変更されています")

	// 店舗情報・メール設定: the form's own field names in the refusal.
	a = formValues(k.get("/admin/shop-info").body)
	b = formValues(k.get("/admin/shop-info").body)
	a.Set("phone", "075-000-0000")
	if r := k.post("/admin/shop-info", a); r.status != http.StatusSeeOther {
		t.Fatalf("shop info a: %d %s", r.status, r.body)
	}
	b.Set("transfer_days", "10")
	if r := k.post("/admin/shop-info", b); r.status != http.StatusSeeOther {
		t.Fatalf("shop info b: %d %s", r.status, r.body)
	}
	if st, _ := k.shop.Settings(ctx); st.Phone != "075-000-0000" || st.TransferDays != 10 {
		t.Fatalf("merged shop info: %q %d", st.Phone, st.TransferDays)
	}
	b.Set("phone", "03-0000-0000")
	r = k.post("/admin/shop-info", b)
	if r.status != http.StatusConflict {
		t.Fatalf("stale shop info: %d", r.status)
	}
	mustContain(t, r.body, "「電話番号」はこの画面を開いた後に変更されています（現在の値：075-000-0000）。", `value="03-0000-0000"`, `aria-invalid="true"`)
	if st, _ := k.shop.Settings(ctx); st.Phone != "075-000-0000" {
		t.Fatal("stale shop info was written")
	}

	// Coupons.
	k.get("/admin/coupons/new")
	if r := k.post("/admin/coupons/new", url.Values{"code": {"SAME"}, "name": {"同時編集"}, "kind": {"amount"}, "value": {"300"},
		"min_subtotal": {"0"}, "starts_on": {"2026-01-01"}, "ends_on": {"2026-12-31"}, "active": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("new coupon: %d %s", r.status, r.body)
	}
	cs, _ := k.shop.Members.Coupons(ctx)
	path = "/admin/coupons/" + strconv.FormatInt(cs[0].ID, 10)
	a = formValues(k.get(path).body)
	b = formValues(k.get(path).body)
	a.Set("value", "500")
	if r := k.post(path, a); r.status != http.StatusSeeOther {
		t.Fatalf("coupon a: %d %s", r.status, r.body)
	}
	b.Set("name", "同時編集B")
	if r := k.post(path, b); r.status != http.StatusSeeOther {
		t.Fatalf("coupon b: %d %s", r.status, r.body)
	}
	if c, _ := k.shop.Members.Coupon(ctx, cs[0].ID); c.Value != 500 || c.Name != "同時編集B" {
		t.Fatalf("merged coupon: %d %q", c.Value, c.Name)
	}
	b.Set("value", "100")
	r = k.post(path, b)
	if r.status != http.StatusConflict {
		t.Fatalf("stale coupon: %d", r.status)
	}
	mustContain(t, r.body, "「値引き」はこの画面を開いた後に変更されています（現在の値：500）。", `value="100"`)
	if c, _ := k.shop.Members.Coupon(ctx, cs[0].ID); c.Value != 500 {
		t.Fatal("stale coupon was written")
	}
}
