package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"kago/model"
)

func TestWrittenTable(t *testing.T) {
	for q, want := range map[string]string{
		"SELECT key, value FROM settings":                        "",
		"  select count(*) FROM products":                        "",
		"INSERT INTO settings (key, value) VALUES (?, ?)":        "settings",
		"INSERT OR IGNORE INTO cart_items(token) VALUES (?)":     "cart_items",
		"REPLACE INTO pages (slug, body) VALUES (?, ?)":          "pages",
		"UPDATE products SET stock = stock - ? WHERE id = ?":     "products",
		"UPDATE OR ROLLBACK orders SET status = ?":               "orders",
		"\n\t\tDELETE FROM product_images WHERE id = ?":          "product_images",
		"UPDATE sequences SET value = value + 1 RETURNING value": "sequences",
		"WITH x AS (SELECT 1) UPDATE products SET stock = 0":     anyTable,
		`INSERT INTO "categories" (id, name) VALUES (?, ?)`:      "categories",
		"PRAGMA wal_checkpoint":                                  anyTable,
	} {
		if got := writtenTable(q); got != want {
			t.Errorf("writtenTable(%q) = %q, want %q", q, got, want)
		}
	}
}

// The storefront's shelves are read once and kept; any committed write of
// a catalog table, stock included, shows at the next read, and a write of
// another table keeps the cache.
func TestCatalogCacheClearedByCatalogWrites(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	var p Product
	if err := db.WithTx(ctx, func(tx *Tx) error {
		var err error
		p, err = tx.InsertProduct(Product{Name: "深蒸し煎茶", Price: 1296, TaxRate: 8, Stock: 10, Published: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	shelf := model.ProductQuery{PublishedOnly: true, Limit: 24}
	read := func() Product {
		t.Helper()
		list, total, err := db.SearchProducts(ctx, shelf)
		if err != nil || total != 1 || len(list) != 1 {
			t.Fatalf("shelf: %v %d %v", list, total, err)
		}
		return list[0]
	}
	first := read()
	first.Stock = 999 // the caller's own copy
	if got := read(); got.Stock != 10 {
		t.Fatalf("a caller changed the cache: stock %d", got.Stock)
	}
	if err := db.WithTx(ctx, func(tx *Tx) error { return tx.TakeStock(p.ID, 3) }); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Stock != 7 {
		t.Fatalf("after taking stock: %d", got.Stock)
	}
	if got, err := db.Product(ctx, p.ID); err != nil || got.Stock != 7 {
		t.Fatalf("the product after taking stock: %d %v", got.Stock, err)
	}
	if ims, err := db.ProductImages(ctx, p.ID); err != nil || len(ims) != 0 {
		t.Fatalf("pictures before: %v %v", ims, err)
	}
	if err := db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.AddProductImage(p.ID, "/uploads/sencha.jpg")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if ims, err := db.ProductImages(ctx, p.ID); err != nil || len(ims) != 1 {
		t.Fatalf("pictures after adding one: %v %v", ims, err)
	}
	db.catalog.mu.Lock()
	gen := db.catalog.gen
	db.catalog.mu.Unlock()
	putSetting(t, db, "shop_name", "かご屋")
	db.catalog.mu.Lock()
	kept := db.catalog.gen == gen && len(db.catalog.entries) > 0
	db.catalog.mu.Unlock()
	if !kept {
		t.Fatal("a write of the settings cleared the catalog cache")
	}
	if cats, err := db.Categories(ctx, true); err != nil || len(cats) != 0 {
		t.Fatalf("categories before: %v %v", cats, err)
	}
	if err := db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.InsertCategory(model.Category{Name: "煎茶"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	cats, err := db.Categories(ctx, true)
	if err != nil || len(cats) != 1 || cats[0].Name != "煎茶" {
		t.Fatalf("categories after a new one: %v %v", cats, err)
	}
}

// The header's cart count is kept per cart; adding, an order taking lines
// and the cleanup deleting the cart (its lines go by ON DELETE CASCADE)
// each show at the next read.
func TestCartCountCacheSeesCartWrites(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	var p Product
	write := func(f func(tx *Tx) error) {
		t.Helper()
		if err := db.WithTx(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	write(func(tx *Tx) error {
		var err error
		p, err = tx.InsertProduct(Product{Name: "深蒸し煎茶", Price: 1296, TaxRate: 8, Stock: 10, Published: true})
		return err
	})
	count := func(want int64) {
		t.Helper()
		for range 2 { // the second read comes from the cache
			if n, err := db.CartCount(ctx, "cart-a"); err != nil || n != want {
				t.Fatalf("cart count %d %v, want %d", n, err, want)
			}
		}
	}
	count(0)
	write(func(tx *Tx) error {
		if err := tx.EnsureCart("cart-a"); err != nil {
			return err
		}
		return tx.SetCartQuantity("cart-a", p.ID, 3)
	})
	count(3)
	write(func(tx *Tx) error { return tx.TakeFromCart("cart-a", p.ID, 2) })
	count(1)
	write(func(tx *Tx) error {
		_, err := tx.DeleteAbandonedCarts(time.Now().Add(time.Hour), 10)
		return err
	})
	count(0)
}

// The cart page's reads are kept per cart and per checkout; a price or
// stock change, a saved draft and the order a draft became each show at
// the next read.
func TestShopperCachesSeeWrites(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	write := func(f func(tx *Tx) error) {
		t.Helper()
		if err := db.WithTx(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	var p Product
	write(func(tx *Tx) error {
		var err error
		if p, err = tx.InsertProduct(Product{Name: "深蒸し煎茶", Price: 1296, TaxRate: 8, Stock: 10, Published: true}); err != nil {
			return err
		}
		if err := tx.EnsureCart("cart-a"); err != nil {
			return err
		}
		if err := tx.SetCartQuantity("cart-a", p.ID, 2); err != nil {
			return err
		}
		return tx.PutCheckout(Checkout{ID: "co-1", CartToken: "cart-a", Data: []byte(`{"v":1}`)})
	})
	line := func(price, stock int64) {
		t.Helper()
		for range 2 { // the second read comes from the cache
			ls, err := db.CartLines(ctx, "cart-a")
			if err != nil || len(ls) != 1 || ls[0].Product.Price != price || ls[0].Product.Stock != stock || ls[0].Quantity != 2 {
				t.Fatalf("cart lines %+v %v, want price %d stock %d", ls, err, price, stock)
			}
			ls[0].Product.Price = -1 // the caller's own copy
		}
	}
	draft := func(data string, order int64) {
		t.Helper()
		for range 2 {
			c, err := db.Checkout(ctx, "co-1")
			if err != nil || string(c.Data) != data {
				t.Fatalf("checkout %s %v, want %s", c.Data, err, data)
			}
			c.Data[0] = 'x'
			o, err := db.OrderByCheckout(ctx, "co-1")
			switch {
			case order == 0 && !errors.Is(err, ErrNotFound):
				t.Fatalf("order of the checkout: %+v %v, want none", o, err)
			case order != 0 && (err != nil || o.ID != order):
				t.Fatalf("order of the checkout: %d %v, want %d", o.ID, err, order)
			}
		}
	}
	line(1296, 10)
	draft(`{"v":1}`, 0)
	write(func(tx *Tx) error {
		p.Price = 1404
		return tx.UpdateProduct(p)
	})
	line(1404, 10)
	write(func(tx *Tx) error { return tx.TakeStock(p.ID, 3) })
	line(1404, 7)
	write(func(tx *Tx) error {
		return tx.PutCheckout(Checkout{ID: "co-1", CartToken: "cart-a", Data: []byte(`{"v":2}`)})
	})
	draft(`{"v":2}`, 0)
	var o Order
	write(func(tx *Tx) error {
		o = Order{CheckoutID: "co-1", Status: OrderNew, PaymentMethod: "bank", PaymentStatus: "unpaid", Email: "a@example.jp",
			Subtotal: 2808, Total: 2808, Lines: []OrderLine{{ProductID: p.ID, Name: p.Name, UnitPrice: 1404, TaxRate: 8, Quantity: 2}}}
		return tx.InsertOrder(&o, "test")
	})
	draft(`{"v":2}`, o.ID)
}
