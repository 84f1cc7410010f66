package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"time"

	"kago/amazonpay"
)

// Amazon's rules the emulator applies.
const (
	maxChargeYen        = 10_000_000
	authorizationTTL    = 30 * 24 * time.Hour
	permissionTTL       = 180 * 24 * time.Hour
	sessionTTL          = 24 * time.Hour      // an open session expires
	sessionRetention    = 30 * 24 * time.Hour // a session is deleted
	buyerDetailsTTL     = 30 * 24 * time.Hour // a one-time permission shows the buyer
	buyerTokenTTL       = 10 * time.Minute
	asyncCaptureAfter   = 7 * 24 * time.Hour
	maxChargesPerPerm   = 25
	overchargeMinYen    = 70_000
	refundOverMaxYen    = 8_400
	maxIdempotencyChars = 32
)

// The objects are stored as JSON rows (persist.go); zero fields are left
// out to keep the rows small.

type session struct {
	ID, MerchantID, Env, StoreID string                       `json:",omitzero"`
	ProductType                  string                       `json:",omitzero"`
	Web                          amazonpay.WebCheckoutDetails `json:",omitzero"`
	Payment                      amazonpay.PaymentDetails     `json:",omitzero"`
	Metadata                     amazonpay.MerchantMetadata   `json:",omitzero"`
	Scopes                       []string                     `json:",omitzero"`
	PlatformID                   string                       `json:",omitzero"`
	BuyerID                      string                       `json:",omitzero"`
	AddressIdx, InstrumentIdx    int                          `json:",omitzero"`
	State, Reason, ReasonDesc    string                       `json:",omitzero"`
	Created, Updated             time.Time                    `json:",omitzero"`
	// Outcome is set when the buyer passed amazonPayRedirectUrl:
	// outcomeApproved, outcomePending or outcomePendingDecline.
	Outcome         string   `json:",omitzero"`
	PermissionID    string   `json:",omitzero"`
	ChargeID        string   `json:",omitzero"`
	SignIn          bool     `json:",omitzero"` // a sign-in flow, not a checkout session
	SignInReturnURL string   `json:",omitzero"`
	SignInCancelURL string   `json:",omitzero"`
	SignInScopes    []string `json:",omitzero"`
}

type permission struct {
	ID, MerchantID, Env, SessionID, BuyerID string                     `json:",omitzero"`
	ProductType                             string                     `json:",omitzero"`
	AddressIdx, InstrumentIdx               int                        `json:",omitzero"`
	Metadata                                amazonpay.MerchantMetadata `json:",omitzero"`
	PlatformID                              string                     `json:",omitzero"`
	OrderAmount, Limit                      int64                      `json:",omitzero"`
	State                                   string                     `json:",omitzero"`
	Reasons                                 []amazonpay.StatusReason   `json:",omitzero"`
	PaymentInvalid                          bool                       `json:",omitzero"` // a charge was HardDeclined
	Rejected                                bool                       `json:",omitzero"` // Amazon rejected a charge (AmazonRejected)
	Created, Updated, Expires               time.Time                  `json:",omitzero"`
	ChargeIDs                               []string                   `json:",omitzero"`
	RefundSeq                               int                        `json:",omitzero"`
}

type charge struct {
	ID, PermissionID, MerchantID, Env string                     `json:",omitzero"`
	Amount, Captured, Refunded        int64                      `json:",omitzero"`
	State, Reason, ReasonDesc         string                     `json:",omitzero"`
	SoftDescriptor                    string                     `json:",omitzero"`
	Metadata                          amazonpay.MerchantMetadata `json:",omitzero"`
	CaptureNow, CanHandlePending      bool                       `json:",omitzero"`
	Created, Updated, AuthorizedAt    time.Time                  `json:",omitzero"`
	PendingUntil                      time.Time                  `json:",omitzero"`
	PendingOutcome                    string                     `json:",omitzero"` // pendingAuthorize, pendingDecline, pendingCapture
	RefundIDs                         []string                   `json:",omitzero"`
	Chargebacks                       int                        `json:",omitzero"`
}

type refund struct {
	ID, ChargeID, PermissionID, MerchantID, Env string    `json:",omitzero"`
	Amount                                      int64     `json:",omitzero"`
	State, Reason, ReasonDesc                   string    `json:",omitzero"`
	SoftDescriptor                              string    `json:",omitzero"`
	Created, Updated, PendingUntil              time.Time `json:",omitzero"`
}

type buyerToken struct {
	Token               string    `json:",omitzero"`
	MerchantID, BuyerID string    `json:",omitzero"`
	Scopes              []string  `json:",omitzero"`
	Expires             time.Time `json:",omitzero"`
	Used                bool      `json:",omitzero"`
}

type idemRecord struct {
	Fingerprint string
	Status      int
	Body        []byte
}

// state is the working set in memory (see persist.go): every object that
// can still change by itself, and those used since the last sweep.
type state struct {
	Sessions    map[string]*session
	Permissions map[string]*permission
	Charges     map[string]*charge
	Refunds     map[string]*refund
	BuyerTokens map[string]*buyerToken
	ClockOffset time.Duration
}

func newState() *state {
	return &state{
		Sessions:    map[string]*session{},
		Permissions: map[string]*permission{},
		Charges:     map[string]*charge{},
		Refunds:     map[string]*refund{},
		BuyerTokens: map[string]*buyerToken{},
	}
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomToken(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		v, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		v, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + v.Int64())
	}
	return string(b)
}

func amazonPrice(yen int64) amazonpay.Price { return amazonpay.JPY(yen) }

func pricePtr(yen int64) *amazonpay.Price { return amazonpay.PtrJPY(yen) }

// settleAllLocked applies everything that is due at the emulator's now.
func (e *Emulator) settleAllLocked() {
	now := e.now()
	for _, s := range e.st.Sessions {
		e.settleSession(s, now)
	}
	for _, r := range e.st.Refunds {
		e.settleRefund(r, now)
	}
	for _, p := range e.st.Permissions {
		e.settlePermissionTree(p, now)
	}
}

// schedule settles an object when its pending delay has passed.
func (e *Emulator) schedule(d time.Duration, settle func(now time.Time)) {
	e.afterLocked(d+time.Millisecond, func() { settle(e.now()) })
}
