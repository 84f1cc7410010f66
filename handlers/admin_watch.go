package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"kago/jp"
	"kago/model"
	"kago/shop"
	"kago/store"
	"kago/views"
)

// The Amazon Pay watch in the admin: 未完了注文の確認と通知 (a form of Amazon
// Pay設定), the 決済直前ログ and Amazon Pay照合.

// watchForm fills the parts of Amazon Pay設定 the watch adds: the recovery's
// form and what arrived at the IPN URL.
func (srv *Server) watchForm(ctx context.Context, f *views.AmazonPaySettingsForm) error {
	var err error
	if f.Recovery, err = srv.recoveryForm(ctx); err != nil {
		return err
	}
	f.IPN.Count, f.IPN.Last, err = srv.shop.AmazonPay.NotificationStats(ctx)
	return err
}

func (srv *Server) recoveryForm(ctx context.Context) (views.RecoveryForm, error) {
	rs, err := srv.shop.RecoverySettings(ctx)
	if err != nil {
		return views.RecoveryForm{}, err
	}
	in := rs.Input()
	return views.RecoveryForm{RecoverMinutes: in.RecoverMinutes, ClaimSeconds: in.ClaimSeconds, AlertMinutes: in.AlertMinutes, Base: in.Base}, nil
}

// adminSaveRecovery saves 未完了注文の確認と通知.
func (srv *Server) adminSaveRecovery(c echo.Context) error {
	ctx := c.Request().Context()
	in := shop.RecoveryInput{RecoverMinutes: c.FormValue("recover_minutes"), ClaimSeconds: c.FormValue("claim_seconds"),
		AlertMinutes: c.FormValue("alert_minutes"), Base: c.FormValue("base")}
	err := srv.shop.SaveRecoverySettings(ctx, in)
	if ie, ok := shop.AsInputError(err); ok {
		a, aerr := srv.shop.AmazonPaySettings(ctx)
		if aerr != nil {
			return aerr
		}
		f := srv.amazonPayForm(a, nil)
		if err := srv.watchForm(ctx, &f); err != nil {
			return err
		}
		f.Recovery = views.RecoveryForm{RecoverMinutes: in.RecoverMinutes, ClaimSeconds: in.ClaimSeconds, AlertMinutes: in.AlertMinutes,
			Base: in.Base, Errors: ie.Fields}
		page, status := srv.adminPage(c, "Amazon Pay設定", "amazonpay"), http.StatusUnprocessableEntity
		page.Error = ie.Error()
		if se, stale := shop.AsStaleForm(err); stale {
			f.Recovery.Base, page.Error, status = se.Base, se.Message, http.StatusConflict
		}
		return render(c, status, views.AdminAmazonPay(page, f))
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "未完了注文の確認と通知の設定を保存しました。"); err != nil {
		return err
	}
	return redirect(c, "/admin/amazonpay#recovery")
}

// adminPrepaymentLog is the 決済直前ログ.
func (srv *Server) adminPrepaymentLog(c echo.Context) error {
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	entries, next, err := srv.shop.AmazonPay.PrepaymentLog(c.Request().Context(), before)
	if err != nil {
		return err
	}
	m := views.PrepaymentLogPage{}
	if next != 0 {
		m.Next = "/admin/amazonpay/prepayment-log?before=" + strconv.FormatInt(next, 10)
	}
	for _, e := range entries {
		items := make([]string, 0, len(e.Lines))
		for _, l := range e.Lines {
			items = append(items, l.Name+" ×"+strconv.FormatInt(l.Quantity, 10))
		}
		r := views.PrepaymentRow{OrderID: e.OrderID, Number: e.Number, PlacedAt: e.PlacedAt, State: shop.PaymentStatusLabel(e.State),
			Failed: e.State == store.AmazonFailed, Reason: e.Reason, Buyer: e.Buyer, Email: e.Email, Total: e.Total,
			Items: strings.Join(items, "、"), SessionID: e.SessionID, Reference: e.Reference, CheckedAt: e.CheckedAt,
			CanCreate: e.CanCreate, Alerted: e.Alerted}
		if e.State == store.AmazonCompleting {
			r.State = "処理中"
		}
		if e.SessionState != "" {
			r.SessionState = shop.SessionStateLabel(e.SessionState)
		}
		m.Rows = append(m.Rows, r)
	}
	return render(c, http.StatusOK, views.AdminPrepaymentLog(srv.adminPage(c, "決済直前ログ", "orders"), m))
}

