package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"kago/amazonpay/emulator"
	"kago/shop"
	"kago/store"
)

// TestAdminOrderListSearchesAcrossTabs: 受注一覧 (F-40) finds an Amazon Pay
// order by 外部決済注文番号 (typed in either box, full-width or not), an
// order number finds the order whatever the tab, a given name finds the
// order as the family name does, and 決済状況 filters by Amazon's state.
func TestAdminOrderListSearchesAcrossTabs(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	amazon := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	ref := ledger(t, k, amazon).Permission.ID
	os := k.placeOrders(taro(shop.PayBank), orderSpec{family: "佐藤", given: "花子", email: "hanako@example.com", payment: shop.PayBank})
	if err := k.shop.ChangeOrderStatus(context.Background(), os[1].ID, store.OrderCanceled, "x"); err != nil {
		t.Fatal(err)
	}
	amazonNum := num(orderOf(t, k, amazon))
	fullWidth := strings.ToLower(toFullWidth(ref))
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"reference=" + url.QueryEscape(ref), []string{amazonNum}},
		{"reference=" + url.QueryEscape(fullWidth), []string{amazonNum}},
		{"number=" + url.QueryEscape(ref), []string{amazonNum}},
		{"reference=" + url.QueryEscape(ref+"-C0000001"), []string{amazonNum}},
		{"reference=S03-0000000-0000000", nil},
		// 佐藤 花子's order is canceled: its number finds it from the open tab.
		{"number=" + num(os[1]), []string{num(os[1])}},
		{"number=" + num(os[1]) + "&status=new", nil},
		{"name=" + url.QueryEscape("花子"), nil}, // canceled, and a name looks in the tab only
		{"tab=canceled&name=" + url.QueryEscape("花子"), []string{num(os[1])}},
		{"name=" + url.QueryEscape("太郎"), []string{num(os[0])}},
		{"name=" + url.QueryEscape("山田 太"), []string{num(os[0])}},
		{"name=" + url.QueryEscape("太郎 山田"), nil},
		{"name=" + url.QueryEscape("山田太郎"), []string{num(os[0])}}, // typed without the space
		{"name=" + url.QueryEscape("山田太"), []string{num(os[0])}},
		{"name=" + url.QueryEscape("山太郎"), nil},
		{"amazon_status=authorized", []string{amazonNum}},
		{"amazon_status=captured", nil},
	} {
		r := k.get("/admin/orders?" + tc.query)
		if r.status != http.StatusOK {
			t.Errorf("%s: %d %s", tc.query, r.status, excerpt(r.body))
			continue
		}
		if got := listedNumbers(r.body); !slices.Equal(got, tc.want) {
			t.Errorf("%s: listed %v, want %v", tc.query, got, tc.want)
		}
	}
	mustContain(t, k.get("/admin/orders?number="+num(os[1])).body, "すべての受注から探します")
	for _, tc := range []struct{ query, want string }{
		{"reference=12345", "外部決済注文番号はAmazonリファレンス ID（S03-1234567-1234567 の形）で入力してください。"},
		{"number=S03-123", "注文番号は半角数字（Amazon Payの注文はAmazonリファレンス ID「S03-1234567-1234567」でも可）で入力してください。"},
		{"amazon_status=lost", "決済状況の指定が正しくありません。"},
	} {
		r := k.get("/admin/orders?" + tc.query)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", tc.query, r.status)
		}
		mustContain(t, r.body, tc.want)
	}
}
