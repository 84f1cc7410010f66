package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"kago/amazonpay"
)

const maxRequestBody = 1 << 20

// apiError is an error answer: status and Amazon's {reasonCode, message}.
type apiError struct {
	Status int
	Code   string
	Msg    string
}

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func (a *apiError) body() []byte {
	b, _ := json.Marshal(struct {
		ReasonCode string `json:"reasonCode"`
		Message    string `json:"message"`
	}{a.Code, a.Msg})
	return b
}

type route struct {
	op      string
	method  string
	pattern string
	keyed   bool // idempotency key required
}

var routes = []route{
	{"GetBuyer", http.MethodGet, "buyers/*", false},
	{"CreateCheckoutSession", http.MethodPost, "checkoutSessions", true},
	{"GetCheckoutSession", http.MethodGet, "checkoutSessions/*", false},
	{"UpdateCheckoutSession", http.MethodPatch, "checkoutSessions/*", false},
	{"CompleteCheckoutSession", http.MethodPost, "checkoutSessions/*/complete", false},
	{"GetChargePermission", http.MethodGet, "chargePermissions/*", false},
	{"UpdateChargePermission", http.MethodPatch, "chargePermissions/*", false},
	{"CloseChargePermission", http.MethodDelete, "chargePermissions/*/close", false},
	{"CreateCharge", http.MethodPost, "charges", true},
	{"GetCharge", http.MethodGet, "charges/*", false},
	{"CaptureCharge", http.MethodPost, "charges/*/capture", true},
	{"CancelCharge", http.MethodDelete, "charges/*/cancel", false},
	{"CreateRefund", http.MethodPost, "refunds", true},
	{"GetRefund", http.MethodGet, "refunds/*", false},
}

// simulationCodes lists the x-amz-pay-simulation-code values per operation.
var simulationCodes = map[string][]string{
	"CaptureCharge":           {"CaptureInitiated", "AmazonRejected"},
	"CompleteCheckoutSession": {"BuyerCanceled", "AmazonCanceled", "Declined", "AuthorizationInitiated"},
	"CreateCharge":            {"SoftDeclined", "HardDeclined", "AmazonRejected", "TransactionTimedOut"},
	"CloseChargePermission":   {"AmazonClosed"},
}

