package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/views"
)

func (srv *Server) cartPage(c echo.Context) error {
	return srv.renderCart(c, http.StatusOK, 0, "", "")
}

// renderCart shows the cart; a rejected quantity for one line is kept on
// that line with its message.
func (srv *Server) renderCart(c echo.Context, status int, badLine int64, typed, msg string) error {
	cart, err := srv.shopperCart(c)
	if err != nil {
		return err
	}
	st, err := srv.shop.Settings(c.Request().Context())
	if err != nil {
		return err
	}
	m := views.CartModel{Count: cart.Count, Subtotal: cart.Subtotal, FreeShippingShortfall: st.FreeShippingShortfall(cart.Subtotal)}
	for _, l := range cart.Lines {
		line := views.CartLine{ProductID: l.ProductID, Name: l.Name, ImageURL: l.ImagePath, UnitPrice: l.UnitPrice,
			TaxRate: l.TaxRate, Quantity: l.Quantity, Subtotal: l.Subtotal, Problem: l.Problem}
		if l.ProductID == badLine {
			line.Typed, line.Error = typed, msg
		}
		m.Lines = append(m.Lines, line)
	}
	for _, r := range cart.RateTotals {
		m.RateTotals = append(m.RateTotals, views.RateTotal{Rate: r.Rate, Total: r.Total, Tax: r.Tax})
	}
	if cart.Orderable() {
		d, _, ok, err := srv.draft(c)
		if !ok {
			return err
		}
		offer, err := srv.amazonOffer(c, d.ID, cart.Subtotal, "Cart")
		if err != nil {
			return err
		}
		m.Actions = views.CheckoutButton(offer)
	}
	p := srv.page(c, "ショッピングカート")
	if badLine != 0 && msg != "" {
		p.Error = "数量を変更できませんでした。"
	}
	return render(c, status, views.CartPage(p, m))
}

// cartCtxKey keeps the shopper's priced cart for the rest of the request.
const cartCtxKey = "cart"

// shopperCart is the shopper's cart priced for them (member prices for a
// member), read once per request: the cart page, the checkout's quote and
// the header's count share it. There is no cart (the zero Cart) without a
// cart token. Handlers that change the cart redirect afterwards, so no
// page shows a cart read before its change.
func (srv *Server) shopperCart(c echo.Context) (shop.Cart, error) {
	member := srv.isMember(c)
	if cart, ok := c.Get(cartCtxKey).(shop.Cart); ok && cart.Member == member {
		return cart, nil
	}
	var cart shop.Cart
	if t := srv.cartToken(c); t != "" {
		var err error
		if cart, err = srv.shop.Cart(c.Request().Context(), t, member); err != nil {
			return cart, err
		}
	}
	c.Set(cartCtxKey, cart)
	return cart, nil
}

func (srv *Server) addToCart(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.FormValue("product_id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "bad product id")
	}
	typed := c.FormValue("quantity")
	qty, err := shop.ParseQuantity(typed)
	if err == nil {
		var token string
		if token, err = srv.ensureCartToken(c); err != nil {
			return err
		}
		err = srv.shop.AddToCart(ctx, token, id, qty)
	}
	if ie, ok := shop.AsInputError(err); ok {
		p, perr := srv.shop.Product(ctx, id)
		if perr != nil {
			return echo.NewHTTPError(http.StatusNotFound, ie.Error())
		}
		page := srv.page(c, p.Name)
		page.Error = ie.Message
		return render(c, http.StatusUnprocessableEntity, views.ProductPage(page, productCard(p), views.ProductForm{Quantity: typed, Errors: ie.Fields}))
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, shopperCookie, "カゴに商品を入れました。"); err != nil {
		return err
	}
	return redirect(c, "/cart")
}

func (srv *Server) updateCartLine(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	token := srv.cartToken(c)
	if token == "" {
		return redirect(c, "/cart")
	}
	typed := c.FormValue("quantity")
	qty, err := shop.ParseQuantity(typed)
	if err == nil {
		err = srv.shop.SetCartQuantity(c.Request().Context(), token, id, qty)
	}
	if ie, ok := shop.AsInputError(err); ok {
		return srv.renderCart(c, http.StatusUnprocessableEntity, id, typed, ie.Error())
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, shopperCookie, "数量を変更しました。"); err != nil {
		return err
	}
	return redirect(c, "/cart")
}

func (srv *Server) deleteCartLine(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if token := srv.cartToken(c); token != "" {
		if err := srv.shop.RemoveFromCart(c.Request().Context(), token, id); err != nil {
			return err
		}
		if err := srv.setFlash(c, shopperCookie, "商品をカゴから削除しました。"); err != nil {
			return err
		}
	}
	return redirect(c, "/cart")
}
