package emulator

import "html/template"

const layoutCSS = `
body{font-family:"Hiragino Kaku Gothic ProN","Noto Sans JP",Meiryo,sans-serif;margin:0;background:#f3f3f3;color:#0f1111}
header{background:#232f3e;color:#fff;padding:10px 20px;font-weight:bold}
header small{color:#febd69;margin-left:8px;font-weight:normal}
.store{background:#37475a;color:#fff;padding:6px 20px;font-size:14px}
.cancel{margin-top:24px}
main{max-width:760px;margin:20px auto;background:#fff;padding:20px 28px;border-radius:8px;border:1px solid #ddd}
main.wide{max-width:1200px}
h1{font-size:22px} h2{font-size:18px;margin-top:28px}
.btn{background:#ffd814;border:1px solid #fcd200;border-radius:8px;padding:8px 18px;font-size:15px;cursor:pointer}
.btn.sub{background:#fff;border-color:#aaa}
.buyer{border:1px solid #ddd;border-radius:6px;padding:10px;margin:8px 0}
.buyer small{color:#565959;display:block}
.err{background:#fff4f4;border:1px solid #c40000;color:#c40000;padding:10px;border-radius:6px}
label.opt{display:block;border:1px solid #ddd;border-radius:6px;padding:8px;margin:6px 0}
table{border-collapse:collapse;width:100%;font-size:13px} td,th{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
form.inline{display:inline}
code{font-size:12px}
`

var pageTmpl = template.Must(template.New("layout").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}} - Amazon Pay（エミュレーター）</title><style>` + layoutCSS + `</style></head>
<body><header>amazon pay<small>Kago ローカルエミュレーター（{{.Env}}）</small></header>
{{if .StoreName}}<div class="store">{{.StoreName}}</div>{{end}}
<main{{if .Wide}} class="wide"{{end}}>{{template "content" .}}</main></body></html>
{{define "content"}}{{end}}`))

func page(content string) *template.Template {
	return template.Must(template.Must(pageTmpl.Clone()).Parse(`{{define "content"}}` + content + `{{end}}`))
}

// cancelLink is Amazon's way back to the shop: the session's
// checkoutCancelUrl (a sign-in's signInCancelUrl), when the shop gave one.
const cancelLink = `{{if .CancelURL}}<p class="cancel"><a href="{{.CancelURL}}">キャンセルしてショップに戻る</a></p>{{end}}`

var errorPage = page(`<h1>エラー</h1><p class="err">{{.Message}}</p>{{if .Code}}<p>理由コード: <code>{{.Code}}</code></p>{{end}}
{{if .Back}}<p><a href="{{.Back}}">ショップに戻る</a></p>{{end}}` + cancelLink)

var signInPage = page(`<h1>Amazonアカウントでログイン</h1>
{{if .SignIn}}<p>{{or .StoreName "ショップ"}}に Amazon アカウントでログインします。</p>
{{else}}<p>{{or .StoreName "ショップ"}}でのお支払いに Amazon Pay を使います。</p>{{end}}
<p>これはテスト用のエミュレーターです。ログインするテスト購入者を選んでください。</p>
{{range .Buyers}}<form method="post" action="{{$.Base}}/signin" class="buyer">
<input type="hidden" name="{{$.IDName}}" value="{{$.ID}}"><input type="hidden" name="buyerId" value="{{.BuyerID}}">
<button class="btn" type="submit">{{.Name}} でログイン</button>
<small>{{.Email}} ・ {{.Note}}</small><small><code>{{.BuyerID}}</code></small></form>{{end}}
` + cancelLink)

var selectPage = page(`<h1>{{.Heading}}</h1>
{{if .Declined}}<p class="err">お支払い方法が承認されませんでした。別のお支払い方法を選択してください。</p>{{end}}
<p>{{.BuyerName}} 様（{{.BuyerEmail}}）</p>
<form method="post" action="{{.Base}}/checkout/select">
<input type="hidden" name="amazonCheckoutSessionId" value="{{.ID}}"><input type="hidden" name="next" value="{{.Next}}">
{{if .ShowAddress}}<h2>お届け先</h2>{{range .Addresses}}<label class="opt"><input type="radio" name="address" value="{{.Index}}"{{if .Selected}} checked{{end}}>
{{.A.Name}}　〒{{.A.PostalCode}} {{.A.StateOrRegion}}{{.A.City}}{{.A.AddressLine1}}{{.A.AddressLine2}}{{.A.AddressLine3}}　電話 {{.A.PhoneNumber}}</label>{{end}}{{end}}
{{if .ShowPayment}}<h2>お支払い方法</h2>{{range .Instruments}}<label class="opt"><input type="radio" name="payment" value="{{.Index}}"{{if .Selected}} checked{{end}}>
{{.I.Descriptor}}</label>{{end}}{{end}}
<p><button class="btn" type="submit">続行</button></p></form>
` + cancelLink)

var consolePage = page(`<h1>エミュレーターのセラーセントラル</h1>
<p>現在時刻（エミュレーター）: <b>{{.Now}}</b>（実時刻より {{.Offset}} 進んでいます）</p>
<form method="post" action="{{$.Console}}/clock" class="inline"><input type="hidden" name="csrf" value="{{$.CSRF}}">時計を進める:
<button class="btn sub" name="advance" value="1h">1時間</button>
<button class="btn sub" name="advance" value="24h">1日</button>
<button class="btn sub" name="advance" value="168h">7日</button>
<button class="btn sub" name="advance" value="720h">30日</button>
<button class="btn sub" name="advance" value="4320h">180日</button></form>

