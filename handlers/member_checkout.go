package handlers

import (
	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/views"
)

// Members on the order pages (F-06, F-33, F-34): the login box, the
// registration fields, points and coupons, and the login that comes with a
// linked Amazon account.

// amazonLoginKey marks, in the shopper's session, a member logged in from
// the linked Amazon account: leaving Amazon Pay logs them out too.
const amazonLoginKey = "member_via_amazon"

// memberID is the logged-in member's ID, 0 for a guest.
func (srv *Server) memberID(c echo.Context) int64 {
	m, _ := srv.currentMember(c)
	return m.ID
}

// memberDraft fills an empty buyer block of a member's checkout from the
// member's data, saving it and pricing it again when it changed.
func (srv *Server) memberDraft(c echo.Context, d shop.Draft, q shop.Quote) (shop.Draft, shop.Quote, error) {
	id := srv.memberID(c)
	if id == 0 {
		return d, q, nil
	}
	changed, err := srv.shop.Members.PrefillCheckout(c.Request().Context(), &d, id)
	if err != nil || !changed {
		return d, q, err
	}
	if err := srv.saveDraft(c, &d, 0); err != nil {
		return d, q, err
	}
	q, err = srv.shop.Quote(c.Request().Context(), d, true)
	return d, q, err
}

// applyMemberCheckout binds and checks the member part of a posted order
// page; it returns the messages per field.
func (srv *Server) applyMemberCheckout(c echo.Context, d *shop.Draft, parts int) (map[string]string, error) {
	in := shop.MemberCheckoutInput{Points: c.FormValue("points"), CouponCode: c.FormValue("coupon_code"), Register: c.FormValue("register") == "1",
		LoginID: c.FormValue("reg_login_id"), Password: c.FormValue("reg_password"), PasswordConfirm: c.FormValue("reg_password_confirm")}
	return srv.shop.Members.ApplyCheckout(c.Request().Context(), d, srv.memberID(c), parts, in)
}

// memberCheckoutView is the member part of an order page.
func (srv *Server) memberCheckoutView(c echo.Context, d shop.Draft) views.CheckoutMember {
	st := d.Member.Status()
	v := views.CheckoutMember{CouponCode: st.CouponCode, Register: st.Register, RegLoginID: st.LoginID, PasswordSet: st.Password,
		AmazonPay: d.Amazon != nil, LoginNext: c.Request().URL.Path}
	if m, ok := srv.currentMember(c); ok {
		v.Name, v.Balance = m.Address.FullName(), m.Points
		v.ViaAmazon, _ = srv.session(c, shopperCookie).Values[amazonLoginKey].(bool)
		if st.Points > 0 {
			v.Points = views.Comma(st.Points)
		}
	}
	return v
}

// loginLinkedBuyer logs in the member linked to the Amazon account the
// shopper came back from (F-34), unless a member is logged in already.
func (srv *Server) loginLinkedBuyer(c echo.Context, d shop.Draft) error {
	if d.Amazon == nil || srv.memberID(c) != 0 {
		return nil
	}
	m, ok, err := srv.shop.Members.LinkedMember(c.Request().Context(), d.Amazon.BuyerID)
	if err != nil || !ok {
		return err
	}
	if err := srv.loginMember(c, m); err != nil {
		return err
	}
	sess := srv.session(c, shopperCookie)
	sess.Values[amazonLoginKey] = true
	return srv.saveSession(c, sess)
}

// leaveAmazonLogin logs out a member who was logged in from the Amazon
// account, when the shopper leaves Amazon Pay (seed 000 5-3: both log out).
func (srv *Server) leaveAmazonLogin(c echo.Context) error {
	if via, _ := srv.session(c, shopperCookie).Values[amazonLoginKey].(bool); !via {
		return nil
	}
	return srv.logoutMember(c)
}
