package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fillBuyer types the buyer block the way a shopper would.
func fillBuyer() []chromedp.Action[chromedp.Void] {
	fields := [][2]string{
		{"#email", "taro@example.jp"}, {"#buyer_family_name", "判図"}, {"#buyer_given_name", "太郎"},
		{"#buyer_family_kana", "ハンズ"}, {"#buyer_given_kana", "タロウ"}, {"#buyer_postal_code", "411-0901"},
		{"#buyer_city", "駿東郡清水町"}, {"#buyer_address1", "新宿823-1"}, {"#buyer_phone", "055-975-0000"},
	}
	var out []chromedp.Action[chromedp.Void]
	for _, f := range fields {
		out = append(out, chromedp.SendKeys(chromedp.CSS(f[0]), f[1]))
	}
	return append(out, chromedp.SetValue(chromedp.CSS("#buyer_prefecture"), "静岡県"))
}

func addToCart(a *app) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(a.URL + "/"),
		chromedp.Click(chromedp.Search(`//a[contains(., "静岡県産 深蒸し煎茶 100g")]`)),
		chromedp.WaitVisible(chromedp.CSS("#quantity")),
		chromedp.Click(chromedp.Search(`//button[contains(., "カゴに入れる")]`)),
		chromedp.WaitVisible(chromedp.Search(`//a[contains(., "ご注文手続きへ")]`)),
		chromedp.Click(chromedp.Search(`//a[contains(., "ご注文手続きへ")]`)),
	}
}

func placeOrder(t *testing.T, ctx context.Context) string {
	t.Helper()
	step(t, ctx,
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "ご注文内容の確認")]`)),
		chromedp.Click(chromedp.Search(`//button[contains(., "注文する")]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "ご注文ありがとうございました")]`)),
	)
	return text(t, ctx, ".order-number")
}

func TestBrowserZeroStepOrder(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	ctx := browser(t)
	step(t, ctx, addToCart(a)...)
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS("#email")))
	step(t, ctx, fillBuyer()...)
	step(t, ctx,
		chromedp.Click(chromedp.CSS("#pay_cod")),
		chromedp.Click(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)),
	)
	if n := placeOrder(t, ctx); !strings.Contains(n, "100001") {
		t.Fatalf("order number %q", n)
	}
	adminLogin(t, ctx, a)
	findOrderInAdmin(t, ctx, a, "100001", "代金引換")
}

// findOrderInAdmin opens 受注一覧, finds the order and opens 受注明細.
func findOrderInAdmin(t *testing.T, ctx context.Context, a *app, number, payment string) {
	t.Helper()
	step(t, ctx,
		chromedp.Navigate(a.URL+"/admin/orders"),
		chromedp.WaitVisible(chromedp.Search(`//a[contains(., "`+number+`")]`)),
		chromedp.Click(chromedp.Search(`//a[contains(., "`+number+`")]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "受注明細")]`)),
	)
	if s := text(t, ctx, ".admin-main"); !strings.Contains(s, "判図") || !strings.Contains(s, payment) {
		t.Fatalf("order detail: %s", s)
	}
}

func TestBrowserThreeStepOrder(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	ctx := browser(t)
	useThreeStepCart(t, ctx, a)
	step(t, ctx, addToCart(a)...)
	step(t, ctx, chromedp.WaitVisible(chromedp.Search(`//li[contains(., "Step1") and contains(@class, "current")]`)))
	step(t, ctx, fillBuyer()...)
	step(t, ctx,
		chromedp.Click(chromedp.Search(`//button[contains(., "次へ進む")]`)),
		chromedp.WaitVisible(chromedp.CSS("#pay_bank")),
		chromedp.Click(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)),
	)
	if n := placeOrder(t, ctx); !strings.Contains(n, "100001") {
		t.Fatalf("order number %q", n)
	}
	if s := text(t, ctx, ".bank"); !strings.Contains(s, "お振込先") {
		t.Fatalf("no bank details on completion: %q", s)
	}
	findOrderInAdmin(t, ctx, a, "100001", "銀行振込")
}

