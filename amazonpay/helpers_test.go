package amazonpay

import (
	"crypto/rand"
	"io"
	"testing"
)

func testRand() io.Reader { return rand.Reader }

func newTestClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
