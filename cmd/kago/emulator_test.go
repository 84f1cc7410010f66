package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
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
	if err := runEmulator(context.Background(), []string{"stray"}, &out, &errb); err == nil {
		t.Fatal("a stray argument accepted")
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
	defer cancel()
	var errb syncBuffer
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	caFile := filepath.Join(dir, "ca.pem")
	stateFile := filepath.Join(dir, "state.db")
	go func() {
		done <- runEmulator(ctx, []string{"-addr", "127.0.0.1:0", "-tls", "-merchants", mfile, "-state", stateFile, "-pending-delay", "10ms", "-ca-out", caFile}, pw, &errb)
		pw.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var base string
	deadline := time.After(30 * time.Second)
	for base == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("emulator stopped: %v\n%s", <-done, errb.String())
			}
			if _, rest, found := strings.Cut(line, "listening on "); found {
				base = strings.Fields(rest)[0]
			}
		case <-deadline:
			t.Fatalf("the emulator did not start within 30 s\n%s", errb.String())
		}
	}
	go func() {
		for range lines {
		}
	}()
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
	case <-time.After(30 * time.Second):
		t.Fatal("the emulator did not stop within 30 s")
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

// process is kago run as a separate process by the test binary (TestMain).
type process struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan error
}

// startProcess runs kago with args and waits (at most 30 s) for a line of
// its output that contains want; it returns the process and that line.
func startProcess(t *testing.T, want string, args ...string) (*process, string) {
	t.Helper()
	p := &process{cmd: exec.Command(os.Args[0]), lines: make(chan string, 100), done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), "KAGO_TEST_MAIN="+strings.Join(args, "\n"))
	p.cmd.Stderr = os.Stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line := <-p.lines:
			if strings.Contains(line, want) {
				return p, line
			}
		case err := <-p.done:
			t.Fatalf("kago %s exited before %q: %v", args[0], want, err)
		case <-deadline:
			t.Fatalf("kago %s did not print %q within 30 s", args[0], want)
		}
	}
}

// wait waits (at most 30 s) for the process to end.
func (p *process) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("kago did not stop within 30 s")
		return nil
	}
}

// TestEmulatorCommandSurvivesKill: the standalone emulator saves each change
// before it answers, so after a kill -9 a restarted emulator still knows
// the captured charge the shop was told about, and replays its answer to a
// retried capture.
func TestEmulatorCommandSurvivesKill(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := amazonpay.MarshalPublicKeyPEM(&key.PublicKey)
	dir := t.TempDir()
	mfile := filepath.Join(dir, "merchants.json")
	const storeID = "amzn1.application-oa2-client.kill"
	ms, _ := json.Marshal([]emulator.Merchant{{MerchantID: "A1KILL", StoreID: storeID, PublicKeyID: "SANDBOX-KILLKEY", PublicKeyPEM: string(pub)}})
	if err := os.WriteFile(mfile, ms, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"amazonpay-emulator", "-addr", "127.0.0.1:0", "-merchants", mfile, "-state", filepath.Join(dir, "state.db")}
	listening := regexp.MustCompile(`listening on (\S+)`)
	p, line := startProcess(t, "listening on ", args...)
	base := listening.FindStringSubmatch(line)[1]
	c, err := amazonpay.New(amazonpay.Config{PublicKeyID: "SANDBOX-KILLKEY", PrivateKey: key, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cs, err := c.CreateCheckoutSession(ctx, amazonpay.CreateCheckoutSessionRequest{
		WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: "https://shop.example.jp/review"}, StoreID: storeID,
	}, "kill-create")
	if err != nil {
		t.Fatal(err)
	}
	br := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/signin", url.Values{"amazonCheckoutSessionId": {cs.CheckoutSessionID}, "buyerId": {emulator.BuyerTaro}}},
		{"/checkout/select", url.Values{"amazonCheckoutSessionId": {cs.CheckoutSessionID}, "address": {"0"}, "payment": {"0"}}},
	} {
		resp, err := br.PostForm(base+step.path, step.form)
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %v %v", step.path, resp, err)
		}
		resp.Body.Close()
	}
	up, err := c.UpdateCheckoutSession(ctx, cs.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{
		WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: "https://shop.example.jp/result"},
		PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: "Authorize", ChargeAmount: amazonpay.PtrJPY(2480)},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := br.Get(up.WebCheckoutDetails.AmazonPayRedirectURL)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("redirect URL: %v %v", resp, err)
	}
	resp.Body.Close()
	done, err := c.CompleteCheckoutSession(ctx, cs.CheckoutSessionID, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(2480)}, "kill-complete")
	if err != nil {
		t.Fatal(err)
	}
	captured, err := c.CaptureCharge(ctx, done.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(2480)}, "kill-capture")
	if err != nil {
		t.Fatal(err)
	}

	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.wait(t)
	p, line = startProcess(t, "listening on ", args...)
	base = listening.FindStringSubmatch(line)[1]
	c, err = amazonpay.New(amazonpay.Config{PublicKeyID: "SANDBOX-KILLKEY", PrivateKey: key, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := c.GetCharge(ctx, done.ChargeID)
	if err != nil || ch.StatusDetails.State != "Captured" || ch.CaptureAmount == nil || ch.CaptureAmount.Amount != "2480" {
		t.Fatalf("after kill -9: %+v %v", ch, err)
	}
	again, err := c.CaptureCharge(ctx, done.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(2480)}, "kill-capture")
	if err != nil || again.StatusDetails.LastUpdatedTimestamp != captured.StatusDetails.LastUpdatedTimestamp {
		t.Fatalf("retried capture: %+v %v", again, err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t); err != nil {
		t.Fatalf("stopping: %v", err)
	}
}
