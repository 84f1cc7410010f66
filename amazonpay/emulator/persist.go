package emulator

import (
	"bytes"
	"compress/flate"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"kago/amazonpay"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// The emulator keeps its objects in a small SQLite database of its own
// (Options.StateFile; in memory when empty), one row per object, written in
// the same critical section that changed it and before the answer leaves:
// a kill -9 never makes "Amazon" forget what it told the shop. Only the
// objects that can still change by themselves (open sessions, pending or
// open charges and the permissions around them, pending refunds) and those
// used since the last sweep are held in memory; the rest are read back when
// asked for. Idempotency records are only on disk.
//
// What Amazon deletes is deleted: checkout sessions 30 days after their
// creation, buyer tokens an hour after they expire. Charge permissions,
// charges and refunds are kept, as Amazon keeps them (a refund has no time
// limit), as are idempotency records ("stored indefinitely").

const schema = `
CREATE TABLE IF NOT EXISTS objects (
	kind    TEXT NOT NULL,              -- session, permission, charge, refund, token
	id      TEXT NOT NULL,
	tree    TEXT NOT NULL,              -- the charge permission of a permission, charge or refund
	active  INTEGER NOT NULL,           -- 1 while the object can change by itself
	created INTEGER NOT NULL,           -- unix seconds, emulator clock
	expires INTEGER NOT NULL,           -- unix seconds when Amazon deletes it; 0: never
	data    BLOB NOT NULL,
	PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS objects_tree ON objects (tree);
CREATE INDEX IF NOT EXISTS objects_active ON objects (active) WHERE active = 1;
CREATE TABLE IF NOT EXISTS idempotency (
	merchant_id TEXT NOT NULL,
	key         TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	status      INTEGER NOT NULL,
	body        BLOB NOT NULL,
	PRIMARY KEY (merchant_id, key)
);
CREATE TABLE IF NOT EXISTS merchants (
	merchant_id TEXT PRIMARY KEY,
	data        BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);`

// Kinds of object rows.
const (
	kindSession    = "session"
	kindPermission = "permission"
	kindCharge     = "charge"
	kindRefund     = "refund"
	kindToken      = "token"
)

type objKey struct{ kind, id string }

// statements are the prepared statements of every request's write.
type statements struct {
	upsert, remove, putIdem, getIdem *sql.Stmt
}

func prepare(db *sql.DB) (statements, error) {
	var s statements
	var err error
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&s.upsert, `INSERT INTO objects (kind, id, tree, active, created, expires, data) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (kind, id) DO UPDATE SET active = excluded.active, expires = excluded.expires, data = excluded.data`},
		{&s.remove, `DELETE FROM objects WHERE kind = ? AND id = ?`},
		{&s.putIdem, `INSERT INTO idempotency (merchant_id, key, fingerprint, status, body) VALUES (?, ?, ?, ?, ?)`},
		{&s.getIdem, `SELECT fingerprint, status, body FROM idempotency WHERE merchant_id = ? AND key = ?`},
	} {
		if *p.dst, err = db.Prepare(p.sql); err != nil {
			return s, fmt.Errorf("emulator: state database: %w", err)
		}
	}
	return s, nil
}

// cacheKiB is the state database's page cache: SQLite's default (2,000
// KiB, which modernc's SQLite holds in about 4 MiB) is more than a test
// tool inside the shop's process needs; every request writes a few rows
// and reads fewer.
const cacheKiB = 512

