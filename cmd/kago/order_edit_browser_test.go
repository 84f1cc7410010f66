package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserEditModeThenReauthorizeAndCapture: the merchant sells with
// オーソリのみ and 増額 利用する; on 受注明細 opens 編集モード, adds a 金額調整
// of +500円 (10%), comes back to the red frame, presses 金額を更新してオーソリ
// and then 売上請求 of the new amount, each behind its confirmation.
func TestBrowserEditModeThenReauthorizeAndCapture(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	asked := acceptDialogs(t, ctx)
	adminLogin(t, ctx, a)
	step(t, ctx,
		chromedp.Navigate(a.URL+"/admin/amazonpay"),
		chromedp.Click(chromedp.CSS("#sale_method_Authorize")),
		chromedp.Click(chromedp.CSS("#allow_increase_1")),
		chromedp.Click(chromedp.Search(`//button[contains(., "保存する")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Amazon Payの設定を保存しました。")]`)),
	)
	amazonPayInBrowser(t, ctx, a)
	step(t, ctx,
		chromedp.Click(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)),
	)
	placeOrder(t, ctx)
	findOrderInAdmin(t, ctx, a, "100001", "Amazon Pay")
	total := text(t, ctx, ".totals dd.strong")
	step(t, ctx,
		chromedp.Click(chromedp.Search(`//a[normalize-space(.)="編集モード"]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "編集モード")]`)),
	)
	if s := text(t, ctx, ".edit-amazon-note"); !strings.Contains(s, "まで増額できます") {
		t.Fatalf("the note on 増額: %s", s)
	}
	step(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#adj-name"), "追加料金"),
		chromedp.SendKeys(chromedp.CSS("#adj-10"), "500"),
		chromedp.Click(chromedp.Search(`//button[normalize-space(.)="変更"]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "変更しました（合計 `+total+` →")]`)),
		chromedp.Click(chromedp.Search(`//a[contains(., "戻る（受注明細へ）")]`)),
		chromedp.WaitVisible(chromedp.CSS(".amount-gap")),
	)
	if s := text(t, ctx, ".amount-gap"); !strings.Contains(s, "金額を更新してオーソリ") {
		t.Fatalf("red frame: %s", s)
	}
	step(t, ctx,
		chromedp.Click(chromedp.Search(`//section[@id="amazonpay"]//button[normalize-space(.)="金額を更新してオーソリ"]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class, "flash") and contains(., "金額を更新してオーソリ")]`)),
	)
	step(t, ctx, chromedp.WaitNotPresent(chromedp.CSS(".amount-gap")))
	step(t, ctx,
		chromedp.Click(chromedp.Search(`//section[@id="amazonpay"]//button[normalize-space(.)="売上請求"]`)),
		chromedp.WaitVisible(chromedp.Search(`//dd[contains(., "売上請求済み（Captured）")]`)),
	)
	if s := text(t, ctx, "#history"); !strings.Contains(s, "受注内容の編集（編集モード）") || !strings.Contains(s, "追加料金") ||
		!strings.Contains(s, "オーソリキャンセル") || !strings.Contains(s, "売上請求") {
		t.Fatalf("操作履歴: %s", s)
	}
	q := asked()
	if len(q) != 2 || !strings.Contains(q[0], "で新しくオーソリします") || !strings.Contains(q[1], "売上請求（") {
		t.Fatalf("confirmation dialogs: %q", q)
	}
}
