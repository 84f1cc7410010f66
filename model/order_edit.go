package model

// Adjustment is a 金額調整 line of an order, added in 編集モード (seed 000
// 9-4-4, 10-4-3, 11-3-2; F-43): a 名目 such as 値引き or 追加料金 and a
// signed, tax-inclusive amount in yen at one tax rate (10 or 8). The
// order's per-rate totals and tax include it.
type Adjustment struct {
	LineNo  int
	Name    string
	TaxRate int
	Amount  int64 // yen, negative for a discount
}

// EventOrderEdit: the merchant changed the order's contents in 編集モード.
// From and To are the order's total before and after (decimal yen), Amount
// the new total, and Items the changes: a product line with Quantity after
// and Before (0 for a line added, Quantity 0 for one removed), or an
// adjustment with Rate and its signed Amount (Quantity 1 added, 0 removed).
const EventOrderEdit = "order_edit"

// Operation kinds of an amount change (F-43, F-82), beside the Op* kinds
// of model/amazon.go.
const (
	// OpCharge is Create Charge with captureNow on the order's charge
	// permission: 増額分を売上請求, the additional charge of an increase
	// after the money was captured (F-82).
	OpCharge = "charge"
	// OpReauthorize is 金額を更新してオーソリ on an open authorization: it
	// runs as two operations, OpCancel of the authorization and then
	// OpAuthorize of the order's new amount; no operation row has it.
	OpReauthorize = "reauthorize"
)
