package handlers

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"kago/model"
	"kago/shop"
	"kago/views"
)

// 商品管理: the list with search and pages, the product form with its
// pictures, 複製, 公開/非公開, カテゴリ管理 and the product CSV.

func (srv *Server) adminProducts(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	category, _ := strconv.ParseInt(q.Get("category"), 10, 64)
	status := q.Get("status")
	if status != "published" && status != "draft" {
		status = ""
	}
	list, err := srv.shop.Catalog.Admin(ctx, q.Get("q"), category, status, pageParam(q.Get("page")))
	if err != nil {
		return err
	}
	cats, err := srv.shop.Catalog.Categories(ctx, false)
	if err != nil {
		return err
	}
	m := views.AdminProductList{Query: q.Get("q"), Category: category, Status: status, Total: list.Total,
		Categories: categoryOptions(cats, nil), Pager: pager("/admin/products", q, list.Page, list.Pages), Back: c.Request().URL.RequestURI()}
	for _, p := range list.Products {
		m.Rows = append(m.Rows, views.AdminProductRow{ID: p.ID, Name: p.Name, Price: p.Price, MemberPrice: p.MemberPrice.Int64,
			TaxRate: p.TaxRate, Stock: p.Stock, Published: p.Published, ImageURL: p.ImagePath})
	}
	return render(c, http.StatusOK, views.AdminProducts(srv.adminPage(c, "商品管理", "products"), m))
}

func categoryOptions(cats []model.Category, selected []int64) []views.CategoryOption {
	out := make([]views.CategoryOption, len(cats))
	for i, cat := range cats {
		out[i] = views.CategoryOption{ID: cat.ID, Name: cat.Name, Count: cat.Products, Selected: slices.Contains(selected, cat.ID)}
	}
	return out
}

// renderProductForm shows the product form as typed with its messages; the
// pictures are the stored ones.
func (srv *Server) renderProductForm(c echo.Context, status int, id int64, in shop.ProductInput, errs map[string]string, stale string) error {
	ctx := c.Request().Context()
	cats, err := srv.shop.Catalog.Categories(ctx, false)
	if err != nil {
		return err
	}
	var selected []int64
	for _, raw := range in.CategoryIDs {
		if v, err := strconv.ParseInt(raw, 10, 64); err == nil {
			selected = append(selected, v)
		}
	}
	f := views.ProductEdit{ID: id, Name: in.Name, Description: in.Description, Price: in.Price, MemberPrice: in.MemberPrice,
		TaxRate: in.TaxRate, Stock: in.Stock, SortOrder: in.SortOrder, Published: in.Published, Base: in.Base,
		Categories: categoryOptions(cats, selected), Stale: stale, Errors: errs}
	title := "商品登録"
	if id != 0 {
		title = "商品編集"
		d, err := srv.shop.Catalog.Detail(ctx, id, false)
		if err != nil {
			return err
		}
		for i, im := range d.Images {
			f.Images = append(f.Images, views.ProductImageRow{ID: im.ID, URL: im.Path, Main: i == 0})
		}
	}
	return render(c, status, views.AdminProductEdit(srv.adminPage(c, title, "products"), f))
}

func (srv *Server) adminProductNew(c echo.Context) error {
	return srv.renderProductForm(c, http.StatusOK, 0, shop.NewProductForm(), nil, "")
}

func (srv *Server) adminProductEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	d, err := srv.shop.Catalog.Detail(c.Request().Context(), id, false)
	if err != nil {
		return err
	}
	return srv.renderProductForm(c, http.StatusOK, id, shop.EditForm(d), nil, "")
}

func productInput(c echo.Context) shop.ProductInput {
	in := shop.ProductInput{Name: c.FormValue("name"), Description: c.FormValue("description"), Price: c.FormValue("price"),
		MemberPrice: c.FormValue("member_price"), TaxRate: c.FormValue("tax_rate"), Stock: c.FormValue("stock"),
		SortOrder: c.FormValue("sort_order"), Published: c.FormValue("published") == "1", Base: c.FormValue("base")}
	in.CategoryIDs = c.Request().Form["category"]
	return in
}

func (srv *Server) adminProductCreate(c echo.Context) error {
	in := productInput(c)
	images, err := uploadedImages(c, "images")
	if err != nil {
		return err
	}
	p, err := srv.shop.Catalog.CreateProduct(c.Request().Context(), in, images)
	if ie, ok := shop.AsInputError(err); ok {
		return srv.renderProductForm(c, http.StatusUnprocessableEntity, 0, in, ie.Fields, "")
	}
	if err != nil {
		return err
	}
	return srv.flashTo(c, "商品「"+p.Name+"」を登録しました。", "/admin/products/"+strconv.FormatInt(p.ID, 10))
}

