package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// scrollWidth is how wide the page is drawn; wider than the window means
// the merchant has to scroll sideways.
func scrollWidth(t *testing.T, ctx context.Context) int64 {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	w, err := chromedp.Run(c, chromedp.Evaluate[int64]("document.documentElement.scrollWidth"))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestBrowserMerchantOnAPhone places an order, then works it as a merchant
// on a 390 px wide phone: 受注一覧 and 受注明細 fit the screen, 発送済みにする
// takes the tracking number and sends the shipping mail, which the
// merchant then reads in メール送信履歴.
func TestBrowserMerchantOnAPhone(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	step(t, ctx, addToCart(a)...)
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS("#email")))
	step(t, ctx, fillBuyer()...)
	step(t, ctx, chromedp.Click(chromedp.CSS("#pay_cod")), chromedp.Click(chromedp.CSS("#agree")),
		chromedp.Click(chromedp.Search(`//button[contains(., "確認画面へ進む")]`)))
	number := placeOrder(t, ctx)
	if !strings.Contains(number, "100001") {
		t.Fatalf("order number %q", number)
	}
	adminLogin(t, ctx, a)
	step(t, ctx, chromedp.EmulateViewport(390, 844))
	step(t, ctx, chromedp.Navigate(a.URL+"/admin/orders"), chromedp.WaitVisible(chromedp.Search(`//a[contains(., "100001")]`)))
	if w := scrollWidth(t, ctx); w > 390 {
		t.Errorf("受注一覧 is %d px wide on a 390 px phone", w)
	}
	step(t, ctx, chromedp.Click(chromedp.Search(`//a[contains(., "100001")]`)), chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "受注明細")]`)))
	if w := scrollWidth(t, ctx); w > 390 {
		t.Errorf("受注明細 is %d px wide on a 390 px phone", w)
	}
	step(t, ctx,
		chromedp.Click(chromedp.Search(`//summary[contains(., "発送済みにする")]`)),
		chromedp.WaitVisible(chromedp.CSS("#st-tracking")),
		chromedp.SetValue(chromedp.CSS("#st-carrier"), "yamato"),
		chromedp.SendKeys(chromedp.CSS("#st-tracking"), "1234-5678-9013"),
		chromedp.Click(chromedp.Search(`//button[contains(., "発送済みにする（確定）")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "受注ステータスを「発送済み」に変更しました。")]`)),
	)
	if s := text(t, ctx, ".admin-main"); !strings.Contains(s, "ヤマト運輸 1234-5678-9013") {
		t.Fatalf("受注明細 after shipping: %s", s)
	}
	step(t, ctx, chromedp.Navigate(a.URL+"/admin/mails"),
		chromedp.Click(chromedp.Search(`//a[contains(., "商品を発送いたしました")]`)),
		chromedp.WaitVisible(chromedp.CSS(".mail-body")))
	if s := text(t, ctx, ".mail-body"); !strings.Contains(s, "■送り状番号：1234-5678-9013") || !strings.Contains(s, "判図 太郎 様") {
		t.Fatalf("shipping mail: %s", s)
	}
	if w := scrollWidth(t, ctx); w > 390 {
		t.Errorf("the mail is %d px wide on a 390 px phone", w)
	}
	for _, wide := range walkAdminPages(t, ctx, a.URL, 390) {
		t.Errorf("sideways scrolling on a 390 px phone: %s", wide)
	}
}

// walkAdminPages opens every admin page a merchant can reach by links from
// the dashboard (one page per kind: /admin/orders/7 and /admin/orders/9
// are one, the CSV downloads and label files are left out) and returns
// those drawn wider than the window, with their width.
func walkAdminPages(t *testing.T, ctx context.Context, base string, width int64) []string {
	t.Helper()
	digits := regexp.MustCompile(`[0-9]+`)
	seen := map[string]bool{}
	queue := []string{"/admin"}
	var wide []string
	for len(queue) > 0 {
		page := queue[0]
		queue = queue[1:]
		step(t, ctx, chromedp.Navigate(base+page), chromedp.WaitReady(chromedp.CSS("body")))
		if w := scrollWidth(t, ctx); w > width {
			wide = append(wide, fmt.Sprintf("%s is %d px wide", page, w))
		}
		// A table wider than its box scrolls sideways inside the page.
		for _, tbl := range evaluate[[]string](t, ctx, `[...document.querySelectorAll("table")].filter(t => t.offsetWidth > t.parentElement.clientWidth + 1).map(t => (t.querySelector("caption") || t.closest("section") || t).textContent.trim().slice(0, 20) + ": " + t.offsetWidth + " px in " + t.parentElement.clientWidth)`) {
			wide = append(wide, fmt.Sprintf("%s has a table %s", page, tbl))
		}
		links := evaluate[[]string](t, ctx, `[...document.querySelectorAll("a[href]")].filter(a => a.origin === location.origin).map(a => a.pathname + a.search)`)
		for _, l := range links {
			path, query, _ := strings.Cut(l, "?")
			kind := digits.ReplaceAllString(path, "N")
			if strings.HasPrefix(query, "do=doc-") {
				kind += "?" + query[:strings.IndexAny(query+"&", "&")]
			}
			switch {
			case !strings.HasPrefix(path, "/admin"), seen[kind], strings.HasSuffix(path, ".csv"), path == "/admin/logout",
				strings.HasPrefix(path, "/admin/debug/"), strings.HasPrefix(query, "do=labels-"):
				continue
			}
			seen[kind] = true
			queue = append(queue, l)
		}
	}
	t.Logf("walked %d admin pages: %v", len(seen), seen)
	if len(seen) < 15 {
		t.Fatalf("the walk reached only %d admin pages: %v", len(seen), seen)
	}
	return wide
}
