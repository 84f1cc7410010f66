package shop

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kago/model"
	"kago/store"
)

// Member-only coupons (会員限定クーポン, F-06): the merchant's list and edit
// page. A coupon is an amount or a percentage off the goods, valid for a
// span of days in Japan time, for a goods subtotal of at least a minimum,
// once per member.

// CouponInput is the coupon edit form as typed. Dates are YYYY-MM-DD in
// Japan time; the coupon is valid from the start of StartsOn to the end of
// EndsOn.
type CouponInput struct {
	Code, Name, Kind, Value, MinSubtotal, StartsOn, EndsOn string
	Active                                                 bool
	// Base fingerprints the coupon the form was opened with (FormBase);
	// empty for a new coupon.
	Base string
}

// CouponForm turns a coupon back into form values, with their base.
func CouponForm(c model.Coupon) CouponInput {
	in := couponInput(c)
	in.Base = FormBase(in.values())
	return in
}

func couponInput(c model.Coupon) CouponInput {
	return CouponInput{Code: c.Code, Name: c.Name, Kind: c.Kind, Value: strconv.FormatInt(c.Value, 10),
		MinSubtotal: strconv.FormatInt(c.MinSubtotal, 10), StartsOn: c.StartsAt.In(Japan).Format(time.DateOnly),
		EndsOn: c.EndsAt.In(Japan).AddDate(0, 0, -1).Format(time.DateOnly), Active: c.Active}
}

// values are the form's fields by name, as canonical texts.
func (in CouponInput) values() map[string]string {
	active := ""
	if in.Active {
		active = "1"
	}
	return map[string]string{"code": in.Code, "name": in.Name, "kind": in.Kind, "value": in.Value,
		"min_subtotal": in.MinSubtotal, "starts_on": in.StartsOn, "ends_on": in.EndsOn, "active": active}
}

// couponLabels name the form's fields in the stale-form message.
var couponLabels = map[string]string{"code": "クーポンコード", "name": "クーポン名", "kind": "値引きの種類", "value": "値引き",
	"min_subtotal": "利用条件", "starts_on": "開始日", "ends_on": "終了日", "active": "状態"}

var couponCodeRe = regexp.MustCompile(`^[A-Z0-9_-]{3,32}$`)

// NormalizeCouponCode is how a typed code is compared: half-width, upper
// case, no spaces.
func NormalizeCouponCode(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(toHalfWidth(s)), " ", ""))
}

func (in CouponInput) parse() (model.Coupon, map[string]string) {
	fields := map[string]string{}
	c := model.Coupon{Code: NormalizeCouponCode(in.Code), Name: strings.TrimSpace(in.Name), Kind: in.Kind, Active: in.Active}
	if !couponCodeRe.MatchString(c.Code) {
		fields["code"] = "クーポンコードは半角英数字（_ と - も可）3〜32文字で入力してください。"
	}
	if n := utf8.RuneCountInString(c.Name); n == 0 || n > 60 {
		fields["name"] = "クーポン名を60文字以内で入力してください。"
	}
	number := func(raw string) (int64, bool) {
		v, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(toHalfWidthDigits(raw)), ",", ""), 10, 64)
		return v, err == nil
	}
	var ok bool
	c.Value, ok = number(in.Value)
	switch c.Kind {
	case model.CouponAmount:
		if !ok || c.Value < 1 || c.Value > 1_000_000 {
			fields["value"] = "値引き額は1から1,000,000までの半角数字（円）で入力してください。"
		}
	case model.CouponPercent:
		if !ok || c.Value < 1 || c.Value > 100 {
			fields["value"] = "値引き率は1から100までの半角数字（%）で入力してください。"
		}
	default:
		fields["kind"] = "値引きの種類を選んでください。"
	}
	c.MinSubtotal, ok = number(in.MinSubtotal)
	if strings.TrimSpace(in.MinSubtotal) == "" {
		c.MinSubtotal, ok = 0, true
	}
	if !ok || c.MinSubtotal < 0 || c.MinSubtotal > 1_000_000 {
		fields["min_subtotal"] = "利用条件の金額は0から1,000,000までの半角数字（円）で入力してください。"
	}
	starts, err := parseJapanDate(in.StartsOn)
	if err != nil || starts.IsZero() {
		fields["starts_on"] = "開始日を 2025-04-01 のように年-月-日で入力してください。"
	}
	ends, err := parseJapanDate(in.EndsOn)
	switch {
	case err != nil || ends.IsZero():
		fields["ends_on"] = "終了日を 2025-04-30 のように年-月-日で入力してください。"
	case fields["starts_on"] == "" && ends.Before(starts):
		fields["ends_on"] = "終了日は開始日と同じか、それより後の日付にしてください。"
	}
	c.StartsAt, c.EndsAt = starts, ends.AddDate(0, 0, 1)
	return c, fields
}

