package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/store"
	"kago/views"
)

const (
	checkoutKey  = "checkout"   // the shopper's checkout draft ID
	lastOrderKey = "last_order" // the order the completion page shows
)

// checkoutStart sends the shopper to the cart type the shop uses.
func (srv *Server) checkoutStart(c echo.Context) error {
	st, err := srv.shop.Settings(c.Request().Context())
	if err != nil {
		return err
	}
	if st.CartType == shop.CartThreeStep {
		return redirect(c, "/checkout/step1")
	}
	return redirect(c, "/checkout/order")
}

// draft loads the shopper's checkout, or sends them back to the cart when
// there is nothing orderable in it.
func (srv *Server) draft(c echo.Context) (shop.Draft, shop.Quote, bool, error) {
	ctx := c.Request().Context()
	token := srv.cartToken(c)
	if token == "" {
		return shop.Draft{}, shop.Quote{}, false, srv.backToCart(c, shop.ErrEmptyCart.Message)
	}
	id, _ := srv.session(c, shopperCookie).Values[checkoutKey].(string)
	d, err := srv.shop.Draft(ctx, id, token)
	if err != nil {
		return d, shop.Quote{}, false, err
	}
	q, err := srv.shop.Quote(ctx, d, false)
	if err != nil {
		return d, q, false, err
	}
	if len(q.Cart.Lines) == 0 {
		return d, q, false, srv.backToCart(c, shop.ErrEmptyCart.Message)
	}
	if !q.Cart.Orderable() {
		return d, q, false, srv.backToCart(c, "在庫が不足している商品があります。カゴの内容をご確認ください。")
	}
	if id != d.ID {
		sess := srv.session(c, shopperCookie)
		sess.Values[checkoutKey] = d.ID
		if err := srv.saveSession(c, sess); err != nil {
			return d, q, false, err
		}
	}
	return d, q, true, nil
}

func (srv *Server) backToCart(c echo.Context, msg string) error {
	if err := srv.setFlash(c, shopperCookie, msg); err != nil {
		return err
	}
	return redirect(c, "/cart")
}

// checkoutPage builds the view model of any checkout page.
func (srv *Server) checkoutPage(c echo.Context, cart string, step int, d shop.Draft, q shop.Quote, errs map[string]string) (views.CheckoutPage, error) {
	st, err := srv.shop.Settings(c.Request().Context())
	if err != nil {
		return views.CheckoutPage{}, err
	}
	m := views.CheckoutPage{Cart: cart, Step: step, CheckoutID: d.ID, Form: checkoutFormView(d.Form), Errors: errs, CSRF: csrfToken(c),
		Summary: summaryView(q), Delivery: shop.DeliveryMethodLabel(d.Form.DeliveryMethod), PaymentLabel: shop.PaymentMethodLabel(d.Form.PaymentMethod),
		BuyerAddress: shop.FormatAddress(d.Form.Buyer), BankDetails: st.BankDetails}
	if d.Form.ShipTo == shop.ShipToOther {
		m.DestAddress = shop.FormatAddress(d.Form.Dest)
	}
	if m.Amazon, err = srv.amazonReviewView(c, d); err != nil {
		return m, err
	}
	if m.Amazon == nil && step == 1 {
		if m.Offer, err = srv.amazonOffer(c, d.ID, q.Total, "Checkout"); err != nil {
			return m, err
		}
	}
	for _, p := range shop.Prefectures {
		m.Prefectures = append(m.Prefectures, p.Name)
	}
	weekdays := []string{"日", "月", "火", "水", "木", "金", "土"}
	for _, day := range shop.DeliveryDates(time.Now()) {
		t, _ := time.Parse(time.DateOnly, day)
		m.Dates = append(m.Dates, views.Option{Value: day, Label: t.Format("1月2日") + "（" + weekdays[t.Weekday()] + "）"})
	}
	for _, t := range shop.DeliveryTimes {
		m.Times = append(m.Times, views.Option{Value: t.Code, Label: t.Label})
		if t.Code == d.Form.DeliveryTime && t.Code != "" {
			m.TimeLabel = t.Label
		}
	}
	m.Payments = []views.Option{
		{Value: shop.PayBank, Label: "銀行振込", Note: "ご注文後にお送りするメールの口座へお振り込みください（振込手数料はお客様のご負担となります）。"},
		{Value: shop.PayCOD, Label: "代金引換", Note: "代引き手数料 " + views.Yen(st.CODFee) + " がかかります。"},
	}
	return m, nil
}

