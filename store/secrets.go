package store

import (
	"context"
	"encoding/hex"
)

// Secret returns the secret stored under name, storing candidate first
// when there is none: of several instances starting at once on one
// database, the first to commit wins and every one gets its value. The
// stored value never changes. It gives the database's errors, or an error
// when the stored value is not hex (written by hand).
func (db *DB) Secret(ctx context.Context, name string, candidate []byte) ([]byte, error) {
	var stored string
	err := db.WithTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			name, hex.EncodeToString(candidate), unix(tx.now)); err != nil {
			return err
		}
		return mapErr(tx.queryRow(`SELECT value FROM secrets WHERE name = ?`, name).Scan(&stored))
	})
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(stored)
}
