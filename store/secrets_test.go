package store_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"kago/store"
	"kago/store/storetest"
)

// Instances starting at once on one database each offer their own key;
// every one gets the same stored key, and a later offer changes nothing.
func TestSecretFirstWriterWins(t *testing.T) {
	ctx := context.Background()
	path := storetest.URL(t)
	var dbs []*store.DB
	for range 2 { // two processes' handles on one database
		db, err := store.Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	got := make([][]byte, 16)
	errs := make([]error, len(got))
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i], errs[i] = dbs[i%2].Secret(ctx, "session", []byte(fmt.Sprintf("candidate %02d", i))) })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("instance %d got %q (%v), instance 0 %q", i, got[i], errs[i], got[0])
		}
	}
	if again, err := dbs[1].Secret(ctx, "session", []byte("a later candidate")); err != nil || !bytes.Equal(again, got[0]) {
		t.Fatalf("a later start got %q (%v), want %q", again, err, got[0])
	}
	if other, err := dbs[0].Secret(ctx, "other", []byte("x")); err != nil || string(other) != "x" {
		t.Fatalf("another name: %q %v", other, err)
	}
}