func summaryView(q shop.Quote) views.Summary {
	s := views.Summary{Subtotal: q.Cart.Subtotal, ShippingFee: q.ShippingFee, CODFee: q.CODFee, Total: q.Total}
	for _, l := range q.Cart.Lines {
		s.Lines = append(s.Lines, views.SummaryLine{Name: l.Name, UnitPrice: l.UnitPrice, TaxRate: l.TaxRate, Quantity: l.Quantity, Subtotal: l.Subtotal})
	}
	for _, r := range q.RateTotals {
		s.RateTotals = append(s.RateTotals, views.RateTotal{Rate: r.Rate, Total: r.Total, Tax: r.Tax})
	}
	return s
}

func addressView(a store.Address) views.AddressForm {
	return views.AddressForm{FamilyName: a.FamilyName, GivenName: a.GivenName, FamilyKana: a.FamilyKana, GivenKana: a.GivenKana,
		Phone: a.Phone, PostalCode: a.PostalCode, Prefecture: a.Prefecture, City: a.City, Address1: a.Address1, Address2: a.Address2}
}

func checkoutFormView(f shop.CheckoutForm) views.CheckoutForm {
	return views.CheckoutForm{Email: f.Email, Buyer: addressView(f.Buyer), ShipTo: f.ShipTo, Dest: addressView(f.Dest),
		DeliveryMethod: f.DeliveryMethod, DeliveryDate: f.DeliveryDate, DeliveryTime: f.DeliveryTime,
		PaymentMethod: f.PaymentMethod, Notes: f.Notes, Agree: f.Agree}
}

func bindAddress(c echo.Context, prefix string) store.Address {
	return store.Address{FamilyName: c.FormValue(prefix + "family_name"), GivenName: c.FormValue(prefix + "given_name"),
		FamilyKana: c.FormValue(prefix + "family_kana"), GivenKana: c.FormValue(prefix + "given_kana"),
		Phone: c.FormValue(prefix + "phone"), PostalCode: c.FormValue(prefix + "postal_code"), Prefecture: c.FormValue(prefix + "prefecture"),
		City: c.FormValue(prefix + "city"), Address1: c.FormValue(prefix + "address1"), Address2: c.FormValue(prefix + "address2")}
}

// bindCheckout copies the posted fields of the given parts into the form.
func bindCheckout(c echo.Context, f *shop.CheckoutForm, parts int) {
	if parts&shop.PartBuyer != 0 {
		f.Email, f.Buyer, f.ShipTo, f.Dest = c.FormValue("email"), bindAddress(c, "buyer_"), c.FormValue("ship_to"), bindAddress(c, "dest_")
	}
	if parts&shop.PartPayment != 0 {
		f.DeliveryMethod, f.DeliveryDate, f.DeliveryTime = c.FormValue("delivery_method"), c.FormValue("delivery_date"), c.FormValue("delivery_time")
		f.PaymentMethod, f.Notes, f.Agree = c.FormValue("payment_method"), c.FormValue("notes"), c.FormValue("agree") == "1"
	}
}

// checkoutStep is one form page: the zero-step order page (all parts) or a
// step of the three-step cart.
type checkoutStep struct {
	cart  string
	step  int
	parts int
	next  string // where a valid POST goes
	back  string // where 「戻る」 goes, saving without validation
}

var (
	zeroOrder  = checkoutStep{cart: "zero", step: 1, parts: shop.PartAll, next: "/checkout/confirm"}
	threeStep1 = checkoutStep{cart: "three", step: 1, parts: shop.PartBuyer, next: "/checkout/step2"}
	threeStep2 = checkoutStep{cart: "three", step: 2, parts: shop.PartPayment, next: "/checkout/confirm", back: "/checkout/step1"}
)

func (srv *Server) checkoutForm(s checkoutStep) echo.HandlerFunc {
	return func(c echo.Context) error {
		d, q, ok, err := srv.draft(c)
		if !ok {
			return err
		}
		if s.step == 2 {
			if srv.shop.ValidateDraft(d, shop.PartBuyer) != nil {
				return redirect(c, "/checkout/step1")
			}
		}
		m, err := srv.checkoutPage(c, s.cart, s.step, d, q, nil)
		if err != nil {
			return err
		}
		return render(c, http.StatusOK, views.CheckoutFormPage(srv.page(c, "ご注文手続き"), m))
	}
}

