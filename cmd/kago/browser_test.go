package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"
	"kago/store/storetest"
)

// app is the whole binary's run() serving on a free port over a temp dir.
type app struct {
	URL, AdminEmail, AdminPassword string
	done                           chan error
}

var (
	shopLine  = regexp.MustCompile(`Shop:\s+(\S+)/`)
	loginLine = regexp.MustCompile(`Admin login \(shown once, keep it\): (\S+) / (\S+)`)
)

// startApp runs kago as a user would start it (kago serve with the
// environment given), and reads the URL and admin login from what it
// prints. Admin passwords are hashed at bcrypt's lowest cost.
func startApp(t *testing.T, extraEnv map[string]string) *app {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{"KAGO_ADDR": "127.0.0.1:0", "KAGO_DATA": t.TempDir(), "KAGO_DATABASE_URL": storetest.URL(t), "KAGO_LOG_LEVEL": "warn"}
	for k, v := range extraEnv {
		env[k] = v
	}
	pr, pw := io.Pipe()
	a := &app{done: make(chan error, 1)}
	cfg, err := parseServeConfig(nil, func(k string) string { return env[k] }, os.Stderr)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	cfg.passwordCost = bcrypt.MinCost // the default cost costs 0.7 s a hash under -race
	go func() {
		a.done <- serve(ctx, cfg, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		if m := shopLine.FindStringSubmatch(line); m != nil {
			a.URL = m[1]
		}
		if m := loginLine.FindStringSubmatch(line); m != nil {
			a.AdminEmail, a.AdminPassword = m[1], m[2]
		}
		if strings.Contains(line, "Mail:") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if a.URL == "" {
		cancel()
		t.Fatalf("kago did not start: %v", <-a.done)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-a.done; err != nil {
			t.Errorf("kago stopped with %v", err)
		}
	})
	return a
}

// browser starts Debian's Chromium headless; make test installs it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: run 'make test' (it installs Debian's chromium) or apt-get install chromium")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser with no deadline
		t.Fatal(err)
	}
	return ctx
}

// step runs browser actions with a deadline so a missing element fails the
// test instead of hanging it.
func step(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBrowserAddToCartThenAdmin(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	ctx := browser(t)
	step(t, ctx,
		chromedp.Navigate(a.URL+"/"),
		chromedp.Click(chromedp.Search(`//a[contains(., "宇治抹茶 30g缶")]`)),
		chromedp.WaitVisible(chromedp.CSS("#quantity")),
		chromedp.SetValue(chromedp.CSS("#quantity"), "2"),
		chromedp.Click(chromedp.Search(`//button[contains(., "カゴに入れる")]`)),
		chromedp.WaitVisible(chromedp.CSS(".cart-table")),
	)
	body := text(t, ctx, "main")
	for _, want := range []string{"カゴに商品を入れました。", "宇治抹茶 30g缶", "4,320円"} {
		if !strings.Contains(body, want) {
			t.Errorf("cart page lacks %q:\n%s", want, body)
		}
	}
	if badge := text(t, ctx, ".badge"); badge != "2" {
		t.Errorf("cart badge %q, want 2", badge)
	}

	adminLogin(t, ctx, a)
	if s := text(t, ctx, ".admin-main"); !strings.Contains(s, "在庫が少ない商品") {
		t.Errorf("dashboard: %s", s)
	}
}
