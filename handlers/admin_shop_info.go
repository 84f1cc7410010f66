package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/views"
)

// 店舗情報・メール設定 and the dashboard.

func (srv *Server) shopInfoForm(c echo.Context, in shop.ShopInfoInput, errs map[string]string) views.ShopInfoForm {
	return views.ShopInfoForm{SenderName: in.SenderName, SenderEmail: in.SenderEmail, ReplyTo: in.ReplyTo, NotifyEmail: in.NotifyEmail,
		PostalCode: in.PostalCode, Address: in.Address, Phone: in.Phone, URL: in.URL, DefaultURL: srv.shop.DefaultShopURL(),
		InvoiceNumber: in.InvoiceNumber, TransferDays: in.TransferDays, YamatoBillingCode: in.YamatoBillingCode,
		YamatoFreightCode: in.YamatoFreightCode, SagawaCustomerCode: in.SagawaCustomerCode, Errors: errs}
}

func (srv *Server) adminShopInfo(c echo.Context) error {
	st, err := srv.shop.Settings(c.Request().Context())
	if err != nil {
		return err
	}
	f := srv.shopInfoForm(c, st.ShopInfoInput(), nil)
	return render(c, http.StatusOK, views.AdminShopInfo(srv.adminPage(c, "店舗情報・メール設定", "shop-info"), f))
}

func (srv *Server) adminSaveShopInfo(c echo.Context) error {
	in := shop.ShopInfoInput{SenderName: c.FormValue("sender_name"), SenderEmail: c.FormValue("sender_email"),
		ReplyTo: c.FormValue("reply_to"), NotifyEmail: c.FormValue("notify_email"), PostalCode: c.FormValue("postal_code"),
		Address: c.FormValue("address"), Phone: c.FormValue("phone"), URL: c.FormValue("url"),
		InvoiceNumber: c.FormValue("invoice_number"), TransferDays: c.FormValue("transfer_days"),
		YamatoBillingCode: c.FormValue("yamato_billing_code"), YamatoFreightCode: c.FormValue("yamato_freight_code"),
		SagawaCustomerCode: c.FormValue("sagawa_customer_code")}
	err := srv.shop.SaveShopInfo(c.Request().Context(), in)
	if ie, ok := shop.AsInputError(err); ok {
		f := srv.shopInfoForm(c, in, ie.Fields)
		return render(c, http.StatusUnprocessableEntity, views.AdminShopInfo(srv.adminPage(c, "店舗情報・メール設定", "shop-info"), f))
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "店舗情報・メール設定を保存しました。"); err != nil {
		return err
	}
	return redirect(c, "/admin/shop-info")
}

func (srv *Server) adminDashboard(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := srv.shop.Dashboard(ctx)
	if err != nil {
		return err
	}
	st, err := srv.shop.Settings(ctx)
	if err != nil {
		return err
	}
	m := views.Dashboard{NewOrders: d.NewOrders, NewToday: d.NewToday, UnpaidTransfer: d.UnpaidTransfer, OverdueTransfer: d.OverdueTransfer,
		TransferDays: st.TransferDays, PaymentDeadlines: d.PaymentDeadlines, MailsWaiting: d.MailsWaiting, MailsFailing: d.MailsFailing, MailsStored: d.MailsStored,
		SMTP: srv.cfg.SMTP, Products: d.PublishedProducts}
	for _, p := range d.LowStock {
		m.LowStock = append(m.LowStock, views.DashboardProduct{ID: p.ID, Name: p.Name, Stock: p.Stock})
	}
	return render(c, http.StatusOK, views.AdminDashboard(srv.adminPage(c, "ダッシュボード", "dashboard"), m))
}
