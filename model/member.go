package model

import "time"

// Member states.
const (
	// MemberProvisional is 仮登録: registered together with an order while
	// the shop registers members when it completes the order (受注完了時,
	// e-shops cart S's 会員登録処理のタイミング). It cannot log in yet.
	MemberProvisional = "provisional"
	MemberActive      = "active"    // 会員
	MemberWithdrawn   = "withdrawn" // 退会済み: kept for the shop's orders, cannot log in
)

// How a member was registered.
const (
	MemberViaForm     = "form"     // 新規会員登録 page
	MemberViaCheckout = "checkout" // on the order page, with a password typed there
	MemberViaAmazon   = "amazon"   // on the order page from the Amazon buyer data, with a temporary password (seed 003)
)

// Member is a shop member (会員). The address block holds the member's own
// name, furigana, phone and address.
type Member struct {
	ID                int64
	LoginID           string // ログインID; empty when the member logs in with the e-mail only
	Email             string
	PasswordHash      string
	PasswordTemporary bool // a generated password mailed at registration, to be changed
	Status            string
	Source            string
	Address           Address
	Points            int64 // the balance; may be below zero after earned points were taken back
	AmazonBuyerID     string
	AmazonLinkedAt    time.Time // zero when not linked
	CreatedAt         time.Time
	UpdatedAt         time.Time
	WithdrawnAt       time.Time // zero unless withdrawn
}

// Linked tells whether an Amazon account is linked (連携済み).
func (m Member) Linked() bool { return m.AmazonBuyerID != "" }

// Kinds of member events (会員操作履歴). Views render them in Japanese; the
// rows store no prose.
const (
	EventRegistered      = "registered"       // 会員登録
	EventActivated       = "activated"        // 仮登録 → 本登録 (受注完了時)
	EventAmazonLinked    = "amazon_linked"    // Amazonアカウント連携
	EventAmazonUnlinked  = "amazon_unlinked"  // Amazonアカウント連携解除
	EventProfileChanged  = "profile_changed"  // 会員情報の変更
	EventPasswordChanged = "password_changed" // パスワードの変更
	EventPasswordReset   = "password_reset"   // パスワードの再設定 (by the mailed link)
	EventWithdrawn       = "withdrawn"        // 退会
)

// Where a member event came from.
const (
	SourceMyPage     = "mypage"     // the member on the my page
	SourceCheckout   = "checkout"   // an order placed or completed
	SourceRegister   = "register"   // the registration page
	SourceWithdrawal = "withdrawal" // withdrawal unlinks (F-35)
	SourceAdmin      = "admin"      // the merchant, e.g. completing an order (受注完了)
	SourceMail       = "mail"       // the password reset link
)

// MemberEvent is one row of a member's history.
type MemberEvent struct {
	ID            int64
	MemberID      int64
	At            time.Time
	Kind          string
	Source        string
	AmazonBuyerID string // for link and unlink
	OrderID       int64  // the order that caused it, 0 when none
}

// Kinds of point entries.
const (
	PointsEarned     = "earn"        // given for an order
	PointsUsed       = "use"         // used on an order
	PointsReturned   = "return_use"  // points used on an order canceled or refunded in full, given back
	PointsTakenBack  = "cancel_earn" // points given for an order canceled or refunded in full, taken back
	PointsAdjustment = "adjust"      // changed by the merchant
)

// PointEntry is one change of a member's points; Balance is after it.
type PointEntry struct {
	ID       int64
	MemberID int64
	OrderID  int64 // 0 when none
	At       time.Time
	Kind     string
	Points   int64 // signed
	Balance  int64
}

// Coupon kinds.
const (
	CouponAmount  = "amount"  // 円引き
	CouponPercent = "percent" // %引き
)

// Coupon is a member-only coupon (会員限定クーポン): one use per member,
// valid from StartsAt (inclusive) to EndsAt (exclusive), for a goods
// subtotal of at least MinSubtotal.
type Coupon struct {
	ID          int64
	Code        string // upper-case letters and digits, what the member types
	Name        string
	Kind        string
	Value       int64 // yen for CouponAmount, percent for CouponPercent
	MinSubtotal int64
	StartsAt    time.Time
	EndsAt      time.Time
	Active      bool
	Uses        int64 // how many members used it (orders not returned)
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// OrderBenefits is what a member's order used and earned: points, a coupon,
// the discount split per tax rate, and the points given. ReturnedAt is set
// once they were given back because the order was canceled or refunded in
// full.
type OrderBenefits struct {
	OrderID        int64
	MemberID       int64
	PointsUsed     int64
	CouponID       int64 // 0 when none
	CouponCode     string
	CouponDiscount int64
	Discount10     int64 // the part of the whole discount (points and coupon) at 10%
	Discount8      int64 // the part at 8%
	PointsEarned   int64
	ReturnedAt     time.Time
}

// Discount is the whole discount of the order.
func (b OrderBenefits) Discount() int64 { return b.Discount10 + b.Discount8 }
