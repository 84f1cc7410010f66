package shop

import (
	"fmt"
	"strings"
)

// Buyer messages shared by several reason codes. Where seed 003 (the
// Welcart WCEX Amazon Pay manual) gives a sentence it is quoted; a sentence
// saying what to do is added where the seed's says only what went wrong.
const (
	// Seed 003 「技術的なエラーが発生しました。」 for problems a retry may cure.
	buyerTechnicalRetry = "技術的なエラーが発生しました。お手数ですが、しばらくしてからもう一度お試しいただくか、ショップまでお問い合わせください。"
	// The same for problems of the shop's set-up that a retry does not cure.
	buyerTechnicalOther = "技術的なエラーが発生しました。恐れ入りますが、ほかのお支払い方法をお選びいただくか、ショップまでお問い合わせください。"
	// Seed 003, completion API.
	buyerInternalRetry = "内部処理エラー。取引を処理できませんでした。もう一度お試しください。"
	buyerDeclined      = "お支払い方法は拒否されました。別の支払い方法を選択してもう一度お試しください。"
	// Seed 003, update API.
	buyerSessionExpired = "セッション期限切れです。注文処理を最初からやり直してください。ご不便をおかけしてしまい申し訳ございません。"
	buyerStartOver      = "注文処理をできない状態になっています。注文手続きを最初からやり直してください。ご不便をおかけしてしまい申し訳ございません。"
	buyerShopSetup      = "Amazon Payのお支払い手続きを開始できませんでした。恐れ入りますが、ほかのお支払い方法をお選びいただくか、ショップまでお問い合わせください。"
	buyerContactShop    = "このご注文のお支払いは、現在お手続きできない状態です。お手数ですが、ショップまでお問い合わせください。"
)

type amazonPayMessage struct{ buyer, admin string }

