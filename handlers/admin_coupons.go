package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kago/model"
	"kago/shop"
	"kago/views"
)

// The merchant's member-only coupons (F-06, F-62): the list with use counts
// and the edit page.

func couponSummary(c model.Coupon, now time.Time) views.AdminCouponRow {
	return views.AdminCouponRow{ID: c.ID, Code: c.Code, Name: c.Name, Kind: c.Kind, Value: c.Value, MinSubtotal: c.MinSubtotal,
		StartsAt: c.StartsAt, EndsAt: c.EndsAt, State: shop.CouponState(c, now), Uses: c.Uses}
}

func (srv *Server) adminCoupons(c echo.Context) error {
	coupons, err := srv.shop.Members.Coupons(c.Request().Context())
	if err != nil {
		return err
	}
	rows := make([]views.AdminCouponRow, len(coupons))
	for i, cp := range coupons {
		rows[i] = couponSummary(cp, time.Now())
	}
	return render(c, http.StatusOK, views.AdminCoupons(srv.adminPage(c, "クーポン管理", "coupons"), rows))
}

func couponEdit(id int64, in shop.CouponInput, errs map[string]string) views.AdminCouponEdit {
	return views.AdminCouponEdit{ID: id, Code: in.Code, Name: in.Name, Kind: in.Kind, Value: in.Value, MinSubtotal: in.MinSubtotal,
		StartsOn: in.StartsOn, EndsOn: in.EndsOn, Active: in.Active, Errors: errs}
}

func (srv *Server) adminCouponNew(c echo.Context) error {
	today := time.Now().In(shop.Japan)
	in := shop.CouponInput{Kind: model.CouponAmount, MinSubtotal: "0", StartsOn: today.Format(time.DateOnly),
		EndsOn: today.AddDate(0, 1, 0).Format(time.DateOnly), Active: true}
	return render(c, http.StatusOK, views.AdminCouponEditPage(srv.adminPage(c, "クーポン登録", "coupons"), couponEdit(0, in, nil)))
}

func (srv *Server) adminCouponEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cp, err := srv.shop.Members.Coupon(ctx, id)
	if err != nil {
		return err
	}
	v := couponEdit(id, shop.CouponForm(cp), nil)
	uses, err := srv.shop.Members.CouponUses(ctx, id)
	if err != nil {
		return err
	}
	v.Summary = couponSummary(cp, time.Now())
	for _, u := range uses {
		v.Uses = append(v.Uses, views.AdminCouponUse{MemberID: u.MemberID, OrderID: u.OrderID, OrderNumber: u.OrderNumber, Discount: u.Discount, At: u.At})
	}
	return render(c, http.StatusOK, views.AdminCouponEditPage(srv.adminPage(c, "クーポン編集", "coupons"), v))
}

func (srv *Server) adminCouponCreate(c echo.Context) error { return srv.saveCoupon(c, 0) }

func (srv *Server) adminCouponUpdate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return srv.saveCoupon(c, id)
}

func (srv *Server) saveCoupon(c echo.Context, id int64) error {
	in := shop.CouponInput{Code: c.FormValue("code"), Name: c.FormValue("name"), Kind: c.FormValue("kind"), Value: c.FormValue("value"),
		MinSubtotal: c.FormValue("min_subtotal"), StartsOn: c.FormValue("starts_on"), EndsOn: c.FormValue("ends_on"),
		Active: c.FormValue("active") == "1"}
	_, err := srv.shop.Members.SaveCoupon(c.Request().Context(), id, in)
	if ie, ok := shop.AsInputError(err); ok {
		title := "クーポン編集"
		if id == 0 {
			title = "クーポン登録"
		}
		p := srv.adminPage(c, title, "coupons")
		p.Error = ie.Message
		return render(c, http.StatusUnprocessableEntity, views.AdminCouponEditPage(p, couponEdit(id, in, ie.Fields)))
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "クーポンを保存しました。"); err != nil {
		return err
	}
	return redirect(c, "/admin/coupons")
}
