package model

import "time"

// Kinds of a reconciliation item (F-83): what the shop's orders and
// Amazon's payments say of one payment, differences first.
const (
	ReconcileMoneyWithoutOrder = "money_without_order" // Amazon holds money; the order is not live (pending, failed, canceled) or unknown
	ReconcileOrderWithoutMoney = "order_without_money" // a live order, and Amazon holds nothing for it
	ReconcileAmountDiffers     = "amount_differs"      // Amazon holds another amount than the order's total
	ReconcileStateDiffers      = "state_differs"       // the shop's record of Amazon's objects is not what Amazon says now
	ReconcileUnreachable       = "unreachable"         // Amazon did not answer
	ReconcileOK                = "ok"
)

// ReconcileRun is one run of the reconciliation.
type ReconcileRun struct {
	ID          int64
	StartedAt   time.Time
	FinishedAt  time.Time // zero while it runs (or when it died)
	Checked     int
	Differences int
	Unreachable int
	Mailed      bool // the shop was mailed the differences
}

// ReconcileItem is one payment as the reconciliation found it.
type ReconcileItem struct {
	Kind         string // a Reconcile* kind
	OrderID      int64  // 0: no order of the shop
	OrderNumber  int64
	PermissionID string
	Reference    string // merchantReferenceId
	ShopState    string // the order's status (store.Order*), or "" without one
	AmazonState  string // the state of the payment at Amazon, as Amazon words it
	ShopAmount   int64  // what the shop expects Amazon to hold, yen
	AmazonAmount int64  // what Amazon holds (authorized, or captured less refunded), yen
	// Stale: the shop's record of Amazon's objects differs from Amazon's
	// (最新の状態に更新 fixes it), whatever the kind.
	Stale bool
}
