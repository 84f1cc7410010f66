package shop

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"kago/jp"
	"kago/store"
)

// Shop pages the law or the shop's terms call for: 特定商取引法に基づく表記
// (required of every mail-order shop by 特定商取引法 第11条), プライバシーポリシー
// and ご利用規約. Each shows built-in text made from the shop settings until
// the shop edits it in the admin.

// Page slugs; the storefront serves each at "/" + slug.
const (
	PageLaw     = "law"
	PagePrivacy = "privacy"
	PageTerms   = "terms"
)

// PageSlugs lists the pages in menu order.
var PageSlugs = []string{PageLaw, PagePrivacy, PageTerms}

// PageTitle names a page, "" for an unknown slug.
func PageTitle(slug string) string {
	switch slug {
	case PageLaw:
		return "特定商取引法に基づく表記"
	case PagePrivacy:
		return "プライバシーポリシー"
	case PageTerms:
		return "ご利用規約"
	}
	return ""
}

// LawItem is one particular of 特定商取引法に基づく表記.
type LawItem struct {
	Key, Label, Text string
}

// lawItems are the particulars 特定商取引法 第11条 and its ordinance ask a
// mail-order shop to show, in the usual order.
var lawItems = []LawItem{
	{Key: "seller", Label: "販売業者"},
	{Key: "manager", Label: "運営統括責任者"},
	{Key: "address", Label: "所在地"},
	{Key: "phone", Label: "電話番号"},
	{Key: "email", Label: "メールアドレス"},
	{Key: "price", Label: "販売価格"},
	{Key: "fees", Label: "商品代金以外の必要料金"},
	{Key: "payment", Label: "お支払い方法"},
	{Key: "payment_time", Label: "お支払い時期"},
	{Key: "delivery", Label: "商品の引渡時期"},
	{Key: "returns", Label: "返品・交換について"},
	{Key: "defects", Label: "不良品について"},
	{Key: "quantity", Label: "販売数量"},
}

// ShopPage is a page as shown and edited: Items for the 特商法 page, Body
// for the others. Base fingerprints the stored text for the edit form.
type ShopPage struct {
	Slug, Title string
	Items       []LawItem
	Body        string
	Custom      bool // the shop's own text
	Base        string
}

// ShopPage returns a page with the text in use; ErrNotFound for unknown
// slugs.
func (s *Shop) ShopPage(ctx context.Context, slug string) (ShopPage, error) {
	if PageTitle(slug) == "" {
		return ShopPage{}, ErrNotFound
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return ShopPage{}, err
	}
	stored, err := s.db.Page(ctx, slug)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return ShopPage{}, err
	}
	return pageFrom(slug, st, stored, err == nil), nil
}

func pageFrom(slug string, st Settings, stored string, custom bool) ShopPage {
	p := ShopPage{Slug: slug, Title: PageTitle(slug), Custom: custom}
	values := map[string]string{}
	if slug == PageLaw {
		def := defaultLaw(st)
		var saved map[string]string
		if custom {
			_ = json.Unmarshal([]byte(stored), &saved)
		}
		for _, it := range lawItems {
			it.Text = def[it.Key]
			if v, ok := saved[it.Key]; ok {
				it.Text = v
			}
			p.Items = append(p.Items, it)
			values[it.Key] = it.Text
		}
	} else {
		p.Body = defaultPageBody(slug, st)
		if custom {
			p.Body = stored
		}
		values["body"] = p.Body
	}
	p.Base = FormBase(values)
	return p
}

// defaultLaw fills the particulars from the settings where they say it (the
// same 振込期限, 引渡時期 and 返品 texts the order pages show); the rest are
// placeholders in 【】 the shop must replace.
func defaultLaw(st Settings) map[string]string {
	shipping := "全国一律" + jp.Yen(st.ShippingFlatFee)
	if st.ShippingMode == ShippingRegion {
		shipping = "地域により異なります（ご注文手続きの画面に表示します）"
	}
	if st.FreeShippingOver > 0 {
		shipping += "。商品合計" + jp.Yen(st.FreeShippingOver) + "以上のご注文は送料無料です"
	}
	address, phone := "【〒000-0000 所在地（番地・建物名まで）】", "【000-0000-0000】（受付時間：平日10:00〜17:00）"
	if st.Address != "" { // 店舗情報・メール設定
		address = strings.TrimSpace("〒" + st.PostalCode + " " + st.Address)
	}
	if st.Phone != "" {
		phone = st.Phone
	}
	return map[string]string{
		"seller":       st.ShopName + "【事業者の正式名称（法人名または個人事業主の氏名）に書き換えてください】",
		"manager":      "【運営統括責任者の氏名】",
		"address":      address,
		"phone":        phone,
		"email":        st.SenderEmail,
		"price":        "各商品のページに税込価格で表示しています。",
		"fees":         "送料：" + shipping + "。\n代金引換手数料：" + jp.Yen(st.CODFee) + "。\n銀行振込の振込手数料はお客様のご負担となります。",
		"payment":      "銀行振込（前払い）、代金引換、Amazon Pay",
		"payment_time": "銀行振込：ご注文から" + strconv.Itoa(st.TransferDays) + "日以内にお振り込みください。\n代金引換：商品お受け取りの際にお支払いください。\nAmazon Pay：ご注文時にお支払いが確定します。",
		"delivery":     st.ShippingLeadTime,
		"returns":      st.ReturnPolicy,
		"defects":      "商品の破損・汚損・品違いの場合は、商品到着後8日以内にご連絡ください。送料当店負担で交換または返金いたします。",
		"quantity":     "各商品の在庫数の範囲でご注文いただけます。",
	}
}

