package shop

import (
	"slices"
	"strings"
	"testing"
	"time"

	"kago/amazonpay"
	"kago/model"
)

var t0 = time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC) // 10:00 in Japan

func permission(state string) model.ChargePermission {
	return model.ChargePermission{ID: "S03-1234567-1234567", State: state, AmountLimit: 1080, AmountBalance: 1080,
		ExpiresAt: t0.Add(180 * 24 * time.Hour), FetchedAt: t0}
}

func charge(n int, state string, amount, captured int64) model.Charge {
	return model.Charge{ID: "S03-1234567-1234567-C00000" + string(rune('0'+n)), State: state, Amount: amount, Captured: captured,
		ExpiresAt: t0.Add(30 * 24 * time.Hour)}
}

func ops(actions []PaymentAction) []string {
	var out []string
	for _, a := range actions {
		out = append(out, a.Op)
	}
	return out
}

func TestPaymentStatusPrecedence(t *testing.T) {
	captured := charge(1, model.StateCaptured, 1080, 1080)
	for _, tc := range []struct {
		name          string
		l             model.Ledger
		state, reason string
	}{
		{"Confirm", model.Ledger{Permission: permission(model.StateChargeable)}, model.StateChargeable, ""},
		{"pending authorization wins", model.Ledger{Permission: permission(model.StateNonChargeable),
			Charges: []model.Charge{charge(1, model.StateAuthorizationInitiated, 1080, 0)}}, model.StateAuthorizationInitiated, ""},
		{"captured, permission closed by the capture", model.Ledger{Permission: permission(model.StateClosed), Charges: []model.Charge{captured}},
			model.StateCaptured, ""},
		{"refund pending", model.Ledger{Permission: permission(model.StateClosed), Charges: []model.Charge{captured},
			Refunds: []model.Refund{{ChargeID: captured.ID, State: model.StateRefundInitiated, Amount: 100}}}, model.StateRefundInitiated, ""},
		{"refunded in part", model.Ledger{Permission: permission(model.StateClosed), Charges: []model.Charge{captured},
			Refunds: []model.Refund{{ChargeID: captured.ID, State: model.StateRefunded, Amount: 100}}}, model.StateRefunded, AmazonPayPartiallyRefunded},
		{"refunded in Seller Central", model.Ledger{Permission: permission(model.StateClosed),
			Charges: []model.Charge{{ID: captured.ID, State: model.StateCaptured, Amount: 1080, Captured: 1080, Refunded: 1080}}}, model.StateRefunded, ""},
		{"canceled, then closed", model.Ledger{Permission: model.ChargePermission{State: model.StateClosed, ReasonCode: "MerchantClosed", ReasonDescription: closureReason},
			Charges: []model.Charge{{State: model.StateCanceled, ReasonCode: "MerchantCanceled"}}}, model.StateClosed, "MerchantClosed"},
		{"expired authorization", model.Ledger{Permission: permission(model.StateChargeable),
			Charges: []model.Charge{{State: model.StateCanceled, ReasonCode: "ExpiredUnused"}}}, model.StateCanceled, "ExpiredUnused"},
		{"authorized after a declined one", model.Ledger{Permission: permission(model.StateChargeable),
			Charges: []model.Charge{{State: model.StateDeclined, ReasonCode: "SoftDeclined"}, charge(2, model.StateAuthorized, 1080, 0)}}, model.StateAuthorized, ""},
	} {
		if s, r, _ := PaymentStatus(tc.l); s != tc.state || r != tc.reason {
			t.Errorf("%s: %s %s, want %s %s", tc.name, s, r, tc.state, tc.reason)
		}
	}
	closed := model.Ledger{Permission: model.ChargePermission{State: model.StateClosed, ReasonCode: "MerchantClosed", ReasonDescription: closureReason}}
	if _, _, d := PaymentStatus(closed); d != "ショップによって決済の破棄が行われました。" {
		t.Fatalf("Amazon's description %q", d)
	}
}

func TestRefundCap(t *testing.T) {
	small := charge(1, model.StateCaptured, 1000, 1000)
	big := charge(2, model.StateCaptured, 200000, 200000)
	l := model.Ledger{Charges: []model.Charge{small, big}, Refunds: []model.Refund{
		{ChargeID: small.ID, State: model.StateRefunded, Amount: 100},
		{ChargeID: small.ID, State: model.StateRefundInitiated, Amount: 50},
		{ChargeID: small.ID, State: model.StateDeclined, Amount: 900},
	}}
	// 1,000 + 15% − refunded − pending; a declined refund frees its amount.
	if got := RefundCap(l, small); got != 1000+150-100-50 {
		t.Fatalf("cap %d", got)
	}
	// 15% of 200,000 is 30,000: the 8,400 yen ceiling applies.
	if got := RefundCap(l, big); got != 200000+8400 {
		t.Fatalf("cap %d", got)
	}
	if got := RefundCap(l, charge(3, model.StateAuthorized, 1000, 0)); got != 0 {
		t.Fatalf("an authorization can be refunded: %d", got)
	}
	// Amazon already counts the pending refund as refunded: counted once.
	small.Refunded = 150
	l.Charges[0] = small
	if got := RefundCap(l, small); got != 1000+150-150 {
		t.Fatalf("cap %d with Amazon's refundedAmount", got)
	}
}

