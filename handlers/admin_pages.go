package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/views"
)

// ページ管理: 特定商取引法に基づく表記, プライバシーポリシー and ご利用規約.

func (srv *Server) adminShopPages(c echo.Context) error {
	var rows []views.ShopPageRow
	for _, slug := range shop.PageSlugs {
		pg, err := srv.shop.ShopPage(c.Request().Context(), slug)
		if err != nil {
			return err
		}
		rows = append(rows, views.ShopPageRow{Slug: slug, Title: pg.Title, Custom: pg.Custom})
	}
	return render(c, http.StatusOK, views.AdminShopPages(srv.adminPage(c, "ページ管理", "pages"), rows))
}

func shopPageForm(pg shop.ShopPage) views.ShopPageForm {
	f := views.ShopPageForm{Slug: pg.Slug, Title: pg.Title, Body: pg.Body, Base: pg.Base}
	for _, it := range pg.Items {
		f.Items = append(f.Items, views.ShopPageItem{Key: it.Key, Label: it.Label, Text: it.Text})
	}
	return f
}

func (srv *Server) adminShopPage(c echo.Context) error {
	pg, err := srv.shop.ShopPage(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AdminShopPageEdit(srv.adminPage(c, pg.Title, "pages"), shopPageForm(pg)))
}

func (srv *Server) adminSaveShopPage(c echo.Context) error {
	ctx, slug := c.Request().Context(), c.Param("slug")
	pg, err := srv.shop.ShopPage(ctx, slug)
	if err != nil {
		return err
	}
	in := shop.ShopPageInput{Body: c.FormValue("body"), Base: c.FormValue("base"), Items: map[string]string{}}
	for _, it := range pg.Items {
		in.Items[it.Key] = c.FormValue("item_" + it.Key)
	}
	err = srv.shop.SaveShopPage(ctx, slug, in)
	if ie, ok := shop.AsInputError(err); ok {
		f := shopPageForm(pg)
		f.Body, f.Base, f.Errors = in.Body, in.Base, ie.Fields
		for i := range f.Items {
			f.Items[i].Text = in.Items[f.Items[i].Key]
		}
		status := http.StatusUnprocessableEntity
		if se, stale := shop.AsStaleForm(err); stale {
			f.Base, f.Stale, status = se.Base, se.Message, http.StatusConflict
		}
		return render(c, status, views.AdminShopPageEdit(srv.adminPage(c, pg.Title, "pages"), f))
	}
	if err != nil {
		return err
	}
	return srv.flashTo(c, "「"+pg.Title+"」を保存しました。", "/admin/pages/"+slug)
}
