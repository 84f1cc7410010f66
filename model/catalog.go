package model

// Category is a shelf of the storefront (カテゴリ); a product may be on
// several.
type Category struct {
	ID        int64
	Name      string
	SortOrder int
	// Products counts the products on the shelf (published ones only where
	// the storefront asks).
	Products int
}

// ProductImage is one picture of a product. Position orders them; the
// first is the main image (メイン画像).
type ProductImage struct {
	ID        int64
	ProductID int64
	Path      string // URL path: /uploads/… or /static/demo/…
	Position  int
}

// ProductQuery selects a page of products for a list.
type ProductQuery struct {
	Text          string // words in the name (admin) or name and description (storefront)
	CategoryID    int64  // 0: all
	PublishedOnly bool
	Status        string // admin filter: "" all, "published", "draft"
	Offset, Limit int
}
