package emulator

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"kago/amazonpay"
)

// A shop registers its merchant account with a separately running emulator
// (kago -amazonpay-emulator-url) by POSTing the Merchant as JSON to
// /merchants, signed like an API request with the account's own private
// key, so that:
//
//   - a new account (unknown merchant ID and key ID) is accepted only from
//     a client the console lets in (a loopback address by default): a
//     stranger cannot register one;
//   - an existing account changes (store ID, IPN URL) only by a request
//     signed with the key registered for it: nobody else can replace it. A
//     new key needs the console's 「登録を削除」 first;
//   - a key ID registered to another merchant is refused.

const registrationPath = "/merchants"

func (e *Emulator) serveRegistration(w http.ResponseWriter, r *http.Request) {
	status, v, aerr := e.register(r)
	if aerr != nil {
		status, v = aerr.Status, json.RawMessage(aerr.body())
	}
	writeJSON(w, status, v)
}

func (e *Emulator) register(r *http.Request) (int, any, *apiError) {
	if r.Method != http.MethodPost {
		return 0, nil, errf(405, amazonpay.ReasonUnsupportedOperation, "register with POST")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil || len(body) > maxRequestBody {
		return 0, nil, errf(400, amazonpay.ReasonInvalidRequest, "could not read the request body")
	}
	var m Merchant
	if a := decode(body, &m, false); a != nil {
		return 0, nil, a
	}
	me, err := newMerchantEntry(m)
	if err != nil {
		return 0, nil, errf(400, amazonpay.ReasonInvalidParameterValue, "%v", err)
	}
	if _, a := e.verifySignature(r, registrationPath, body, func(keyID string) *rsa.PublicKey {
		if keyID != m.PublicKeyID {
			return nil
		}
		return me.pub
	}); a != nil {
		return 0, nil, a
	}
	allowed := e.consoleAllowed(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	if other := e.byKey[m.PublicKeyID]; other != nil && other.MerchantID != m.MerchantID {
		return 0, nil, errf(409, "MerchantConflict", "public key ID %s belongs to another merchant", m.PublicKeyID)
	}
	status := http.StatusOK
	switch old := e.byID[m.MerchantID]; {
	case old == nil:
		if !allowed {
			return 0, nil, errf(403, amazonpay.ReasonUnauthorizedAccess, "a new merchant is registered only from a client the emulator's console trusts")
		}
		status = http.StatusCreated
	case !old.pub.Equal(me.pub):
		return 0, nil, errf(409, "MerchantConflict", "merchant %s is registered with another key; remove its registration in the console first", m.MerchantID)
	}
	if err := e.putMerchantLocked(me); err != nil {
		e.log.Error("amazonpay emulator: registering a merchant", "err", err)
		return 0, nil, errf(500, amazonpay.ReasonInternalServerError, "the registration could not be saved")
	}
	e.log.Info("amazonpay emulator: merchant registered", "merchant", m.MerchantID, "key", m.PublicKeyID, "ipn", m.IPNURL)
	return status, map[string]string{"merchantId": m.MerchantID, "publicKeyId": m.PublicKeyID, "ipnUrl": m.IPNURL}, nil
}

// Register registers a merchant account (or updates its store ID and IPN
// URL) with the emulator at baseURL, signing the request with the
// account's private key (see above). hc nil: a client with a 10 s timeout.
// It returns the emulator's refusal as an *amazonpay.Error.
func Register(ctx context.Context, hc *http.Client, baseURL string, m Merchant, key *rsa.PrivateKey) error {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil || u.Host == "" {
		return fmt.Errorf("emulator: bad URL %q", baseURL)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	headers := map[string]string{
		"accept": "application/json", "content-type": "application/json", "x-amz-pay-region": "jp",
		"x-amz-pay-date": time.Now().UTC().Format(amazonpay.TimeFormat), "x-amz-pay-host": u.Host,
	}
	auth, err := amazonpay.Signer{PublicKeyID: m.PublicKeyID, Key: key}.SignRequest(http.MethodPost, registrationPath, nil, headers, body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String()+registrationPath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Authorization", auth)
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("emulator: registering %s: %w", m.MerchantID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated {
		return nil
	}
	var e struct{ ReasonCode, Message string }
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(b, &e)
	return &amazonpay.Error{Operation: "RegisterMerchant", HTTPStatus: resp.StatusCode, ReasonCode: e.ReasonCode, Message: e.Message}
}
