package store

import (
	"context"
	"testing"
)

// Queries are prepared once per pool and reused: the writer's after the
// transaction that first ran them (its one connection is busy until then),
// the readers' on first use. A bad query still reports its error.
// SQLite only: on PostgreSQL pgx keeps the prepared statements.
func TestQueriesArePrepared(t *testing.T) {
	db := openTestDB(t)
	if db.pg {
		t.Skip("pgx prepares the statements on PostgreSQL")
	}
	ctx := context.Background()
	count := func(c *stmtCache) int {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return len(c.stmts)
	}
	before := count(&db.writeStmts)
	putSetting(t, db, "shop_name", "かご屋")
	after := count(&db.writeStmts)
	if after <= before {
		t.Fatalf("the writer prepared nothing: %d statements, %d before", after, before)
	}
	var unprepared []string
	if err := db.WithTx(ctx, func(tx *Tx) error {
		err := tx.PutSettings(map[string]string{"shop_name": "茶の店"})
		unprepared = tx.unprepared
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(unprepared) != 0 || count(&db.writeStmts) != after {
		t.Fatalf("the same write was not served prepared: %q", unprepared)
	}
	s, err := db.CurrentSettings(ctx)
	if err != nil || s.Values["shop_name"] != "茶の店" {
		t.Fatalf("read back: %v %v", s, err)
	}
	if db.readStmts.lookup(`SELECT key, value FROM settings`) == nil {
		t.Fatal("the reader's query was not kept prepared")
	}
	if _, err := db.query(ctx, `SELECT nope FROM nowhere`); err == nil {
		t.Fatal("a bad query gave no error")
	}
}
