package shop

import (
	"fmt"
	"strings"

	"kago/amazonpay"
	"kago/mail"
	"kago/model"
	"kago/store"
)

// The shop's 「【注文番号：XXX】Amazon Payインスタント決済通知（IPN）受信メール」
// (seed 000 12-2): sent to the shop for each notification, once per Amazon
// object and the state it reached, with the detail text the seed gives for
// the event. 破棄 and the shop's own cancellations are not mailed (the seed:
// 「×ショップ様には送信されません」).

// ipnDetail is seed 000 12-2's 「詳細」 for an object (kind: an ObjectType) in
// a state with a reason; false when the event is not mailed.
func ipnDetail(kind, state, reason string) (string, bool) {
	const (
		softDeclined = "オーソリもしくは売上請求に失敗しました。再試行は成功する場合と成功しない場合があります。再試行を繰り返しても失敗する場合は、購入者に連絡して別のお支払い方法を選択してもらう必要があります。"
		hardDeclined = "オーソリもしくは売上請求に失敗しました。購入者に連絡して別のお支払い方法を選択してもらう必要があります。"
	)
	switch kind {
	case amazonpay.ObjectTypeCharge:
		switch state {
		case model.StateAuthorized:
			return "オーソリが正常に処理されました。", true
		case model.StateCaptured:
			return "売上請求が正常に処理されました。", true
		case model.StateCanceled:
			switch reason {
			case "BuyerCanceled":
				return "購入者が Chargeをキャンセルしました。", true
			case "AmazonCanceled":
				return "Amazonによってオーソリの取消が行われました。", true
			case "ExpiredUnused":
				return "売上請求期限が終了しました。", true
			}
		case model.StateDeclined:
			switch reason {
			case "SoftDeclined":
				return softDeclined, true
			case "ProcessingFailure":
				return "売上請求中にエラーが発生しました。再試行をお試しください。", true
			case "AmazonRejected", "TransactionTimedOut":
				return "売上請求中にエラーが発生しました。再試行をお試しください。頻発する場合は購入者に連絡して別のお支払い方法を選択してもらう必要があります。", true
			}
			return hardDeclined, true
		}
	case amazonpay.ObjectTypeRefund:
		switch state {
		case model.StateRefunded:
			return "返金の申請が正常に処理されました。", true
		case model.StateDeclined:
			if reason == "AmazonRejected" {
				return "Amazon によって返金が拒否されました。別の方法（ギフトカードやストアクレジットなど）での返金をお試しください。", true
			}
			return "内部処理エラーまたは、購入者が保証によって返金を受け取っているため返金の処理を行うことが出来ませんでした。Amazon Pay 画面から現在の状態を確認し、購入者が返金を受け取っていない場合に限り、返金を再試行するか別の方法での返金を行ってください。", true
		}
	case amazonpay.ObjectTypeChargePermission:
		if state == model.StateClosed && reason == "AmazonClosed" {
			return "Amazonによって決済の破棄が行われたため、再オーソリも不可となります。", true
		}
	case amazonpay.ObjectTypeChargeback:
		return "チャージバックの提出もしくは、チャージバックの状態に変更がありました。Amazon Pay管理画面より現在の状態を確認してください。", true
	}
	return "", false
}

// ipnObjectLabel names an Amazon object for the mail.
func ipnObjectLabel(kind string) string {
	switch kind {
	case amazonpay.ObjectTypeCharge:
		return "請求（オーソリ）"
	case amazonpay.ObjectTypeRefund:
		return "返金"
	case amazonpay.ObjectTypeChargeback:
		return "チャージバック"
	}
	return "決済（課金許可）"
}

// IPNSubject is the IPN mail's subject for an order number (seed 000 12-2).
func IPNSubject(number int64) string {
	return fmt.Sprintf("【注文番号：%d】Amazon Payインスタント決済通知（IPN）受信メール", number)
}

// ipnMail writes the IPN mail of a notification about an order to the
// shop, in the notification's transaction, unless the event is not mailed
// or its mail was written before.
func (s *deps) ipnMail(tx *store.Tx, orderID int64, p store.AmazonPayment, sub ipnSubject) error {
	detail, ok := ipnDetail(sub.kind, sub.state, sub.reason)
	if !ok {
		return nil
	}
	first, err := tx.ClaimIPNMail(sub.key, sub.state, sub.reason, orderID)
	if err != nil || !first {
		return err
	}
	o, st, err := orderAndSettings(tx, orderID)
	if err != nil {
		return err
	}
	st = s.withShopURL(st)
	state := AmazonPayStatusLabel(sub.state, sub.reason)
	if sub.kind == amazonpay.ObjectTypeChargeback {
		state = "チャージバック"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s 管理者様\n\nAmazon Payからインスタント決済通知（IPN）を受信しました。\n\n", st.ShopName)
	fmt.Fprintf(&b, "注文番号：%d\n", o.Number)
	fmt.Fprintf(&b, "ご利用者：%s 様\n", o.Buyer.FullName())
	if p.ChargePermissionID != "" {
		fmt.Fprintf(&b, "Amazonリファレンス ID：%s\n", p.ChargePermissionID)
	}
	b.WriteString("情報区分：決済状況の変更通知（共通）\n")
	fmt.Fprintf(&b, "対象：%s %s\n", ipnObjectLabel(sub.kind), sub.id)
	fmt.Fprintf(&b, "状態：%s\n", state)
	fmt.Fprintf(&b, "詳細：%s\n\n", detail)
	fmt.Fprintf(&b, "受注明細：\n  %s/admin/orders/%d\n\n", strings.TrimRight(s.shopURL(), "/"), orderID)
	b.WriteString("※このメールは管理画面のプログラムが自動で送信しています。このメールへの返信は届きません。\n")
	_, err = s.outbox.Enqueue(tx, mail.Message{Kind: mail.KindAmazonIPN, From: st.SenderEmail, FromName: st.senderName(),
		To: st.CopyAddress(), Subject: IPNSubject(o.Number), Body: b.String(), OrderID: orderID})
	return err
}
