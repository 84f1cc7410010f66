package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// cspMarker starts the console line that reports a policy violation.
const cspMarker = "CSP-VIOLATION"

// watchCSP collects every Content-Security-Policy violation in the tab: a
// listener put into every new document forwards each securitypolicyviolation
// event to the console, and Chrome's own console messages about the policy
// count too. It also accepts the confirm dialogs (data-confirm) the pages
// open, so clicking through them works.
func watchCSP(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	add := func(s string) {
		mu.Lock()
		seen = append(seen, s)
		mu.Unlock()
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			for _, a := range ev.Args {
				if s := fmt.Sprint(string(a.Value)); strings.Contains(s, cspMarker) {
					add(s)
				}
			}
		case *cdplog.EventEntryAdded:
			if strings.Contains(ev.Entry.Text, "Content Security Policy") {
				add(ev.Entry.Text)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener("securitypolicyviolation", function (e) {
			console.error("` + cspMarker + ` " + e.violatedDirective + " " + e.blockedURI + " on " + e.documentURI);
		});`,
	}); err != nil {
		t.Fatal(err)
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// TestBrowserCSPBreaksNothing: with the Content-Security-Policy in force,
// both carts take orders (cash on delivery, bank transfer and Amazon Pay
// through the real button and the emulator's hosted pages), the admin
// renders and its confirm dialogs work, and the browser reports no
// violation. A script injected at the end is blocked and reported, which
// shows the policy is enforced and the watch sees violations.
func TestBrowserCSPBreaksNothing(t *testing.T) {
	a := startApp(t, nil)
	res, err := http.Get(a.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self';") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("the storefront's CSP: %q", csp)
	}
	ctx := browser(t)
	violations := watchCSP(t, ctx)

	// ゼロステップカート: 代金引換, then Amazon Pay.
	step(t, ctx, addToCart(a)...)
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS("#email")))
	step(t, ctx, fillBuyer()...)
	step(t, ctx, chromedp.Click(chromedp.CSS("#pay_cod")), chromedp.Click(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)))
	if n := placeOrder(t, ctx); !strings.Contains(n, "100001") {
		t.Fatalf("zero-step order %q", n)
	}
	amazonPayInBrowser(t, ctx, a)
	step(t, ctx, chromedp.Click(chromedp.CSS("#agree")), chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)))
	if n := placeOrder(t, ctx); !strings.Contains(n, "100002") {
		t.Fatalf("zero-step Amazon Pay order %q", n)
	}

	// ３ステップカート: 銀行振込, then Amazon Pay.
	useThreeStepCart(t, ctx, a)
	step(t, ctx, addToCart(a)...)
	step(t, ctx, chromedp.WaitVisible(chromedp.Search(`//li[contains(., "Step1") and contains(@class, "current")]`)))
	step(t, ctx, fillBuyer()...)
	step(t, ctx, chromedp.Click(chromedp.Search(`//button[contains(., "次へ進む")]`)), chromedp.WaitVisible(chromedp.CSS("#pay_bank")),
		chromedp.Click(chromedp.CSS("#agree")), chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)))
	if n := placeOrder(t, ctx); !strings.Contains(n, "100003") {
		t.Fatalf("three-step order %q", n)
	}
	amazonPayInBrowser(t, ctx, a)
	step(t, ctx, chromedp.Click(chromedp.Search(`//button[contains(., "次へ進む")]`)), chromedp.WaitVisible(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.CSS("#agree")), chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)))
	if n := placeOrder(t, ctx); !strings.Contains(n, "100004") {
		t.Fatalf("three-step Amazon Pay order %q", n)
	}

	// The admin: the confirm dialogs come from kago.js now.
	findOrderInAdmin(t, ctx, a, "100003", "銀行振込")
	step(t, ctx, chromedp.Click(chromedp.Search(`//button[contains(., "入金済みにする")]`)),
		chromedp.WaitVisible(chromedp.Search(`//button[contains(., "入金待ちに戻す")]`)),
		chromedp.Click(chromedp.Search(`//summary[contains(., "発送済みにする")]`)),
		chromedp.Click(chromedp.Search(`//button[contains(., "発送済みにする（確定）")]`)),
		chromedp.WaitVisible(chromedp.Search(`//summary[contains(., "受注完了にする")]`)))
	findOrderInAdmin(t, ctx, a, "100004", "Amazon Pay")
	if s := text(t, ctx, ".amazon-frame"); !strings.Contains(s, "売上請求済み（Captured）") {
		t.Fatalf("yellow frame: %s", s)
	}
	for _, page := range []struct{ path, heading string }{
		{"/admin", "ダッシュボード"}, {"/admin/orders", "受注"}, {"/admin/products", "商品管理"}, {"/admin/products/new", "商品登録"},
		{"/admin/mails", "メール送信履歴"}, {"/admin/mail-templates/thanks", "メール定型文"}, {"/admin/settings", "ショップ設定"},
		{"/admin/amazonpay", "Amazon Pay設定"}, {"/admin/jobs", "定期処理"}, {"/admin/password", "パスワード変更"},
	} {
		step(t, ctx, chromedp.Navigate(a.URL+page.path), chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "`+page.heading+`")]`)))
	}
	step(t, ctx, chromedp.Navigate(a.URL+"/admin/amazonpay"), chromedp.Click(chromedp.CSS("#ipn_url"))) // data-select-all
	if v := violations(); len(v) > 0 {
		t.Fatalf("the browser reported %d CSP violations:\n%s", len(v), strings.Join(v, "\n"))
	}

	// Self-check: an injected inline script is blocked and seen.
	step(t, ctx, chromedp.Navigate(a.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".product-grid")))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
		var s = document.createElement("script");
		s.textContent = "document.title = 'injected'";
		document.body.appendChild(s);
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(violations()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if v := violations(); len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), "script-src") {
		t.Fatalf("an injected inline script was not reported as blocked: %v", v)
	}
	if title, err := chromedp.Run(ctx, chromedp.Title()); err != nil || title == "injected" {
		t.Fatalf("title %q (%v): the injected inline script ran", title, err)
	}
}
