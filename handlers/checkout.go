package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"kago/jp"
	"kago/shop"
	"kago/static"
	"kago/store"
	"kago/views"
)

const (
	checkoutKey  = "checkout"   // the shopper's checkout draft ID
	lastOrderKey = "last_order" // the order the completion page shows
	// markErrorsKey: the confirm page sent the shopper back to the form,
	// whose next view marks what is wrong (renderConfirm).
	markErrorsKey = "mark_errors"
)

// checkoutStart sends the shopper to the cart type the shop uses.
func (srv *Server) checkoutStart(c echo.Context) error {
	return redirect(c, srv.orderPagePath(c))
}

// orderPagePath is the first page of the shop's cart type.
func (srv *Server) orderPagePath(c echo.Context) string {
	if cart, err := srv.cartType(c); err == nil && cart == shop.CartThreeStep {
		return "/checkout/step1"
	}
	return "/checkout/order"
}

// draft loads the shopper's checkout, or sends them back to the cart when
// there is nothing orderable in it. A checkout copied because it changed
// after 「注文する」 becomes the session's checkout.
func (srv *Server) draft(c echo.Context) (shop.Draft, shop.Quote, bool, error) {
	ctx := c.Request().Context()
	token := srv.cartToken(c)
	if token == "" {
		return shop.Draft{}, shop.Quote{}, false, redirect(c, "/cart") // the cart page says it is empty
	}
	id, _ := srv.session(c, shopperCookie).Values[checkoutKey].(string)
	cart, err := srv.shopperCart(c)
	if err != nil {
		return shop.Draft{}, shop.Quote{}, false, err
	}
	d, q, err := srv.shop.OpenCheckout(ctx, id, cart)
	if err == nil {
		d, q, err = srv.memberDraft(c, d, q)
	}
	if err != nil {
		return d, q, false, err
	}
	if len(q.Cart.Lines) == 0 {
		return d, q, false, redirect(c, "/cart")
	}
	if !q.Cart.Orderable() {
		return d, q, false, srv.backToCart(c, "在庫が不足している商品があります。カゴの内容をご確認ください。")
	}
	if err := srv.rememberCheckout(c, id, d); err != nil {
		return d, q, false, err
	}
	return d, q, true, nil
}

// rememberCheckout points the session at the draft when its ID changed
// (new, or copied), with the draft's notice for the next page.
func (srv *Server) rememberCheckout(c echo.Context, oldID string, d shop.Draft) error {
	if oldID == d.ID && d.Notice == "" {
		return nil
	}
	sess := srv.session(c, shopperCookie)
	sess.Values[checkoutKey] = d.ID
	if d.Notice != "" {
		sess.AddFlash(d.Notice)
	}
	return srv.saveSession(c, sess)
}

// saveDraft stores the shopper's input; the session follows the draft when
// it was copied (a change after 「注文する」).
func (srv *Server) saveDraft(c echo.Context, d *shop.Draft, parts int) error {
	old := d.ID
	err := srv.shop.SaveDraft(c.Request().Context(), d, parts)
	if old != d.ID {
		sess := srv.session(c, shopperCookie)
		sess.Values[checkoutKey] = d.ID
		if serr := srv.saveSession(c, sess); serr != nil {
			return serr
		}
	}
	return err
}

func (srv *Server) backToCart(c echo.Context, msg string) error {
	if err := srv.setFlash(c, shopperCookie, msg); err != nil {
		return err
	}
	return redirect(c, "/cart")
}

// checkoutPage builds the view model of any checkout page.
func (srv *Server) checkoutPage(c echo.Context, cart string, step int, d shop.Draft, q shop.Quote, errs map[string]string) (views.CheckoutPage, error) {
	ctx := c.Request().Context()
	st, err := srv.shop.Settings(ctx)
	if err != nil {
		return views.CheckoutPage{}, err
	}
	m := views.CheckoutPage{Cart: cart, Step: step, CheckoutID: d.ID, Form: checkoutFormView(d.Form), Errors: errs, CSRF: csrfToken(c),
		Summary: summaryView(q), Delivery: shop.DeliveryMethodLabel(d.Form.DeliveryMethod), PaymentLabel: shop.PaymentMethodLabel(d.Form.PaymentMethod),
		BuyerAddress: shop.FormatAddress(d.Form.Buyer), BankDetails: st.BankDetails, Preferred: d.Form.PreferredDelivery(),
		JSURL: static.URL("checkout.js"), Member: srv.memberCheckoutView(c, d)}
	if dest, other := d.Destination(); other {
		m.DestAddress = shop.FormatAddress(dest)
	}
	if m.Amazon, err = srv.amazonReviewView(c, d); err != nil {
		return m, err
	}
	if m.Amazon == nil && step == 1 {
		if m.Offer, err = srv.amazonOffer(c, d.ID, q.Total, "Checkout"); err != nil {
			return m, err
		}
	}
	if step == 3 {
		a, err := srv.shop.AmazonPaySettings(ctx)
		if err != nil {
			return m, err
		}
		t := d.Terms(st, a.SaleMethod)
		m.Terms = views.PurchaseTerms{PaymentTiming: t.PaymentTiming, DeliveryTiming: t.DeliveryTiming, ReturnPolicy: t.ReturnPolicy}
		m.Digest = shop.CheckoutDigest(d, q)
	}
	m.Prefectures, m.Dates = prefectureNames, deliveryDateOptions(time.Now())
	for _, t := range shop.DeliveryTimes {
		m.Times = append(m.Times, views.Option{Value: t.Code, Label: t.Label})
	}
	m.Payments = []views.Option{
		{Value: shop.PayBank, Label: "銀行振込", Note: "ご注文後にお送りするメールに記載の口座へお振り込みください。振込手数料はお客様のご負担となります。"},
		{Value: shop.PayCOD, Label: "代金引換", Note: shop.CODFeeNote(st.CODFee)},
	}
	return m, nil
}

