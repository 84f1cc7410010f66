package store

import (
	"context"
	"database/sql"
	"testing"

	"modernc.org/sqlite"
)

// The SQLite page caches of the writer and of the whole reader pool stay
// within writerCacheKiB + readersCacheKiB however much they read: a table
// three times that size is read through every connection at once.
func TestPageCachesStayWithinBudget(t *testing.T) {
	db := openTestDB(t)
	if db.pg {
		t.Skip("PostgreSQL keeps its caches in the server")
	}
	ctx := context.Background()
	const rows = 3 * (writerCacheKiB + readersCacheKiB) / 4 // one 4 KiB page each
	if _, err := db.writer.ExecContext(ctx, `CREATE TABLE cache_probe (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO cache_probe (v) SELECT hex(randomblob(1800)) FROM n`, rows); err != nil {
		t.Fatal(err)
	}
	conns := []*sql.Conn{}
	for range readerConns() {
		c, err := db.reader.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	w, err := db.writer.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	conns = append(conns, w)

	for _, c := range conns {
		var n int
		var v string
		if err := c.QueryRowContext(ctx, `SELECT count(*), max(v) FROM cache_probe`).Scan(&n, &v); err != nil || n != rows {
			t.Fatalf("scan: %d rows, %v", n, err)
		}
	}
	// SQLite may move cached pages from one connection to another: what
	// each holds is counted once all have read.
	var used, readersKiB int
	for i, c := range conns {
		var size int
		if err := c.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&size); err != nil {
			t.Fatal(err)
		}
		if c != w {
			readersKiB += -size
		} else if size != -writerCacheKiB {
			t.Errorf("writer cache_size %d, want -%d", size, writerCacheKiB)
		}
		if err := c.Raw(func(dc any) error {
			cur, _, err := dc.(sqlite.DBStatus).Status(sqlite.DBStatusCacheUsed, false)
			used += cur
			t.Logf("connection %d: cache_size %d, %d KiB used", i, size, cur>>10)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if readersKiB <= 0 || readersKiB > readersCacheKiB {
		t.Errorf("the readers' cache_size adds up to %d KiB, want 1 to %d", readersKiB, readersCacheKiB)
	}
	// SQLite counts a page with its headers in the cache_size budget, and a
	// little more (the pager, one spare page) in the memory used.
	if limit := (writerCacheKiB+readersCacheKiB)<<10*11/10 + len(conns)*16<<10; used > limit {
		t.Errorf("the page caches hold %d KiB after the scans, want at most %d KiB", used>>10, limit>>10)
	}
}
