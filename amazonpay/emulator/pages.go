package emulator

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kago/amazonpay"
)

func (e *Emulator) servePages(w http.ResponseWriter, r *http.Request, p string) {
	switch {
	case p == "/checkout.js":
		e.serveCheckoutJS(w)
	case p == "/checkout/button" && r.Method == http.MethodPost:
		e.buttonClick(w, r)
	case p == "/signin" && r.Method == http.MethodGet:
		e.signInPage(w, r)
	case p == "/signin" && r.Method == http.MethodPost:
		e.signInPost(w, r)
	case p == "/checkout/select" && r.Method == http.MethodGet:
		e.selectPage(w, r, r.URL.Query().Get("show"), r.URL.Query().Get("next"), r.URL.Query().Get("declined") == "1")
	case p == "/checkout/change" && r.Method == http.MethodGet:
		show := "address"
		if r.URL.Query().Get("changeAction") == "changePayment" {
			show = "payment"
		}
		e.selectPage(w, r, show, "review", false)
	case p == "/checkout/select" && r.Method == http.MethodPost:
		e.selectPost(w, r)
	case p == "/checkout/process" && r.Method == http.MethodGet:
		e.process(w, r)
	case p == "/ca.pem":
		pemBytes, err := e.CACertPEM()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(pemBytes)
	case strings.HasPrefix(p, "/sns/") && strings.HasSuffix(p, ".pem"):
		if err := e.ensurePKI(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if p != "/sns/"+e.pki.snsName {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(e.pki.snsPEM)
	case p == registrationPath:
		e.serveRegistration(w, r)
	case p == "/" || p == "/console" || strings.HasPrefix(p, "/console/"):
		e.serveConsole(w, r, p)
	default:
		http.NotFound(w, r)
	}
}

func (e *Emulator) base() string {
	e.mu.Lock()
	defer e.unlock()
	return e.publicURL
}

func (e *Emulator) serveCheckoutJS(w http.ResponseWriter) {
	b, _ := json.Marshal(e.base())
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(strings.Replace(checkoutJS, "__BASE__", string(b), 1)))
}

func render(w http.ResponseWriter, status int, t *template.Template, data map[string]any) {
	if data["Env"] == nil {
		data["Env"] = "Sandbox"
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		http.Error(w, "template: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (e *Emulator) errorPage(w http.ResponseWriter, status int, msg, code, back string) {
	render(w, status, errorPage, map[string]any{"Title": "エラー", "Message": msg, "Code": code, "Back": back})
}

// withParam adds name=value to the query of an absolute URL.
func withParam(raw, name, value string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// buttonClick receives the form checkout.js posts: verify the payload
// signature, create the checkout session (or a sign-in flow) and send the
// browser to the sign-in page.
func (e *Emulator) buttonClick(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		e.errorPage(w, 400, "フォームを読めませんでした。", amazonpay.ReasonInvalidRequest, "")
		return
	}
	f := r.PostForm
	keyID := f.Get("publicKeyId")
	e.mu.Lock()
	m := e.byKey[keyID]
	e.mu.Unlock()
	if m == nil {
		e.errorPage(w, 400, "公開鍵IDが登録されていません: "+keyID, amazonpay.ReasonUnauthorizedAccess, "")
		return
	}
	if mid := f.Get("merchantId"); mid != "" && mid != m.MerchantID {
		e.errorPage(w, 400, "出品者IDが公開鍵IDと一致しません: "+mid, amazonpay.ReasonInvalidParameterValue, "")
		return
	}
	alg := amazonpay.Algorithm(f.Get("algorithm"))
	if alg == "" {
		alg = amazonpay.AlgorithmV1 // checkout.js assumes the older algorithm unless told
	}
	payload := f.Get("payloadJSON")
	if err := amazonpay.VerifyPayload(m.pub, alg, payload, f.Get("signature")); err != nil {
		e.errorPage(w, 400, "ボタンの署名を検証できませんでした。署名したJSONとボタンに渡したJSONがバイト単位で同じか確認してください。", amazonpay.ReasonInvalidRequestSignature, "")
		return
	}
	env := amazonpay.ReleaseEnvironmentLive
	upper := strings.ToUpper(keyID)
	if strings.HasPrefix(upper, "SANDBOX") || (!strings.HasPrefix(upper, "LIVE") && f.Get("sandbox") == "true") {
		env = amazonpay.ReleaseEnvironmentSandbox
	}
	productType := f.Get("productType")
	if productType == "" {
		productType = amazonpay.ProductTypePayAndShip
	}
	e.mu.Lock()
	defer e.unlock()
	now := e.now()
	switch productType {
	case amazonpay.ProductTypeSignIn:
		var sp amazonpay.SignInPayload
		if a := decode([]byte(payload), &sp, false); a != nil {
			e.errorPageLocked(w, a)
			return
		}
		if sp.StoreID != m.StoreID {
			e.errorPageLocked(w, errf(400, amazonpay.ReasonInvalidParameterValue, "storeId does not belong to the merchant"))
			return
		}
		if a := checkURL("signInReturnUrl", sp.SignInReturnURL); a != nil {
			e.errorPageLocked(w, a)
			return
		}
		s := &session{ID: newUUID(), MerchantID: m.MerchantID, Env: env, StoreID: sp.StoreID, SignIn: true,
			SignInReturnURL: sp.SignInReturnURL, SignInCancelURL: sp.SignInCancelURL, SignInScopes: sp.SignInScopes,
			State: amazonpay.StateOpen, Created: now, Updated: now}
		e.st.Sessions[s.ID] = s
		e.touch(s)
		e.redirectSaved(w, r, e.urlLocked("/signin?signInId="+s.ID))
	case amazonpay.ProductTypePayAndShip, amazonpay.ProductTypePayOnly:
		var req amazonpay.CreateCheckoutSessionRequest
		if a := decode([]byte(payload), &req, false); a != nil {
			e.errorPageLocked(w, a)
			return
		}
		s, a := e.createSession(m, env, req, productType, now)
		if a != nil {
			e.errorPageLocked(w, a)
			return
		}
		e.redirectSaved(w, r, e.urlLocked("/signin?amazonCheckoutSessionId="+s.ID))
	default:
		e.errorPageLocked(w, errf(400, amazonpay.ReasonInvalidParameterValue, "unknown productType %q", productType))
	}
}

// redirectSaved writes what the page's request changed, then redirects:
// the buyer never moves on from a change "Amazon" could still forget.
func (e *Emulator) redirectSaved(w http.ResponseWriter, r *http.Request, to string) {
	if err := e.saveLocked(); err != nil {
		e.log.Error("amazonpay emulator: saving state", "err", err)
		e.errorPageLocked(w, errf(500, amazonpay.ReasonInternalServerError, "お支払いの情報を保存できませんでした。しばらくしてからもう一度お試しください。"))
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (e *Emulator) errorPageLocked(w http.ResponseWriter, a *apiError) {
	render(w, a.Status, errorPage, map[string]any{"Title": "エラー", "Message": a.Msg, "Code": a.Code})
}

// sessionErrorPage is an error on a hosted page of a checkout session: the
// shop's name and the way back to the shop stay on it.
func (e *Emulator) sessionErrorPage(w http.ResponseWriter, a *apiError, s *session) {
	render(w, a.Status, errorPage, map[string]any{"Title": "エラー", "Message": a.Msg, "Code": a.Code,
		"StoreName": s.Metadata.MerchantStoreName, "CancelURL": s.Web.CheckoutCancelURL, "Env": s.Env})
}

// pageSession returns the checkout (or sign-in) session named by the
// request, settled to now; nil when there is none or Amazon deleted it.
func (e *Emulator) pageSession(id string, signIn bool) *session {
	s := e.sessionByID(id)
	now := e.now()
	if s == nil || s.SignIn != signIn || sessionGone(s, now) {
		return nil
	}
	e.settleSession(s, now)
	return s
}

func (e *Emulator) signInPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e.mu.Lock()
	defer e.unlock()
	data := map[string]any{"Title": "ログイン", "Base": e.publicURL, "Buyers": testBuyers}
	if id := q.Get("signInId"); id != "" {
		s := e.pageSession(id, true)
		if s == nil || s.State != amazonpay.StateOpen {
			e.errorPageLocked(w, errf(404, amazonpay.ReasonResourceNotFound, "このログイン手続きは見つからないか、終了しています。"))
			return
		}
		data["SignIn"], data["IDName"], data["ID"], data["CancelURL"], data["Env"] = true, "signInId", id, s.SignInCancelURL, s.Env
	} else {
		id := q.Get("amazonCheckoutSessionId")
		s := e.pageSession(id, false)
		if s == nil || s.State != amazonpay.StateOpen || s.Outcome != "" {
			e.errorPageLocked(w, errf(404, amazonpay.ReasonResourceNotFound, "このお支払い手続きは見つからないか、終了しています。"))
			return
		}
		data["IDName"], data["ID"], data["CancelURL"], data["StoreName"], data["Env"] = "amazonCheckoutSessionId", id, s.Web.CheckoutCancelURL, s.Metadata.MerchantStoreName, s.Env
	}
	render(w, 200, signInPage, data)
}

func (e *Emulator) signInPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		e.errorPage(w, 400, "フォームを読めませんでした。", amazonpay.ReasonInvalidRequest, "")
		return
	}
	b := findBuyer(r.PostForm.Get("buyerId"))
	if b == nil {
		e.errorPage(w, 400, "テスト購入者が見つかりません。", amazonpay.ReasonInvalidParameterValue, "")
		return
	}
	e.mu.Lock()
	defer e.unlock()
	now := e.now()
	if id := r.PostForm.Get("signInId"); id != "" {
		s := e.pageSession(id, true)
		if s == nil || s.State != amazonpay.StateOpen {
			e.errorPageLocked(w, errf(404, amazonpay.ReasonResourceNotFound, "このログイン手続きは見つからないか、終了しています。"))
			return
		}
		tok := randomToken(48)
		bt := &buyerToken{Token: tok, MerchantID: s.MerchantID, BuyerID: b.BuyerID, Scopes: s.SignInScopes, Expires: now.Add(buyerTokenTTL)}
		e.st.BuyerTokens[tok] = bt
		e.touch(bt)
		delete(e.st.Sessions, id)
		e.forget(kindSession, id)
		e.redirectSaved(w, r, withParam(s.SignInReturnURL, "buyerToken", tok))
		return
	}
	id := r.PostForm.Get("amazonCheckoutSessionId")
	s := e.pageSession(id, false)
	if s == nil || s.State != amazonpay.StateOpen || s.Outcome != "" {
		e.errorPageLocked(w, errf(404, amazonpay.ReasonResourceNotFound, "このお支払い手続きは見つからないか、終了しています。"))
		return
	}
	s.BuyerID, s.AddressIdx, s.InstrumentIdx, s.Updated = b.BuyerID, 0, 0, now
	e.touch(s)
	e.redirectSaved(w, r, e.urlLocked("/checkout/select?amazonCheckoutSessionId="+id))
}

type addrOpt struct {
	Index    int
	A        amazonpay.Address
	Selected bool
}

type instOpt struct {
	Index    int
	I        Instrument
	Selected bool
}

func (e *Emulator) selectPage(w http.ResponseWriter, r *http.Request, show, next string, declined bool) {
	id := r.URL.Query().Get("amazonCheckoutSessionId")
	e.mu.Lock()
	defer e.unlock()
	s := e.pageSession(id, false)
	if s == nil || s.State != amazonpay.StateOpen || s.BuyerID == "" || (s.Outcome != "" && next != "process") {
		e.errorPageLocked(w, errf(404, amazonpay.ReasonResourceNotFound, "このお支払い手続きは見つからないか、終了しています。"))
		return
	}
	b := findBuyer(s.BuyerID)
	showAddr := (show == "" || show == "address") && s.ProductType != amazonpay.ProductTypePayOnly
	showPay := show == "" || show == "payment"
	heading := "お届け先とお支払い方法の選択"
	switch {
	case show == "address":
		heading = "お届け先の変更"
	case show == "payment":
		heading = "お支払い方法の変更"
	case !showAddr:
		heading = "お支払い方法の選択"
	}
	var addrs []addrOpt
	for i, a := range b.Addresses {
		addrs = append(addrs, addrOpt{i, a, i == s.AddressIdx})
	}
	var insts []instOpt
	for i, in := range b.Instruments {
		insts = append(insts, instOpt{i, in, i == s.InstrumentIdx})
	}
	if next != "process" {
		next = "review"
	}
	render(w, 200, selectPage, map[string]any{
		"Title": heading, "Heading": heading, "Base": e.publicURL, "ID": id, "Next": next, "Declined": declined,
		"BuyerName": b.Name, "BuyerEmail": b.Email, "ShowAddress": showAddr, "ShowPayment": showPay,
		"Addresses": addrs, "Instruments": insts, "CancelURL": s.Web.CheckoutCancelURL, "StoreName": s.Metadata.MerchantStoreName, "Env": s.Env,
	})
}

func (e *Emulator) selectPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		e.errorPage(w, 400, "フォームを読めませんでした。", amazonpay.ReasonInvalidRequest, "")
		return
	}
	f := r.PostForm
	id := f.Get("amazonCheckoutSessionId")
	e.mu.Lock()
	defer e.unlock()
	s := e.pageSession(id, false)
	next := f.Get("next")
	if s == nil || s.State != amazonpay.StateOpen || s.BuyerID == "" || (s.Outcome != "" && next != "process") {
		e.errorPageLocked(w, errf(404, amazonpay.ReasonResourceNotFound, "このお支払い手続きは見つからないか、終了しています。"))
		return
	}
	b := findBuyer(s.BuyerID)
	if v := f.Get("address"); v != "" {
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= len(b.Addresses) {
			e.sessionErrorPage(w, errf(400, amazonpay.ReasonInvalidParameterValue, "お届け先の選択が正しくありません。"), s)
			return
		}
		s.AddressIdx = i
	}
	if v := f.Get("payment"); v != "" {
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= len(b.Instruments) {
			e.sessionErrorPage(w, errf(400, amazonpay.ReasonInvalidParameterValue, "お支払い方法の選択が正しくありません。"), s)
			return
		}
		s.InstrumentIdx = i
	}
	s.Updated = e.now()
	e.touch(s)
	if next == "process" {
		e.redirectSaved(w, r, e.urlLocked("/checkout/process?amazonCheckoutSessionId="+id))
		return
	}
	e.redirectSaved(w, r, withParam(s.Web.CheckoutReviewReturnURL, "amazonCheckoutSessionId", id))
}

