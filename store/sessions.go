package store

import (
	"context"
	"time"

	"kago/model"
)

const sessionColumns = `id_hash, kind, subject_id, flash, created_at, seen_at, expires_at`

func scanSession(s scanner) (model.Session, error) {
	var ss model.Session
	var created, seen, expires int64
	err := s.Scan(&ss.Key, &ss.Kind, &ss.SubjectID, &ss.Flash, &created, &seen, &expires)
	ss.CreatedAt, ss.SeenAt, ss.ExpiresAt = fromUnix(created), fromUnix(seen), fromUnix(expires)
	return ss, mapErr(err)
}

// InsertSession stores a new session.
func (tx *Tx) InsertSession(s model.Session) error {
	_, err := tx.exec(`INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.Key, s.Kind, s.SubjectID, s.Flash, unix(s.CreatedAt), unix(s.SeenAt), unix(s.ExpiresAt))
	return err
}

// Session reads a session that has not expired at now; ErrNotFound when it
// is unknown, ended or expired.
func (db *DB) Session(ctx context.Context, key string, now time.Time) (model.Session, error) {
	return scanSession(db.queryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id_hash = ? AND expires_at > ?`, key, unix(now)))
}

// TouchSession moves a live session's idle expiry on.
func (tx *Tx) TouchSession(key string, seen, expires time.Time) error {
	_, err := tx.exec(`UPDATE sessions SET seen_at = ?, expires_at = ? WHERE id_hash = ? AND expires_at > ?`,
		unix(seen), unix(expires), key, unix(tx.now))
	return err
}

// DeleteSession ends one session (nothing happens when it is gone already).
func (tx *Tx) DeleteSession(key string) error {
	_, err := tx.exec(`DELETE FROM sessions WHERE id_hash = ?`, key)
	return err
}

// DeleteSessionsOf ends every session of one subject and says how many.
func (tx *Tx) DeleteSessionsOf(kind string, subjectID int64) (int64, error) {
	res, err := tx.exec(`DELETE FROM sessions WHERE kind = ? AND subject_id = ?`, kind, subjectID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DeleteExpiredSessions removes sessions that expired before t and says how many.
func (tx *Tx) DeleteExpiredSessions(t time.Time) (int64, error) {
	res, err := tx.exec(`DELETE FROM sessions WHERE expires_at <= ?`, unix(t))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// SetSessionFlash keeps a one-time message on a live session.
func (tx *Tx) SetSessionFlash(key, flash string) error {
	_, err := tx.exec(`UPDATE sessions SET flash = ? WHERE id_hash = ? AND expires_at > ?`, flash, key, unix(tx.now))
	return err
}

// TakeSessionFlash returns a session's one-time message and clears it.
func (tx *Tx) TakeSessionFlash(key string) (string, error) {
	var flash string
	err := tx.queryRow(`SELECT flash FROM sessions WHERE id_hash = ?`, key).Scan(&flash)
	if err != nil || flash == "" {
		return "", mapErr(err)
	}
	_, err = tx.exec(`UPDATE sessions SET flash = '' WHERE id_hash = ?`, key)
	return flash, err
}