func adminLogin(t *testing.T, ctx context.Context, a *app) {
	t.Helper()
	step(t, ctx,
		chromedp.Navigate(a.URL+"/admin/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), a.AdminEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), a.AdminPassword),
		chromedp.Click(chromedp.Search(`//button[contains(., "ログイン")]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "ダッシュボード")]`)),
	)
}

// useThreeStepCart signs in as the merchant and switches the storefront to
// the ３ステップカート in ショップ設定.
func useThreeStepCart(t *testing.T, ctx context.Context, a *app) {
	t.Helper()
	adminLogin(t, ctx, a)
	step(t, ctx,
		chromedp.Navigate(a.URL+"/admin/settings"),
		chromedp.Click(chromedp.CSS("#cart_three")),
		chromedp.Click(chromedp.Search(`//button[contains(., "保存する")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "設定を保存しました。")]`)),
	)
}

// TestBrowserSummaryFollowsChoices is issue 8 fault 5 in a real browser:
// with regional shipping, 1 item of 1,100円, choosing 沖縄県 and then
// 代金引換 changes the order page's summary as they are chosen, in both carts.
func TestBrowserSummaryFollowsChoices(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	ctx := browser(t)
	adminLogin(t, ctx, a)
	step(t, ctx,
		chromedp.Navigate(a.URL+"/admin/settings"),
		chromedp.Click(chromedp.CSS("#ship_region")),
		chromedp.Click(chromedp.Search(`//button[contains(., "保存する")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "設定を保存しました。")]`)),
		chromedp.Navigate(a.URL+"/"),
		chromedp.Click(chromedp.Search(`//a[contains(., "手ぬぐい 富士山柄")]`)),
		chromedp.WaitVisible(chromedp.CSS("#quantity")),
		chromedp.Click(chromedp.Search(`//button[contains(., "カゴに入れる")]`)),
		chromedp.WaitVisible(chromedp.Search(`//a[contains(., "ご注文手続きへ")]`)),
		chromedp.Click(chromedp.Search(`//a[contains(., "ご注文手続きへ")]`)),
		chromedp.WaitVisible(chromedp.CSS("#buyer_prefecture")),
	)
	choose(t, ctx, "#buyer_prefecture", "沖縄県")
	waitSummary(t, ctx, "shipping", "1,650円")
	waitSummary(t, ctx, "total", "2,750円")
	step(t, ctx, chromedp.Click(chromedp.CSS("#pay_cod")))
	waitSummary(t, ctx, "fee", "330円")
	waitSummary(t, ctx, "total", "3,080円")
	if visible := evaluate[bool](t, ctx, `!document.querySelector('[data-sum="fee"]').hidden`); !visible {
		t.Fatal("the COD fee line stays hidden")
	}
	step(t, ctx, chromedp.Click(chromedp.CSS("#pay_bank")))
	waitSummary(t, ctx, "total", "2,750円")

	// The three-step cart's Step1: an Okinawa recipient.
	step(t, ctx,
		chromedp.Navigate(a.URL+"/admin/settings"),
		chromedp.Click(chromedp.CSS("#cart_three")),
		chromedp.Click(chromedp.Search(`//button[contains(., "保存する")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "設定を保存しました。")]`)),
		chromedp.Navigate(a.URL+"/checkout"),
		chromedp.WaitVisible(chromedp.CSS("#ship_other")),
	)
	choose(t, ctx, "#buyer_prefecture", "東京都")
	waitSummary(t, ctx, "shipping", "880円")
	step(t, ctx, chromedp.Click(chromedp.CSS("#ship_other")))
	choose(t, ctx, "#dest_prefecture", "沖縄県")
	waitSummary(t, ctx, "shipping", "1,650円")
}

// choose picks an option of a select as a person does: the page's scripts
// see a change event.
func choose(t *testing.T, ctx context.Context, css, value string) {
	t.Helper()
	evaluate[bool](t, ctx, `(function(){var s=document.querySelector(`+strconv.Quote(css)+`);s.value=`+strconv.Quote(value)+
		`;s.dispatchEvent(new Event("change",{bubbles:true}));return true})()`)
}

// waitSummary waits until a line of the order summary reads want.
func waitSummary(t *testing.T, ctx context.Context, line, want string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	expr := `document.querySelector('[data-sum="` + line + `"]').textContent === ` + strconv.Quote(want)
	if _, err := chromedp.Run(c, chromedp.Poll[bool](expr)); err != nil {
		got := evaluate[string](t, ctx, `document.querySelector('[data-sum="`+line+`"]').textContent`)
		t.Fatalf("summary %s reads %q, want %q: %v", line, got, want, err)
	}
}

func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
