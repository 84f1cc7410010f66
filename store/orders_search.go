package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OrderSummary is one row of the admin's order list (受注一覧).
type OrderSummary struct {
	ID            int64
	Number        int64
	Status        string
	PaymentMethod string
	PaymentStatus string
	Email         string
	BuyerName     string
	Total         int64
	CreatedAt     time.Time
}

// spacedNames are the ways one word may be a family and a given name typed
// without the space that buyer_name keeps between them (「山田花子」: 山 田花子,
// 山田 花子, 山田花 子), for a word of up to maxSpacedName characters; each
// is an index range of its own.
func spacedNames(word string) []string {
	r := []rune(word)
	if len(r) < 2 || len(r) > maxSpacedName {
		return nil
	}
	out := make([]string, 0, len(r)-1)
	for i := 1; i < len(r); i++ {
		out = append(out, string(r[:i])+" "+string(r[i:]))
	}
	return out
}

// maxSpacedName bounds the words spacedNames splits: longer is no name.
const maxSpacedName = 12

// OrderFilter narrows the order list; a zero field matches every order.
type OrderFilter struct {
	Statuses   []string // any of these statuses
	Number     int64    // the shop order number, exactly
	NamePrefix string   // buyer_name starts with this (前方一致)
	// GivenToo: NamePrefix (one word) also matches orders whose buyer's
	// given name starts with it (「太郎」 finds 山田 太郎), and the full name
	// typed without its space (「山田花子」 finds 山田 花子).
	GivenToo bool
	// Reference is the Amazonリファレンス ID (外部決済注文番号), exactly.
	Reference     string
	Email         string    // the e-mail address, exactly
	From, Until   time.Time // created_at in [From, Until)
	PaymentMethod string
	// DeadlineWithin: Amazon Pay orders whose deadline (capture or
	// authorization) is past or at most this far ahead.
	DeadlineWithin time.Duration
	PaymentStatus  string // payment_status, exactly (入金待ち, 入金済み ...)
	// PaymentStatuses: payment_status is one of these (決済状況).
	PaymentStatuses []string
}

// OrderCursor picks a page of the list, which runs newest first: After an ID
// lists the orders older than it (次へ), Before an ID the ones newer than it
// (前へ). Both zero is the first page.
type OrderCursor struct {
	After, Before int64
}

// OrderPage is one page of the list with the cursors to its neighbours;
// a zero cursor means there is no such page.
type OrderPage struct {
	Orders []OrderSummary
	Older  int64 // OrderCursor.After for the next page
	Newer  int64 // OrderCursor.Before for the previous page
}

const summaryColumns = `id, number, status, payment_method, payment_status, email, buyer_name, total, created_at`

func scanSummary(s scanner) (OrderSummary, error) {
	var o OrderSummary
	var created int64
	err := s.Scan(&o.ID, &o.Number, &o.Status, &o.PaymentMethod, &o.PaymentStatus, &o.Email, &o.BuyerName, &o.Total, &created)
	o.CreatedAt = fromUnix(created)
	return o, mapErr(err)
}

// maxRune ends the upper bound of a prefix range: every string that starts
// with p sorts below p+maxRune in a byte-wise (BINARY / "C") collation.
const maxRune = "\U0010FFFF"

// wideSpan is the date span beyond which reading a status in id order and
// skipping the few orders outside the span beats sorting the whole span.
const wideSpan = 400 * 24 * time.Hour

