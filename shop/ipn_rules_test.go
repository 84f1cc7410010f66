package shop

import (
	"testing"
	"time"

	"kago/amazonpay"
	"kago/model"
)

// TestIPNDetail: seed 000 12-2's 「詳細」 for each event, and the events the
// shop is not mailed (破棄 and its own cancellations, pending states).
func TestIPNDetail(t *testing.T) {
	for _, tc := range []struct {
		kind, state, reason, want string
	}{
		{amazonpay.ObjectTypeCharge, model.StateAuthorized, "", "オーソリが正常に処理されました。"},
		{amazonpay.ObjectTypeCharge, model.StateCaptured, "", "売上請求が正常に処理されました。"},
		{amazonpay.ObjectTypeRefund, model.StateRefunded, "", "返金の申請が正常に処理されました。"},
		{amazonpay.ObjectTypeCharge, model.StateCanceled, "BuyerCanceled", "購入者が Chargeをキャンセルしました。"},
		{amazonpay.ObjectTypeCharge, model.StateCanceled, "AmazonCanceled", "Amazonによってオーソリの取消が行われました。"},
		{amazonpay.ObjectTypeCharge, model.StateCanceled, "ExpiredUnused", "売上請求期限が終了しました。"},
		{amazonpay.ObjectTypeChargePermission, model.StateClosed, "AmazonClosed", "Amazonによって決済の破棄が行われたため、再オーソリも不可となります。"},
		{amazonpay.ObjectTypeCharge, model.StateDeclined, "SoftDeclined", "オーソリもしくは売上請求に失敗しました。再試行は成功する場合と成功しない場合があります。再試行を繰り返しても失敗する場合は、購入者に連絡して別のお支払い方法を選択してもらう必要があります。"},
		{amazonpay.ObjectTypeCharge, model.StateDeclined, "HardDeclined", "オーソリもしくは売上請求に失敗しました。購入者に連絡して別のお支払い方法を選択してもらう必要があります。"},
		{amazonpay.ObjectTypeCharge, model.StateDeclined, "ProcessingFailure", "売上請求中にエラーが発生しました。再試行をお試しください。"},
		{amazonpay.ObjectTypeCharge, model.StateDeclined, "AmazonRejected", "売上請求中にエラーが発生しました。再試行をお試しください。頻発する場合は購入者に連絡して別のお支払い方法を選択してもらう必要があります。"},
		{amazonpay.ObjectTypeRefund, model.StateDeclined, "AmazonRejected", "Amazon によって返金が拒否されました。別の方法（ギフトカードやストアクレジットなど）での返金をお試しください。"},
		{amazonpay.ObjectTypeRefund, model.StateDeclined, "ProcessingFailure", "内部処理エラーまたは、購入者が保証によって返金を受け取っているため返金の処理を行うことが出来ませんでした。Amazon Pay 画面から現在の状態を確認し、購入者が返金を受け取っていない場合に限り、返金を再試行するか別の方法での返金を行ってください。"},
		{amazonpay.ObjectTypeChargeback, ipnChargeback, "", "チャージバックの提出もしくは、チャージバックの状態に変更がありました。Amazon Pay管理画面より現在の状態を確認してください。"},
		{amazonpay.ObjectTypeChargePermission, model.StateClosed, "MerchantClosed", ""},
		{amazonpay.ObjectTypeCharge, model.StateCanceled, "MerchantCanceled", ""},
		{amazonpay.ObjectTypeCharge, model.StateAuthorizationInitiated, "", ""},
		{amazonpay.ObjectTypeRefund, model.StateRefundInitiated, "", ""},
		{amazonpay.ObjectTypeChargePermission, model.StateChargeable, "", ""},
	} {
		got, ok := ipnDetail(tc.kind, tc.state, tc.reason)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s %s %s: %q %v, want %q", tc.kind, tc.state, tc.reason, got, ok, tc.want)
		}
	}
}

