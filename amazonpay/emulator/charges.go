package emulator

import (
	"fmt"
	"time"

	"kago/amazonpay"
)

// Which call each charge state allows (AMAZON-PAY.md section 9):
// AuthorizationInitiated → get, cancel; Authorized → get, capture, cancel;
// CaptureInitiated → get; Captured → get, refund; Canceled and Declined →
// get only. Every other call is 422 InvalidChargeStatus.

func (e *Emulator) findCharge(c *apiCall, id string) (*charge, *apiError) {
	ch := e.chargeByID(id)
	if ch == nil || ch.MerchantID != c.m.MerchantID || ch.Env != c.env {
		return nil, notFound("Charge", id)
	}
	e.settleCharge(ch, c.now)
	return ch, nil
}

func (e *Emulator) getCharge(c *apiCall) (int, any, *apiError) {
	ch, a := e.findCharge(c, c.id)
	if a != nil {
		return 0, nil, a
	}
	return 200, e.viewCharge(ch), nil
}

// createCharge is Create Charge on a Chargeable permission: at most 25
// charges per permission, each at most the permission's balance. The
// buyer's instrument (or a simulation code) decides the outcome; a pending
// instrument needs canHandlePendingAuthorization, without it the charge is
// Declined TransactionTimedOut.
func (e *Emulator) createCharge(c *apiCall) (int, any, *apiError) {
	var req amazonpay.CreateChargeRequest
	if a := decode(c.body, &req, false); a != nil {
		return 0, nil, a
	}
	if req.ChargePermissionID == "" {
		return 0, nil, errf(400, amazonpay.ReasonMissingParameterValue, "chargePermissionId is missing")
	}
	n, a := amount("chargeAmount", &req.ChargeAmount)
	if a != nil {
		return 0, nil, a
	}
	p, a := e.findPermission(c, req.ChargePermissionID)
	if a != nil {
		return 0, nil, a
	}
	if p.State != amazonpay.StateChargeable {
		return 0, nil, errf(422, amazonpay.ReasonInvalidChargePermissionStatus, "the charge permission is %s", p.State)
	}
	if len(p.ChargeIDs) >= maxChargesPerPerm {
		return 0, nil, errf(422, amazonpay.ReasonTransactionCountExceeded, "a charge permission allows at most %d charges", maxChargesPerPerm)
	}
	if bal := e.balance(p); n > bal {
		return 0, nil, errf(400, amazonpay.ReasonTransactionAmountExceeded, "chargeAmount %d JPY exceeds the charge permission's balance of %d JPY", n, bal)
	}
	result := outcomeApproved
	switch findBuyer(p.BuyerID).Instruments[p.InstrumentIdx].Behavior {
	case SoftDecline:
		result = amazonpay.ReasonSoftDeclined
	case HardDecline:
		result = amazonpay.ReasonHardDeclined
	case PendingApprove:
		result = outcomePending
	case PendingDecline:
		result = outcomePendingDecline
	}
	if c.sim != "" {
		result = c.sim
	}
	if !req.CanHandlePendingAuthorization && (result == outcomePending || result == outcomePendingDecline) {
		result = amazonpay.ReasonTransactionTimedOut
	}
	ch := &charge{Amount: n, SoftDescriptor: req.SoftDescriptor, CaptureNow: req.CaptureNow, CanHandlePending: req.CanHandlePendingAuthorization}
	if req.MerchantMetadata != nil {
		ch.Metadata = *req.MerchantMetadata
	}
	e.newCharge(p, ch, c.now)
	switch result {
	case outcomeApproved:
		e.authorize(ch, c.now)
	case outcomePending, outcomePendingDecline:
		e.startPending(ch, result == outcomePendingDecline, c.now)
	default: // a decline
		desc := "The authorization was declined."
		if result == amazonpay.ReasonTransactionTimedOut && c.sim == "" {
			desc = timedOutDesc
		}
		e.decline(ch, result, desc, c.now)
		e.refreshPermission(p, c.now)
		return 0, nil, errf(422, result, "the charge %s was declined (%s)", ch.ID, result)
	}
	e.refreshPermission(p, c.now)
	return 201, e.viewCharge(ch), nil
}

