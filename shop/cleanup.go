package shop

import (
	"context"
	"time"

	"kago/store"
)

// What the cleanup job (F-85) deletes, and when.
const (
	// AbandonedDraftAge: a checkout draft (what a shopper typed on the order
	// pages) untouched for 3 days is abandoned; the cart stays, the typing
	// goes. A draft whose Amazon Pay order is still open is never deleted.
	AbandonedDraftAge = 3 * 24 * time.Hour
	// AbandonedCartAge: a cart nobody added to for 30 days, as long as the
	// shopper's cookie that finds it lives.
	AbandonedCartAge = 30 * 24 * time.Hour
	// cleanupBatch rows per transaction, so a backlog never holds the
	// writer for long.
	cleanupBatch = 500
)

// Cleanup deletes abandoned checkout drafts and carts, expired sessions and
// stale login counters, and returns how many rows went.
func (s *Shop) Cleanup(ctx context.Context) (int, error) {
	now := s.db.Now()
	total := 0
	for _, step := range []func(tx *store.Tx) (int64, error){
		func(tx *store.Tx) (int64, error) {
			return tx.DeleteAbandonedCheckouts(now.Add(-AbandonedDraftAge), cleanupBatch)
		},
		func(tx *store.Tx) (int64, error) {
			return tx.DeleteAbandonedCarts(now.Add(-AbandonedCartAge), cleanupBatch)
		},
	} {
		for ctx.Err() == nil {
			var n int64
			if err := s.db.WithTx(ctx, func(tx *store.Tx) error {
				var err error
				n, err = step(tx)
				return err
			}); err != nil {
				return total, err
			}
			total += int(n)
			if n < cleanupBatch {
				break
			}
		}
	}
	n, err := s.Sessions.DeleteExpired(ctx)
	total += int(n)
	if err != nil {
		return total, err
	}
	n, err = s.Logins.DeleteStale(ctx)
	return total + int(n), err
}