func TestDeadlineBadge(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		at    time.Time
		text  string
		near  bool
		label string
	}{
		{DeadlineAuthorize, t0.Add(3 * 24 * time.Hour), "オーソリ期限まであと3日", true, "three days"},
		{DeadlineCapture, t0.Add(30 * 24 * time.Hour), "売上請求期限まであと30日", false, "a fresh authorization"},
		{DeadlineCapture, t0.Add(13 * time.Hour), "売上請求期限は本日まで", true, "later today in Japan (23:00)"},
		{DeadlineCapture, t0.Add(15 * time.Hour), "売上請求期限まであと1日", true, "tomorrow in Japan (01:00)"},
		{DeadlineCapture, t0.Add(-time.Minute), "売上請求期限切れ", true, "past"},
		{DeadlineCapture, time.Time{}, "", false, "none"},
	} {
		text, near := DeadlineBadge(Deadline{Kind: tc.kind, At: tc.at}, t0)
		if text != tc.text || near != tc.near {
			t.Errorf("%s: %q %v, want %q %v", tc.label, text, near, tc.text, tc.near)
		}
	}
}

func TestPaymentDeadline(t *testing.T) {
	auth := charge(1, model.StateAuthorized, 1080, 0)
	if d := PaymentDeadline(model.Ledger{Permission: permission(model.StateChargeable), Charges: []model.Charge{auth}}, 1080); d.Kind != DeadlineCapture || !d.At.Equal(auth.ExpiresAt) {
		t.Fatalf("authorized: %+v", d)
	}
	p := permission(model.StateChargeable)
	if d := PaymentDeadline(model.Ledger{Permission: p}, 1080); d.Kind != DeadlineAuthorize || !d.At.Equal(p.ExpiresAt) {
		t.Fatalf("Confirm: %+v", d)
	}
	if d := PaymentDeadline(model.Ledger{Permission: permission(model.StateClosed), Charges: []model.Charge{charge(1, model.StateCaptured, 1080, 1080)}}, 1080); !d.At.IsZero() {
		t.Fatalf("captured: %+v", d)
	}
}