func matchRoute(method, rest string) (route, string, *apiError) {
	segs := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	pathFound := false
	for _, rt := range routes {
		ps := strings.Split(rt.pattern, "/")
		if len(ps) != len(segs) {
			continue
		}
		id, ok := "", true
		for i, p := range ps {
			if p == "*" {
				v, err := url.PathUnescape(segs[i])
				if err != nil || v == "" {
					ok = false
					break
				}
				id = v
			} else if p != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pathFound = true
		if rt.method == method {
			return rt, id, nil
		}
	}
	if pathFound {
		return route{}, "", errf(405, amazonpay.ReasonUnsupportedOperation, "%s is not supported on this resource", method)
	}
	return route{}, "", errf(404, amazonpay.ReasonResourceNotFound, "No such resource: %s", rest)
}

// apiCall is one authenticated request.
type apiCall struct {
	op   string
	id   string
	m    *merchantEntry
	env  string
	body []byte
	sim  string
	now  time.Time
}

func newRequestID() string { return newUUID() }

func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request, p string) {
	start := time.Now()
	w.Header().Set("x-amz-pay-request-id", newRequestID())
	op, status, body, drop := e.handleAPI(r, p)
	e.log.Debug("amazonpay emulator", "op", op, "method", r.Method, "path", p, "status", status, "drop", drop, "dur", time.Since(start))
	if drop {
		dropConnection(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

func (e *Emulator) handleAPI(r *http.Request, p string) (op string, status int, body []byte, drop bool) {
	var pathEnv, rest string
	switch {
	case strings.HasPrefix(p, "/sandbox/v2/"):
		pathEnv, rest = "sandbox", strings.TrimPrefix(p, "/sandbox/v2/")
	case strings.HasPrefix(p, "/live/v2/"):
		pathEnv, rest = "live", strings.TrimPrefix(p, "/live/v2/")
	default:
		rest = strings.TrimPrefix(p, "/v2/")
	}
	reqBody, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return "", 400, errf(400, amazonpay.ReasonInvalidRequest, "could not read the request body").body(), false
	}
	if len(reqBody) > maxRequestBody {
		return "", 400, errf(400, amazonpay.ReasonInvalidRequest, "request body too large").body(), false
	}
	rt, id, aerr := matchRoute(r.Method, rest)
	if aerr != nil {
		return "", aerr.Status, aerr.body(), false
	}
	op = rt.op

	f := e.takeFault(op)
	if f != nil {
		if f.Latency > 0 {
			t := time.NewTimer(f.Latency)
			select {
			case <-r.Context().Done():
			case <-t.C:
			}
			t.Stop()
		}
		if f.Drop == DropBefore {
			return op, 0, nil, true
		}
		if f.Status != 0 {
			a := faultError(f.Status)
			return op, a.Status, a.body(), false
		}
	}

	m, env, aerr := e.authenticate(r, p, pathEnv, reqBody)
	if aerr != nil {
		return op, aerr.Status, aerr.body(), false
	}
	c := &apiCall{op: op, id: id, m: m, env: env, body: reqBody}
	if sim := r.Header.Get("x-amz-pay-simulation-code"); sim != "" && env == amazonpay.ReleaseEnvironmentSandbox {
		if !slices.Contains(simulationCodes[op], sim) {
			a := errf(400, amazonpay.ReasonInvalidSandboxSimulationSpecified, "simulation code %q is not valid for %s", sim, op)
			return op, a.Status, a.body(), false
		}
		c.sim = sim
	}
	idem := ""
	if r.Method == http.MethodPost {
		idem = r.Header.Get("x-amz-pay-idempotency-key")
		if idem == "" && rt.keyed {
			a := errf(400, amazonpay.ReasonMissingHeader, "x-amz-pay-idempotency-key is required")
			return op, a.Status, a.body(), false
		}
		if idem != "" && !amazonpay.ValidIdempotencyKey(idem) {
			a := errf(400, amazonpay.ReasonInvalidHeaderValue, "x-amz-pay-idempotency-key must be at most %d characters of A-Z a-z 0-9 _ -", maxIdempotencyChars)
			return op, a.Status, a.body(), false
		}
	}

	e.mu.Lock()
	var idemKey, fp string
	if idem != "" {
		idemKey = m.MerchantID + " " + idem
		sum := sha256.Sum256([]byte(op + "\n" + id + "\n" + string(reqBody)))
		fp = hex.EncodeToString(sum[:])
		if rec := e.st.Idempotency[idemKey]; rec != nil {
			e.mu.Unlock()
			if rec.Fingerprint != fp {
				a := errf(400, amazonpay.ReasonDuplicateIdempotencyKey, "the idempotency key was already used with a different request")
				return op, a.Status, a.body(), false
			}
			return op, rec.Status, rec.Body, f != nil && f.Drop == DropAfter
		}
	}
	c.now = e.now()
	status, v, aerr := e.dispatch(c)
	if aerr != nil {
		status, body = aerr.Status, aerr.body()
	} else {
		body, _ = json.Marshal(v)
	}
	if idemKey != "" && status < 500 && status != 429 {
		e.st.Idempotency[idemKey] = &idemRecord{Fingerprint: fp, Status: status, Body: body}
		e.dirty = true
	}
	e.mu.Unlock()
	return op, status, body, f != nil && f.Drop == DropAfter
}

func faultError(status int) *apiError {
	switch status {
	case 429:
		return errf(429, amazonpay.ReasonTooManyRequests, "Too many requests (emulator fault switch)")
	case 503:
		return errf(503, amazonpay.ReasonServiceUnavailable, "Service unavailable (emulator fault switch)")
	case 500:
		return errf(500, amazonpay.ReasonInternalServerError, "Internal server error (emulator fault switch)")
	}
	return errf(status, http.StatusText(status), "emulator fault switch")
}

// authenticate checks the request signature and returns the merchant and the
// release environment.
func (e *Emulator) authenticate(r *http.Request, canonicalURI, pathEnv string, body []byte) (*merchantEntry, string, *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, "", errf(400, amazonpay.ReasonMissingHeader, "the authorization header is missing")
	}
	a, err := amazonpay.ParseAuthorization(h)
	if err != nil {
		return nil, "", errf(400, amazonpay.ReasonInvalidHeaderValue, "the authorization header is malformed")
	}
	if _, err := a.Algorithm.SaltLength(); err != nil {
		return nil, "", errf(400, amazonpay.ReasonInvalidHeaderValue, "unknown signing algorithm %q", string(a.Algorithm))
	}
	for _, name := range []string{"x-amz-pay-date", "x-amz-pay-host", "x-amz-pay-region"} {
		if r.Header.Get(name) == "" {
			return nil, "", errf(400, amazonpay.ReasonMissingHeader, "the %s header is missing", name)
		}
	}
	if !strings.EqualFold(r.Header.Get("x-amz-pay-region"), "jp") {
		return nil, "", errf(400, amazonpay.ReasonInvalidHeaderValue, "x-amz-pay-region must be jp")
	}
	date, err := amazonpay.ParseTime(r.Header.Get("x-amz-pay-date"))
	if err != nil {
		return nil, "", errf(400, amazonpay.ReasonInvalidHeaderValue, "x-amz-pay-date is not a valid timestamp")
	}
	if skew := e.opts.Now().Sub(date); skew > e.opts.MaxSkew || skew < -e.opts.MaxSkew {
		return nil, "", errf(400, amazonpay.ReasonInvalidHeaderValue, "x-amz-pay-date is more than %s away from the server time", e.opts.MaxSkew)
	}
	must := []string{"x-amz-pay-date", "x-amz-pay-host", "x-amz-pay-region"}
	if r.Header.Get("x-amz-pay-idempotency-key") != "" {
		must = append(must, "x-amz-pay-idempotency-key")
	}
	for _, name := range must {
		if !slices.Contains(a.SignedHeaders, name) {
			return nil, "", errf(403, amazonpay.ReasonInvalidRequestSignature, "SignedHeaders must include %s", name)
		}
	}
	e.mu.Lock()
	m := e.byKey[a.PublicKeyID]
	e.mu.Unlock()
	if m == nil {
		return nil, "", errf(401, amazonpay.ReasonUnauthorizedAccess, "unknown public key ID %q", a.PublicKeyID)
	}
	var env string
	upper := strings.ToUpper(a.PublicKeyID)
	switch {
	case strings.HasPrefix(upper, "SANDBOX"):
		env = amazonpay.ReleaseEnvironmentSandbox
	case strings.HasPrefix(upper, "LIVE"):
		env = amazonpay.ReleaseEnvironmentLive
	case pathEnv == "sandbox":
		env = amazonpay.ReleaseEnvironmentSandbox
	case pathEnv == "live":
		env = amazonpay.ReleaseEnvironmentLive
	default:
		return nil, "", errf(401, amazonpay.ReasonUnauthorizedAccess, "public key ID %q does not name an environment: use /sandbox/v2 or /live/v2", a.PublicKeyID)
	}
	hs := make([]amazonpay.Header, 0, len(a.SignedHeaders))
	for _, name := range a.SignedHeaders {
		var v string
		if name == "host" {
			v = r.Host
		} else {
			vs := r.Header.Values(name)
			if len(vs) == 0 {
				return nil, "", errf(403, amazonpay.ReasonInvalidRequestSignature, "signed header %s is missing", name)
			}
			v = strings.Join(vs, ",")
		}
		hs = append(hs, amazonpay.Header{Name: name, Value: v})
	}
	canonical := amazonpay.CanonicalRequest(r.Method, canonicalURI, amazonpay.CanonicalQuery(r.URL.Query()), hs, body)
	if err := amazonpay.VerifyString(m.pub, a.Algorithm, amazonpay.StringToSign(a.Algorithm, canonical), a.Signature); err != nil {
		return nil, "", errf(403, amazonpay.ReasonInvalidRequestSignature, "the request signature does not match")
	}
	return m, env, nil
}

// decode parses a JSON body strictly: unknown fields are refused.
func decode(body []byte, v any, allowEmpty bool) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		if allowEmpty {
			return nil
		}
		return errf(400, amazonpay.ReasonInvalidRequest, "the request body is missing")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			return errf(400, amazonpay.ReasonInvalidRequest, "the request body is not a single JSON object")
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var synErr *json.SyntaxError
	switch {
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errf(400, amazonpay.ReasonUnrecognizedField, "%s", strings.TrimPrefix(err.Error(), "json: "))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return errf(400, amazonpay.ReasonInvalidRequest, "the request body must be a JSON object")
		}
		return errf(400, amazonpay.ReasonInvalidParameterValue, "%s has the wrong type", field)
	case errors.As(err, &synErr), errors.Is(err, io.ErrUnexpectedEOF):
		return errf(400, amazonpay.ReasonInvalidRequest, "the request body is not valid JSON")
	}
	return errf(400, amazonpay.ReasonInvalidParameterValue, "invalid request body: %v", err)
}

