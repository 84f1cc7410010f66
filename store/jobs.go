package store

import (
	"context"
	"database/sql"
	"time"

	"kago/model"
)

// RegisterJob adds a job, due at once, or updates the label and interval of
// a job registered before (its schedule and history stay).
func (db *DB) RegisterJob(ctx context.Context, name, label string, every time.Duration) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO jobs (name, label, interval_seconds, next_run_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET label = excluded.label, interval_seconds = excluded.interval_seconds`,
			name, label, max(int64(every/time.Second), 1), unix(tx.now))
		return err
	})
}

// DueJobs names the jobs due at now that nobody holds.
func (db *DB) DueJobs(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := db.query(ctx, `SELECT name FROM jobs WHERE next_run_at <= ? AND claimed_until <= ? ORDER BY next_run_at, name`,
		unix(now), unix(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// ClaimJob takes a due job for owner for the lease, with one conditional
// UPDATE: false when it is not due or another claim is live.
func (db *DB) ClaimJob(ctx context.Context, name, owner string, lease time.Duration) (bool, error) {
	var won bool
	err := db.WithTx(ctx, func(tx *Tx) error {
		now := unix(tx.now)
		var err error
		won, err = tx.execOne(`UPDATE jobs SET claimed_by = ?, claimed_until = ?, last_started_at = ?
			WHERE name = ? AND next_run_at <= ? AND claimed_until <= ?`, owner, unix(tx.now.Add(lease)), now, name, now, now)
		return err
	})
	return won, err
}

// FinishJob records the outcome of owner's run, schedules the next one
// every after now, and gives up the claim. A run whose claim was lost (it
// outlived its lease and another instance took the job) records nothing.
func (db *DB) FinishJob(ctx context.Context, name, owner string, dur time.Duration, count int, runErr string) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE jobs SET claimed_by = '', claimed_until = 0,
				next_run_at = ? + interval_seconds, last_finished_at = ?, last_duration_ms = ?, last_count = ?, last_error = ?,
				runs = runs + 1, failures = CASE WHEN ? = '' THEN 0 ELSE failures + 1 END
			WHERE name = ? AND claimed_by = ?`,
			unix(tx.now), unix(tx.now), dur.Milliseconds(), count, runErr, runErr, name, owner)
		return err
	})
}

// RunJobNow makes a job due at once (「今すぐ実行」); ErrNotFound for an
// unknown name.
func (db *DB) RunJobNow(ctx context.Context, name string) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE jobs SET next_run_at = ? WHERE name = ?`, unix(tx.now), name)
		if err != nil {
			return err
		}
		return mustAffect(res)
	})
}

// Jobs lists every registered job by name.
func (db *DB) Jobs(ctx context.Context) ([]model.Job, error) {
	rows, err := db.query(ctx, `SELECT name, label, interval_seconds, next_run_at, claimed_by, claimed_until, last_started_at,
		last_finished_at, last_duration_ms, last_count, last_error, runs, failures FROM jobs ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Job
	for rows.Next() {
		var j model.Job
		var every, next, until, started, finished, durMS int64
		if err := rows.Scan(&j.Name, &j.Label, &every, &next, &j.ClaimedBy, &until, &started, &finished, &durMS,
			&j.LastCount, &j.LastError, &j.Runs, &j.Failures); err != nil {
			return nil, err
		}
		j.Every, j.LastDuration = time.Duration(every)*time.Second, time.Duration(durMS)*time.Millisecond
		j.NextRunAt, j.ClaimedUntil = fromUnix(next), nullUnix(sql.NullInt64{Int64: until, Valid: until > 0})
		j.LastStarted = nullUnix(sql.NullInt64{Int64: started, Valid: started > 0})
		j.LastFinished = nullUnix(sql.NullInt64{Int64: finished, Valid: finished > 0})
		out = append(out, j)
	}
	return out, rows.Err()
}
