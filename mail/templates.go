package mail

import (
	"regexp"
	"slices"
	"strings"
)

// Template is a mail text (定型文) with {placeholders}.
type Template struct {
	Kind    string
	Label   string // how the admin names it
	Subject string
	Body    string
	// Extra names the placeholders this kind has beyond OrderPlaceholders
	// (MemberPlaceholders for a Member kind).
	Extra []string
	// Manual kinds are written by the merchant from 受注明細, starting from
	// this text and edited before sending (seed 000, 9-1-2 Ⓙ Ⓚ Ⓜ).
	Manual bool
	// Member kinds are mails to a member about their account, not an order.
	Member bool
}

// Placeholders lists every name a template of this kind may use, each
// written {name}: the order's (or the member's) and the kind's own.
func (t Template) Placeholders() []string {
	if t.Member {
		return append(slices.Clone(MemberPlaceholders), t.Extra...)
	}
	return append(slices.Clone(OrderPlaceholders), t.Extra...)
}

// Mail kinds.
const (
	KindThanks       = "thanks"        // 自動返信メール（サンクスメール）
	KindOrderCopy    = "order_copy"    // 受注通知用コピーメール (the thanks mail, copied)
	KindOrderConfirm = "order_confirm" // 注文確認メール
	KindShipping     = "shipping"      // 配送通知メール
	KindCancel       = "cancel"        // キャンセルのお知らせ
	KindFree         = "free"          // フリーメール
	// KindPaymentDeclined tells the buyer that Amazon Pay declined the
	// payment after the order (a pending authorization that ended
	// Declined, F-51).
	KindPaymentDeclined = "payment_declined" // お支払いエラーのお知らせ

	// The shop's own mails about Amazon Pay, written by the shop itself
	// (not templates): 「Amazon Payインスタント決済通知（IPN）受信メール」
	// (seed 000 12-2), 「Amazon Pay 受注未作成通知メール」 (seed 000 5-7,
	// F-52) and the reconciliation's differences (F-83).
	KindAmazonIPN       = "amazonpay_ipn"
	KindAmazonUnplaced  = "amazonpay_unplaced"
	KindAmazonReconcile = "amazonpay_reconcile"
)

// CopySubjectPrefix starts the subject of the shop's copy of a thanks mail.
const CopySubjectPrefix = "【受注通知用コピーメール】"

// OrderPlaceholders are the names every order mail may use.
var OrderPlaceholders = []string{"店舗名", "注文番号", "注文日時", "お名前", "メールアドレス", "ご注文者", "お支払い方法", "お支払い案内",
	"注文内容", "商品合計", "送料", "手数料", "値引き", "合計金額", "税率別内訳", "お届け先", "配送方法", "お届け希望日時", "備考", "署名"}

// MemberPlaceholders are the names every member mail may use.
var MemberPlaceholders = []string{"店舗名", "お名前", "メールアドレス"}

// ShippingPlaceholders are the shipping mail's own names: the parcel.
var ShippingPlaceholders = []string{"発送日", "配送業者", "送り状番号", "お問い合わせURL"}

// FreeMailMarker stands where the merchant writes the message of a フリーメール;
// a free mail still carrying it is not sent.
const FreeMailMarker = "（ここにお客様へのご連絡内容を入力してください。）"

// orderDetail is the block of an order that the thanks and the
// confirmation mail share.
const orderDetail = `━━━━━━━━━━━━━━━━━━━━━━
■ご注文番号：{注文番号}
■ご注文日時：{注文日時}
■お支払い方法：{お支払い方法}
{お支払い案内}

■ご注文者
{ご注文者}

■お届け先
{お届け先}
■配送方法：{配送方法}
■お届け希望日時：{お届け希望日時}

■ご注文内容
{注文内容}
──────────────
商品合計　　：{商品合計}
送料　　　　：{送料}
{手数料}
{値引き}
合計金額　　：{合計金額}
{税率別内訳}

■備考
{備考}
━━━━━━━━━━━━━━━━━━━━━━
`