// amount checks a JPY amount field.
func amount(field string, p *amazonpay.Price) (int64, *apiError) {
	if p == nil || p.Amount == "" {
		return 0, errf(400, amazonpay.ReasonMissingParameterValue, "%s.amount is missing", field)
	}
	if p.CurrencyCode == "" {
		return 0, errf(400, amazonpay.ReasonMissingParameterValue, "%s.currencyCode is missing", field)
	}
	if p.CurrencyCode != amazonpay.CurrencyJPY {
		return 0, errf(400, amazonpay.ReasonCurrencyMismatch, "%s.currencyCode %q does not match the ledger currency JPY", field, p.CurrencyCode)
	}
	n, err := amazonpay.ParseYen(p.Amount)
	if err != nil {
		return 0, errf(400, amazonpay.ReasonInvalidParameterValue, "%s.amount %q is not a whole number of yen", field, p.Amount)
	}
	if n <= 0 {
		return 0, errf(400, amazonpay.ReasonInvalidParameterValue, "%s.amount must be greater than 0", field)
	}
	if n > maxChargeYen {
		return 0, errf(400, amazonpay.ReasonTransactionAmountExceeded, "%s.amount exceeds the maximum of %d JPY", field, maxChargeYen)
	}
	return n, nil
}

func checkURL(field, s string) *apiError {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errf(400, amazonpay.ReasonInvalidParameterValue, "%s must be an absolute http(s) URL", field)
	}
	return nil
}