// amazonPayMessages holds, per Amazon Pay reason code, the message for the
// shopper (failure page, F-18) and for the shop (operation history, F-44).
var amazonPayMessages = map[string]amazonPayMessage{
	// 400: the request the shop sent is wrong.
	"InvalidHeaderValue": {buyerTechnicalOther,
		"Amazon Payへのリクエストのヘッダーの値が正しくありません（x-amz-pay-date、x-amz-pay-region など）。サーバーの時刻とシステムのログを確認してください。"},
	"InvalidRequest": {buyerTechnicalOther,
		"Amazon Payへのリクエストの形式が正しくありません。システムのログでリクエストの内容を確認してください。"},
	"InvalidRequestFormat": {buyerTechnicalOther,
		"Amazon Payへのリクエストの形式（JSON）が正しくありません。システムのログでリクエストの内容を確認してください。"},
	"InvalidParameterValue": {buyerTechnicalOther,
		"Amazon Payへのリクエストのパラメーターの値が正しくありません（金額の形式、戻り先URL、ID など）。システムのログで詳細を確認してください。"},
	"MissingHeader": {buyerTechnicalOther,
		"Amazon Payへのリクエストに必須のヘッダーがありません。システムのログで詳細を確認してください。"},
	"MissingHeaderValue": {buyerTechnicalOther,
		"Amazon Payへのリクエストのヘッダーに値がありません。システムのログで詳細を確認してください。"},
	"MissingParameterValue": {buyerTechnicalOther,
		"Amazon Payへのリクエストに必須のパラメーターがありません。システムのログで詳細を確認してください。"},
	"UnrecognizedField": {buyerTechnicalOther,
		"Amazon Payへのリクエストに、Amazon Payが受け付けない項目が含まれています。システムのログで詳細を確認してください。"},
	"DuplicateIdempotencyKey": {buyerTechnicalOther,
		"同じ冪等キー（idempotency key）で内容の異なるリクエストが送られたため、Amazon Payが処理を拒否しました。「最新の状態に更新」で前回の操作の結果を確認してから、必要なら操作をやり直してください。"},
	"CurrencyMismatch": {buyerInternalRetry,
		"購入手続きを始めた時の通貨は取引完了する動作に使った通貨と異なります。（通貨は日本円（JPY）で統一してください。）"},
	"InvalidSandboxSimulationSpecified": {buyerTechnicalOther,
		"テスト環境のシミュレーション指定が正しくありません。本番環境では指定できません。"},
	"TransactionAmountExceeded": {"最高取引金額を超えています。別ウィンドウ・タブで商品追加や数量変更を行っていただければ、それらのウィンドウ・タブを閉じてからもう一度お試しください。",
		"最高取引金額を超えています。売上請求はオーソリ金額まで、増額は注文金額の900%か70,000円の高い方まで、返金は売上金額に15%と8,400円の低い方を加えた額までです。"},

	// 401, 403: the shop's keys or account.
	"UnauthorizedAccess": {buyerTechnicalOther,
		"Amazon Payへのアクセスが認められませんでした。出品者ID・ストアID・公開鍵IDと秘密鍵の組み合わせ、本番環境とテスト環境の切り替えを確認してください。"},
	"InvalidRequestSignature": {buyerTechnicalOther,
		"リクエストの署名が正しくありません。公開鍵IDと秘密鍵の組み合わせ、本番環境とテスト環境の切り替え、サーバーの時刻を確認してください。"},
	"InvalidAccountStatus": {buyerTechnicalOther,
		"Amazon Payの出品者アカウントが取引できない状態です（審査中・停止中など）。セラーセントラルでアカウントの状態を確認してください。"},

	// 404, 405.
	"ResourceNotFound": {buyerSessionExpired,
		"指定したチェックアウトセッション・課金許可・請求・返金が見つかりません。チェックアウトセッションは使い始めてから30日を過ぎると、どの操作でもこのエラーになります。IDの誤りや、本番環境とテスト環境の取り違えも考えられます。"},
	"UnsupportedOperation": {buyerTechnicalOther,
		"この操作はAmazon Payで受け付けられません（この取引や環境では許可されていない操作です）。"},
	"RequestNotSupported": {buyerTechnicalOther,
		"このリクエストはAmazon Payで受け付けられません（この取引や環境では許可されていない操作です）。"},

	// 409, 422: the checkout or the payment.
	"AmountMismatch": {"取引金額が変更されました。別ウィンドウ・タブで商品追加や数量変更を行っていただければ、それらのウィンドウ・タブを閉じてからもう一度お試しください。",
		"購入確定した時の金額は取引完了する動作に指定した金額と異なります。"},
	"InvalidCheckoutSessionStatus": {buyerStartOver,
		"取引のステータスにより、実行しようとした処理が無効です。（チェックアウトセッションが Open ではありません。完了済み・キャンセル済みのセッションは更新も完了もできません。）"},
	"CheckoutSessionCanceled": {"選択された支払い方法に問題がありました。もう一度お試しください。",
		"お支払い方法は拒否されたか、それとも処理中に取引はキャンセルされました。"},
	"InvalidChargePermissionStatus": {buyerContactShop,
		"課金許可（Charge Permission）のステータスにより、実行しようとした処理が無効です（決済終了（Closed）、請求不可（NonChargeable）など）。「最新の状態に更新」で状態を確認してください。"},
	"InvalidChargeStatus": {buyerInternalRetry,
		"取引のステータスにより、実行しようとした処理が無効です。（請求（Charge）の現在のステータスではこの操作はできません。「最新の状態に更新」で状態を確認してください。）"},
	"SoftDeclined": {"お支払い方法は拒否されました。Amazon Payの画面で別のお支払い方法を選択して、もう一度お試しください。",
		"支払いはソフトに却下されました。繰り返し再試行しても失敗する場合は、購入者に連絡して、別の支払い方法を選択してもらいます。"},
	"HardDeclined": {buyerDeclined,
		"支払いは却下されました。再試行はできないため、購入者に連絡し別の支払い方法を選択してもらいます。"},
	// A charge permission's NonChargeable reasons (AMAZON-PAY.md section 4).
	"PaymentMethodInvalid": {buyerDeclined,
		"購入者のお支払い方法が拒否されたため、課金許可が請求不可（NonChargeable）になっています。購入者にAmazonアカウントのお支払い方法を更新してもらうか、別のお支払い方法をご案内してください。"},
	"ChargeInProgress": {"お支払いの処理中です。しばらくしてからご注文の状況をご確認ください。",
		"この課金許可で請求（オーソリ）を処理中のため、課金許可が一時的に請求不可（NonChargeable）になっています。処理が終わると元に戻ります。「最新の状態に更新」で確認してください。"},
	"PaymentMethodNotAllowed": {buyerDeclined,
		"購入者が選択した支払い方法は、この請求では許可されていません。"},
	"MFANotCompleted": {buyerInternalRetry + "Amazonで本人確認を求められた場合は、画面の案内に沿って手続きを完了してください。",
		"このトランザクションを処理するには、購入者が多要素認証（MFA）を完了する必要があります。"},
	"TransactionTimedOut": {"取引がタイムアウトし、Amazonが注文を処理できませんでした。しばらくしてからもう一度お試しください。ご不便をおかけしてしまい申し訳ございません。",
		"Amazonが承認を処理するのに十分な時間がなかったため、請求は拒否されました。課金許可が請求可能（Chargeable）であれば、時間をおいて再オーソリできます。"},
	"AmazonRejected": {buyerDeclined,
		"Amazonが請求を拒否しました。課金許可（Charge Permission）もキャンセルされている場合があるため、「最新の状態に更新」で状態を確認し、購入者に別のお支払い方法をご案内してください。"},
	"TransactionCountExceeded": {buyerContactShop,
		"この課金許可で作成できる取引の件数の上限に達しました（請求は1件の課金許可につき25件まで）。新しい請求は作成できません。"},

	// 429, 5xx: try again later.
	"TooManyRequests": {"ただいまお支払い手続きが混み合っています。しばらくしてからもう一度お試しください。",
		"Amazon Payへのリクエストが多すぎるため、受け付けられませんでした（スロットリング）。時間をおいて再試行してください。"},
	"InternalServerError": {"技術的なエラーが発生しました。しばらくしてからもう一度お試しください。",
		"Amazon Pay側で内部エラーが発生しました。処理されたかどうかは「最新の状態に更新」で確認してから、必要なら同じ操作をやり直してください。"},
	"ProcessingFailure": {"Amazonが注文を処理できませんでした。しばらくしてからもう一度お試しください。ご不便をおかけしてしまい申し訳ございません。",
		"内部処理エラーのため、Amazonは請求を処理できませんでした。課金許可（Charge Permission）が請求可能（Chargeable）の場合に限り、請求を再試行してください。"},
	"ServiceUnavailable": {"Amazonのサーバーに技術的な問題が発生しています。しばらくしてからもう一度お試しください。",
		"Amazon Payが一時的に利用できません。時間をおいて再試行してください。"},

	// Constraints of a checkout session (seed 003, update API).
	"BuyerNotAssociated": {"Amazonアカウントからお支払い方法を選択してからもう一度お試しください。",
		"チェックアウトセッションに購入者が結び付いていません（購入者がAmazon Payの画面でお支払い方法を選んでいません）。"},
	"ChargeAmountNotSet": {buyerShopSetup,
		"チェックアウトセッションに請求金額が設定されていません。"},
	"PaymentIntentNotSet": {buyerShopSetup,
		"チェックアウトセッションに売上方式（paymentIntent）が設定されていません。"},
	"CheckoutResultReturnUrlNotSet": {buyerShopSetup,
		"チェックアウトセッションに決済結果の戻り先URL（checkoutResultReturnUrl）が設定されていません。"},

	// Reasons of Canceled, Closed and Declined states.
	"BuyerCanceled": {"Amazon Payでのお支払いがキャンセルされました。ご注文を続ける場合は、もう一度お支払い方法をお選びください。",
		"購入者がAmazon Payの画面でお支払いをキャンセルしました。"},
	"Declined": {"お支払い方法が承認されませんでした。別のお支払い方法を選択して、もう一度お試しください。",
		"お支払い方法が拒否されたため、チェックアウトセッションはキャンセルされました。"},
	"Expired": {"お支払い手続きの有効期限が切れました。お手数ですが、はじめからご注文手続きをやり直してください。",
		"期限切れです。チェックアウトセッションは完了しないまま24時間、課金許可は180日（延長時は13か月）で期限が切れます。"},
	"AmazonCanceled": {"Amazonによりお支払いがキャンセルされました。お手数ですが、別のお支払い方法をお選びいただくか、ショップまでお問い合わせください。",
		"Amazonがこの取引をキャンセルしました。理由はセラーセントラルで確認してください。"},
	"ExpiredUnused": {"お支払いの有効期限が切れました。お手数ですが、ショップまでお問い合わせください。",
		"オーソリから30日以内に売上請求されなかったため、オーソリの期限が切れました。注文から180日以内であれば再オーソリできます。"},
	"MerchantCanceled": {"ショップによりお支払いが取り消されました。ご不明な点はショップまでお問い合わせください。",
		"ショップの操作でオーソリを取り消しました。"},
	"ChargePermissionCanceled": {"このご注文のお支払いは取り消されています。ご不明な点はショップまでお問い合わせください。",
		"課金許可（Charge Permission）が取り消されたため、請求もキャンセルされました。"},
	"MerchantClosed": {"このご注文のお支払いは終了しています。ご不明な点はショップまでお問い合わせください。",
		"課金許可（Charge Permission）が出品者側で終了しました（ショップやセラーセントラルでの終了、または全額を売上請求したときのAmazonによる自動終了）。"},
	"BuyerClosed": {"このご注文のお支払いは、Amazonアカウントから終了されています。ご不明な点はショップまでお問い合わせください。",
		"購入者がAmazonアカウントから課金許可（Charge Permission）を終了しました。"},
	// The shop's own reasons (Amazon never sends these): the checkout
	// session was not completed, so Amazon charges nothing.
	ReasonShopperChangedOrder: {"このご注文は、「注文する」の後にご注文内容が変更されたため確定していません。Amazon Payでのご請求はありません。新しいご注文のお手続きをお続けください。",
		"お客様が「注文する」の後にご注文内容を変更し、新しいご注文に置き換えたため、このご注文は確定していません。チェックアウトセッションは完了していないため、Amazon Payでの請求はありません。"},
	ReasonReservationLapsed: {"お支払いの確認までに時間がかかり、その間に商品が品切れになったため、ご注文を確定できませんでした。Amazon Payでのご請求はありません。入荷をお待ちいただくか、ほかの商品をお選びください。",
		"在庫の確保時間を過ぎてからお支払いが確認され、その間に在庫がなくなったため、ご注文を確定しませんでした。チェックアウトセッションは完了していないため、Amazon Payでの請求はありません。"},
	"AmazonClosed": {"このご注文のお支払いはAmazonにより終了されました。お手数ですが、ショップまでお問い合わせください。",
		"Amazonが課金許可（Charge Permission）を終了しました。理由はセラーセントラルで確認してください。"},
}

