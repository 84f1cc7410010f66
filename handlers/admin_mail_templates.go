package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/views"
)

// メール定型文: the list of mail kinds, the editor with placeholders and a
// preview, and 初期値に戻す.

func (srv *Server) adminMailTemplates(c echo.Context) error {
	list, err := srv.shop.MailTemplates(c.Request().Context())
	if err != nil {
		return err
	}
	rows := make([]views.MailTemplateRow, len(list))
	for i, t := range list {
		rows[i] = views.MailTemplateRow{Kind: t.Kind, Label: t.Label, Subject: t.Subject, Custom: t.Custom}
	}
	return render(c, http.StatusOK, views.AdminMailTemplates(srv.adminPage(c, "メール定型文", "mail-templates"), rows))
}

// renderMailTemplate shows the editor with subject and body as given and
// their preview; base is the fingerprint of the text the form edits.
func (srv *Server) renderMailTemplate(c echo.Context, status int, t shop.EditedMailTemplate, subject, body, base string, errs map[string]string) error {
	ps, pb, err := srv.shop.PreviewMailTemplate(c.Request().Context(), t.Kind, subject, body)
	if err != nil {
		return err
	}
	f := views.MailTemplateForm{Kind: t.Kind, Label: t.Label, Subject: subject, Body: body, Custom: t.Custom,
		Member: t.Member, Placeholders: t.Placeholders(), PreviewSubject: ps, PreviewBody: pb, Errors: errs, Base: base}
	page := srv.adminPage(c, "メール定型文の編集", "mail-templates")
	if status == http.StatusConflict {
		page.Error = "この画面を開いた後に、別の画面でこの定型文が変更されました。赤字の項目の現在の内容を確かめて、もう一度「保存する」を押してください。"
	}
	return render(c, status, views.AdminMailTemplateEdit(page, f))
}

func (srv *Server) adminMailTemplate(c echo.Context) error {
	t, err := srv.shop.EditedMailTemplate(c.Request().Context(), c.Param("kind"))
	if err != nil {
		return err
	}
	return srv.renderMailTemplate(c, http.StatusOK, t, t.Subject, t.Body, t.Base(), nil)
}

// adminSaveMailTemplate saves, or with action=preview only shows the typed
// text rendered.
func (srv *Server) adminSaveMailTemplate(c echo.Context) error {
	ctx, kind := c.Request().Context(), c.Param("kind")
	t, err := srv.shop.EditedMailTemplate(ctx, kind)
	if err != nil {
		return err
	}
	subject, body, base := c.FormValue("subject"), c.FormValue("body"), c.FormValue("base")
	if c.FormValue("action") == "preview" {
		_, _, err := shop.CheckMailTemplate(kind, subject, body)
		if ie, ok := shop.AsInputError(err); ok {
			return srv.renderMailTemplate(c, http.StatusUnprocessableEntity, t, subject, body, base, ie.Fields)
		}
		return srv.renderMailTemplate(c, http.StatusOK, t, subject, body, base, nil)
	}
	err = srv.shop.SaveMailTemplate(ctx, kind, subject, body, base)
	if se, ok := shop.AsStaleForm(err); ok {
		return srv.renderMailTemplate(c, http.StatusConflict, t, subject, body, se.Base, se.Fields)
	}
	if ie, ok := shop.AsInputError(err); ok {
		return srv.renderMailTemplate(c, http.StatusUnprocessableEntity, t, subject, body, base, ie.Fields)
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "「"+t.Label+"」を保存しました。"); err != nil {
		return err
	}
	return redirect(c, "/admin/mail-templates/"+kind)
}

func (srv *Server) adminResetMailTemplate(c echo.Context) error {
	ctx, kind := c.Request().Context(), c.Param("kind")
	t, err := srv.shop.EditedMailTemplate(ctx, kind)
	if err != nil {
		return err
	}
	if err := srv.shop.ResetMailTemplate(ctx, kind); err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "「"+t.Label+"」を初期値に戻しました。"); err != nil {
		return err
	}
	return redirect(c, "/admin/mail-templates/"+kind)
}