var knownScopes = []string{"name", "email", "phoneNumber", "billingAddress", "shippingAddress", "postalCode", "primeMembershipStatus"}

func (e *Emulator) dispatch(c *apiCall) (int, any, *apiError) {
	switch c.op {
	case "GetBuyer":
		return e.getBuyer(c)
	case "CreateCheckoutSession":
		var req amazonpay.CreateCheckoutSessionRequest
		if a := decode(c.body, &req, false); a != nil {
			return 0, nil, a
		}
		s, a := e.createSession(c.m, c.env, req, amazonpay.ProductTypePayAndShip, c.now)
		if a != nil {
			return 0, nil, a
		}
		return 201, e.viewSession(s), nil
	case "GetCheckoutSession":
		s, a := e.findSession(c)
		if a != nil {
			return 0, nil, a
		}
		return 200, e.viewSession(s), nil
	case "UpdateCheckoutSession":
		return e.updateSession(c)
	case "CompleteCheckoutSession":
		return e.completeSession(c)
	case "GetChargePermission":
		p, a := e.findPermission(c, c.id)
		if a != nil {
			return 0, nil, a
		}
		return 200, e.viewPermission(p), nil
	case "UpdateChargePermission":
		return e.updatePermission(c)
	case "CloseChargePermission":
		return e.closePermissionAPI(c)
	case "CreateCharge":
		return e.createCharge(c)
	case "GetCharge":
		ch, a := e.findCharge(c, c.id)
		if a != nil {
			return 0, nil, a
		}
		return 200, e.viewCharge(ch), nil
	case "CaptureCharge":
		return e.captureCharge(c)
	case "CancelCharge":
		return e.cancelCharge(c)
	case "CreateRefund":
		return e.createRefund(c)
	case "GetRefund":
		r := e.st.Refunds[c.id]
		if r == nil || r.MerchantID != c.m.MerchantID || r.Env != c.env {
			return 0, nil, notFound("Refund", c.id)
		}
		e.settleRefund(r, c.now)
		return 200, e.viewRefund(r), nil
	}
	return 0, nil, errf(405, amazonpay.ReasonUnsupportedOperation, "unsupported operation")
}

func notFound(kind, id string) *apiError {
	return errf(404, amazonpay.ReasonResourceNotFound, "%s %s was not found", kind, id)
}

