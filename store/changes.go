package store

import (
	"strings"
	"sync"
)

// The store's read caches (settings, the catalog) are cleared by what a
// committed transaction wrote, found from the SQL itself: every write goes
// through Tx.exec, Tx.query or Tx.queryRow, so a new writer of a cached
// table clears the cache without being told to.

// anyTable stands for a write whose table could not be told.
const anyTable = "*"

// tables the catalog cache reads.
var catalogTables = map[string]bool{"products": true, "categories": true, "product_categories": true, "product_images": true}

// tables whose writes change cart counts: cart_items, and the two its rows
// go with (ON DELETE CASCADE).
var cartCountTables = map[string]bool{"cart_items": true, "carts": true, "products": true}

// tables whose writes change a checkout draft or the order it became.
var checkoutTables = map[string]bool{"checkouts": true, "orders": true}

// writtenTables memoises writtenTable per SQL text.
var writtenTables sync.Map

// writtenTable names the table a statement writes: INSERT [OR x] INTO t,
// REPLACE INTO t, UPDATE [OR x] t, DELETE FROM t; "" for a SELECT, and
// anyTable for anything else (WITH, PRAGMA ...), which clears every cache.
func writtenTable(query string) string {
	if t, ok := writtenTables.Load(query); ok {
		return t.(string)
	}
	f := strings.Fields(strings.ToLower(query[:min(len(query), 200)]))
	t := anyTable
	word := func(i int) string {
		if i < len(f) {
			return strings.Trim(strings.SplitN(f[i], "(", 2)[0], `"`)
		}
		return anyTable
	}
	switch {
	case len(f) == 0:
	case f[0] == "select":
		t = ""
	case f[0] == "insert" || f[0] == "replace":
		for i := 1; i < len(f); i++ {
			if f[i] == "into" {
				t = word(i + 1)
				break
			}
		}
	case f[0] == "update":
		i := 1
		if word(1) == "or" {
			i = 3
		}
		t = word(i)
	case f[0] == "delete" && word(1) == "from":
		t = word(2)
	}
	writtenTables.Store(query, t)
	return t
}

// noteWrite records the table a statement of the transaction writes.
func (tx *Tx) noteWrite(query string) {
	if t := writtenTable(query); t != "" {
		if tx.written == nil {
			tx.written = map[string]bool{}
		}
		tx.written[t] = true
	}
}

// changed clears the caches that read a table the transaction wrote; it
// runs after the commit (also a failed one: it may have landed).
func (db *DB) changed(written map[string]bool) {
	all := written[anyTable]
	if all || written["settings"] {
		db.settings.invalidate()
	}
	for t := range written {
		if all || cartCountTables[t] {
			db.cartCounts.invalidate()
			break
		}
	}
	for t := range written {
		if all || checkoutTables[t] {
			db.checkouts.invalidate()
			break
		}
	}
	for t := range written {
		if all || catalogTables[t] {
			db.catalog.invalidate()
			return
		}
	}
}
