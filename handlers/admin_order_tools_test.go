package handlers_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"kago/mail"
	"kago/shop"
	"kago/store"
)

func TestAdminOrderToolsNeedLogin(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	for _, path := range []string{"/admin/orders/selection?do=doc-delivery&id=1", "/admin/orders/1/mail?kind=free", "/admin/shop-info"} {
		if r := k.get(path); r.status != http.StatusSeeOther || r.location != "/admin/login" {
			t.Errorf("%s without login: %d %s", path, r.status, r.location)
		}
	}
	for _, path := range []string{"/admin/orders/1/mail", "/admin/orders/1/shipment", "/admin/shop-info"} {
		if r := k.post(path, url.Values{"kind": {"free"}}); r.status != http.StatusSeeOther || r.location != "/admin/login" {
			t.Errorf("POST %s without login: %d %s", path, r.status, r.location)
		}
	}
}

func TestAdminDocumentsAndLabels(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	os := k.placeOrders(taro(shop.PayBank), orderSpec{family: "佐藤", given: "花子", email: "hanako@example.com", payment: shop.PayCOD, qty: 2})
	ids := "&id=" + strconv.FormatInt(os[0].ID, 10) + "&id=" + strconv.FormatInt(os[1].ID, 10)
	for kind, title := range map[string]string{"slip": "受注伝票", "delivery": "納品書", "invoice": "請求書", "receipt": "領収書"} {
		r := k.get("/admin/orders/selection?do=doc-" + kind + ids)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d", kind, r.status)
		}
		mustContain(t, r.body, "<h1>"+title+"</h1>", title+"（2件）", "data-print", "/static/documents.css", "山田 太郎 様", "佐藤 花子 様",
			"※消費税は税率ごとの合計金額から計算し、1円未満を切り捨てています。", "8%対象", "発行日：")
		if strings.Contains(r.body, "onclick") || strings.Contains(r.body, "<script>") {
			t.Errorf("%s: inline script", kind)
		}
	}
	// No order ticked: 受注一覧 again, with its search and a message.
	r := k.get("/admin/orders/selection?do=doc-delivery&tab=active&payment=cod")
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no selection: %d", r.status)
	}
	mustContain(t, r.body, "注文が選ばれていません。", "<h1>受注一覧</h1>", `<option value="cod" selected>`, `name="payment" value="cod"`)
	for _, q := range []string{"do=doc-estimate" + ids, "do=labels-seino" + ids, "do=doc-delivery&id=999999"} {
		if r := k.get("/admin/orders/selection?" + q); r.status != http.StatusNotFound {
			t.Errorf("%s: %d", q, r.status)
		}
	}
	if r := k.get("/admin/orders/selection?do=doc-delivery&id=abc"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a bad id: %d", r.status)
	}
	r = k.get("/admin/orders/selection?do=labels-yamato" + ids)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=Shift_JIS" ||
		!strings.Contains(r.header.Get("Content-Disposition"), `filename="yamato_b2_`) {
		t.Fatalf("labels: %d %v", r.status, r.header)
	}
	text, err := japanese.ShiftJIS.NewDecoder().String(r.body)
	if err != nil || !strings.HasPrefix(text, "お客様管理番号,送り状種別,") || strings.Count(text, "\r\n") != 3 || !strings.Contains(text, "佐藤 花子") {
		t.Fatalf("labels %v: %q", err, text)
	}
	r = k.get("/admin/orders/selection?do=labels-sagawa&id=" + strconv.FormatInt(os[0].ID, 10))
	if text, _ := japanese.ShiftJIS.NewDecoder().String(r.body); !strings.HasPrefix(text, "お届け先コード取得区分,") {
		t.Fatalf("e飛伝: %q", text)
	}
	// The list offers the actions on ticked orders.
	mustContain(t, k.get("/admin/orders").body, `form="bulk"`, `name="do" value="doc-receipt"`, "送り状データ（ヤマト運輸 B2クラウド）")
}