func TestPaymentActions(t *testing.T) {
	auth := charge(1, model.StateAuthorized, 1080, 0)
	captured := charge(1, model.StateCaptured, 1080, 1080)
	partly := charge(1, model.StateCaptured, 1080, 500)
	p := permission(model.StateChargeable)
	partP := p
	partP.AmountBalance = 580
	nonChargeable := permission(model.StateNonChargeable)
	busy := p
	busy.BusyOperation, busy.BusySince = 7, t0.Add(-time.Minute)
	stale := busy
	stale.BusySince = t0.Add(-time.Hour)
	expired := p
	expired.ExpiresAt = t0.Add(-time.Hour)
	many := model.Ledger{Permission: p}
	for range maxChargesPerPermission {
		many.Charges = append(many.Charges, model.Charge{State: model.StateDeclined})
	}
	for _, tc := range []struct {
		name string
		l    model.Ledger
		want []string
	}{
		{"Confirm", model.Ledger{Permission: p}, []string{model.OpAuthorize, model.OpClose, model.OpFetch}},
		{"authorized", model.Ledger{Permission: p, Charges: []model.Charge{auth}}, []string{model.OpCapture, model.OpCancel, model.OpFetch}},
		{"captured", model.Ledger{Permission: permission(model.StateClosed), Charges: []model.Charge{captured}}, []string{model.OpRefund, model.OpFetch}},
		{"captured in part", model.Ledger{Permission: partP, Charges: []model.Charge{partly}},
			[]string{model.OpAuthorize, model.OpClose, model.OpRefund, model.OpFetch}},
		{"hard declined", model.Ledger{Permission: nonChargeable, Charges: []model.Charge{{State: model.StateDeclined}}}, []string{model.OpClose, model.OpFetch}},
		{"an operation at Amazon", model.Ledger{Permission: busy, Charges: []model.Charge{auth}}, nil},
		{"a claim left by a dead process", model.Ledger{Permission: stale, Charges: []model.Charge{auth}}, []string{model.OpFetch}},
		{"an unknown outcome", model.Ledger{Permission: p, Charges: []model.Charge{auth}, Operations: []model.Operation{{State: model.OpUnknown}}},
			[]string{model.OpFetch}},
		{"never read", model.Ledger{Permission: model.ChargePermission{ID: "S03-1"}, Charges: []model.Charge{{State: model.StateAuthorized}}},
			[]string{model.OpFetch}},
		{"capture deadline passed", model.Ledger{Permission: p, Charges: []model.Charge{{State: model.StateAuthorized, Amount: 1080, ExpiresAt: t0}}},
			[]string{model.OpCancel, model.OpFetch}},
		{"permission expired", model.Ledger{Permission: expired}, []string{model.OpClose, model.OpFetch}},
		{"25 charges", many, []string{model.OpClose, model.OpFetch}},
	} {
		if got := ops(PaymentActions(tc.l, OrderFacts{Total: 1080, StockBack: true}, t0)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// Re-authorization takes the order's rest within the balance; a full
	// refund offers the stock, a partial capture's rest does not.
	acts := PaymentActions(model.Ledger{Permission: partP, Charges: []model.Charge{partly}}, OrderFacts{Total: 1080, StockBack: true}, t0)
	if acts[0].Label != "再オーソリ" || acts[0].Amount != 580 || acts[0].MaxAmount != 580 {
		t.Fatalf("re-authorization %+v", acts[0])
	}
	if r := acts[2]; r.Amount != 500 || r.MaxAmount != 500+75 || !r.OfferStock {
		t.Fatalf("refund %+v", r)
	}
	// A permission with more room than the order has left (its amount
	// lowered in 編集モード, or Amazon's increase headroom) still authorizes
	// only the order's rest.
	roomy := partP
	roomy.AmountBalance = 10_000
	acts = PaymentActions(model.Ledger{Permission: roomy, Charges: []model.Charge{partly}}, OrderFacts{Total: 1080}, t0)
	if acts[0].Op != model.OpAuthorize || acts[0].Amount != 580 || acts[0].MaxAmount != 580 {
		t.Fatalf("re-authorization within a roomy permission %+v", acts[0])
	}
	if a := PaymentActions(model.Ledger{Permission: p}, OrderFacts{Total: 1080}, t0); a[1].OfferStock {
		t.Fatal("stock offered again after it went back")
	}
	// A canceled order takes no new money; it still gives it back.
	canceled := OrderFacts{Total: 1080, Canceled: true}
	if got := ops(PaymentActions(model.Ledger{Permission: p, Charges: []model.Charge{auth}}, canceled, t0)); !slices.Equal(got, []string{model.OpCancel, model.OpFetch}) {
		t.Fatalf("canceled, authorized: %v", got)
	}
	if got := ops(PaymentActions(model.Ledger{Permission: partP, Charges: []model.Charge{partly}}, canceled, t0)); !slices.Equal(got, []string{model.OpClose, model.OpRefund, model.OpFetch}) {
		t.Fatalf("canceled, captured in part: %v", got)
	}
}

func TestParseYen(t *testing.T) {
	for in, want := range map[string]int64{"1080": 1080, " 1,080 ": 1080, "１０８０円": 1080, "1080円": 1080, "007": 7} {
		if got, err := parseYen(in); err != nil || got != want {
			t.Errorf("%q: %d %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0", "-1", "−5", "1e3", "10.5", "abc", "1 080", "9999999999999"} {
		if _, err := parseYen(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestOperationKeys(t *testing.T) {
	perm := "S03-1234567-1234567"
	seen := map[string]bool{}
	for _, kind := range []string{model.OpAuthorize, model.OpCapture, model.OpRefund} {
		for seq := 1; seq <= 1000; seq += 333 {
			k := operationKey(perm, model.Operation{Kind: kind, Seq: seq, TargetID: perm + "-C000001"})
			if !amazonpay.ValidIdempotencyKey(k) || seen[k] {
				t.Fatalf("%s %d: key %q (valid %v, repeated %v)", kind, seq, k, amazonpay.ValidIdempotencyKey(k), seen[k])
			}
			if !strings.HasPrefix(k, perm) && len(k) != 32 {
				t.Fatalf("%s %d: %q names no Amazon ID", kind, seq, k)
			}
			seen[k] = true
			if again := operationKey(perm, model.Operation{Kind: kind, Seq: seq, TargetID: perm + "-C000001"}); again != k {
				t.Fatal("a key is not derived")
			}
		}
	}
	if k := operationKey(perm, model.Operation{Kind: model.OpCancel, Seq: 1}); k != "" {
		t.Fatalf("cancel takes no key, got %q", k)
	}
}

func TestInstrumentKind(t *testing.T) {
	for in, want := range map[string]string{
		"Amazonギフトカード":                "Amazonギフト券",
		"Amazon Gift Card balance":    "Amazonギフト券",
		"Amazonギフトカード, Visa ****1111": "Amazonギフト券と指定のお支払い方法",
		"Visa ****1111":               "Amazonアカウントで指定したお支払い方法",
		"":                            "",
	} {
		if got := InstrumentKind(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
