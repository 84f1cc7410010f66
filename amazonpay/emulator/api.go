package emulator

import (
	"bytes"
	"crypto/rsa"
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

// handler applies one API operation to the state (under e.mu) and returns
// the HTTP status and the object to answer with, or Amazon's error.
type handler func(e *Emulator, c *apiCall) (int, any, *apiError)

// route is one operation of the API: the route table holds its handler,
// which lives in the file of its resource (checkout_sessions.go,
// charge_permissions.go, charges.go, refunds.go, buyers.go).
type route struct {
	op      string
	method  string
	pattern string // below /v2/; * is one path segment (the object ID)
	keyed   bool   // idempotency key required
	handle  handler
}

var routes = []route{
	{"GetBuyer", http.MethodGet, "buyers/*", false, (*Emulator).getBuyer},
	{"CreateCheckoutSession", http.MethodPost, "checkoutSessions", true, (*Emulator).createSessionAPI},
	{"GetCheckoutSession", http.MethodGet, "checkoutSessions/*", false, (*Emulator).getSession},
	{"UpdateCheckoutSession", http.MethodPatch, "checkoutSessions/*", false, (*Emulator).updateSession},
	{"CompleteCheckoutSession", http.MethodPost, "checkoutSessions/*/complete", false, (*Emulator).completeSession},
	{"GetChargePermission", http.MethodGet, "chargePermissions/*", false, (*Emulator).getPermission},
	{"UpdateChargePermission", http.MethodPatch, "chargePermissions/*", false, (*Emulator).updatePermission},
	{"CloseChargePermission", http.MethodDelete, "chargePermissions/*/close", false, (*Emulator).closePermissionAPI},
	{"CreateCharge", http.MethodPost, "charges", true, (*Emulator).createCharge},
	{"GetCharge", http.MethodGet, "charges/*", false, (*Emulator).getCharge},
	{"CaptureCharge", http.MethodPost, "charges/*/capture", true, (*Emulator).captureCharge},
	{"CancelCharge", http.MethodDelete, "charges/*/cancel", false, (*Emulator).cancelCharge},
	{"CreateRefund", http.MethodPost, "refunds", true, (*Emulator).createRefund},
	{"GetRefund", http.MethodGet, "refunds/*", false, (*Emulator).getRefund},
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
	defer e.mu.Unlock()
	e.readErr = nil
	internal := errf(500, amazonpay.ReasonInternalServerError, "the emulator could not read or write its state")
	var idemKey, fp string
	if idem != "" {
		idemKey = m.MerchantID + " " + idem
		sum := sha256.Sum256([]byte(op + "\n" + id + "\n" + string(reqBody)))
		fp = hex.EncodeToString(sum[:])
		rec, err := e.idempotencyRecord(idemKey)
		if err != nil {
			e.log.Error("amazonpay emulator: idempotency record", "err", err)
			return op, internal.Status, internal.body(), false
		}
		if rec != nil {
			if rec.Fingerprint != fp {
				a := errf(400, amazonpay.ReasonDuplicateIdempotencyKey, "the idempotency key was already used with a different request")
				return op, a.Status, a.body(), false
			}
			return op, rec.Status, rec.Body, f != nil && f.Drop == DropAfter
		}
	}
	c.now = e.now()
	status, v, aerr := rt.handle(e, c)
	if e.readErr != nil {
		aerr = internal
	}
	if aerr == nil {
		body, err = amazonJSON(v)
		if err != nil {
			aerr = errf(500, amazonpay.ReasonInternalServerError, "the answer could not be written")
		}
	}
	if aerr != nil {
		status, body = aerr.Status, aerr.body()
	}
	if idemKey != "" && status < 500 && status != 429 {
		e.unsavedIdem[idemKey] = &idemRecord{Fingerprint: fp, Status: status, Body: body}
	}
	// The change is on disk before the answer leaves. If it cannot be
	// written the caller gets a 500 and retries; the change stays pending
	// (a retry with the key replays the answer) and the next write saves it.
	if err := e.saveLocked(); err != nil {
		e.log.Error("amazonpay emulator: saving state", "err", err)
		return op, internal.Status, internal.body(), false
	}
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
	keyID, aerr := e.verifySignature(r, canonicalURI, body, func(keyID string) *rsa.PublicKey {
		e.mu.Lock()
		defer e.mu.Unlock()
		if m := e.byKey[keyID]; m != nil {
			return m.pub
		}
		return nil
	})
	if aerr != nil {
		return nil, "", aerr
	}
	e.mu.Lock()
	m := e.byKey[keyID]
	e.mu.Unlock()
	if m == nil {
		return nil, "", errf(401, amazonpay.ReasonUnauthorizedAccess, "unknown public key ID %q", keyID)
	}
	var env string
	upper := strings.ToUpper(keyID)
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
		return nil, "", errf(401, amazonpay.ReasonUnauthorizedAccess, "public key ID %q does not name an environment: use /sandbox/v2 or /live/v2", keyID)
	}
	return m, env, nil
}