<h2>障害スイッチ</h2>
{{if .Faults}}<table><tr><th>操作</th><th>ステータス</th><th>切断</th><th>遅延</th><th>残り回数</th></tr>
{{range .Faults}}<tr><td>{{or .Operation "（すべて）"}}</td><td>{{.Status}}</td><td>{{.Drop}}</td><td>{{.Latency}}</td><td>{{if .Times}}{{.Times}}{{else}}解除まで{{end}}</td></tr>{{end}}</table>
<form method="post" action="{{$.Console}}/faults/clear"><input type="hidden" name="csrf" value="{{$.CSRF}}"><button class="btn sub">すべて解除</button></form>{{else}}<p>なし</p>{{end}}
<form method="post" action="{{$.Console}}/faults"><input type="hidden" name="csrf" value="{{$.CSRF}}">
操作 <select name="operation"><option value="">（すべて）</option>{{range .Operations}}<option>{{.}}</option>{{end}}</select>
応答 <select name="fault"><option value="429">429 TooManyRequests</option><option value="500">500 InternalServerError</option><option value="503">503 ServiceUnavailable</option>
<option value="before">処理前に切断</option><option value="after">処理後に切断</option><option value="latency">遅延のみ</option></select>
遅延 <input name="latency" value="0s" size="5"> 回数 <input name="times" value="1" size="3">（0 = 解除まで）
<button class="btn sub">追加</button></form>

<h2>通知（IPN）</h2>
<form method="post" action="{{$.Console}}/notifications"><input type="hidden" name="csrf" value="{{$.CSRF}}">重複送信: <b>{{if .Duplicate}}オン{{else}}オフ{{end}}</b>
<button class="btn sub" name="duplicate" value="{{if .Duplicate}}off{{else}}on{{end}}">{{if .Duplicate}}オフにする{{else}}オンにする{{end}}</button></form>
<p>署名証明書: <a href="{{.CertURL}}">{{.CertURL}}</a>　CA: <a href="{{.Base}}/ca.pem">{{.Base}}/ca.pem</a></p>

<h2>加盟店</h2><table><tr><th>出品者ID</th><th>ストアID</th><th>公開鍵ID</th><th>IPN URL</th><th>操作</th></tr>
{{range .Merchants}}<tr><td>{{.MerchantID}}</td><td>{{.StoreID}}</td><td>{{.PublicKeyID}}</td><td>{{.IPNURL}}</td>
<td><form method="post" action="{{$.Console}}/action" class="inline"><input type="hidden" name="csrf" value="{{$.CSRF}}"><input type="hidden" name="id" value="{{.MerchantID}}"><button class="btn sub" name="action" value="remove-merchant">登録を削除</button></form></td></tr>{{end}}</table>
<p>登録の削除は、鍵をなくした加盟店が新しい鍵で登録し直すためのものです（登録済みの加盟店は、その鍵で署名した登録でしか変更できません）。</p>

