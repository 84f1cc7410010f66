package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/pressly/goose/v3"

	"kago/model"
)

// 編集モード (F-43): an order's adjustment lines, its edit version, and the
// rewrite of its lines, adjustments and totals in one statement set.

const adjustmentColumns = `line_no, name, tax_rate, amount`

func scanAdjustment(s scanner) (model.Adjustment, error) {
	var a model.Adjustment
	err := s.Scan(&a.LineNo, &a.Name, &a.TaxRate, &a.Amount)
	return a, mapErr(err)
}

func readAdjustments(q queryFunc, orderID int64) ([]model.Adjustment, error) {
	return list(q, scanAdjustment, `SELECT `+adjustmentColumns+` FROM order_adjustments WHERE order_id = ? ORDER BY line_no`, orderID)
}

// AdjustmentTotal is the signed sum of the order's adjustment lines, yen.
func (o Order) AdjustmentTotal() int64 {
	var n int64
	for _, a := range o.Adjustments {
		n += a.Amount
	}
	return n
}

// OrderEditVersion is the edit version of an order (0 until first edited).
func (db *DB) OrderEditVersion(ctx context.Context, orderID int64) (int64, error) {
	var v int64
	err := db.queryRow(ctx, `SELECT edit_version FROM orders WHERE id = ?`, orderID).Scan(&v)
	return v, mapErr(err)
}

// ClaimOrderEdit moves an order's edit version on from version, the one the
// merchant's form was drawn from: of two edits from the same page at most
// one wins. ErrConflict when the order is no longer at version.
func (tx *Tx) ClaimOrderEdit(orderID, version int64) error {
	res, err := tx.exec(`UPDATE orders SET edit_version = edit_version + 1, updated_at = ? WHERE id = ? AND edit_version = ?`,
		unix(tx.now), orderID, version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// SaveOrderContents writes an edited order's product lines (their LineNo as
// given), its adjustment lines and its totals (subtotal, total, per-rate
// totals and tax), replacing what the order had.
func (tx *Tx) SaveOrderContents(o Order) error {
	if _, err := tx.exec(`DELETE FROM order_lines WHERE order_id = ?`, o.ID); err != nil {
		return err
	}
	for _, l := range o.Lines {
		if _, err := tx.exec(`INSERT INTO order_lines (order_id, line_no, product_id, name, unit_price, tax_rate, quantity) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			o.ID, l.LineNo, l.ProductID, l.Name, l.UnitPrice, l.TaxRate, l.Quantity); err != nil {
			return err
		}
	}
	if _, err := tx.exec(`DELETE FROM order_adjustments WHERE order_id = ?`, o.ID); err != nil {
		return err
	}
	for _, a := range o.Adjustments {
		if _, err := tx.exec(`INSERT INTO order_adjustments (order_id, `+adjustmentColumns+`) VALUES (?, ?, ?, ?, ?)`,
			o.ID, a.LineNo, a.Name, a.TaxRate, a.Amount); err != nil {
			return err
		}
	}
	res, err := tx.exec(`UPDATE orders SET subtotal = ?, total = ?, total_10 = ?, tax_10 = ?, total_8 = ?, tax_8 = ?, updated_at = ? WHERE id = ?`,
		o.Subtotal, o.Total, o.Total10, o.Tax10, o.Total8, o.Tax8, unix(tx.now), o.ID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// fillAdjustments reads the adjustment lines of the given orders in one query.
func (db *DB) fillAdjustments(ctx context.Context, orders []Order) error {
	if len(orders) == 0 {
		return nil
	}
	at := make(map[int64]int, len(orders))
	args := make([]any, len(orders))
	for i, o := range orders {
		at[o.ID], args[i] = i, o.ID
	}
	rows, err := db.query(ctx, `SELECT order_id, `+adjustmentColumns+` FROM order_adjustments
		WHERE order_id IN (?`+strings.Repeat(", ?", len(orders)-1)+`) ORDER BY order_id, line_no`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a model.Adjustment
		if err := rows.Scan(&id, &a.LineNo, &a.Name, &a.TaxRate, &a.Amount); err != nil {
			return mapErr(err)
		}
		o := &orders[at[id]]
		o.Adjustments = append(o.Adjustments, a)
	}
	return rows.Err()
}

// backfillBuyerGiven is Go migration 76: it fills orders.buyer_given
// (added by 0075) from the buyer of every existing order, so the search by
// given name finds orders placed before it. rebind is the database's
// placeholder style.
func backfillBuyerGiven(rebind func(string) string) *goose.Migration {
	return goose.NewGoMigration(76, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, buyer FROM orders`)
		if err != nil {
			return err
		}
		given := map[int64]string{}
		for rows.Next() {
			var id int64
			var buyer string
			if err := rows.Scan(&id, &buyer); err != nil {
				rows.Close()
				return err
			}
			var a model.Address
			if json.Unmarshal([]byte(buyer), &a) == nil && BuyerGiven(a) != "" {
				given[id] = BuyerGiven(a)
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		for id, g := range given {
			if _, err := tx.ExecContext(ctx, rebind(`UPDATE orders SET buyer_given = ? WHERE id = ?`), g, id); err != nil {
				return err
			}
		}
		return nil
	}}, &goose.GoFunc{})
}

// BuyerGiven is the given name an order is searched by: trimmed, with
// full-width spaces made half-width and runs of spaces made one, as the
// search normalises what is typed. A buyer whose whole name stands in the
// family name (Amazon gives one name field) is searched by what follows
// its last space, when it has one (「判図 太郎」: 太郎).
func BuyerGiven(a model.Address) string {
	words := func(s string) []string { return strings.Fields(strings.ReplaceAll(s, "　", " ")) }
	if g := words(a.GivenName); len(g) > 0 {
		return strings.Join(g, " ")
	}
	if f := words(a.FamilyName); len(f) > 1 {
		return f[len(f)-1]
	}
	return ""
}
