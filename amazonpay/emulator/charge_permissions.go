package emulator

import (
	"slices"
	"time"

	"kago/amazonpay"
)

// A Closed charge permission allows only Get: a second close, an update or
// a new charge is 422 InvalidChargePermissionStatus (AMAZON-PAY.md section 9).

func (e *Emulator) findPermission(c *apiCall, id string) (*permission, *apiError) {
	p := e.permissionByID(id)
	if p == nil || p.MerchantID != c.m.MerchantID || p.Env != c.env {
		return nil, notFound("ChargePermission", id)
	}
	e.settlePermissionTree(p, c.now)
	return p, nil
}

func (e *Emulator) getPermission(c *apiCall) (int, any, *apiError) {
	p, a := e.findPermission(c, c.id)
	if a != nil {
		return 0, nil, a
	}
	return 200, e.viewPermission(p, c.now), nil
}

func (e *Emulator) updatePermission(c *apiCall) (int, any, *apiError) {
	var req amazonpay.UpdateChargePermissionRequest
	if a := decode(c.body, &req, false); a != nil {
		return 0, nil, a
	}
	p, a := e.findPermission(c, c.id)
	if a != nil {
		return 0, nil, a
	}
	if p.State == amazonpay.StateClosed {
		return 0, nil, errf(422, amazonpay.ReasonInvalidChargePermissionStatus, "the charge permission is Closed")
	}
	if req.MerchantMetadata != nil {
		mergeMetadata(&p.Metadata, req.MerchantMetadata)
		p.Updated = c.now
		e.touch(p)
	}
	return 200, e.viewPermission(p, c.now), nil
}

func (e *Emulator) closePermissionAPI(c *apiCall) (int, any, *apiError) {
	var req amazonpay.CloseChargePermissionRequest
	if a := decode(c.body, &req, true); a != nil {
		return 0, nil, a
	}
	p, a := e.findPermission(c, c.id)
	if a != nil {
		return 0, nil, a
	}
	if p.State == amazonpay.StateClosed {
		return 0, nil, errf(422, amazonpay.ReasonInvalidChargePermissionStatus, "the charge permission is already Closed")
	}
	reason, desc := "MerchantClosed", req.ClosureReason
	if c.sim == "AmazonClosed" {
		reason, desc = "AmazonClosed", "Simulated by x-amz-pay-simulation-code."
	}
	e.closePermission(p, reason, desc, req.CancelPendingCharges, c.now)
	return 200, e.viewPermission(p, c.now), nil
}

func (e *Emulator) newPermissionID() string {
	for {
		id := "S03-" + randomDigits(7) + "-" + randomDigits(7)
		if e.permissionByID(id) == nil {
			return id
		}
	}
}

// balance is limits.amountBalance: what may still be captured. It falls
// when money is captured (a capture in progress included), not while an
// authorization is merely open, and refunds do not raise it again
// (AMAZON-PAY.md section 9; Amazon's deferred transactions guide: "up to 25
// Charges as long as the total amount captured does not exceed the
// amountLimit").
func (e *Emulator) balance(p *permission) int64 {
	used := int64(0)
	for _, id := range p.ChargeIDs {
		switch c := e.st.Charges[id]; c.State {
		case amazonpay.StateCaptured, amazonpay.StateCaptureInitiated:
			used += c.Captured
		}
	}
	return max(p.Limit-used, 0)
}

// capturedTotal is the money captured for good on the permission.
func (e *Emulator) capturedTotal(p *permission) int64 {
	n := int64(0)
	for _, id := range p.ChargeIDs {
		if c := e.st.Charges[id]; c.State == amazonpay.StateCaptured {
			n += c.Captured
		}
	}
	return n
}

// viewPermission is the permission as Amazon shows it at now. A one-time
// permission shows the buyer's details for 30 days only (AMAZON-PAY.md
// section 9); the payment descriptor of the instrument used stays.
func (e *Emulator) viewPermission(p *permission, now time.Time) amazonpay.ChargePermission {
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
	b := findBuyer(p.BuyerID)
	if b == nil {
		return v
	}
	if p.InstrumentIdx < len(b.Instruments) {
		v.PaymentPreferences = []amazonpay.PaymentPreference{{PaymentDescriptor: b.Instruments[p.InstrumentIdx].Descriptor}}
	}
	if !now.Before(p.Created.Add(buyerDetailsTTL)) {
		return v
	}
	v.Buyer = &amazonpay.Buyer{BuyerID: b.BuyerID, Name: b.Name, Email: b.Email, PhoneNumber: b.PhoneNumber}
	if p.ProductType != amazonpay.ProductTypePayOnly && p.AddressIdx < len(b.Addresses) {
		a := b.Addresses[p.AddressIdx]
		v.ShippingAddress = &a
	}
	return v
}

// setPermission moves a permission to a state and notifies the merchant.
func (e *Emulator) setPermission(p *permission, state string, reasons []amazonpay.StatusReason, at time.Time) {
	if p.State == state && slices.Equal(p.Reasons, reasons) {
		return
	}
	p.State, p.Reasons, p.Updated = state, reasons, at
	e.touch(p)
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

// refreshPermission recomputes a permission's state from its charges:
// Closed Expired after its expiry; Closed once its balance is captured;
// NonChargeable while a charge is pending (ChargeInProgress), after a hard
// decline (PaymentMethodInvalid) or after Amazon rejected a charge
// (PaymentMethodNotAllowed); Chargeable otherwise.
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
	nonChargeable := func(code, desc string) {
		e.setPermission(p, amazonpay.StateNonChargeable, []amazonpay.StatusReason{{ReasonCode: code, ReasonDescription: desc}}, now)
	}
	switch {
	case inProgress:
		nonChargeable("ChargeInProgress", "A charge is in progress.")
	case p.Rejected:
		nonChargeable(amazonpay.ReasonPaymentMethodNotAllowed, "Amazon rejected a charge (AmazonRejected); the payment method cannot be charged again.")
	case p.PaymentInvalid:
		nonChargeable("PaymentMethodInvalid", "The payment method was declined; ask the buyer to update it.")
	default:
		e.setPermission(p, amazonpay.StateChargeable, nil, now)
	}
}

func (e *Emulator) settlePermissionTree(p *permission, now time.Time) {
	for _, id := range p.ChargeIDs {
		e.settleCharge(e.st.Charges[id], now)
	}
	e.refreshPermission(p, now)
}