<h2>Charge Permission（Amazonリファレンス ID）</h2>
<table><tr><th>ID</th><th>状態</th><th>上限 / 残高</th><th>購入者</th><th>注文番号</th><th>有効期限</th><th>操作</th></tr>
{{range .Permissions}}<tr><td><code>{{.ChargePermissionID}}</code></td><td>{{.StatusDetails.State}}{{range .StatusDetails.Reasons}} ({{.ReasonCode}}){{end}}</td>
<td>{{.Limits.AmountLimit.Amount}} / {{.Limits.AmountBalance.Amount}} 円</td><td>{{if .Buyer}}{{.Buyer.Name}}{{end}}</td><td>{{.MerchantMetadata.MerchantReferenceID}}</td>
<td>{{.ExpirationTimestamp.Format "2006-01-02"}}</td>
<td>{{if ne .StatusDetails.State "Closed"}}<form method="post" action="{{$.Console}}/action" class="inline"><input type="hidden" name="csrf" value="{{$.CSRF}}"><input type="hidden" name="id" value="{{.ChargePermissionID}}"><button class="btn sub" name="action" value="close">クローズ</button></form>{{end}}</td></tr>{{end}}</table>

<h2>Charge</h2>
<table><tr><th>ID</th><th>状態</th><th>オーソリ</th><th>売上</th><th>返金済</th><th>有効期限</th><th>操作</th></tr>
{{range .Charges}}<tr><td><code>{{.ChargeID}}</code></td><td>{{.StatusDetails.State}}{{with .StatusDetails.ReasonCode}} ({{.}}){{end}}</td>
<td>{{.ChargeAmount.Amount}} 円</td><td>{{with .CaptureAmount}}{{.Amount}} 円{{end}}</td><td>{{with .RefundedAmount}}{{.Amount}} 円{{end}}</td><td>{{.ExpirationTimestamp.Format "2006-01-02"}}</td>
<td><form method="post" action="{{$.Console}}/action" class="inline"><input type="hidden" name="csrf" value="{{$.CSRF}}"><input type="hidden" name="id" value="{{.ChargeID}}">
{{if eq .StatusDetails.State "Authorized"}}<button class="btn sub" name="action" value="capture">売上請求</button>{{end}}
{{if or (eq .StatusDetails.State "Authorized") (eq .StatusDetails.State "AuthorizationInitiated")}}<button class="btn sub" name="action" value="cancel">取消</button>{{end}}
{{if eq .StatusDetails.State "Captured"}}<button class="btn sub" name="action" value="refund">返金</button>
<button class="btn sub" name="action" value="chargeback">チャージバック</button>{{end}}</form></td></tr>{{end}}</table>

<h2>Refund</h2>
<table><tr><th>ID</th><th>状態</th><th>金額</th><th>作成</th></tr>
{{range .Refunds}}<tr><td><code>{{.RefundID}}</code></td><td>{{.StatusDetails.State}}{{with .StatusDetails.ReasonCode}} ({{.}}){{end}}</td><td>{{.RefundAmount.Amount}} 円</td><td>{{.CreationTimestamp.Format "2006-01-02 15:04"}}</td></tr>{{end}}</table>

<h2>送信した通知（新しい順）</h2>
<table><tr><th>時刻</th><th>種別</th><th>オブジェクト</th><th>送信先</th><th>結果</th></tr>
{{range .Deliveries}}<tr><td>{{.At.Format "01-02 15:04:05"}}</td><td>{{.Message.ObjectType}}</td><td><code>{{.Message.ObjectID}}</code></td><td>{{.URL}}</td>
<td>{{if .Delivered}}配信済（{{.Attempts}}回）{{else}}{{.Status}} {{.Err}}（{{.Attempts}}回）{{end}}</td></tr>{{end}}</table>`)
