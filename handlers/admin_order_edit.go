package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/views"
)

// 編集モード of 受注明細 (F-43): GET draws the order's lines, adjustments and
// the product search; POST makes one edit and comes back to the page with
// 変更完了's message, or with what was typed and why it was refused.

func (srv *Server) adminOrderEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return srv.renderOrderEdit(c, id, http.StatusOK, "", nil, nil)
}

// renderOrderEdit draws 編集モード as the order is now; typed (when not nil)
// fills the form again with errs beside its fields.
func (srv *Server) renderOrderEdit(c echo.Context, id int64, status int, message string, typed *shop.EditInput, errs map[string]string) error {
	v, err := srv.shop.Edits.View(c.Request().Context(), id, c.FormValue("q"))
	if err != nil {
		return err
	}
	p := srv.adminPage(c, "編集モード "+strconv.FormatInt(v.Order.Number, 10), "orders")
	p.Error = message
	return render(c, status, views.AdminOrderEditPage(p, orderEditView(v, typed, errs)))
}

func orderEditView(v shop.OrderEditView, typed *shop.EditInput, errs map[string]string) views.AdminOrderEdit {
	o := v.Order
	m := views.AdminOrderEdit{ID: o.ID, Number: o.Number, Version: v.Version, Editable: v.Editable, Reason: v.Reason,
		Subtotal: o.Subtotal, Total: o.Total, Amazon: v.Amazon, Original: v.Original, AllowIncrease: v.AllowIncrease,
		GiftCardOnly: v.GiftCardOnly, MaxTotal: v.MaxTotal, Query: v.Query, Errors: errs}
	for _, l := range o.Lines {
		q := strconv.FormatInt(l.Quantity, 10)
		if typed != nil {
			if t, ok := typed.Quantities[l.LineNo]; ok {
				q = t
			}
		}
		m.Lines = append(m.Lines, views.AdminEditLine{LineNo: l.LineNo, Name: l.Name, UnitPrice: l.UnitPrice, TaxRate: l.TaxRate,
			Quantity: q, Subtotal: l.Subtotal()})
	}
	for _, a := range o.Adjustments {
		row := views.AdminAdjustmentRow{LineNo: a.LineNo, Name: a.Name, TaxRate: a.TaxRate, Amount: a.Amount}
		if typed != nil {
			for _, r := range typed.RemoveAdjustments {
				row.Remove = row.Remove || r == strconv.Itoa(a.LineNo)
			}
		}
		m.Adjust = append(m.Adjust, row)
	}
	m.RateTotals = rateTotals(o.Total10, o.Tax10, o.Total8, o.Tax8)
	for _, p := range v.Found {
		m.Found = append(m.Found, views.AdminEditProduct{ID: p.ID, Name: p.Name, Price: p.Price, TaxRate: p.TaxRate, Stock: p.Stock})
	}
	if typed != nil {
		m.AddProduct, m.AddQuantity = typed.AddProduct, typed.AddQuantity
		m.AdjustName, m.Adjust10, m.Adjust8 = typed.AdjustName, typed.Adjust10, typed.Adjust8
	}
	return m
}

// rateTotals are the per-rate lines under a total, rates with money only.
func rateTotals(total10, tax10, total8, tax8 int64) []views.RateTotal {
	var out []views.RateTotal
	if total10 > 0 {
		out = append(out, views.RateTotal{Rate: 10, Total: total10, Tax: tax10})
	}
	if total8 > 0 {
		out = append(out, views.RateTotal{Rate: 8, Total: total8, Tax: tax8})
	}
	return out
}

// editInput binds the form of 編集モード: qty-N are the quantities of
// product line N.
func editInput(c echo.Context, id int64) (shop.EditInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return shop.EditInput{}, err
	}
	in := shop.EditInput{OrderID: id, Version: form.Get("version"), Quantities: map[int]string{},
		AddProduct: form.Get("add_product"), AddQuantity: form.Get("add_quantity"), RemoveAdjustments: form["remove_adjustment"],
		AdjustName: form.Get("adj_name"), Adjust10: form.Get("adj_10"), Adjust8: form.Get("adj_8"), Actor: adminActor(c)}
	for key, vals := range form {
		if n, ok := strings.CutPrefix(key, "qty-"); ok && len(vals) > 0 {
			if line, err := strconv.Atoi(n); err == nil {
				in.Quantities[line] = vals[0]
			}
		}
	}
	return in, nil
}

func (srv *Server) adminOrderEditSave(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	in, err := editInput(c, id)
	if err != nil {
		return err
	}
	res, err := srv.shop.Edits.Apply(c.Request().Context(), in)
	if shop.IsConflict(err) {
		// Another admin's edit came first: the page shows it, and the
		// form starts again from it.
		return srv.renderOrderEdit(c, id, http.StatusConflict, err.Error(), nil, nil)
	}
	if ie, ok := shop.AsInputError(err); ok {
		return srv.renderOrderEdit(c, id, http.StatusUnprocessableEntity, ie.Message, &in, ie.Fields)
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, res.Message); err != nil {
		return err
	}
	return redirect(c, orderURL(id)+"/edit")
}