// verifySignature checks a request signed as Amazon Pay requests are
// (AMAZON-PAY.md section 2) with the public key that lookup returns for its
// PublicKeyId (nil: an unknown key), and returns that key ID.
func (e *Emulator) verifySignature(r *http.Request, canonicalURI string, body []byte, lookup func(keyID string) *rsa.PublicKey) (string, *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", errf(400, amazonpay.ReasonMissingHeader, "the authorization header is missing")
	}
	a, err := amazonpay.ParseAuthorization(h)
	if err != nil {
		return "", errf(400, amazonpay.ReasonInvalidHeaderValue, "the authorization header is malformed")
	}
	if _, err := a.Algorithm.SaltLength(); err != nil {
		return "", errf(400, amazonpay.ReasonInvalidHeaderValue, "unknown signing algorithm %q", string(a.Algorithm))
	}
	for _, name := range []string{"x-amz-pay-date", "x-amz-pay-host", "x-amz-pay-region"} {
		if r.Header.Get(name) == "" {
			return "", errf(400, amazonpay.ReasonMissingHeader, "the %s header is missing", name)
		}
	}
	if !strings.EqualFold(r.Header.Get("x-amz-pay-region"), "jp") {
		return "", errf(400, amazonpay.ReasonInvalidHeaderValue, "x-amz-pay-region must be jp")
	}
	date, err := amazonpay.ParseTime(r.Header.Get("x-amz-pay-date"))
	if err != nil {
		return "", errf(400, amazonpay.ReasonInvalidHeaderValue, "x-amz-pay-date is not a valid timestamp")
	}
	if skew := e.opts.Now().Sub(date); skew > e.opts.MaxSkew || skew < -e.opts.MaxSkew {
		return "", errf(400, amazonpay.ReasonInvalidHeaderValue, "x-amz-pay-date is more than %s away from the server time", e.opts.MaxSkew)
	}
	must := []string{"x-amz-pay-date", "x-amz-pay-host", "x-amz-pay-region"}
	if r.Header.Get("x-amz-pay-idempotency-key") != "" {
		must = append(must, "x-amz-pay-idempotency-key")
	}
	for _, name := range must {
		if !slices.Contains(a.SignedHeaders, name) {
			return "", errf(403, amazonpay.ReasonInvalidRequestSignature, "SignedHeaders must include %s", name)
		}
	}
	pub := lookup(a.PublicKeyID)
	if pub == nil {
		return "", errf(401, amazonpay.ReasonUnauthorizedAccess, "unknown public key ID %q", a.PublicKeyID)
	}
	hs := make([]amazonpay.Header, 0, len(a.SignedHeaders))
	for _, name := range a.SignedHeaders {
		var v string
		if name == "host" {
			v = r.Host
		} else {
			vs := r.Header.Values(name)
			if len(vs) == 0 {
				return "", errf(403, amazonpay.ReasonInvalidRequestSignature, "signed header %s is missing", name)
			}
			v = strings.Join(vs, ",")
		}
		hs = append(hs, amazonpay.Header{Name: name, Value: v})
	}
	canonical := amazonpay.CanonicalRequest(r.Method, canonicalURI, amazonpay.CanonicalQuery(r.URL.Query()), hs, body)
	if err := amazonpay.VerifyString(pub, a.Algorithm, amazonpay.StringToSign(a.Algorithm, canonical), a.Signature); err != nil {
		return "", errf(403, amazonpay.ReasonInvalidRequestSignature, "the request signature does not match")
	}
	return a.PublicKeyID, nil
}

// decode parses a JSON body strictly: unknown fields are refused
// (UnrecognizedField), a value of the wrong type is InvalidParameterValue,
// and a body that is not one JSON object is InvalidRequestFormat, as
// Amazon answers malformed JSON (AMAZON-PAY.md section 9).
func decode(body []byte, v any, allowEmpty bool) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		if allowEmpty {
			return nil
		}
		return errf(400, amazonpay.ReasonInvalidRequest, "the request body is missing")
	}
	malformed := errf(400, amazonpay.ReasonInvalidRequestFormat, "the request body is not one valid JSON object")
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			return malformed
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var synErr *json.SyntaxError
	switch {
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errf(400, amazonpay.ReasonUnrecognizedField, "%s", strings.TrimPrefix(err.Error(), "json: "))
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return malformed
		}
		return errf(400, amazonpay.ReasonInvalidParameterValue, "%s has the wrong type", typeErr.Field)
	case errors.As(err, &synErr), errors.Is(err, io.ErrUnexpectedEOF):
		return malformed
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

func notFound(kind, id string) *apiError {
	return errf(404, amazonpay.ReasonResourceNotFound, "%s %s was not found", kind, id)
}
