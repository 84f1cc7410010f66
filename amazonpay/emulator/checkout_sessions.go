package emulator

import (
	"encoding/json"
	"kago/amazonpay"
	"slices"
	"time"
)

var knownScopes = []string{"name", "email", "phoneNumber", "billingAddress", "shippingAddress", "postalCode", "primeMembershipStatus"}

// findSession returns the caller's checkout session, settled to now. A
// session is deleted 30 days after its creation (AMAZON-PAY.md section 9):
// from then on it is not found.
func (e *Emulator) findSession(c *apiCall) (*session, *apiError) {
	s := e.sessionByID(c.id)
	if s == nil || s.SignIn || s.MerchantID != c.m.MerchantID || s.Env != c.env || sessionGone(s, c.now) {
		return nil, notFound("CheckoutSession", c.id)
	}
	e.settleSession(s, c.now)
	return s, nil
}

// sessionGone reports whether Amazon has deleted the session by now.
func sessionGone(s *session, now time.Time) bool { return !now.Before(s.Created.Add(sessionRetention)) }

func (e *Emulator) createSessionAPI(c *apiCall) (int, any, *apiError) {
	var req amazonpay.CreateCheckoutSessionRequest
	if a := decode(c.body, &req, false); a != nil {
		return 0, nil, a
	}
	s, a := e.createSession(c.m, c.env, req, amazonpay.ProductTypePayAndShip, c.now)
	if a != nil {
		return 0, nil, a
	}
	return 201, e.viewSession(s), nil
}

func (e *Emulator) getSession(c *apiCall) (int, any, *apiError) {
	s, a := e.findSession(c)
	if a != nil {
		return 0, nil, a
	}
	return 200, e.viewSession(s), nil
}

func validatePaymentDetails(pd *amazonpay.PaymentDetails) *apiError {
	if pd == nil {
		return nil
	}
	switch pd.PaymentIntent {
	case "", amazonpay.PaymentIntentConfirm, amazonpay.PaymentIntentAuthorize, amazonpay.PaymentIntentAuthorizeWithCapture:
	default:
		return errf(400, amazonpay.ReasonInvalidParameterValue, "paymentDetails.paymentIntent %q is not valid", pd.PaymentIntent)
	}
	if pd.ChargeAmount != nil {
		if _, a := amount("paymentDetails.chargeAmount", pd.ChargeAmount); a != nil {
			return a
		}
	}
	if pd.TotalOrderAmount != nil {
		if _, a := amount("paymentDetails.totalOrderAmount", pd.TotalOrderAmount); a != nil {
			return a
		}
	}
	if pd.PresentmentCurrency != "" && pd.PresentmentCurrency != amazonpay.CurrencyJPY {
		return errf(400, amazonpay.ReasonCurrencyMismatch, "presentmentCurrency must be JPY")
	}
	return nil
}

