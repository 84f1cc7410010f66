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
	for kind, title := range map[string]string{"slip": "受注伝票", "delivery": "納品書", "invoice": "請求書"} {
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

// A 領収書 says the money was received: it is printed for the paid orders
// of a selection only, the others are named, and 受注明細 offers it only
// where it can work.
func TestAdminReceiptOnlyForMoneyReceived(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	spec := func(given, payment, status, paid string) orderSpec {
		return orderSpec{family: "山田", given: given, email: "r@example.com", payment: payment, status: status, paid: paid}
	}
	os := k.placeOrders(
		spec("振込待ち", shop.PayBank, "", ""),
		spec("振込済み", shop.PayBank, "", shop.PaymentPaid),
		spec("代引発送", shop.PayCOD, store.OrderShipped, ""),
		spec("代引完了", shop.PayCOD, store.OrderCompleted, ""),
		spec("与信のみ", shop.PayAmazon, "", "Authorized"),
		spec("売上確定", shop.PayAmazon, "", "Captured"),
		spec("取消済み", shop.PayBank, store.OrderCanceled, shop.PaymentPaid),
	)
	var ids string
	for _, o := range os {
		ids += "&id=" + strconv.FormatInt(o.ID, 10)
	}
	r := k.get("/admin/orders/selection?do=doc-receipt" + ids)
	if r.status != http.StatusOK {
		t.Fatalf("receipts of a selection: %d", r.status)
	}
	if n := strings.Count(r.body, "<h1>領収書</h1>"); n != 3 {
		t.Errorf("%d receipts, want 3 (振込済み, 代引完了, 売上確定)", n)
	}
	mustContain(t, r.body, "山田 振込済み 様", "山田 代引完了 様", "山田 売上確定 様", "領収書（3件）",
		"注文番号 "+strconv.FormatInt(os[0].Number, 10)+"：入金が確認されていません（入金待ち）",
		"注文番号 "+strconv.FormatInt(os[2].Number, 10)+"：代金引換の代金をまだ受け取っていません",
		"注文番号 "+strconv.FormatInt(os[4].Number, 10)+"：Amazon Payの売上が確定していません",
		"注文番号 "+strconv.FormatInt(os[6].Number, 10)+"：キャンセルされた注文です")
	for _, name := range []string{"振込待ち", "代引発送", "与信のみ", "取消済み"} {
		if strings.Contains(r.body, "山田 "+name+" 様") {
			t.Errorf("a receipt for %s", name)
		}
	}
	// Nothing received: no page of receipts, the order again with why.
	one := strconv.FormatInt(os[0].ID, 10)
	r = k.get("/admin/orders/selection?do=doc-receipt&id=" + one)
	if r.status != http.StatusUnprocessableEntity || strings.Contains(r.body, "正に領収いたしました") {
		t.Fatalf("receipt of an unpaid transfer: %d", r.status)
	}
	mustContain(t, r.body, "領収書は代金を受け取った注文にだけ発行できます。", "入金が確認されていません（入金待ち）", "受注明細")
	r = k.get("/admin/orders/selection?do=doc-receipt&id=" + one + "&id=" + strconv.FormatInt(os[2].ID, 10))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("receipts of nothing received: %d", r.status)
	}
	mustContain(t, r.body, "<h1>受注一覧</h1>", "領収書は代金を受け取った注文にだけ発行できます。")
	// 受注明細 offers 領収書 only once the money is in.
	unpaid := k.get("/admin/orders/" + one).body
	if strings.Contains(unpaid, "do=doc-receipt") {
		t.Error("受注明細 of an unpaid transfer offers 領収書")
	}
	mustContain(t, unpaid, "領収書は代金を受け取ってから発行できます：入金が確認されていません（入金待ち）。", "do=doc-invoice")
	mustContain(t, k.get("/admin/orders/"+strconv.FormatInt(os[1].ID, 10)).body, "do=doc-receipt")
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
