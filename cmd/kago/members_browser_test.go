package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// registerInBrowser registers a member through the page; the browser is
// logged in afterwards, on the my page.
func registerInBrowser(t *testing.T, ctx context.Context, a *app, email string) {
	t.Helper()
	step(t, ctx,
		chromedp.Navigate(a.URL+"/"),
		chromedp.Click(chromedp.Search(`//a[contains(., "新規会員登録")]`)),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), "green-tea-2026"),
		chromedp.SetValue(chromedp.CSS("#password_confirm"), "green-tea-2026"),
		chromedp.SetValue(chromedp.CSS("#family_name"), "山田"),
		chromedp.SetValue(chromedp.CSS("#given_name"), "花子"),
		chromedp.SetValue(chromedp.CSS("#family_kana"), "ヤマダ"),
		chromedp.SetValue(chromedp.CSS("#given_kana"), "ハナコ"),
		chromedp.SetValue(chromedp.CSS("#postal_code"), "100-0001"),
		chromedp.SetValue(chromedp.CSS("#prefecture"), "東京都"),
		chromedp.SetValue(chromedp.CSS("#city"), "千代田区"),
		chromedp.SetValue(chromedp.CSS("#address1"), "千代田1-1"),
		chromedp.SetValue(chromedp.CSS("#phone"), "03-1234-5678"),
		chromedp.Click(chromedp.Search(`//button[contains(., "会員登録する")]`)),
		chromedp.WaitVisible(chromedp.CSS(".mypage")),
	)
}

// linkInBrowser links the logged-in member to 判図太郎 from the my page: the
// 「amazonでログイン」 button (the emulator's checkout.js) and Amazon's
// hosted sign-in page.
func linkInBrowser(t *testing.T, ctx context.Context, a *app) {
	t.Helper()
	step(t, ctx,
		chromedp.Navigate(a.URL+"/mypage"),
		chromedp.Click(chromedp.Search(`//nav//a[contains(., "Amazon Pay連携")]`)),
		chromedp.WaitVisible(chromedp.CSS("#AmazonSignInButton button")),
		chromedp.Click(chromedp.CSS("#AmazonSignInButton button")),
		chromedp.WaitVisible(chromedp.Search(`//button[contains(., "判図太郎 でログイン")]`)),
		chromedp.Click(chromedp.Search(`//button[contains(., "判図太郎 でログイン")]`)),
		chromedp.WaitVisible(chromedp.CSS(".link-state.linked")),
	)
}

func TestBrowserMyPageAmazonLinking(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	violations := watchCSP(t, ctx) // and accepts 「アカウントを解除する」's confirm dialog
	registerInBrowser(t, ctx, a, "hanako@example.jp")
	step(t, ctx, chromedp.Navigate(a.URL+"/mypage/amazon"), chromedp.WaitVisible(chromedp.CSS("#AmazonSignInButton button")))
	if color, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#AmazonSignInButton button"), "data-button-color")); err != nil || color.Value != "Gold" {
		t.Fatalf("button colour %q %v, want the configured Gold", color.Value, err)
	}
	linkInBrowser(t, ctx, a)
	body := text(t, ctx, "main")
	for _, want := range []string{"Amazonアカウントと連携しました。", "連携済み", "Amazonアカウント連携", "マイページ"} {
		if !strings.Contains(body, want) {
			t.Errorf("my page after linking lacks %q:\n%s", want, body)
		}
	}
	step(t, ctx,
		chromedp.Click(chromedp.Search(`//button[contains(., "アカウントを解除する")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class, "flash") and contains(., "連携を解除しました")]`)),
	)
	if s := text(t, ctx, ".events-table"); !strings.Contains(s, "Amazonアカウント連携解除") || !strings.Contains(s, "Amazonアカウント連携") {
		t.Fatalf("操作履歴: %s", s)
	}
	if v := violations(); len(v) > 0 {
		t.Fatalf("Content-Security-Policy violations: %v", v)
	}
}

func TestBrowserAutoLoginOnReturnFromAmazon(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	violations := watchCSP(t, ctx)
	registerInBrowser(t, ctx, a, "hanako@example.jp")
	linkInBrowser(t, ctx, a)
	step(t, ctx,
		chromedp.Click(chromedp.Search(`//button[contains(., "ログアウト")]`)),
		chromedp.WaitVisible(chromedp.Search(`//a[contains(., "ログイン")]`)),
	)
	amazonPayInBrowser(t, ctx, a)
	if s := text(t, ctx, ".member-signed-in"); !strings.Contains(s, "山田 花子 様") || !strings.Contains(s, "自動でログインしました") {
		t.Fatalf("order page after Amazon: %s", s)
	}
	step(t, ctx,
		chromedp.Click(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)),
	)
	number := placeOrder(t, ctx)
	number = strings.TrimSpace(strings.TrimPrefix(number, "ご注文番号："))
	step(t, ctx, chromedp.Navigate(a.URL+"/mypage/orders"), chromedp.WaitVisible(chromedp.CSS(".my-orders")))
	if s := text(t, ctx, ".my-orders"); !strings.Contains(s, number) {
		t.Fatalf("my orders lack %s: %s", number, s)
	}
	step(t, ctx, chromedp.Navigate(a.URL+"/mypage/points"), chromedp.WaitVisible(chromedp.CSS(".points-balance")))
	// 1% of the member price 1,980 (the member was logged in on the order page).
	if s := text(t, ctx, ".points-balance"); !strings.Contains(s, "19ポイント") {
		t.Fatalf("points after the order: %s", s)
	}
	if v := violations(); len(v) > 0 {
		t.Fatalf("Content-Security-Policy violations: %v", v)
	}
}
