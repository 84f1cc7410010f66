package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"kago/migrations"
)

// This file is the one place that knows how SQLite and PostgreSQL differ:
// opening, placeholders, migrations, error codes, transaction isolation and
// its retries. The queries themselves are written once, portable to both.

// pgMaxConns bounds a PostgreSQL pool, which serves reads and writes.
const pgMaxConns = 16

// openPostgres opens the PostgreSQL database that url names, with one pool
// for reads and writes.
func openPostgres(ctx context.Context, url string, now func() time.Time) (*DB, error) {
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(pgMaxConns)
	pool.SetMaxIdleConns(pgMaxConns / 4)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	// No stmtCache: pgx prepares and keeps each query per connection itself.
	db := &DB{pg: true, writer: pool, reader: pool, now: now, writeSlots: make(chan struct{}, pgMaxConns/2)}
	// Behind a load balancer one shopper's requests reach several
	// instances, and a write on one cannot clear another's cache: their
	// cart and checkout are read from the database every time. Shelves and
	// settings may lag another instance's change by catalogTTL.
	db.cartCounts.off, db.checkouts.off = true, true
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// migrate applies the embedded migrations. On PostgreSQL one instance at a
// time does it (goose's session locker: an advisory lock), and the SQL is
// translated by pgMigrationSQL.
func (db *DB) migrate(ctx context.Context) error {
	// Out-of-order: features are built on branches that each take their own
	// range of migration numbers, so a lower number may land after a higher one.
	opts := []goose.ProviderOption{goose.WithAllowOutofOrder(true),
		goose.WithGoMigrations(backfillBuyerGiven(db.rebind))}
	dialect, fsys := goose.DialectSQLite3, fs.FS(migrations.FS)
	if db.pg {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
		dialect, fsys = goose.DialectPostgres, pgMigrations{migrations.FS}
	}
	p, err := goose.NewProvider(dialect, db.writer, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}

// integerWord and textWord are SQLite's INTEGER and TEXT column types.
var (
	integerWord = regexp.MustCompile(`\bINTEGER\b`)
	textWord    = regexp.MustCompile(`\bTEXT\b`)
)

// pgMigrationSQL translates a migration written for SQLite into
// PostgreSQL's: INTEGER (64 bits in SQLite: unix seconds, yen sums, IDs)
// becomes BIGINT, and TEXT compares byte by byte (COLLATE "C") as SQLite's
// does, whatever the database's locale: the name searches' prefix ranges
// (name >= 'x' AND name < 'x' + U+10FFFF), ORDER BY and lower() (ASCII
// only) then agree on both. Everything else in the migrations is portable.
func pgMigrationSQL(src []byte) []byte {
	src = integerWord.ReplaceAll(src, []byte("BIGINT"))
	return textWord.ReplaceAll(src, []byte(`TEXT COLLATE "C"`))
}

// pgMigrations is the migrations' file system with each file translated by
// pgMigrationSQL.
type pgMigrations struct{ fs.FS }

func (m pgMigrations) Open(name string) (fs.File, error) {
	f, err := m.FS.Open(name)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		return f, err
	}
	defer f.Close()
	src, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return &memFile{Reader: bytes.NewReader(pgMigrationSQL(src)), info: info}, nil
}

type memFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

// rebinds memoises rebind's PostgreSQL form per SQL text.
var rebinds sync.Map

// rebind is the one place that knows the placeholder style. SQLite takes
// '?' as written; PostgreSQL gets $1, $2, ... in their place, leaving a '?'
// inside a string literal, a quoted name or a comment as it is.
func (db *DB) rebind(query string) string {
	if !db.pg || strings.IndexByte(query, '?') < 0 {
		return query
	}
	if q, ok := rebinds.Load(query); ok {
		return q.(string)
	}
	q := numberPlaceholders(query)
	rebinds.Store(query, q)
	return q
}

func numberPlaceholders(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			// A doubled quote inside ends the literal and opens it again.
			end := len(query) - 1
			if j := strings.IndexByte(query[i+1:], c); j >= 0 {
				end = i + 1 + j
			}
			b.WriteString(query[i : end+1])
			i = end
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// bindArgs makes query arguments fit both drivers: a Go bool is bound as the
// 0 or 1 that the INTEGER columns hold (pgx refuses a bool for a bigint).
func bindArgs(in []any) []any {
	var out []any
	for i, a := range in {
		if b, ok := a.(bool); ok {
			if out == nil {
				out = append([]any(nil), in...)
			}
			out[i] = 0
			if b {
				out[i] = 1
			}
		}
	}
	if out == nil {
		return in
	}
	return out
}

// txOptions is the isolation of a write transaction. SQLite's writer
// transactions begin IMMEDIATE on its one connection: they run one after
// another. PostgreSQL's run SERIALIZABLE, so they behave as if they had,
// and WithTx retries the one that lost (retryable).
func (db *DB) txOptions() *sql.TxOptions {
	if db.pg {
		return &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	return nil
}

// maxTxAttempts bounds the runs of one PostgreSQL transaction;
// optimisticAttempts run side by side with the others, a later one alone
// (DB.writeTurn).
const (
	maxTxAttempts      = 12
	optimisticAttempts = 3
)

// writeLock is the advisory lock that orders the write transactions.
const writeLock = 0x6b61676f // "kago"

// writeTurn takes a connection for one PostgreSQL write transaction and
// on it, before the transaction begins (so that its snapshot is taken
// after the wait), the write lock: shared while the transaction may run
// beside others (SERIALIZABLE aborts one of two that collide, and WithTx
// runs it again), exclusive for a transaction that lost
// optimisticAttempts times. That one waits for the writers running now,
// new writers wait for it, and running alone it cannot lose again: on a
// hot row (the last items everyone buys, the order number) every writer
// finishes instead of colliding until it gives up. At most half the
// pool's connections wait for or hold the lock (writeSlots), so reads
// always find a connection. done releases the lock and the connection;
// a connection whose lock state is unknown (an error, a cancelled wait)
// is discarded, never given back holding the lock.
func (db *DB) writeTurn(ctx context.Context, alone bool) (conn *sql.Conn, done func(), err error) {
	select {
	case db.writeSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	lock, unlock := `SELECT pg_advisory_lock_shared($1)`, `SELECT pg_advisory_unlock_shared($1)`
	if alone {
		lock, unlock = `SELECT pg_advisory_lock($1)`, `SELECT pg_advisory_unlock($1)`
	}
	discard := func() { _ = conn.Raw(func(any) error { return driver.ErrBadConn }) }
	if conn, err = db.writer.Conn(ctx); err == nil {
		if _, err = conn.ExecContext(ctx, lock, writeLock); err != nil {
			discard()
			conn.Close()
		}
	}
	if err != nil {
		<-db.writeSlots
		return nil, nil, err
	}
	return conn, func() {
		if _, err := conn.ExecContext(context.Background(), unlock, writeLock); err != nil {
			discard()
		}
		conn.Close()
		<-db.writeSlots
	}, nil
}

// retryable reports whether err ended a transaction that is worth running
// again: PostgreSQL's serialization failure or deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// retryPause waits a little (up to 8, 16, ... 128 ms, at random), so the
// transactions that collided do not collide again; false when ctx ends.
func retryPause(ctx context.Context, attempt int) bool {
	d := time.Duration(1+rand.IntN(4<<min(attempt, 5))) * time.Millisecond
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// mapErr turns driver errors into the store's errors by code, never by text.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", ErrConflict, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}
