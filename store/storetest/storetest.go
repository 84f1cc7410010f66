// Package storetest gives tests a fresh, empty database for store.Open:
// an SQLite file in the test's temp dir, or, when KAGO_TEST_DATABASE_URL
// names a PostgreSQL server (postgres://...), a database created on it
// for the test and dropped after it (scripts/pgtest.sh starts such a
// server).
package storetest

import (
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvURL names the PostgreSQL server the tests use instead of SQLite.
const EnvURL = "KAGO_TEST_DATABASE_URL"

var (
	serverOnce sync.Once
	server     *sql.DB
	serverErr  error
)

// URL returns the URL of a new empty database for t: store.Open creates
// the schema in it. Opening the same URL again reaches the same database.
// A PostgreSQL database is dropped when t ends, after the cleanups that t
// registered later (such as closing the store).
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		return "sqlite:" + filepath.Join(t.TempDir(), "kago.db")
	}
	serverOnce.Do(func() {
		server, serverErr = sql.Open("pgx", base)
		if serverErr == nil {
			serverErr = server.Ping()
		}
	})
	if serverErr != nil {
		t.Fatalf("storetest: %s: %v", EnvURL, serverErr)
	}
	name := "kago_t_" + strings.ToLower(rand.Text()[:16])
	if _, err := server.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		if _, err := server.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres reports whether the tests run against PostgreSQL.
func Postgres() bool { return os.Getenv(EnvURL) != "" }