// amazonPayAliases maps the other spellings seed 003 uses to Amazon's code.
var amazonPayAliases = map[string]string{
	"amazoninternalservererror":               "InternalServerError",
	"constraintbuyernotassociated":            "BuyerNotAssociated",
	"constraintchargeamountnotset":            "ChargeAmountNotSet",
	"constraintpaymentintentnotset":           "PaymentIntentNotSet",
	"constraintcheckoutresultreturnurlnotset": "CheckoutResultReturnUrlNotSet",
}

// amazonPayCodeKey folds SoftDeclined, SOFT_DECLINED and softdeclined alike.
func amazonPayCodeKey(code string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), "_", ""))
}

var amazonPayMessagesByKey = func() map[string]amazonPayMessage {
	m := make(map[string]amazonPayMessage, len(amazonPayMessages)+len(amazonPayAliases))
	for code, msg := range amazonPayMessages {
		m[amazonPayCodeKey(code)] = msg
	}
	for alias, code := range amazonPayAliases {
		m[alias] = amazonPayMessages[code]
	}
	return m
}()

// Messages for a reason code the table does not know.
const (
	amazonPayFallbackBuyer = "Amazon Payでのお支払いを完了できませんでした。お手数ですが、しばらくしてからもう一度お試しいただくか、ほかのお支払い方法をお選びください。ご不明な点はショップまでお問い合わせください。"
	amazonPayFallbackAdmin = "Amazon Payから想定外のエラーが返されました（コード：%s）。システムのログを確認し、「最新の状態に更新」で取引の状態を確かめてください。"
)

