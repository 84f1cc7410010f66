package views

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// The parts a page repeats most are written here in Go rather than in
// templ: templ passes every `{ }` through fmt.Sprint (two allocations each)
// and every component call through its context checks, and these parts were
// most of the allocations of an order page and of a product list (issue 15).
// Each writes the HTML its templ form wrote, every value through
// templ.EscapeString.

// prefectureOptions writes the <option>s of a prefecture <select>, the one
// equal to selected marked (an order page has two such selects of 47).
func prefectureOptions(prefectures []string, selected string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for _, p := range prefectures {
			if err := writeOption(w, p, p, p == selected); err != nil {
				return err
			}
		}
		return nil
	})
}

// choiceOptions writes the <option>s of a <select> of opts, the one whose
// Value equals selected marked (the order page's 28 お届け希望日 and its
// time slots).
func choiceOptions(opts []Option, selected string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for _, o := range opts {
			if err := writeOption(w, o.Value, o.Label, o.Value == selected); err != nil {
				return err
			}
		}
		return nil
	})
}

func writeOption(w io.Writer, value, label string, selected bool) error {
	sel := ""
	if selected {
		sel = " selected"
	}
	return writeAll(w, `<option value="`, templ.EscapeString(value), `"`, sel, `>`, templ.EscapeString(label), `</option>`)
}

// textField writes one labelled text input of a form: its label (必須 when
// required), the input typed as typ with its value and autocomplete token,
// marked aria-invalid="true" when errs has a message for name, and that message.
func textField(errs map[string]string, name, label, value, typ, autocomplete string, required bool) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		id := templ.EscapeString(name)
		req, attrs := "", ""
		if required {
			req, attrs = `<span class="req">必須</span>`, " required"
		}
		if errs[name] != "" {
			attrs += ` aria-invalid="true"`
		}
		if err := writeAll(w, `<div class="field"><label for="`, id, `">`, templ.EscapeString(label), " ", req,
			`</label> <input id="`, id, `" name="`, id, `" type="`, templ.EscapeString(typ),
			`" value="`, templ.EscapeString(value), `" autocomplete="`, templ.EscapeString(autocomplete), `"`, attrs,
			` aria-describedby="err-`, id, `">`); err != nil {
			return err
		}
		if _, ok := errs[name]; ok {
			if err := fieldError(errs, name).Render(ctx, w); err != nil {
				return err
			}
		}
		return writeAll(w, `</div>`)
	})
}

// productCards writes the product list's cards: picture and name linking
// to the product page, the price with tax, the member price when the
// product has one (shown to everyone, as on the product page), and tags
// for the reduced tax rate and for a product sold out.
func productCards(cards []ProductCard) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for _, pr := range cards {
			member, tags := "", ""
			if pr.MemberPrice > 0 {
				member = `<span class="member-price">会員価格 ` + templ.EscapeString(Yen(pr.MemberPrice)) + `（税込）</span> `
			}
			if pr.TaxRate == 8 {
				tags = `<span class="tag">軽減税率8%</span> `
			}
			if pr.Stock == 0 {
				tags += `<span class="tag soldout">在庫切れ</span>`
			}
			if err := writeAll(w, `<li class="product-card"><a href="`, templ.EscapeString(productURL(pr.ID)), `">`); err != nil {
				return err
			}
			if err := writeProductImage(w, pr); err != nil {
				return err
			}
			if err := writeAll(w, `<span class="product-name">`, templ.EscapeString(pr.Name), `</span></a> <span class="price">`,
				templ.EscapeString(Yen(pr.Price)), `<small>（税込）</small></span> `, member, tags, `</li>`); err != nil {
				return err
			}
		}
		return nil
	})
}

// categoryLinks writes the product list's shelves: すべての商品 (current
// when all is true) and each category with its count of products, the one
// shown marked as the current page for the eye (class) and for screen
// readers (aria-current="page").
func categoryLinks(cats []CategoryOption, all bool) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		if err := writeAll(w, `<li><a href="/"`, currentMark(all), `>すべての商品</a></li>`); err != nil {
			return err
		}
		for _, c := range cats {
			if err := writeAll(w, `<li><a href="/?category=`, Itoa(c.ID), `"`, currentMark(c.Selected), `>`, templ.EscapeString(c.Name),
				`<small>（`, Itoa(int64(c.Count)), `）</small></a></li>`); err != nil {
				return err
			}
		}
		return nil
	})
}

func currentMark(current bool) string {
	if current {
		return ` class="current" aria-current="page"`
	}
	return ""
}