func defaultPageBody(slug string, st Settings) string {
	text := defaultTerms
	if slug == PagePrivacy {
		text = defaultPrivacy
	}
	return strings.ReplaceAll(strings.ReplaceAll(text, "{店舗名}", st.ShopName), "{メールアドレス}", st.SenderEmail)
}

const defaultPrivacy = `{店舗名}（以下「当店」）は、お客様の個人情報を次のとおり取り扱います。

■ 取得する情報
ご注文の際に、お名前、フリガナ、ご住所、電話番号、メールアドレス、お届け先、ご注文の内容をお預かりします。Amazon Payをご利用の場合は、Amazonアカウントに登録されたお名前、ご住所、メールアドレスをAmazonから受け取ります。

■ 利用目的
ご注文の商品の発送、代金のご請求とお支払いの確認、ご注文に関するご連絡、お問い合わせへの回答のために利用します。

■ 第三者への提供
次の場合を除き、お客様の同意なく第三者に提供しません。
・商品の配送のため、配送業者にお名前、ご住所、電話番号をお伝えする場合
・お支払いのため、決済事業者（Amazon Pay など）に必要な情報をお伝えする場合
・法令に基づく場合

■ 安全管理
お預かりした個人情報は、漏えい、滅失、毀損のないよう適切に管理します。クレジットカード番号は当店では保存しません。

■ 開示・訂正・削除
ご本人から個人情報の開示、訂正、利用停止、削除のご請求があった場合は、ご本人であることを確認のうえ、遅滞なく対応します。

■ お問い合わせ窓口
{店舗名}　メールアドレス：{メールアドレス}

■ 改定
この方針を改定する場合は、このページでお知らせします。`

const defaultTerms = `この規約は、{店舗名}（以下「当店」）のオンラインショップでのお買い物についての条件を定めるものです。ご注文の前にお読みください。

■ 第1条（ご注文と契約の成立）
お客様が「注文する」ボタンを押した時点でお申し込みとなり、当店が注文確認のメールをお送りした時点で売買契約が成立します。

■ 第2条（価格とお支払い）
商品の価格は税込で表示しています。送料、手数料は「特定商取引法に基づく表記」のとおりです。お支払い方法は、ご注文手続きの画面でお選びいただけるものに限ります。

■ 第3条（商品のお届け）
商品は、ご注文の際にご指定いただいたお届け先にお届けします。お届け先の誤りや長期のご不在により商品をお届けできない場合、再送にかかる送料はお客様のご負担となります。

■ 第4条（返品・交換）
返品・交換の条件は「特定商取引法に基づく表記」のとおりです。

■ 第5条（禁止事項）
転売を目的とするご注文、虚偽の情報によるご注文、当店の運営を妨げる行為はご遠慮ください。これらに当たると当店が判断したご注文はお断りすることがあります。

■ 第6条（個人情報）
お客様の個人情報は「プライバシーポリシー」に従って取り扱います。

■ 第7条（規約の変更）
当店はこの規約を変更することがあります。変更後の規約は、このページに掲載した時点から効力を生じます。

■ 第8条（準拠法・管轄）
この規約は日本法に従って解釈され、当店とお客様の間の紛争は、当店の所在地を管轄する地方裁判所を第一審の専属的合意管轄裁判所とします。`

// ShopPageInput is the page form as typed: Items by key for the 特商法 page,
// Body for the others.
type ShopPageInput struct {
	Items map[string]string
	Body  string
	Base  string
}

// Limits of page text, in characters.
const (
	MaxLawItem  = 1000
	MaxPageBody = 20000
)

// SaveShopPage stores a page's text. Like every admin form it writes only
// what the form changed and refuses a field changed meanwhile by someone
// else (*StaleFormError); see formbase.go.
func (s *Shop) SaveShopPage(ctx context.Context, slug string, in ShopPageInput) error {
	if PageTitle(slug) == "" {
		return ErrNotFound
	}
	typed := map[string]string{}
	fields := map[string]string{}
	clean := func(v string) string { return strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n")) }
	if slug == PageLaw {
		for _, it := range lawItems {
			v := clean(in.Items[it.Key])
			if utf8.RuneCountInString(v) > MaxLawItem {
				fields[it.Key] = it.Label + "は1000文字以内で入力してください。"
			}
			typed[it.Key] = v
		}
		for _, key := range []string{"seller", "address", "phone", "email"} {
			if typed[key] == "" {
				fields[key] = "特定商取引法で表示が求められている項目です。入力してください。"
			}
		}
	} else {
		typed["body"] = clean(in.Body)
		switch n := utf8.RuneCountInString(typed["body"]); {
		case n == 0:
			fields["body"] = "本文を入力してください。"
		case n > MaxPageBody:
			fields["body"] = "本文は20000文字以内で入力してください。"
		}
	}
	if len(fields) > 0 {
		return &InputError{Fields: fields}
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		stored, err := tx.Page(slug)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		cur := pageFrom(slug, st, stored, err == nil)
		current := map[string]string{"body": cur.Body}
		if slug == PageLaw {
			current = map[string]string{}
			for _, it := range cur.Items {
				current[it.Key] = it.Text
			}
		}
		write, conflicts := mergeForm(in.Base, typed, current)
		if len(conflicts) > 0 {
			return staleForm(conflicts, current, func(field, value string) (string, string) {
				for _, it := range lawItems {
					if it.Key == field {
						return it.Label, shorten(value)
					}
				}
				return "本文", shorten(value)
			})
		}
		if len(write) == 0 && cur.Custom {
			return nil
		}
		for _, k := range write {
			current[k] = typed[k]
		}
		body := current["body"]
		if slug == PageLaw {
			b, err := json.Marshal(current)
			if err != nil {
				return err
			}
			body = string(b)
		}
		return tx.PutPage(slug, body)
	})
}

func shorten(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