func (e *Emulator) findSession(c *apiCall) (*session, *apiError) {
	s := e.st.Sessions[c.id]
	if s == nil || s.SignIn || s.MerchantID != c.m.MerchantID || s.Env != c.env {
		return nil, notFound("CheckoutSession", c.id)
	}
	e.settleSession(s, c.now)
	return s, nil
}

func (e *Emulator) findPermission(c *apiCall, id string) (*permission, *apiError) {
	p := e.st.Permissions[id]
	if p == nil || p.MerchantID != c.m.MerchantID || p.Env != c.env {
		return nil, notFound("ChargePermission", id)
	}
	e.settlePermissionTree(p, c.now)
	return p, nil
}

func (e *Emulator) findCharge(c *apiCall, id string) (*charge, *apiError) {
	ch := e.st.Charges[id]
	if ch == nil || ch.MerchantID != c.m.MerchantID || ch.Env != c.env {
		return nil, notFound("Charge", id)
	}
	e.settleCharge(ch, c.now)
	return ch, nil
}

func (e *Emulator) getBuyer(c *apiCall) (int, any, *apiError) {
	t := e.st.BuyerTokens[c.id]
	if t == nil || t.MerchantID != c.m.MerchantID {
		return 0, nil, notFound("Buyer", "for this token")
	}
	if t.Used || !c.now.Before(t.Expires) {
		return 0, nil, errf(400, amazonpay.ReasonInvalidParameterValue, "the buyer token has expired or was already used")
	}
	t.Used = true
	e.dirty = true
	b := findBuyer(t.BuyerID)
	out := amazonpay.Buyer{BuyerID: b.BuyerID}
	scopes := t.Scopes
	if len(scopes) == 0 {
		scopes = []string{"name", "email", "postalCode"}
	}
	addr := b.Addresses[0]
	for _, s := range scopes {
		switch s {
		case "name":
			out.Name = b.Name
		case "email":
			out.Email = b.Email
		case "postalCode":
			out.PostalCode, out.CountryCode = addr.PostalCode, addr.CountryCode
		case "phoneNumber":
			out.PhoneNumber = b.PhoneNumber
		case "shippingAddress":
			a := addr
			out.ShippingAddress = &a
		case "billingAddress":
			a := addr
			out.BillingAddress = &a
		}
	}
	return 200, out, nil
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
	e.dirty = true
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
	e.dirty = true
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
	outcome := s.Outcome
	switch c.sim {
	case "BuyerCanceled", "AmazonCanceled", "Declined":
		s.State, s.Reason, s.ReasonDesc, s.Updated = amazonpay.StateCanceled, c.sim, "Simulated by x-amz-pay-simulation-code.", c.now
		e.dirty = true
		return 0, nil, errf(422, amazonpay.ReasonCheckoutSessionCanceled, "the checkout session was canceled (%s)", c.sim)
	case "AuthorizationInitiated":
		outcome = "pending"
	}
	b := findBuyer(s.BuyerID)
	inst := b.Instruments[s.InstrumentIdx]
	p := &permission{
		ID: e.newPermissionID(), MerchantID: s.MerchantID, Env: s.Env, SessionID: s.ID, BuyerID: s.BuyerID,
		ProductType: s.ProductType, AddressIdx: s.AddressIdx, InstrumentIdx: s.InstrumentIdx,
		Metadata: s.Metadata, PlatformID: s.PlatformID, OrderAmount: n, Limit: n,
		Created: c.now, Updated: c.now, Expires: c.now.Add(permissionTTL),
	}
	if s.Payment.AllowOvercharge && !inst.GiftCard {
		p.Limit = max(9*n, overchargeMinYen)
	}
	if s.Payment.ExtendExpiration {
		p.Expires = c.now.AddDate(0, 13, 0)
	}
	e.st.Permissions[p.ID] = p
	status := 200
	if s.Payment.PaymentIntent != amazonpay.PaymentIntentConfirm {
		capture := s.Payment.PaymentIntent == amazonpay.PaymentIntentAuthorizeWithCapture
		ch := e.newCharge(p, n, s.Payment.SoftDescriptor, c.now)
		switch outcome {
		case "pending", "pending-decline":
			po := "authorize"
			if capture {
				po = "capture"
			}
			if outcome == "pending-decline" {
				po = "decline"
			}
			e.startPending(ch, po, c.now)
			status = 202
		default:
			e.authorize(ch, capture, c.now)
		}
		s.ChargeID = ch.ID
	}
	s.PermissionID = p.ID
	s.State, s.Reason, s.ReasonDesc, s.Updated = amazonpay.StateCompleted, "", "", c.now
	e.refreshPermission(p, c.now)
	e.dirty = true
	return status, e.viewSession(s), nil
}