// where renders the filter, all but its statuses, as SQL conditions joined by
// AND (never empty), and names the id expression to page on.
//
// It also chooses the index that drives the query, portably: a column
// written as "col + 0" cannot use an index. A name prefix or a short date
// span seeks by (status, buyer_name) or (status, created_at) and sorts the
// few matches by id, so paging must not offer the planner (status, id); a
// long date span reads (status, id) newest first and filters, because the
// span holds most orders anyway. Equality on number or e-mail wins over all.
func (f OrderFilter) where(now time.Time) (where string, args []any, idCol string) {
	conds, idCol := []string{"1 = 1"}, "id"
	created := "created_at"
	if !f.From.IsZero() || !f.Until.IsZero() {
		from, until := f.From, f.Until
		if until.IsZero() {
			until = now
		}
		if from.IsZero() || until.Sub(from) > wideSpan {
			created = "created_at + 0"
		} else if f.Number == 0 && f.Email == "" && f.Reference == "" {
			idCol = "id + 0"
		}
	}
	if f.NamePrefix != "" && f.Number == 0 && f.Email == "" && f.Reference == "" {
		idCol = "id + 0"
	}
	if f.Number != 0 {
		conds, args = append(conds, "number = ?"), append(args, f.Number)
	}
	if f.Reference != "" {
		conds, args = append(conds, "id IN (SELECT order_id FROM amazon_payments WHERE charge_permission_id = ?)"), append(args, f.Reference)
	}
	switch {
	case f.NamePrefix != "" && f.GivenToo:
		ors := []string{"(buyer_name >= ? AND buyer_name < ?)", "(buyer_given >= ? AND buyer_given < ?)"}
		args = append(args, f.NamePrefix, f.NamePrefix+maxRune, f.NamePrefix, f.NamePrefix+maxRune)
		for _, v := range spacedNames(f.NamePrefix) {
			ors, args = append(ors, "(buyer_name >= ? AND buyer_name < ?)"), append(args, v, v+maxRune)
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	case f.NamePrefix != "":
		conds, args = append(conds, "buyer_name >= ? AND buyer_name < ?"), append(args, f.NamePrefix, f.NamePrefix+maxRune)
	}
	if f.Email != "" {
		conds, args = append(conds, "email = ?"), append(args, f.Email)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, created+" >= ?"), append(args, unix(f.From))
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, created+" < ?"), append(args, unix(f.Until))
	}
	if f.PaymentMethod != "" {
		conds, args = append(conds, "payment_method = ?"), append(args, f.PaymentMethod)
	}
	if f.DeadlineWithin > 0 {
		conds = append(conds, "id IN (SELECT order_id FROM amazon_charge_permissions WHERE deadline_at > 0 AND deadline_at <= ?)")
		args = append(args, unix(now.Add(f.DeadlineWithin)))
	}
	if f.PaymentStatus != "" {
		conds, args = append(conds, "payment_status = ?"), append(args, f.PaymentStatus)
	}
	if len(f.PaymentStatuses) > 0 {
		conds = append(conds, "payment_status IN (?"+strings.Repeat(", ?", len(f.PaymentStatuses)-1)+")")
		for _, st := range f.PaymentStatuses {
			args = append(args, st)
		}
	}
	return strings.Join(conds, " AND "), args, idCol
}

// selectOrders builds a query for up to limit rows of cols that match f,
// ordered by id (newest first unless ascending), past the cursor id when it
// is not zero. Several statuses become one arm per status joined by UNION
// ALL, so each arm reads its own (status, ...) index in order and stops
// early, instead of one IN that sorts every order of the tab.
func (f OrderFilter) selectOrders(now time.Time, cols string, cursor int64, ascending bool, limit int) (string, []any) {
	where, wargs, idCol := f.where(now)
	order, cmp := "DESC", "<"
	if ascending {
		order, cmp = "ASC", ">"
	}
	arm := func(status string) (string, []any) {
		q, args := `SELECT `+cols+` FROM orders WHERE `+where, slices.Clone(wargs)
		if status != "" {
			q, args = q+` AND status = ?`, append(args, status)
		}
		if cursor > 0 {
			q, args = q+` AND `+idCol+` `+cmp+` ?`, append(args, cursor)
		}
		return q + ` ORDER BY id ` + order + ` LIMIT ?`, append(args, limit)
	}
	switch len(f.Statuses) {
	case 0:
		return arm("")
	case 1:
		return arm(f.Statuses[0])
	}
	var parts []string
	var args []any
	for i, st := range f.Statuses {
		q, a := arm(st)
		parts, args = append(parts, `SELECT * FROM (`+q+`) AS s`+strconv.Itoa(i)), append(args, a...)
	}
	return strings.Join(parts, ` UNION ALL `) + ` ORDER BY id ` + order + ` LIMIT ?`, append(args, limit)
}

