package shop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"kago/amazonpay"
	"kago/jp"
	"kago/mail"
	"kago/model"
	"kago/store"
)

// Reconciliation (F-83): the shop's orders against Amazon's payments,
// differences first, each with the action that fixes it; a daily job runs
// it and mails the shop when it finds a difference.
//
// What it can see. Amazon Pay's API has no call that lists a merchant's
// charge permissions (Seller Central offers reports: the settlement and
// transaction reports). So the shop reconciles every payment it knows of:
// each order it sent to Amazon (the order exists, pending, before the
// buyer goes to Amazon, so this covers every checkout the shop started:
// the completed ones by their charge permission, the others by their
// checkout session, which Amazon keeps 30 days), plus every charge
// permission named by a notification that no order has. A payment made on
// the merchant account by something other than this shop, and not
// notified, is out of its sight: a real account needs the settlement
// report of Seller Central for that.

// ReconcileJob is the scheduler's name of the daily reconciliation.
const ReconcileJob = "amazonpay.reconcile"

// reconcileWindow is how far back the reconciliation looks: a charge
// permission lives 180 days; checkout sessions are readable for 30.
const (
	reconcileWindow = 180 * 24 * time.Hour
	sessionWindow   = 30 * 24 * time.Hour
	reconcileKeep   = 30 // runs kept
)

// ReconcileKindLabel is the merchant's word for a reconciliation kind.
func ReconcileKindLabel(kind string) string {
	switch kind {
	case model.ReconcileMoneyWithoutOrder:
		return "お支払いがあるのに受注がない"
	case model.ReconcileOrderWithoutMoney:
		return "受注があるのにお支払いがない"
	case model.ReconcileAmountDiffers:
		return "金額が違う"
	case model.ReconcileStateDiffers:
		return "ショップの記録がAmazon Payと違う"
	case model.ReconcileUnreachable:
		return "確認できなかった"
	}
	return "一致"
}

// ReconcileAction is what fixes a reconciliation item.
func ReconcileAction(it model.ReconcileItem) string {
	switch it.Kind {
	case model.ReconcileMoneyWithoutOrder:
		if it.ShopState == store.OrderCanceled {
			return "受注はキャンセル済みです。受注明細で返金（売上請求済みの場合）、オーソリキャンセルまたは破棄をしてください。"
		}
		if it.OrderID == 0 {
			return "この注文番号の受注がありません。セラーセントラルで決済を確認し、返金またはキャンセル（破棄）してください。"
		}
		return "決済直前ログで「受注データを作成」するか、セラーセントラルで返金またはキャンセル（破棄）してください。"
	case model.ReconcileOrderWithoutMoney:
		return "お客様に連絡して別のお支払い方法をご案内するか、受注をキャンセルしてください。オーソリできる場合は受注明細の「オーソリ」で代金を確保できます。"
	case model.ReconcileAmountDiffers:
		return "受注明細で金額を確かめ、売上請求・返金・オーソリで受注の合計金額に合わせてください。"
	case model.ReconcileStateDiffers:
		return "「最新の状態に更新」でAmazon Payの状態を読み込んでください。"
	case model.ReconcileUnreachable:
		return "Amazon Payに接続できませんでした。時間をおいてもう一度照合してください。"
	}
	return ""
}

