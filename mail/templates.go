package mail

import (
	"strings"
)

// Template is a mail text (定型文) with {placeholders}.
type Template struct {
	Kind    string
	Label   string // how the admin names it
	Subject string
	Body    string
}

// Mail kinds.
const (
	KindThanks    = "thanks"     // 自動返信メール（サンクスメール）
	KindOrderCopy = "order_copy" // 受注通知用コピーメール (the thanks mail, copied)
)

// CopySubjectPrefix starts the subject of the shop's copy of a thanks mail.
const CopySubjectPrefix = "【受注通知用コピーメール】"

// Placeholders are the names a template may use, each written {name}.
var Placeholders = []string{"店舗名", "注文番号", "注文日時", "お名前", "メールアドレス", "お支払い方法", "お支払い案内",
	"注文内容", "商品合計", "送料", "手数料", "値引き", "合計金額", "税率別内訳", "お届け先", "配送方法", "お届け希望日時", "備考", "注意書き"}

// Builtins are the texts a new shop starts with, in the order the admin lists them.
var Builtins = []Template{{
	Kind:    KindThanks,
	Label:   "自動返信メール（サンクスメール）",
	Subject: "【{店舗名}】ご注文ありがとうございます（注文番号：{注文番号}）",
	Body: `{お名前} 様

このたびは{店舗名}をご利用いただき、誠にありがとうございます。
下記の内容でご注文を承りました。

━━━━━━━━━━━━━━━━━━━━━━
■ご注文番号：{注文番号}
■ご注文日時：{注文日時}
■お支払い方法：{お支払い方法}
{お支払い案内}
■ご注文内容
{注文内容}
──────────────
商品合計　　：{商品合計}
送料　　　　：{送料}
{手数料}
{値引き}
合計金額　　：{合計金額}
{税率別内訳}

■お届け先
{お届け先}
■配送方法：{配送方法}
■お届け希望日時：{お届け希望日時}
■備考
{備考}
━━━━━━━━━━━━━━━━━━━━━━
{注意書き}
ご不明な点がございましたら、このメールにご返信ください。

{店舗名}
`,
}}

// Builtin returns the built-in template of a kind.
func Builtin(kind string) (Template, bool) {
	for _, t := range Builtins {
		if t.Kind == kind {
			return t, true
		}
	}
	return Template{}, false
}

// Render fills {placeholders} from vars; unknown names are left as written
// so a typo is visible in the preview rather than silently dropped.
func Render(text string, vars map[string]string) string {
	pairs := make([]string, 0, 2*len(vars))
	for k, v := range vars {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}
