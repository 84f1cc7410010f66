package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"time"

	"kago/amazonpay"
)

// Amazon's rules the emulator applies.
const (
	maxChargeYen        = 10_000_000
	authorizationTTL    = 30 * 24 * time.Hour
	permissionTTL       = 180 * 24 * time.Hour
	sessionTTL          = 24 * time.Hour
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
	// "approved", "pending" or "pending-decline".
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
	PaymentInvalid                          bool
	Created, Updated, Expires               time.Time
	ChargeIDs                               []string
	RefundSeq                               int
}

type charge struct {
	ID, PermissionID, MerchantID, Env string
	Amount, Captured, Refunded        int64
	State, Reason, ReasonDesc         string
	SoftDescriptor                    string
	Created, Updated, AuthorizedAt    time.Time
	PendingUntil                      time.Time
	PendingOutcome                    string // authorize, capture, decline, captured
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

func (e *Emulator) newPermissionID() string {
	for {
		id := "S03-" + randomDigits(7) + "-" + randomDigits(7)
		if e.st.Permissions[id] == nil {
			return id
		}
	}
}

func amazonPrice(yen int64) amazonpay.Price { return amazonpay.JPY(yen) }

func pricePtr(yen int64) *amazonpay.Price { return amazonpay.PtrJPY(yen) }

// ---- views: internal objects as Amazon's JSON objects ----

func (e *Emulator) buyerOf(id string) *TestBuyer { return findBuyer(id) }

func hasScope(scopes []string, s string) bool {
	return len(scopes) == 0 || slices.Contains(scopes, s)
}

func (e *Emulator) sessionConstraints(s *session) []amazonpay.Constraint {
	var cs []amazonpay.Constraint
	if s.BuyerID == "" {
		cs = append(cs, amazonpay.Constraint{ConstraintID: amazonpay.ConstraintBuyerNotAssociated, Description: "There is no buyer associated with the Checkout Session. Return the buyer to Amazon Pay to sign in."})
	}
	if s.Payment.ChargeAmount == nil {
		cs = append(cs, amazonpay.Constraint{ConstraintID: amazonpay.ConstraintChargeAmountNotSet, Description: "chargeAmount is not set."})
	}
	if s.Web.CheckoutResultReturnURL == "" {
		cs = append(cs, amazonpay.Constraint{ConstraintID: amazonpay.ConstraintCheckoutResultReturnURLNotSet, Description: "checkoutResultReturnUrl is not set."})
	}
	if s.Payment.PaymentIntent == "" {
		cs = append(cs, amazonpay.Constraint{ConstraintID: amazonpay.ConstraintPaymentIntentNotSet, Description: "paymentIntent is not set."})
	}
	return cs
}

func (e *Emulator) viewSession(s *session) amazonpay.CheckoutSession {
	v := amazonpay.CheckoutSession{
		CheckoutSessionID:    s.ID,
		WebCheckoutDetails:   s.Web,
		ProductType:          s.ProductType,
		PaymentDetails:       s.Payment,
		ChargePermissionType: amazonpay.ChargePermissionTypeOneTime,
		MerchantMetadata:     s.Metadata,
		StatusDetails:        amazonpay.StatusDetails{State: s.State, ReasonCode: s.Reason, ReasonDescription: s.ReasonDesc, LastUpdatedTimestamp: amazonpay.TimestampOf(s.Updated)},
		ChargePermissionID:   s.PermissionID,
		ChargeID:             s.ChargeID,
		Scopes:               s.Scopes,
		StoreID:              s.StoreID,
		PlatformID:           s.PlatformID,
		CreationTimestamp:    amazonpay.TimestampOf(s.Created),
		ExpiryTimestamp:      amazonpay.TimestampOf(s.Created.Add(sessionTTL)),
		ReleaseEnvironment:   s.Env,
	}
	if v.PaymentDetails.PresentmentCurrency == "" {
		v.PaymentDetails.PresentmentCurrency = amazonpay.CurrencyJPY
	}
	if s.State == amazonpay.StateOpen {
		v.Constraints = e.sessionConstraints(s)
		if len(v.Constraints) == 0 {
			v.WebCheckoutDetails.AmazonPayRedirectURL = e.urlLocked("/checkout/process?amazonCheckoutSessionId=" + s.ID)
		}
	}
	if b := e.buyerOf(s.BuyerID); b != nil {
		v.Buyer = &amazonpay.Buyer{BuyerID: b.BuyerID, Name: b.Name, Email: b.Email}
		if hasScope(s.Scopes, "phoneNumber") {
			v.Buyer.PhoneNumber = b.PhoneNumber
		}
		if s.ProductType != amazonpay.ProductTypePayOnly && s.AddressIdx < len(b.Addresses) {
			a := b.Addresses[s.AddressIdx]
			v.ShippingAddress = &a
		}
		if s.InstrumentIdx < len(b.Instruments) {
			pp := amazonpay.PaymentPreference{PaymentDescriptor: b.Instruments[s.InstrumentIdx].Descriptor}
			if slices.Contains(s.Scopes, "billingAddress") && len(b.Addresses) > 0 {
				a := b.Addresses[0]
				pp.BillingAddress = &a
				v.BillingAddress = &a
			}
			v.PaymentPreferences = []amazonpay.PaymentPreference{pp}
		}
	}
	return v
}

func (e *Emulator) balance(p *permission) int64 {
	used := int64(0)
	for _, id := range p.ChargeIDs {
		c := e.st.Charges[id]
		switch c.State {
		case amazonpay.StateAuthorizationInitiated, amazonpay.StateAuthorized, amazonpay.StateCaptureInitiated:
			used += c.Amount
		case amazonpay.StateCaptured:
			used += c.Captured
		}
	}
	return max(p.Limit-used, 0)
}

func (e *Emulator) capturedTotal(p *permission) int64 {
	n := int64(0)
	for _, id := range p.ChargeIDs {
		if c := e.st.Charges[id]; c.State == amazonpay.StateCaptured {
			n += c.Captured
		}
	}
	return n
}

func (e *Emulator) viewPermission(p *permission) amazonpay.ChargePermission {
	v := amazonpay.ChargePermission{
		ChargePermissionID:   p.ID,
		ChargePermissionType: amazonpay.ChargePermissionTypeOneTime,
		StatusDetails:        amazonpay.ChargePermissionStatus{State: p.State, Reasons: p.Reasons, LastUpdatedTimestamp: amazonpay.TimestampOf(p.Updated)},
		Limits:               amazonpay.ChargePermissionLimits{AmountLimit: amazonPrice(p.Limit), AmountBalance: amazonPrice(e.balance(p))},
		MerchantMetadata:     p.Metadata,
		PlatformID:           p.PlatformID,
		CreationTimestamp:    amazonpay.TimestampOf(p.Created),
		ExpirationTimestamp:  amazonpay.TimestampOf(p.Expires),
		PresentmentCurrency:  amazonpay.CurrencyJPY,
		ReleaseEnvironment:   p.Env,
	}
	if b := e.buyerOf(p.BuyerID); b != nil {
		v.Buyer = &amazonpay.Buyer{BuyerID: b.BuyerID, Name: b.Name, Email: b.Email, PhoneNumber: b.PhoneNumber}
		if p.ProductType != amazonpay.ProductTypePayOnly && p.AddressIdx < len(b.Addresses) {
			a := b.Addresses[p.AddressIdx]
			v.ShippingAddress = &a
		}
		if p.InstrumentIdx < len(b.Instruments) {
			v.PaymentPreferences = []amazonpay.PaymentPreference{{PaymentDescriptor: b.Instruments[p.InstrumentIdx].Descriptor}}
		}
	}
	return v
}

func (e *Emulator) viewCharge(c *charge) amazonpay.Charge {
	v := amazonpay.Charge{
		ChargeID:           c.ID,
		ChargePermissionID: c.PermissionID,
		ChargeAmount:       amazonPrice(c.Amount),
		SoftDescriptor:     c.SoftDescriptor,
		StatusDetails:      amazonpay.StatusDetails{State: c.State, ReasonCode: c.Reason, ReasonDescription: c.ReasonDesc, LastUpdatedTimestamp: amazonpay.TimestampOf(c.Updated)},
		CreationTimestamp:  amazonpay.TimestampOf(c.Created),
		ReleaseEnvironment: c.Env,
	}
	if c.State == amazonpay.StateCaptured || c.State == amazonpay.StateCaptureInitiated || c.Captured > 0 {
		v.CaptureAmount = pricePtr(c.Captured)
		v.RefundedAmount = pricePtr(c.Refunded)
	}
	if !c.AuthorizedAt.IsZero() {
		v.ExpirationTimestamp = amazonpay.TimestampOf(c.AuthorizedAt.Add(authorizationTTL))
	} else {
		v.ExpirationTimestamp = amazonpay.TimestampOf(c.Created.Add(authorizationTTL))
	}
	return v
}

func (e *Emulator) viewRefund(r *refund) amazonpay.Refund {
	return amazonpay.Refund{
		RefundID:           r.ID,
		ChargeID:           r.ChargeID,
		RefundAmount:       amazonPrice(r.Amount),
		SoftDescriptor:     r.SoftDescriptor,
		StatusDetails:      amazonpay.StatusDetails{State: r.State, ReasonCode: r.Reason, ReasonDescription: r.ReasonDesc, LastUpdatedTimestamp: amazonpay.TimestampOf(r.Updated)},
		CreationTimestamp:  amazonpay.TimestampOf(r.Created),
		ReleaseEnvironment: r.Env,
	}
}

// ---- transitions (each notifies) ----

func (e *Emulator) setCharge(c *charge, state, reason, desc string, at time.Time) {
	if c.State == state && c.Reason == reason {
		return
	}
	c.State, c.Reason, c.ReasonDesc, c.Updated = state, reason, desc, at
	e.dirty = true
	e.notifyLocked(c.MerchantID, c.Env, amazonpay.ObjectTypeCharge, c.ID, c.PermissionID)
}

func (e *Emulator) setRefund(r *refund, state, reason, desc string, at time.Time) {
	if r.State == state && r.Reason == reason {
		return
	}
	r.State, r.Reason, r.ReasonDesc, r.Updated = state, reason, desc, at
	e.dirty = true
	e.notifyLocked(r.MerchantID, r.Env, amazonpay.ObjectTypeRefund, r.ID, r.PermissionID)
}

func (e *Emulator) setPermission(p *permission, state string, reasons []amazonpay.StatusReason, at time.Time) {
	if p.State == state && slices.Equal(p.Reasons, reasons) {
		return
	}
	p.State, p.Reasons, p.Updated = state, reasons, at
	e.dirty = true
	e.notifyLocked(p.MerchantID, p.Env, amazonpay.ObjectTypeChargePermission, p.ID, p.ID)
}

func (e *Emulator) closePermission(p *permission, reason, desc string, cancelOpen bool, at time.Time) {
	if p.State == amazonpay.StateClosed {
		return
	}
	if cancelOpen {
		for _, id := range p.ChargeIDs {
			c := e.st.Charges[id]
			if c.State == amazonpay.StateAuthorized || c.State == amazonpay.StateAuthorizationInitiated {
				c.PendingUntil = time.Time{}
				e.setCharge(c, amazonpay.StateCanceled, "ChargePermissionCanceled", "The charge permission was closed.", at)
			}
		}
	}
	e.setPermission(p, amazonpay.StateClosed, []amazonpay.StatusReason{{ReasonCode: reason, ReasonDescription: desc}}, at)
}

// refreshPermission recomputes a permission's state from its charges.
func (e *Emulator) refreshPermission(p *permission, now time.Time) {
	if p.State == amazonpay.StateClosed {
		return
	}
	if !now.Before(p.Expires) {
		e.closePermission(p, "Expired", "The charge permission expired.", true, p.Expires)
		return
	}
	if e.capturedTotal(p) >= p.Limit {
		e.closePermission(p, "MerchantClosed", "The charge permission was fully captured.", false, now)
		return
	}
	inProgress := false
	for _, id := range p.ChargeIDs {
		if e.st.Charges[id].State == amazonpay.StateAuthorizationInitiated {
			inProgress = true
		}
	}
	switch {
	case inProgress:
		e.setPermission(p, amazonpay.StateNonChargeable, []amazonpay.StatusReason{{ReasonCode: "ChargeInProgress", ReasonDescription: "A charge is in progress."}}, now)
	case p.PaymentInvalid:
		e.setPermission(p, amazonpay.StateNonChargeable, []amazonpay.StatusReason{{ReasonCode: "PaymentMethodInvalid", ReasonDescription: "The payment method was declined; ask the buyer to update it."}}, now)
	default:
		e.setPermission(p, amazonpay.StateChargeable, nil, now)
	}
}

// settleCharge applies what became due for a charge: a pending outcome, an
// asynchronous capture, the 30-day authorization expiry.
func (e *Emulator) settleCharge(c *charge, now time.Time) {
	for range 4 {
		switch {
		case (c.State == amazonpay.StateAuthorizationInitiated || c.State == amazonpay.StateCaptureInitiated) &&
			!c.PendingUntil.IsZero() && !now.Before(c.PendingUntil):
			at := c.PendingUntil
			c.PendingUntil = time.Time{}
			switch c.PendingOutcome {
			case "decline":
				e.setCharge(c, amazonpay.StateDeclined, amazonpay.ReasonHardDeclined, "The authorization was declined.", at)
				if p := e.st.Permissions[c.PermissionID]; p != nil {
					p.PaymentInvalid = true
				}
			case "capture":
				c.AuthorizedAt = at
				c.Captured = c.Amount
				e.setCharge(c, amazonpay.StateCaptured, "", "", at)
			case "captured":
				e.setCharge(c, amazonpay.StateCaptured, "", "", at)
			default:
				c.AuthorizedAt = at
				e.setCharge(c, amazonpay.StateAuthorized, "", "", at)
			}
			continue
		case c.State == amazonpay.StateAuthorized && !now.Before(c.AuthorizedAt.Add(authorizationTTL)):
			e.setCharge(c, amazonpay.StateCanceled, "ExpiredUnused", "The authorization expired unused after 30 days.", c.AuthorizedAt.Add(authorizationTTL))
			continue
		}
		break
	}
	if p := e.st.Permissions[c.PermissionID]; p != nil {
		e.refreshPermission(p, now)
	}
}

func (e *Emulator) settleRefund(r *refund, now time.Time) {
	if r.State == amazonpay.StateRefundInitiated && !now.Before(r.PendingUntil) {
		c := e.st.Charges[r.ChargeID]
		c.Refunded += r.Amount
		e.setRefund(r, amazonpay.StateRefunded, "", "", r.PendingUntil)
	}
}

func (e *Emulator) settleSession(s *session, now time.Time) {
	if s.State == amazonpay.StateOpen && !now.Before(s.Created.Add(sessionTTL)) {
		s.State, s.Reason, s.ReasonDesc, s.Updated = amazonpay.StateCanceled, "Expired", "The checkout session expired after 24 hours.", s.Created.Add(sessionTTL)
		e.dirty = true
	}
}

func (e *Emulator) settlePermissionTree(p *permission, now time.Time) {
	for _, id := range p.ChargeIDs {
		e.settleCharge(e.st.Charges[id], now)
	}
	e.refreshPermission(p, now)
}

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

func (e *Emulator) nextChargeID(p *permission) string {
	return fmt.Sprintf("%s-C%06d", p.ID, len(p.ChargeIDs)+1)
}

func (e *Emulator) nextRefundID(p *permission) string {
	p.RefundSeq++
	return fmt.Sprintf("%s-R%06d", p.ID, p.RefundSeq)
}
