package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

// On SQLite a write transaction waits for the writer's turn; a writer
// whose request ends while it waits gives up without taking a turn, and
// the writers after it still get theirs.
func TestSQLiteWriterWhoseRequestEndsGivesUpItsTurn(t *testing.T) {
	db := openTestDB(t)
	if db.pg {
		t.Skip("PostgreSQL's writers share the database (writeTurn); this is SQLite's one writer")
	}
	ctx := context.Background()
	holding, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.WithTx(ctx, func(tx *Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	gone, cancel := context.WithCancel(ctx)
	waiting := make(chan error, 1)
	go func() {
		waiting <- db.WithTx(gone, func(tx *Tx) error {
			t.Error("a writer whose request ended ran")
			return nil
		})
	}()
	cancel()
	if err := <-waiting; !errors.Is(err, context.Canceled) {
		t.Fatalf("the waiting writer ended with %v, want context.Canceled", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	ran := false
	if err := db.WithTx(ctx, func(tx *Tx) error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("the next writer: ran %v, %v", ran, err)
	}
}

// A transaction whose request ends midway (the client went away) ends with
// the request's error, not with the sql.ErrTxDone that Commit gives once
// database/sql has rolled it back for the ended context.
func TestTransactionOfAnEndedRequestEndsWithItsError(t *testing.T) {
	db := openTestDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := db.WithTx(ctx, func(tx *Tx) error {
		if _, err := tx.CountAdmins(); err != nil {
			return err
		}
		cancel()
		// What database/sql does on its own when the context ends; done
		// here so that it has surely happened before Commit.
		return tx.tx.Rollback()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("WithTx: %v, want context.Canceled", err)
	}
	err = db.WithTx(context.Background(), func(tx *Tx) error { return tx.tx.Rollback() })
	if !errors.Is(err, sql.ErrTxDone) {
		t.Fatalf("a transaction rolled back under a live request: %v, want sql.ErrTxDone", err)
	}
}
