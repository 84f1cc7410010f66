package views_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"kago/views"
)

// Each storefront page rendered from a fixed view model into a pooled
// buffer, as the handlers render (handlers.render): the cost of the
// template alone, without HTTP or the database.

func benchRender(b *testing.B, c templ.Component, must string) {
	b.Helper()
	b.ReportAllocs()
	ctx := context.Background()
	size := 0
	for b.Loop() {
		buf := templ.GetBuffer()
		if err := c.Render(ctx, buf); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
		if !strings.Contains(buf.String(), must) {
			b.Fatalf("the page lacks %q", must)
		}
		templ.ReleaseBuffer(buf)
	}
	b.SetBytes(int64(size))
}

func benchPage() views.Page {
	return views.Page{Title: "商品一覧", ShopName: "かご屋 デモショップ", CSRF: strings.Repeat("c", 32), CartCount: 3,
		StaticCSS: "/static/kago.0123456789ab.css", TestMode: true,
		Meta: views.Meta{Description: "静岡の深蒸し煎茶、宇治抹茶、季節の和菓子と茶器をお届けする小さなお茶屋です。", URL: "https://shop.example.jp/",
			Type: "website", Favicon: "/static/favicon.0123456789ab.svg", PostalJS: "/static/postal.0123456789ab.js"}}
}

func benchCard(i int) views.ProductCard {
	return views.ProductCard{ID: int64(i + 1), Name: "深蒸し煎茶 やぶきた 100g No." + strconv.Itoa(i+1),
		Description: "静岡県牧之原台地の茶園で育ったやぶきた種を、じっくり深く蒸し上げました。まろやかな甘みと濃い水色が特長です。",
		Price:       1296 + int64(i)*10, TaxRate: 8, Stock: 20, ImageURL: "/static/demo/sencha.0123456789ab.svg"}
}

func benchButton(placement string) views.AmazonOffer {
	return views.AmazonOffer{JSURL: "/static/amazonpay.0123456789ab.js", Notes: "Amazon Payでお支払いの場合も、ご注文の確認メールは当店からお送りします。",
		Button: &views.AmazonButton{ID: "AmazonPayButton" + placement, ScriptURL: "https://shop.example.jp/amazonpay-emulator/checkout.js",
			MerchantID: "KAGOEMULATOR01", PublicKeyID: "SANDBOX-KAGOEMULATORSHOPKEY01", ProductType: "PayAndShip", Placement: placement,
			Color: "Gold", Sandbox: true, DisplayStyle: "logo", Algorithm: "AMZN-PAY-RSASSA-PSS-V2",
			PayloadJSON: `{"webCheckoutDetails":{"checkoutReviewReturnUrl":"https://shop.example.jp/checkout/amazonpay/review?k=` + strings.Repeat("k", 32) +
				`","checkoutCancelUrl":"https://shop.example.jp/checkout"},"storeId":"amzn1.application-oa2-client.kagoemulator0000000000000",` +
				`"scopes":["name","email","phoneNumber","billingAddress"],"merchantMetadata":{"merchantStoreName":"かご屋 デモショップ"}}`,
			Signature: strings.Repeat("s", 344)}}
}

// BenchmarkRenderProductList renders the storefront's first page: 24
// products, five categories, the pager.
func BenchmarkRenderProductList(b *testing.B) {
	m := views.CatalogModel{Heading: "商品一覧", Total: 1000, Pager: views.Pager{Next: "/?page=2"}}
	for i := range 5 {
		m.Categories = append(m.Categories, views.CategoryOption{ID: int64(i + 1), Name: "煎茶" + strconv.Itoa(i), Count: 200})
	}
	for i := range 24 {
		m.Products = append(m.Products, benchCard(i))
	}
	benchRender(b, views.ProductList(benchPage(), m), "深蒸し煎茶 やぶきた 100g No.24")
}

// BenchmarkRenderProductPage renders a product page with three pictures.
func BenchmarkRenderProductPage(b *testing.B) {
	card := benchCard(0)
	card.Images = []string{card.ImageURL, "/static/demo/chaki.0123456789ab.svg", "/static/demo/chasen.0123456789ab.svg"}
	benchRender(b, views.ProductPage(benchPage(), card, views.ProductForm{Quantity: "1"}), "カゴに入れる")
}

// BenchmarkRenderCartPage renders the cart with three lines at two tax
// rates and the Amazon Pay button.
func BenchmarkRenderCartPage(b *testing.B) {
	m := views.CartModel{Count: 3, Subtotal: 9052, FreeShippingShortfall: 0, Actions: views.CheckoutButton(benchButton("Cart")),
		RateTotals: []views.RateTotal{{Rate: 8, Total: 3552, Tax: 263}, {Rate: 10, Total: 5500, Tax: 500}}}
	for i := range 3 {
		c := benchCard(i)
		m.Lines = append(m.Lines, views.CartLine{ProductID: c.ID, Name: c.Name, ImageURL: c.ImageURL, UnitPrice: c.Price, TaxRate: c.TaxRate,
			Quantity: 1, Subtotal: c.Price})
	}
	benchRender(b, views.CartPage(benchPage(), m), "AmazonPayButtonCart")
}

// BenchmarkRenderOrderPage renders the zero-step order page: the buyer and
// delivery forms with 47 prefectures, dates and times, the payment methods,
// the summary and the Amazon Pay button.
func BenchmarkRenderOrderPage(b *testing.B) {
	m := views.CheckoutPage{Cart: "zero", Step: 1, CheckoutID: strings.Repeat("k", 32), CSRF: strings.Repeat("c", 32),
		Form:     views.CheckoutForm{ShipTo: "buyer", DeliveryMethod: "takkyubin", PaymentMethod: "bank"},
		Offer:    benchButton("Checkout"),
		JSURL:    "/static/checkout.0123456789ab.js",
		Payments: []views.Option{{Value: "bank", Label: "銀行振込"}, {Value: "cod", Label: "代金引換", Note: "代引き手数料330円がかかります。"}},
		Summary:  views.Summary{Subtotal: 9052, ShippingFee: 0, Total: 9052, RateTotals: []views.RateTotal{{Rate: 8, Total: 3552, Tax: 263}, {Rate: 10, Total: 5500, Tax: 500}}}}
	for i := range 47 {
		m.Prefectures = append(m.Prefectures, "都道府県"+strconv.Itoa(i))
	}
	for i := range 10 {
		m.Dates = append(m.Dates, views.Option{Value: "2026-12-" + strconv.Itoa(10+i), Label: "12月" + strconv.Itoa(10+i) + "日（木）"})
	}
	for _, t := range []string{"指定なし", "午前中", "14時〜16時", "16時〜18時", "18時〜20時", "19時〜21時"} {
		m.Times = append(m.Times, views.Option{Value: t, Label: t})
	}
	for i := range 3 {
		c := benchCard(i)
		m.Summary.Lines = append(m.Summary.Lines, views.SummaryLine{Name: c.Name, UnitPrice: c.Price, TaxRate: c.TaxRate, Quantity: 1, Subtotal: c.Price})
	}
	benchRender(b, views.CheckoutFormPage(benchPage(), m), "AmazonPayButtonCheckout")
}