// TestHoldsMoney: what counts as Amazon holding a payment.
func TestHoldsMoney(t *testing.T) {
	open := &model.ChargePermission{State: model.StateChargeable, AmountLimit: 2000, AmountBalance: 2000}
	closed := &model.ChargePermission{State: model.StateClosed}
	for _, tc := range []struct {
		name   string
		objs   amazonObjects
		held   bool
		amount int64
	}{
		{"authorized", amazonObjects{permission: open, charges: []model.Charge{{State: model.StateAuthorized, Amount: 2000}}}, true, 2000},
		{"pending", amazonObjects{charges: []model.Charge{{State: model.StateAuthorizationInitiated, Amount: 1500}}}, true, 1500},
		{"captured, part refunded", amazonObjects{permission: closed, charges: []model.Charge{{State: model.StateCaptured, Amount: 2000, Captured: 2000, Refunded: 500}}}, true, 1500},
		{"captured, all refunded", amazonObjects{permission: closed, charges: []model.Charge{{State: model.StateCaptured, Amount: 2000, Captured: 2000, Refunded: 2000}}}, false, 0},
		{"declined", amazonObjects{permission: open, charges: []model.Charge{{State: model.StateDeclined, Amount: 2000}}}, false, 0},
		{"an open permission (Confirm)", amazonObjects{permission: open}, true, 0},
		{"a closed permission", amazonObjects{permission: closed}, false, 0},
	} {
		held, amount := holdsMoney(tc.objs)
		if held != tc.held || amount != tc.amount {
			t.Errorf("%s: %v %d, want %v %d", tc.name, held, amount, tc.held, tc.amount)
		}
	}
}

// TestChangedObjects: only what Amazon changed is recorded, and an object
// read before the ledger's copy never goes back over it.
func TestChangedObjects(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	l := model.Ledger{Permission: model.ChargePermission{ID: "P", State: model.StateChargeable, AmountBalance: 100, FetchedAt: now},
		Charges: []model.Charge{{ID: "C", State: model.StateAuthorized, Amount: 100, FetchedAt: now}}}
	same := amazonObjects{permission: &model.ChargePermission{ID: "P", State: model.StateChargeable, AmountBalance: 100, FetchedAt: now.Add(time.Second)},
		charges: []model.Charge{{ID: "C", State: model.StateAuthorized, Amount: 100, FetchedAt: now.Add(time.Second)}}}
	if got := changedObjects(l, same); !got.empty() {
		t.Errorf("nothing changed, yet %+v", got)
	}
	captured := amazonObjects{charges: []model.Charge{{ID: "C", State: model.StateCaptured, Amount: 100, Captured: 100, FetchedAt: now.Add(time.Second)}},
		refunds: []model.Refund{{ID: "R", ChargeID: "C", State: model.StateRefundInitiated, Amount: 10}}}
	if got := changedObjects(l, captured); len(got.charges) != 1 || len(got.refunds) != 1 || got.permission != nil {
		t.Errorf("a capture and a new refund: %+v", got)
	}
	older := amazonObjects{charges: []model.Charge{{ID: "C", State: model.StateAuthorizationInitiated, Amount: 100, FetchedAt: now.Add(-time.Second)}}}
	if got := changedObjects(l, older); !got.empty() {
		t.Errorf("an older read went over a newer one: %+v", got)
	}
}

// TestOwnReference: the shop's merchant references are its prefix and an
// order number.
func TestOwnReference(t *testing.T) {
	for _, tc := range []struct {
		prefix, ref string
		want        bool
	}{
		{"", "100001", true}, {"", "KAGO-100001", false}, {"KAGO-", "KAGO-100001", true}, {"KAGO-", "100001", false},
		{"KAGO-", "KAGO-", false}, {"KAGO-", "KAGO-12x", false}, {"", "", false},
	} {
		if got := ownReference(AmazonPaySettings{ReferencePrefix: tc.prefix}, tc.ref); got != tc.want {
			t.Errorf("prefix %q, reference %q: %v", tc.prefix, tc.ref, got)
		}
	}
}

// TestRecoverySettingsKeys: the settings hold seconds; missing or bad
// values take the defaults; retries back off from 30 s to an hour.
func TestRecoverySettingsKeys(t *testing.T) {
	rs := recoverySettingsFrom(map[string]string{keyRecoverAfter: "3", keyClaimTimeout: "x", keyAlertAfter: "-5"})
	if rs.RecoverAfter != 3*time.Second || rs.ClaimTimeout != 2*time.Minute || rs.AlertAfter != 10*time.Minute {
		t.Errorf("%+v", rs)
	}
	if got := recoverySettingsFrom(rs.values()); got != rs {
		t.Errorf("round trip %+v", got)
	}
	for tries, want := range map[int]time.Duration{0: 30 * time.Second, 1: time.Minute, 3: 4 * time.Minute, 20: time.Hour} {
		if got := retryDelay(tries); got != want {
			t.Errorf("retryDelay(%d) = %s, want %s", tries, got, want)
		}
	}
}
