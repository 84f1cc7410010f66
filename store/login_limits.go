package store

import "time"

// LoginLimit is one counter's rule: at most Failures failed attempts in a
// Window from the first; the attempt that fills it locks the key for Lock.
type LoginLimit struct {
	Failures int
	Window   time.Duration
	Lock     time.Duration
}

// ReserveLoginAttempt takes one attempt from the counter key, counting it as
// a failure until LoginSucceeded or ReleaseLoginAttempt says otherwise. It
// returns false when the key is locked or the window already holds the
// limit (attempts still in flight included). A window that has passed starts
// over.
func (tx *Tx) ReserveLoginAttempt(key string, lim LoginLimit) (bool, error) {
	now := unix(tx.now)
	if _, err := tx.exec(`INSERT INTO login_limits (key, window_start, failures, locked_until) VALUES (?, ?, 0, 0)
		ON CONFLICT (key) DO NOTHING`, key, now); err != nil {
		return false, err
	}
	if _, err := tx.exec(`UPDATE login_limits SET window_start = ?, failures = 0, locked_until = 0
		WHERE key = ? AND locked_until <= ? AND window_start <= ?`, now, key, now, unix(tx.now.Add(-lim.Window))); err != nil {
		return false, err
	}
	res, err := tx.exec(`UPDATE login_limits SET failures = failures + 1 WHERE key = ? AND locked_until <= ? AND failures < ?`,
		key, now, lim.Failures)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// LoginFailed records that a reserved attempt failed: a full counter locks
// the key for lim.Lock from now. It reports whether this failure locked it.
func (tx *Tx) LoginFailed(key string, lim LoginLimit) (bool, error) {
	res, err := tx.exec(`UPDATE login_limits SET locked_until = ? WHERE key = ? AND failures >= ? AND locked_until <= ?`,
		unix(tx.now.Add(lim.Lock)), key, lim.Failures, unix(tx.now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseLoginAttempt gives back a reserved attempt that did not fail.
func (tx *Tx) ReleaseLoginAttempt(key string) error {
	_, err := tx.exec(`UPDATE login_limits SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END WHERE key = ?`, key)
	return err
}

// ResetLoginLimit forgets a counter (an account after a correct password).
func (tx *Tx) ResetLoginLimit(key string) error {
	_, err := tx.exec(`DELETE FROM login_limits WHERE key = ?`, key)
	return err
}

// DeleteStaleLoginLimits removes counters whose window began before t and
// that are not locked at t, and says how many.
func (tx *Tx) DeleteStaleLoginLimits(t time.Time) (int64, error) {
	res, err := tx.exec(`DELETE FROM login_limits WHERE window_start < ? AND locked_until <= ?`, unix(t), unix(t))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