// SaveCoupon creates (id 0) or changes a coupon. Fields are named like the
// form: code, name, kind, value, min_subtotal, starts_on, ends_on. A change
// writes only the fields the form changed (formbase.go); a field changed
// meanwhile by someone else is refused with a *StaleFormError.
func (m *Members) SaveCoupon(ctx context.Context, id int64, in CouponInput) (model.Coupon, error) {
	typedCoupon, fields := in.parse()
	typedCoupon.ID = id
	if len(fields) > 0 {
		return typedCoupon, &InputError{Message: msgFixInput, Fields: fields}
	}
	var c model.Coupon
	err := m.db.WithTx(ctx, func(tx *store.Tx) error {
		c = typedCoupon // each run starts from the form (WithTx may run it again)
		if id != 0 {
			stored, err := tx.Coupon(id)
			if err != nil {
				return err
			}
			typed, current := couponInput(c).values(), couponInput(stored).values()
			write, conflicts := mergeForm(in.Base, typed, current)
			if len(conflicts) > 0 {
				return staleForm(conflicts, current, func(field, value string) (string, string) {
					return couponLabels[field], shorten(value)
				})
			}
			for _, f := range write {
				current[f] = typed[f]
			}
			merged := CouponInput{Code: current["code"], Name: current["name"], Kind: current["kind"], Value: current["value"],
				MinSubtotal: current["min_subtotal"], StartsOn: current["starts_on"], EndsOn: current["ends_on"], Active: current["active"] == "1"}
			var fields map[string]string
			if c, fields = merged.parse(); len(fields) > 0 {
				return &InputError{Message: msgFixInput, Fields: fields}
			}
			c.ID = id
		}
		other, err := tx.CouponByCode(c.Code)
		switch {
		case err == nil && other.ID != id:
			return &InputError{Message: msgFixInput, Fields: map[string]string{"code": "このクーポンコードは既に使われています。"}}
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		}
		return tx.SaveCoupon(&c)
	})
	return c, err
}

// Coupons lists the coupons with their use counts, newest first.
func (m *Members) Coupons(ctx context.Context) ([]model.Coupon, error) { return m.db.Coupons(ctx) }

// Coupon reads one coupon with its use count.
func (m *Members) Coupon(ctx context.Context, id int64) (model.Coupon, error) {
	return m.db.Coupon(ctx, id)
}

// CouponUses lists who used a coupon on which order.
func (m *Members) CouponUses(ctx context.Context, id int64) ([]store.CouponUse, error) {
	return m.db.CouponUses(ctx, id)
}

// CouponState is a coupon's state on a day: 利用可能, 開始前, 期間終了 or 停止中.
func CouponState(c model.Coupon, now time.Time) string {
	switch {
	case !c.Active:
		return "停止中"
	case now.Before(c.StartsAt):
		return "開始前"
	case !now.Before(c.EndsAt):
		return "期間終了"
	}
	return "利用可能"
}