// createSession validates a create request (from the API or the button) and
// stores an open session.
func (e *Emulator) createSession(m *merchantEntry, env string, req amazonpay.CreateCheckoutSessionRequest, productType string, now time.Time) (*session, *apiError) {
	if req.StoreID == "" {
		return nil, errf(400, amazonpay.ReasonMissingParameterValue, "storeId is missing")
	}
	if req.StoreID != m.StoreID {
		return nil, errf(400, amazonpay.ReasonInvalidParameterValue, "storeId %q does not belong to merchant %s", req.StoreID, m.MerchantID)
	}
	w := req.WebCheckoutDetails
	if w.CheckoutReviewReturnURL == "" {
		return nil, errf(400, amazonpay.ReasonMissingParameterValue, "webCheckoutDetails.checkoutReviewReturnUrl is missing")
	}
	for field, v := range map[string]string{"checkoutReviewReturnUrl": w.CheckoutReviewReturnURL, "checkoutResultReturnUrl": w.CheckoutResultReturnURL, "checkoutCancelUrl": w.CheckoutCancelURL} {
		if v != "" {
			if a := checkURL("webCheckoutDetails."+field, v); a != nil {
				return nil, a
			}
		}
	}
	if w.AmazonPayRedirectURL != "" {
		return nil, errf(400, amazonpay.ReasonInvalidParameterValue, "webCheckoutDetails.amazonPayRedirectUrl is set by Amazon Pay")
	}
	if w.CheckoutMode != "" {
		return nil, errf(400, amazonpay.ReasonInvalidParameterValue, "webCheckoutDetails.checkoutMode %q is not supported", w.CheckoutMode)
	}
	if req.ChargePermissionType != "" && req.ChargePermissionType != amazonpay.ChargePermissionTypeOneTime {
		return nil, errf(400, amazonpay.ReasonInvalidParameterValue, "chargePermissionType %q is not supported", req.ChargePermissionType)
	}
	for _, s := range req.Scopes {
		if !slices.Contains(knownScopes, s) {
			return nil, errf(400, amazonpay.ReasonInvalidParameterValue, "unknown scope %q", s)
		}
	}
	if a := validatePaymentDetails(req.PaymentDetails); a != nil {
		return nil, a
	}
	s := &session{
		ID: newUUID(), MerchantID: m.MerchantID, Env: env, StoreID: req.StoreID,
		ProductType: productType, Web: w, Scopes: req.Scopes, PlatformID: req.PlatformID,
		State: amazonpay.StateOpen, Created: now, Updated: now,
	}
	if req.PaymentDetails != nil {
		s.Payment = *req.PaymentDetails
	}
	if req.MerchantMetadata != nil {
		s.Metadata = *req.MerchantMetadata
	}
	e.st.Sessions[s.ID] = s
	e.touch(s)
	return s, nil
}

func (e *Emulator) updateSession(c *apiCall) (int, any, *apiError) {
	var req amazonpay.UpdateCheckoutSessionRequest
	if a := decode(c.body, &req, false); a != nil {
		return 0, nil, a
	}
	s, a := e.findSession(c)
	if a != nil {
		return 0, nil, a
	}
	if s.State != amazonpay.StateOpen {
		return 0, nil, errf(422, amazonpay.ReasonInvalidCheckoutSessionStatus, "the checkout session is %s (%s) and cannot be updated", s.State, s.Reason)
	}
	if s.Outcome != "" {
		return 0, nil, errf(422, amazonpay.ReasonInvalidCheckoutSessionStatus, "the buyer has already been through amazonPayRedirectUrl; complete the checkout session")
	}
	if w := req.WebCheckoutDetails; w != nil {
		for field, v := range map[string]string{"checkoutReviewReturnUrl": w.CheckoutReviewReturnURL, "checkoutResultReturnUrl": w.CheckoutResultReturnURL, "checkoutCancelUrl": w.CheckoutCancelURL} {
			if v != "" {
				if a := checkURL("webCheckoutDetails."+field, v); a != nil {
					return 0, nil, a
				}
			}
		}
		if w.AmazonPayRedirectURL != "" {
			return 0, nil, errf(400, amazonpay.ReasonInvalidParameterValue, "webCheckoutDetails.amazonPayRedirectUrl is set by Amazon Pay")
		}
	}
	if a := validatePaymentDetails(req.PaymentDetails); a != nil {
		return 0, nil, a
	}
	// Which fields of paymentDetails were sent (booleans may be set to false).
	var raw struct {
		PaymentDetails map[string]json.RawMessage `json:"paymentDetails"`
	}
	_ = json.Unmarshal(c.body, &raw)
	if w := req.WebCheckoutDetails; w != nil {
		if w.CheckoutReviewReturnURL != "" {
			s.Web.CheckoutReviewReturnURL = w.CheckoutReviewReturnURL
		}
		if w.CheckoutResultReturnURL != "" {
			s.Web.CheckoutResultReturnURL = w.CheckoutResultReturnURL
		}
		if w.CheckoutCancelURL != "" {
			s.Web.CheckoutCancelURL = w.CheckoutCancelURL
		}
	}
	if pd := req.PaymentDetails; pd != nil {
		has := func(k string) bool { _, ok := raw.PaymentDetails[k]; return ok }
		if pd.PaymentIntent != "" {
			s.Payment.PaymentIntent = pd.PaymentIntent
		}
		if pd.ChargeAmount != nil {
			s.Payment.ChargeAmount = pd.ChargeAmount
		}
		if pd.TotalOrderAmount != nil {
			s.Payment.TotalOrderAmount = pd.TotalOrderAmount
		}
		if pd.SoftDescriptor != "" {
			s.Payment.SoftDescriptor = pd.SoftDescriptor
		}
		if pd.PresentmentCurrency != "" {
			s.Payment.PresentmentCurrency = pd.PresentmentCurrency
		}
		if has("canHandlePendingAuthorization") {
			s.Payment.CanHandlePendingAuthorization = pd.CanHandlePendingAuthorization
		}
		if has("allowOvercharge") {
			s.Payment.AllowOvercharge = pd.AllowOvercharge
		}
		if has("extendExpiration") {
			s.Payment.ExtendExpiration = pd.ExtendExpiration
		}
	}
	if md := req.MerchantMetadata; md != nil {
		mergeMetadata(&s.Metadata, md)
	}
	if req.PlatformID != "" {
		s.PlatformID = req.PlatformID
	}
	s.Updated = c.now
	e.touch(s)
	return 200, e.viewSession(s), nil
}