// adminCheckPrepayment is 「Amazonで確認」 of a 決済直前ログ line.
func (srv *Server) adminCheckPrepayment(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	msg, err := srv.shop.AmazonPay.CheckPrepayment(c.Request().Context(), id)
	return srv.backToLog(c, id, msg, err)
}

// adminCreateFromLog is 「受注データを作成」.
func (srv *Server) adminCreateFromLog(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	msg, err := srv.shop.AmazonPay.CreateOrderFromLog(c.Request().Context(), id, shop.AdminActor(adminActor(c)))
	return srv.backToLog(c, id, msg, err)
}

// backToLog returns to the 決済直前ログ with the outcome as the flash.
func (srv *Server) backToLog(c echo.Context, id int64, msg string, err error) error {
	if ie, ok := shop.AsInputError(err); ok {
		msg, err = ie.Error(), nil
	}
	if errors.Is(err, shop.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, msg); err != nil {
		return err
	}
	return redirect(c, "/admin/amazonpay/prepayment-log#log-"+strconv.FormatInt(id, 10))
}

// adminReconcile is Amazon Pay照合: the last run, differences first.
func (srv *Server) adminReconcile(c echo.Context) error {
	ctx := c.Request().Context()
	m := views.ReconcilePage{}
	jobs, err := srv.shop.Jobs(ctx)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if j.Name == shop.ReconcileJob {
			m.Running = j.Running || j.Due
		}
	}
	run, items, err := srv.shop.AmazonPay.LatestReconciliation(ctx)
	if err != nil && !errors.Is(err, shop.ErrNotFound) {
		return err
	}
	if err == nil {
		m.Ran, m.StartedAt, m.FinishedAt = true, run.StartedAt, run.FinishedAt
		m.Checked, m.Differences, m.Unreachable = run.Checked, run.Differences, run.Unreachable
	}
	for _, it := range items {
		r := views.ReconcileRow{Kind: it.Kind, KindLabel: shop.ReconcileKindLabel(it.Kind), Difference: it.Kind != model.ReconcileOK,
			OrderID: it.OrderID, Number: it.OrderNumber, Reference: it.Reference, PermissionID: it.PermissionID,
			AmazonState: it.AmazonState, ShopAmount: it.ShopAmount, AmazonAmount: it.AmazonAmount, Action: shop.ReconcileAction(it)}
		if it.ShopState != "" {
			r.ShopState = shop.OrderStatusLabel(it.ShopState)
		}
		r.Fetch = it.Stale && it.OrderID != 0
		r.Log = it.Kind == model.ReconcileMoneyWithoutOrder && it.OrderID != 0 && it.ShopState != store.OrderCanceled
		if it.Kind == model.ReconcileOK {
			m.Matched = append(m.Matched, r)
		} else {
			m.Rows = append(m.Rows, r)
		}
	}
	page := srv.adminPage(c, "Amazon Pay照合", "reconcile")
	if m.Ran && m.FinishedAt.IsZero() {
		page.Error = "前回の照合は " + jp.DateTime(m.StartedAt) + " に始まり、終わっていません。"
	}
	return render(c, http.StatusOK, views.AdminReconcile(page, m))
}

// adminRunReconcile is 「今すぐ照合する」: the daily job runs now.
func (srv *Server) adminRunReconcile(c echo.Context) error {
	if err := srv.shop.RunJobNow(c.Request().Context(), shop.ReconcileJob); err != nil && !errors.Is(err, shop.ErrNotFound) {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "照合を始めました。終わるとこの画面に結果が表示されます（件数が多いと数分かかります）。"); err != nil {
		return err
	}
	return redirect(c, "/admin/amazonpay/reconcile")
}
