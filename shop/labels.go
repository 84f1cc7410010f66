package shop

import "kago/store"

// Payment methods (お支払い方法).
const (
	PayBank   = "bank"      // 銀行振込
	PayCOD    = "cod"       // 代金引換
	PayAmazon = "amazonpay" // Amazon Pay
)

// Payment statuses for the methods without a payment service.
const (
	PaymentUnpaid = "unpaid" // 入金待ち (bank transfer not yet received)
	PaymentPaid   = "paid"   // 入金済み
	PaymentCOD    = "cod"    // 代引き（配達時にお支払い）
)

// PaymentMethodLabel is the shopper's word for a payment method.
func PaymentMethodLabel(m string) string {
	switch m {
	case PayBank:
		return "銀行振込"
	case PayCOD:
		return "代金引換"
	case PayAmazon:
		return "Amazon Pay"
	}
	return m
}

// PaymentStatusLabel is the merchant's word for a payment status.
func PaymentStatusLabel(s string) string {
	switch s {
	case PaymentUnpaid:
		return "入金待ち"
	case PaymentPaid:
		return "入金済み"
	case PaymentCOD:
		return "代引き（配達時に集金）"
	case store.AmazonPending:
		return "決済待ち"
	case store.AmazonFailed:
		return "決済失敗"
	case PaymentUnread:
		return "状態未確認（最新の状態に更新で確認）"
	}
	return AmazonPayStatusLabel(s, "")
}

// OrderStatusLabel is the merchant's word for an order status.
func OrderStatusLabel(s string) string {
	switch s {
	case store.OrderNew:
		return "新規受付"
	case store.OrderShipped:
		return "発送済み"
	case store.OrderCompleted:
		return "受注完了"
	case store.OrderCanceled:
		return "キャンセル"
	case store.OrderPending:
		return "決済待ち"
	case store.OrderFailed:
		return "決済失敗"
	}
	return s
}
