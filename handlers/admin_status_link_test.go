package handlers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"kago/amazonpay/emulator"
	"kago/model"
	"kago/shop"
	"kago/store"
)

// setStatusLink sets 「受注ステータス」と「決済処理」を連動 on the Amazon Pay
// settings page as a merchant does.
func setStatusLink(t testing.TB, k *kit, on bool) {
	t.Helper()
	form := formValues(k.get("/admin/amazonpay").body)
	form.Set("status_link", map[bool]string{true: "1", false: "0"}[on])
	if r := k.post("/admin/amazonpay", form); r.status != http.StatusSeeOther {
		t.Fatalf("settings: %d %s", r.status, excerpt(r.body))
	}
	if a, _ := k.shop.AmazonPaySettings(context.Background()); a.StatusLink != on {
		t.Fatalf("status link %v, want %v", a.StatusLink, on)
	}
}

// TestStatusLink: seed 003's link between status and payment. Off by
// default: a status change moves no money. On: 発送済み captures and
// キャンセル cancels the authorization or refunds; when the payment call is
// refused the status stays and the refusal is shown. Off again: no money
// moves.
func TestStatusLink(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	expired := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	k.emu.Advance(31 * 24 * time.Hour) // its authorization lapses at Amazon, unread by the shop
	off := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	ship := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	cancel := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	confirm := paidOrder(t, k, shop.SaleConfirm, emulator.BuyerTaro)
	refund := paidOrder(t, k, shop.SaleAuthorizeWithCapture, emulator.BuyerTaro)
	offAgain := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)

	mustContain(t, k.get("/admin/amazonpay").body, "「受注ステータス」と「決済処理」を連動", "連動する", "連動しない")
	if a, _ := k.shop.AmazonPaySettings(context.Background()); a.StatusLink {
		t.Fatal("the link is on by default")
	}
	mustOK(t, k, off, changeStatus(t, k, off, store.OrderNew, store.OrderShipped, nil))
	if calls(t, k, off, "CaptureCharge") != 0 || ledger(t, k, off).Charges[0].State != model.StateAuthorized {
		t.Fatal("発送済み captured with the link off")
	}

	setStatusLink(t, k, true)
	mustOK(t, k, ship, changeStatus(t, k, ship, store.OrderNew, store.OrderShipped, nil))
	if c := amazonCharge(t, k, chargeID(t, k, ship, 1)); c.StatusDetails.State != "Captured" || priceYen(c.CaptureAmount) != orderOf(t, k, ship).Total {
		t.Fatalf("発送済み with the link: Amazon holds %+v", c.StatusDetails)
	}
	mustContain(t, k.get(orderPath(ship)).body, "売上請求", "発送済み")

	mustContain(t, k.get(orderPath(cancel)).body, "連動する」設定のため、キャンセルすると「オーソリキャンセル」も行います。")
	mustOK(t, k, cancel, changeStatus(t, k, cancel, store.OrderNew, store.OrderCanceled, nil))
	if c := amazonCharge(t, k, chargeID(t, k, cancel, 1)); c.StatusDetails.State != "Canceled" {
		t.Fatalf("キャンセル with the link: Amazon holds %+v", c.StatusDetails)
	}
	mustOK(t, k, refund, changeStatus(t, k, refund, store.OrderNew, store.OrderCanceled, nil))
	if l := ledger(t, k, refund); len(l.Refunds) != 1 || l.Refunds[0].Amount != orderOf(t, k, refund).Total {
		t.Fatalf("キャンセル of a captured order with the link: refunds %+v", l.Refunds)
	}
	if o := orderOf(t, k, refund); o.Status != store.OrderCanceled {
		t.Fatalf("status %s", o.Status)
	}

	// Refusals: Amazon refuses the capture of a lapsed authorization; a
	// 確認 order has none to capture (refused before any call). The
	// status stays.
	r := changeStatus(t, k, expired, store.OrderNew, store.OrderShipped, nil)
	mustRefuse(t, r, http.StatusUnprocessableEntity, "InvalidChargeStatus")
	n := calls(t, k, confirm, "CaptureCharge") + calls(t, k, confirm, "CreateCharge")
	r = changeStatus(t, k, confirm, store.OrderNew, store.OrderShipped, nil)
	mustRefuse(t, r, http.StatusUnprocessableEntity, "発送済みにしていません", "売上請求できるオーソリがありません")
	if calls(t, k, confirm, "CaptureCharge")+calls(t, k, confirm, "CreateCharge") != n {
		t.Fatal("a refused link called Amazon")
	}
	for _, id := range []int64{expired, confirm} {
		if o := orderOf(t, k, id); o.Status != store.OrderNew {
			t.Fatalf("order %d is %s after a refused capture", id, o.Status)
		}
	}

	setStatusLink(t, k, false)
	mustOK(t, k, offAgain, changeStatus(t, k, offAgain, store.OrderNew, store.OrderShipped, nil))
	if calls(t, k, offAgain, "CaptureCharge") != 0 {
		t.Fatal("発送済み captured with the link off again")
	}
}