// orderStage is one step of the order as the steps bar names it, with the
// step number the pages use (the zero-step cart's confirmation is step 3).
type orderStage struct {
	label string
	step  int
}

var (
	zeroStepStages  = []orderStage{{"ご注文手続き", 1}, {"ご注文内容の確認", 3}, {"ご注文完了", 4}}
	threeStepStages = []orderStage{{"Step1 お客様情報・お届け先", 1}, {"Step2 お支払い方法・配送", 2}, {"Step3 ご注文内容の確認", 3}}
)

// progressSteps writes the steps of an order as <li>s: Step1 to Step3 in
// the three-step cart (cart "three"), else the order page, the
// confirmation and the thanks page. The step at hand is marked for the
// eye (class current) and for screen readers (aria-current="step"); the
// ones behind are done.
func progressSteps(cart string, step int) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		stages := zeroStepStages
		if cart == "three" {
			stages = threeStepStages
		}
		for _, s := range stages {
			mark := ""
			switch {
			case s.step == step:
				mark = ` class="current" aria-current="step"`
			case s.step < step:
				mark = ` class="done"`
			}
			if err := writeAll(w, `<li`, mark, `>`, s.label, `</li>`); err != nil {
				return err
			}
		}
		return nil
	})
}

// productImage shows a product's main picture, or says it has none.
func productImage(pr ProductCard) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error { return writeProductImage(w, pr) })
}

func writeProductImage(w io.Writer, pr ProductCard) error {
	if pr.ImageURL == "" {
		return writeAll(w, `<span class="no-image" aria-hidden="true">画像なし</span>`)
	}
	return writeAll(w, `<img src="`, templ.EscapeString(pr.ImageURL), `" alt="`, templ.EscapeString(pr.Name),
		`" width="400" height="320" loading="lazy">`)
}

// metaTags writes the description, OGP tags, icon and the 住所検索 script
// of a storefront page's <head> (a quarter of the drawing of a product
// page's frame in templ). URLs of links go through templ.URL, as templ's
// href={ } does.
func metaTags(p Page) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		m, esc := p.Meta, templ.EscapeString[string]
		parts := make([]string, 0, 32)
		if m.Description != "" {
			d := esc(m.Description)
			parts = append(parts, `<meta name="description" content="`, d, `"><meta property="og:description" content="`, d, `">`)
		}
		parts = append(parts, `<meta property="og:title" content="`, esc(pageTitle(p)), `"><meta property="og:site_name" content="`,
			esc(p.ShopName), `"><meta property="og:locale" content="ja_JP">`)
		if m.Type != "" {
			parts = append(parts, `<meta property="og:type" content="`, esc(m.Type), `">`)
		}
		if m.URL != "" {
			parts = append(parts, `<meta property="og:url" content="`, esc(m.URL), `"><link rel="canonical" href="`,
				esc(string(templ.URL(m.URL))), `">`)
		}
		if m.Image != "" {
			parts = append(parts, `<meta property="og:image" content="`, esc(m.Image), `"><meta name="twitter:card" content="summary_large_image">`)
		}
		if m.Favicon != "" {
			parts = append(parts, `<link rel="icon" href="`, esc(string(templ.URL(m.Favicon))), `" type="image/svg+xml">`)
		}
		if m.PostalJS != "" {
			parts = append(parts, `<script src="`, esc(m.PostalJS), `" defer></script>`)
		}
		return writeAll(w, parts...)
	})
}

// amazonPayButton writes the element amazonpay.js renders Amazon's button
// into, with the signed payload checkout.js sends to Amazon. The payload
// (~500 bytes of JSON) and its signature were a third of what templ copied
// through fmt.Sprint on an order page.
func amazonPayButton(b *AmazonButton) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		esc := templ.EscapeString[string]
		return writeAll(w, `<div id="`, esc(b.ID), `" class="amazon-pay-button" data-amazon-pay-button data-merchant-id="`, esc(b.MerchantID),
			`" data-public-key-id="`, esc(b.PublicKeyID), `" data-product-type="`, esc(b.ProductType), `" data-placement="`, esc(b.Placement),
			`" data-color="`, esc(b.Color), `" data-sandbox="`, boolText(b.Sandbox), `" data-payload="`, esc(b.PayloadJSON),
			`" data-signature="`, esc(b.Signature), `" data-algorithm="`, esc(b.Algorithm), `"></div>`)
	})
}

// writeAll writes each string in turn.
func writeAll(w io.Writer, parts ...string) error {
	for _, s := range parts {
		if _, err := io.WriteString(w, s); err != nil {
			return err
		}
	}
	return nil
}
