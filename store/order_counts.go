package store

import "context"

// CountOrders counts the orders that match f (the dashboard's figures).
// Each status is counted on its own so every count seeks an index that
// starts with the status.
func (db *DB) CountOrders(ctx context.Context, f OrderFilter) (int, error) {
	where, args, _ := f.where(db.Now())
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []string{""}
	}
	total := 0
	for _, st := range statuses {
		q, a := `SELECT count(*) FROM orders WHERE `+where, append([]any(nil), args...)
		if st != "" {
			q, a = q+` AND status = ?`, append(a, st)
		}
		var n int
		if err := db.queryRow(ctx, q, a...).Scan(&n); err != nil {
			return 0, mapErr(err)
		}
		total += n
	}
	return total, nil
}
