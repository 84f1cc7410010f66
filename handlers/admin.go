package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/static"
	"kago/store"
	"kago/views"
)

const adminIDKey = "admin"

// requireAdmin lets signed-in admins through and sends others to the login.
func (srv *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, _ := srv.session(c, adminCookie).Values[adminIDKey].(int64)
		if id == 0 {
			return redirect(c, "/admin/login")
		}
		a, err := srv.shop.Admin(c.Request().Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return redirect(c, "/admin/login")
		}
		if err != nil {
			return err
		}
		c.Set(adminIDKey, a.Email)
		return next(c)
	}
}

func (srv *Server) adminPage(c echo.Context, title, nav string) views.AdminPage {
	email, _ := c.Get(adminIDKey).(string)
	return views.AdminPage{Title: title, ShopName: srv.shopName(c.Request().Context()), CSRF: csrfToken(c),
		Admin: email, Nav: nav, Flash: srv.popFlash(c, adminCookie), StaticCSS: static.URL("kago.css")}
}

func (srv *Server) adminLoginPage(c echo.Context) error {
	return render(c, http.StatusOK, views.AdminLogin(srv.adminPage(c, "ログイン", ""), views.LoginForm{}))
}

func (srv *Server) adminLogin(c echo.Context) error {
	email := c.FormValue("email")
	a, err := srv.shop.AdminLogin(c.Request().Context(), email, c.FormValue("password"))
	if ie, ok := shop.AsInputError(err); ok {
		return render(c, http.StatusUnprocessableEntity, views.AdminLogin(srv.adminPage(c, "ログイン", ""), views.LoginForm{Email: email, Error: ie.Error()}))
	}
	if err != nil {
		return err
	}
	sess := srv.session(c, adminCookie)
	sess.Values[adminIDKey] = a.ID
	if err := srv.saveSession(c, sess); err != nil {
		return err
	}
	return redirect(c, "/admin")
}

func (srv *Server) adminLogout(c echo.Context) error {
	sess := srv.session(c, adminCookie)
	sess.Options.MaxAge = -1
	if err := srv.saveSession(c, sess); err != nil {
		return err
	}
	return redirect(c, "/admin/login")
}

func (srv *Server) adminDashboard(c echo.Context) error {
	d, err := srv.shop.Dashboard(c.Request().Context())
	if err != nil {
		return err
	}
	m := views.Dashboard{Products: d.PublishedProducts, MailsQueued: d.MailsQueued, SMTP: srv.cfg.SMTP}
	for _, p := range d.LowStock {
		m.LowStock = append(m.LowStock, views.DashboardProduct{ID: p.ID, Name: p.Name, Stock: p.Stock})
	}
	return render(c, http.StatusOK, views.AdminDashboard(srv.adminPage(c, "ダッシュボード", "dashboard"), m))
}

func mailRow(m store.Mail) views.MailRow {
	return views.MailRow{ID: m.ID, To: m.To, From: m.From, Subject: m.Subject, Status: m.Status, Attempts: m.Attempts,
		LastError: m.LastError, CreatedAt: m.CreatedAt, SentAt: m.SentAt, Body: m.Body}
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
	f := views.SettingsForm{ShopName: in.ShopName, SenderEmail: in.SenderEmail, NotifyEmail: in.NotifyEmail, CartType: in.CartType,
		ShippingMode: in.ShippingMode, ShippingFlatFee: in.ShippingFlatFee, FreeShippingOver: in.FreeShippingOver,
		CODFee: in.CODFee, BankDetails: in.BankDetails, ShopDescription: in.ShopDescription, Base: in.Base, Errors: errs}
	for _, r := range shop.Regions {
		f.RegionFees = append(f.RegionFees, views.RegionFee{Region: r, Fee: in.ShippingRegionFees[r]})
	}
	return f
}

func (srv *Server) adminSaveSettings(c echo.Context) error {
	in := shop.SettingsInput{ShopName: c.FormValue("shop_name"), SenderEmail: c.FormValue("sender_email"),
		NotifyEmail: c.FormValue("notify_email"), CartType: c.FormValue("cart_type"), ShippingMode: c.FormValue("shipping_mode"),
		ShippingFlatFee: c.FormValue("shipping_flat_fee"), ShippingRegionFees: map[string]string{},
		FreeShippingOver: c.FormValue("free_shipping_over"), CODFee: c.FormValue("cod_fee"), BankDetails: c.FormValue("bank_details"),
		ShopDescription: c.FormValue("shop_description"), Base: c.FormValue("base")}
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
