package shop

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"kago/jp"
	"kago/model"
	"kago/store"
)

// Catalog is the product side of the shop: the storefront's shelves and
// search, and the admin's products, categories, pictures and CSV.
type Catalog struct{ *deps }

// Product returns a published product, or ErrNotFound.
func (s *Shop) Product(ctx context.Context, id int64) (store.Product, error) {
	p, err := s.db.Product(ctx, id)
	if err == nil && !p.Published {
		return p, ErrNotFound
	}
	return p, err
}

// Page sizes of the lists.
const (
	StorefrontPageSize = 24
	AdminPageSize      = 50
)

// ProductList is one page of a product list.
type ProductList struct {
	Products []store.Product
	Total    int
	Page     int // 1-based
	Pages    int // at least 1
}

// list returns page (1-based) of size products matching q. A page number
// past the end or below 1 is clamped, a search is cut at 100 characters.
func (c *Catalog) list(ctx context.Context, q model.ProductQuery, page, size int) (ProductList, error) {
	if r := []rune(strings.TrimSpace(q.Text)); len(r) > 100 {
		q.Text = string(r[:100])
	}
	page = max(page, 1)
	q.Limit, q.Offset = size, (page-1)*size
	ps, total, err := c.db.SearchProducts(ctx, q)
	if err != nil {
		return ProductList{}, err
	}
	out := ProductList{Products: ps, Total: total, Page: page, Pages: max(1, (total+size-1)/size)}
	if page > out.Pages && total > 0 {
		return c.list(ctx, q, out.Pages, size)
	}
	return out, nil
}

// Storefront lists published products, searched by name and description
// and filtered by category; page is 1-based.
func (c *Catalog) Storefront(ctx context.Context, text string, categoryID int64, page int) (ProductList, error) {
	return c.list(ctx, model.ProductQuery{Text: text, CategoryID: categoryID, PublishedOnly: true}, page, StorefrontPageSize)
}

// Admin lists products for 商品管理: name search, category and publication
// filters ("", "published", "draft"); page is 1-based.
func (c *Catalog) Admin(ctx context.Context, text string, categoryID int64, status string, page int) (ProductList, error) {
	return c.list(ctx, model.ProductQuery{Text: text, CategoryID: categoryID, Status: status}, page, AdminPageSize)
}

// Categories lists the categories with product counts (published only for
// the storefront).
func (c *Catalog) Categories(ctx context.Context, publishedOnly bool) ([]model.Category, error) {
	return c.db.Categories(ctx, publishedOnly)
}

// ProductDetail is a product with its pictures and categories.
type ProductDetail struct {
	store.Product
	Images      []model.ProductImage
	CategoryIDs []int64
}

// Detail returns a product with its pictures and categories; publishedOnly
// hides drafts (ErrNotFound).
func (c *Catalog) Detail(ctx context.Context, id int64, publishedOnly bool) (ProductDetail, error) {
	p, err := c.db.Product(ctx, id)
	if err != nil {
		return ProductDetail{}, err
	}
	if publishedOnly && !p.Published {
		return ProductDetail{}, ErrNotFound
	}
	d := ProductDetail{Product: p}
	if d.Images, err = c.db.ProductImages(ctx, id); err != nil {
		return d, err
	}
	d.CategoryIDs, err = c.db.ProductCategoryIDs(ctx, id)
	return d, err
}

// ProductInput is the admin product form as typed. Base is the fingerprint
// of the values the form was opened with (see FormBase).
type ProductInput struct {
	Name, Description  string
	Price, MemberPrice string
	TaxRate            string
	Stock              string
	SortOrder          string
	Published          bool
	CategoryIDs        []string
	Base               string
}

// Price limits in yen (issue 14: 0 and more than 10,000,000 are refused).
const (
	MinPrice = 1
	MaxPrice = 10_000_000
	MaxStock = 1_000_000
)

// productFields is a parsed product form: the product's own columns and its
// categories.
type productFields struct {
	store.Product
	Categories []int64
}

