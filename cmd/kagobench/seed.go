package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"kago/mail"
	"kago/shop"
	"kago/static"
	"kago/store"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"
)

// seeded is what the run needs to know about the seeded shop.
type seeded struct {
	database     string  // SQLite, or PostgreSQL and its version
	productPage  int64   // a product with pictures, for the product page
	cartProducts []int64 // the three products in the benchmark cart
	orderNumber  int64   // an order of the admin's first tab, to search for
	adminEmail   string  // the admin the run signs in as
	adminPass    string
	took         time.Duration
	counts       [2]int // products, orders
}

// seedShop creates the shop in the database that dbURL names (store.Open's
// sqlite:PATH or postgres://...), with dir as its data directory: the demo
// catalog plus products up to nProducts (stock for every order of the run),
// nOrders orders spread over the last year (bank, cash on delivery, and
// Amazon Pay with its payment row), the admin, and the shop's emulator
// key, as kago serve would. A database that already has products is
// refused: the orders' IDs would collide.
func seedShop(ctx context.Context, dir, dbURL string, nProducts, nOrders int) (seeded, error) {
	began := time.Now()
	sd := seeded{adminEmail: "bench@example.com", adminPass: "bench-password-0001", counts: [2]int{nProducts, nOrders}}
	end := time.Now().UTC()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return sd, err
	}
	db, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		return sd, err
	}
	defer db.Close()
	if existing, err := db.Products(ctx, true); err != nil {
		return sd, err
	} else if len(existing) > 0 {
		return sd, fmt.Errorf("%s already has %d products: the bench seeds a new, empty database (createdb another)", redact(dbURL), len(existing))
	}
	s := shop.New(db, mail.NewOutbox(mail.SMTPConfig{}), slog.New(slog.NewTextHandler(io.Discard, nil)), filepath.Join(dir, "uploads"))
	if _, err := s.SeedDemo(ctx, static.Prefix); err != nil {
		return sd, err
	}
	demo, err := db.Products(ctx, true)
	if err != nil || len(demo) == 0 {
		return sd, fmt.Errorf("demo catalog: %v", err)
	}
	var products []store.Product
	err = db.WithTx(ctx, func(tx *store.Tx) error {
		for _, p := range demo {
			p.Stock = 1_000_000
			if err := tx.UpdateProduct(p); err != nil {
				return err
			}
			products = append(products, p)
		}
		for i := len(demo); i < nProducts; i++ {
			d := demo[i%len(demo)]
			p, err := tx.InsertProduct(store.Product{Name: fmt.Sprintf("%s（ベンチ用 %04d）", d.Name, i+1), Description: d.Description,
				Price: d.Price + int64(i%7)*100, TaxRate: d.TaxRate, Stock: 1_000_000, Published: true, ImagePath: d.ImagePath,
				SortOrder: 1000 + i, MemberPrice: sql.NullInt64{}})
			if err != nil {
				return err
			}
			products = append(products, p)
		}
		return nil
	})
	if err != nil {
		return sd, err
	}
	sd.productPage = demo[0].ID
	sd.cartProducts = []int64{demo[0].ID, demo[1%len(demo)].ID, demo[2%len(demo)].ID}

	if _, err := s.EnsureAdmin(ctx, sd.adminEmail, sd.adminPass); err != nil {
		return sd, err
	}
	if _, _, _, _, err := s.EmulatorMerchant(ctx); err != nil {
		return sd, err
	}
	if err := db.Close(); err != nil {
		return sd, err
	}
	fmt.Fprintf(progressOut, "kagobench:   catalog, admin and key in %.1f s\n", time.Since(began).Seconds())
	if sd.orderNumber, sd.database, err = seedOrders(ctx, dbURL, products, nOrders, end); err != nil {
		return sd, err
	}
	sd.took = time.Since(began)
	return sd, nil
}

