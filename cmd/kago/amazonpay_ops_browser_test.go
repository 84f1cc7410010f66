package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// acceptDialogs answers every confirmation dialog with OK, as the merchant
// does, and returns the questions asked so far.
func acceptDialogs(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	var mu sync.Mutex
	var asked []string
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			mu.Lock()
			asked = append(asked, ev.Message)
			mu.Unlock()
			if _, err := chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil {
				return
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), asked...)
	}
}

// TestBrowserAmazonPayCaptureAndPartialRefund: the merchant sells with
// オーソリのみ, and on 受注明細 presses 売上請求, then refunds part of the
// money (一部の金額を返金する, 返金確定), each behind its confirmation dialog.
func TestBrowserAmazonPayCaptureAndPartialRefund(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	asked := acceptDialogs(t, ctx)
	adminLogin(t, ctx, a)
	step(t, ctx,
		chromedp.Navigate(a.URL+"/admin/amazonpay"),
		chromedp.Click(chromedp.CSS("#sale_method_Authorize")),
		chromedp.Click(chromedp.Search(`//button[contains(., "保存する")]`)),
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
	findOrderInAdmin(t, ctx, a, "100001", "Amazon Pay")
	step(t, ctx,
		chromedp.Click(chromedp.Search(`//button[contains(., "最新の状態に更新")]`)),
		chromedp.WaitVisible(chromedp.Search(`//dd[contains(., "オーソリ（Authorized）")]`)),
		chromedp.Click(chromedp.Search(`//section[@id="amazonpay"]//button[normalize-space(.)="売上請求"]`)),
		chromedp.WaitVisible(chromedp.Search(`//dd[contains(., "売上請求済み（Captured）")]`)),
	)
	if s := text(t, ctx, ".flash"); !strings.Contains(s, "売上請求しました") {
		t.Fatalf("after 売上請求: %s", s)
	}
	step(t, ctx,
		chromedp.Click(chromedp.Search(`//label[contains(., "一部の金額を返金する")]/input`)),
		chromedp.SendKeys(chromedp.CSS(".payment-op.refund input[name=amount]"), "500"),
		chromedp.Click(chromedp.Search(`//button[contains(., "返金確定")]`)),
		chromedp.WaitVisible(chromedp.Search(`//dd[contains(., "処理中（RefundInitiated）")]`)),
	)
	if s := text(t, ctx, "#history"); !strings.Contains(s, "返金") || !strings.Contains(s, "500円") || !strings.Contains(s, "売上請求") {
		t.Fatalf("操作履歴: %s", s)
	}
	q := asked()
	if len(q) != 3 || !strings.Contains(q[1], "売上請求（") || !strings.Contains(q[2], "500円を返金します") {
		t.Fatalf("confirmation dialogs: %q", q)
	}
}