// captureCharge is Capture Charge: once per charge, on an Authorized charge,
// at most the authorized amount and at most what the permission's limit
// leaves; capturing less releases the rest of the authorization. More than
// 7 days after the authorization the capture is asynchronous.
func (e *Emulator) captureCharge(c *apiCall) (int, any, *apiError) {
	var req amazonpay.CaptureChargeRequest
	if a := decode(c.body, &req, false); a != nil {
		return 0, nil, a
	}
	n, a := amount("captureAmount", &req.CaptureAmount)
	if a != nil {
		return 0, nil, a
	}
	ch, a := e.findCharge(c, c.id)
	if a != nil {
		return 0, nil, a
	}
	if ch.State != amazonpay.StateAuthorized {
		return 0, nil, errf(422, amazonpay.ReasonInvalidChargeStatus, "the charge is %s and cannot be captured", ch.State)
	}
	if n > ch.Amount {
		return 0, nil, errf(400, amazonpay.ReasonTransactionAmountExceeded, "captureAmount %d JPY exceeds the authorized %d JPY", n, ch.Amount)
	}
	p := e.st.Permissions[ch.PermissionID]
	if bal := e.balance(p); n > bal {
		return 0, nil, errf(400, amazonpay.ReasonTransactionAmountExceeded, "captureAmount %d JPY exceeds the charge permission's balance of %d JPY", n, bal)
	}
	if req.SoftDescriptor != "" {
		ch.SoftDescriptor = req.SoftDescriptor
	}
	if c.sim == "AmazonRejected" {
		e.decline(ch, amazonpay.ReasonAmazonRejected, "Amazon rejected the capture.", c.now)
		e.refreshPermission(p, c.now)
		return 0, nil, errf(422, amazonpay.ReasonAmazonRejected, "Amazon rejected the capture of %s", ch.ID)
	}
	ch.Captured = n
	if c.sim == "CaptureInitiated" || c.now.Sub(ch.AuthorizedAt) > asyncCaptureAfter {
		ch.PendingUntil = c.now.Add(e.opts.PendingDelay)
		ch.PendingOutcome = pendingCapture
		e.setCharge(ch, amazonpay.StateCaptureInitiated, "", "", c.now)
		e.scheduleCharge(ch)
	} else {
		e.setCharge(ch, amazonpay.StateCaptured, "", "", c.now)
	}
	e.refreshPermission(p, c.now)
	return 200, e.viewCharge(ch), nil
}

// cancelCharge is Cancel Charge: an Authorized or AuthorizationInitiated
// charge becomes Canceled MerchantCanceled; any other state, a Canceled
// charge included, is 422 InvalidChargeStatus.
func (e *Emulator) cancelCharge(c *apiCall) (int, any, *apiError) {
	var req amazonpay.CancelChargeRequest
	if a := decode(c.body, &req, true); a != nil {
		return 0, nil, a
	}
	ch, a := e.findCharge(c, c.id)
	if a != nil {
		return 0, nil, a
	}
	if ch.State != amazonpay.StateAuthorized && ch.State != amazonpay.StateAuthorizationInitiated {
		return 0, nil, errf(422, amazonpay.ReasonInvalidChargeStatus, "the charge is %s and cannot be canceled", ch.State)
	}
	ch.PendingUntil = time.Time{}
	e.setCharge(ch, amazonpay.StateCanceled, "MerchantCanceled", req.CancellationReason, c.now)
	e.refreshPermission(e.st.Permissions[ch.PermissionID], c.now)
	return 200, e.viewCharge(ch), nil
}

// newCharge gives ch its ID and owner and adds it to the permission.
func (e *Emulator) newCharge(p *permission, ch *charge, now time.Time) *charge {
	ch.ID = fmt.Sprintf("%s-C%06d", p.ID, len(p.ChargeIDs)+1)
	ch.PermissionID, ch.MerchantID, ch.Env, ch.Created, ch.Updated = p.ID, p.MerchantID, p.Env, now, now
	p.ChargeIDs = append(p.ChargeIDs, ch.ID)
	e.st.Charges[ch.ID] = ch
	e.touch(ch)
	e.touch(p)
	return ch
}

