package handlers

import (
	"bufio"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"kago/jp"
	"kago/shop"
	"kago/store"
	"kago/views"
)

// The merchant's orders: 受注一覧 (three tabs, search, keyset pages, CSV),
// 受注明細, 受注ステータス変更 and 入金チェック.

func orderSearchInput(c echo.Context) shop.OrderSearchInput {
	return shop.OrderSearchInput{Tab: c.QueryParam("tab"), Number: c.QueryParam("number"), Name: c.QueryParam("name"),
		Email: c.QueryParam("email"), From: c.QueryParam("from"), To: c.QueryParam("to"), Status: c.QueryParam("status"),
		Payment: c.QueryParam("payment"), Paid: c.QueryParam("paid"), Deadline: c.QueryParam("deadline"), After: c.QueryParam("after"), Before: c.QueryParam("before")}
}

// query is the search as a query string, without a page cursor.
func orderQuery(in shop.OrderSearchInput) url.Values {
	v := url.Values{}
	for key, val := range map[string]string{"tab": in.Tab, "number": in.Number, "name": in.Name, "email": in.Email,
		"from": in.From, "to": in.To, "status": in.Status, "payment": in.Payment, "paid": in.Paid, "deadline": in.Deadline} {
		if val != "" {
			v.Set(key, val)
		}
	}
	return v
}

