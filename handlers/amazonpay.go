package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/static"
	"kago/store"
	"kago/views"
)

// amazonOffer is the Amazon Pay block for a page (F-20).
func (srv *Server) amazonOffer(c echo.Context, checkoutID string, total int64, placement string) (views.AmazonOffer, error) {
	cart, err := srv.cartType(c)
	if err != nil {
		return views.AmazonOffer{}, err
	}
	o, err := srv.shop.AmazonPayOffer(c.Request().Context(), checkoutID, total, cart, placement)
	if err != nil {
		return views.AmazonOffer{}, err
	}
	v := views.AmazonOffer{Reason: o.Reason, Notes: o.Notes, JSURL: static.URL("amazonpay.js")}
	if b := o.Button; b != nil {
		v.Button = &views.AmazonButton{ID: "AmazonPayButton" + placement, ScriptURL: b.ScriptURL, MerchantID: b.MerchantID,
			PublicKeyID: b.PublicKeyID, ProductType: b.ProductType, Placement: b.Placement, Color: b.Color, Sandbox: b.Sandbox,
			DisplayStyle: b.DisplayStyle, PayloadJSON: b.PayloadJSON, Signature: b.Signature, Algorithm: b.Algorithm}
	}
	return v, nil
}

// amazonReviewView is the fixed Amazon part of the order pages.
func (srv *Server) amazonReviewView(c echo.Context, d shop.Draft) (*views.AmazonReview, error) {
	if d.Amazon == nil {
		return nil, nil
	}
	a, err := srv.shop.AmazonPaySettings(c.Request().Context())
	if err != nil {
		return nil, err
	}
	script, err := srv.shop.AmazonPayScriptURL(c.Request().Context())
	if err != nil {
		return nil, err
	}
	r := &views.AmazonReview{SessionID: d.Amazon.SessionID, ScriptURL: script, JSURL: static.URL("amazonpay.js"),
		AddressFixed: d.Amazon.AddressFixed(), AddressError: d.Amazon.AddressError, Instrument: d.Amazon.Instrument, Notes: a.Notes}
	if r.AddressFixed && r.AddressError == "" {
		r.Address = shop.FormatAddress(d.Amazon.Address)
	}
	return r, nil
}

// amazonReturn is the review return from Amazon: the draft is filled from
// the checkout session and the shopper lands on the order page.
func (srv *Server) amazonReturn(c echo.Context) error {
	d, _, ok, err := srv.draft(c)
	if !ok {
		return err
	}
	cart, err := srv.cartType(c)
	if err != nil {
		return err
	}
	target := srv.orderPagePath(c)
	err = srv.shop.AmazonReview(c.Request().Context(), &d, c.QueryParam("amazonCheckoutSessionId"), c.QueryParam("k"), cart)
	if ie, isInput := shop.AsInputError(err); isInput {
		return srv.backToOrderPage(c, ie.Error())
	}
	if err != nil {
		return err
	}
	if err := srv.saveDraft(c, &d, 0); errors.Is(err, shop.ErrAmazonRestart) {
		return srv.backToOrderPage(c, shop.ErrAmazonRestart.Message)
	} else if err != nil {
		return err
	}
	if err := srv.loginLinkedBuyer(c, d); err != nil {
		return err
	}
	return redirect(c, target)
}

// amazonLeave drops Amazon Pay from the checkout.
func (srv *Server) amazonLeave(c echo.Context) error {
	d, _, ok, err := srv.draft(c)
	if !ok {
		return err
	}
	d.LeaveAmazonPay()
	if err := srv.saveDraft(c, &d, 0); err != nil && !errors.Is(err, shop.ErrAmazonRestart) {
		return err
	}
	if err := srv.leaveAmazonLogin(c); err != nil {
		return err
	}
	return srv.checkoutStart(c)
}

// amazonResultReturn is where Amazon sends the buyer after the payment.
func (srv *Server) amazonResultReturn(c echo.Context) error {
	o, err := srv.shop.CompleteAmazonOrder(c.Request().Context(), c.QueryParam("amazonCheckoutSessionId"))
	if err == nil {
		return srv.completedElsewhere(c, o)
	}
	return srv.amazonResult(c, err, true)
}

// completedElsewhere shows the completion page to the browser that placed
// the order, and a neutral page to anyone else who opens its result URL
// (the payment is completed either way).
func (srv *Server) completedElsewhere(c echo.Context, o store.Order) error {
	if srv.shop.PlacedBy(c.Request().Context(), o, srv.cartToken(c)) {
		return srv.toCompletion(c, o.ID)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, views.AmazonPayReceivedPage(srv.page(c, "お支払いの受付")))
}

// amazonResult shows what became of an Amazon Pay order that did not
// complete: the failure page (the next checkout page starts a fresh
// checkout with what the shopper typed), or the waiting page; also when
// the shop itself failed on the buyer's return from Amazon (returned).
func (srv *Server) amazonResult(c echo.Context, err error, returned bool) error {
	var failure *shop.AmazonFailure
	switch {
	case errors.As(err, &failure):
		buyer, _ := shop.AmazonPayMessages(failure.ReasonCode)
		m := views.AmazonFailed{Message: buyer, Replaced: failure.Replaced()}
		if srv.shop.PlacedBy(c.Request().Context(), failure.Order, srv.cartToken(c)) {
			m.Number = strconv.FormatInt(failure.Order.Number, 10)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return render(c, http.StatusOK, views.AmazonPayFailedPage(srv.page(c, "お支払いエラー"), m))
	case errors.Is(err, shop.ErrAmazonPending):
		return srv.amazonPending(c, http.StatusAccepted)
	}
	if ie, ok := shop.AsInputError(err); ok {
		return srv.backToCart(c, ie.Error())
	}
	var he *echo.HTTPError
	if !returned || errors.Is(err, shop.ErrNotFound) || errors.As(err, &he) || c.Request().Context().Err() != nil {
		return err
	}
	// The shop failed (its database is down, say) after Amazon may have
	// taken the payment: an error page would invite a second purchase.
	// The buyer waits on the page that asks again, and the completion,
	// retried from it or by the recovery job, places the order once.
	srv.log.Error("amazon pay result return failed", "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	c.Response().Header().Set("Retry-After", "5")
	return srv.amazonPending(c, http.StatusServiceUnavailable)
}

// amazonPending is the page that waits for an Amazon Pay order's outcome
// and asks again every 5 seconds.
func (srv *Server) amazonPending(c echo.Context, status int) error {
	retry := "/checkout/amazonpay/result?amazonCheckoutSessionId=" + url.QueryEscape(c.QueryParam("amazonCheckoutSessionId"))
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, status, views.AmazonPayPendingPage(srv.page(c, "お支払いの確認中"), retry))
}
