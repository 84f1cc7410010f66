package main

import (
	"bufio"
	"context"
	"io"
	"kago/store/storetest"
	"strings"
	"testing"
)

func TestTrustedProxiesFlag(t *testing.T) {
	env := func(k string) string {
		if k == "KAGO_TRUSTED_PROXIES" {
			return "127.0.0.1, 10.0.0.0/8,::1"
		}
		return ""
	}
	cfg, err := parseServeConfig(nil, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range cfg.TrustedProxies {
		got = append(got, n.String())
	}
	if len(got) != 3 || got[0] != "127.0.0.1/32" || got[1] != "10.0.0.0/8" || got[2] != "::1/128" {
		t.Fatalf("trusted proxies %v", got)
	}
	for _, bad := range []string{"proxy.example.jp", "10.0.0.0/33"} {
		if _, err := parseServeConfig([]string{"-trusted-proxies", bad}, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("-trusted-proxies %q accepted", bad)
		}
	}
}

// TestSecondStartSaysHowToResetThePassword: the first start prints the
// admin password once; a later start says how to set a new one.
func TestSecondStartSaysHowToResetThePassword(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"KAGO_ADDR": "127.0.0.1:0", "KAGO_DATA": dir, "KAGO_DATABASE_URL": storetest.URL(t), "KAGO_LOG_LEVEL": "warn"}
	for i, want := range []string{"Admin login (shown once, keep it): admin@example.com / ", "KAGO_ADMIN_PASSWORD=new-password"} {
		out := startOnce(t, env)
		if !strings.Contains(out, want) {
			t.Fatalf("start %d printed:\n%s\nwant %q", i+1, out, want)
		}
	}
}

// startOnce starts kago, reads what it prints up to the mail line, and
// stops it.
func startOnce(t *testing.T, env map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"kago"}, func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
	}()
	var b strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "Mail:") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return b.String()
}