func mergeMetadata(dst, src *amazonpay.MerchantMetadata) {
	if src.MerchantReferenceID != "" {
		dst.MerchantReferenceID = src.MerchantReferenceID
	}
	if src.MerchantStoreName != "" {
		dst.MerchantStoreName = src.MerchantStoreName
	}
	if src.NoteToBuyer != "" {
		dst.NoteToBuyer = src.NoteToBuyer
	}
	if src.CustomInformation != "" {
		dst.CustomInformation = src.CustomInformation
	}
}

// completeSession is Complete Checkout Session: the amount must match the
// session's, the buyer must have been through amazonPayRedirectUrl. It makes
// the charge permission (limit: the total order amount, or with
// allowOvercharge the greater of 900% of it and 70,000 JPY; AMAZON-PAY.md
// section 4) and, unless the intent is Confirm, the charge with the outcome
// the buyer's instrument had at amazonPayRedirectUrl.
func (e *Emulator) completeSession(c *apiCall) (int, any, *apiError) {
	var req amazonpay.CompleteCheckoutSessionRequest
	if a := decode(c.body, &req, false); a != nil {
		return 0, nil, a
	}
	n, a := amount("chargeAmount", &req.ChargeAmount)
	if a != nil {
		return 0, nil, a
	}
	s, a := e.findSession(c)
	if a != nil {
		return 0, nil, a
	}
	switch {
	case s.State == amazonpay.StateCanceled:
		return 0, nil, errf(422, amazonpay.ReasonCheckoutSessionCanceled, "the checkout session was canceled (%s)", s.Reason)
	case s.State != amazonpay.StateOpen:
		return 0, nil, errf(422, amazonpay.ReasonInvalidCheckoutSessionStatus, "the checkout session is %s", s.State)
	case s.Outcome == "":
		return 0, nil, errf(422, amazonpay.ReasonInvalidCheckoutSessionStatus, "the buyer has not been through amazonPayRedirectUrl")
	}
	want, _ := amazonpay.ParseYen(s.Payment.ChargeAmount.Amount)
	if n != want {
		return 0, nil, errf(409, amazonpay.ReasonAmountMismatch, "chargeAmount %d JPY does not match the checkout session's %d JPY", n, want)
	}
	totalPrice := req.TotalOrderAmount
	if totalPrice == nil {
		totalPrice = s.Payment.TotalOrderAmount
	}
	total := n
	if totalPrice != nil {
		if total, a = amount("totalOrderAmount", totalPrice); a != nil {
			return 0, nil, a
		}
		if total < n {
			return 0, nil, errf(400, amazonpay.ReasonInvalidParameterValue, "totalOrderAmount %d JPY is less than chargeAmount %d JPY", total, n)
		}
		s.Payment.TotalOrderAmount = pricePtr(total)
	}
	outcome := s.Outcome
	switch c.sim {
	case "BuyerCanceled", "AmazonCanceled", "Declined":
		e.cancelSession(s, c.sim, "Simulated by x-amz-pay-simulation-code.", c.now)
		return 0, nil, errf(422, amazonpay.ReasonCheckoutSessionCanceled, "the checkout session was canceled (%s)", c.sim)
	case "AuthorizationInitiated":
		if !s.pendingAllowed() {
			e.cancelSession(s, "Declined", timedOutDesc, c.now)
			return 0, nil, errf(422, amazonpay.ReasonCheckoutSessionCanceled, "the checkout session was canceled (Declined: %s)", amazonpay.ReasonTransactionTimedOut)
		}
		outcome = outcomePending
	}
	b := findBuyer(s.BuyerID)
	inst := b.Instruments[s.InstrumentIdx]
	p := &permission{
		ID: e.newPermissionID(), MerchantID: s.MerchantID, Env: s.Env, SessionID: s.ID, BuyerID: s.BuyerID,
		ProductType: s.ProductType, AddressIdx: s.AddressIdx, InstrumentIdx: s.InstrumentIdx,
		Metadata: s.Metadata, PlatformID: s.PlatformID, OrderAmount: total, Limit: total,
		Created: c.now, Updated: c.now, Expires: c.now.Add(permissionTTL),
	}
	if s.Payment.AllowOvercharge && !inst.GiftCard {
		p.Limit = max(9*total, overchargeMinYen)
	}
	if s.Payment.ExtendExpiration {
		p.Expires = c.now.AddDate(0, 13, 0)
	}
	e.st.Permissions[p.ID] = p
	e.touch(p)
	status := 200
	if s.Payment.PaymentIntent != amazonpay.PaymentIntentConfirm {
		capture := s.Payment.PaymentIntent == amazonpay.PaymentIntentAuthorizeWithCapture
		ch := e.newCharge(p, &charge{Amount: n, SoftDescriptor: s.Payment.SoftDescriptor, CaptureNow: capture,
			CanHandlePending: s.Payment.CanHandlePendingAuthorization, Metadata: s.Metadata}, c.now)
		switch outcome {
		case outcomePending, outcomePendingDecline:
			e.startPending(ch, outcome == outcomePendingDecline, c.now)
			status = 202
		default:
			e.authorize(ch, c.now)
		}
		s.ChargeID = ch.ID
	}
	s.PermissionID = p.ID
	s.State, s.Reason, s.ReasonDesc, s.Updated = amazonpay.StateCompleted, "", "", c.now
	e.touch(s)
	e.refreshPermission(p, c.now)
	return status, e.viewSession(s), nil
}