// AmazonPayMessages returns, for an Amazon Pay reason code (SoftDeclined;
// seed 003's SOFT_DECLINED spelling works too), the Japanese message shown
// to the buyer on the failure page and the one shown to the shop in the
// order's operation history. The buyer message is polite and says what to
// do next; it never contains the code. For an unknown code both are
// generic and only the admin message names the code.
func AmazonPayMessages(reasonCode string) (buyer, admin string) {
	if m, ok := amazonPayMessagesByKey[amazonPayCodeKey(reasonCode)]; ok {
		return m.buyer, m.admin
	}
	code := cleanText(reasonCode)
	if r := []rune(code); len(r) > 64 {
		code = string(r[:64]) + "…"
	}
	if code == "" {
		code = "なし"
	}
	return amazonPayFallbackBuyer, fmt.Sprintf(amazonPayFallbackAdmin, code)
}

// AmazonPayPartiallyRefunded is the reason code the shop passes to
// AmazonPayStatusLabel with the state Refunded when less than the captured
// amount was refunded. Amazon has no such code: a Refund object is
// Refunded either way.
const AmazonPayPartiallyRefunded = "PartiallyRefunded"

// AmazonPayStatusLabel is the status shown in the admin's yellow frame
// (F-41): the Japanese word and Amazon's state, e.g. 売上請求済み（Captured）.
// reasonCode refines it: Refunded with AmazonPayPartiallyRefunded is
// 一部返金済み（Refunded）; Canceled is 再請求可能（Canceled） (a new
// authorization is possible, e.g. after MerchantCanceled or ExpiredUnused)
// except for the reasons that end the payment (BuyerCanceled, Declined,
// Expired, AmazonCanceled, ChargePermissionCanceled), which give
// キャンセル（Canceled）. An unknown state is returned as it is.
func AmazonPayStatusLabel(objectState, reasonCode string) string {
	state := strings.TrimSpace(objectState)
	reason := strings.TrimSpace(reasonCode)
	switch state {
	case "Open":
		return "手続き中（Open）"
	case "Completed":
		return "手続き完了（Completed）"
	case "Chargeable":
		return "請求可能（Chargeable）"
	case "NonChargeable":
		return "請求不可（NonChargeable）"
	case "Closed":
		return "決済終了（Closed）"
	case "AuthorizationInitiated", "CaptureInitiated", "RefundInitiated":
		return "処理中（" + state + "）"
	case "Authorized":
		return "オーソリ（Authorized）"
	case "Captured":
		return "売上請求済み（Captured）"
	case "Declined":
		return "決済失敗（Declined）"
	case "Refunded":
		if reason == AmazonPayPartiallyRefunded {
			return "一部返金済み（Refunded）"
		}
		return "返金済み（Refunded）"
	case AmazonPayPartiallyRefunded:
		return "一部返金済み（Refunded）"
	case "Canceled":
		switch reason {
		case "BuyerCanceled", "Declined", "Expired", "AmazonCanceled", "ChargePermissionCanceled":
			return "キャンセル（Canceled）"
		}
		return "再請求可能（Canceled）"
	}
	return state
}
