package model

import "time"

// Notification states: what became of an instant payment notification.
const (
	NotificationReceived  = "received"  // verified and recorded; to process
	NotificationDone      = "done"      // the object it names was read and recorded
	NotificationUnmatched = "unmatched" // no order of the shop has its payment
)

// Notification is one Amazon Pay instant payment notification (IPN) as the
// shop received it: the SNS envelope as sent (Body) and what its message
// names. It carries no state of its own; the shop reads the object it
// names from Amazon (AMAZON-PAY.md section 6).
type Notification struct {
	ID                int64
	MessageID         string // SNS MessageId
	NotificationID    string // Amazon's NotificationId
	ObjectType        string // CHARGE_PERMISSION, CHARGE, REFUND, CHARGEBACK
	ObjectID          string
	PermissionID      string    // ChargePermissionId
	NotificationType  string    // STATE_CHANGE, ATTRIBUTE_CHANGE
	SentAt            time.Time // the envelope's Timestamp, UTC
	ReceivedAt        time.Time
	State             string
	Attempts          int
	NextAt            time.Time // when it may be processed (again)
	OrderID           int64     // 0 until matched to an order
	MerchantReference string    // merchantReferenceId of its payment, once read
	ObjectState       string    // the state Amazon gave the object when read
	ReasonCode        string
	LastError         string
	Body              string // the envelope, raw
}
