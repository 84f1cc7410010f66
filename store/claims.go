package store

import "context"

// ReleaseInstanceClaims gives up, at start-up, every claim an earlier run
// of this instance left behind when it died (kill -9, a power cut): job
// runs, mails being sent and Amazon Pay completions whose holder names
// instance followed by "/". The instance ID survives restarts (a file in
// the data directory), so nothing waits for a lease to lapse. A released
// completion is due for the recovery at once. It returns how many claims
// it released.
func (db *DB) ReleaseInstanceClaims(ctx context.Context, instance string) (int, error) {
	if instance == "" {
		return 0, nil
	}
	like := escapeLike(instance) + "/%"
	total := 0
	err := db.WithTx(ctx, func(tx *Tx) error {
		total = 0 // WithTx may run this again
		now := unix(tx.now)
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE jobs SET claimed_by = '', claimed_until = 0, next_run_at = ? WHERE claimed_by LIKE ? ESCAPE '\'`, []any{now, like}},
			{`UPDATE mails SET status = ?, claimed_by = '', next_attempt_at = ? WHERE status = ? AND claimed_by LIKE ? ESCAPE '\'`,
				[]any{MailQueued, now, MailSending, like}},
			{`UPDATE amazon_payments SET state = ?, claimed_by = '', claim_token = '', claimed_at = 0, recover_at = ?, updated_at = ?
				WHERE state = ? AND claimed_by LIKE ? ESCAPE '\'`, []any{AmazonPending, now, now, AmazonCompleting, like}},
		} {
			res, err := tx.exec(q.sql, q.args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += int(n)
		}
		return nil
	})
	return total, err
}
