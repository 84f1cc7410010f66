// Package store keeps Kago's data in one SQLite file (a single-connection
// writer pool whose transactions begin IMMEDIATE, and a read-only reader
// pool) or in a PostgreSQL database (one pool; write transactions
// SERIALIZABLE, retried when they lose to a concurrent one). What differs
// between the two is in dialect.go.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Errors callers can test with errors.Is; driver errors are mapped by code.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: conflict")
)

// DB is the shop's database. Reads that feed a write must happen inside
// WithTx, never on the reader pool.
type DB struct {
	// pg is set for PostgreSQL, where writer and reader are one pool.
	pg bool
	// writeSlots bound the connections of PostgreSQL's write
	// transactions (dialect.go, writeTurn); on SQLite its one slot is the
	// writer's turn (runTx).
	writeSlots chan struct{}
	writer     *sql.DB
	reader     *sql.DB
	now        func() time.Time
	settings   settingsCache
	catalog    catalogCache
	// cartCounts keeps CartCount and CartLines per cart token until a
	// transaction writes cart_items, carts or products (changes.go), or
	// catalogTTL passes.
	cartCounts catalogCache
	// checkouts keeps Checkout and OrderByCheckout's order ID per checkout
	// until a transaction writes checkouts or orders, or catalogTTL passes.
	checkouts catalogCache
	// Prepared statements by SQL text, per pool (stmts.go).
	readStmts, writeStmts stmtCache
}

// Open opens the database that dbURL names and applies the embedded
// migrations: "postgres://..." or "postgresql://..." is a PostgreSQL
// database (a pgx connection string); "sqlite:PATH" or a bare PATH is an
// SQLite file, created if needed. now is the store's clock (nil: time.Now).
// Errors are the driver's, a failed migration's, or an unknown scheme's.
func Open(ctx context.Context, dbURL string, now func() time.Time) (*DB, error) {
	if now == nil {
		now = time.Now
	}
	path, ok, err := SQLitePath(dbURL)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return openPostgres(ctx, dbURL, now)
	}
	return openSQLite(ctx, path, now)
}

// SQLitePath returns the file that dbURL names and true when Open takes it
// as SQLite, false for PostgreSQL, or an error for an empty path or
// another scheme (the message shows only the scheme: the rest may hold a
// password).
func SQLitePath(dbURL string) (path string, ok bool, err error) {
	if strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://") {
		return "", false, nil
	}
	path = strings.TrimPrefix(dbURL, "sqlite:")
	if scheme, _, found := strings.Cut(path, "://"); found {
		return "", false, fmt.Errorf("database URL %s://...: want sqlite:PATH or postgres://USER:PASSWORD@HOST/DB", scheme)
	}
	if path == "" {
		return "", false, errors.New("database URL: want sqlite:PATH or postgres://USER:PASSWORD@HOST/DB, not an empty path")
	}
	return path, true, nil
}

// The SQLite page caches in KiB, sized for a small shop. modernc's SQLite
// (built with SQLITE_ENABLE_MEMORY_MANAGEMENT) keeps the pages of every
// connection in the process in one pool, bounded by the sum of their
// cache_size, from which a connection that reads takes the pages others
// used least recently; its allocator gives each 4 KiB page (with SQLite's
// headers) an 8 KiB slot. SQLite's default of 2,000 KiB per connection
// thus let the writer, four readers and the emulator hold 24 MiB.
const (
	// writerCacheKiB is the writer's share: its pages stay valid from one
	// transaction to the next, and every order writes the same index
	// pages.
	writerCacheKiB = 2000
	// readersCacheKiB is the reader pool's share, whatever its size: a
	// reader's pages are dropped whenever the writer commits, and the
	// catalog the shop's pages read is a few hundred KiB.
	readersCacheKiB = 2048
)

// readerConns is the size of the reader pool.
func readerConns() int { return max(4, runtime.NumCPU()) }

