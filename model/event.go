package model

import "time"

// Actor kinds: who made a change.
const (
	ActorCustomer = "customer" // お客様
	ActorAdmin    = "admin"    // the admin, by name
	ActorAmazon   = "amazon"   // Amazon通知
	ActorSystem   = "system"   // 自動処理
)

// Actor is who made a change; Name is the admin's login for ActorAdmin.
type Actor struct {
	Kind string
	Name string
}

// Event kinds. An event records one change of an order or its payment as
// data; views render it into Japanese.
const (
	// EventOrderStatus: the order moved From → To.
	EventOrderStatus = "order_status"
	// EventPaymentCheck: 入金チェック, the payment status moved From → To.
	EventPaymentCheck = "payment_check"
	// EventAmazonOperation: an operation's outcome (Operation, Result,
	// ReasonCode, Amount, ObjectID, RequestID, OperationID).
	EventAmazonOperation = "amazon_operation"
	// EventAmazonState: an Amazon object moved From → To (ObjectID,
	// ReasonCode, Amount), as Amazon reported it.
	EventAmazonState = "amazon_state"
	// EventStockReturned: the order's Items went back to stock.
	EventStockReturned = "stock_returned"
)

// EventItem is one line of an order named by an event. Before, Rate and
// Amount are set by EventOrderEdit only.
type EventItem struct {
	Name     string `json:"name"`
	Quantity int64  `json:"quantity"`
	Before   int64  `json:"before,omitempty"` // the quantity before an edit
	Rate     int    `json:"rate,omitempty"`   // an adjustment's tax rate
	Amount   int64  `json:"amount,omitempty"` // an adjustment's signed yen
}

// Event is one change of an order or its payment.
type Event struct {
	ID          int64
	OrderID     int64
	At          time.Time
	Kind        string
	Actor       Actor
	Operation   string // an Op* kind
	Result      string // an Op* outcome
	ObjectID    string // Amazon's charge permission, charge or refund ID
	RequestID   string // Amazon's x-amz-pay-request-id
	OperationID int64
	Amount      int64
	From, To    string // states
	ReasonCode  string
	Items       []EventItem
}