// Outcomes of the buyer's pass through amazonPayRedirectUrl (session.Outcome).
const (
	outcomeApproved       = "approved"
	outcomePending        = "pending"         // AuthorizationInitiated, then Authorized
	outcomePendingDecline = "pending-decline" // AuthorizationInitiated, then Declined HardDeclined
)

const timedOutDesc = "TransactionTimedOut: the authorization could not be completed at once and canHandlePendingAuthorization is false."

// pendingAllowed reports whether the session takes an authorization that
// stays pending: only with canHandlePendingAuthorization and an intent that
// authorizes. Without it Amazon refuses such a payment rather than
// approving it quietly (AMAZON-PAY.md section 9).
func (s *session) pendingAllowed() bool {
	return s.Payment.CanHandlePendingAuthorization && s.Payment.PaymentIntent != amazonpay.PaymentIntentConfirm
}

// cancelSession ends an open session Canceled with one of Amazon's reasons:
// BuyerCanceled, Declined, Expired or AmazonCanceled.
func (e *Emulator) cancelSession(s *session, reason, desc string, at time.Time) {
	s.State, s.Reason, s.ReasonDesc, s.Updated = amazonpay.StateCanceled, reason, desc, at
	e.touch(s)
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
		ExpirationTimestamp:  amazonpay.TimestampOf(s.Created.Add(sessionTTL)),
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
	if b := findBuyer(s.BuyerID); b != nil {
		v.Buyer = &amazonpay.Buyer{BuyerID: b.BuyerID, Name: b.Name, Email: b.Email}
		if len(s.Scopes) == 0 || slices.Contains(s.Scopes, "phoneNumber") {
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

// settleSession cancels a session left open for 24 hours (Canceled Expired).
func (e *Emulator) settleSession(s *session, now time.Time) {
	if s.State == amazonpay.StateOpen && !now.Before(s.Created.Add(sessionTTL)) {
		e.cancelSession(s, "Expired", "The checkout session expired after 24 hours.", s.Created.Add(sessionTTL))
	}
}
