package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserConsoleCaptureReachesTheOrder is the issue's "tried as a new
// user would" with make run's setup (the built-in emulator, its IPN URL
// registered): the merchant sells with オーソリのみ, captures the payment in
// the emulator's console (its Seller Central), and finds the order
// captured, a history row by Amazon通知 and the IPN mail in the mail list;
// 決済直前ログ and Amazon Pay照合 open from the admin.
func TestBrowserConsoleCaptureReachesTheOrder(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	adminLogin(t, ctx, a)
	step(t, ctx,
		chromedp.Navigate(a.URL+"/admin/amazonpay"),
		chromedp.Click(chromedp.CSS("#sale_method_Authorize")),
		chromedp.Click(chromedp.Search(`//form[@action="/admin/amazonpay"]//button[contains(., "保存する")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Amazon Payの設定を保存しました。")]`)),
	)
	amazonPayInBrowser(t, ctx, a)
	step(t, ctx,
		chromedp.Click(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)),
	)
	if n := placeOrder(t, ctx); !strings.Contains(n, "100001") {
		t.Fatalf("order number %q", n)
	}
	step(t, ctx,
		chromedp.Navigate(a.URL+"/admin/amazonpay-emulator/console"),
		chromedp.Click(chromedp.Search(`//button[@value="capture"]`)),
		chromedp.WaitVisible(chromedp.Search(`//button[@value="refund"]`)),
	)
	// The notification is delivered and processed in the background.
	var frame string
	for range 100 {
		findOrderInAdmin(t, ctx, a, "100001", "Amazon Pay")
		if frame = text(t, ctx, ".amazon-frame"); strings.Contains(frame, "売上請求済み（Captured）") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(frame, "売上請求済み（Captured）") {
		t.Fatalf("the order did not follow Amazon's capture: %s", frame)
	}
	if s := text(t, ctx, "#history"); !strings.Contains(s, "Amazon通知") {
		t.Fatalf("操作履歴 without Amazon通知: %s", s)
	}
	step(t, ctx, chromedp.Navigate(a.URL+"/admin/mails"), chromedp.WaitVisible(chromedp.CSS(".data-table")))
	if s := text(t, ctx, ".data-table"); !strings.Contains(s, "【注文番号：100001】Amazon Payインスタント決済通知（IPN）受信メール") {
		t.Fatalf("mail list: %s", s)
	}
	step(t, ctx, chromedp.Navigate(a.URL+"/admin/amazonpay/prepayment-log"), chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "決済直前ログ")]`)))
	step(t, ctx, chromedp.Navigate(a.URL+"/admin/amazonpay/reconcile"), chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Amazon Pay照合")]`)))
}