// withParam is path with the query v, plus key=id when key is not empty.
func withParam(path string, v url.Values, key string, id int64) string {
	q := url.Values{}
	for k, vals := range v {
		q[k] = vals
	}
	if key != "" {
		q.Set(key, strconv.FormatInt(id, 10))
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// orderList builds the page around a search; errs are the search's
// messages, if any.
func orderList(in shop.OrderSearchInput, q shop.OrderSearch, errs map[string]string) views.AdminOrderList {
	m := views.AdminOrderList{Title: q.Tab.Label, Invalid: len(errs) > 0}
	for _, t := range shop.OrderTabs {
		m.Tabs = append(m.Tabs, views.AdminOrderTab{Label: t.Label, URL: withParam("/admin/orders", url.Values{"tab": {t.Key}}, "", 0),
			Active: t.Key == q.Tab.Key})
	}
	f := views.AdminOrderSearch{Tab: q.Tab.Key, Number: in.Number, Name: in.Name, Email: in.Email, From: in.From, To: in.To,
		Status: in.Status, Payment: in.Payment, Paid: in.Paid, Deadline: in.Deadline, Errors: errs}
	f.Open = len(errs) > 0 || f.Number != "" || f.Name != "" || f.Email != "" || f.From != "" || f.To != "" || f.Status != "" ||
		f.Payment != "" || f.Paid != "" || f.Deadline != ""
	if len(q.Tab.Statuses) > 1 {
		for _, s := range q.Tab.Statuses {
			f.StatusOptions = append(f.StatusOptions, views.AdminOption{Value: s, Label: shop.OrderStatusLabel(s)})
		}
	}
	for _, pm := range shop.PaymentMethods {
		f.PaymentOptions = append(f.PaymentOptions, views.AdminOption{Value: pm, Label: shop.PaymentMethodLabel(pm)})
	}
	m.Search = f
	search := orderQuery(in)
	search.Set("tab", q.Tab.Key)
	m.CSVURL = withParam("/admin/orders.csv", search, "", 0)
	m.ClearURL = withParam("/admin/orders", url.Values{"tab": {q.Tab.Key}}, "", 0)
	m.Bulk = bulkBar(search)
	return m
}

func (srv *Server) adminOrders(c echo.Context) error {
	return srv.renderOrderList(c, http.StatusOK, "")
}

// renderOrderList shows 受注一覧 for the search in the query string, with
// message (and status) when an action on a selection did not happen.
func (srv *Server) renderOrderList(c echo.Context, status int, message string) error {
	in := orderSearchInput(c)
	q, err := shop.ParseOrderSearch(in)
	if ie, ok := shop.AsInputError(err); ok {
		m := orderList(in, q, ie.Fields)
		return render(c, http.StatusUnprocessableEntity, views.AdminOrders(srv.adminPage(c, m.Title, "orders"), m))
	}
	if err != nil {
		return err
	}
	page, err := srv.shop.SearchOrders(c.Request().Context(), q)
	if err != nil {
		return err
	}
	m := orderList(in, q, nil)
	ids := make([]int64, len(page.Orders))
	for i, o := range page.Orders {
		ids[i] = o.ID
	}
	amazon, err := srv.shop.AmazonReferences(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	deadlines, err := srv.shop.AmazonPay.DeadlineBadges(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	for _, o := range page.Orders {
		row := views.AdminOrderRow{ID: o.ID, Number: o.Number, CreatedAt: o.CreatedAt, BuyerName: o.BuyerName,
			Email: o.Email, Total: o.Total, PaymentMethod: shop.PaymentMethodLabel(o.PaymentMethod),
			PaymentStatus: shop.PaymentStatusLabel(o.PaymentStatus), Status: o.Status, StatusLabel: shop.OrderStatusLabel(o.Status)}
		if p, ok := amazon[o.ID]; ok {
			row.AmazonReference, row.Test = amazonReference(p), shop.TestPayment(p)
		}
		row.Deadline = deadlines[o.ID]
		m.Rows = append(m.Rows, row)
	}
	search := orderQuery(in)
	if page.Older > 0 {
		m.NextURL = withParam("/admin/orders", search, "after", page.Older)
	}
	if page.Newer > 0 {
		m.PrevURL = withParam("/admin/orders", search, "before", page.Newer)
	}
	p := srv.adminPage(c, m.Title, "orders")
	p.Error = message
	return render(c, status, views.AdminOrders(p, m))
}

// adminOrdersCSV streams every order of the current search (all pages).
func (srv *Server) adminOrdersCSV(c echo.Context) error {
	in := orderSearchInput(c)
	in.After, in.Before = "", ""
	q, err := shop.ParseOrderSearch(in)
	if ie, ok := shop.AsInputError(err); ok {
		m := orderList(in, q, ie.Fields)
		return render(c, http.StatusUnprocessableEntity, views.AdminOrders(srv.adminPage(c, m.Title, "orders"), m))
	}
	if err != nil {
		return err
	}
	name := shop.OrdersCSVFilename(time.Now())
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := bufio.NewWriterSize(c.Response(), 32<<10)
	if err := srv.shop.ExportOrdersCSV(c.Request().Context(), q.Filter, w); err != nil {
		// The header is out: all that is left is to stop and say why in the log.
		srv.log.Error("order CSV export stopped", "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return nil
	}
	return w.Flush()
}

func adminAddress(a store.Address) views.AdminAddress {
	kana := a.FamilyKana
	if a.GivenKana != "" {
		kana += " " + a.GivenKana
	}
	return views.AdminAddress{Name: a.FullName(), Kana: kana, PostalCode: a.PostalCode, Address: a.Street(), Phone: a.Phone}
}

// amazonReference is what the list shows under 「Amazon Pay」: the reference
// ID, or 未記入 before Amazon gave one, or 決済失敗.
func amazonReference(p store.AmazonPayment) string {
	switch {
	case p.State == store.AmazonFailed:
		return "決済失敗"
	case p.ChargePermissionID == "":
		return "未記入"
	}
	return p.ChargePermissionID
}

func orderDetail(d shop.OrderDetail) views.AdminOrderDetail {
	o := d.Order
	v := views.AdminOrderDetail{ID: o.ID, Number: o.Number, CreatedAt: o.CreatedAt, Status: o.Status,
		StatusLabel: shop.OrderStatusLabel(o.Status), PaymentMethod: shop.PaymentMethodLabel(o.PaymentMethod),
		PaymentStatus: shop.PaymentStatusLabel(o.PaymentStatus), Email: o.Email, Buyer: adminAddress(o.Buyer),
		DeliveryMethod: shop.DeliveryMethodLabel(o.DeliveryMethod), DeliveryDate: deliveryDate(o.DeliveryDate), DeliveryTime: deliveryTime(o.DeliveryTime), Notes: o.Notes,
		Subtotal: o.Subtotal, ShippingFee: o.ShippingFee, CODFee: o.CODFee, Total: o.Total,
		PaymentCheck: d.PaymentCheck, Paid: o.PaymentStatus == shop.PaymentPaid}
	if d.Amazon != nil {
		v.Amazon = amazonFrame(o.ID, *d.Amazon, d.Payment)
	}
	if !o.Destination.SameAsBuyer {
		dest := adminAddress(o.Destination.Address)
		v.Destination = &dest
	}
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, views.AdminOrderLine{Name: l.Name, UnitPrice: l.UnitPrice, TaxRate: l.TaxRate, Quantity: l.Quantity, Subtotal: l.Subtotal()})
	}
	if o.Total10 > 0 {
		v.RateTotals = append(v.RateTotals, views.RateTotal{Rate: 10, Total: o.Total10, Tax: o.Tax10})
	}
	if o.Total8 > 0 {
		v.RateTotals = append(v.RateTotals, views.RateTotal{Rate: 8, Total: o.Total8, Tax: o.Tax8})
	}
	for _, s := range d.NextStatuses {
		v.NextStatuses = append(v.NextStatuses, views.AdminOption{Value: s, Label: shop.OrderStatusLabel(s)})
	}
	for _, m := range d.Mails {
		v.Mails = append(v.Mails, views.AdminOrderMail{ID: m.ID, Subject: m.Subject, To: m.To, Status: m.Status, CreatedAt: m.CreatedAt})
	}
	v.History, v.PaymentChecks = historyRows(d.Events, d.History)
	v.Tools = orderTools(d)
	if d.Shipment != nil {
		v.Tracking = shop.CarrierLabel(d.Shipment.Carrier) + " " + shop.FormatTracking(d.Shipment.TrackingNumber)
	}
	return v
}

// renderOrder shows 受注明細, with a message when a change did not happen.
func (srv *Server) renderOrder(c echo.Context, id int64, status int, message string) error {
	return srv.renderOrderWith(c, id, status, message, nil)
}

// renderOrderWith shows 受注明細 with the view adjusted by edit (a form
// sent back with what was typed).
func (srv *Server) renderOrderWith(c echo.Context, id int64, status int, message string, edit func(*views.AdminOrderDetail)) error {
	d, err := srv.shop.OrderDetail(c.Request().Context(), id)
	if err != nil {
		return err
	}
	p := srv.adminPage(c, "受注明細 "+strconv.FormatInt(d.Order.Number, 10), "orders")
	p.Error = message
	v := orderDetail(d)
	if v.Member, err = srv.orderMember(c, id); err != nil {
		return err
	}
	if edit != nil {
		edit(&v)
	}
	return render(c, status, views.AdminOrder(p, v))
}

func (srv *Server) adminOrder(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return srv.renderOrder(c, id, http.StatusOK, "")
}

func adminActor(c echo.Context) string {
	email, _ := c.Get(adminIDKey).(string)
	return email
}

func (srv *Server) adminOrderStatus(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ch := shop.StatusChange{From: c.FormValue("from"), To: c.FormValue("to"), Carrier: c.FormValue("carrier"),
		Tracking: c.FormValue("tracking_number"), Mail: c.FormValue("mail") == "1",
		Payment: c.FormValue("payment"), PaymentCharge: c.FormValue("payment_charge"), PaymentVersion: c.FormValue("v")}
	msg, err := srv.shop.ChangeStatus(c.Request().Context(), id, ch, adminActor(c))
	if ie, ok := shop.AsInputError(err); ok && len(ie.Fields) > 0 {
		// The dialog comes back open with what was typed.
		return srv.renderOrderWith(c, id, http.StatusUnprocessableEntity, "入力内容に誤りがあります。赤字の項目をご確認ください。",
			func(v *views.AdminOrderDetail) {
				v.StatusForm = views.StatusForm{To: ch.To, Carrier: ch.Carrier, Tracking: ch.Tracking, Mail: ch.Mail, Errors: ie.Fields}
			})
	}
	done := msg + "受注ステータスを「" + shop.OrderStatusLabel(ch.To) + "」に変更しました。"
	if ch.WritesMail() {
		done += "お客様へのメールを作成しました。"
	}
	return srv.afterOrderChange(c, id, err, done)
}

func (srv *Server) adminOrderPayment(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx, actor := c.Request().Context(), adminActor(c)
	switch c.FormValue("paid") {
	case "1":
		err = srv.shop.MarkPaid(ctx, id, actor)
		return srv.afterOrderChange(c, id, err, "入金済みにしました。")
	case "0":
		err = srv.shop.MarkUnpaid(ctx, id, actor)
		return srv.afterOrderChange(c, id, err, "入金待ちに戻しました。")
	}
	return srv.afterOrderChange(c, id, shop.Invalid("入金チェックの操作を選んでください。"), "")
}

// afterOrderChange redirects back to 受注明細 after a change, or shows the
// page again with why it did not happen: 409 when another change won.
func (srv *Server) afterOrderChange(c echo.Context, id int64, err error, done string) error {
	if ie, ok := shop.AsInputError(err); ok {
		return srv.renderOrder(c, id, conflictStatus(err), ie.Error())
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, done); err != nil {
		return err
	}
	return redirect(c, orderURL(id))
}

// deliveryDate shows a stored preferred day (YYYY-MM-DD) as pages print
// dates; a value that is not a day is shown as stored.
func deliveryDate(day string) string {
	if t, ok := jp.ParseDay(day); ok {
		return jp.LongDate(t)
	}
	return day
}

// deliveryTime names a preferred time band; "" (no preference) and
// unknown values are shown as stored.
func deliveryTime(code string) string {
	if label, ok := shop.DeliveryTimeLabel(code); ok && code != "" {
		return label
	}
	return code
}
