package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Issue 14's "done when", as a new shop owner and a shopper on a phone
// would: import a CSV of products (checked first), find them on the
// storefront by category, search and page at 390 px, and fill an address
// with 住所検索 on the order page.
func TestBrowserCatalogImportStorefrontAndPostalLookup(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	ctx := browser(t)
	adminLogin(t, ctx, a)
	step(t, ctx,
		chromedp.Navigate(a.URL+"/admin/categories"),
		chromedp.SendKeys(chromedp.CSS("#new-name"), "煎茶"),
		chromedp.Click(chromedp.Search(`//button[contains(., "追加する")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "カテゴリ「煎茶」を保存しました。")]`)),
	)
	var csv strings.Builder
	csv.WriteString("商品ID,商品名,商品説明,販売価格,税率,在庫数,公開,カテゴリ\r\n")
	for i := 1; i <= 30; i++ {
		csv.WriteString(",八女煎茶 " + strconv.Itoa(i) + "番,福岡・八女の煎茶です。,1080,8,20,公開,煎茶\r\n")
	}
	file := filepath.Join(t.TempDir(), "products.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	step(t, ctx,
		chromedp.Navigate(a.URL+"/admin/products"),
		chromedp.Click(chromedp.Search(`//a[contains(., "CSV一括登録")]`)),
		chromedp.WaitVisible(chromedp.CSS("#file")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Click(chromedp.Search(`//button[contains(., "確認する")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "問題はありません（新規登録 30件")]`)),
		chromedp.Click(chromedp.Search(`//button[text()="取り込む"]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "取り込みました：新規登録 30件")]`)),
	)

	// A phone: two products a row, the shelf, the search box and the pages.
	step(t, ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(a.URL+"/"),
		chromedp.Click(chromedp.Search(`//nav[@aria-label="カテゴリ"]//a[contains(., "煎茶")]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[text()="煎茶"]`)),
	)
	if s := text(t, ctx, ".result-count"); !strings.Contains(s, "30件の商品") {
		t.Fatalf("category count: %q", s)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector(".product-card").getBoundingClientRect().width`))
	if err != nil || width > 390/2 {
		t.Fatalf("a product card is %.0f px wide on a 390 px phone (%v), want two a row", width, err)
	}
	scroll, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
	if err != nil || scroll > 390 {
		t.Fatalf("the page scrolls sideways: %.0f px (%v)", scroll, err)
	}
	step(t, ctx,
		chromedp.Click(chromedp.Search(`//nav[@aria-label="ページ"]//a[text()="2"]`)),
		chromedp.WaitVisible(chromedp.Search(`//a[@aria-current="page" and text()="2"]`)),
		chromedp.SendKeys(chromedp.CSS("#shop-q"), "30番"),
		chromedp.Submit(chromedp.CSS("#shop-q")),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "「30番」の検索結果")]`)),
		chromedp.Click(chromedp.Search(`//a[contains(., "八女煎茶 30番")]`)),
		chromedp.WaitVisible(chromedp.CSS("#quantity")),
		chromedp.Click(chromedp.Search(`//button[contains(., "カゴに入れる")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "あと6,920円で送料無料")]`)),
		chromedp.Click(chromedp.Search(`//a[contains(., "ご注文手続きへ")]`)),
		chromedp.WaitVisible(chromedp.CSS("#buyer_postal_code")),
		// 住所検索 with a full-width code and a hyphen.
		chromedp.SendKeys(chromedp.CSS("#buyer_postal_code"), "４１１－０９０１"),
		chromedp.Click(chromedp.Search(`//button[@data-postal-lookup="buyer_"]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@id="buyer_postal_status" and contains(., "住所を入力しました。")]`)),
	)
	pref, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#buyer_prefecture")))
	if err != nil || pref != "静岡県" {
		t.Fatalf("都道府県 %q (%v)", pref, err)
	}
	city, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#buyer_city")))
	if err != nil || city != "駿東郡清水町新宿" {
		t.Fatalf("市区町村 %q (%v)", city, err)
	}
	// An unknown code says so and leaves the fields to the shopper.
	step(t, ctx,
		chromedp.SetValue(chromedp.CSS("#buyer_postal_code"), "0000000"),
		chromedp.Click(chromedp.Search(`//button[@data-postal-lookup="buyer_"]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@id="buyer_postal_status" and contains(., "見つかりませんでした")]`)),
	)
}
