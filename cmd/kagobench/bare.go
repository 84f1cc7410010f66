package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// runBare serves the yardstick: a bare Echo handler (no middleware) that
// answers GET /N with an HTML page of N bytes, for each size given, under
// the same http.Server timeouts as kago.
func runBare(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kagobench bare", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	sizes := fs.String("sizes", "8192", "comma-separated page sizes in bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pages := map[string][]byte{}
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return fmt.Errorf("bad size %q", f)
		}
		pages[f] = barePage(n)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/:size", func(c echo.Context) error {
		p, ok := pages[c.Param("size")]
		if !ok {
			return echo.ErrNotFound
		}
		return c.HTMLBlob(http.StatusOK, p)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	fmt.Fprintf(out, "Bare: http://%s/\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// barePage is an HTML document of exactly n bytes (only filler when n is
// too small for the tags).
func barePage(n int) []byte {
	head, tail := "<!doctype html><html lang=\"ja\"><head><title>bare</title></head><body><p>", "</p></body></html>\n"
	if n < len(head)+len(tail) {
		return []byte(strings.Repeat("x", n))
	}
	return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}