func TestAdminShipAndMail(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	o := k.placeOrders(taro(shop.PayBank))[0]
	id := strconv.FormatInt(o.ID, 10)
	mustContain(t, k.get("/admin/orders/"+id).body, "受注作業", "帳票出力", "送り状データ", "配送通知メール", "注文確認メール", "フリーメール",
		`<label for="st-tracking">送り状番号</label>`, "配送通知メールを送信する", "キャンセルのお知らせをお客様に送信する")
	// A wrong number: the dialog comes back open with what was typed.
	r := k.post("/admin/orders/"+id+"/status", url.Values{"from": {"new"}, "to": {"shipped"}, "carrier": {"yamato"},
		"tracking_number": {"1234-5678-9011"}, "mail": {"1"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad number: %d", r.status)
	}
	mustContain(t, r.body, "送り状番号の数字が正しくありません。", `value="1234-5678-9011"`, `open id="status-shipped"`)
	r = k.post("/admin/orders/"+id+"/status", url.Values{"from": {"new"}, "to": {"shipped"}, "carrier": {"yamato"},
		"tracking_number": {"1234-5678-9013"}, "mail": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("ship: %d %s", r.status, r.body)
	}
	r = k.get("/admin/orders/" + id)
	mustContain(t, r.body, "お客様へのメールを作成しました。", "ヤマト運輸 1234-5678-9013", "商品を発送いたしました", "配送状況を確認",
		"送り状番号", "メール送信")
	mails, _ := k.db.OrderMails(context.Background(), o.ID)
	var ship store.Mail
	for _, m := range mails {
		if m.Kind == mail.KindShipping {
			ship = m
		}
	}
	// Read in the mail list, as the merchant does.
	list := k.get("/admin/mails")
	mustContain(t, list.body, "【"+shop.DefaultSettings().ShopName+"】商品を発送いたしました（注文番号："+num(o)+"）")
	mustContain(t, k.get("/admin/mails/"+strconv.FormatInt(ship.ID, 10)).body, "■送り状番号：1234-5678-9013", "■配送業者：ヤマト運輸")

	// 注文確認メール, edited before sending.
	r = k.get("/admin/orders/" + id + "/mail?kind=order_confirm")
	if r.status != http.StatusOK {
		t.Fatalf("compose: %d", r.status)
	}
	mustContain(t, r.body, "<h1>注文確認メール", `<label for="subject">件名`, `<label for="body">本文`, "■ご注文者", "この内容で送信する")
	r = k.post("/admin/orders/"+id+"/mail", url.Values{"kind": {"order_confirm"}, "subject": {""}, "body": {"書きかけの本文"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty subject: %d", r.status)
	}
	mustContain(t, r.body, "件名を入力してください。", "書きかけの本文")
	r = k.post("/admin/orders/"+id+"/mail", url.Values{"kind": {"order_confirm"}, "subject": {"ご注文内容のご確認"}, "body": {"山田 太郎 様\n内容を確認いたしました。\n"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("send: %d", r.status)
	}
	mustContain(t, k.get("/admin/orders/"+id).body, "注文確認メールを作成しました。", "ご注文内容のご確認")
	if r := k.get("/admin/orders/" + id + "/mail?kind=thanks"); r.status != http.StatusNotFound {
		t.Errorf("compose thanks: %d", r.status)
	}

	// The 送り状番号 form on its own.
	r = k.post("/admin/orders/"+id+"/shipment", url.Values{"carrier": {"sagawa"}, "tracking_number": {"abc"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad shipment: %d", r.status)
	}
	mustContain(t, r.body, "佐川急便の送り状番号は12桁の数字で入力してください", `value="abc"`)
	if r := k.post("/admin/orders/"+id+"/shipment", url.Values{"carrier": {"sagawa"}, "tracking_number": {"123456789013"}}); r.status != http.StatusSeeOther {
		t.Fatalf("shipment: %d", r.status)
	}
	mustContain(t, k.get("/admin/orders/"+id).body, "送り状番号を保存しました。", "佐川急便 1234-5678-9013", "okurijoNo=123456789013")
	if r := k.post("/admin/orders/999999/shipment", url.Values{"carrier": {"sagawa"}, "tracking_number": {"123456789013"}}); r.status != http.StatusNotFound {
		t.Errorf("unknown order: %d", r.status)
	}
}

func TestAdminShopInfoAndDashboard(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	r := k.get("/admin/shop-info")
	mustContain(t, r.body, "店舗情報・メール設定", `<label for="sender_name">`, `<label for="invoice_number">`, `value="`+testAdminEmail+`"`)
	bad := url.Values{"sender_email": {"shop"}, "notify_email": {testAdminEmail}, "transfer_days": {"7"}, "invoice_number": {"T12"}}
	r = k.post("/admin/shop-info", bad)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad: %d", r.status)
	}
	mustContain(t, r.body, "送信元メールアドレスの形式が正しくありません", "登録番号は「T」と13桁の数字で入力してください", `value="T12"`)
	good := url.Values{"sender_name": {"かご屋"}, "sender_email": {"shop@example.jp"}, "notify_email": {testAdminEmail}, "transfer_days": {"7"},
		"invoice_number": {"T1234567890123"}, "address": {"京都府京都市下京区四条通1-1"}}
	if r := k.post("/admin/shop-info", good); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.status)
	}
	mustContain(t, k.get("/admin/shop-info").body, "店舗情報・メール設定を保存しました。", `value="T1234567890123"`)

	k.placeOrders(taro(shop.PayBank))
	r = k.get("/admin")
	mustContain(t, r.body, "新規受付の注文", "入金待ちの銀行振込", "お客様に届いていないメール", "/admin/orders?payment=bank&amp;paid=unpaid")
	if _, err := k.shop.SendTestMail(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustContain(t, k.get("/admin").body, "1通はSMTPサーバーが未設定のため送信されず、送信箱に保存されています。")
	// The dashboard's link lists the unpaid transfers.
	r = k.get("/admin/orders?payment=bank&paid=unpaid")
	if r.status != http.StatusOK || len(listedNumbers(r.body)) != 1 {
		t.Fatalf("unpaid list: %d %v", r.status, listedNumbers(r.body))
	}
	if r := k.get("/admin/orders?paid=maybe"); r.status != http.StatusUnprocessableEntity || !bytes.Contains([]byte(r.body), []byte("入金状況の指定が正しくありません。")) {
		t.Errorf("bad paid filter: %d", r.status)
	}
}
