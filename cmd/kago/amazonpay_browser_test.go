package main

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/chromedp/chromedp"
)

// amazonPayInBrowser clicks the real button (the emulator's checkout.js),
// signs in as 判図太郎 on the hosted page, presses 「続行」 and comes back to
// the shop's order page.
func amazonPayInBrowser(t *testing.T, ctx context.Context, a *app) {
	t.Helper()
	step(t, ctx,
		chromedp.Navigate(a.URL+"/"),
		chromedp.Click(chromedp.Search(`//a[contains(., "宇治抹茶 30g缶")]`)),
		chromedp.WaitVisible(chromedp.CSS("#quantity")),
		chromedp.Click(chromedp.Search(`//button[contains(., "カゴに入れる")]`)),
		chromedp.WaitVisible(chromedp.CSS("#AmazonPayButtonCart button")),
		chromedp.Click(chromedp.CSS("#AmazonPayButtonCart button")),
		chromedp.WaitVisible(chromedp.Search(`//button[contains(., "判図太郎 でログイン")]`)),
		chromedp.Click(chromedp.Search(`//button[contains(., "判図太郎 でログイン")]`)),
		chromedp.WaitVisible(chromedp.Search(`//button[contains(., "続行")]`)),
		chromedp.Click(chromedp.Search(`//button[contains(., "続行")]`)),
		chromedp.WaitVisible(chromedp.Search(`//legend[contains(., "お届け先（Amazonアカウント）")]`)),
	)
}

func TestBrowserAmazonPayZeroStep(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	ctx := browser(t)
	amazonPayInBrowser(t, ctx, a)
	step(t, ctx,
		chromedp.Click(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)),
	)
	if n := placeOrder(t, ctx); !strings.Contains(n, "100001") {
		t.Fatalf("order number %q", n)
	}
}

func TestBrowserAmazonPayThreeStepAndAdmin(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	ctx := browser(t)
	useThreeStepCart(t, ctx, a)
	amazonPayInBrowser(t, ctx, a)
	step(t, ctx,
		chromedp.Click(chromedp.Search(`//button[contains(., "次へ進む")]`)),
		chromedp.WaitVisible(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)),
	)
	if n := placeOrder(t, ctx); !strings.Contains(n, "100001") {
		t.Fatalf("order number %q", n)
	}
	findOrderInAdmin(t, ctx, a, "100001", "Amazon Pay")
	if s := text(t, ctx, ".amazon-frame"); !strings.Contains(s, "S03-") || !strings.Contains(s, "売上請求済み（Captured）") {
		t.Fatalf("yellow frame: %s", s)
	}
	step(t, ctx, chromedp.Navigate(a.URL+"/admin/mails"), chromedp.WaitVisible(chromedp.CSS(".data-table")))
	if s := text(t, ctx, ".data-table"); !strings.Contains(s, "【受注通知用コピーメール】") || !strings.Contains(s, "ご注文ありがとうございます") {
		t.Fatalf("mail list: %s", s)
	}
}

// TestBrowserAmazonPaySeparateEmulator: kago started with
// KAGO_AMAZONPAY_EMULATOR_URL uses a separately running emulator process
// (kago amazonpay-emulator, which knows no merchant at start): the shop
// registers its account with it, the buyer pays through its button and
// pages, and kago mounts no emulator of its own.
func TestBrowserAmazonPaySeparateEmulator(t *testing.T) {
	p, line := startProcess(t, "listening on ", "amazonpay-emulator", "-addr", "127.0.0.1:0", "-state", filepath.Join(t.TempDir(), "emulator.db"))
	emuURL := regexp.MustCompile(`listening on (\S+)`).FindStringSubmatch(line)[1]
	a := startApp(t, map[string]string{"KAGO_AMAZONPAY_EMULATOR_URL": emuURL})
	ctx := browser(t)
	amazonPayInBrowser(t, ctx, a)
	step(t, ctx,
		chromedp.Click(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)),
	)
	if n := placeOrder(t, ctx); !strings.Contains(n, "100001") {
		t.Fatalf("order number %q", n)
	}
	resp, err := http.Get(a.URL + "/amazonpay-emulator/checkout.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("kago still mounts an emulator: %d", resp.StatusCode)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t); err != nil {
		t.Fatal(err)
	}
}
