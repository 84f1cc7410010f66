package model

import "time"

// Amazon Pay object states, in Amazon's words (AMAZON-PAY.md section 3).
// The shop stores them as Amazon gave them and never makes one up.
const (
	// Charge permission states.
	StateChargeable    = "Chargeable"
	StateNonChargeable = "NonChargeable"
	StateClosed        = "Closed"

	// Charge states (StateCanceled and StateDeclined are also refund or
	// session states).
	StateAuthorizationInitiated = "AuthorizationInitiated"
	StateAuthorized             = "Authorized"
	StateCaptureInitiated       = "CaptureInitiated"
	StateCaptured               = "Captured"
	StateDeclined               = "Declined"
	StateCanceled               = "Canceled"

	// Refund states.
	StateRefundInitiated = "RefundInitiated"
	StateRefunded        = "Refunded"
)

// ChargePermission is Amazon's charge permission of an order (its ID is
// the Amazonリファレンス ID), as Amazon last reported it, plus the shop's
// bookkeeping of the operations on it.
type ChargePermission struct {
	ID                string // S03-NNNNNNN-NNNNNNN
	OrderID           int64
	State             string // "" until the shop has read it from Amazon
	ReasonCode        string // the first of statusDetails.reasons
	ReasonDescription string
	AmountLimit       int64 // limits.amountLimit, yen
	AmountBalance     int64 // limits.amountBalance, yen: what may still be charged
	PaymentDescriptor string
	CreatedAt         time.Time // Amazon's creationTimestamp, UTC
	ExpiresAt         time.Time // Amazon's expirationTimestamp, UTC
	FetchedAt         time.Time // when the shop last read it from Amazon; zero: never
	UpdatedAt         time.Time

	// Version grows with every change the shop records for the order's
	// payment; a form carries the version it was drawn from.
	Version int64
	// BusyOperation is the operation now at Amazon (0: none); at most one
	// per order at a time.
	BusyOperation int64
	BusySince     time.Time
	// Derived by the shop from the rows, for the order list.
	DeadlineAt   time.Time
	DeadlineKind string
}

// Charge is an authorization (and its capture) on a charge permission.
type Charge struct {
	ID                string // <permission>-C000001
	PermissionID      string
	OrderID           int64
	State             string
	ReasonCode        string
	ReasonDescription string
	Amount            int64 // chargeAmount: authorized
	Captured          int64 // captureAmount
	Refunded          int64 // refundedAmount as Amazon reports it
	CreatedAt         time.Time
	ExpiresAt         time.Time // the authorization's expiry (30 days), UTC
	FetchedAt         time.Time
	UpdatedAt         time.Time
}

// Refund is a refund of (part of) a captured charge.
type Refund struct {
	ID                string // <permission>-R000001
	ChargeID          string
	OrderID           int64
	State             string
	ReasonCode        string
	ReasonDescription string
	Amount            int64
	CreatedAt         time.Time
	FetchedAt         time.Time
	UpdatedAt         time.Time
}

// Operation kinds: what the merchant (or the shop) asks Amazon to do.
const (
	OpAuthorize = "authorize" // Create Charge: オーソリ, 再オーソリ
	OpCapture   = "capture"   // Capture Charge: 売上請求
	OpCancel    = "cancel"    // Cancel Charge: オーソリキャンセル
	OpClose     = "close"     // Close Charge Permission: 破棄
	OpRefund    = "refund"    // Create Refund: 返金
	OpFetch     = "fetch"     // read everything: 最新の状態に更新
	// OpComplete is the checkout's completion (Complete Checkout Session),
	// named by events; it is the buyer's, not an operation row.
	OpComplete = "complete"
)

// Operation outcomes.
const (
	OpRequested = "requested" // sent, no answer yet
	OpSucceeded = "succeeded"
	OpFailed    = "failed"  // Amazon refused it: a definitive answer
	OpUnknown   = "unknown" // no definitive answer (timeout, 429, 5xx): settled by a fetch
)

// Operation is one operation the shop asked Amazon for on an order.
type Operation struct {
	ID             int64
	OrderID        int64
	Kind           string
	Seq            int // per order and kind; advances after a definitive answer
	IdempotencyKey string
	TargetID       string // the charge or permission it acts on
	ResultID       string // the charge or refund Amazon made
	Amount         int64
	ReturnStock    bool
	State          string
	HTTPStatus     int
	ReasonCode     string
	Message        string // Amazon's message, as given
	RequestID      string
	Duration       time.Duration
	Actor          Actor
	RequestedAt    time.Time
	FinishedAt     time.Time
}

// APICall is one HTTP attempt to Amazon Pay as the client observed it.
type APICall struct {
	ID             int64
	OrderID        int64
	OperationID    int64 // 0 when the call was not part of an operation
	At             time.Time
	API            string // Amazon's operation name, e.g. CaptureCharge
	Method, Path   string
	IdempotencyKey string
	Attempt        int
	HTTPStatus     int // 0: no answer
	ReasonCode     string
	RequestID      string
	Duration       time.Duration
	Error          string // a transport error, as Go gave it
	RequestBody    string
	ResponseBody   string
}

// Ledger is everything the shop knows of an order's Amazon Pay payment.
type Ledger struct {
	Permission ChargePermission
	Charges    []Charge    // oldest first
	Refunds    []Refund    // oldest first
	Operations []Operation // oldest first
}
