package views

import "kago/model"

// MemberEventLabel renders a member event in Japanese: what happened and
// how (the rows store kinds, not prose).
func MemberEventLabel(kind, source string) (action, via string) {
	switch kind {
	case model.EventRegistered:
		action = "会員登録"
	case model.EventActivated:
		action = "本登録（仮登録から）"
	case model.EventAmazonLinked:
		action = "Amazonアカウント連携"
	case model.EventAmazonUnlinked:
		action = "Amazonアカウント連携解除"
	case model.EventProfileChanged:
		action = "会員情報の変更"
	case model.EventPasswordChanged:
		action = "パスワードの変更"
	case model.EventPasswordReset:
		action = "パスワードの再設定"
	case model.EventWithdrawn:
		action = "退会"
	default:
		action = kind
	}
	switch source {
	case model.SourceMyPage:
		via = "マイページ"
	case model.SourceCheckout:
		via = "ご注文"
	case model.SourceRegister:
		via = "会員登録ページ"
	case model.SourceWithdrawal:
		via = "退会による自動解除"
	case model.SourceAdmin:
		via = "ショップの受注完了処理"
	case model.SourceMail:
		via = "メールのURL"
	default:
		via = source
	}
	return action, via
}

// PointKindLabel names a kind of point entry.
func PointKindLabel(kind string) string {
	switch kind {
	case model.PointsEarned:
		return "ご注文によるポイント付与"
	case model.PointsUsed:
		return "ご注文でのご利用"
	case model.PointsReturned:
		return "ご注文のキャンセル・返金によるご利用分の返還"
	case model.PointsTakenBack:
		return "ご注文のキャンセル・返金による付与分の取り消し"
	case model.PointsAdjustment:
		return "ショップによる調整"
	}
	return kind
}

// CouponValue says what a coupon takes off: 500円引き or 10%引き.
func CouponValue(kind string, value int64) string {
	if kind == model.CouponPercent {
		return Itoa(value) + "%引き"
	}
	return Yen(value) + "引き"
}

// Points prints a point amount: 1,234ポイント (signed when asked).
func Points(v int64, signed bool) string {
	if signed && v > 0 {
		return "+" + Comma(v) + "ポイント"
	}
	return Comma(v) + "ポイント"
}