// deliveryDateOptions are the 配送日 choices on the day of now (in Japan),
// made once a day: the order page drew them per view (4% of its time).
func deliveryDateOptions(now time.Time) []views.Option {
	y, m, d := now.In(shop.Japan).Date()
	day := y*10000 + int(m)*100 + d
	if o := deliveryDates.Load(); o != nil && o.day == day {
		return o.options
	}
	o := &dateOptions{day: day}
	for _, date := range shop.DeliveryDates(now) {
		t, _ := jp.ParseDay(date)
		o.options = append(o.options, views.Option{Value: date, Label: jp.Date(t)})
	}
	deliveryDates.Store(o)
	return o.options
}

// dateOptions are the 配送日 choices made on day (YYYYMMDD in Japan).
type dateOptions struct {
	day     int
	options []views.Option
}

// deliveryDates are the last choices made; forms only read them.
var deliveryDates atomic.Pointer[dateOptions]

func summaryView(q shop.Quote) views.Summary {
	s := views.Summary{Subtotal: q.Cart.Subtotal, ShippingFee: q.ShippingFee, CODFee: q.CODFee, Total: q.Total,
		PointsUsed: q.Discount.Points, CouponDiscount: q.Discount.Coupon, CouponCode: q.Discount.CouponCode}
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
		var errs map[string]string
		if sess := srv.session(c, shopperCookie); sess.Values[markErrorsKey] == true {
			delete(sess.Values, markErrorsKey)
			if err := srv.saveSession(c, sess); err != nil {
				return err
			}
			if ie, ok := shop.AsInputError(srv.shop.ValidateDraft(d, s.parts)); ok {
				errs = ie.Fields
			}
		}
		return srv.renderCheckoutForm(c, http.StatusOK, s, d, q, errs, "")
	}
}

func (srv *Server) renderCheckoutForm(c echo.Context, status int, s checkoutStep, d shop.Draft, q shop.Quote, errs map[string]string, msg string) error {
	m, err := srv.checkoutPage(c, s.cart, s.step, d, q, errs)
	if err != nil {
		return err
	}
	p := srv.page(c, "ご注文手続き")
	if msg != "" {
		p.Error = msg
	}
	return render(c, status, views.CheckoutFormPage(p, m))
}

func (srv *Server) checkoutSubmit(s checkoutStep) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		d, _, ok, err := srv.draft(c)
		if !ok {
			return err
		}
		bindCheckout(c, &d.Form, s.parts)
		memberErrs, err := srv.applyMemberCheckout(c, &d, s.parts)
		if err != nil {
			return err
		}
		err = srv.saveDraft(c, &d, s.parts)
		if errors.Is(err, shop.ErrAmazonRestart) {
			return srv.backToOrderPage(c, shop.ErrAmazonRestart.Message)
		}
		err = shop.WithFields(err, memberErrs)
		if _, isInput := shop.AsInputError(err); err != nil && !isInput {
			return err
		}
		recalc := c.FormValue("recalc") != ""
		if s.back != "" && c.FormValue("back") != "" {
			return redirect(c, s.back)
		}
		if ie, isInput := shop.AsInputError(err); isInput || recalc {
			// 「金額を再計算」 without JavaScript shows the page again with
			// the new amounts and no messages yet.
			q, qerr := srv.shop.Quote(ctx, d, srv.isMember(c))
			if qerr != nil {
				return qerr
			}
			if recalc {
				return srv.renderCheckoutForm(c, http.StatusOK, s, d, q, nil, "")
			}
			return srv.renderCheckoutForm(c, http.StatusUnprocessableEntity, s, d, q, ie.Fields, ie.Message)
		}
		return redirect(c, s.next)
	}
}

// backToOrderPage sends the shopper to the first order page with a message.
func (srv *Server) backToOrderPage(c echo.Context, msg string) error {
	if err := srv.setFlash(c, shopperCookie, msg); err != nil {
		return err
	}
	return redirect(c, srv.orderPagePath(c))
}

