package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/views"
)

func (srv *Server) amazonPayForm(a shop.AmazonPaySettings, errs map[string]string) views.AmazonPaySettingsForm {
	f := views.AmazonPaySettingsForm{Configured: a.Configured(), Environment: a.Environment, KeyFingerprint: a.KeyFingerprint(),
		IPNURL: srv.shop.IPNURL(), SaleMethod: a.SaleMethod, ButtonColor: a.ButtonColor, AllowIncrease: a.AllowIncrease,
		ProductType: a.ProductType, DisplayStyle: a.DisplayStyle, Notes: a.Notes, NotesOnPayment: a.NotesOnPayment,
		NotesOnThanks: a.NotesOnThanks, EnabledTakkyubin: a.EnabledTakkyubin, ReferencePrefix: a.ReferencePrefix, StatusLink: a.StatusLink, Errors: errs, Base: a.Base()}
	if a.Environment != shop.EnvEmulator {
		f.MerchantID, f.StoreID, f.PublicKeyID = a.MerchantID, a.StoreID, a.PublicKeyID
	}
	return f
}

func (srv *Server) adminAmazonPay(c echo.Context) error {
	a, err := srv.shop.AmazonPaySettings(c.Request().Context())
	if err != nil {
		return err
	}
	f := srv.amazonPayForm(a, nil)
	if err := srv.watchForm(c.Request().Context(), &f); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AdminAmazonPay(srv.adminPage(c, "Amazon Pay設定", "amazonpay"), f))
}

func (srv *Server) adminSaveAmazonPay(c echo.Context) error {
	ctx := c.Request().Context()
	in := shop.AmazonPayInput{Environment: c.FormValue("environment"), MerchantID: c.FormValue("merchant_id"),
		StoreID: c.FormValue("store_id"), PublicKeyID: c.FormValue("public_key_id"), PrivateKeyPEM: c.FormValue("private_key"),
		SaleMethod: c.FormValue("sale_method"), ButtonColor: c.FormValue("button_color"), ProductType: c.FormValue("product_type"),
		DisplayStyle: c.FormValue("display_style"), AllowIncrease: c.FormValue("allow_increase") == "1",
		NotesOnPayment: c.FormValue("notes_on_payment") == "1", NotesOnThanks: c.FormValue("notes_on_thanks") == "1",
		EnabledTakkyubin: c.FormValue("enabled_takkyubin") == "1", Notes: c.FormValue("notes"), ReferencePrefix: c.FormValue("reference_prefix"),
		StatusLink: c.FormValue("status_link") == "1", Base: c.FormValue("base")}
	err := srv.shop.SaveAmazonPaySettings(ctx, in)
	se, stale := shop.AsStaleForm(err)
	if ie, ok := shop.AsInputError(err); ok {
		// Show what was typed (never the pasted key) with the messages.
		a := shop.AmazonPaySettings{Environment: in.Environment, MerchantID: in.MerchantID, StoreID: in.StoreID, PublicKeyID: in.PublicKeyID,
			SaleMethod: in.SaleMethod, ButtonColor: in.ButtonColor, AllowIncrease: in.AllowIncrease, ProductType: in.ProductType,
			DisplayStyle: in.DisplayStyle, Notes: in.Notes, NotesOnPayment: in.NotesOnPayment, NotesOnThanks: in.NotesOnThanks,
			EnabledTakkyubin: in.EnabledTakkyubin, ReferencePrefix: in.ReferencePrefix, StatusLink: in.StatusLink}
		f := srv.amazonPayForm(a, ie.Fields)
		f.MerchantID, f.StoreID, f.PublicKeyID, f.Base = in.MerchantID, in.StoreID, in.PublicKeyID, in.Base
		if err := srv.watchForm(ctx, &f); err != nil {
			return err
		}
		page, status := srv.adminPage(c, "Amazon Pay設定", "amazonpay"), http.StatusUnprocessableEntity
		if stale {
			f.Base, page.Error, status = se.Base, se.Message, http.StatusConflict
		}
		return render(c, status, views.AdminAmazonPay(page, f))
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "Amazon Payの設定を保存しました。"); err != nil {
		return err
	}
	return redirect(c, "/admin/amazonpay")
}