// Builtins are the texts a new shop starts with, in the order the admin lists them.
var Builtins = []Template{{
	Kind:    KindThanks,
	Label:   "自動返信メール（サンクスメール）",
	Subject: "【{店舗名}】ご注文ありがとうございます（注文番号：{注文番号}）",
	Extra:   []string{"注意書き"},
	Body: `{お名前} 様

このたびは{店舗名}をご利用いただき、誠にありがとうございます。
下記の内容でご注文を承りました。

` + orderDetail + `{注意書き}
ご不明な点がございましたら、このメールにご返信ください。

{署名}
`,
}, {
	Kind:    KindOrderConfirm,
	Label:   "注文確認メール",
	Subject: "【{店舗名}】ご注文内容のご確認（注文番号：{注文番号}）",
	Manual:  true,
	Body: `{お名前} 様

このたびは{店舗名}をご利用いただき、誠にありがとうございます。
ご注文の内容を確認いたしましたので、あらためてお知らせいたします。

` + orderDetail + `
ご不明な点がございましたら、このメールにご返信ください。

{署名}
`,
}, {
	Kind:    KindShipping,
	Label:   "配送通知メール",
	Subject: "【{店舗名}】商品を発送いたしました（注文番号：{注文番号}）",
	Extra:   ShippingPlaceholders,
	Manual:  true,
	Body: `{お名前} 様

このたびは{店舗名}をご利用いただき、誠にありがとうございます。
ご注文の商品を発送いたしましたので、お知らせいたします。

━━━━━━━━━━━━━━━━━━━━━━
■発送日：{発送日}
■配送業者：{配送業者}
■送り状番号：{送り状番号}
■お荷物の状況：{お問い合わせURL}

■ご注文番号：{注文番号}
■ご注文日時：{注文日時}

■お届け先
{お届け先}
■お届け希望日時：{お届け希望日時}

■ご注文内容
{注文内容}
──────────────
合計金額　　：{合計金額}
{税率別内訳}
━━━━━━━━━━━━━━━━━━━━━━

商品の到着まで、今しばらくお待ちください。

{署名}
`,
}, {
	Kind:    KindCancel,
	Label:   "キャンセルのお知らせ",
	Subject: "【{店舗名}】ご注文キャンセルのお知らせ（注文番号：{注文番号}）",
	Body: `{お名前} 様

{店舗名}をご利用いただき、誠にありがとうございます。
下記のご注文のキャンセルを承りましたので、お知らせいたします。

━━━━━━━━━━━━━━━━━━━━━━
■ご注文番号：{注文番号}
■ご注文日時：{注文日時}
■お支払い方法：{お支払い方法}

■ご注文内容
{注文内容}
──────────────
合計金額　　：{合計金額}
━━━━━━━━━━━━━━━━━━━━━━

すでにお支払いいただいた代金は、お支払い方法に応じてご返金いたします。
またのご利用を心よりお待ちしております。

{署名}
`,
}, {
	Kind:    KindPaymentDeclined,
	Label:   "お支払いエラーのお知らせ（Amazon Pay）",
	Subject: "【{店舗名}】Amazon Payでのお支払いについてのお知らせ（注文番号：{注文番号}）",
	Body: `{お名前} 様

{店舗名}をご利用いただき、誠にありがとうございます。

下記のご注文のAmazon Payでのお支払いが、Amazon Payにて承認されませんでした。
大変申し訳ございませんが、このご注文は成立しておりません。代金は請求されません。

━━━━━━━━━━━━━━━━━━━━━━
■ご注文番号：{注文番号}
■ご注文日時：{注文日時}
■お支払い方法：{お支払い方法}

■ご注文内容
{注文内容}
──────────────
合計金額　　：{合計金額}
━━━━━━━━━━━━━━━━━━━━━━

お手数ですが、Amazonアカウントのお支払い方法をご確認のうえ、
別のお支払い方法であらためてご注文いただけますようお願いいたします。

{署名}
`,
}, {
	Kind:    KindFree,
	Label:   "フリーメール",
	Subject: "【{店舗名}】ご注文についてのご連絡（注文番号：{注文番号}）",
	Manual:  true,
	Body: `{お名前} 様

{店舗名}をご利用いただき、誠にありがとうございます。

` + FreeMailMarker + `

■ご注文番号：{注文番号}
■ご注文日時：{注文日時}

{署名}
`,
}, MemberRegistered, PasswordReset}

// Builtin returns the built-in template of a kind.
func Builtin(kind string) (Template, bool) {
	for _, t := range Builtins {
		if t.Kind == kind {
			return t, true
		}
	}
	return Template{}, false
}

var placeholderRe = regexp.MustCompile(`\{([^{}\r\n]*)\}`)

// UnknownPlaceholders lists the {names} in text that are not among names,
// each once, as written.
func UnknownPlaceholders(text string, names []string) []string {
	var out []string
	for _, m := range placeholderRe.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(names, m[1]) && !slices.Contains(out, m[0]) {
			out = append(out, m[0])
		}
	}
	return out
}

// Render fills {placeholders} from vars; unknown names are left as written
// (templates are checked when saved, so they show up in the preview).
//
// A line whose placeholders all came out empty, and which holds nothing
// else but spaces or a label ending in 「：」, is left out: a COD fee line
// of a bank-transfer order or an empty 注意書き leaves no blank line, and
// 「■お荷物の状況：」 disappears when the carrier has no tracking page.
func Render(text string, vars map[string]string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		names := placeholderRe.FindAllStringSubmatch(line, -1)
		empty := len(names) > 0
		for _, m := range names {
			if v, ok := vars[m[1]]; !ok || v != "" {
				empty = false
				break
			}
		}
		if empty {
			rest := strings.TrimSpace(placeholderRe.ReplaceAllString(line, ""))
			if rest == "" || strings.HasSuffix(rest, "：") {
				continue
			}
		}
		b.WriteString(placeholderRe.ReplaceAllStringFunc(line, func(ph string) string {
			if v, ok := vars[ph[1:len(ph)-1]]; ok {
				return v
			}
			return ph
		}))
	}
	return b.String()
}
