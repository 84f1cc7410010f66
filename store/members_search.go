package store

import (
	"context"
	"strings"

	"kago/model"
)

// Amazon link filter values (the admin's 「Amazon連携」).
const (
	AmazonLinked   = "linked"
	AmazonUnlinked = "unlinked"
)

// MemberFilter narrows the admin's member list; a zero field matches all.
type MemberFilter struct {
	Number     int64  // 会員番号, exactly
	NamePrefix string // "姓 名" starts with this (前方一致)
	Email      string // the e-mail, exactly (case-insensitive)
	LoginID    string // the login ID, exactly (case-insensitive)
	Phone      string // the phone as stored (digits only), exactly
	Amazon     string // AmazonLinked, AmazonUnlinked or ""
	Status     string // a member status or ""
}

func (f MemberFilter) where() (string, []any) {
	conds, args := []string{"1 = 1"}, []any{}
	if f.Number != 0 {
		conds, args = append(conds, "id = ?"), append(args, f.Number)
	}
	if f.NamePrefix != "" {
		conds, args = append(conds, "name_key >= ? AND name_key < ?"), append(args, f.NamePrefix, f.NamePrefix+maxRune)
	}
	if f.Email != "" {
		// email, not email_key: withdrawn members keep their address here.
		conds, args = append(conds, "lower(email) = ?"), append(args, strings.ToLower(f.Email))
	}
	if f.LoginID != "" {
		conds, args = append(conds, "login_id = ?"), append(args, strings.ToLower(f.LoginID))
	}
	if f.Phone != "" {
		conds, args = append(conds, "phone = ?"), append(args, f.Phone)
	}
	switch f.Amazon {
	case AmazonLinked:
		conds = append(conds, "amazon_buyer_id IS NOT NULL")
	case AmazonUnlinked:
		conds = append(conds, "amazon_buyer_id IS NULL")
	}
	if f.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, f.Status)
	}
	return strings.Join(conds, " AND "), args
}

// MemberPage is one page of the member list, newest first, with the
// cursors to its neighbours (0: no such page).
type MemberPage struct {
	Members []model.Member
	Older   int64 // the After cursor of the next page
	Newer   int64 // the Before cursor of the previous page
}

// SearchMembers lists up to limit members matching f, newest first: after
// an ID the older ones, before an ID the newer ones.
func (db *DB) SearchMembers(ctx context.Context, f MemberFilter, after, before int64, limit int) (MemberPage, error) {
	where, args := f.where()
	q, order := `SELECT `+memberColumns+` FROM members WHERE `+where, "DESC"
	switch {
	case after > 0:
		q, args = q+` AND id < ?`, append(args, after)
	case before > 0:
		q, args, order = q+` AND id > ?`, append(args, before), "ASC"
	}
	rows, err := db.query(ctx, q+` ORDER BY id `+order+` LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return MemberPage{}, err
	}
	defer rows.Close()
	var ms []model.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return MemberPage{}, err
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return MemberPage{}, err
	}
	more := len(ms) > limit
	if more {
		ms = ms[:limit]
	}
	if order == "ASC" {
		for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
			ms[i], ms[j] = ms[j], ms[i]
		}
	}
	p := MemberPage{Members: ms}
	if len(ms) > 0 {
		first, last := ms[0].ID, ms[len(ms)-1].ID
		if (order == "DESC" && more) || (order == "ASC" && before > 0) {
			p.Older = last
		}
		if (order == "ASC" && more) || (order == "DESC" && after > 0) {
			p.Newer = first
		}
	}
	return p, nil
}

// EachMember calls fn for every member matching f, newest first, reading
// rows as fn consumes them.
func (db *DB) EachMember(ctx context.Context, f MemberFilter, fn func(model.Member) error) error {
	where, args := f.where()
	rows, err := db.query(ctx, `SELECT `+memberColumns+` FROM members WHERE `+where+` ORDER BY id DESC`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return rows.Err()
}

// memberOrderStatuses are the orders a member sees: placed ones, not those
// waiting for or failed at a payment service.
var memberOrderStatuses = []any{OrderNew, OrderShipped, OrderCompleted, OrderCanceled}

// MemberOrders lists a member's orders, newest first, up to limit.
func (db *DB) MemberOrders(ctx context.Context, memberID int64, limit int) ([]OrderSummary, error) {
	rows, err := db.query(ctx, `SELECT `+summaryColumns+` FROM orders WHERE member_id = ? AND status IN (?, ?, ?, ?)
		ORDER BY id DESC LIMIT ?`, append(append([]any{memberID}, memberOrderStatuses...), limit)...)
	if err != nil {
		return nil, err
	}
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

// MemberOrder reads the order with a shop order number if it is the
// member's and placed; ErrNotFound otherwise, so another member's order is
// indistinguishable from none.
func (db *DB) MemberOrder(ctx context.Context, memberID, number int64) (Order, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT id FROM orders WHERE number = ? AND member_id = ? AND status IN (?, ?, ?, ?)`,
		append([]any{number, memberID}, memberOrderStatuses...)...).Scan(&id)
	if err != nil {
		return Order{}, mapErr(err)
	}
	return db.Order(ctx, id)
}