// authorize approves a charge at once: Authorized, or Captured with captureNow.
func (e *Emulator) authorize(ch *charge, now time.Time) {
	ch.AuthorizedAt = now
	if ch.CaptureNow {
		ch.Captured = ch.Amount
		e.setCharge(ch, amazonpay.StateCaptured, "", "", now)
		return
	}
	e.setCharge(ch, amazonpay.StateAuthorized, "", "", now)
}

// decline ends a charge Declined. HardDeclined makes the payment method
// invalid and AmazonRejected makes it not allowed: either way the charge
// permission becomes NonChargeable (AMAZON-PAY.md section 9).
func (e *Emulator) decline(ch *charge, reason, desc string, at time.Time) {
	e.setCharge(ch, amazonpay.StateDeclined, reason, desc, at)
	p := e.st.Permissions[ch.PermissionID]
	switch reason {
	case amazonpay.ReasonHardDeclined:
		p.PaymentInvalid = true
	case amazonpay.ReasonAmazonRejected:
		p.Rejected = true
	}
	e.touch(p)
}

// What a charge waiting in AuthorizationInitiated or CaptureInitiated becomes.
const (
	pendingAuthorize = "authorize" // Authorized (Captured with captureNow)
	pendingDecline   = "decline"   // Declined HardDeclined
	pendingCapture   = "captured"  // an asynchronous capture: Captured
)

// startPending puts a charge in AuthorizationInitiated for the pending delay.
func (e *Emulator) startPending(ch *charge, decline bool, now time.Time) {
	ch.PendingUntil = now.Add(e.opts.PendingDelay)
	ch.PendingOutcome = pendingAuthorize
	if decline {
		ch.PendingOutcome = pendingDecline
	}
	e.setCharge(ch, amazonpay.StateAuthorizationInitiated, "", "", now)
	e.scheduleCharge(ch)
}

// scheduleCharge settles a pending charge when its delay has passed.
func (e *Emulator) scheduleCharge(ch *charge) {
	id := ch.ID
	e.schedule(e.opts.PendingDelay, func(now time.Time) {
		if c := e.chargeByID(id); c != nil {
			e.settleCharge(c, now)
		}
	})
}

func (e *Emulator) viewCharge(c *charge) amazonpay.Charge {
	v := amazonpay.Charge{
		ChargeID:                      c.ID,
		ChargePermissionID:            c.PermissionID,
		ChargeAmount:                  amazonPrice(c.Amount),
		SoftDescriptor:                c.SoftDescriptor,
		MerchantMetadata:              c.Metadata,
		CaptureNow:                    c.CaptureNow,
		CanHandlePendingAuthorization: c.CanHandlePending,
		StatusDetails:                 amazonpay.StatusDetails{State: c.State, ReasonCode: c.Reason, ReasonDescription: c.ReasonDesc, LastUpdatedTimestamp: amazonpay.TimestampOf(c.Updated)},
		CreationTimestamp:             amazonpay.TimestampOf(c.Created),
		ReleaseEnvironment:            c.Env,
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

// setCharge moves a charge to a state and notifies the merchant.
func (e *Emulator) setCharge(c *charge, state, reason, desc string, at time.Time) {
	if c.State == state && c.Reason == reason {
		return
	}
	c.State, c.Reason, c.ReasonDesc, c.Updated = state, reason, desc, at
	e.touch(c)
	e.notifyLocked(c.MerchantID, c.Env, amazonpay.ObjectTypeCharge, c.ID, c.PermissionID)
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
			case pendingDecline:
				e.decline(c, amazonpay.ReasonHardDeclined, "The authorization was declined.", at)
			case pendingCapture:
				e.setCharge(c, amazonpay.StateCaptured, "", "", at)
			default:
				e.authorize(c, at)
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
