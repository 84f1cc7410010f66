package shop

import (
	"errors"
	"sort"
	"time"

	"kago/jp"
	"kago/model"
	"kago/store"
)

// Member benefits on an order (F-06): points used, a member-only coupon,
// and points given.
//
// Rules (stated here once; the checkout applies them):
//   - A coupon takes its amount, or its percentage rounded down to the yen,
//     off the goods subtotal; never more than the goods.
//   - Points are used one point per yen, after the coupon, up to the goods
//     left to pay; shipping and fees are always paid.
//   - Tax when a discount spans two rates: the whole discount (coupon and
//     points) is split over the tax rates of the goods in proportion to each
//     rate's goods total. Every rate's share but the lowest rate's is rounded
//     down; the lowest rate takes the rest, so the shares add up to the
//     discount exactly and none exceeds its rate's goods. The tax of each
//     rate is then computed once on that rate's total after its share
//     (適格請求書: 値引きは税率ごとに区分して計算).
//   - Points given: PointsRate percent of the goods paid for (after the
//     discount, without shipping and fees), rounded down.

// CouponDiscount is what a coupon takes off a goods subtotal.
func CouponDiscount(c model.Coupon, goods int64) int64 {
	d := c.Value
	if c.Kind == model.CouponPercent {
		d = goods * c.Value / 100
	}
	return min(d, max(goods, 0))
}

// SplitDiscount splits a discount over the goods' tax rates as the rule
// above says; goods are the per-rate goods totals. It returns the share of
// each rate present; the shares add up to discount, which must not exceed
// the goods' sum.
func SplitDiscount(discount int64, goods []RateTotal) map[int]int64 {
	rates := make([]RateTotal, 0, len(goods))
	var all int64
	for _, g := range goods {
		if g.Total > 0 {
			rates = append(rates, g)
			all += g.Total
		}
	}
	out := map[int]int64{}
	if discount <= 0 || all == 0 {
		return out
	}
	sort.Slice(rates, func(i, j int) bool { return rates[i].Rate > rates[j].Rate })
	rest := discount
	for i, g := range rates {
		share := rest
		if i < len(rates)-1 {
			share = discount * g.Total / all
		}
		out[g.Rate] = share
		rest -= share
	}
	return out
}

// PointsEarned is the points given for goods paid for at a rate in percent.
func PointsEarned(goodsPaid, ratePercent int64) int64 {
	if goodsPaid <= 0 || ratePercent <= 0 {
		return 0
	}
	return goodsPaid * ratePercent / 100
}

// discountLine is the thanks mail's {値引き}: what points and a coupon took
// off the order (its goods, shipping and fee less its total), or "".
func discountLine(o store.Order) string {
	if d := o.Subtotal + o.ShippingFee + o.CODFee - o.Total; d > 0 {
		return "ポイント・クーポン値引き：-" + jp.Yen(d)
	}
	return ""
}

// Coupon messages for the member.
const (
	msgCouponUnknown = "ご入力のクーポンコードは見つかりませんでした。"
	msgCouponExpired = "このクーポンの有効期限は終了しました。"
	msgCouponUsed    = "このクーポンはすでにご利用済みです（お一人様1回限り）。"
)

// checkCoupon tells whether a member may use c on goods worth subtotal at
// now; the message says why not.
func checkCoupon(c model.Coupon, used bool, subtotal int64, now time.Time) error {
	switch {
	case !c.Active:
		return Invalid(msgCouponUnknown)
	case now.Before(c.StartsAt):
		return Invalid("このクーポンは" + jp.LongDate(c.StartsAt) + "からご利用いただけます。")
	case !now.Before(c.EndsAt):
		return Invalid(msgCouponExpired)
	case used:
		return Invalid(msgCouponUsed)
	case subtotal < c.MinSubtotal:
		return Invalid("このクーポンは商品合計" + jp.Yen(c.MinSubtotal) + "以上のご注文でご利用いただけます。")
	}
	return nil
}

// ReturnOrderBenefits gives back what an order used and takes back what it
// gave, when the order is canceled or refunded in full: the points used are
// returned, the points given are taken back (the balance may go below zero
// when they were spent meanwhile), and the coupon may be used again. It
// runs in the caller's transaction, beside the cancel or refund and its
// history row, and only the first call changes anything, so calling it from
// both a cancel and a later refund is safe. An order of no member, or one
// that used and earned nothing, is left alone.
func (m *Members) ReturnOrderBenefits(tx *store.Tx, orderID int64) error {
	return returnOrderBenefits(tx, orderID)
}

// returnOrderBenefits is ReturnOrderBenefits for code without the service
// (a failed Amazon Pay payment gives back what its order took).
func returnOrderBenefits(tx *store.Tx, orderID int64) error {
	b, err := tx.OrderBenefits(orderID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := tx.MarkBenefitsReturned(orderID); errors.Is(err, store.ErrConflict) {
		return nil
	} else if err != nil {
		return err
	}
	if b.PointsUsed > 0 {
		if _, err := tx.AddPoints(b.MemberID, orderID, model.PointsReturned, b.PointsUsed); err != nil {
			return err
		}
	}
	if b.PointsEarned > 0 {
		if _, err := tx.AddPoints(b.MemberID, orderID, model.PointsTakenBack, -b.PointsEarned); err != nil {
			return err
		}
	}
	if b.CouponID != 0 {
		return tx.ReturnCoupon(b.CouponID, b.MemberID, orderID)
	}
	return nil
}
