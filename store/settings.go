package store

import (
	"context"
	"database/sql"
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// settingsTTL bounds how long a change of the settings made outside this
// process (another instance on the same database) can go unseen. Changes
// through this process's writer are seen as soon as they commit.
const settingsTTL = 5 * time.Second

// SettingsSnapshot is the settings table as read at one moment. Values is
// shared by every caller: read it, never change it.
type SettingsSnapshot struct {
	Values map[string]string
	// Version differs between snapshots whose values differ, so a caller
	// can keep what it derives from a snapshot (typed settings, a parsed
	// key) until the version changes.
	Version uint64
}

// settingsCache keeps the last snapshot: every committed write of the
// settings table clears it (changes.go), and it is re-read after
// settingsTTL.
type settingsCache struct {
	load    sync.Mutex                    // one re-read at a time
	mu      sync.Mutex                    // guards gen and version, and writes of fresh
	fresh   atomic.Pointer[freshSettings] // the last snapshot; read without a lock (every page reads it)
	gen     uint64                        // bumped by every committed write of settings
	version uint64
}

// freshSettings is the last snapshot and until when it is current (zero:
// stale, kept for its version).
type freshSettings struct {
	snap  *SettingsSnapshot
	until time.Time
}

func (c *settingsCache) current() *SettingsSnapshot {
	if f := c.fresh.Load(); f != nil && time.Now().Before(f.until) {
		return f.snap
	}
	return nil
}

// last is the last snapshot read, current or not.
func (c *settingsCache) last() *SettingsSnapshot {
	if f := c.fresh.Load(); f != nil {
		return f.snap
	}
	return nil
}

func (c *settingsCache) invalidate() {
	c.mu.Lock()
	c.gen++
	if f := c.fresh.Load(); f != nil {
		c.fresh.Store(&freshSettings{snap: f.snap}) // kept for its version, no longer current
	}
	c.mu.Unlock()
}

// CurrentSettings returns the settings from the cache, reading the table
// when a write of it committed since the last read or settingsTTL passed. Reads
// that feed a write use Tx.Settings instead.
func (db *DB) CurrentSettings(ctx context.Context) (*SettingsSnapshot, error) {
	c := &db.settings
	if s := c.current(); s != nil {
		return s, nil
	}
	c.load.Lock()
	defer c.load.Unlock()
	if s := c.current(); s != nil {
		return s, nil // read by the goroutine we waited for
	}
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	rows, err := db.query(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, err
	}
	kv, err := scanSettings(rows)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	snap := c.last()
	if snap == nil || !maps.Equal(snap.Values, kv) {
		c.version++
		snap = &SettingsSnapshot{Values: kv, Version: c.version}
	}
	if c.gen == gen { // no write committed while we read: keep it
		c.fresh.Store(&freshSettings{snap: snap, until: time.Now().Add(settingsTTL)})
	}
	return snap, nil
}

// Settings returns every setting as a key-value map of the caller's own;
// the domain gives them types. It is served from the cache of
// CurrentSettings, so it may be up to settingsTTL old for changes made by
// another process.
func (db *DB) Settings(ctx context.Context) (map[string]string, error) {
	s, err := db.CurrentSettings(ctx)
	if err != nil {
		return nil, err
	}
	return maps.Clone(s.Values), nil
}

// Settings reads every setting inside the writer transaction, uncached.
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

// PutSettings writes the given keys, leaving the others alone. When the
// transaction commits, the settings cache of this DB is cleared (as by any
// write of the settings table), so the next read sees the change.
func (tx *Tx) PutSettings(values map[string]string) error {
	for k, v := range values {
		if _, err := tx.exec(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, v, unix(tx.now)); err != nil {
			return err
		}
	}
	return nil
}
