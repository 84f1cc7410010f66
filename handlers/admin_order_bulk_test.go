package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"kago/amazonpay/emulator"
	"kago/model"
	"kago/shop"
)

// TestBulkCapture: 売上請求 of the orders ticked in 受注一覧 (seed 002) with
// a mix of a capturable order, one captured already, one whose
// authorization expired at Amazon (the shop has not read it yet, so Amazon
// refuses), one increased in 編集モード but not re-authorized, and a bank
// transfer; each gets its own result, the refused
// ones stay as they were, and a second press captures nothing twice.
func TestBulkCapture(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	expired := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	k.emu.Advance(31 * 24 * time.Hour) // its authorization lapses at Amazon
	capturable := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	captured := paidOrder(t, k, shop.SaleAuthorizeWithCapture, emulator.BuyerTaro)
	increased := amazonOrder(t, k, shop.SaleAuthorize, true, emulator.BuyerTaro, 0)
	before := orderOf(t, k, increased).Total
	mustEdit(t, k, increased, edit(t, k, increased, adjust("追加料金", "10", "500")), before, before+500)
	bank := k.placeOrders(taro(shop.PayBank))[0].ID
	ids := []int64{capturable, captured, expired, increased, bank}
	q := url.Values{"do": {"capture"}}
	form := url.Values{}
	for _, id := range ids {
		q.Add("id", strconv.FormatInt(id, 10))
		form.Add("id", strconv.FormatInt(id, 10))
	}
	mustContain(t, k.get("/admin/orders").body, `value="capture"`, "売上請求（Amazon Pay）")

	// The preview asks nothing of Amazon.
	n := calls(t, k, capturable, "CaptureCharge") + calls(t, k, expired, "CaptureCharge")
	preview := k.get("/admin/orders/selection?" + q.Encode())
	mustContain(t, preview.body, "売上請求できます：2件", "売上請求済み：1件", "売上請求できません：2件", "2件を売上請求する",
		"Amazon Payの注文ではありません（銀行振込）", "「金額を更新してオーソリ」してから売上請求してください")
	if calls(t, k, capturable, "CaptureCharge")+calls(t, k, expired, "CaptureCharge") != n {
		t.Fatal("the preview called Amazon")
	}

	total := orderOf(t, k, capturable).Total
	r := k.post("/admin/orders/capture", form)
	if r.status != http.StatusOK {
		t.Fatalf("bulk capture: %d %s", r.status, excerpt(r.body))
	}
	mustContain(t, r.body, "売上請求の結果", "売上請求しました：1件", "売上請求済み：1件", "売上請求できません：3件")
	row := func(body string, id int64) string {
		i := strings.Index(body, `href="/admin/orders/`+strconv.FormatInt(id, 10)+`"`)
		if i < 0 {
			t.Fatalf("no line for order %d", id)
		}
		return body[i : i+strings.Index(body[i:], "</tr>")]
	}
	mustContain(t, row(r.body, capturable), "売上請求しました", yen(total))
	mustContain(t, row(r.body, captured), "売上請求済み", "何もしていません")
	mustContain(t, row(r.body, expired), "売上請求できません", "InvalidChargeStatus")
	if c := amazonCharge(t, k, chargeID(t, k, capturable, 1)); c.StatusDetails.State != "Captured" || priceYen(c.CaptureAmount) != total {
		t.Fatalf("Amazon holds %+v", c.StatusDetails)
	}
	if calls(t, k, increased, "CaptureCharge") != 0 {
		t.Fatal("the increased order was captured at its old authorization")
	}
	if l := ledger(t, k, expired); l.Charges[0].Captured != 0 || l.Charges[0].State == model.StateCaptured {
		t.Fatalf("the expired order shows money captured: %+v", l.Charges[0])
	}

	// The second press: nothing is captured twice.
	n = calls(t, k, capturable, "CaptureCharge") + calls(t, k, captured, "CaptureCharge")
	r = k.post("/admin/orders/capture", form)
	mustContain(t, r.body, "売上請求済み：2件", "売上請求できません：3件")
	if calls(t, k, capturable, "CaptureCharge")+calls(t, k, captured, "CaptureCharge") != n {
		t.Fatal("the second press called Amazon for orders captured already")
	}

	// No order ticked: back to the list with the message.
	mustRefuse(t, k.post("/admin/orders/capture", url.Values{}), http.StatusUnprocessableEntity)
}
