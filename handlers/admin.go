package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/static"
	"kago/store"
	"kago/views"
)

func (srv *Server) adminPage(c echo.Context, title, nav string) views.AdminPage {
	email, _ := c.Get(adminIDKey).(string)
	return views.AdminPage{Title: title, ShopName: srv.shopName(c.Request().Context()), CSRF: csrfToken(c),
		Admin: email, Nav: nav, Flash: srv.popFlash(c, adminCookie), StaticCSS: static.URL("kago.css"), StaticJS: static.URL("kago.js")}
}

func mailRow(m store.Mail) views.MailRow {
	return views.MailRow{ID: m.ID, To: m.To, From: m.From, Subject: m.Subject, Status: m.Status, Attempts: m.Attempts,
		LastError: m.LastError, CreatedAt: m.CreatedAt, SentAt: m.SentAt, Body: m.Body, FromName: m.FromName, ReplyTo: m.ReplyTo}
}

const mailsPerPage = 50

func (srv *Server) adminMails(c echo.Context) error {
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	mails, err := srv.shop.Mails(c.Request().Context(), before, mailsPerPage)
	if err != nil {
		return err
	}
	rows := make([]views.MailRow, len(mails))
	for i, m := range mails {
		rows[i] = mailRow(m)
	}
	var next int64
	if len(mails) == mailsPerPage {
		next = mails[len(mails)-1].ID
	}
	return render(c, http.StatusOK, views.AdminMails(srv.adminPage(c, "メール送信履歴", "mails"), rows, next))
}

func (srv *Server) adminMail(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	m, err := srv.shop.Mail(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AdminMail(srv.adminPage(c, "メール詳細", "mails"), mailRow(m)))
}

func (srv *Server) adminTestMail(c echo.Context) error {
	m, err := srv.shop.SendTestMail(c.Request().Context())
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "テストメールを "+m.To+" 宛に作成しました。"); err != nil {
		return err
	}
	return redirect(c, "/admin/mails")
}

func (srv *Server) adminSettings(c echo.Context) error {
	st, err := srv.shop.Settings(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AdminSettings(srv.adminPage(c, "ショップ設定", "settings"), settingsForm(st.Input(), nil)))
}

func settingsForm(in shop.SettingsInput, errs map[string]string) views.SettingsForm {
	f := views.SettingsForm{ShopName: in.ShopName, CartType: in.CartType,
		ShippingMode: in.ShippingMode, ShippingFlatFee: in.ShippingFlatFee, FreeShippingOver: in.FreeShippingOver,
		CODFee: in.CODFee, BankDetails: in.BankDetails, ShippingLeadTime: in.ShippingLeadTime,
		ReturnPolicy: in.ReturnPolicy, ReservationMinutes: in.ReservationMinutes, ShopDescription: in.ShopDescription,
		PointsRate: in.PointsRate, MemberRegistration: in.MemberRegistration, Base: in.Base, Errors: errs}
	for _, r := range shop.Regions {
		f.RegionFees = append(f.RegionFees, views.RegionFee{Region: r, Fee: in.ShippingRegionFees[r]})
	}
	return f
}

func (srv *Server) adminSaveSettings(c echo.Context) error {
	in := shop.SettingsInput{ShopName: c.FormValue("shop_name"), CartType: c.FormValue("cart_type"), ShippingMode: c.FormValue("shipping_mode"),
		ShippingFlatFee: c.FormValue("shipping_flat_fee"), ShippingRegionFees: map[string]string{},
		FreeShippingOver: c.FormValue("free_shipping_over"), CODFee: c.FormValue("cod_fee"), BankDetails: c.FormValue("bank_details"),
		ShippingLeadTime: c.FormValue("shipping_lead_time"),
		ReturnPolicy:     c.FormValue("return_policy"), ReservationMinutes: c.FormValue("reservation_minutes"),
		ShopDescription: c.FormValue("shop_description"), PointsRate: c.FormValue("points_rate"),
		MemberRegistration: c.FormValue("member_registration"), Base: c.FormValue("base")}
	for _, r := range shop.Regions {
		in.ShippingRegionFees[r] = c.FormValue("fee_" + r)
	}
	err := srv.shop.SaveSettings(c.Request().Context(), in)
	if se, ok := shop.AsStaleForm(err); ok {
		in.Base = se.Base
		page := srv.adminPage(c, "ショップ設定", "settings")
		page.Error = se.Message
		return render(c, http.StatusConflict, views.AdminSettings(page, settingsForm(in, se.Fields)))
	}
	if ie, ok := shop.AsInputError(err); ok {
		return render(c, http.StatusUnprocessableEntity, views.AdminSettings(srv.adminPage(c, "ショップ設定", "settings"), settingsForm(in, ie.Fields)))
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "設定を保存しました。"); err != nil {
		return err
	}
	return redirect(c, "/admin/settings")
}