// openDB opens (creating) the state database at path, or an in-memory one.
// One connection: the emulator writes under its lock anyway, and an
// in-memory database lives on one connection.
func openDB(path string) (*sql.DB, error) {
	dsn := "file::memory:"
	if path != "" {
		dsn = "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
			fmt.Sprintf("&_pragma=cache_size(-%d)", cacheKiB)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("emulator: state database: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if _, err := db.Exec(schema + deliverySchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("emulator: state database %s: %w", path, err)
	}
	return db, nil
}

// load reads the clock, the merchants, the buyer tokens and the objects
// that can still change by themselves.
func (e *Emulator) load() error {
	var offset string
	err := e.db.QueryRow(`SELECT value FROM meta WHERE name = 'clock_offset'`).Scan(&offset)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("emulator: state database: %w", err)
	default:
		n, err := strconv.ParseInt(offset, 10, 64)
		if err != nil {
			return fmt.Errorf("emulator: state database: clock offset %q", offset)
		}
		e.st.ClockOffset = time.Duration(n)
	}
	rows, err := e.db.Query(`SELECT data FROM merchants`)
	if err != nil {
		return fmt.Errorf("emulator: state database: %w", err)
	}
	var merchants []Merchant
	for rows.Next() {
		var data []byte
		var m Merchant
		if err := rows.Scan(&data); err != nil {
			rows.Close()
			return err
		}
		if err := json.Unmarshal(data, &m); err != nil {
			rows.Close()
			return fmt.Errorf("emulator: state database: merchant: %w", err)
		}
		merchants = append(merchants, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range merchants {
		me, err := newMerchantEntry(m)
		if err != nil {
			return err
		}
		e.byID[m.MerchantID], e.byKey[m.PublicKeyID] = me, me
	}
	if err := e.loadRows(`SELECT kind, id, data FROM objects WHERE kind IN ('session', 'token') AND active = 1`); err != nil {
		return err
	}
	return e.loadRows(`SELECT kind, id, data FROM objects WHERE tree IN (SELECT DISTINCT tree FROM objects WHERE active = 1 AND tree <> '')`)
}

// loadRows decodes object rows into the in-memory maps.
func (e *Emulator) loadRows(query string, args ...any) error {
	rows, err := e.db.Query(query, args...)
	if err != nil {
		return fmt.Errorf("emulator: state database: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, id string
		var data []byte
		if err := rows.Scan(&kind, &id, &data); err != nil {
			return fmt.Errorf("emulator: state database: %w", err)
		}
		if err := e.st.decode(kind, id, data); err != nil {
			return fmt.Errorf("emulator: state database: %s %s: %w", kind, id, err)
		}
	}
	return rows.Err()
}

func (st *state) decode(kind, id string, data []byte) error {
	var err error
	switch kind {
	case kindSession:
		v := new(session)
		err = json.Unmarshal(data, v)
		st.Sessions[id] = v
	case kindPermission:
		v := new(permission)
		err = json.Unmarshal(data, v)
		st.Permissions[id] = v
	case kindCharge:
		v := new(charge)
		err = json.Unmarshal(data, v)
		st.Charges[id] = v
	case kindRefund:
		v := new(refund)
		err = json.Unmarshal(data, v)
		st.Refunds[id] = v
	case kindToken:
		v := new(buyerToken)
		err = json.Unmarshal(data, v)
		st.BuyerTokens[id] = v
	default:
		err = fmt.Errorf("unknown kind")
	}
	return err
}

// touch marks an object as changed: it is written before the lock is
// released (and before the answer leaves).
func (e *Emulator) touch(obj any) {
	var k objKey
	switch v := obj.(type) {
	case *session:
		k = objKey{kindSession, v.ID}
	case *permission:
		k = objKey{kindPermission, v.ID}
	case *charge:
		k = objKey{kindCharge, v.ID}
	case *refund:
		k = objKey{kindRefund, v.ID}
	case *buyerToken:
		k = objKey{kindToken, v.Token}
	default:
		panic(fmt.Sprintf("emulator: touch(%T)", obj))
	}
	e.changed[k] = obj
}

// forget marks an object as deleted.
func (e *Emulator) forget(kind, id string) { e.changed[objKey{kind, id}] = nil }

// unlock writes what the critical section changed, then releases e.mu.
// A failed write is logged and retried by the next unlock; the answer of a
// request whose change could not be written is an error (see handleAPI).
func (e *Emulator) unlock() {
	if err := e.saveLocked(); err != nil {
		e.log.Error("amazonpay emulator: saving state", "err", err)
	}
	e.mu.Unlock()
}

// saveLocked writes the changed objects, the new idempotency records and
// the clock in one transaction.
func (e *Emulator) saveLocked() error {
	if len(e.changed) == 0 && len(e.unsavedIdem) == 0 && !e.clockChanged && len(e.outbox) == 0 {
		return nil
	}
	if e.db == nil {
		return errors.New("emulator: closed")
	}
	tx, err := e.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for k, obj := range e.changed {
		if obj == nil {
			if _, err := tx.Stmt(e.stmt.remove).Exec(k.kind, k.id); err != nil {
				return err
			}
			continue
		}
		data, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		tree, active, created, expires := e.rowFacts(obj)
		if _, err := tx.Stmt(e.stmt.upsert).Exec(k.kind, k.id, tree, active, created.Unix(), unixOrZero(expires), data); err != nil {
			return err
		}
	}
	for k, rec := range e.unsavedIdem {
		merchant, key, _ := strings.Cut(k, " ")
		if _, err := tx.Stmt(e.stmt.putIdem).Exec(merchant, key, rec.Fingerprint, rec.Status, e.packBodyLocked(rec.Body)); err != nil {
			return err
		}
	}
	if e.clockChanged {
		if _, err := tx.Exec(`INSERT INTO meta (name, value) VALUES ('clock_offset', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
			strconv.FormatInt(int64(e.st.ClockOffset), 10)); err != nil {
			return err
		}
	}
	if err := e.saveOutbox(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	e.outboxSaved()
	clear(e.changed)
	clear(e.unsavedIdem)
	e.clockChanged = false
	return nil
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// rowFacts returns the columns of an object's row besides its data: its
// tree, whether it can still change by itself, its creation and when
// Amazon deletes it.
func (e *Emulator) rowFacts(obj any) (tree string, active bool, created, expires time.Time) {
	switch v := obj.(type) {
	case *session:
		return "", v.State == amazonpay.StateOpen, v.Created, v.Created.Add(sessionRetention)
	case *permission:
		return v.ID, v.State != amazonpay.StateClosed, v.Created, time.Time{}
	case *charge:
		switch v.State {
		case amazonpay.StateAuthorizationInitiated, amazonpay.StateAuthorized, amazonpay.StateCaptureInitiated:
			active = true
		}
		return v.PermissionID, active, v.Created, time.Time{}
	case *refund:
		return v.PermissionID, v.State == amazonpay.StateRefundInitiated, v.Created, time.Time{}
	case *buyerToken:
		return "", true, v.Expires.Add(-buyerTokenTTL), v.Expires.Add(time.Hour)
	}
	return "", false, time.Time{}, time.Time{}
}

// dbFailed records a failed read: the request that needed it answers 500
// instead of pretending the object does not exist.
func (e *Emulator) dbFailed(err error) {
	e.log.Error("amazonpay emulator: reading state", "err", err)
	if e.readErr == nil {
		e.readErr = err
	}
}

// sessionByID returns a checkout or sign-in session, read from disk when it
// is not in memory; nil when there is none.
func (e *Emulator) sessionByID(id string) *session {
	if s := e.st.Sessions[id]; s != nil {
		return s
	}
	if _, gone := e.changed[objKey{kindSession, id}]; gone {
		return nil
	}
	if err := e.loadRows(`SELECT kind, id, data FROM objects WHERE kind = ? AND id = ?`, kindSession, id); err != nil {
		e.dbFailed(err)
	}
	return e.st.Sessions[id]
}

// permissionByID returns a charge permission with its charges and refunds,
// read from disk when they are not in memory.
func (e *Emulator) permissionByID(id string) *permission {
	if p := e.st.Permissions[id]; p != nil {
		return p
	}
	if id == "" {
		return nil
	}
	if err := e.loadRows(`SELECT kind, id, data FROM objects WHERE tree = ?`, id); err != nil {
		e.dbFailed(err)
	}
	return e.st.Permissions[id]
}

// treeOf returns the charge permission ID of a charge or refund ID
// (S03-1234567-1234567-C000001 → S03-1234567-1234567).
func treeOf(id string) string {
	i := strings.LastIndexByte(id, '-')
	if i < 0 || i+1 >= len(id) || (id[i+1] != 'C' && id[i+1] != 'R') {
		return ""
	}
	return id[:i]
}

func (e *Emulator) chargeByID(id string) *charge {
	if c := e.st.Charges[id]; c != nil {
		return c
	}
	if e.permissionByID(treeOf(id)) == nil {
		return nil
	}
	return e.st.Charges[id]
}

func (e *Emulator) refundByID(id string) *refund {
	if r := e.st.Refunds[id]; r != nil {
		return r
	}
	if e.permissionByID(treeOf(id)) == nil {
		return nil
	}
	return e.st.Refunds[id]
}

// idempotencyRecord returns the saved answer under a merchant's key, if any.
func (e *Emulator) idempotencyRecord(idemKey string) (*idemRecord, error) {
	if rec := e.unsavedIdem[idemKey]; rec != nil {
		return rec, nil
	}
	merchant, key, _ := strings.Cut(idemKey, " ")
	var rec idemRecord
	err := e.stmt.getIdem.QueryRow(merchant, key).Scan(&rec.Fingerprint, &rec.Status, &rec.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if rec.Body, err = unpackBody(rec.Body); err != nil {
		return nil, fmt.Errorf("idempotency record %s: %w", idemKey, err)
	}
	return &rec, nil
}

// packBodyLocked deflates an answer kept for idempotency: Amazon keeps
// them forever, and JSON with its nulls deflates about fourfold. A
// flate.Writer holds about 1 MiB of tables, so the emulator keeps one and
// resets it rather than making one per answer.
func (e *Emulator) packBodyLocked(b []byte) []byte {
	var buf bytes.Buffer
	if e.packer == nil {
		e.packer, _ = flate.NewWriter(&buf, flate.BestSpeed)
	} else {
		e.packer.Reset(&buf)
	}
	_, _ = e.packer.Write(b)
	_ = e.packer.Close()
	return buf.Bytes()
}

func unpackBody(b []byte) ([]byte, error) {
	return io.ReadAll(flate.NewReader(bytes.NewReader(b)))
}

// saveMerchant writes a merchant registration.
func (e *Emulator) saveMerchant(m Merchant) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = e.db.Exec(`INSERT INTO merchants (merchant_id, data) VALUES (?, ?) ON CONFLICT (merchant_id) DO UPDATE SET data = excluded.data`, m.MerchantID, data)
	return err
}

// pruneLocked deletes what Amazon deletes (sessions 30 days after their
// creation, buyer tokens an hour after they expire) and drops from memory
// the objects that can no longer change by themselves; they stay on disk.
func (e *Emulator) pruneLocked(now time.Time) error {
	if _, err := e.db.Exec(`DELETE FROM objects WHERE expires > 0 AND expires <= ?`, now.Unix()); err != nil {
		return err
	}
	if err := e.pruneDeliveries(); err != nil {
		return err
	}
	for id, s := range e.st.Sessions {
		if s.State != amazonpay.StateOpen || sessionGone(s, now) {
			delete(e.st.Sessions, id)
		}
	}
	for k, t := range e.st.BuyerTokens {
		if now.After(t.Expires.Add(time.Hour)) {
			delete(e.st.BuyerTokens, k)
		}
	}
	if e.opts.StateFile != "" {
		// Give the write-ahead log back to the file system.
		if _, err := e.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return err
		}
	}
	for id, p := range e.st.Permissions {
		if e.treeActive(p) {
			continue
		}
		for _, cid := range p.ChargeIDs {
			if c := e.st.Charges[cid]; c != nil {
				for _, rid := range c.RefundIDs {
					delete(e.st.Refunds, rid)
				}
			}
			delete(e.st.Charges, cid)
		}
		delete(e.st.Permissions, id)
	}
	return nil
}

// treeActive reports whether anything in a permission's tree can still
// change by itself (an expiry, a pending outcome).
func (e *Emulator) treeActive(p *permission) bool {
	if _, active, _, _ := e.rowFacts(p); active {
		return true
	}
	for _, cid := range p.ChargeIDs {
		c := e.st.Charges[cid]
		if _, active, _, _ := e.rowFacts(c); active {
			return true
		}
		for _, rid := range c.RefundIDs {
			if _, active, _, _ := e.rowFacts(e.st.Refunds[rid]); active {
				return true
			}
		}
	}
	return false
}

// objectKeys lists the objects on disk (buyer tokens aside): the newest
// limit of each kind, or all when limit is 0.
func (e *Emulator) objectKeys(limit int) ([]objKey, error) {
	var keys []objKey
	for _, kind := range []string{kindSession, kindPermission, kindCharge, kindRefund} {
		q, args := `SELECT id FROM objects WHERE kind = ?`, []any{kind}
		if limit > 0 {
			q, args = q+` ORDER BY created DESC, id DESC LIMIT ?`, append(args, limit)
		}
		rows, err := e.db.Query(q, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			keys = append(keys, objKey{kind, id})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return keys, nil
}