// adminProductUpdate saves the form; a stale form (someone changed the same
// field meanwhile) comes back with the stored values named and a fresh base,
// so saving again keeps what the owner typed.
func (srv *Server) adminProductUpdate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	in := productInput(c)
	images, err := uploadedImages(c, "images")
	if err != nil {
		return err
	}
	p, err := srv.shop.Catalog.UpdateProduct(c.Request().Context(), id, in, images)
	if se, ok := shop.AsStaleForm(err); ok {
		in.Base = se.Base
		return srv.renderProductForm(c, http.StatusConflict, id, in, se.Fields, se.Message)
	}
	if ie, ok := shop.AsInputError(err); ok {
		return srv.renderProductForm(c, http.StatusUnprocessableEntity, id, in, ie.Fields, "")
	}
	if err != nil {
		return err
	}
	return srv.flashTo(c, "商品「"+p.Name+"」を保存しました。", "/admin/products/"+strconv.FormatInt(p.ID, 10))
}

func (srv *Server) adminProductDuplicate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := srv.shop.Catalog.DuplicateProduct(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return srv.flashTo(c, "複製しました。非公開・在庫0で作成したので、内容を確かめてから公開してください。", "/admin/products/"+strconv.FormatInt(p.ID, 10))
}

func (srv *Server) adminProductPublish(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := srv.shop.Catalog.SetPublished(c.Request().Context(), id, c.FormValue("published") == "1")
	if err != nil {
		return err
	}
	msg := "「" + p.Name + "」を非公開にしました。"
	if p.Published {
		msg = "「" + p.Name + "」を公開しました。"
	}
	return srv.flashTo(c, msg, localBack(c.FormValue("back"), "/admin/products"))
}

// localBack is a same-site path to return to, or def.
func localBack(back, def string) string {
	u, err := url.Parse(back)
	if err != nil || u.Scheme != "" || u.Host != "" || len(u.Path) < 2 || u.Path[0] != '/' || u.Path[1] == '/' || u.Path[1] == '\\' {
		return def
	}
	return u.RequestURI()
}

func (srv *Server) adminProductMoveImage(c echo.Context) error {
	id, imageID, err := imageParams(c)
	if err != nil {
		return err
	}
	return srv.afterImageChange(c, id, srv.shop.Catalog.MoveImage(c.Request().Context(), id, imageID, c.FormValue("move")), "画像の順番を変えました。")
}

func (srv *Server) adminProductDeleteImage(c echo.Context) error {
	id, imageID, err := imageParams(c)
	if err != nil {
		return err
	}
	return srv.afterImageChange(c, id, srv.shop.Catalog.DeleteImage(c.Request().Context(), id, imageID), "画像を削除しました。")
}

func imageParams(c echo.Context) (int64, int64, error) {
	id, err := idParam(c)
	if err != nil {
		return 0, 0, err
	}
	imageID, err := strconv.ParseInt(c.Param("image"), 10, 64)
	if err != nil || imageID <= 0 {
		return 0, 0, echo.ErrNotFound
	}
	return id, imageID, nil
}

// afterImageChange goes back to the product form with a message, or shows
// it again with the picture's problem.
func (srv *Server) afterImageChange(c echo.Context, id int64, err error, done string) error {
	if ie, ok := shop.AsInputError(err); ok {
		d, derr := srv.shop.Catalog.Detail(c.Request().Context(), id, false)
		if derr != nil {
			return derr
		}
		return srv.renderProductForm(c, http.StatusUnprocessableEntity, id, shop.EditForm(d), ie.Fields, "")
	}
	if err != nil {
		return err
	}
	return srv.flashTo(c, done, "/admin/products/"+strconv.FormatInt(id, 10))
}

// flashTo sets an admin flash message and redirects.
func (srv *Server) flashTo(c echo.Context, msg, to string) error {
	if err := srv.setFlash(c, adminCookie, msg); err != nil {
		return err
	}
	return redirect(c, to)
}

// uploadedImages reads the files of a multiple file field, each at most
// one byte past the limit so the shop can say a file is too large.
func uploadedImages(c echo.Context, field string) ([]shop.Image, error) {
	form, err := c.MultipartForm()
	if errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "bad upload")
	}
	var out []shop.Image
	for _, fh := range form.File[field] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, shop.MaxImageBytes+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, shop.Image{Name: fh.Filename, Data: data})
	}
	return out, nil
}

func (srv *Server) adminCategories(c echo.Context) error {
	return srv.renderCategories(c, http.StatusOK, 0, views.CategoryRow{}, "")
}

