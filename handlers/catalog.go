package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"kago/jp/postal"
	"kago/static"
	"kago/store"
	"kago/views"
)

func productCard(p store.Product) views.ProductCard {
	c := views.ProductCard{ID: p.ID, Name: p.Name, Description: p.Description, Price: p.Price, TaxRate: p.TaxRate, Stock: p.Stock, ImageURL: p.ImagePath}
	if p.MemberPrice.Valid {
		c.MemberPrice = p.MemberPrice.Int64
	}
	return c
}

// productList is the storefront's top page: every product, a category
// (?category=), or a search (?q=), a page at a time (?page=).
func (srv *Server) productList(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	text := strings.TrimSpace(q.Get("q"))
	category, err := strconv.ParseInt(q.Get("category"), 10, 64)
	if q.Get("category") != "" && (err != nil || category <= 0) {
		return echo.ErrNotFound
	}
	cats, err := srv.shop.Catalog.Categories(ctx, true)
	if err != nil {
		return err
	}
	m := views.CatalogModel{Query: text, Heading: "商品一覧", Categories: make([]views.CategoryOption, 0, len(cats))}
	for _, cat := range cats {
		if cat.Products == 0 && cat.ID != category {
			continue
		}
		m.Categories = append(m.Categories, views.CategoryOption{ID: cat.ID, Name: cat.Name, Count: cat.Products, Selected: cat.ID == category})
		if cat.ID == category {
			m.Category, m.Heading = cat.ID, cat.Name
		}
	}
	if category != 0 && m.Category == 0 {
		return echo.ErrNotFound // no such category (or not shown in the shop)
	}
	list, err := srv.shop.Catalog.Storefront(ctx, text, category, pageParam(q.Get("page")))
	if err != nil {
		return err
	}
	m.Products = make([]views.ProductCard, len(list.Products))
	for i, p := range list.Products {
		m.Products[i] = productCard(p)
	}
	m.Total, m.Pager = list.Total, pager("/", q, list.Page, list.Pages)
	title := ""
	if text != "" {
		m.Heading = "「" + text + "」の検索結果"
		title = m.Heading
	} else if m.Category != 0 {
		title = m.Heading
	}
	if list.Page > 1 {
		title = m.Heading + "（" + strconv.Itoa(list.Page) + "ページ目）"
	}
	return render(c, http.StatusOK, views.ProductList(srv.page(c, title), m))
}

// idParam reads a positive numeric path ID; anything else is a 404.
func idParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

func (srv *Server) productPage(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	d, err := srv.shop.Catalog.Detail(c.Request().Context(), id, true)
	if err != nil {
		return err
	}
	card := productCard(d.Product)
	for _, im := range d.Images {
		card.Images = append(card.Images, im.Path)
	}
	return render(c, http.StatusOK, views.ProductPage(srv.productMeta(c, d.Product), card, views.ProductForm{Quantity: "1"}))
}

// productMeta is the page frame of a product page: its description and
// picture for search engines and link previews.
func (srv *Server) productMeta(c echo.Context, p store.Product) views.Page {
	page := srv.page(c, p.Name)
	if d := metaText(p.Description); d != "" {
		page.Meta.Description = d
	}
	page.Meta.Type = "product"
	if p.ImagePath != "" && srv.shop.BaseURL() != "" {
		page.Meta.Image = srv.shop.BaseURL() + p.ImagePath
	}
	return page
}

// metaText squeezes a text into one line of at most 120 characters (119
// and "…" when longer). It reads no further than it needs: once more than
// 484 bytes are written, more than 120 characters are.
func metaText(s string) string {
	var b strings.Builder
	for w := range strings.FieldsSeq(s) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if b.Len() > 121*utf8.UTFMax {
			break
		}
	}
	out := b.String()
	if utf8.RuneCountInString(out) <= 120 {
		return out
	}
	n := 0
	for i := range out {
		if n == 119 {
			return out[:i] + "…"
		}
		n++
	}
	return out
}

// legalPage serves 特定商取引法に基づく表記, プライバシーポリシー and ご利用規約.
func (srv *Server) legalPage(slug string) echo.HandlerFunc {
	return func(c echo.Context) error {
		pg, err := srv.shop.ShopPage(c.Request().Context(), slug)
		if err != nil {
			return err
		}
		m := views.LegalPage{Title: pg.Title}
		for _, it := range pg.Items {
			m.Items = append(m.Items, views.LegalItem{Label: it.Label, Text: it.Text})
		}
		m.Blocks = textBlocks(pg.Body)
		page := srv.page(c, pg.Title)
		page.Meta.Description = pg.Title + "：" + page.ShopName
		return render(c, http.StatusOK, views.LegalPageView(page, m))
	}
}

// textBlocks splits a page's text into paragraphs at blank lines; a line
// starting with ■ is a heading.
func textBlocks(body string) []views.TextBlock {
	var out []views.TextBlock
	for _, para := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		para = strings.Trim(para, "\n")
		if para == "" {
			continue
		}
		if h, ok := strings.CutPrefix(para, "■"); ok {
			head, rest, _ := strings.Cut(h, "\n")
			out = append(out, views.TextBlock{Heading: true, Text: strings.TrimSpace(head)})
			if rest = strings.TrimSpace(rest); rest != "" {
				out = append(out, views.TextBlock{Text: rest})
			}
			continue
		}
		out = append(out, views.TextBlock{Text: para})
	}
	return out
}

// postalLookup answers 住所検索: GET /postal/1500001 gives the addresses of
// a postal code as JSON, {"addresses": [{"prefecture", "city", "town"}]},
// from the table in the binary; an unknown code gives an empty list, a
// malformed one 400.
func (srv *Server) postalLookup(c echo.Context) error {
	code, ok := postal.Normalize(c.Param("code"))
	if !ok {
		return c.JSON(http.StatusBadRequest, map[string]any{"addresses": []postal.Address{}, "error": "郵便番号は7桁の数字で入力してください。"})
	}
	addrs, err := postal.Lookup(code)
	if err != nil {
		return err
	}
	if addrs == nil {
		addrs = []postal.Address{}
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.JSON(http.StatusOK, map[string]any{"addresses": addrs})
}

// favicon sends browsers that ask for /favicon.ico to the shop's icon.
func (srv *Server) favicon(c echo.Context) error {
	return c.Redirect(http.StatusMovedPermanently, static.URL("favicon.svg"))
}
