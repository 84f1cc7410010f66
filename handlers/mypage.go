package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kago/model"
	"kago/shop"
	"kago/views"
)

// The my page (マイページ, F-30 to F-32, F-35): every route is behind
// requireMember, so the member is always there.

// myPage builds the shared part of a my page: the menu, with 「Amazon Pay連携」
// only when Amazon Pay is configured (seed 000 4-2).
func (srv *Server) myPage(c echo.Context, title, nav string) (views.Page, views.MyPageNav, model.Member, error) {
	m, _ := srv.currentMember(c)
	amazon, err := srv.shop.Members.AmazonConfigured(c.Request().Context())
	if err != nil {
		return views.Page{}, views.MyPageNav{}, m, err
	}
	return srv.page(c, title), views.MyPageNav{Active: nav, Amazon: amazon, Name: m.Address.FullName()}, m, nil
}

func orderRows(orders []shop.OrderSummary) []views.MyOrderRow {
	rows := make([]views.MyOrderRow, len(orders))
	for i, o := range orders {
		rows[i] = views.MyOrderRow{Number: o.Number, CreatedAt: o.CreatedAt, Status: shop.OrderStatusLabel(o.Status),
			Payment: shop.PaymentMethodLabel(o.PaymentMethod), Total: o.Total}
	}
	return rows
}

func (srv *Server) myTop(c echo.Context) error {
	p, nav, m, err := srv.myPage(c, "マイページ", "top")
	if err != nil {
		return err
	}
	orders, err := srv.shop.Members.Orders(c.Request().Context(), m.ID)
	if err != nil {
		return err
	}
	if len(orders) > 5 {
		orders = orders[:5]
	}
	v := views.MyTop{Points: m.Points, Linked: m.Linked(), TemporaryPassword: m.PasswordTemporary, Orders: orderRows(orders)}
	return render(c, http.StatusOK, views.MyTopPage(p, nav, v))
}

func (srv *Server) myOrders(c echo.Context) error {
	p, nav, m, err := srv.myPage(c, "ご注文履歴", "orders")
	if err != nil {
		return err
	}
	orders, err := srv.shop.Members.Orders(c.Request().Context(), m.ID)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MyOrdersPage(p, nav, orderRows(orders)))
}

// myOrder shows one order; another member's order number is a 404, the
// same as a number that does not exist.
func (srv *Server) myOrder(c echo.Context) error {
	number, err := strconv.ParseInt(c.Param("number"), 10, 64)
	if err != nil || number <= 0 {
		return echo.ErrNotFound
	}
	p, nav, m, err := srv.myPage(c, "ご注文内容", "orders")
	if err != nil {
		return err
	}
	mo, err := srv.shop.Members.Order(c.Request().Context(), m.ID, number)
	if err != nil {
		return err
	}
	o, b := mo.Order, mo.Benefits
	v := views.MyOrder{Number: o.Number, CreatedAt: o.CreatedAt, Status: shop.OrderStatusLabel(o.Status),
		Payment: shop.PaymentMethodLabel(o.PaymentMethod), Delivery: shop.DeliveryMethodLabel(o.DeliveryMethod),
		Subtotal: o.Subtotal, ShippingFee: o.ShippingFee, CODFee: o.CODFee, Total: o.Total,
		PointsUsed: b.PointsUsed, CouponCode: b.CouponCode, CouponDiscount: b.CouponDiscount, PointsEarned: b.PointsEarned,
		Returned: !b.ReturnedAt.IsZero()}
	dest := o.Buyer
	if !o.Destination.SameAsBuyer {
		dest = o.Destination.Address
	}
	v.Destination = shop.FormatAddress(dest)
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, views.SummaryLine{Name: l.Name, UnitPrice: l.UnitPrice, TaxRate: l.TaxRate, Quantity: l.Quantity, Subtotal: l.Subtotal()})
	}
	for _, r := range []views.RateTotal{{Rate: 10, Total: o.Total10, Tax: o.Tax10}, {Rate: 8, Total: o.Total8, Tax: o.Tax8}} {
		if r.Total > 0 {
			v.RateTotals = append(v.RateTotals, r)
		}
	}
	return render(c, http.StatusOK, views.MyOrderPage(p, nav, v))
}

