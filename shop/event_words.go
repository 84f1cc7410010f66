package shop

import "kago/model"

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
	}
	return EventWords{Action: e.Kind}
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
