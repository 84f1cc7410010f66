package handlers

import (
	"errors"
	"io"
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

func (srv *Server) adminProducts(c echo.Context) error {
	products, err := srv.shop.DB().Products(c.Request().Context(), false)
	if err != nil {
		return err
	}
	rows := make([]views.AdminProductRow, len(products))
	for i, p := range products {
		rows[i] = views.AdminProductRow{ID: p.ID, Name: p.Name, Price: p.Price, MemberPrice: p.MemberPrice.Int64,
			TaxRate: p.TaxRate, Stock: p.Stock, Published: p.Published, ImageURL: p.ImagePath}
	}
	return render(c, http.StatusOK, views.AdminProducts(srv.adminPage(c, "商品管理", "products"), rows))
}

func productEdit(id int64, in shop.ProductInput, imageURL string, errs map[string]string) views.ProductEdit {
	return views.ProductEdit{ID: id, Name: in.Name, Description: in.Description, Price: in.Price, MemberPrice: in.MemberPrice,
		TaxRate: in.TaxRate, Stock: in.Stock, SortOrder: in.SortOrder, Published: in.Published, ImageURL: imageURL, Errors: errs}
}

func (srv *Server) adminProductNew(c echo.Context) error {
	in := shop.ProductInput{TaxRate: "10", Stock: "0", SortOrder: "0", Published: true}
	return render(c, http.StatusOK, views.AdminProductEdit(srv.adminPage(c, "商品登録", "products"), productEdit(0, in, "", nil)))
}

func (srv *Server) adminProductEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := srv.shop.DB().Product(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AdminProductEdit(srv.adminPage(c, "商品編集", "products"), productEdit(id, shop.ProductForm(p), p.ImagePath, nil)))
}

func (srv *Server) adminProductCreate(c echo.Context) error { return srv.saveProduct(c, 0) }

func (srv *Server) adminProductUpdate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return srv.saveProduct(c, id)
}

func (srv *Server) saveProduct(c echo.Context, id int64) error {
	ctx := c.Request().Context()
	in := shop.ProductInput{Name: c.FormValue("name"), Description: c.FormValue("description"), Price: c.FormValue("price"),
		MemberPrice: c.FormValue("member_price"), TaxRate: c.FormValue("tax_rate"), Stock: c.FormValue("stock"),
		SortOrder: c.FormValue("sort_order"), Published: c.FormValue("published") == "1"}
	img, err := uploadedImage(c)
	if err != nil {
		return err
	}
	p, err := srv.shop.SaveProduct(ctx, id, in, img)
	if ie, ok := shop.AsInputError(err); ok {
		imageURL := ""
		if id != 0 {
			if old, err := srv.shop.DB().Product(ctx, id); err == nil {
				imageURL = old.ImagePath
			}
		}
		return render(c, http.StatusUnprocessableEntity, views.AdminProductEdit(srv.adminPage(c, "商品編集", "products"), productEdit(id, in, imageURL, ie.Fields)))
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "商品「"+p.Name+"」を保存しました。"); err != nil {
		return err
	}
	return redirect(c, "/admin/products/"+strconv.FormatInt(p.ID, 10))
}

// uploadedImage reads the optional image field, at most one byte past the
// limit so the shop can say the file is too large.
func uploadedImage(c echo.Context) (*shop.Image, error) {
	fh, err := c.FormFile("image")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "bad upload")
	}
	if fh.Size == 0 && fh.Filename == "" {
		return nil, nil
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, shop.MaxImageBytes+1))
	if err != nil {
		return nil, err
	}
	return &shop.Image{Data: data}, nil
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
		CODFee: in.CODFee, BankDetails: in.BankDetails, PointsRate: in.PointsRate, MemberRegistration: in.MemberRegistration, Errors: errs}
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
		PointsRate: c.FormValue("points_rate"), MemberRegistration: c.FormValue("member_registration")}
	for _, r := range shop.Regions {
		in.ShippingRegionFees[r] = c.FormValue("fee_" + r)
	}
	err := srv.shop.SaveSettings(c.Request().Context(), in)
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