func openSQLite(ctx context.Context, path string, now func() time.Time) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// busy_timeout first so it already covers the journal_mode switch.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	base := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + pragmas
	cache := func(kib int) string { return fmt.Sprintf("&_pragma=cache_size(-%d)", kib) }
	writer, err := sql.Open("sqlite", base+cache(writerCacheKiB)+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxIdleTime(0)
	db := &DB{writer: writer, now: now, writeStmts: stmtCache{pool: writer}, writeSlots: make(chan struct{}, 1)}
	if err := db.migrate(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	n := readerConns()
	reader, err := sql.Open("sqlite", base+cache(readersCacheKiB/n)+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, err
	}
	// Idle readers stay open, with the statements prepared on them.
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	db.reader, db.readStmts = reader, stmtCache{pool: reader}
	return db, nil
}

// Close closes the reader pool, then the writer.
func (db *DB) Close() error {
	if db.pg {
		return db.writer.Close()
	}
	var errR error
	if db.reader != nil {
		errR = errors.Join(db.readStmts.close(), db.reader.Close())
	}
	return errors.Join(errR, db.writeStmts.close(), db.writer.Close())
}

// Now is the store's clock, injectable for tests.
func (db *DB) Now() time.Time { return db.now().UTC() }

// Tx is one writer transaction. Its methods are the building blocks that the
// domain composes into one atomic change.
type Tx struct {
	db  *DB
	tx  *sql.Tx
	ctx context.Context
	now time.Time
	// unprepared are the queries this transaction ran that have no
	// prepared statement yet; they are prepared once it ends.
	unprepared []string
	// written are the tables the transaction wrote (changes.go): the
	// commit clears the caches that read them.
	written map[string]bool
}

// Now is the time the transaction started, so every row it writes agrees.
func (tx *Tx) Now() time.Time { return tx.now }

// WithTx runs fn in one writer transaction, committing when fn returns nil
// and rolling back otherwise; it returns fn's error or the commit's. On
// SQLite the transaction begins IMMEDIATE and so runs alone; on PostgreSQL
// it is SERIALIZABLE, and when it loses to a concurrent transaction it runs
// again. fn may thus run more than once: it touches nothing outside the
// database but through tx, and sets what it hands out (counters, flags,
// results) afresh on each run.
func (db *DB) WithTx(ctx context.Context, fn func(tx *Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.runTx(ctx, attempt, fn)
		if !retryable(err) || attempt == maxTxAttempts || !retryPause(ctx, attempt) {
			return err
		}
	}
}

func (db *DB) runTx(ctx context.Context, attempt int, fn func(tx *Tx) error) error {
	var pool interface {
		BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
	} = db.writer
	if db.pg {
		conn, done, err := db.writeTurn(ctx, attempt > optimisticAttempts)
		if err != nil {
			return mapErr(err)
		}
		defer done()
		pool = conn
	} else {
		// SQLite's one writer connection: database/sql hands a freed
		// connection to a waiter at random, so in a rush some writers
		// waited many turns (add to cart at 256 connections: the slowest
		// 5x the median); the slot's queue serves them in the order they
		// came.
		select {
		case db.writeSlots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-db.writeSlots }()
	}
	sqlTx, err := pool.BeginTx(ctx, db.txOptions())
	if err != nil {
		return mapErr(err)
	}
	tx := &Tx{db: db, tx: sqlTx, ctx: ctx, now: db.Now()}
	// The writer's one connection is free again only after the
	// transaction: statements first run inside it are prepared then.
	defer func() { db.writeStmts.prepare(context.WithoutCancel(ctx), tx.unprepared) }()
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return endedWith(ctx, err)
	}
	err = endedWith(ctx, mapErr(sqlTx.Commit()))
	db.changed(tx.written)
	return err
}

// endedWith is err, or ctx's error when ctx ended the transaction:
// database/sql rolls a transaction back when its context ends (the client
// went away), and the statements after that fail with sql.ErrTxDone, which
// would read as a fault of the shop.
func endedWith(ctx context.Context, err error) error {
	if errors.Is(err, sql.ErrTxDone) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// stmt is the transaction's handle on the prepared statement of query, or
// nil (the query is then run as it is, and prepared after the
// transaction).
func (tx *Tx) stmt(query string) *sql.Stmt {
	tx.noteWrite(query)
	if st := tx.db.writeStmts.lookup(query); st != nil {
		return tx.tx.StmtContext(tx.ctx, st)
	}
	tx.unprepared = append(tx.unprepared, query)
	return nil
}

// execOne runs a conditional UPDATE (a claim) and reports whether it
// changed exactly one row: of concurrent callers at most one wins.
func (tx *Tx) execOne(query string, args ...any) (bool, error) {
	res, err := tx.exec(query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	query, args = tx.db.rebind(query), bindArgs(args)
	if st := tx.stmt(query); st != nil {
		res, err := st.ExecContext(tx.ctx, args...)
		return res, mapErr(err)
	}
	res, err := tx.tx.ExecContext(tx.ctx, query, args...)
	return res, mapErr(err)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	query, args = tx.db.rebind(query), bindArgs(args)
	if st := tx.stmt(query); st != nil {
		return st.QueryRowContext(tx.ctx, args...)
	}
	return tx.tx.QueryRowContext(tx.ctx, query, args...)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	query, args = tx.db.rebind(query), bindArgs(args)
	if st := tx.stmt(query); st != nil {
		rows, err := st.QueryContext(tx.ctx, args...)
		return rows, mapErr(err)
	}
	rows, err := tx.tx.QueryContext(tx.ctx, query, args...)
	return rows, mapErr(err)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	query, args = db.rebind(query), bindArgs(args)
	if st := db.readStmts.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.reader.QueryRowContext(ctx, query, args...)
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query, args = db.rebind(query), bindArgs(args)
	if st := db.readStmts.get(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, mapErr(err)
	}
	rows, err := db.reader.QueryContext(ctx, query, args...)
	return rows, mapErr(err)
}

// nextID advances the named sequence and returns its new value.
func (tx *Tx) nextID(name string) (int64, error) {
	if _, err := tx.exec(`INSERT INTO sequences (name, value) VALUES (?, 0) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return 0, err
	}
	var v int64
	err := tx.queryRow(`UPDATE sequences SET value = value + 1 WHERE name = ? RETURNING value`, name).Scan(&v)
	return v, mapErr(err)
}

func unix(t time.Time) int64 { return t.UTC().Unix() }

func fromUnix(s int64) time.Time { return time.Unix(s, 0).UTC() }

func nullUnix(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromUnix(n.Int64)
}
