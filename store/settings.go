package store

import (
	"context"
	"database/sql"
)

// Settings reads every setting as a key-value map; the domain gives them types.
func (db *DB) Settings(ctx context.Context) (map[string]string, error) {
	rows, err := db.query(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, err
	}
	return scanSettings(rows)
}

// Settings reads every setting inside the writer transaction.
func (tx *Tx) Settings() (map[string]string, error) {
	rows, err := tx.query(`SELECT key, value FROM settings`)
	if err != nil {
		return nil, err
	}
	return scanSettings(rows)
}

func scanSettings(rows *sql.Rows) (map[string]string, error) {
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, mapErr(err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// PutSettings writes the given keys, leaving the others alone.
func (tx *Tx) PutSettings(values map[string]string) error {
	for k, v := range values {
		if _, err := tx.exec(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, v, unix(tx.now)); err != nil {
			return err
		}
	}
	return nil
}