// parse validates the form and returns the product fields, or an
// InputError naming each bad field. Category IDs are checked against known.
func (in ProductInput) parse(known []model.Category) (productFields, error) {
	fields := map[string]string{}
	var f productFields
	p := &f.Product
	p.Name = strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(p.Name); {
	case n == 0:
		fields["name"] = "商品名を入力してください。"
	case n > 100:
		fields["name"] = "商品名は100文字以内で入力してください。"
	}
	p.Description = strings.TrimSpace(strings.ReplaceAll(in.Description, "\r\n", "\n"))
	if utf8.RuneCountInString(p.Description) > 5000 {
		fields["description"] = "商品説明は5000文字以内で入力してください。"
	}
	yen := func(field, label, raw string, optional bool) sql.NullInt64 {
		raw = strings.NewReplacer(",", "", "，", "", "円", "").Replace(strings.TrimSpace(toHalfWidthDigits(raw)))
		if raw == "" && optional {
			return sql.NullInt64{}
		}
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || v < MinPrice || v > MaxPrice {
			fields[field] = label + "は1から10,000,000までの半角数字（円）で入力してください。"
		}
		return sql.NullInt64{Int64: v, Valid: true}
	}
	p.Price = yen("price", "販売価格", in.Price, false).Int64
	p.MemberPrice = yen("member_price", "会員価格", in.MemberPrice, true)
	if p.MemberPrice.Valid && fields["price"] == "" && fields["member_price"] == "" && p.MemberPrice.Int64 > p.Price {
		fields["member_price"] = "会員価格は販売価格以下にしてください。"
	}
	switch strings.TrimRight(strings.TrimSpace(toHalfWidthDigits(in.TaxRate)), "%％") {
	case "10":
		p.TaxRate = TaxStandard
	case "8":
		p.TaxRate = TaxReduced
	default:
		fields["tax_rate"] = "税率は10%または8%（軽減税率）を選んでください。"
	}
	stock, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(toHalfWidthDigits(in.Stock)), ",", ""), 10, 64)
	if err != nil || stock < 0 || stock > MaxStock {
		fields["stock"] = "在庫数は0から1,000,000までの半角数字で入力してください。"
	}
	p.Stock = stock
	if raw := strings.TrimSpace(in.SortOrder); raw != "" {
		v, err := strconv.Atoi(toHalfWidthDigits(raw))
		if err != nil || v < 0 || v > 100000 {
			fields["sort_order"] = "表示順は0から100000までの半角数字で入力してください。"
		}
		p.SortOrder = v
	}
	p.Published = in.Published
	for _, raw := range in.CategoryIDs {
		id, _ := strconv.ParseInt(raw, 10, 64)
		if !slices.ContainsFunc(known, func(c model.Category) bool { return c.ID == id }) {
			fields["categories"] = "カテゴリを選び直してください（削除されたカテゴリがあります）。"
			continue
		}
		if !slices.Contains(f.Categories, id) {
			f.Categories = append(f.Categories, id)
		}
	}
	slices.Sort(f.Categories)
	if len(fields) > 0 {
		return f, &InputError{Fields: fields}
	}
	return f, nil
}

// values are the canonical texts of a product's editable fields, the unit
// of the lost-update merge.
func productValues(p store.Product, categories []int64) map[string]string {
	member := ""
	if p.MemberPrice.Valid {
		member = strconv.FormatInt(p.MemberPrice.Int64, 10)
	}
	cats := make([]string, len(categories))
	for i, id := range categories {
		cats[i] = strconv.FormatInt(id, 10)
	}
	return map[string]string{
		"name": p.Name, "description": p.Description, "price": strconv.FormatInt(p.Price, 10), "member_price": member,
		"tax_rate": strconv.Itoa(p.TaxRate), "stock": strconv.FormatInt(p.Stock, 10), "sort_order": strconv.Itoa(p.SortOrder),
		"published": boolText(p.Published), "categories": strings.Join(cats, ","),
	}
}