// Reconcile runs the reconciliation now and returns the run; the shop is
// mailed when it finds a difference.
func (a *AmazonPay) Reconcile(ctx context.Context) (model.ReconcileRun, error) {
	run := model.ReconcileRun{}
	st, err := a.AmazonPaySettings(ctx)
	if err != nil || !st.Configured() {
		return run, err
	}
	client, err := a.amazonClient(st)
	if err != nil {
		return run, err
	}
	rs, err := a.RecoverySettings(ctx)
	if err != nil {
		return run, err
	}
	if run.ID, err = a.db.StartReconciliation(ctx); err != nil {
		return run, err
	}
	run.StartedAt = a.db.Now()
	payments, err := a.db.PaymentsPlacedSince(ctx, run.StartedAt.Add(-reconcileWindow))
	if err != nil {
		return run, err
	}
	var items []model.ReconcileItem
	for _, p := range payments {
		if ctx.Err() != nil {
			return run, ctx.Err()
		}
		var it model.ReconcileItem
		var ok bool
		switch p.State {
		case store.AmazonDone:
			it, ok = a.reconcileDone(ctx, client, p), true
		default:
			// A checkout still in progress is the recovery's; one older
			// than Amazon keeps sessions cannot be read any more.
			age := run.StartedAt.Sub(p.CreatedAt)
			if age < rs.AlertAfter || age > sessionWindow {
				continue
			}
			it, ok = a.reconcileOpen(ctx, client, p)
		}
		if ok {
			items = append(items, it)
		}
	}
	foreign, err := a.reconcileUnmatched(ctx, st, client)
	if err != nil {
		return run, err
	}
	items = append(items, foreign...)
	for _, it := range items {
		run.Checked++
		switch it.Kind {
		case model.ReconcileOK:
		case model.ReconcileUnreachable:
			run.Unreachable++
		default:
			run.Differences++
		}
	}
	if run.Differences > 0 {
		if err := a.mailDifferences(ctx, run, items); err != nil {
			return run, err
		}
		run.Mailed = true
	}
	run.FinishedAt = a.db.Now()
	return run, a.db.FinishReconciliation(context.WithoutCancel(ctx), run, items, reconcileKeep)
}

// heldBy is what Amazon holds on charges (yen): open or pending
// authorizations, and captured money not refunded.
func heldBy(charges []model.Charge) int64 {
	var n int64
	for _, c := range charges {
		switch c.State {
		case model.StateAuthorizationInitiated, model.StateAuthorized:
			n += c.Amount
		case model.StateCaptureInitiated, model.StateCaptured:
			n += max(c.Captured-c.Refunded, 0)
		}
	}
	return n
}

// liveOrder tells whether an order status expects its money.
func liveOrder(status string) bool {
	return status == store.OrderNew || status == store.OrderShipped || status == store.OrderCompleted
}

// reconcileDone compares a completed order with its payment at Amazon.
func (a *AmazonPay) reconcileDone(ctx context.Context, c *amazonpay.Client, p store.AmazonPayment) model.ReconcileItem {
	it := model.ReconcileItem{OrderID: p.OrderID, PermissionID: p.ChargePermissionID, Reference: p.MerchantReference}
	o, err := a.db.Order(ctx, p.OrderID)
	if err != nil {
		it.Kind = model.ReconcileUnreachable
		return it
	}
	it.OrderNumber, it.ShopState = o.Number, o.Status
	l, lerr := a.db.Ledger(ctx, p.OrderID)
	tag := callTag(p.OrderID, 0)
	perm, err := c.GetChargePermission(ctx, p.ChargePermissionID, tag)
	if err != nil {
		it.Kind = model.ReconcileUnreachable
		return it
	}
	objs := amazonObjects{permission: permissionFrom(perm, a.db.Now())}
	ids := []string{}
	if p.ChargeID != "" {
		ids = append(ids, p.ChargeID)
	}
	for _, ch := range l.Charges {
		if ch.ID != p.ChargeID {
			ids = append(ids, ch.ID)
		}
	}
	for _, id := range ids {
		ch, err := c.GetCharge(ctx, id, tag)
		if err != nil {
			it.Kind = model.ReconcileUnreachable
			return it
		}
		objs.charges = append(objs.charges, chargeFrom(ch, a.db.Now()))
	}
	it.AmazonAmount = heldBy(objs.charges)
	state, reason, _ := PaymentStatus(model.Ledger{Permission: *objs.permission, Charges: objs.charges})
	it.AmazonState = AmazonPayStatusLabel(state, reason)
	it.Stale = lerr == nil && !changedObjects(l, objs).empty()
	if liveOrder(o.Status) {
		it.ShopAmount = o.Total
	}
	open := perm.StatusDetails.State == model.StateChargeable || perm.StatusDetails.State == model.StateNonChargeable
	awaitingAuthorization := p.SaleMethod == SaleConfirm && heldBy(objs.charges) == 0 && len(objs.charges) == 0 && open
	switch {
	case !liveOrder(o.Status) && it.AmazonAmount > 0:
		it.Kind = model.ReconcileMoneyWithoutOrder
	case liveOrder(o.Status) && awaitingAuthorization:
		it.Kind = model.ReconcileOK
	case liveOrder(o.Status) && it.AmazonAmount == 0:
		it.Kind = model.ReconcileOrderWithoutMoney
	case it.AmazonAmount != it.ShopAmount:
		it.Kind = model.ReconcileAmountDiffers
	case it.Stale:
		it.Kind = model.ReconcileStateDiffers
	default:
		it.Kind = model.ReconcileOK
	}
	return it
}

