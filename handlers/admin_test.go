package handlers_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kago/shop"
	"kago/store"
)

func TestAdminNeedsLogin(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	for _, path := range []string{"/admin", "/admin/products", "/admin/products/1", "/admin/mails", "/admin/settings"} {
		if r := k.get(path); r.status != http.StatusSeeOther || r.location != "/admin/login" {
			t.Errorf("%s without login: %d %s", path, r.status, r.location)
		}
	}
	k.get("/admin/login")
	if r := k.post("/admin/products/new", url.Values{"name": {"x"}}); r.status != http.StatusSeeOther || r.location != "/admin/login" {
		t.Errorf("POST without login: %d %s", r.status, r.location)
	}
	// A shopper's session is not an admin's.
	k.post("/cart/items", url.Values{"product_id": {"1"}, "quantity": {"1"}})
	if r := k.get("/admin"); r.status != http.StatusSeeOther {
		t.Error("shopper cookie opened the admin")
	}
}

func TestAdminLogin(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.get("/admin/login")
	for _, tc := range []struct{ email, password string }{
		{testAdminEmail, "wrong"}, {"nobody@example.com", testAdminPassword}, {"", ""},
	} {
		r := k.post("/admin/login", url.Values{"email": {tc.email}, "password": {tc.password}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("login %q/%q: %d", tc.email, tc.password, r.status)
		}
		mustContain(t, r.body, "メールアドレスまたはパスワードが正しくありません。", `value="`+tc.email+`"`)
	}
	k.loginAdmin()
	mustContain(t, k.get("/admin").body, "ダッシュボード", testAdminEmail, "在庫が少ない商品")
	k.post("/admin/logout", nil)
	if r := k.get("/admin"); r.status != http.StatusSeeOther {
		t.Fatal("still signed in after logout")
	}
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func productForm(name string) url.Values {
	return url.Values{"name": {name}, "description": {"説明"}, "price": {"1,200"}, "member_price": {""},
		"tax_rate": {"8"}, "stock": {"７"}, "sort_order": {"5"}, "published": {"1"}}
}

func TestAdminProductCreateAndEdit(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	mustContain(t, k.get("/admin/products").body, "商品管理", "静岡県産 深蒸し煎茶 100g")
	k.get("/admin/products/new")
	r := k.postMultipart("/admin/products/new", productForm("新茶 八十八夜"), "image", "tea.png", pngBytes(t))
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(r.location, "/admin/products/"), 10, 64)
	p, err := k.db.Product(context.Background(), id)
	if err != nil || p.Name != "新茶 八十八夜" || p.Price != 1200 || p.Stock != 7 || p.TaxRate != 8 || !p.Published ||
		!strings.HasPrefix(p.ImagePath, "/uploads/") || !strings.HasSuffix(p.ImagePath, ".png") {
		t.Fatalf("stored %+v %v", p, err)
	}
	if img := k.get(p.ImagePath); img.status != 200 || img.header.Get("Content-Type") != "image/png" {
		t.Fatalf("uploaded image: %d %s", img.status, img.header.Get("Content-Type"))
	}
	mustContain(t, k.get("/").body, "新茶 八十八夜")
	// Edit without a new image keeps the old one; unpublishing hides it.
	form := productForm("新茶 八十八夜")
	form.Del("published")
	r = k.postMultipart(r.location, form, "", "", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d", r.status)
	}
	p2, _ := k.db.Product(context.Background(), id)
	if p2.Published || p2.ImagePath != p.ImagePath {
		t.Fatalf("after edit %+v", p2)
	}
	if r := k.get("/products/" + strconv.FormatInt(id, 10)); r.status != http.StatusNotFound {
		t.Fatalf("unpublished product page: %d", r.status)
	}
}

func TestAdminProductBadInput(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	k.get("/admin/products/new")
	count := func() int {
		ps, _ := k.db.Products(context.Background(), false)
		return len(ps)
	}
	before := count()
	cases := []struct {
		name   string
		form   func(url.Values)
		file   []byte
		fname  string
		expect string
	}{
		{"empty name", func(f url.Values) { f.Set("name", " ") }, nil, "", "商品名を入力してください。"},
		{"negative price", func(f url.Values) { f.Set("price", "-1") }, nil, "", "販売価格は0から10,000,000まで"},
		{"huge price", func(f url.Values) { f.Set("price", "99999999999") }, nil, "", "販売価格は0から10,000,000まで"},
		{"text stock", func(f url.Values) { f.Set("stock", "たくさん") }, nil, "", "在庫数は0から1,000,000まで"},
		{"bad tax", func(f url.Values) { f.Set("tax_rate", "5") }, nil, "", "税率は10%または8%"},
		{"not an image", func(url.Values) {}, []byte("#!/bin/sh\necho hi\n"), "evil.png", "JPEG・PNG・GIF・WebP形式"},
		{"oversized", func(url.Values) {}, append(pngBytes(t), make([]byte, 2<<20)...), "big.png", "2MB以下"},
	}
	for _, tc := range cases {
		f := productForm("入力エラー確認")
		tc.form(f)
		field := ""
		if tc.file != nil {
			field = "image"
		}
		r := k.postMultipart("/admin/products/new", f, field, tc.fname, tc.file)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tc.name, r.status)
			continue
		}
		mustContain(t, r.body, tc.expect, "入力内容に誤りがあります")
		if tc.name != "empty name" {
			mustContain(t, r.body, `value="入力エラー確認"`)
		}
	}
	if count() != before {
		t.Fatal("rejected input created a product")
	}
	// Upload bigger than the request limit: a clean 413.
	r := k.postMultipart("/admin/products/new", productForm("大きすぎ"), "image", "huge.png", make([]byte, 5<<20))
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("5MB upload: %d", r.status)
	}
	mustContain(t, r.body, "送信サイズが大きすぎます")
	if r := k.get("/admin/products/999999"); r.status != http.StatusNotFound {
		t.Fatalf("unknown product edit: %d", r.status)
	}
}