// checkoutQuote prices the checkout with the choices being made on the
// page (prefectures, ship-to, payment method), without saving them: the
// order summary follows the shopper as they choose (F-03, F-04).
func (srv *Server) checkoutQuote(c echo.Context) error {
	d, _, ok, err := srv.draft(c)
	if !ok {
		if err != nil {
			return err
		}
		return echo.NewHTTPError(http.StatusConflict)
	}
	f := &d.Form
	set := func(dst *string, key string) {
		if v, ok := c.QueryParams()[key]; ok {
			*dst = v[0]
		}
	}
	set(&f.Buyer.Prefecture, "buyer_prefecture")
	set(&f.Dest.Prefecture, "dest_prefecture")
	set(&f.ShipTo, "ship_to")
	set(&f.PaymentMethod, "payment_method")
	q, err := srv.shop.Quote(c.Request().Context(), d, srv.isMember(c))
	if err != nil {
		return err
	}
	type rate struct {
		Label string `json:"label"`
		Value string `json:"value"`
	}
	out := struct {
		Subtotal string `json:"subtotal"`
		Shipping string `json:"shipping"`
		Fee      string `json:"fee"` // "" when there is none
		Total    string `json:"total"`
		TotalYen int64  `json:"total_yen"`
		Rates    []rate `json:"rates"`
	}{Subtotal: jp.Yen(q.Cart.Subtotal), Shipping: jp.Yen(q.ShippingFee), Total: jp.Yen(q.Total), TotalYen: q.Total, Rates: []rate{}}
	if q.CODFee > 0 {
		out.Fee = jp.Yen(q.CODFee)
	}
	for _, r := range q.RateTotals {
		out.Rates = append(out.Rates, rate{Label: strconv.Itoa(r.Rate) + "%対象", Value: jp.Yen(r.Total) + "（内消費税" + jp.Yen(r.Tax) + "）"})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
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
		// Another tab may have changed the draft (left Amazon Pay, say):
		// the form the shopper is sent to marks the fields at fault.
		sess := srv.session(c, shopperCookie)
		sess.Values[markErrorsKey] = true
		if ie, ok := shop.AsInputError(err); ok && msg == "" {
			msg = ie.Message
		}
		if msg != "" {
			sess.AddFlash(msg)
		}
		if err := srv.saveSession(c, sess); err != nil {
			return err
		}
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
	if msg != "" {
		p.Error = msg
	}
	return render(c, status, views.CheckoutConfirmPage(p, m))
}

// clientKey identifies the shopper's address without storing it: a keyed
// hash, used to bound what one visitor can hold with unpaid orders.
func (srv *Server) clientKey(c echo.Context) string {
	mac := hmac.New(sha256.New, srv.cfg.SessionKey)
	mac.Write([]byte(shop.ClientNetwork(c.RealIP()))) // an IPv6 client is its /64
	return hex.EncodeToString(mac.Sum(nil)[:12])
}

// checkoutPlace is 「注文する」. The form names the checkout and what its
// page showed, so a resubmitted page finds the order it made and a page
// that no longer shows the checkout orders nothing.
func (srv *Server) checkoutPlace(c echo.Context) error {
	ctx := c.Request().Context()
	token := srv.cartToken(c)
	total, err := strconv.ParseInt(c.FormValue("total"), 10, 64)
	if err != nil || token == "" {
		return srv.backToCart(c, "ご注文手続きの有効期限が切れました。お手数ですが、カゴからもう一度お手続きください。")
	}
	in := shop.Confirmation{CheckoutID: c.FormValue("checkout_id"), CartToken: token, Total: total, Digest: c.FormValue("digest"),
		Client: srv.clientKey(c), MemberID: srv.memberID(c)}
	placed, err := srv.shop.Place(ctx, in)
	if placed.AmazonRedirect != "" {
		return c.Redirect(http.StatusSeeOther, placed.AmazonRedirect) // to Amazon
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
		return srv.amazonResult(c, err, false)
	}
	return srv.toCompletion(c, placed.Order.ID)
}

// toCompletion remembers the order for the completion page.
func (srv *Server) toCompletion(c echo.Context, orderID int64) error {
	sess := srv.session(c, shopperCookie)
	delete(sess.Values, checkoutKey)
	sess.Values[lastOrderKey] = orderID
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
	ctx := c.Request().Context()
	o, err := srv.shop.DB().Order(ctx, id)
	if err != nil {
		return err
	}
	st, err := srv.shop.Settings(ctx)
	if err != nil {
		return err
	}
	m := views.OrderComplete{Number: strconv.FormatInt(o.Number, 10), Email: o.Email, PaymentMethod: shop.PaymentMethodLabel(o.PaymentMethod), Total: o.Total}
	if o.PaymentMethod == shop.PayBank {
		m.BankDetails = st.BankDetails
		m.BankDeadline = jp.LongDate(shop.TransferDeadline(o, st))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, views.CheckoutCompletePage(srv.page(c, "ご注文完了"), m))
}
