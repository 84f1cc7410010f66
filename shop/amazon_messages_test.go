package shop

import (
	"strings"
	"testing"
	"unicode"
)

// requiredReasonCodes are the codes the failure page and the operation
// history must explain (seed 003's tables and Amazon's error list).
var requiredReasonCodes = []string{
	"InvalidHeaderValue", "InvalidRequest", "InvalidParameterValue", "MissingHeader", "MissingParameterValue",
	"UnrecognizedField", "DuplicateIdempotencyKey", "CurrencyMismatch", "TransactionAmountExceeded",
	"UnauthorizedAccess", "InvalidRequestSignature", "InvalidAccountStatus", "ResourceNotFound",
	"UnsupportedOperation", "AmountMismatch", "InvalidCheckoutSessionStatus", "CheckoutSessionCanceled",
	"InvalidChargePermissionStatus", "InvalidChargeStatus", "SoftDeclined", "HardDeclined",
	"PaymentMethodNotAllowed", "MFANotCompleted", "TransactionTimedOut", "AmazonRejected",
	"TransactionCountExceeded", "TooManyRequests", "InternalServerError", "ProcessingFailure",
	"ServiceUnavailable", "BuyerCanceled", "Declined", "Expired", "AmazonCanceled", "ExpiredUnused",
	"PaymentMethodInvalid", "ChargeInProgress", // a permission's NonChargeable reasons
}

func TestAmazonPayMessagesKnownCodes(t *testing.T) {
	fallbackBuyer, fallbackAdmin := AmazonPayMessages("NoSuchCode")
	codes := append([]string(nil), requiredReasonCodes...)
	for code := range amazonPayMessages {
		codes = append(codes, code)
	}
	for _, code := range codes {
		buyer, admin := AmazonPayMessages(code)
		if buyer == "" || admin == "" {
			t.Errorf("%s: buyer %q admin %q", code, buyer, admin)
			continue
		}
		if buyer == fallbackBuyer || admin == fallbackAdmin || strings.Contains(admin, "NoSuchCode") {
			t.Errorf("%s: falls back to the generic messages", code)
		}
		if buyer == admin {
			t.Errorf("%s: buyer and admin messages are the same", code)
		}
		checkBuyerMessage(t, code, buyer)
		if !strings.HasSuffix(admin, "。") && !strings.HasSuffix(admin, "）") {
			t.Errorf("%s: admin message %q does not end a sentence", code, admin)
		}
	}
}

// checkBuyerMessage: polite Japanese that says what to do, with nothing
// technical in it.
func checkBuyerMessage(t *testing.T, code, buyer string) {
	t.Helper()
	if !strings.Contains(buyer, "ください") {
		t.Errorf("%s: buyer message %q does not tell the shopper what to do", code, buyer)
	}
	if !strings.HasSuffix(buyer, "。") {
		t.Errorf("%s: buyer message %q does not end with 。", code, buyer)
	}
	if !strings.ContainsFunc(buyer, func(r rune) bool { return unicode.In(r, unicode.Hiragana) }) {
		t.Errorf("%s: buyer message %q is not Japanese", code, buyer)
	}
	for _, technical := range []string{code, "Code", "コード", "Charge", "Session", "ID", "API", "HTTP", "（"} {
		if technical != "" && strings.Contains(buyer, technical) {
			t.Errorf("%s: buyer message %q contains %q", code, buyer, technical)
		}
	}
}

