package handlers_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"kago/handlers"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A shopper who closes the tab while a page is being made cancels the
// request; that is logged once, quietly, as 499, and never as a 500 error.
func TestClientDisconnectIsNotAnError(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	k := newKitWith(t, kitOptions{configure: func(c *handlers.Config) { c.Log = log }})
	for _, path := range []string{"/", "/cart", "/products/1"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // gone before the shop could read anything
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		k.srv.Config.Handler.ServeHTTP(rec, req)
		if rec.Body.Len() != 0 {
			t.Errorf("%s: a page was written for a client that left: %d %q", path, rec.Code, rec.Body.String())
		}
	}
	got := logs.String()
	if strings.Contains(got, "level=ERROR") || strings.Contains(got, "status=500") {
		t.Fatalf("a disconnect was logged as an error:\n%s", got)
	}
	if n := strings.Count(got, "status=499"); n != 3 {
		t.Fatalf("want one 499 line per request, got %d:\n%s", n, got)
	}
}
