package shop

import (
	"fmt"

	"kago/jp"
)

// PurchaseTerms are what the final confirmation screen must show besides
// the goods and the amounts (特定商取引法 12条の6, since June 2022): when and
// how the shopper pays, when the goods are delivered, and how to cancel or
// return. Kago has no offer period (申込期間) on products, so none is shown.
type PurchaseTerms struct {
	PaymentTiming  string // 支払時期・方法
	DeliveryTiming string // 引渡時期
	Preferred      string // お届け希望日時 as chosen, e.g. 12月5日（土） 午前中
	ReturnPolicy   string // 返品・キャンセルについて
}

// Terms describes the purchase terms of a checkout under the shop's
// settings and the Amazon Pay sale method in force.
func (d Draft) Terms(st Settings, saleMethod string) PurchaseTerms {
	t := PurchaseTerms{DeliveryTiming: st.ShippingLeadTime, ReturnPolicy: st.ReturnPolicy, Preferred: d.Form.PreferredDelivery()}
	switch {
	case d.Amazon != nil:
		switch saleMethod {
		case SaleAuthorize:
			t.PaymentTiming = "「注文する」の後、Amazon Payの画面でお支払い方法の承認（与信）を行い、商品の発送時に請求されます。"
		case SaleConfirm:
			t.PaymentTiming = "「注文する」の後、Amazon Payの画面でお支払い方法を確認し、当店がご注文金額を確定した時点で請求されます。"
		default:
			t.PaymentTiming = "「注文する」の後、Amazon Payの画面でお支払いが確定します。Amazonアカウントに登録されたお支払い方法で決済されます。"
		}
	case d.Form.PaymentMethod == PayCOD:
		t.PaymentTiming = "商品のお届け時に、配達員に現金でお支払いください。" + CODFeeNote(st.CODFee)
	default:
		t.PaymentTiming = fmt.Sprintf("前払いです。ご注文日から%d日以内に、ご注文後にお送りするメールに記載の口座へお振り込みください。振込手数料はお客様のご負担となります。", st.TransferDays)
	}
	return t
}

// PreferredDelivery is the chosen お届け希望日時 as a person reads it:
// 「12月5日（土） 午前中」, 「日付指定なし 午前中」 or 「指定なし」.
func (f CheckoutForm) PreferredDelivery() string {
	band, _ := DeliveryTimeLabel(f.DeliveryTime)
	if f.DeliveryDate == "" && f.DeliveryTime == "" {
		return band
	}
	date := "日付指定なし"
	if day, ok := jp.ParseDay(f.DeliveryDate); ok {
		date = jp.Date(day)
	}
	if f.DeliveryTime == "" {
		return date
	}
	return date + " " + band
}

// CODFeeNote tells the shopper what 代金引換 costs: the fee when the shop
// charges one, that there is none otherwise.
func CODFeeNote(fee int64) string {
	if fee <= 0 {
		return "代引き手数料はかかりません。"
	}
	return "代引き手数料" + jp.Yen(fee) + "がかかります。"
}
