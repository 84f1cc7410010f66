package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"kago/model"
	"kago/store/storetest"
)

func openTestDB(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), storetest.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var (
	familyNames = []string{"山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山口", "松本", "井上", "木村"}
	givenNames  = []string{"太郎", "花子", "一郎", "美咲", "健太", "陽菜", "翔太", "結衣"}
	statusCycle = []string{OrderCompleted, OrderCompleted, OrderCompleted, OrderCompleted, OrderCompleted, OrderCompleted,
		OrderNew, OrderNew, OrderShipped, OrderCanceled} // a shop with history: most orders are done
	payCycle = []string{"bank", "cod", "amazonpay"}
)

// seedOrders writes n orders, oldest first, one hour apart ending at end,
// with multi-row INSERTs in one transaction, and moves the sequences on so
// InsertOrder continues after them. Order i (1-based) gets ID i.
func seedOrders(t testing.TB, db *DB, n int, end time.Time) {
	t.Helper()
	const batch = 400
	start := end.Add(-time.Duration(n-1) * time.Hour)
	err := db.WithTx(context.Background(), func(tx *Tx) error {
		for lo := 1; lo <= n; lo += batch {
			hi := min(lo+batch-1, n)
			var sb strings.Builder
			args := make([]any, 0, (hi-lo+1)*25)
			sb.WriteString(`INSERT INTO orders (` + orderColumns + `, buyer_name) VALUES `)
			for i := lo; i <= hi; i++ {
				if i > lo {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, '', '', '', ?, ?, ?, ?, ?, ?, 0, 0, '', ?, ?, ?)")
				buyer := Address{FamilyName: familyNames[i%len(familyNames)], GivenName: givenNames[i/len(familyNames)%len(givenNames)],
					FamilyKana: "ヤマダ", GivenKana: "タロウ", Phone: "090-1234-5678", PostalCode: "100-0001",
					Prefecture: "東京都", City: "千代田区", Address1: "千代田1-1"}
				bj, _ := json.Marshal(buyer)
				dj, _ := json.Marshal(Destination{SameAsBuyer: true})
				pay := payCycle[i%len(payCycle)]
				at := unix(start.Add(time.Duration(i-1) * time.Hour))
				args = append(args, i, 100000+i, fmt.Sprintf("co-%d", i), statusCycle[i%len(statusCycle)], pay, "paid",
					fmt.Sprintf("buyer%d@example.com", i%5000), string(bj), string(dj), "宅配便",
					3000, 880, 0, 3880, 3880, 352, at, at, buyer.FullName())
			}
			if _, err := tx.exec(sb.String(), args...); err != nil {
				return err
			}
		}
		for _, name := range []string{"orders", "order_number"} {
			if _, err := tx.exec(`INSERT INTO sequences (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var seedEnd = time.Date(2025, 3, 31, 15, 0, 0, 0, time.UTC) // 2025-04-01 00:00 in Japan

func ids(list []OrderSummary) []int64 {
	out := make([]int64, len(list))
	for i, o := range list {
		out[i] = o.ID
	}
	return out
}

// allOrders reads orders 1..n one by one, newest first: the slow, obvious
// way, to check the searches against.
func allOrders(t *testing.T, db *DB, n int) []Order {
	t.Helper()
	out := make([]Order, 0, n)
	for id := int64(n); id >= 1; id-- {
		o, err := db.Order(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

// matching applies the filter to all orders in memory.
func matching(all []Order, f OrderFilter) []int64 {
	var out []int64
	for _, o := range all {
		switch {
		case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, o.Status),
			f.Number != 0 && o.Number != f.Number,
			f.NamePrefix != "" && !strings.HasPrefix(o.Buyer.FullName(), f.NamePrefix),
			f.Email != "" && o.Email != f.Email,
			!f.From.IsZero() && o.CreatedAt.Before(f.From),
			!f.Until.IsZero() && !o.CreatedAt.Before(f.Until),
			f.PaymentMethod != "" && o.PaymentMethod != f.PaymentMethod:
			continue
		}
		out = append(out, o.ID)
	}
	return out
}

func TestSearchOrdersFiltersAndPaging(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	db.now = func() time.Time { return seedEnd } // so "since" is a short span
	const n = 300
	seedOrders(t, db, n, seedEnd)
	all := allOrders(t, db, n)
	ctx := context.Background()
	filters := map[string]OrderFilter{
		"all":        {},
		"active tab": {Statuses: []string{OrderNew, OrderShipped}},
		"canceled":   {Statuses: []string{OrderCanceled}},
		"number":     {Number: 100123},
		"number tab": {Number: 100123, Statuses: []string{OrderNew, OrderShipped, OrderCanceled}},
		"name":       {NamePrefix: "山田"},
		"full name":  {NamePrefix: "佐藤 花子"},
		"email":      {Email: "buyer42@example.com"},
		"dates":      {From: seedEnd.Add(-100 * time.Hour), Until: seedEnd.Add(-20 * time.Hour)},
		"long span":  {Statuses: []string{OrderNew, OrderShipped}, From: seedEnd.AddDate(-3, 0, 0)},
		"since":      {Statuses: []string{OrderNew, OrderShipped}, From: seedEnd.Add(-50 * time.Hour)},
		"combined":   {Statuses: []string{OrderCompleted}, PaymentMethod: "cod", From: seedEnd.Add(-200 * time.Hour)},
		"nothing":    {NamePrefix: "存在しない"},
	}
	for name, f := range filters {
		want := matching(all, f)
		for _, limit := range []int{7, 40} {
			// Forward with 次へ until the end.
			var got []int64
			var pages []OrderPage
			cur := OrderCursor{}
			for {
				p, err := db.SearchOrders(ctx, f, cur, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Orders) > limit {
					t.Fatalf("%s: page of %d > %d", name, len(p.Orders), limit)
				}
				got = append(got, ids(p.Orders)...)
				pages = append(pages, p)
				if p.Older == 0 {
					break
				}
				if len(pages) > len(want)/limit+1 {
					t.Fatalf("%s/%d: paging does not end after %d pages", name, limit, len(pages))
				}
				cur = OrderCursor{After: p.Older}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s/%d: forward got %d orders %v..., want %d", name, limit, len(got), got[:min(len(got), 5)], len(want))
			}
			if pages[0].Newer != 0 {
				t.Errorf("%s: first page has a 前へ link", name)
			}
			// Back with 前へ from the last page: each page as it was.
			for i := len(pages) - 1; i > 0; i-- {
				p, err := db.SearchOrders(ctx, f, OrderCursor{Before: pages[i].Newer}, limit)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids(p.Orders), ids(pages[i-1].Orders)) {
					t.Fatalf("%s/%d: page %d backwards differs", name, limit, i-1)
				}
			}
		}
	}
}

func TestSearchOrdersCursorEdges(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	seedOrders(t, db, 30, seedEnd)
	ctx := context.Background()
	// A cursor past the end: empty page that links back.
	p, err := db.SearchOrders(ctx, OrderFilter{}, OrderCursor{After: 1}, 10)
	if err != nil || len(p.Orders) != 0 || p.Older != 0 || p.Newer != 1 {
		t.Fatalf("after the oldest: %+v %v", p, err)
	}
	// 前へ close to the top shows the full first page.
	p, err = db.SearchOrders(ctx, OrderFilter{}, OrderCursor{Before: 25}, 10)
	if err != nil || !slices.Equal(ids(p.Orders), []int64{30, 29, 28, 27, 26, 25, 24, 23, 22, 21}) || p.Newer != 0 || p.Older != 21 {
		t.Fatalf("before near the top: %v %+v %v", ids(p.Orders), p, err)
	}
	// A cursor beyond the newest order.
	p, err = db.SearchOrders(ctx, OrderFilter{}, OrderCursor{Before: 1 << 40}, 10)
	if err != nil || len(p.Orders) != 10 || p.Orders[0].ID != 30 {
		t.Fatalf("before beyond the top: %+v %v", p, err)
	}
}

func TestEachOrderStreamsEveryMatch(t *testing.T) { // not parallel: it sets exportChunk
	db := openTestDB(t)
	chunk := exportChunk
	exportChunk = 9
	t.Cleanup(func() { exportChunk = chunk })
	const n = 100 // several chunks
	seedOrders(t, db, n, seedEnd)
	f := OrderFilter{Statuses: []string{OrderCompleted, OrderCanceled}}
	var got []int64
	err := db.EachOrder(context.Background(), f, func(o Order) error {
		if o.Buyer.Phone == "" || !o.Destination.SameAsBuyer {
			t.Fatalf("order %d read without its JSON", o.ID)
		}
		got = append(got, o.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := matching(allOrders(t, db, n), f); !slices.Equal(got, want) {
		t.Fatalf("got %d orders, want %d", len(got), len(want))
	}
}

// BenchmarkOrderListPage measures one page of 受注一覧 among 100,000 orders:
// go test -run '^$' -bench BenchmarkOrderListPage -benchmem ./store/
func BenchmarkOrderListPage(b *testing.B) {
	db := openTestDB(b)
	const n = 100_000
	seedOrders(b, db, n, seedEnd)
	ctx := context.Background()
	if _, err := db.SearchOrders(ctx, OrderFilter{}, OrderCursor{}, 50); err != nil { // warm the reader
		b.Fatal(err)
	}
	active := []string{OrderNew, OrderShipped}
	cases := []struct {
		name string
		f    OrderFilter
		cur  OrderCursor
	}{
		{"first", OrderFilter{Statuses: active}, OrderCursor{}},
		{"deep", OrderFilter{Statuses: active}, OrderCursor{After: 1500}},
		{"deep-back", OrderFilter{Statuses: active}, OrderCursor{Before: 1500}},
		{"completed-deep", OrderFilter{Statuses: []string{OrderCompleted}}, OrderCursor{After: 2000}},
		{"name", OrderFilter{Statuses: active, NamePrefix: "山田"}, OrderCursor{}},
		{"name-deep", OrderFilter{Statuses: active, NamePrefix: "山田"}, OrderCursor{After: 3000}},
		{"email", OrderFilter{Email: "buyer42@example.com"}, OrderCursor{}},
		{"done-name-rare", OrderFilter{Statuses: []string{OrderCompleted}, NamePrefix: "存在しない"}, OrderCursor{}},
		{"done-name", OrderFilter{Statuses: []string{OrderCompleted}, NamePrefix: "山田 花子"}, OrderCursor{}},
		{"done-email", OrderFilter{Statuses: []string{OrderCompleted}, Email: "buyer40@example.com"}, OrderCursor{}},
		{"done-name-rare-deep", OrderFilter{Statuses: []string{OrderCompleted}, NamePrefix: "存在しない"}, OrderCursor{After: 50000}},
		{"done-all-dates", OrderFilter{Statuses: []string{OrderCompleted}, From: seedEnd.AddDate(-20, 0, 0), Until: seedEnd}, OrderCursor{}},
		{"done-from-only", OrderFilter{Statuses: []string{OrderCompleted}, From: seedEnd.AddDate(0, 0, -7)}, OrderCursor{}},
		{"done-old-month", OrderFilter{Statuses: []string{OrderCompleted}, From: seedEnd.AddDate(-10, 0, 0), Until: seedEnd.AddDate(-10, 1, 0)}, OrderCursor{}},
		{"no-status-all-dates", OrderFilter{From: seedEnd.AddDate(-20, 0, 0), Until: seedEnd}, OrderCursor{}},
		{"month", OrderFilter{Statuses: active, From: seedEnd.AddDate(0, -1, 0), Until: seedEnd}, OrderCursor{}},
		{"year-cod", OrderFilter{PaymentMethod: "cod", From: seedEnd.AddDate(-1, 0, 0), Until: seedEnd}, OrderCursor{}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				p, err := db.SearchOrders(ctx, c.f, c.cur, 50)
				if err != nil {
					b.Fatal(err)
				}
				_ = p
			}
		})
	}
}

func TestBuyerGiven(t *testing.T) {
	for _, tc := range []struct {
		family, given, want string
	}{
		{"山田", "太郎", "太郎"},
		{"山田", "　花子 ", "花子"},
		{"判図 太郎", "", "太郎"},         // Amazon's one name field, with a space
		{"判図　太郎", "", "太郎"},         // full-width space
		{"Taro Hanzu Jr", "", "Jr"}, // the last word
		{"判図太郎", "", ""},            // no space: no given name to tell
	} {
		if got := BuyerGiven(model.Address{FamilyName: tc.family, GivenName: tc.given}); got != tc.want {
			t.Errorf("BuyerGiven(%q, %q) = %q, want %q", tc.family, tc.given, got, tc.want)
		}
	}
}
