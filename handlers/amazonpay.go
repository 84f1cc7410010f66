package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/static"
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
	target := "/checkout/order"
	if cart == shop.CartThreeStep {
		target = "/checkout/step1"
	}
	err = srv.shop.AmazonReview(c.Request().Context(), &d, c.QueryParam("amazonCheckoutSessionId"), c.QueryParam("k"), cart)
	if ie, isInput := shop.AsInputError(err); isInput {
		if err := srv.setFlash(c, shopperCookie, ie.Error()); err != nil {
			return err
		}
		return redirect(c, target)
	}
	if err != nil {
		return err
	}
	if err := srv.shop.SaveDraft(c.Request().Context(), &d, 0); err != nil {
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
	if err := srv.shop.SaveDraft(c.Request().Context(), &d, 0); err != nil {
		return err
	}
	return srv.checkoutStart(c)
}

// amazonResultReturn is where Amazon sends the buyer after the payment.
func (srv *Server) amazonResultReturn(c echo.Context) error {
	_, err := srv.shop.CompleteAmazonOrder(c.Request().Context(), c.QueryParam("amazonCheckoutSessionId"))
	return srv.amazonResult(c, err)
}

// amazonResult shows what became of an Amazon Pay order.
func (srv *Server) amazonResult(c echo.Context, err error) error {
	ctx := c.Request().Context()
	var failure *shop.AmazonFailure
	switch {
	case errors.As(err, &failure):
		// The failed order keeps its checkout; the shopper goes on with a
		// fresh one holding what they typed.
		d, _, ok, derr := srv.draft(c)
		if ok {
			if d, derr = srv.shop.RestartCheckout(ctx, d); derr == nil {
				sess := srv.session(c, shopperCookie)
				sess.Values[checkoutKey] = d.ID
				derr = srv.saveSession(c, sess)
			}
		}
		if derr != nil && ok {
			return derr
		}
		buyer, _ := shop.AmazonPayMessages(failure.ReasonCode)
		return render(c, http.StatusOK, views.AmazonPayFailedPage(srv.page(c, "お支払いエラー"),
			views.AmazonFailed{Number: strconv.FormatInt(failure.Order.Number, 10), Message: buyer}))
	case errors.Is(err, shop.ErrAmazonPending):
		retry := "/checkout/amazonpay/result?amazonCheckoutSessionId=" + url.QueryEscape(c.QueryParam("amazonCheckoutSessionId"))
		return render(c, http.StatusAccepted, views.AmazonPayPendingPage(srv.page(c, "お支払いの確認中"), retry))
	case err != nil:
		if ie, ok := shop.AsInputError(err); ok {
			return srv.backToCart(c, ie.Error())
		}
		return err
	}
	return srv.toCompletion(c, c.QueryParam("amazonCheckoutSessionId"))
}

// toCompletion remembers the order for the completion page.
func (srv *Server) toCompletion(c echo.Context, sessionID string) error {
	p, err := srv.shop.DB().AmazonPaymentBySession(c.Request().Context(), sessionID)
	if err != nil {
		return err
	}
	sess := srv.session(c, shopperCookie)
	delete(sess.Values, checkoutKey)
	sess.Values[lastOrderKey] = p.OrderID
	if err := srv.saveSession(c, sess); err != nil {
		return err
	}
	return redirect(c, "/checkout/complete")
}
