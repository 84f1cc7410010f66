package shop

import (
	"strconv"
	"strings"

	"kago/jp"
	"kago/model"
)

// The words pages use for events, operations, actors and Amazon calls. An
// event stores data; these give it the merchant's Japanese.

// ActorLabel names who made a change: お客様, the admin by login, Amazon通知
// or 自動処理.
func ActorLabel(a model.Actor) string {
	switch a.Kind {
	case model.ActorCustomer:
		return "お客様"
	case model.ActorAdmin:
		return a.Name
	case model.ActorAmazon:
		return "Amazon通知"
	case model.ActorSystem:
		return "自動処理"
	}
	return a.Name
}

// EventWords are an event's words for one line of 操作履歴.
type EventWords struct {
	Action   string // what happened, e.g. 受注ステータス変更, 売上請求
	From, To string // the states before and after, in words
	Result   string // OK, a reason code, 結果不明; "" for changes without one
	Failed   bool   // Result is a refusal or unknown
	Detail   string // the admin message of a reason code, if any
	// Hidden: a state change an operation's own line already tells.
	Hidden bool
}

// DescribeEvent gives an event its words (F-44: operation, result with
// seed 003's admin message for a reason code).
func DescribeEvent(e model.Event) EventWords {
	switch e.Kind {
	case model.EventOrderStatus:
		return EventWords{Action: "受注ステータス変更", From: OrderStatusLabel(e.From), To: OrderStatusLabel(e.To)}
	case model.EventPaymentCheck:
		return EventWords{Action: "入金チェック", From: PaymentStatusLabel(e.From), To: PaymentStatusLabel(e.To)}
	case model.EventStockReturned:
		return EventWords{Action: "在庫戻し"}
	case model.EventAmazonState:
		w := EventWords{Action: "Amazon Payの状態", From: AmazonPayStatusLabel(e.From, ""), To: AmazonPayStatusLabel(e.To, e.ReasonCode),
			Hidden: e.Operation != "" && e.Operation != model.OpFetch}
		if e.From == "" {
			w.From = "（新規）"
		}
		if e.ReasonCode != "" {
			w.Result = e.ReasonCode
			_, w.Detail = AmazonPayMessages(e.ReasonCode)
		}
		return w
	case model.EventAmazonOperation:
		w := EventWords{Action: OperationLabel(e.Operation)}
		switch e.Result {
		case model.OpSucceeded:
			w.Result = "OK"
		case model.OpUnknown:
			w.Result, w.Failed = "結果不明", true
			w.Detail = "Amazon Payから結果を受け取れませんでした"
			if e.ReasonCode != "" {
				w.Detail += "（" + e.ReasonCode + "）"
			}
			w.Detail += "。「最新の状態に更新」で確認します。"
		case model.OpFailed:
			w.Result, w.Failed = e.ReasonCode, true
			if e.ReasonCode == "" {
				w.Result, w.Detail = "未処理", "Amazon Payでは行われていませんでした。"
			} else {
				_, w.Detail = AmazonPayMessages(e.ReasonCode)
			}
		}
		return w
	case model.EventOrderEdit:
		return EventWords{Action: "受注内容の編集（編集モード）", From: yenWords(e.From), To: yenWords(e.To), Detail: editWords(e.Items)}
	}
	return EventWords{Action: e.Kind}
}

// yenWords shows a stored decimal yen amount as pages print money.
func yenWords(s string) string {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return jp.Yen(n)
	}
	return s
}

// editWords tells what one edit changed: each product's quantity before
// and after (追加, 削除) and each adjustment added or removed.
func editWords(items []model.EventItem) string {
	parts := make([]string, 0, len(items))
	for _, it := range items {
		switch {
		case it.Rate != 0 && it.Quantity == 0:
			parts = append(parts, "金額調整「"+it.Name+"」"+signedYen(it.Amount)+"（"+strconv.Itoa(it.Rate)+"%対象）を削除")
		case it.Rate != 0:
			parts = append(parts, "金額調整「"+it.Name+"」"+signedYen(it.Amount)+"（"+strconv.Itoa(it.Rate)+"%対象）")
		case it.Before == 0:
			parts = append(parts, it.Name+" "+strconv.FormatInt(it.Quantity, 10)+"点を追加")
		case it.Quantity == 0:
			parts = append(parts, it.Name+" "+strconv.FormatInt(it.Before, 10)+"点を削除")
		default:
			parts = append(parts, it.Name+" 数量 "+strconv.FormatInt(it.Before, 10)+" → "+strconv.FormatInt(it.Quantity, 10))
		}
	}
	return strings.Join(parts, "、")
}

// signedYen is a signed amount with its sign: +500円, -108円.
func signedYen(n int64) string {
	if n < 0 {
		return "-" + jp.Yen(-n)
	}
	return "+" + jp.Yen(n)
}

// APILabel is the merchant's word for an Amazon Pay API operation, for the
// timeline (F-84).
func APILabel(api string) string {
	switch api {
	case "GetCheckoutSession":
		return "チェックアウトセッションの取得"
	case "UpdateCheckoutSession":
		return "チェックアウトセッションの更新"
	case "CompleteCheckoutSession":
		return "決済の完了"
	case "GetChargePermission":
		return "課金許可の取得"
	case "CloseChargePermission":
		return "破棄"
	case "CreateCharge":
		return "オーソリ"
	case "GetCharge":
		return "請求の取得"
	case "CaptureCharge":
		return "売上請求"
	case "CancelCharge":
		return "オーソリキャンセル"
	case "CreateRefund":
		return "返金"
	case "GetRefund":
		return "返金の取得"
	case "Notification":
		return "Amazon Pay通知（IPN）の受信"
	}
	return api
}