func boolText(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// EditForm turns a stored product into form values with their base.
func EditForm(d ProductDetail) ProductInput {
	v := productValues(d.Product, d.CategoryIDs)
	in := ProductInput{Name: v["name"], Description: v["description"], Price: v["price"], MemberPrice: v["member_price"],
		TaxRate: v["tax_rate"], Stock: v["stock"], SortOrder: v["sort_order"], Published: d.Published, Base: FormBase(v)}
	if v["categories"] != "" {
		in.CategoryIDs = strings.Split(v["categories"], ",")
	}
	return in
}

// NewProductForm is the empty form of 商品登録.
func NewProductForm() ProductInput {
	return ProductInput{TaxRate: "10", Stock: "0", SortOrder: "0", Published: true}
}

// productLabel names a product field and shows a stored value, for the
// stale-form messages.
func productLabel(cats []model.Category) func(field, value string) (string, string) {
	return func(field, value string) (string, string) {
		n, _ := strconv.ParseInt(value, 10, 64)
		switch field {
		case "name":
			return "商品名", value
		case "description":
			if r := []rune(value); len(r) > 40 {
				value = string(r[:40]) + "…"
			}
			return "商品説明", value
		case "price":
			return "販売価格", jp.Yen(n)
		case "member_price":
			if value == "" {
				return "会員価格", "なし"
			}
			return "会員価格", jp.Yen(n)
		case "tax_rate":
			return "税率", value + "%"
		case "stock":
			return "在庫数", jp.Comma(n)
		case "sort_order":
			return "表示順", value
		case "published":
			if value == "1" {
				return "公開", "公開"
			}
			return "公開", "非公開"
		case "categories":
			var names []string
			for _, raw := range strings.Split(value, ",") {
				id, _ := strconv.ParseInt(raw, 10, 64)
				for _, c := range cats {
					if c.ID == id {
						names = append(names, c.Name)
					}
				}
			}
			if len(names) == 0 {
				return "カテゴリ", "なし"
			}
			return "カテゴリ", strings.Join(names, "、")
		}
		return field, value
	}
}

// CreateProduct stores a new product from the admin form with its pictures
// (checked by content and pixel size; see CheckImage).
func (c *Catalog) CreateProduct(ctx context.Context, in ProductInput, images []Image) (store.Product, error) {
	cats, err := c.db.Categories(ctx, false)
	if err != nil {
		return store.Product{}, err
	}
	f, err := in.parse(cats)
	if err = withImageErrors(err, images); err != nil {
		return f.Product, err
	}
	paths, err := c.writeImages(images)
	if err != nil {
		return f.Product, err
	}
	p := f.Product
	err = c.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := categoriesExist(tx, f.Categories); err != nil {
			return err
		}
		if p, err = tx.InsertProduct(p); err != nil {
			return err
		}
		if err := tx.SetProductCategories(p.ID, f.Categories); err != nil {
			return err
		}
		return addImages(tx, p.ID, paths)
	})
	if err != nil {
		c.removeFiles(paths)
	}
	return p, err
}

// UpdateProduct saves the admin form over a product, writing only the
// fields the owner changed (the lost-update rule in formbase.go): stock sold
// while the form was open stays sold. A field changed both on the form and
// meanwhile is refused with a *StaleFormError. New pictures are appended.
func (c *Catalog) UpdateProduct(ctx context.Context, id int64, in ProductInput, images []Image) (store.Product, error) {
	cats, err := c.db.Categories(ctx, false)
	if err != nil {
		return store.Product{}, err
	}
	f, err := in.parse(cats)
	if err = withImageErrors(err, images); err != nil {
		return f.Product, err
	}
	paths, err := c.writeImages(images)
	if err != nil {
		return f.Product, err
	}
	typed := productValues(f.Product, f.Categories)
	var saved store.Product
	err = c.db.WithTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.Product(id)
		if err != nil {
			return err
		}
		curCats, err := tx.ProductCategoryIDs(id)
		if err != nil {
			return err
		}
		if err := categoriesExist(tx, f.Categories); err != nil {
			return err
		}
		current := productValues(cur, curCats)
		write, conflicts := mergeForm(in.Base, typed, current)
		if len(conflicts) > 0 {
			return staleForm(conflicts, current, productLabel(cats))
		}
		f.ID = id
		columns := slices.DeleteFunc(slices.Clone(write), func(k string) bool { return k == "categories" })
		if len(columns) > 0 {
			if err := tx.PatchProduct(f.Product, columns); err != nil {
				return err
			}
		}
		if slices.Contains(write, "categories") {
			if err := tx.SetProductCategories(id, f.Categories); err != nil {
				return err
			}
		}
		if err := addImages(tx, id, paths); err != nil {
			return err
		}
		saved, err = tx.Product(id)
		return err
	})
	if err != nil {
		c.removeFiles(paths)
		return f.Product, err
	}
	return saved, nil
}

// categoriesExist checks, inside the write, that no chosen category was
// deleted after the form was checked.
func categoriesExist(tx *store.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	cats, err := tx.Categories()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(cats, func(c model.Category) bool { return c.ID == id }) {
			return &InputError{Fields: map[string]string{"categories": "カテゴリを選び直してください（削除されたカテゴリがあります）。"}}
		}
	}
	return nil
}