func profileForm(m model.Member) views.MemberForm {
	return views.MemberForm{LoginID: m.LoginID, Email: m.Email, Address: addressView(m.Address), Prefectures: prefectureNames}
}

func (srv *Server) myProfile(c echo.Context) error {
	p, nav, m, err := srv.myPage(c, "会員情報の変更", "profile")
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MyProfilePage(p, nav, profileForm(m)))
}

func (srv *Server) mySaveProfile(c echo.Context) error {
	p, nav, m, err := srv.myPage(c, "会員情報の変更", "profile")
	if err != nil {
		return err
	}
	in := shop.ProfileInput{LoginID: c.FormValue("login_id"), Email: c.FormValue("email"), Address: bindAddress(c, "")}
	err = srv.shop.Members.UpdateProfile(c.Request().Context(), m.ID, in)
	if ie, ok := shop.AsInputError(err); ok {
		f := bindMemberForm(c)
		f.Errors, p.Error = ie.Fields, ie.Message
		return render(c, http.StatusUnprocessableEntity, views.MyProfilePage(p, nav, f))
	}
	if err != nil {
		return err
	}
	return srv.backToMyPage(c, "/mypage/profile", "会員情報を変更しました。")
}

func (srv *Server) backToMyPage(c echo.Context, to, msg string) error {
	if err := srv.setFlash(c, shopperCookie, msg); err != nil {
		return err
	}
	return redirect(c, to)
}

func (srv *Server) myPassword(c echo.Context) error {
	p, nav, m, err := srv.myPage(c, "パスワードの変更", "password")
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MyPasswordPage(p, nav, views.MemberPasswordForm{Temporary: m.PasswordTemporary}))
}

func (srv *Server) mySavePassword(c echo.Context) error {
	p, nav, m, err := srv.myPage(c, "パスワードの変更", "password")
	if err != nil {
		return err
	}
	err = srv.shop.Members.ChangePassword(c.Request().Context(), m.ID, c.FormValue("current_password"), c.FormValue("password"),
		c.FormValue("password_confirm"), c.RealIP())
	if ie, ok := shop.AsInputError(err); ok {
		p.Error = ie.Message
		return render(c, inputStatus(err), views.MyPasswordPage(p, nav, views.MemberPasswordForm{Temporary: m.PasswordTemporary, Errors: ie.Fields}))
	}
	if err != nil {
		return err
	}
	// The change ended every session of the member; this browser goes on.
	if err := srv.loginMember(c, m); err != nil {
		return err
	}
	return srv.backToMyPage(c, "/mypage", "パスワードを変更しました。ほかの端末やブラウザのログインはすべて終了しました。")
}

func (srv *Server) myPoints(c echo.Context) error {
	p, nav, m, err := srv.myPage(c, "ポイント履歴", "points")
	if err != nil {
		return err
	}
	entries, err := srv.shop.Members.Points(c.Request().Context(), m.ID)
	if err != nil {
		return err
	}
	v := views.MyPoints{Balance: m.Points}
	for _, e := range entries {
		v.Entries = append(v.Entries, views.PointRow{At: e.At, Kind: e.Kind, Points: e.Points, Balance: e.Balance})
	}
	return render(c, http.StatusOK, views.MyPointsPage(p, nav, v))
}

func eventRows(events []model.MemberEvent) []views.MemberEventRow {
	rows := make([]views.MemberEventRow, len(events))
	for i, e := range events {
		rows[i] = views.MemberEventRow{At: e.At, Kind: e.Kind, Source: e.Source}
	}
	return rows
}

func (srv *Server) myHistory(c echo.Context) error {
	p, nav, m, err := srv.myPage(c, "操作履歴", "history")
	if err != nil {
		return err
	}
	events, err := srv.shop.Members.Events(c.Request().Context(), m.ID)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MyHistoryPage(p, nav, eventRows(events)))
}

