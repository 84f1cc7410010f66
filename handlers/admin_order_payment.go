package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"kago/model"
	"kago/shop"
	"kago/store"
	"kago/views"
)

// The Amazon Pay operations of 受注明細: the yellow frame built from the
// shop's payment panel, and the one POST that runs an operation.

// amazonFrame is the yellow frame (or, for a failed payment, the red one)
// of 受注明細.
func amazonFrame(id int64, p store.AmazonPayment, panel *shop.PaymentPanel) *views.AdminAmazonFrame {
	f := &views.AdminAmazonFrame{OrderID: id, Failed: p.State == store.AmazonFailed, ReferenceID: p.ChargePermissionID, ChargeID: p.ChargeID,
		Test:       shop.TestPayment(p),
		SaleMethod: shop.SaleMethodLabel(p.SaleMethod), Increase: p.AllowIncrease, Instrument: p.Instrument,
		StatusCode: p.ReasonCode, Pending: p.State == store.AmazonPending || p.State == store.AmazonCompleting}
	switch {
	case f.Failed:
		f.Status = "決済失敗"
		_, f.Detail = shop.AmazonPayMessages(p.ReasonCode)
		if panel != nil { // declined after the completion: the timeline stays
			for _, c := range panel.Calls {
				f.Calls = append(f.Calls, callRow(c))
			}
		}
	case f.Pending:
		f.Status = "処理中（お客様がAmazon Payでお手続き中、または完了を確認中）"
	case panel == nil:
		f.Status = shop.AmazonPayStatusLabel(p.AmazonState, p.ReasonCode)
	default:
		paymentPanel(f, panel)
	}
	return f
}

// paymentPanel fills the frame from the ledger: state, deadline, buttons,
// charges, refunds and the timeline.
func paymentPanel(f *views.AdminAmazonFrame, p *shop.PaymentPanel) {
	l := p.Ledger
	f.Ledger, f.Busy, f.Unsettled, f.Processing = true, p.Busy, p.Unsettled, p.Pending()
	f.Status, f.StatusCode = shop.AmazonPayStatusLabel(p.State, p.Reason), p.Reason
	if p.Reason == shop.AmazonPayPartiallyRefunded {
		f.StatusCode = ""
	}
	if f.StatusCode != "" {
		_, f.Detail = shop.AmazonPayMessages(f.StatusCode)
	}
	f.AmazonDetail = p.ReasonDescription
	if p.State == "" {
		f.Status = "未取得（Amazon Payから読み込んでいません）"
	}
	f.FetchedAt, f.Version, f.Balance = l.Permission.FetchedAt, l.Permission.Version, l.Permission.AmountBalance
	f.Deadline, f.DeadlineAt, f.DeadlineNear = p.DeadlineText, p.Deadline.At, p.DeadlineNear
	f.Captured, f.Refunded, f.RefundPending = p.Captured, p.Refunded, p.RefundPending
	f.Instrument, f.InstrumentKind = p.Instrument, p.InstrumentKind
	for _, a := range p.Actions {
		v := views.AdminPaymentAction{Op: a.Op, Label: a.Label, ChargeID: a.ChargeID, Amount: a.Amount, MaxAmount: a.MaxAmount,
			Confirm: a.Confirm, OfferStock: a.OfferStock, Suggested: a.Suggested}
		switch a.Op {
		case model.OpRefund:
			f.Refunds = append(f.Refunds, v)
		case model.OpFetch:
			f.Fetch = &v
		default:
			f.Actions = append(f.Actions, v)
		}
	}
	for _, c := range l.Charges {
		f.Charges = append(f.Charges, views.AdminChargeRow{ID: c.ID, Status: shop.AmazonPayStatusLabel(c.State, c.ReasonCode),
			Reason: c.ReasonCode, Amount: c.Amount, Captured: c.Captured, Refunded: c.Refunded, ExpiresAt: c.ExpiresAt})
	}
	for _, r := range l.Refunds {
		f.RefundRows = append(f.RefundRows, views.AdminRefundRow{ID: r.ID, ChargeID: r.ChargeID,
			Status: shop.AmazonPayStatusLabel(r.State, r.ReasonCode), Reason: r.ReasonCode, Amount: r.Amount, CreatedAt: r.CreatedAt})
	}
	for _, c := range p.Calls {
		f.Calls = append(f.Calls, callRow(c))
	}
	if p.Gap != nil {
		f.Gap = &views.AdminAmountGap{Text: p.Gap.Text(), Blocked: p.Gap.Blocked}
	}
	f.Cancel = views.AdminCancelOffer{Text: p.Cancel.Text, Op: p.Cancel.Op, OpLabel: p.Cancel.OpLabel, KeepText: p.Cancel.KeepText,
		ChargeID: p.Cancel.ChargeID}
}