// DuplicateProduct copies a product (複製) as an unpublished draft with no
// stock, its categories and copies of its pictures, and returns the copy.
func (c *Catalog) DuplicateProduct(ctx context.Context, id int64) (store.Product, error) {
	images, err := c.db.ProductImages(ctx, id)
	if err != nil {
		return store.Product{}, err
	}
	paths, err := c.copyImages(images)
	if err != nil {
		return store.Product{}, err
	}
	var p store.Product
	err = c.db.WithTx(ctx, func(tx *store.Tx) error {
		if p, err = tx.Product(id); err != nil {
			return err
		}
		cats, err := tx.ProductCategoryIDs(id)
		if err != nil {
			return err
		}
		name := []rune(p.Name + "（コピー）")
		p.Name, p.Published, p.Stock, p.ImagePath = string(name[:min(len(name), 100)]), false, 0, ""
		if p, err = tx.InsertProduct(p); err != nil {
			return err
		}
		if err := tx.SetProductCategories(p.ID, cats); err != nil {
			return err
		}
		return addImages(tx, p.ID, paths)
	})
	if err != nil {
		c.removeFiles(paths)
	}
	return p, err
}

// SetPublished publishes or withdraws a product (公開 / 非公開) without
// touching anything else.
func (c *Catalog) SetPublished(ctx context.Context, id int64, published bool) (store.Product, error) {
	var p store.Product
	err := c.db.WithTx(ctx, func(tx *store.Tx) error {
		p = store.Product{ID: id, Published: published}
		if err := tx.PatchProduct(p, []string{"published"}); err != nil {
			return err
		}
		var err error
		p, err = tx.Product(id)
		return err
	})
	return p, err
}

// CategoryInput is the category form as typed; Base (CategoryBase) is
// set on the forms of existing categories.
type CategoryInput struct {
	Name, SortOrder string
	Base            string
}

func categoryValues(c model.Category) map[string]string {
	return map[string]string{"name": c.Name, "sort_order": strconv.Itoa(c.SortOrder)}
}

// CategoryBase fingerprints a category for its form (lost updates).
func CategoryBase(c model.Category) string { return FormBase(categoryValues(c)) }

// SaveCategory creates (id 0) or renames a category. Names are unique. A
// rename writes only what the form changed and refuses a field changed
// meanwhile in another window (*StaleFormError).
func (c *Catalog) SaveCategory(ctx context.Context, id int64, in CategoryInput) (model.Category, error) {
	cat := model.Category{ID: id, Name: strings.TrimSpace(in.Name)}
	fields := map[string]string{}
	if n := utf8.RuneCountInString(cat.Name); n == 0 || n > 40 {
		fields["name"] = "カテゴリ名を40文字以内で入力してください。"
	}
	if raw := strings.TrimSpace(toHalfWidthDigits(in.SortOrder)); raw != "" {
		v, err := strconv.Atoi(raw)
		if err != nil || v < 0 || v > 100000 {
			fields["sort_order"] = "表示順は0から100000までの半角数字で入力してください。"
		}
		cat.SortOrder = v
	}
	if len(fields) > 0 {
		return cat, &InputError{Fields: fields}
	}
	typed := cat
	err := c.db.WithTx(ctx, func(tx *store.Tx) error {
		cat = typed // each run starts from the form (WithTx may run it again)
		if id == 0 {
			var err error
			cat, err = tx.InsertCategory(cat)
			return err
		}
		cats, err := tx.Categories()
		if err != nil {
			return err
		}
		i := slices.IndexFunc(cats, func(c model.Category) bool { return c.ID == id })
		if i < 0 {
			return ErrNotFound
		}
		typed, current := categoryValues(cat), categoryValues(cats[i])
		write, conflicts := mergeForm(in.Base, typed, current)
		if len(conflicts) > 0 {
			return staleForm(conflicts, current, func(field, value string) (string, string) {
				if field == "name" {
					return "カテゴリ名", value
				}
				return "表示順", value
			})
		}
		if !slices.Contains(write, "name") {
			cat.Name = cats[i].Name
		}
		if !slices.Contains(write, "sort_order") {
			cat.SortOrder = cats[i].SortOrder
		}
		return tx.UpdateCategory(cat)
	})
	if errors.Is(err, store.ErrConflict) {
		return cat, &InputError{Fields: map[string]string{"name": "「" + cat.Name + "」というカテゴリはすでにあります。"}}
	}
	return cat, err
}

// DeleteCategory removes a category; its products stay in the shop.
func (c *Catalog) DeleteCategory(ctx context.Context, id int64) error {
	return c.db.WithTx(ctx, func(tx *store.Tx) error { return tx.DeleteCategory(id) })
}

// BaseURL is the shop's public URL without a trailing slash (for absolute
// links such as OGP tags), "" until the server has told the shop.
func (s *Shop) BaseURL() string { return s.shopURL() }
