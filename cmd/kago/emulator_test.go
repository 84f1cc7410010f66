package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"kago/amazonpay"
	"kago/amazonpay/emulator"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunEmulatorHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if err := runEmulator(context.Background(), []string{"-h"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"-addr", "-tls", "-merchants", "-state", "-pending-delay", "-public-url", "-max-skew", "-duplicate-notifications", "-signature-version", "-ca-out"} {
		if !strings.Contains(errb.String(), flag) {
			t.Errorf("help does not document %s:\n%s", flag, errb.String())
		}
	}
}

func TestRunEmulatorBadArgs(t *testing.T) {
	var out, errb bytes.Buffer
	if err := runEmulator(context.Background(), nil, &out, &errb); err == nil {
		t.Fatal("no -merchants accepted")
	}
	if err := runEmulator(context.Background(), []string{"-merchants", filepath.Join(t.TempDir(), "none.json")}, &out, &errb); err == nil {
		t.Fatal("missing merchants file accepted")
	}
}

// TestRunEmulatorServes starts the command on a free port over TLS, calls
// the API with our client, and stops it with the context.
func TestRunEmulatorServes(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := amazonpay.MarshalPublicKeyPEM(&key.PublicKey)
	dir := t.TempDir()
	mfile := filepath.Join(dir, "merchants.json")
	ms, _ := json.Marshal([]emulator.Merchant{{MerchantID: "A1CMD", StoreID: "amzn1.application-oa2-client.cmd", PublicKeyID: "SANDBOX-CMDKEY", PublicKeyPEM: string(pub)}})
	if err := os.WriteFile(mfile, ms, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan error, 1)
	caFile := filepath.Join(dir, "ca.pem")
	stateFile := filepath.Join(dir, "state.json")
	go func() {
		done <- runEmulator(ctx, []string{"-addr", "127.0.0.1:0", "-tls", "-merchants", mfile, "-state", stateFile, "-pending-delay", "10ms", "-ca-out", caFile}, &out, &errb)
	}()
	var base string
	started := time.After(time.Minute) // a hang fails here, not at go test's 10-minute timeout
	for base == "" {
		select {
		case err := <-done:
			t.Fatalf("emulator stopped: %v\n%s", err, errb.String())
		case <-started:
			t.Fatalf("the emulator did not say where it listens within a minute:\n%s%s", out.String(), errb.String())
		case <-time.After(5 * time.Millisecond):
		}
		if s := out.String(); strings.Contains(s, "listening on ") {
			base = strings.Fields(strings.SplitN(s, "listening on ", 2)[1])[0]
		}
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	tlsClient := httpsClient(t, caPEM)
	c, err := amazonpay.New(amazonpay.Config{PublicKeyID: "SANDBOX-CMDKEY", PrivateKey: key, BaseURL: base, HTTPClient: tlsClient})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := c.CreateCheckoutSession(ctx, amazonpay.CreateCheckoutSessionRequest{
		WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: "https://shop.example.jp/review"},
		StoreID:            "amzn1.application-oa2-client.cmd",
	}, "cmd-test-1")
	if err != nil {
		t.Fatal(err)
	}
	if cs.StatusDetails.State != "Open" || !strings.HasPrefix(cs.WebCheckoutDetails.CheckoutReviewReturnURL, "https://shop.example.jp/") {
		t.Fatalf("%+v", cs)
	}
	resp, err := tlsClient.Get(base + "/checkout.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(js), "renderButton") || !strings.Contains(string(js), base) {
		t.Fatal("checkout.js does not carry the public URL")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the emulator did not stop within a minute of its context ending")
	}
	if _, err := os.Stat(stateFile); err != nil {
		t.Fatalf("state file not written: %v", err)
	}
}

func httpsClient(t *testing.T, caPEM []byte) *http.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("bad CA PEM")
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}
