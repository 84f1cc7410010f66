package store

import (
	"context"
	"slices"
	"sync"
	"time"

	"kago/model"
)

// The storefront reads the same shelves and products on every page view;
// the catalog cache keeps what SearchProducts (without search words),
// Categories, Product, ProductImages and ProductCategoryIDs read until a transaction writes a catalog table (changes.go: products,
// stock included, categories, pictures), or catalogTTL passes for changes
// made by another process.
const (
	catalogTTL        = 5 * time.Second
	maxCatalogEntries = 4096 // shelves, pages and products kept; past it the cache starts over
)

type catalogEntry struct {
	value any
	until time.Time
}

type catalogCache struct {
	// off: every read goes to the database (openPostgres sets it for
	// the caches of a shopper's own cart and checkout).
	off     bool
	mu      sync.RWMutex // read-locked by every page view, write-locked to keep an answer
	gen     uint64       // bumped by every committed write of a catalog table
	entries map[catalogKey]catalogEntry
}

// catalogKey names one cached read: which read and its arguments (a
// comparable struct, not a formatted string: fmt's reflection was 4% of
// the product list's time).
type catalogKey struct {
	read  catalogRead
	query model.ProductQuery // readSearch; readCategories: PublishedOnly
	id    int64              // the product of readProduct, readImages, readProductCategories
	text  string             // the cart token or checkout ID of the others
}

// catalogRead is one of the reads the catalog cache keeps.
type catalogRead uint8

const (
	readSearch catalogRead = iota
	readCategories
	readProduct
	readImages
	readProductCategories
	readCartLines
	readCartCount
	readCheckout
	readOrderOfCheckout
)

func (c *catalogCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.entries = nil
	c.mu.Unlock()
}

// cachedRead returns read's answer for key from the catalog cache while it
// is current, else reads and keeps it (unless a catalog write committed
// meanwhile); clone gives each caller a value of its own.
func cachedRead[T any](c *catalogCache, key catalogKey, clone func(T) T, read func() (T, error)) (T, error) {
	if c.off {
		return read()
	}
	c.mu.RLock()
	e, ok := c.entries[key]
	gen := c.gen
	c.mu.RUnlock()
	if ok && time.Now().Before(e.until) {
		return clone(e.value.(T)), nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		if c.entries == nil || len(c.entries) >= maxCatalogEntries {
			c.entries = map[catalogKey]catalogEntry{}
		}
		c.entries[key] = catalogEntry{value: clone(v), until: time.Now().Add(catalogTTL)}
	}
	return v, nil
}

func same[T any](v T) T { return v }

// searchResult is one page of SearchProducts.
type searchResult struct {
	products []Product
	total    int
}

// SearchProducts returns one page of products in display order and how many
// match in all. Text matches the name, and the description too when
// PublishedOnly (the storefront's search box). Lists without search words
// come from the catalog cache (at most catalogTTL old for another
// process's changes); the slice is the caller's own.
func (db *DB) SearchProducts(ctx context.Context, q model.ProductQuery) ([]Product, int, error) {
	if q.Text != "" {
		return db.searchProducts(ctx, q)
	}
	r, err := cachedRead(&db.catalog, catalogKey{read: readSearch, query: q},
		func(r searchResult) searchResult { return searchResult{slices.Clone(r.products), r.total} },
		func() (searchResult, error) {
			list, total, err := db.searchProducts(ctx, q)
			return searchResult{list, total}, err
		})
	return r.products, r.total, err
}

// Categories lists the categories in display order with their product
// counts; publishedOnly counts only published products. It is served from
// the catalog cache (see SearchProducts); the slice is the caller's own.
func (db *DB) Categories(ctx context.Context, publishedOnly bool) ([]model.Category, error) {
	return cachedRead(&db.catalog, catalogKey{read: readCategories, query: model.ProductQuery{PublishedOnly: publishedOnly}}, slices.Clone[[]model.Category],
		func() ([]model.Category, error) { return db.categories(ctx, publishedOnly) })
}

// Product returns one product, published or not, from the catalog cache
// (see SearchProducts). Reads that feed a write use Tx.Product.
func (db *DB) Product(ctx context.Context, id int64) (Product, error) {
	return cachedRead(&db.catalog, catalogKey{read: readProduct, id: id}, same[Product], func() (Product, error) {
		return scanProduct(db.queryRow(ctx, `SELECT `+productColumns+` FROM products WHERE id = ?`, id))
	})
}

// ProductImages lists a product's pictures, main image first, from the
// catalog cache (see SearchProducts).
func (db *DB) ProductImages(ctx context.Context, productID int64) ([]model.ProductImage, error) {
	return cachedRead(&db.catalog, catalogKey{read: readImages, id: productID}, slices.Clone[[]model.ProductImage],
		func() ([]model.ProductImage, error) { return db.productImages(ctx, productID) })
}

// ProductCategoryIDs lists the categories of a product, in ID order, from
// the catalog cache (see SearchProducts).
func (db *DB) ProductCategoryIDs(ctx context.Context, productID int64) ([]int64, error) {
	return cachedRead(&db.catalog, catalogKey{read: readProductCategories, id: productID}, slices.Clone[[]int64],
		func() ([]int64, error) { return db.productCategoryIDs(ctx, productID) })
}
