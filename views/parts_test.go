package views

import (
	"context"
	"strings"
	"testing"
)

// The hand-written parts (form fields, options, shelves, product cards,
// the Amazon Pay button, the head's meta tags) escape every value they print: a value, a label or a message
// holding markup shows as text, and a link to a javascript: URL is refused
// as templ's href={ } refuses it.
func TestFormPartsEscapeWhatTheyPrint(t *testing.T) {
	var b strings.Builder
	hostile := `"><script>alert(1)</script>`
	errs := map[string]string{"email": hostile}
	if err := textField(errs, "email", hostile, hostile, "email", "email", true).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if err := prefectureOptions([]string{"東京都", hostile}, hostile).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if err := choiceOptions([]Option{{Value: "", Label: "指定なし"}, {Value: hostile, Label: hostile}}, "").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	button := &AmazonButton{ID: "AmazonPayButtonCart", MerchantID: hostile, PublicKeyID: "KEY", ProductType: "PayAndShip", Placement: "Cart",
		Color: "Gold", Sandbox: true, PayloadJSON: `{"a":"<b>&"}`, Signature: "c2ln+/=", Algorithm: "AMZN-PAY-RSASSA-PSS-V2"}
	if err := amazonPayButton(button).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if err := categoryLinks([]CategoryOption{{ID: 3, Name: hostile, Count: 12, Selected: true}, {ID: 4, Name: "茶器", Count: 1}}, false).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	cards := []ProductCard{{ID: 7, Name: hostile, Price: 1296, TaxRate: 8, Stock: 0, ImageURL: hostile}, {ID: 8, Name: "茶器", Price: 5500, MemberPrice: 4950, TaxRate: 10, Stock: 1}}
	if err := productCards(cards).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	meta := Page{Title: hostile, ShopName: "店", Meta: Meta{Description: hostile, Type: "product", URL: "javascript:alert(1)", Image: hostile,
		Favicon: "/static/favicon.svg?v=1&x=2", PostalJS: hostile}}
	if err := metaTags(meta).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	if strings.Contains(got, "<script>") || strings.Contains(got, `"">`) {
		t.Fatalf("markup got through:\n%s", got)
	}
	for _, want := range []string{
		`<label for="email">&#34;&gt;&lt;script&gt;`, `<span class="req">必須</span>`,
		`value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`, ` required aria-invalid="true" aria-describedby="err-email">`,
		`<p class="field-error" id="err-email">&#34;&gt;&lt;script&gt;`, `<option value="東京都">東京都</option>`,
		`<option value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" selected>`,
		`<div id="AmazonPayButtonCart" class="amazon-pay-button" data-amazon-pay-button data-merchant-id="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" data-public-key-id="KEY" data-product-type="PayAndShip" data-placement="Cart" data-color="Gold" data-sandbox="true" data-payload="{&#34;a&#34;:&#34;&lt;b&gt;&amp;&#34;}" data-signature="c2ln+/=" data-algorithm="AMZN-PAY-RSASSA-PSS-V2"></div>`,
		`<li><a href="/">すべての商品</a></li><li><a href="/?category=3" class="current" aria-current="page">&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;<small>（12）</small></a></li><li><a href="/?category=4">茶器<small>（1）</small></a></li>`,
		`<option value="" selected>指定なし</option><option value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&#34;&gt;`,
		`<li class="product-card"><a href="/products/7"><img src="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" alt="&#34;&gt;&lt;script&gt;`,
		`<span class="product-name">&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</span></a> <span class="price">1,296円<small>（税込）</small></span> <span class="tag">軽減税率8%</span> <span class="tag soldout">在庫切れ</span></li>`,
		`<meta name="description" content="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"><meta property="og:description" content="&#34;&gt;`,
		`<meta property="og:title" content="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"><meta property="og:site_name" content="店"><meta property="og:locale" content="ja_JP"><meta property="og:type" content="product">`,
		`<meta property="og:url" content="javascript:alert(1)"><link rel="canonical" href="about:invalid#TemplFailedSanitizationURL">`,
		`<meta property="og:image" content="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"><meta name="twitter:card" content="summary_large_image">`,
		`<link rel="icon" href="/static/favicon.svg?v=1&amp;x=2" type="image/svg+xml"><script src="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" defer></script>`,
		`<a href="/products/8"><span class="no-image" aria-hidden="true">画像なし</span><span class="product-name">茶器</span></a> <span class="price">5,500円<small>（税込）</small></span> <span class="member-price">会員価格 4,950円（税込）</span> </li>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in:\n%s", want, got)
		}
	}
}

// The order's steps: the one at hand is current for the eye and for
// screen readers, the ones behind are done, the ones ahead plain.
func TestProgressStepsMarkWhereTheShopperIs(t *testing.T) {
	for _, c := range []struct {
		cart string
		step int
		want string
	}{
		{"zero", 1, `<li class="current" aria-current="step">ご注文手続き</li><li>ご注文内容の確認</li><li>ご注文完了</li>`},
		{"zero", 3, `<li class="done">ご注文手続き</li><li class="current" aria-current="step">ご注文内容の確認</li><li>ご注文完了</li>`},
		{"three", 2, `<li class="done">Step1 お客様情報・お届け先</li><li class="current" aria-current="step">Step2 お支払い方法・配送</li><li>Step3 ご注文内容の確認</li>`},
	} {
		var b strings.Builder
		if err := progressSteps(c.cart, c.step).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("%s cart, step %d:\n%s\nwant\n%s", c.cart, c.step, b.String(), c.want)
		}
	}
}
