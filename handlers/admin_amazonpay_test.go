package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kago/shop"
	"kago/store"
)

func amazonPayForm() url.Values {
	return url.Values{"environment": {"sandbox"}, "merchant_id": {"A1B2C3D4E5F6G7"}, "store_id": {"amzn1.application-oa2-client.0123456789abcdef0123"},
		"public_key_id": {"SANDBOX-AHJK23LMNPQRS"}, "sale_method": {"Authorize"}, "button_color": {"LightGray"}, "allow_increase": {"1"},
		"product_type": {"PayOnly"}, "display_style": {"text"}, "notes": {"ギフト券でのお支払いは増額できません。"},
		"notes_on_payment": {"1"}, "enabled_takkyubin": {"1"}}
}

func TestAdminAmazonPaySettings(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	r := k.get("/admin/amazonpay")
	mustContain(t, r.body, "Amazon Pay設定", "設定済み", "エミュレーター", "/amazonpay/ipn", "オーソリ+売上", "支払方法画面に表示する",
		"確認画面に表示する（必ず表示されます）", "登録済みの鍵：SHA256:")
	keyLine := strings.Split(testShopKeyPEM(t), "\n")[2]
	if strings.Contains(r.body, "END PRIVATE KEY") || strings.Contains(r.body, keyLine) {
		i := strings.Index(r.body, keyLine)
		t.Fatalf("the private key was rendered: %q", r.body[max(0, i-200):i+80])
	}
	// Sandbox needs a key; a bad one is refused with the input kept.
	form := amazonPayForm()
	form.Set("private_key", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----")
	r = k.post("/admin/amazonpay", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad key: %d", r.status)
	}
	mustContain(t, r.body, "プライベートキーを読み込めませんでした", `value="A1B2C3D4E5F6G7"`)
	bad := amazonPayForm()
	bad.Set("merchant_id", "x")
	bad.Set("store_id", "store")
	bad.Set("sale_method", "Steal")
	bad.Set("private_key", testShopKeyPEM(t))
	r = k.post("/admin/amazonpay", bad)
	mustContain(t, r.body, "出品者IDは英大文字と数字", "ストアIDは「amzn1.application-oa2-client.」", "売上方式を選んでください。")
	a, _ := k.shop.AmazonPaySettings(context.Background())
	if a.Environment != shop.EnvEmulator {
		t.Fatal("rejected settings were saved")
	}
	good := amazonPayForm()
	good.Set("private_key", testShopKeyPEM(t))
	if r := k.post("/admin/amazonpay", good); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	a, _ = k.shop.AmazonPaySettings(context.Background())
	if a.Environment != shop.EnvSandbox || !a.Configured() || a.SaleMethod != shop.SaleAuthorize || !a.AllowIncrease || a.NotesOnThanks {
		t.Fatalf("saved %+v", a)
	}
	r = k.get("/admin/amazonpay")
	mustContain(t, r.body, "Amazon Payの設定を保存しました。", `value="A1B2C3D4E5F6G7"`)
	if strings.Contains(r.body, "END PRIVATE KEY") || strings.Contains(r.body, keyLine) {
		t.Fatal("the private key was rendered")
	}
	// Saving again without pasting the key keeps it.
	if r := k.post("/admin/amazonpay", amazonPayForm()); r.status != http.StatusSeeOther {
		t.Fatalf("save without key: %d", r.status)
	}
}

func TestAmazonPayOfferRules(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	// Disabled for 宅配便: the reason replaces the button.
	a, _ := k.shop.AmazonPaySettings(context.Background())
	in := shop.AmazonPayInput{Environment: a.Environment, SaleMethod: a.SaleMethod, ButtonColor: a.ButtonColor, ProductType: a.ProductType,
		DisplayStyle: a.DisplayStyle, Notes: a.Notes}
	if err := k.shop.SaveAmazonPaySettings(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	fillCart(t, k, 1)
	r := k.get("/cart")
	mustContain(t, r.body, "ご利用の配送方法（宅配便）ではAmazon Payをご利用いただけません。")
	if strings.Contains(r.body, "data-amazon-pay-button") {
		t.Fatal("button shown while disabled for the delivery method")
	}
	in.EnabledTakkyubin = true
	if err := k.shop.SaveAmazonPaySettings(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	// Above 1,000,000 yen: no button, a reason.
	p := k.product(func(p store.Product) bool { return p.Stock >= 100 })
	p.Price = 1_000_000
	if err := k.db.WithTx(context.Background(), func(tx *store.Tx) error { return tx.UpdateProduct(p) }); err != nil {
		t.Fatal(err)
	}
	k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {"1"}})
	r = k.get("/cart")
	mustContain(t, r.body, "1円から1,000,000円までの場合にご利用いただけます")
}
