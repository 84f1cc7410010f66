package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"kago/model"
)

// The storefront reads the same shelves on every page view; the catalog
// cache keeps what SearchProducts (without search words) and Categories
// read until a transaction writes a catalog table (changes.go: products,
// stock included, categories, pictures), or catalogTTL passes for changes
// made by another process.
const (
	catalogTTL        = 5 * time.Second
	maxCatalogEntries = 256 // shelves × pages kept; past it the cache starts over
)

type catalogEntry struct {
	products   []Product
	total      int
	categories []model.Category
	until      time.Time
}

type catalogCache struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every committed write of a catalog table
	entries map[string]catalogEntry
}

func (c *catalogCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.entries = nil
	c.mu.Unlock()
}

// get returns the entry for key when it is current, and the generation to
// hand to put after reading the database otherwise.
func (c *catalogCache) get(key string) (catalogEntry, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e, c.gen, ok && time.Now().Before(e.until)
}

// put keeps what was read since get, unless a write committed meanwhile.
func (c *catalogCache) put(key string, gen uint64, e catalogEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCatalogEntries {
		c.entries = map[string]catalogEntry{}
	}
	e.until = time.Now().Add(catalogTTL)
	c.entries[key] = e
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
	key := fmt.Sprintf("search %+v", q)
	e, gen, ok := db.catalog.get(key)
	if ok {
		return slices.Clone(e.products), e.total, nil
	}
	list, total, err := db.searchProducts(ctx, q)
	if err == nil {
		db.catalog.put(key, gen, catalogEntry{products: slices.Clone(list), total: total})
	}
	return list, total, err
}

// Categories lists the categories in display order with their product
// counts; publishedOnly counts only published products. It is served from
// the catalog cache (see SearchProducts); the slice is the caller's own.
func (db *DB) Categories(ctx context.Context, publishedOnly bool) ([]model.Category, error) {
	key := fmt.Sprintf("categories %t", publishedOnly)
	e, gen, ok := db.catalog.get(key)
	if ok {
		return slices.Clone(e.categories), nil
	}
	cats, err := db.categories(ctx, publishedOnly)
	if err == nil {
		db.catalog.put(key, gen, catalogEntry{categories: slices.Clone(cats)})
	}
	return cats, err
}