// myAmazon is 「Amazon Pay連携」 (F-31): the link state, 「amazonでログイン」
// to link, 「アカウントを解除する」 to unlink, and the link history (F-32).
func (srv *Server) myAmazon(c echo.Context) error {
	return srv.renderMyAmazon(c, http.StatusOK, "")
}

func (srv *Server) renderMyAmazon(c echo.Context, status int, msg string) error {
	ctx := c.Request().Context()
	p, nav, m, err := srv.myPage(c, "Amazon Pay連携", "amazon")
	if err != nil {
		return err
	}
	if !nav.Amazon {
		return echo.ErrNotFound
	}
	p.Error = msg
	v := views.MyAmazon{Linked: m.Linked(), LinkedAt: m.AmazonLinkedAt}
	if !m.Linked() {
		state, err := srv.newAmazonState(c)
		if err != nil {
			return err
		}
		b, err := srv.shop.Members.AmazonSignIn(ctx, "/mypage/amazon/return", state, "/mypage/amazon")
		if err != nil {
			return err
		}
		v.SignIn = signInButton(b)
	}
	events, err := srv.shop.Members.Events(ctx, m.ID)
	if err != nil {
		return err
	}
	for _, e := range eventRows(events) {
		if e.Kind == model.EventAmazonLinked || e.Kind == model.EventAmazonUnlinked {
			v.History = append(v.History, e)
		}
	}
	return render(c, status, views.MyAmazonPage(p, nav, v))
}

// myAmazonReturn is the sign-in return of the my page's 「amazonでログイン」:
// the Amazon account is linked to the member.
func (srv *Server) myAmazonReturn(c echo.Context) error {
	ok, err := srv.takeAmazonState(c)
	if err != nil {
		return err
	}
	if !ok {
		return srv.renderMyAmazon(c, http.StatusUnprocessableEntity, msgAmazonStateLost)
	}
	m, _ := srv.currentMember(c)
	err = srv.shop.Members.LinkAmazon(c.Request().Context(), m.ID, c.QueryParam("buyerToken"))
	if ie, isInput := shop.AsInputError(err); isInput {
		return srv.renderMyAmazon(c, http.StatusUnprocessableEntity, ie.Error())
	}
	if err != nil {
		return err
	}
	return srv.backToMyPage(c, "/mypage/amazon", "Amazonアカウントと連携しました。次回から「amazonでログイン」でログインできます。")
}

func (srv *Server) myAmazonUnlink(c echo.Context) error {
	m, _ := srv.currentMember(c)
	if err := srv.shop.Members.UnlinkAmazon(c.Request().Context(), m.ID); err != nil {
		return err
	}
	return srv.backToMyPage(c, "/mypage/amazon", "Amazonアカウントとの連携を解除しました。")
}

func (srv *Server) myWithdrawPage(c echo.Context) error {
	p, nav, m, err := srv.myPage(c, "退会", "withdraw")
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MyWithdrawPage(p, nav, views.WithdrawForm{Linked: m.Linked(), Points: m.Points}))
}

func (srv *Server) myWithdraw(c echo.Context) error {
	p, nav, m, err := srv.myPage(c, "退会", "withdraw")
	if err != nil {
		return err
	}
	err = srv.shop.Members.Withdraw(c.Request().Context(), m.ID, c.FormValue("password"), c.RealIP())
	if ie, ok := shop.AsInputError(err); ok {
		p.Error = ie.Message
		return render(c, inputStatus(err), views.MyWithdrawPage(p, nav,
			views.WithdrawForm{Linked: m.Linked(), Points: m.Points, Errors: ie.Fields}))
	}
	if err != nil {
		return err
	}
	// The withdrawal ended the member's sessions; drop the cookie.
	if err := srv.logoutMember(c); err != nil {
		return err
	}
	return srv.backToMyPage(c, "/", "退会の手続きが完了しました。ご利用ありがとうございました。")
}