// seedOrders writes n orders straight into the database that dbURL names,
// many rows per statement in one transaction: through the store's
// InsertOrder they took minutes on a busy machine, this way seconds. The
// rows are what store.InsertOrder and InsertAmazonPayment write (the JSON
// of the store's own types); a schema change that breaks them fails the run
// loudly. On PostgreSQL the tables are analyzed after, as autovacuum would
// have done in a shop that took these orders over a year. It returns the
// number of an order in the admin's first tab (新規受付), and the database's
// name and version.
func seedOrders(ctx context.Context, dbURL string, products []store.Product, n int, end time.Time) (number int64, database string, err error) {
	pg := strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://")
	driver, dsn := "sqlite", "file:"+strings.TrimPrefix(dbURL, "sqlite:")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)"
	if pg {
		driver, dsn = "pgx", dbURL
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return 0, "", err
	}
	defer db.Close()
	// exec runs q, whose placeholders are ?, numbered $1... on PostgreSQL.
	exec := func(tx *sql.Tx, q string, args ...any) error {
		if pg {
			var b strings.Builder
			k := 0
			for part := range strings.SplitSeq(q, "?") {
				if k > 0 {
					b.WriteString("$" + strconv.Itoa(k))
				}
				b.WriteString(part)
				k++
			}
			q = b.String()
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, "", err
	}
	defer tx.Rollback()
	statuses := []string{store.OrderCompleted, store.OrderCompleted, store.OrderShipped, store.OrderNew, store.OrderCompleted, store.OrderCanceled}
	payments := []string{shop.PayBank, shop.PayAmazon, shop.PayCOD, shop.PayAmazon, shop.PayBank}
	families := []string{"山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村"}
	givens := []string{"太郎", "花子", "一郎", "さくら", "健", "陽子"}
	dest, _ := json.Marshal(store.Destination{SameAsBuyer: true})
	step := 365 * 24 * time.Hour / time.Duration(max(1, n))
	tables := []struct{ head, row string }{
		{`INSERT INTO orders (id, number, checkout_id, status, payment_method, payment_status, email, buyer, destination, buyer_name,
			delivery_method, subtotal, shipping_fee, cod_fee, total, total_10, tax_10, total_8, tax_8, created_at, updated_at) VALUES `,
			`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)`},
		{`INSERT INTO order_lines (order_id, line_no, product_id, name, unit_price, tax_rate, quantity) VALUES `, `(?, 1, ?, ?, ?, ?, ?)`},
		{`INSERT INTO order_history (id, order_id, at, actor, action, detail) VALUES `, `(?, ?, ?, 'お客様', '受注', '')`},
		{`INSERT INTO amazon_payments (order_id, checkout_session_id, state, sale_method, allow_increase, product_type,
			charge_permission_id, charge_id, amazon_state, reason_code, reason_text, amount, instrument, buyer_id, snapshot,
			environment, merchant_reference, client_key, stock_released, created_at, updated_at) VALUES `,
			`(?, ?, 'done', 'AuthorizeWithCapture', 0, 'PayAndShip', ?, ?, 'Captured', '', '', ?, 'Visa ****1111', 'amzn1.account.BENCH', '{}', 'emulator', ?, '', 0, ?, ?)`},
	}
	const chunk = 400
	for lo := 0; lo < n; lo += chunk {
		rows := make([][]string, len(tables))
		args := make([][]any, len(tables))
		for i := lo; i < min(lo+chunk, n); i++ {
			id := int64(i + 1)
			p, q := products[i%len(products)], int64(1+i%3)
			buyer := store.Address{FamilyName: families[i%len(families)], GivenName: givens[i/len(families)%len(givens)],
				FamilyKana: "ヤマダ", GivenKana: "タロウ", Phone: "090-1234-5678", PostalCode: "411-0901",
				Prefecture: "静岡県", City: "駿東郡清水町", Address1: "新宿823-1"}
			bj, _ := json.Marshal(buyer)
			sub, ship := p.Price*q, int64(880)
			if sub >= 8000 {
				ship = 0
			}
			t10, x10, t8, x8 := sub, sub/11, int64(0), int64(0)
			if p.TaxRate == 8 {
				t10, x10, t8, x8 = 0, 0, sub, sub*8/108
			}
			at := end.Add(-time.Duration(n-i) * step).Unix()
			status, pay := statuses[i%len(statuses)], payments[i%len(payments)]
			if status == store.OrderNew {
				number = 100000 + id
			}
			rows[0], args[0] = append(rows[0], tables[0].row), append(args[0], id, 100000+id, fmt.Sprintf("bench-%d", i), status, pay,
				shop.PaymentPaid, fmt.Sprintf("buyer%d@example.com", i%5000), string(bj), string(dest), buyer.FullName(),
				shop.DeliveryTakkyubin, sub, ship, sub+ship, t10, x10, t8, x8, at, at)
			rows[1], args[1] = append(rows[1], tables[1].row), append(args[1], id, p.ID, p.Name, p.Price, p.TaxRate, q)
			rows[2], args[2] = append(rows[2], tables[2].row), append(args[2], id, id, at)
			if pay == shop.PayAmazon {
				ref := fmt.Sprintf("S03-%07d-%07d", i/10000, i%10000)
				rows[3], args[3] = append(rows[3], tables[3].row), append(args[3], id, fmt.Sprintf("bench-session-%d", i), ref,
					ref+"-C00001", sub+ship, strconv.FormatInt(100000+id, 10), at, at)
			}
		}
		for t, r := range rows {
			if len(r) == 0 {
				continue
			}
			if err := exec(tx, tables[t].head+strings.Join(r, ", "), args[t]...); err != nil {
				return 0, "", fmt.Errorf("seed orders: %w", err)
			}
		}
	}
	for _, name := range []string{"orders", "order_number", "order_history"} {
		if err := exec(tx, `INSERT INTO sequences (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, n); err != nil {
			return 0, "", err
		}
	}
	// A shop with a year of orders has run its daily reconciliation within
	// the last day. Left due, the first start would run it during the
	// measurements: it asks the emulator for each of the ~20,000 seeded
	// Amazon Pay orders of the last 180 days, which the emulator never
	// saw, for minutes of signed calls.
	if err := exec(tx, `INSERT INTO jobs (name, label, interval_seconds, next_run_at, last_finished_at, runs)
		VALUES (?, ?, ?, ?, ?, 1)`, shop.ReconcileJob, shop.ReconcileJob, 24*60*60, end.Add(24*time.Hour).Unix(), end.Unix()); err != nil {
		return 0, "", err
	}
	if err := tx.Commit(); err != nil {
		return 0, "", err
	}
	if !pg {
		err = db.QueryRowContext(ctx, `SELECT 'SQLite ' || sqlite_version()`).Scan(&database)
		return number, database, err
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		return 0, "", err
	}
	err = db.QueryRowContext(ctx, `SELECT 'PostgreSQL ' || current_setting('server_version')`).Scan(&database)
	return number, database, err
}

// redact is dbURL without its password, for messages.
func redact(dbURL string) string {
	if u, err := url.Parse(dbURL); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dbURL
}