func (e *Emulator) newCharge(p *permission, amount int64, softDescriptor string, now time.Time) *charge {
	ch := &charge{ID: e.nextChargeID(p), PermissionID: p.ID, MerchantID: p.MerchantID, Env: p.Env, Amount: amount, SoftDescriptor: softDescriptor, Created: now, Updated: now}
	p.ChargeIDs = append(p.ChargeIDs, ch.ID)
	e.st.Charges[ch.ID] = ch
	e.dirty = true
	return ch
}

func (e *Emulator) authorize(ch *charge, capture bool, now time.Time) {
	ch.AuthorizedAt = now
	if capture {
		ch.Captured = ch.Amount
		e.setCharge(ch, amazonpay.StateCaptured, "", "", now)
		return
	}
	e.setCharge(ch, amazonpay.StateAuthorized, "", "", now)
}

func (e *Emulator) startPending(ch *charge, outcome string, now time.Time) {
	ch.PendingUntil = now.Add(e.opts.PendingDelay)
	ch.PendingOutcome = outcome
	e.setCharge(ch, amazonpay.StateAuthorizationInitiated, "", "", now)
	id := ch.ID
	e.schedule(e.opts.PendingDelay, func(now time.Time) {
		if c := e.st.Charges[id]; c != nil {
			e.settleCharge(c, now)
		}
	})
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
		e.dirty = true
	}
	return 200, e.viewPermission(p), nil
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
	if p.State != amazonpay.StateClosed {
		reason, desc := "MerchantClosed", req.ClosureReason
		if c.sim == "AmazonClosed" {
			reason, desc = "AmazonClosed", "Simulated by x-amz-pay-simulation-code."
		}
		e.closePermission(p, reason, desc, req.CancelPendingCharges, c.now)
	}
	return 200, e.viewPermission(p), nil
}

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
	inst := findBuyer(p.BuyerID).Instruments[p.InstrumentIdx]
	result := "approve"
	switch inst.Behavior {
	case SoftDecline:
		result = amazonpay.ReasonSoftDeclined
	case HardDecline:
		result = amazonpay.ReasonHardDeclined
	case PendingApprove:
		result = "pending"
	case PendingDecline:
		result = "pending-decline"
	}
	if c.sim != "" {
		result = c.sim
	}
	if !req.CanHandlePendingAuthorization {
		switch result {
		case "pending":
			result = "approve"
		case "pending-decline":
			result = amazonpay.ReasonHardDeclined
		}
	}
	ch := e.newCharge(p, n, req.SoftDescriptor, c.now)
	switch result {
	case "approve":
		e.authorize(ch, req.CaptureNow, c.now)
	case "pending", "pending-decline":
		po := "authorize"
		if req.CaptureNow {
			po = "capture"
		}
		if result == "pending-decline" {
			po = "decline"
		}
		e.startPending(ch, po, c.now)
	default: // a decline
		e.setCharge(ch, amazonpay.StateDeclined, result, "The authorization was declined.", c.now)
		if result == amazonpay.ReasonHardDeclined {
			p.PaymentInvalid = true
		}
		e.refreshPermission(p, c.now)
		return 0, nil, errf(422, result, "the charge %s was declined (%s)", ch.ID, result)
	}
	e.refreshPermission(p, c.now)
	return 201, e.viewCharge(ch), nil
}

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
	if req.SoftDescriptor != "" {
		ch.SoftDescriptor = req.SoftDescriptor
	}
	if c.sim == "AmazonRejected" {
		e.setCharge(ch, amazonpay.StateDeclined, amazonpay.ReasonAmazonRejected, "Amazon rejected the capture.", c.now)
		e.refreshPermission(e.st.Permissions[ch.PermissionID], c.now)
		return 0, nil, errf(422, amazonpay.ReasonAmazonRejected, "Amazon rejected the capture of %s", ch.ID)
	}
	ch.Captured = n
	if c.sim == "CaptureInitiated" || c.now.Sub(ch.AuthorizedAt) > asyncCaptureAfter {
		ch.PendingUntil = c.now.Add(e.opts.PendingDelay)
		ch.PendingOutcome = "captured"
		e.setCharge(ch, amazonpay.StateCaptureInitiated, "", "", c.now)
		id := ch.ID
		e.schedule(e.opts.PendingDelay, func(now time.Time) {
			if c := e.st.Charges[id]; c != nil {
				e.settleCharge(c, now)
			}
		})
	} else {
		e.setCharge(ch, amazonpay.StateCaptured, "", "", c.now)
	}
	e.refreshPermission(e.st.Permissions[ch.PermissionID], c.now)
	return 200, e.viewCharge(ch), nil
}

