package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kago/documents"
	"kago/mail"
	"kago/shop"
	"kago/static"
	"kago/views"
)

// The merchant's order tools: 帳票出力 and 送り状データ for one order or a
// selection of 受注一覧, the mails of 受注明細 (edited before sending), and
// the 送り状番号.

// selection actions: a document kind or a label format, as do= values.
const (
	doDocument = "doc-"
	doLabels   = "labels-"
)

func documentOptions(prefix string) []views.AdminOption {
	var out []views.AdminOption
	for _, k := range documents.Kinds {
		out = append(out, views.AdminOption{Value: prefix + k.Kind, Label: k.Title})
	}
	return out
}

func labelOptions() []views.AdminOption {
	var out []views.AdminOption
	for _, f := range documents.LabelFormats {
		out = append(out, views.AdminOption{Value: doLabels + f.Format, Label: f.Name})
	}
	return out
}

func carrierOptions() []views.AdminOption {
	out := make([]views.AdminOption, len(shop.Carriers))
	for i, c := range shop.Carriers {
		out[i] = views.AdminOption{Value: c.Code, Label: c.Label}
	}
	return out
}

// orderTools is the 受注作業 panel of 受注明細.
func orderTools(d shop.OrderDetail) views.AdminOrderTools {
	t := views.AdminOrderTools{Documents: documentOptions(doDocument), Labels: labelOptions(), Carriers: carrierOptions()}
	if why := shop.ReceiptRefusal(d.Order); why != "" {
		t.Documents = slices.DeleteFunc(t.Documents, func(o views.AdminOption) bool { return o.Value == doDocument+documents.KindReceipt })
		t.ReceiptNote = "領収書は代金を受け取ってから発行できます：" + why + "。"
	}
	for _, m := range shop.ManualMailKinds() {
		t.Mails = append(t.Mails, views.AdminOption{Value: m.Kind, Label: m.Label})
	}
	if d.Shipment != nil {
		t.Shipment = views.ShipmentForm{Carrier: d.Shipment.Carrier, Tracking: shop.FormatTracking(d.Shipment.TrackingNumber),
			TrackingURL: shop.TrackingURL(d.Shipment.Carrier, d.Shipment.TrackingNumber)}
	}
	return t
}

// bulkBar is the bar of actions on a selection, carrying the list's search.
func bulkBar(search url.Values) views.AdminBulk {
	b := views.AdminBulk{Actions: append(documentOptions(doDocument), views.AdminOption{Value: doCapture, Label: "売上請求（Amazon Pay）"})}
	for _, f := range documents.LabelFormats {
		b.Actions = append(b.Actions, views.AdminOption{Value: doLabels + f.Format, Label: "送り状データ（" + f.Name + "）"})
	}
	for _, key := range []string{"tab", "number", "name", "email", "from", "to", "status", "payment", "paid", "deadline", "reference", "amazon_status"} {
		if v := search.Get(key); v != "" {
			b.Search = append(b.Search, views.AdminOption{Value: v, Label: key})
		}
	}
	return b
}