// reconcileOpen checks an order that did not complete (pending or failed)
// against its checkout session: a completed session whose money Amazon
// holds is money without an order (and a 受注未作成 alert). It reports
// false for a session Amazon no longer has.
func (a *AmazonPay) reconcileOpen(ctx context.Context, c *amazonpay.Client, p store.AmazonPayment) (model.ReconcileItem, bool) {
	it := model.ReconcileItem{OrderID: p.OrderID, Reference: p.MerchantReference, Kind: model.ReconcileOK}
	if o, err := a.db.Order(ctx, p.OrderID); err == nil {
		it.OrderNumber, it.ShopState = o.Number, o.Status
	}
	cs, err := c.GetCheckoutSession(ctx, p.CheckoutSessionID, callTag(p.OrderID, 0))
	if amazonpay.ReasonCode(err) == amazonpay.ReasonResourceNotFound {
		return it, false
	}
	if err != nil {
		it.Kind = model.ReconcileUnreachable
		return it, true
	}
	it.AmazonState, it.PermissionID = cs.StatusDetails.State, cs.ChargePermissionID
	if cs.StatusDetails.State != amazonpay.StateCompleted {
		return it, true
	}
	held, _, err := a.completedMoney(ctx, c, p.OrderID, cs)
	if err != nil {
		it.Kind = model.ReconcileUnreachable
		return it, true
	}
	if held {
		it.Kind, it.AmazonAmount = model.ReconcileMoneyWithoutOrder, p.Amount
		if err := a.noteUnplaced(ctx, p.MerchantReference, cs.ChargePermissionID, p.OrderID, p.Amount); err != nil {
			a.log.Error("amazon pay alert", "err", err)
		}
	}
	return it, true
}

// reconcileUnmatched checks the charge permissions that notifications
// named and no order of the shop has.
func (a *AmazonPay) reconcileUnmatched(ctx context.Context, st AmazonPaySettings, c *amazonpay.Client) ([]model.ReconcileItem, error) {
	list, err := a.db.UnmatchedNotifications(ctx, 500)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var items []model.ReconcileItem
	for _, n := range list {
		if seen[n.PermissionID] || !ownReference(st, n.MerchantReference) {
			continue
		}
		seen[n.PermissionID] = true
		it := model.ReconcileItem{PermissionID: n.PermissionID, Reference: n.MerchantReference, Kind: model.ReconcileOK}
		perm, err := c.GetChargePermission(ctx, n.PermissionID)
		if err != nil {
			if amazonpay.ReasonCode(err) != amazonpay.ReasonResourceNotFound {
				it.Kind = model.ReconcileUnreachable
				items = append(items, it)
			}
			continue
		}
		objs := amazonObjects{permission: permissionFrom(perm, a.db.Now())}
		for _, m := range list {
			if m.PermissionID == n.PermissionID && m.ObjectType == amazonpay.ObjectTypeCharge {
				if ch, err := c.GetCharge(ctx, m.ObjectID); err == nil {
					objs.charges = append(objs.charges, chargeFrom(ch, a.db.Now()))
				}
			}
		}
		it.AmazonState = AmazonPayStatusLabel(perm.StatusDetails.State, "")
		if held, amount := holdsMoney(objs); held {
			it.Kind, it.AmazonAmount = model.ReconcileMoneyWithoutOrder, amount
			if err := a.noteUnplaced(ctx, n.MerchantReference, n.PermissionID, 0, amount); err != nil {
				return nil, err
			}
		}
		items = append(items, it)
	}
	return items, nil
}