func (e *Emulator) cancelCharge(c *apiCall) (int, any, *apiError) {
	var req amazonpay.CancelChargeRequest
	if a := decode(c.body, &req, true); a != nil {
		return 0, nil, a
	}
	ch, a := e.findCharge(c, c.id)
	if a != nil {
		return 0, nil, a
	}
	switch ch.State {
	case amazonpay.StateCanceled:
	case amazonpay.StateAuthorized, amazonpay.StateAuthorizationInitiated:
		ch.PendingUntil = time.Time{}
		e.setCharge(ch, amazonpay.StateCanceled, "MerchantCanceled", req.CancellationReason, c.now)
		e.refreshPermission(e.st.Permissions[ch.PermissionID], c.now)
	default:
		return 0, nil, errf(422, amazonpay.ReasonInvalidChargeStatus, "the charge is %s and cannot be canceled", ch.State)
	}
	return 200, e.viewCharge(ch), nil
}

// refundable returns how much more of a captured charge can be refunded:
// the captured amount plus the lesser of 15% and 8,400 JPY, less refunds.
func (e *Emulator) refundable(ch *charge) int64 {
	limit := ch.Captured + min(ch.Captured*15/100, refundOverMaxYen)
	for _, id := range ch.RefundIDs {
		if r := e.st.Refunds[id]; r.State != amazonpay.StateDeclined {
			limit -= r.Amount
		}
	}
	return max(limit, 0)
}

func (e *Emulator) createRefund(c *apiCall) (int, any, *apiError) {
	var req amazonpay.CreateRefundRequest
	if a := decode(c.body, &req, false); a != nil {
		return 0, nil, a
	}
	if req.ChargeID == "" {
		return 0, nil, errf(400, amazonpay.ReasonMissingParameterValue, "chargeId is missing")
	}
	n, a := amount("refundAmount", &req.RefundAmount)
	if a != nil {
		return 0, nil, a
	}
	ch, a := e.findCharge(c, req.ChargeID)
	if a != nil {
		return 0, nil, a
	}
	if ch.State != amazonpay.StateCaptured {
		return 0, nil, errf(422, amazonpay.ReasonInvalidChargeStatus, "the charge is %s; only a Captured charge can be refunded", ch.State)
	}
	if left := e.refundable(ch); n > left {
		return 0, nil, errf(400, amazonpay.ReasonTransactionAmountExceeded, "refundAmount %d JPY exceeds the refundable %d JPY", n, left)
	}
	r := e.startRefund(ch, n, req.SoftDescriptor, c.now)
	return 201, e.viewRefund(r), nil
}

func (e *Emulator) startRefund(ch *charge, n int64, softDescriptor string, now time.Time) *refund {
	p := e.st.Permissions[ch.PermissionID]
	r := &refund{ID: e.nextRefundID(p), ChargeID: ch.ID, PermissionID: ch.PermissionID, MerchantID: ch.MerchantID, Env: ch.Env,
		Amount: n, SoftDescriptor: softDescriptor, Created: now, PendingUntil: now.Add(e.opts.PendingDelay)}
	ch.RefundIDs = append(ch.RefundIDs, r.ID)
	e.st.Refunds[r.ID] = r
	e.setRefund(r, amazonpay.StateRefundInitiated, "", "", now)
	id := r.ID
	e.schedule(e.opts.PendingDelay, func(now time.Time) {
		if r := e.st.Refunds[id]; r != nil {
			e.settleRefund(r, now)
		}
	})
	return r
}