// summaries runs one page query of the order list.
func (db *DB) summaries(ctx context.Context, f OrderFilter, cursor int64, ascending bool, limit int) ([]OrderSummary, error) {
	q, args := f.selectOrders(db.Now(), summaryColumns, cursor, ascending, limit)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanSummaries(rows)
}

// SearchOrders lists one page of the orders that match f, newest first, with
// keyset paging on id: the cost of a page does not grow with its depth.
func (db *DB) SearchOrders(ctx context.Context, f OrderFilter, cur OrderCursor, limit int) (OrderPage, error) {
	var page OrderPage
	if cur.Before > 0 {
		list, err := db.summaries(ctx, f, cur.Before, true, limit+1)
		if err != nil {
			return page, err
		}
		if len(list) <= limit {
			// Back at the newest orders: show a full first page rather
			// than a short one.
			return db.SearchOrders(ctx, f, OrderCursor{}, limit)
		}
		list = list[:limit]
		slices.Reverse(list)
		page.Orders, page.Newer, page.Older = list, list[0].ID, list[len(list)-1].ID
		return page, nil
	}
	list, err := db.summaries(ctx, f, cur.After, false, limit+1)
	if err != nil {
		return page, err
	}
	if len(list) > limit {
		list = list[:limit]
		page.Older = list[limit-1].ID
	}
	if cur.After > 0 {
		page.Newer = cur.After
		if len(list) > 0 {
			page.Newer = list[0].ID
		}
	}
	page.Orders = list
	return page, nil
}

func scanSummaries(rows *sql.Rows) ([]OrderSummary, error) {
	defer rows.Close()
	var out []OrderSummary
	for rows.Next() {
		o, err := scanSummary(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// exportChunk is how many orders EachOrder reads per query (a variable so
// a test can make chunks small).
var exportChunk = 500

// EachOrder calls fn for every order that matches f, newest first, with its
// lines. It reads in short keyset chunks (orders, then the chunk's lines in
// one query), so memory stays flat and no read transaction stays open while
// fn writes to a slow client.
func (db *DB) EachOrder(ctx context.Context, f OrderFilter, fn func(Order) error) error {
	last := int64(1<<63 - 1)
	for {
		q, args := f.selectOrders(db.Now(), orderColumns, last, false, exportChunk)
		rows, err := db.query(ctx, q, args...)
		if err != nil {
			return err
		}
		chunk, err := scanOrders(rows)
		if err != nil {
			return err
		}
		if err := db.fillLines(ctx, chunk); err != nil {
			return err
		}
		if err := db.fillAdjustments(ctx, chunk); err != nil {
			return err
		}
		for _, o := range chunk {
			if err := fn(o); err != nil {
				return err
			}
		}
		if len(chunk) < exportChunk {
			return nil
		}
		last = chunk[len(chunk)-1].ID
	}
}

func scanOrders(rows *sql.Rows) ([]Order, error) {
	defer rows.Close()
	out := make([]Order, 0, exportChunk)
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// fillLines reads the lines of the given orders in one query.
func (db *DB) fillLines(ctx context.Context, orders []Order) error {
	if len(orders) == 0 {
		return nil
	}
	at := make(map[int64]int, len(orders))
	args := make([]any, len(orders))
	for i, o := range orders {
		at[o.ID], args[i] = i, o.ID
	}
	rows, err := db.query(ctx, `SELECT order_id, line_no, product_id, name, unit_price, tax_rate, quantity FROM order_lines
		WHERE order_id IN (?`+strings.Repeat(", ?", len(orders)-1)+`) ORDER BY order_id, line_no`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var l OrderLine
		if err := rows.Scan(&id, &l.LineNo, &l.ProductID, &l.Name, &l.UnitPrice, &l.TaxRate, &l.Quantity); err != nil {
			return mapErr(err)
		}
		o := &orders[at[id]]
		o.Lines = append(o.Lines, l)
	}
	return rows.Err()
}