// process is amazonPayRedirectUrl: authorize with the buyer's instrument per
// the payment intent, then return to checkoutResultReturnUrl. A soft
// decline sends the buyer back to choose another instrument; an instrument
// whose authorization stays pending needs canHandlePendingAuthorization,
// and without it the session ends Canceled Declined (TransactionTimedOut).
func (e *Emulator) process(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("amazonCheckoutSessionId")
	e.mu.Lock()
	defer e.unlock()
	s := e.pageSession(id, false)
	if s == nil {
		e.errorPageLocked(w, errf(404, amazonpay.ReasonResourceNotFound, "このお支払い手続きは見つかりません。"))
		return
	}
	result := s.Web.CheckoutResultReturnURL
	if result == "" {
		result = s.Web.CheckoutReviewReturnURL
	}
	back := withParam(result, "amazonCheckoutSessionId", id)
	if s.State != amazonpay.StateOpen || s.Outcome != "" {
		e.redirectSaved(w, r, back)
		return
	}
	if cs := e.sessionConstraints(s); len(cs) > 0 {
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ConstraintID)
		}
		e.sessionErrorPage(w, errf(400, amazonpay.ReasonInvalidCheckoutSessionStatus, "このお支払い手続きはまだ完了できません（%s）。", strings.Join(ids, ", ")), s)
		return
	}
	now := e.now()
	s.Updated = now
	e.touch(s)
	authorizes := s.Payment.PaymentIntent != amazonpay.PaymentIntentConfirm
	switch inst := findBuyer(s.BuyerID).Instruments[s.InstrumentIdx]; {
	case inst.Behavior == SoftDecline:
		e.redirectSaved(w, r, e.urlLocked("/checkout/select?amazonCheckoutSessionId="+id+"&show=payment&next=process&declined=1"))
		return
	case inst.Behavior == HardDecline:
		e.cancelSession(s, "Declined", "The payment was declined (HardDeclined).", now)
	case inst.Behavior == BuyerCancel:
		e.cancelSession(s, "BuyerCanceled", "The buyer canceled the checkout.", now)
	case !authorizes:
		s.Outcome = outcomeApproved // Confirm: no authorization yet
	case inst.Behavior == PendingApprove || inst.Behavior == PendingDecline:
		switch {
		case !s.pendingAllowed():
			e.cancelSession(s, "Declined", timedOutDesc, now)
		case inst.Behavior == PendingApprove:
			s.Outcome = outcomePending
		default:
			s.Outcome = outcomePendingDecline
		}
	default:
		s.Outcome = outcomeApproved
	}
	e.redirectSaved(w, r, back)
}