// adminOrderSelection prints the documents of, or downloads the label CSV
// for, the orders ticked in 受注一覧 (or the one order of 受注明細). With no
// order ticked, 受注一覧 comes back with the message and its search.
func (srv *Server) adminOrderSelection(c echo.Context) error {
	ctx := c.Request().Context()
	do := c.QueryParam("do")
	ids, err := shop.ParseSelection(c.QueryParams()["id"])
	if ie, ok := shop.AsInputError(err); ok {
		return srv.renderOrderList(c, http.StatusUnprocessableEntity, ie.Error())
	}
	if err != nil {
		return err
	}
	switch {
	case do == doCapture:
		return srv.adminBulkCapturePreview(c, ids)
	case strings.HasPrefix(do, doDocument):
		kind := strings.TrimPrefix(do, doDocument)
		docs, unissued, err := srv.shop.Documents(ctx, kind, ids)
		if ie, ok := shop.AsInputError(err); ok {
			if len(ids) == 1 {
				return srv.renderOrder(c, ids[0], http.StatusUnprocessableEntity, ie.Error())
			}
			return srv.renderOrderList(c, http.StatusUnprocessableEntity, ie.Error())
		}
		if err != nil {
			return err
		}
		title, _ := documents.Title(kind)
		back := "/admin/orders"
		if len(ids) == 1 {
			back = "/admin/orders/" + strconv.FormatInt(ids[0], 10)
		}
		var skipped []string
		for _, u := range unissued {
			skipped = append(skipped, "注文番号 "+strconv.FormatInt(u.Number, 10)+"："+u.Reason)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return render(c, http.StatusOK, views.Documents(views.DocumentsPage{Title: title, ShopName: srv.shopName(ctx),
			StaticCSS: static.URL("documents.css"), StaticJS: static.URL("documents.js"), BackURL: back, Docs: docs, Unissued: skipped}))
	case strings.HasPrefix(do, doLabels):
		format := strings.TrimPrefix(do, doLabels)
		var buf bytes.Buffer
		if err := srv.shop.WriteLabels(ctx, format, ids, &buf); err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+documents.LabelFilename(format, time.Now())+`"`)
		h.Set("Cache-Control", "no-store")
		return c.Blob(http.StatusOK, "text/csv; charset=Shift_JIS", buf.Bytes())
	}
	return srv.renderOrderList(c, http.StatusUnprocessableEntity, "操作を選んでください。")
}

// adminOrderMail shows a mail of 受注明細 as its template renders it, to be
// edited before sending.
func (srv *Server) adminOrderMail(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	d, err := srv.shop.ComposeOrderMail(c.Request().Context(), id, c.QueryParam("kind"))
	if err != nil {
		return err
	}
	return srv.renderOrderMail(c, http.StatusOK, id, d, nil)
}

func (srv *Server) renderOrderMail(c echo.Context, status int, id int64, d shop.OrderMailDraft, errs map[string]string) error {
	o, err := srv.shop.OrderDetail(c.Request().Context(), id)
	if err != nil {
		return err
	}
	f := views.OrderMailForm{OrderID: id, Number: o.Order.Number, Kind: d.Kind, Label: d.Label, To: d.To, Subject: d.Subject,
		Body: d.Body, NoTracking: d.NoTracking, Errors: errs}
	return render(c, status, views.AdminOrderMailEdit(srv.adminPage(c, d.Label, "orders"), f))
}

// adminSendOrderMail sends the mail as edited.
func (srv *Server) adminSendOrderMail(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx, kind := c.Request().Context(), c.FormValue("kind")
	subject, body := c.FormValue("subject"), c.FormValue("body")
	err = srv.shop.SendOrderMail(ctx, id, kind, subject, body, adminActor(c))
	if ie, ok := shop.AsInputError(err); ok {
		d, derr := srv.shop.ComposeOrderMail(ctx, id, kind)
		if derr != nil {
			return derr
		}
		d.Subject, d.Body = subject, body
		return srv.renderOrderMail(c, http.StatusUnprocessableEntity, id, d, ie.Fields)
	}
	if err != nil {
		return err
	}
	t, _ := mail.Builtin(kind)
	if err := srv.setFlash(c, adminCookie, t.Label+"を作成しました。送信状況はメール送信履歴で確認できます。"); err != nil {
		return err
	}
	return redirect(c, "/admin/orders/"+strconv.FormatInt(id, 10))
}

// adminOrderShipment saves the 送り状番号.
func (srv *Server) adminOrderShipment(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	carrier, tracking := c.FormValue("carrier"), c.FormValue("tracking_number")
	err = srv.shop.SetShipment(c.Request().Context(), id, carrier, tracking, adminActor(c))
	if ie, ok := shop.AsInputError(err); ok {
		return srv.renderOrderWith(c, id, http.StatusUnprocessableEntity, "送り状番号を保存できませんでした。赤字の項目をご確認ください。",
			func(v *views.AdminOrderDetail) {
				v.Tools.Shipment = views.ShipmentForm{Carrier: carrier, Tracking: tracking, Errors: ie.Fields}
			})
	}
	return srv.afterOrderChange(c, id, err, "送り状番号を保存しました。")
}
