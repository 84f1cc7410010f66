package store

import "testing"

func TestNumberPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`:               `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`,
		`UPDATE t SET a = '?', b = ? WHERE c = 'it''s ?' AND d = ?`: `UPDATE t SET a = '?', b = $1 WHERE c = 'it''s ?' AND d = $2`,
		`SELECT "a?" FROM t -- why?` + "\n" + `WHERE b = ?`:         `SELECT "a?" FROM t -- why?` + "\n" + `WHERE b = $1`,
		`SELECT 'unterminated ?`:                                    `SELECT 'unterminated ?`,
		`SELECT a - ? FROM t`:                                       `SELECT a - $1 FROM t`,
	} {
		if got := numberPlaceholders(in); got != want {
			t.Errorf("numberPlaceholders(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

func TestPgMigrationSQL(t *testing.T) {
	in := "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    n  INTEGER NOT NULL DEFAULT 0,\n    integers_seen TEXT,\n    context TEXT NOT NULL\n);"
	want := "CREATE TABLE t (\n    id BIGINT PRIMARY KEY,\n    n  BIGINT NOT NULL DEFAULT 0,\n    integers_seen TEXT COLLATE \"C\",\n    context TEXT COLLATE \"C\" NOT NULL\n);"
	if got := string(pgMigrationSQL([]byte(in))); got != want {
		t.Errorf("pgMigrationSQL:\n%s\nwant\n%s", got, want)
	}
}
