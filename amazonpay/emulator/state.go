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

type session struct {
	ID, MerchantID, Env, StoreID string
	ProductType                  string
	Web                          amazonpay.WebCheckoutDetails
	Payment                      amazonpay.PaymentDetails
	Metadata                     amazonpay.MerchantMetadata
	Scopes                       []string
	PlatformID                   string
	BuyerID                      string
	AddressIdx, InstrumentIdx    int
	State, Reason, ReasonDesc    string
	Created, Updated             time.Time
	// Outcome is set when the buyer passed amazonPayRedirectUrl:
	// outcomeApproved, outcomePending or outcomePendingDecline.
	Outcome         string
	PermissionID    string
	ChargeID        string
	SignIn          bool // a sign-in flow, not a checkout session
	SignInReturnURL string
	SignInCancelURL string
	SignInScopes    []string
}

type permission struct {
	ID, MerchantID, Env, SessionID, BuyerID string
	ProductType                             string
	AddressIdx, InstrumentIdx               int
	Metadata                                amazonpay.MerchantMetadata
	PlatformID                              string
	OrderAmount, Limit                      int64
	State                                   string
	Reasons                                 []amazonpay.StatusReason
	PaymentInvalid                          bool // a charge was HardDeclined
	Rejected                                bool // Amazon rejected a charge (AmazonRejected)
	Created, Updated, Expires               time.Time
	ChargeIDs                               []string
	RefundSeq                               int
}

type charge struct {
	ID, PermissionID, MerchantID, Env string
	Amount, Captured, Refunded        int64
	State, Reason, ReasonDesc         string
	SoftDescriptor                    string
	Metadata                          amazonpay.MerchantMetadata
	CaptureNow, CanHandlePending      bool
	Created, Updated, AuthorizedAt    time.Time
	PendingUntil                      time.Time
	PendingOutcome                    string // pendingAuthorize, pendingDecline, pendingCapture
	RefundIDs                         []string
	Chargebacks                       int
}

type refund struct {
	ID, ChargeID, PermissionID, MerchantID, Env string
	Amount                                      int64
	State, Reason, ReasonDesc                   string
	SoftDescriptor                              string
	Created, Updated, PendingUntil              time.Time
}

type buyerToken struct {
	MerchantID, BuyerID string
	Scopes              []string
	Expires             time.Time
	Used                bool
}

type idemRecord struct {
	Fingerprint string
	Status      int
	Body        []byte
}

type state struct {
	Sessions    map[string]*session
	Permissions map[string]*permission
	Charges     map[string]*charge
	Refunds     map[string]*refund
	BuyerTokens map[string]*buyerToken
	Idempotency map[string]*idemRecord // merchantID + " " + key
	ClockOffset time.Duration
}

func newState() *state {
	return &state{
		Sessions:    map[string]*session{},
		Permissions: map[string]*permission{},
		Charges:     map[string]*charge{},
		Refunds:     map[string]*refund{},
		BuyerTokens: map[string]*buyerToken{},
		Idempotency: map[string]*idemRecord{},
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

// touch marks an object as changed by the current request or timer.
func (e *Emulator) touch(any) { e.dirty = true }

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
	for k, t := range e.st.BuyerTokens {
		if now.After(t.Expires.Add(time.Hour)) {
			delete(e.st.BuyerTokens, k)
		}
	}
}

// schedule settles an object when its pending delay has passed.
func (e *Emulator) schedule(d time.Duration, settle func(now time.Time)) {
	e.afterLocked(d+time.Millisecond, func() { settle(e.now()) })
}
