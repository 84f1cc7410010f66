package mail

// Member mail kinds. Their texts are built in (not yet editable as 定型文,
// whose placeholders are an order's).
const (
	KindMemberRegistered = "member_registered" // 入会完了のご連絡
	KindPasswordReset    = "password_reset"    // パスワード再設定のご案内
)

// MemberRegistered is the registration mail. {仮パスワード案内} is empty for
// a member who chose a password, and for one registered from the Amazon
// buyer data it opens the mail with the temporary password and the advice
// to change it (seed 003, 運用方法 4 ⑤).
var MemberRegistered = Template{
	Kind:    KindMemberRegistered,
	Label:   "入会完了のご連絡",
	Subject: "【{店舗名}】ご入会完了のご連絡",
	Body: `{仮パスワード案内}{お名前} 様

この度は {店舗名} の会員にご登録くださり誠にありがとうございます。
「マイページ」にて商品ご購入の履歴やポイントが確認できます。

【登録情報】
会員番号: {会員番号}
氏名: {お名前}
メールアドレス: {メールアドレス}
ログインID: {ログインID}

マイページ: {マイページURL}

{店舗名}
`,
}

// TemporaryPasswordNotice opens the registration mail of a member
// registered through Amazon; {仮パスワード} is the generated password.
const TemporaryPasswordNotice = `※現在、下記の仮パスワードを使用しています。マイページからAmazonアカウントでログインし、パスワードを変更してください。
仮パスワード: {仮パスワード}

`

// PasswordReset carries the one-time link of a password reset.
var PasswordReset = Template{
	Kind:    KindPasswordReset,
	Label:   "パスワード再設定のご案内",
	Subject: "【{店舗名}】パスワード再設定のご案内",
	Body: `{お名前} 様

{店舗名} のパスワード再設定のお申し込みを受け付けました。
下記のURLを開き、新しいパスワードを設定してください。

{再設定URL}

このURLの有効期限は {有効期限} です。一度パスワードを設定すると使えなくなります。
お心当たりのない場合は、このメールを破棄してください。パスワードは変更されません。

{店舗名}
`,
}
