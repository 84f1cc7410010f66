package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"kago/amazonpay/emulator"
)

// runEmulator implements "kago amazonpay-emulator": the local Amazon Pay on
// its own port. args are the arguments after the subcommand name. It serves
// until ctx ends, then shuts down cleanly.
func runEmulator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("amazonpay-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8081", "`HOST:PORT` to listen on (port 0 picks a free one)")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a certificate issued by the emulator's own CA (Amazon's Node SDK only speaks HTTPS to an override host)")
	merchantsFile := fs.String("merchants", "", "JSON `FILE`: an array of {\"merchantId\", \"storeId\", \"publicKeyId\", \"publicKeyPem\", \"ipnUrl\"} to register at start (a shop started with -amazonpay-emulator-url registers itself)")
	stateFile := fs.String("state", "", "SQLite `FILE` keeping merchants, objects, idempotency records and the clock; each change is written before its answer, so a kill -9 loses nothing (default: memory only)")
	pendingDelay := fs.Duration("pending-delay", emulator.DefaultPendingDelay, "how long pending authorizations, asynchronous captures and refunds take")
	publicURL := fs.String("public-url", "", "absolute `URL` the emulator is reached at, for hosted pages and redirects (default: http(s)://ADDR)")
	maxSkew := fs.Duration("max-skew", emulator.DefaultMaxSkew, "accepted difference between x-amz-pay-date and the real clock")
	dup := fs.Bool("duplicate-notifications", false, "send every notification twice, as SNS may")
	sigVersion := fs.String("signature-version", "1", "SNS SignatureVersion of notifications: 1 (SHA1withRSA, as Amazon's sandbox) or 2 (SHA256withRSA)")
	caOut := fs.String("ca-out", "", "write the emulator's CA certificate (PEM) to `FILE`, to trust its TLS and notification certificates")
	verbose := fs.Bool("v", false, "log every API call")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: kago amazonpay-emulator [-merchants FILE] [flags]

Runs the local Amazon Pay (API v2, Japan) on its own port: the API under
/v2, /sandbox/v2 and /live/v2, checkout.js, the hosted sign-in, address and
payment pages, signed notifications to each merchant's ipnUrl, and the console
at /console. Point any client at it, Amazon's official SDKs included.

The console answers only clients on this host (a loopback address). A new
merchant account registers itself (POST /merchants, signed with its own key)
from this host only; an account changes only when signed with its key.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("amazonpay-emulator: unexpected arguments %q", fs.Args())
	}
	var merchants []emulator.Merchant
	if *merchantsFile != "" {
		var err error
		if merchants, err = readMerchants(*merchantsFile); err != nil {
			return err
		}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("amazonpay-emulator: %w", err)
	}
	defer ln.Close()
	scheme := "http"
	if *useTLS {
		scheme = "https"
	}
	pub := *publicURL
	if pub == "" {
		pub = scheme + "://" + ln.Addr().String()
	}
	em, err := emulator.New(emulator.Options{
		PublicURL:              pub,
		PendingDelay:           *pendingDelay,
		MaxSkew:                *maxSkew,
		StateFile:              *stateFile,
		Logger:                 log,
		DuplicateNotifications: *dup,
		SignatureVersion:       *sigVersion,
	})
	if err != nil {
		return err
	}
	defer em.Close()
	for _, m := range merchants {
		if err := em.RegisterMerchant(m); err != nil {
			return err
		}
	}
	if *caOut != "" {
		pemBytes, err := em.CACertPEM()
		if err != nil {
			return err
		}
		if err := os.WriteFile(*caOut, pemBytes, 0o644); err != nil {
			return fmt.Errorf("amazonpay-emulator: %w", err)
		}
	}
	srv := &http.Server{
		Handler:           em,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // latency faults may hold an answer back
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if *useTLS {
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		cfg, err := em.TLSConfig(host)
		if err != nil {
			return err
		}
		srv.TLSConfig = cfg
		ln = tls.NewListener(ln, cfg)
	}
	fmt.Fprintf(stdout, "Amazon Pay emulator listening on %s\n", pub)
	fmt.Fprintf(stdout, "  API:         %s/v2/... (and /sandbox/v2, /live/v2)\n", pub)
	fmt.Fprintf(stdout, "  checkout.js: %s/checkout.js\n", pub)
	fmt.Fprintf(stdout, "  console:     %s/console\n", pub)
	fmt.Fprintf(stdout, "  CA:          %s/ca.pem\n", pub)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("amazonpay-emulator: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	<-errc
	return em.Close()
}

func readMerchants(path string) ([]emulator.Merchant, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("amazonpay-emulator: merchants: %w", err)
	}
	var ms []emulator.Merchant
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ms); err != nil {
		return nil, fmt.Errorf("amazonpay-emulator: merchants file %s: %w", path, err)
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("amazonpay-emulator: merchants file %s lists no merchant", path)
	}
	return ms, nil
}
