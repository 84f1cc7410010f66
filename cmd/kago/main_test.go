package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// TestMain lets a test run this test binary as the kago command, so that it
// can kill -9 a real process: with KAGO_TEST_MAIN set to the arguments
// (one per line) the process runs run() and exits.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("KAGO_TEST_MAIN"); ok {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, append([]string{"kago"}, strings.Split(args, "\n")...), os.Getenv, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "kago:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