func TestAdminMailsAndTestMail(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	mustContain(t, k.get("/admin/mails").body, "まだメールはありません。")
	k.get("/admin/mails")
	if r := k.post("/admin/mails/test", nil); r.status != http.StatusSeeOther {
		t.Fatalf("test mail: %d", r.status)
	}
	r := k.get("/admin/mails")
	mustContain(t, r.body, "テストメール", "orders@example.com", "送信箱に保存（SMTP未設定）")
	mails, _ := k.db.Mails(context.Background(), 0, 10)
	if len(mails) != 1 || mails[0].Status != store.MailStored {
		t.Fatalf("outbox %+v", mails)
	}
	mustContain(t, k.get("/admin/mails/"+strconv.FormatInt(mails[0].ID, 10)).body, "メールの送信設定は正しく動作しています")
	if r := k.get("/admin/mails/424242"); r.status != http.StatusNotFound {
		t.Fatalf("unknown mail: %d", r.status)
	}
}

func TestAdminSettingsValidation(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	k.get("/admin/settings")
	f := settingsValues()
	f.Set("sender_email", "not-an-address")
	f.Set("points_rate", "101")
	f.Del("member_registration")
	r := k.post("/admin/settings", f)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad e-mail: %d", r.status)
	}
	mustContain(t, r.body, "メールアドレスの形式が正しくありません。", `value="新しい店名"`, `value="not-an-address"`,
		"ポイント付与率は0から100までの半角数字（%）で入力してください。", `value="101"`, "会員登録処理のタイミングを選んでください。")
	if st, _ := k.shop.Settings(context.Background()); st.ShopName == "新しい店名" {
		t.Fatal("rejected settings were saved")
	}
	r = k.post("/admin/settings", settingsValues())
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.status)
	}
	mustContain(t, k.get("/").body, "新しい店名")
	st, _ := k.shop.Settings(context.Background())
	if st.CartType != shop.CartThreeStep || st.CODFee != 440 || st.ShippingFee("沖縄県", 100) != 1000 || st.ShippingFee("沖縄県", 10000) != 0 ||
		st.PointsRate != 3 || st.MemberRegistration != shop.RegisterAtCompletion {
		t.Fatalf("saved settings %+v", st)
	}
}

func settingsValues() url.Values {
	f := url.Values{"shop_name": {"新しい店名"}, "sender_email": {"shop@example.jp"}, "notify_email": {"orders@example.jp"},
		"cart_type": {"three"}, "shipping_mode": {"region"}, "shipping_flat_fee": {"800"}, "free_shipping_over": {"10000"},
		"cod_fee": {"440"}, "bank_details": {"かご銀行 本店 普通 7654321"}, "points_rate": {"３"}, "member_registration": {"completion"}}
	for _, r := range shop.Regions {
		f.Set("fee_"+r, "1000")
	}
	return f
}
