package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
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
	// The copies go to the first admin's address until the shop sets another.
	mustContain(t, r.body, "テストメール", testAdminEmail, "送信箱に保存（SMTP未設定）")
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
	f.Set("cod_fee", "abc")
	f.Set("points_rate", "101")
	f.Del("member_registration")
	r := k.post("/admin/settings", f)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad fee: %d", r.status)
	}
	mustContain(t, r.body, "代引き手数料は0から1,000,000までの半角数字（円）で入力してください。", `value="新しい店名"`, `value="abc"`,
		"ポイント付与率（%）は0から100までの半角数字で入力してください。", `value="101"`, "会員登録処理のタイミングを選んでください。")
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
	f := url.Values{"shop_name": {"新しい店名"}, "cart_type": {"three"}, "shipping_mode": {"region"}, "shipping_flat_fee": {"800"}, "free_shipping_over": {"10000"},
		"cod_fee": {"440"}, "bank_details": {"かご銀行 本店 普通 7654321"},
		"shipping_lead_time": {"3営業日以内に発送します。"}, "return_policy": {"未開封に限り返品できます。"}, "reservation_minutes": {"30"},
		"points_rate": {"３"}, "member_registration": {"completion"}}
	for _, r := range shop.Regions {
		f.Set("fee_"+r, "1000")
	}
	return f
}