// ReconcileSubject is the subject of the reconciliation's mail.
func ReconcileSubject(differences int) string {
	return fmt.Sprintf("Amazon Pay 照合結果：差異が%d件あります", differences)
}

// mailDifferences mails the shop the differences of a run.
func (a *AmazonPay) mailDifferences(ctx context.Context, run model.ReconcileRun, items []model.ReconcileItem) error {
	return a.db.WithTx(ctx, func(tx *store.Tx) error {
		kv, err := tx.Settings()
		if err != nil {
			return err
		}
		st := a.withShopURL(settingsFrom(kv))
		var b strings.Builder
		fmt.Fprintf(&b, "%s 管理者様\n\nAmazon Payの決済と受注を照合し、%d件の差異が見つかりました（%s、%d件を照合）。\n\n",
			st.ShopName, run.Differences, jp.DateTime(run.StartedAt), run.Checked)
		for _, it := range items {
			if it.Kind == model.ReconcileOK || it.Kind == model.ReconcileUnreachable {
				continue
			}
			fmt.Fprintf(&b, "■%s\n", ReconcileKindLabel(it.Kind))
			if it.OrderNumber != 0 {
				fmt.Fprintf(&b, "  注文番号：%d（%s）\n", it.OrderNumber, OrderStatusLabel(it.ShopState))
			} else {
				fmt.Fprintf(&b, "  販売事業者注文番号：%s（受注なし）\n", it.Reference)
			}
			if it.PermissionID != "" {
				fmt.Fprintf(&b, "  Amazonリファレンス ID：%s（%s）\n", it.PermissionID, it.AmazonState)
			}
			fmt.Fprintf(&b, "  受注の金額：%s　Amazon Payが保持する金額：%s\n", jp.Yen(it.ShopAmount), jp.Yen(it.AmazonAmount))
			fmt.Fprintf(&b, "  対応：%s\n\n", ReconcileAction(it))
		}
		fmt.Fprintf(&b, "照合結果：\n  %s/admin/amazonpay/reconcile\n\n", strings.TrimRight(a.shopURL(), "/"))
		b.WriteString("※このメールは管理画面のプログラムが毎日の照合で自動で送信しています。このメールへの返信は届きません。\n")
		_, err = a.outbox.Enqueue(tx, mail.Message{Kind: mail.KindAmazonReconcile, From: st.SenderEmail, FromName: st.senderName(),
			To: st.CopyAddress(), Subject: ReconcileSubject(run.Differences), Body: b.String()})
		return err
	})
}

// LatestReconciliation reads the last run and its items (differences
// first); ErrNotFound before the first run.
func (a *AmazonPay) LatestReconciliation(ctx context.Context) (model.ReconcileRun, []model.ReconcileItem, error) {
	return a.db.LatestReconciliation(ctx)
}

// RunReconcile is the daily job.
func (a *AmazonPay) RunReconcile(ctx context.Context) (int, error) {
	run, err := a.Reconcile(ctx)
	if err != nil {
		return run.Checked, err
	}
	if run.Unreachable > 0 {
		return run.Checked, errors.New("amazon pay: some payments could not be read; see the reconciliation page")
	}
	return run.Checked, nil
}
