package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kago/model"
	"kago/store"
	"kago/store/storetest"
)

func openDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), storetest.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func addProduct(t testing.TB, db *store.DB, stock int64) store.Product {
	t.Helper()
	var p store.Product
	err := db.WithTx(context.Background(), func(tx *store.Tx) error {
		var err error
		p, err = tx.InsertProduct(store.Product{Name: "煎茶", Price: 1080, TaxRate: 8, Stock: stock, Published: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMigrationsFromEmptyAndReopen(t *testing.T) {
	path := storetest.URL(t)
	for range 2 { // the second open finds everything applied
		db, err := store.Open(context.Background(), path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Products(context.Background(), false); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
}

// Instances that start together on an empty PostgreSQL database migrate
// it one at a time (goose's session lock): each finds the schema whole.
// PostgreSQL only: an SQLite file has one kago; two started at once on a
// new file may both apply the first migration (goose has no SQLite lock).
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	if !storetest.Postgres() {
		t.Skip("PostgreSQL only")
	}
	url := storetest.URL(t)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			db, err := store.Open(context.Background(), url, nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer db.Close()
			if _, err := db.Products(context.Background(), false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestTakeStockNeverBelowZero(t *testing.T) {
	db := openDB(t)
	p := addProduct(t, db, 3)
	ctx := context.Background()
	take := func(n int64) error {
		return db.WithTx(ctx, func(tx *store.Tx) error { return tx.TakeStock(p.ID, n) })
	}
	if err := take(2); err != nil {
		t.Fatal(err)
	}
	if err := take(2); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("taking more than left: got %v, want ErrConflict", err)
	}
	got, _ := db.Product(ctx, p.ID)
	if got.Stock != 1 {
		t.Fatalf("stock = %d, want 1", got.Stock)
	}
}

// TestRollbackLeavesNothing injects a failure after the stock update and the
// order insert: neither the order nor the stock change remains.
func TestRollbackLeavesNothing(t *testing.T) {
	db := openDB(t)
	p := addProduct(t, db, 5)
	ctx := context.Background()
	injected := errors.New("injected failure after the stock update")
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		if err := tx.TakeStock(p.ID, 2); err != nil {
			return err
		}
		o := store.Order{CheckoutID: "c1", Status: store.OrderNew, PaymentMethod: "bank", PaymentStatus: "unpaid", Email: "a@example.jp",
			Subtotal: 2160, Total: 2160, Lines: []store.OrderLine{{ProductID: p.ID, Name: p.Name, UnitPrice: 1080, TaxRate: 8, Quantity: 2}}}
		if err := tx.InsertOrder(&o, "test"); err != nil {
			return err
		}
		return injected
	})
	if !errors.Is(err, injected) {
		t.Fatalf("err = %v", err)
	}
	got, _ := db.Product(ctx, p.ID)
	if got.Stock != 5 {
		t.Fatalf("stock after rollback = %d, want 5", got.Stock)
	}
	if _, err := db.Order(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an order survived the rollback: %v", err)
	}
}

// TestConcurrentCartWrites runs 50 goroutines doing read-modify-write on carts
// and stock at once: none may see SQLITE_BUSY, and no unit may be lost.
func TestConcurrentCartWrites(t *testing.T) {
	db := openDB(t)
	p := addProduct(t, db, 1000)
	ctx := context.Background()
	const workers = 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Go(func() {
			token := fmt.Sprintf("cart-%02d", i%10) // ten carts shared by five writers each
			for range 4 {
				err := db.WithTx(ctx, func(tx *store.Tx) error {
					if err := tx.EnsureCart(token); err != nil {
						return err
					}
					have, err := tx.CartQuantity(token, p.ID)
					if err != nil {
						return err
					}
					if err := tx.SetCartQuantity(token, p.ID, have+1); err != nil {
						return err
					}
					return tx.TakeStock(p.ID, 1)
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write failed: %v", err)
	}
	var total int64
	for i := range 10 {
		lines, err := db.CartLines(ctx, fmt.Sprintf("cart-%02d", i))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			total += l.Quantity
		}
	}
	got, _ := db.Product(ctx, p.ID)
	if total != workers*4 || got.Stock != 1000-workers*4 {
		t.Fatalf("cart total %d, stock %d; want %d and %d", total, got.Stock, workers*4, 1000-workers*4)
	}
}

func TestOutboxClaimIsExclusive(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		_, err := tx.EnqueueMail(store.Mail{Kind: "test", From: "a@example.com", To: "b@example.com", Subject: "件名", Body: "本文", Status: store.MailQueued})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	msgID := func(store.Mail) string { return "given@example.com" }
	m, err := db.ClaimMail(ctx, "worker-a", time.Minute, msgID)
	if err != nil || m.Attempts != 1 || m.MessageID != "given@example.com" {
		t.Fatalf("claim: %+v %v", m, err)
	}
	if _, err := db.ClaimMail(ctx, "worker-b", time.Minute, msgID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second claim while the first holds it: %v", err)
	}
	// Only the holder puts it back in the queue.
	if err := db.RetryMailAt(ctx, m.ID, "worker-b", db.Now(), "not mine"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Mail(ctx, m.ID); got.Status != store.MailSending || got.MessageID != "given@example.com" {
		t.Fatalf("after another worker's retry: %+v", got)
	}
}

func TestAddressStreet(t *testing.T) {
	for _, c := range []struct {
		a    store.Address
		want string
	}{
		{store.Address{Prefecture: "東京都", City: "千代田区", Address1: "丸の内1-1-1", Address2: "丸の内ビル12階"}, "東京都千代田区丸の内1-1-1 丸の内ビル12階"},
		{store.Address{Prefecture: "東京都", City: "Shibuya-ku", Address1: "Jingumae 1-2-3", Address2: "Harajuku Mansion 101"}, "東京都 Shibuya-ku Jingumae 1-2-3 Harajuku Mansion 101"},
		{store.Address{Prefecture: "大阪府", City: "大阪市北区", Address1: "1-1"}, "大阪府大阪市北区1-1"},
		{store.Address{Prefecture: "北海道", City: "Sapporo", Address1: "北一条西2-1"}, "北海道 Sapporo 北一条西2-1"},
	} {
		if got := c.a.Street(); got != c.want {
			t.Errorf("Street() = %q, want %q", got, c.want)
		}
	}
}

// The catalog search ignores the case of ASCII letters on both databases
// (SQLite's LIKE does, PostgreSQL's does not), and only theirs.
func TestSearchProductsIgnoresASCIICase(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		for _, p := range []store.Product{
			{Name: "Matcha Latte", Description: "抹茶ラテ", Price: 500, TaxRate: 8, Published: true},
			{Name: "ほうじ茶", Description: "Roasted GREEN tea", Price: 600, TaxRate: 8, Published: true},
			{Name: "Ｇｒｅｅｎ", Price: 700, TaxRate: 8, Published: true},
		} {
			if _, err := tx.InsertProduct(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    model.ProductQuery
		want []string
	}{
		{model.ProductQuery{Text: "MATCHA"}, []string{"Matcha Latte"}},
		{model.ProductQuery{Text: "green", PublishedOnly: true}, []string{"ほうじ茶"}},
		{model.ProductQuery{Text: "Ｇｒｅｅｎ"}, []string{"Ｇｒｅｅｎ"}},
		{model.ProductQuery{Text: "ｇｒｅｅｎ"}, nil},
	} {
		c.q.Limit = 10
		got, _, err := db.SearchProducts(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range got {
			names = append(names, p.Name)
		}
		if !slices.Equal(names, c.want) {
			t.Errorf("%+v found %q, want %q", c.q, names, c.want)
		}
	}
}

// twoInstances opens one new database twice: two pools, on PostgreSQL two
// processes' worth of connections.
func twoInstances(t *testing.T) [2]*store.DB {
	t.Helper()
	url := storetest.URL(t)
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := store.Open(context.Background(), url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs
}

// Two instances on one database race to sell the last items with a plain
// read-modify-write in WithTx: each item is sold once, as if the
// transactions ran one after another.
func TestTwoInstancesSellEachItemOnce(t *testing.T) {
	ctx := context.Background()
	dbs := twoInstances(t)
	p := addProduct(t, dbs[0], 5)
	errSoldOut := errors.New("sold out")
	var sold atomic.Int64
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			for range 2 {
				err := dbs[i%2].WithTx(ctx, func(tx *store.Tx) error {
					cur, err := tx.Product(p.ID)
					if err != nil {
						return err
					}
					if cur.Stock == 0 {
						return errSoldOut
					}
					cur.Stock--
					return tx.PatchProduct(cur, []string{"stock"})
				})
				switch {
				case err == nil:
					sold.Add(1)
				case !errors.Is(err, errSoldOut):
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	left, err := dbs[1].Product(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sold.Load() != 5 || left.Stock != 0 {
		t.Fatalf("sold %d of 5, %d left", sold.Load(), left.Stock)
	}
}

// Behind a load balancer one shopper's requests alternate between
// instances: what one instance writes to their cart and checkout, the
// other reads at once (PostgreSQL; one SQLite file serves one process).
func TestOtherInstanceSeesShoppersCartAndCheckout(t *testing.T) {
	if !storetest.Postgres() {
		t.Skip("several instances share a database on PostgreSQL only")
	}
	ctx := context.Background()
	dbs := twoInstances(t)
	a, b := dbs[0], dbs[1]
	p := addProduct(t, a, 5)
	write := func(db *store.DB, f func(tx *store.Tx) error) {
		t.Helper()
		if err := db.WithTx(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	write(a, func(tx *store.Tx) error {
		if err := tx.EnsureCart("cart-a"); err != nil {
			return err
		}
		return tx.PutCheckout(store.Checkout{ID: "co-1", CartToken: "cart-a", Data: []byte(`{"v":1}`)})
	})
	for quantity := int64(1); quantity <= 3; quantity++ {
		write(a, func(tx *store.Tx) error { return tx.SetCartQuantity("cart-a", p.ID, quantity) })
		write(a, func(tx *store.Tx) error {
			return tx.PutCheckout(store.Checkout{ID: "co-1", CartToken: "cart-a", Data: fmt.Appendf(nil, `{"v":%d}`, quantity)})
		})
		n, err := b.CartCount(ctx, "cart-a")
		if err != nil || n != quantity {
			t.Fatalf("instance b counts %d %v, want %d", n, err, quantity)
		}
		ls, err := b.CartLines(ctx, "cart-a")
		if err != nil || len(ls) != 1 || ls[0].Quantity != quantity {
			t.Fatalf("instance b reads lines %+v %v, want quantity %d", ls, err, quantity)
		}
		c, err := b.Checkout(ctx, "co-1")
		if want := fmt.Sprintf(`{"v":%d}`, quantity); err != nil || string(c.Data) != want {
			t.Fatalf("instance b reads checkout %s %v, want %s", c.Data, err, want)
		}
	}
}

// Many writers on two instances, each a read-modify-write of one hot row
// (a product's stock) and an insert that takes the next ID: on
// PostgreSQL they collide again and again, and every one must still
// finish (a transaction that lost three times runs alone), none twice.
func TestHotRowWritersAllFinish(t *testing.T) {
	ctx := context.Background()
	dbs := twoInstances(t)
	const writers, each = 64, 15
	p := addProduct(t, dbs[0], writers*each)
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for i := range writers {
		wg.Go(func() {
			for range each {
				errs <- dbs[i%2].WithTx(ctx, func(tx *store.Tx) error {
					cur, err := tx.Product(p.ID)
					if err != nil {
						return err
					}
					cur.Stock--
					if _, err := tx.InsertProduct(store.Product{Name: "新茶", Price: 1, TaxRate: 8, Stock: 1}); err != nil {
						return err
					}
					return tx.UpdateProduct(cur)
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a writer gave up: %v", err)
		}
	}
	if cur, err := dbs[1].Product(ctx, p.ID); err != nil || cur.Stock != 0 {
		t.Fatalf("stock %d %v, want 0: each of %d writes once", cur.Stock, err, writers*each)
	}
}

func TestOpenRefusesUnknownDatabaseURLs(t *testing.T) {
	for _, u := range []string{"mysql://kago:secret@db/kago", "sqlite:", ""} {
		db, err := store.Open(context.Background(), u, nil)
		if err == nil {
			db.Close()
			t.Errorf("%q opened", u)
			continue
		}
		if !strings.Contains(err.Error(), "want sqlite:PATH or postgres://") || strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: %v", u, err)
		}
	}
}
