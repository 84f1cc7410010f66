package main

import (
	"io"
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