func TestAmazonPayMessagesWhatToDo(t *testing.T) {
	for code, want := range map[string]string{
		"SoftDeclined":         "Amazon Payの画面で別のお支払い方法を選択",
		"HardDeclined":         "別の支払い方法を選択",
		"TransactionTimedOut":  "しばらくしてからもう一度お試しください",
		"ProcessingFailure":    "しばらくしてからもう一度お試しください",
		"InternalServerError":  "しばらくしてからもう一度お試しください",
		"ServiceUnavailable":   "しばらくしてからもう一度お試しください",
		"TooManyRequests":      "しばらくしてからもう一度お試しください",
		"InvalidAccountStatus": "ショップまでお問い合わせください",
		"ExpiredUnused":        "ショップまでお問い合わせください",
	} {
		if buyer, _ := AmazonPayMessages(code); !strings.Contains(buyer, want) {
			t.Errorf("%s: buyer message %q, want it to say %q", code, buyer, want)
		}
	}
	// Seed 003's sentences are quoted.
	for code, want := range map[string][2]string{
		"AmountMismatch": {"取引金額が変更されました。別ウィンドウ・タブで商品追加や数量変更を行っていただければ、それらのウィンドウ・タブを閉じてからもう一度お試しください。",
			"購入確定した時の金額は取引完了する動作に指定した金額と異なります。"},
		"HardDeclined": {"お支払い方法は拒否されました。別の支払い方法を選択してもう一度お試しください。",
			"支払いは却下されました。再試行はできないため、購入者に連絡し別の支払い方法を選択してもらいます。"},
		"CheckoutSessionCanceled": {"選択された支払い方法に問題がありました。もう一度お試しください。",
			"お支払い方法は拒否されたか、それとも処理中に取引はキャンセルされました。"},
	} {
		if buyer, admin := AmazonPayMessages(code); buyer != want[0] || admin != want[1] {
			t.Errorf("%s: %q / %q, want seed 003's %q / %q", code, buyer, admin, want[0], want[1])
		}
	}
	// Seed 003's upper-case spellings find the same messages.
	for seed, code := range map[string]string{
		"SOFT_DECLINED": "SoftDeclined", "MFA_NOT_COMPLETED": "MFANotCompleted",
		"AMAZON_INTERNAL_SERVER_ERROR": "InternalServerError", "CONSTRAINT_BUYER_NOT_ASSOCIATED": "BuyerNotAssociated",
		"CHECKOUT_SESSION_CANCELED": "CheckoutSessionCanceled", " HardDeclined ": "HardDeclined",
	} {
		b1, a1 := AmazonPayMessages(seed)
		b2, a2 := AmazonPayMessages(code)
		if b1 != b2 || a1 != a2 {
			t.Errorf("AmazonPayMessages(%q) differs from %q", seed, code)
		}
	}
}

func TestAmazonPayMessagesFallback(t *testing.T) {
	for _, code := range []string{"SomethingNew", "X-Unknown_42", ""} {
		buyer, admin := AmazonPayMessages(code)
		checkBuyerMessage(t, code, buyer)
		if code != "" && !strings.Contains(admin, code) {
			t.Errorf("%q: admin message %q does not name the code", code, admin)
		}
		if code != "" && strings.Contains(buyer, code) {
			t.Errorf("%q: buyer message %q names the code", code, buyer)
		}
		for _, known := range requiredReasonCodes {
			if b, a := AmazonPayMessages(known); b == buyer || a == admin {
				t.Errorf("%q: fallback equals the messages of %s", code, known)
			}
		}
	}
	if _, admin := AmazonPayMessages("Bad\ncode\x00" + strings.Repeat("x", 500)); strings.ContainsAny(admin, "\n\x00") || len([]rune(admin)) > 200 {
		t.Errorf("admin message not cleaned: %q", admin)
	}
}

func TestAmazonPayStatusLabel(t *testing.T) {
	for _, tc := range []struct{ state, reason, want string }{
		{"Captured", "", "売上請求済み（Captured）"},
		{"Authorized", "", "オーソリ（Authorized）"},
		{"Chargeable", "", "請求可能（Chargeable）"},
		{"Canceled", "", "再請求可能（Canceled）"},
		{"Canceled", "MerchantCanceled", "再請求可能（Canceled）"},
		{"Canceled", "ExpiredUnused", "再請求可能（Canceled）"},
		{"Canceled", "BuyerCanceled", "キャンセル（Canceled）"},
		{"Canceled", "Declined", "キャンセル（Canceled）"},
		{"Closed", "MerchantClosed", "決済終了（Closed）"},
		{"Refunded", "", "返金済み（Refunded）"},
		{"Refunded", AmazonPayPartiallyRefunded, "一部返金済み（Refunded）"},
		{AmazonPayPartiallyRefunded, "", "一部返金済み（Refunded）"},
		{"AuthorizationInitiated", "", "処理中（AuthorizationInitiated）"},
		{"CaptureInitiated", "", "処理中（CaptureInitiated）"},
		{"RefundInitiated", "", "処理中（RefundInitiated）"},
		{"Declined", "SoftDeclined", "決済失敗（Declined）"},
		{"NonChargeable", "ChargeInProgress", "請求不可（NonChargeable）"},
		{"Open", "", "手続き中（Open）"},
		{"Completed", "", "手続き完了（Completed）"},
		{"SomethingNew", "X", "SomethingNew"},
		{"", "", ""},
	} {
		if got := AmazonPayStatusLabel(tc.state, tc.reason); got != tc.want {
			t.Errorf("AmazonPayStatusLabel(%q, %q) = %q, want %q", tc.state, tc.reason, got, tc.want)
		}
	}
}
