package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kago/store"
)

// TestSessionKeyMovesToTheDatabase: an existing shop's session.key is
// adopted into the database at the first start (so its shoppers stay
// signed in), and a second kago on the same data directory refuses to
// start instead of sharing the first one's instance ID.
func TestSessionKeyMovesToTheDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := make([]byte, sessionKeySize)
	_, _ = rand.Read(old)
	if err := os.WriteFile(filepath.Join(dir, "session.key"), old, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KAGO_ADDR": "127.0.0.1:0", "KAGO_DATA": dir, "KAGO_LOG_LEVEL": "warn"}
	startOnce(t, env)

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"kago"}, func(k string) string { return env[k] }, pw, io.Discard) }()
	buf := make([]byte, 100)
	if _, err := pr.Read(buf); err != nil { // it serves: the data directory is held
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	err := run(context.Background(), []string{"kago"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "in use by another kago process") {
		t.Errorf("a second kago on the same data directory: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(context.Background(), filepath.Join(dir, "kago.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if key, err := db.Secret(context.Background(), "session_key", []byte("another")); err != nil || !bytes.Equal(key, old) {
		t.Fatalf("the database's session key is not the file's: %v", err)
	}
}