// renderCategories lists the categories; a rejected form (id 0: the new
// one) is shown as typed with its messages, a stale one with the page's
// message.
func (srv *Server) renderCategories(c echo.Context, status int, badID int64, bad views.CategoryRow, stale string) error {
	cats, err := srv.shop.Catalog.Categories(c.Request().Context(), false)
	if err != nil {
		return err
	}
	m := views.CategoryList{}
	if badID == 0 {
		m.New = bad
	}
	for _, cat := range cats {
		row := views.CategoryRow{ID: cat.ID, Name: cat.Name, SortOrder: strconv.Itoa(cat.SortOrder), Products: cat.Products,
			Base: shop.CategoryBase(cat)}
		if cat.ID == badID {
			row.Name, row.SortOrder, row.Errors = bad.Name, bad.SortOrder, bad.Errors
			if bad.Base != "" {
				row.Base = bad.Base
			}
		}
		m.Rows = append(m.Rows, row)
	}
	page := srv.adminPage(c, "カテゴリ管理", "products")
	page.Error = stale
	return render(c, status, views.AdminCategories(page, m))
}

func (srv *Server) adminSaveCategory(c echo.Context) error {
	var id int64
	if c.Param("id") != "" {
		var err error
		if id, err = idParam(c); err != nil {
			return err
		}
	}
	in := shop.CategoryInput{Name: c.FormValue("name"), SortOrder: c.FormValue("sort_order"), Base: c.FormValue("base")}
	cat, err := srv.shop.Catalog.SaveCategory(c.Request().Context(), id, in)
	if se, ok := shop.AsStaleForm(err); ok {
		return srv.renderCategories(c, http.StatusConflict, id, views.CategoryRow{Name: in.Name, SortOrder: in.SortOrder, Errors: se.Fields, Base: se.Base}, se.Message)
	}
	if ie, ok := shop.AsInputError(err); ok {
		return srv.renderCategories(c, http.StatusUnprocessableEntity, id, views.CategoryRow{Name: in.Name, SortOrder: in.SortOrder, Errors: ie.Fields}, "")
	}
	if err != nil {
		return err
	}
	return srv.flashTo(c, "カテゴリ「"+cat.Name+"」を保存しました。", "/admin/categories")
}

func (srv *Server) adminDeleteCategory(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := srv.shop.Catalog.DeleteCategory(c.Request().Context(), id); err != nil {
		return err
	}
	return srv.flashTo(c, "カテゴリを削除しました。", "/admin/categories")
}

func (srv *Server) adminProductsCSV(c echo.Context) error {
	var buf bytes.Buffer
	if err := srv.shop.Catalog.ExportProductsCSV(c.Request().Context(), &buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="products.csv"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func (srv *Server) adminProductImportPage(c echo.Context) error {
	return render(c, http.StatusOK, views.AdminProductImport(srv.adminPage(c, "CSV一括登録", "products"), importView(shop.ImportReport{}, false)))
}

// adminProductImport checks an uploaded CSV and, with apply=1 and no bad
// row, imports it; 取り込む after a clean check sends only the token of the
// file the check kept.
func (srv *Server) adminProductImport(c echo.Context) error {
	ctx := c.Request().Context()
	var rep shop.ImportReport
	if token := c.FormValue("token"); token != "" {
		var err error
		if rep, err = srv.shop.Catalog.ImportCheckedCSV(ctx, token); err != nil {
			return err
		}
	} else {
		fh, err := c.FormFile("file")
		if err != nil {
			return srv.renderImport(c, http.StatusUnprocessableEntity, shop.ImportReport{FileErrors: []string{"ファイルを選んでください。"}})
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return err
		}
		if rep, err = srv.shop.Catalog.ImportProductsCSV(ctx, data, c.FormValue("apply") == "1"); err != nil {
			return err
		}
	}
	status := http.StatusOK
	if !rep.Clean() {
		status = http.StatusUnprocessableEntity
	}
	return srv.renderImport(c, status, rep)
}

func (srv *Server) renderImport(c echo.Context, status int, rep shop.ImportReport) error {
	return render(c, status, views.AdminProductImport(srv.adminPage(c, "CSV一括登録", "products"), importView(rep, true)))
}

func importView(rep shop.ImportReport, checked bool) views.ProductImport {
	m := views.ProductImport{Columns: shop.CSVColumns, Separator: shop.CategorySeparator, Checked: checked, Applied: rep.Applied,
		Clean: rep.Clean(), Encoding: rep.Encoding, Absolute: rep.Absolute, FileErrors: rep.FileErrors, New: rep.New, Updated: rep.Updated,
		Unchanged: rep.Unchanged, Bad: rep.Bad, Token: rep.Token}
	if checked && len(rep.Rows) == 0 && len(rep.FileErrors) == 0 {
		m.FileErrors = []string{"商品の行がありません。2行目から商品を書いてください。"}
	}
	for _, r := range rep.Rows {
		m.Rows = append(m.Rows, views.ImportRowView{Line: r.Line, ID: r.ID, Name: r.Name, Action: r.Action, Changes: r.Changes, Errors: r.Errors})
	}
	return m
}