func (srv *Server) checkoutSubmit(s checkoutStep) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		d, _, ok, err := srv.draft(c)
		if !ok {
			return err
		}
		bindCheckout(c, &d.Form, s.parts)
		err = srv.shop.SaveDraft(ctx, &d, s.parts)
		if s.back != "" && c.FormValue("back") != "" {
			if _, isInput := shop.AsInputError(err); err != nil && !isInput {
				return err
			}
			return redirect(c, s.back)
		}
		if ie, isInput := shop.AsInputError(err); isInput {
			q, qerr := srv.shop.Quote(ctx, d, false)
			if qerr != nil {
				return qerr
			}
			m, merr := srv.checkoutPage(c, s.cart, s.step, d, q, ie.Fields)
			if merr != nil {
				return merr
			}
			p := srv.page(c, "ご注文手続き")
			p.Error = ie.Message
			return render(c, http.StatusUnprocessableEntity, views.CheckoutFormPage(p, m))
		}
		if err != nil {
			return err
		}
		return redirect(c, s.next)
	}
}

func (srv *Server) cartType(c echo.Context) (string, error) {
	st, err := srv.shop.Settings(c.Request().Context())
	return st.CartType, err
}

func (srv *Server) checkoutConfirm(c echo.Context) error {
	d, q, ok, err := srv.draft(c)
	if !ok {
		return err
	}
	return srv.renderConfirm(c, http.StatusOK, d, q, "")
}

func (srv *Server) renderConfirm(c echo.Context, status int, d shop.Draft, q shop.Quote, msg string) error {
	cart, err := srv.cartType(c)
	if err != nil {
		return err
	}
	if err := srv.shop.ValidateDraft(d, shop.PartAll); err != nil {
		if cart == shop.CartThreeStep {
			if srv.shop.ValidateDraft(d, shop.PartBuyer) != nil {
				return redirect(c, "/checkout/step1")
			}
			return redirect(c, "/checkout/step2")
		}
		return redirect(c, "/checkout/order")
	}
	m, err := srv.checkoutPage(c, cart, 3, d, q, nil)
	if err != nil {
		return err
	}
	p := srv.page(c, "ご注文内容の確認")
	p.Error = msg
	return render(c, status, views.CheckoutConfirmPage(p, m))
}

// checkoutPlace is 「注文する」. The checkout ID comes from the form, so a
// resubmitted old page still finds the order it made.
func (srv *Server) checkoutPlace(c echo.Context) error {
	ctx := c.Request().Context()
	token := srv.cartToken(c)
	total, err := strconv.ParseInt(c.FormValue("total"), 10, 64)
	if err != nil || token == "" {
		return srv.backToCart(c, "ご注文手続きの有効期限が切れました。お手数ですが、カゴからもう一度お手続きください。")
	}
	var order store.Order
	if d, derr := srv.shop.Draft(ctx, c.FormValue("checkout_id"), token); derr == nil && d.Amazon != nil {
		var to string
		to, order, err = srv.shop.PlaceAmazonOrder(ctx, d.ID, token, total, false)
		if err == nil {
			return c.Redirect(http.StatusSeeOther, to) // to Amazon
		}
		if _, isInput := shop.AsInputError(err); !isInput {
			return srv.amazonResult(c, err)
		}
	} else {
		order, err = srv.shop.PlaceOrder(ctx, c.FormValue("checkout_id"), token, total, false)
	}
	if ie, ok := shop.AsInputError(err); ok {
		d, q, ok, derr := srv.draft(c)
		if !ok {
			if errors.Is(err, shop.ErrEmptyCart) {
				return derr
			}
			return srv.backToCart(c, ie.Error())
		}
		return srv.renderConfirm(c, http.StatusUnprocessableEntity, d, q, ie.Error())
	}
	if err != nil {
		return err
	}
	sess := srv.session(c, shopperCookie)
	delete(sess.Values, checkoutKey)
	sess.Values[lastOrderKey] = order.ID
	if err := srv.saveSession(c, sess); err != nil {
		return err
	}
	return redirect(c, "/checkout/complete")
}

func (srv *Server) checkoutComplete(c echo.Context) error {
	id, _ := srv.session(c, shopperCookie).Values[lastOrderKey].(int64)
	if id == 0 {
		return redirect(c, "/")
	}
	o, err := srv.shop.DB().Order(c.Request().Context(), id)
	if err != nil {
		return err
	}
	st, err := srv.shop.Settings(c.Request().Context())
	if err != nil {
		return err
	}
	m := views.OrderComplete{Number: strconv.FormatInt(o.Number, 10), Email: o.Email, PaymentMethod: shop.PaymentMethodLabel(o.PaymentMethod), Total: o.Total}
	if o.PaymentMethod == shop.PayBank {
		m.BankDetails = st.BankDetails
	}
	return render(c, http.StatusOK, views.CheckoutCompletePage(srv.page(c, "ご注文完了"), m))
}
