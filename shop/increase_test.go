package shop_test

import (
	"strings"
	"testing"

	"kago/model"
	"kago/shop"
)

// TestIncreaseLimits is the increase rule of seed 004 at its edges: 900% of
// the amount at order time or 70,000 JPY, whichever is higher; the
// permission's own limit when Amazon gave less; its balance for what is
// still to charge; never with 増額 off or on a gift-card-only payment.
func TestIncreaseLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ original, ceiling int64 }{
		{1, 70_000}, {7_777, 70_000}, {7_778, 70_002}, {7_779, 70_011}, {10_000, 90_000}, {111_111, 999_999}, {1_000_000, 9_000_000},
	} {
		if got := shop.IncreaseCeiling(tc.original); got != tc.ceiling {
			t.Errorf("IncreaseCeiling(%d) = %d, want %d", tc.original, got, tc.ceiling)
		}
	}
	chargeable := func(limit, balance int64) model.Ledger {
		return model.Ledger{Permission: model.ChargePermission{State: model.StateChargeable, AmountLimit: limit, AmountBalance: balance}}
	}
	on := shop.OrderFacts{Original: 10_000, AllowIncrease: true}
	for _, tc := range []struct {
		name  string
		facts shop.OrderFacts
		l     model.Ledger
		total int64
		want  string // a part of the message; "" when allowed
	}{
		{"減額", shop.OrderFacts{Original: 10_000}, chargeable(10_000, 10_000), 9_999, ""},
		{"同額・増額なし", shop.OrderFacts{Original: 10_000}, chargeable(10_000, 10_000), 10_000, ""},
		{"1円増額・増額なし", shop.OrderFacts{Original: 10_000}, chargeable(10_000, 10_000), 10_001, "「増額」を利用しない"},
		{"1円増額・ギフト券のみ", shop.OrderFacts{Original: 10_000, AllowIncrease: true, GiftCardOnly: true}, chargeable(10_000, 10_000), 10_001, "Amazonギフト券のみ"},
		{"上限ちょうど (900%)", on, chargeable(90_000, 90_000), 90_000, ""},
		{"上限+1円 (900%)", on, chargeable(90_000, 90_000), 90_001, "（90,000円）まで"},
		{"上限ちょうど (70,000円)", shop.OrderFacts{Original: 1_000, AllowIncrease: true}, chargeable(70_000, 70_000), 70_000, ""},
		{"上限+1円 (70,000円)", shop.OrderFacts{Original: 1_000, AllowIncrease: true}, chargeable(70_000, 70_000), 70_001, "（70,000円）まで"},
		{"Amazonの上限が低い", on, chargeable(50_000, 50_000), 50_001, "Amazon Payがこの注文に認めた上限（50,000円）"},
		{"Amazonの上限ちょうど", on, chargeable(50_000, 50_000), 50_000, ""},
		{"未取得の課金許可", on, model.Ledger{}, 90_000, ""},
		{"残りの枠ちょうど", on, chargeable(90_000, 20_000), 20_000, ""},
		{"残りの枠+1円", on, chargeable(90_000, 20_000), 20_001, "残りの枠は20,000円"},
		{"残りの枠0円", on, model.Ledger{Permission: model.ChargePermission{State: model.StateClosed, AmountLimit: 90_000}}, 10_001, "これ以上請求できません"},
		{"売上請求済みの分は枠の外", on, model.Ledger{Permission: model.ChargePermission{State: model.StateChargeable, AmountLimit: 90_000, AmountBalance: 5_000},
			Charges: []model.Charge{{ID: "c1", State: model.StateCaptured, Amount: 10_000, Captured: 10_000}}}, 15_000, ""},
		{"売上請求済み+枠+1円", on, model.Ledger{Permission: model.ChargePermission{State: model.StateChargeable, AmountLimit: 90_000, AmountBalance: 5_000},
			Charges: []model.Charge{{ID: "c1", State: model.StateCaptured, Amount: 10_000, Captured: 10_000}}}, 15_001, "受注金額は15,000円まで"},
	} {
		err := shop.CheckAmazonTotal(tc.facts, tc.l, tc.total)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %d refused: %v", tc.name, tc.total, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %d gave %v, want %q", tc.name, tc.total, err, tc.want)
		case err != nil:
			if _, ok := shop.AsInputError(err); !ok {
				t.Errorf("%s: %v is not a message for the merchant", tc.name, err)
			}
		}
	}
}