// historyRows is 操作履歴, newest first: the order's events in words, and
// the lines older code wrote as text; and, apart, its 入金チェック lines.
func historyRows(events []model.Event, legacy []store.HistoryEntry) (rows, checks []views.AdminHistoryRow) {
	rows = make([]views.AdminHistoryRow, 0, len(events)+len(legacy))
	for _, h := range legacy {
		row := views.AdminHistoryRow{At: h.At, Actor: h.Actor, Action: h.Action, Details: h.Detail}
		rows = append(rows, row)
		if h.Action == "入金チェック" {
			checks = append(checks, row)
		}
	}
	for _, e := range events {
		w := shop.DescribeEvent(e)
		if w.Hidden {
			continue
		}
		row := views.AdminHistoryRow{At: e.At, Actor: shop.ActorLabel(e.Actor), Action: w.Action, ObjectID: e.ObjectID, Amount: e.Amount,
			From: w.From, To: w.To, Result: w.Result, Failed: w.Failed, Details: w.Detail}
		for _, it := range e.Items {
			if e.Kind == model.EventOrderEdit {
				break // the edit's words tell its items
			}
			row.Items = append(row.Items, views.AdminItem{Name: it.Name, Quantity: it.Quantity})
		}
		rows = append(rows, row)
		if e.Kind == model.EventPaymentCheck {
			checks = append(checks, views.AdminHistoryRow{At: e.At, Actor: row.Actor, Action: w.Action, Details: w.From + " → " + w.To})
		}
	}
	// Oldest first (older text lines before events of the same second),
	// then turned round.
	slices.SortStableFunc(rows, func(a, b views.AdminHistoryRow) int { return a.At.Compare(b.At) })
	slices.Reverse(rows)
	slices.SortStableFunc(checks, func(a, b views.AdminHistoryRow) int { return a.At.Compare(b.At) })
	return rows, checks
}

// adminOrderAmazonPay runs one Amazon Pay operation from the yellow frame.
func (srv *Server) adminOrderAmazonPay(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	msg, err := srv.shop.AmazonPay.Run(c.Request().Context(), shop.OperationInput{OrderID: id, Op: c.FormValue("op"),
		ChargeID: c.FormValue("charge"), Amount: c.FormValue("amount"), FullRefund: c.FormValue("full") == "1",
		ReturnStock: c.FormValue("return_stock") == "1", Version: c.FormValue("v"), Actor: shop.AdminActor(adminActor(c))})
	return srv.afterOrderChange(c, id, err, msg)
}

func callRow(c model.APICall) views.AdminCallRow {
	return views.AdminCallRow{ID: c.ID, At: c.At, API: c.API, Label: shop.APILabel(c.API), Method: c.Method, Path: c.Path,
		IdempotencyKey: c.IdempotencyKey, Attempt: c.Attempt, HTTPStatus: c.HTTPStatus, ReasonCode: c.ReasonCode,
		RequestID: c.RequestID, Duration: c.Duration, Error: c.Error, RequestBody: indentJSON(c.RequestBody), ResponseBody: indentJSON(c.ResponseBody)}
}

// adminOrderAmazonCall shows one call of an order's timeline with its JSON.
func (srv *Server) adminOrderAmazonCall(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	callID, err := strconv.ParseInt(c.Param("call"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	call, number, err := srv.shop.AmazonPay.Call(c.Request().Context(), id, callID)
	if err != nil {
		return err
	}
	m := views.AdminAmazonCall{OrderID: id, Number: number, Call: callRow(call)}
	return render(c, http.StatusOK, views.AdminAmazonCallPage(srv.adminPage(c, "Amazon Pay通信 "+call.API, "orders"), m))
}

// indentJSON lays JSON out for reading; anything else is shown as it came.
func indentJSON(s string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(s), "", "  ") != nil {
		return s
	}
	return b.String()
}

// conflictStatus is 409 for a change that lost to another one, 422 for
// input the merchant can correct.
func conflictStatus(err error) int {
	if shop.IsConflict(err) {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// orderURL is 受注明細 of an order.
func orderURL(id int64) string { return "/admin/orders/" + strconv.FormatInt(id, 10) }
