package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	stdhtml "html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"kago/amazonpay"
)

// TestHostedPagesEndToEnd drives the hosted pages over HTTP as a browser
// would, following redirects, from the button click to the fake shop's
// review and result pages, with 「変更」 on the way.
func TestHostedPagesEndToEnd(t *testing.T) {
	te := newEnv(t)
	jar, _ := cookiejar.New(nil)
	br := &http.Client{Jar: jar}
	body := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", resp.Request.URL, resp.StatusCode, b)
		}
		return string(b)
	}
	js := body(br.Get(te.em.PublicURL() + "/checkout.js"))
	for _, s := range []string{"renderButton", "bindChangeAction", "signout", `"` + te.em.PublicURL() + `"`, "Gold", "LightGray", "DarkGray"} {
		if !strings.Contains(js, s) {
			t.Fatalf("checkout.js lacks %s", s)
		}
	}
	// The button posts the signed payload (as checkout.js does).
	sig, err := te.client.SignCheckoutButton(amazonpay.CreateCheckoutSessionRequest{
		WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: te.shop.URL + "/review?step=1&x=<a>"},
		StoreID:            testStoreID,
		Scopes:             []string{"name", "email", "phoneNumber"},
		MerchantMetadata:   &amazonpay.MerchantMetadata{MerchantStoreName: "判図商店"},
	})
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"merchantId": {testMerchantID}, "publicKeyId": {sig.PublicKeyID}, "algorithm": {string(sig.Algorithm)},
		"payloadJSON": {sig.PayloadJSON}, "signature": {sig.Signature}, "productType": {"PayAndShip"}, "sandbox": {"true"}}
	resp, err := br.PostForm(te.em.PublicURL()+"/checkout/button", form)
	page := body(resp, err)
	if !strings.Contains(page, "Amazonアカウントでログイン") || !strings.Contains(page, "判図太郎") || !strings.Contains(page, "判図商店") {
		t.Fatalf("sign-in page: %s", page)
	}
	id := resp.Request.URL.Query().Get("amazonCheckoutSessionId")
	if id == "" {
		t.Fatalf("landed on %s", resp.Request.URL)
	}
	resp, err = br.PostForm(te.em.PublicURL()+"/signin", url.Values{"amazonCheckoutSessionId": {id}, "buyerId": {BuyerTaro}})
	page = body(resp, err)
	if !strings.Contains(page, "続行") || !strings.Contains(page, "丸の内1-1-1") || !strings.Contains(page, "JCB ****0005") {
		t.Fatalf("select page: %s", page)
	}
	resp, err = br.PostForm(te.em.PublicURL()+"/checkout/select", url.Values{"amazonCheckoutSessionId": {id}, "address": {"0"}, "payment": {"1"}})
	page = body(resp, err)
	if resp.Request.URL.Path != "/review" || resp.Request.URL.Query().Get("amazonCheckoutSessionId") != id || resp.Request.URL.Query().Get("step") != "1" {
		t.Fatalf("review: %s (%s)", resp.Request.URL, page)
	}
	// 「変更」: changeAddress.
	page = body(br.Get(te.em.PublicURL() + "/checkout/change?amazonCheckoutSessionId=" + id + "&changeAction=changeAddress"))
	if !strings.Contains(page, "お届け先の変更") || strings.Contains(page, "お支払い方法") {
		t.Fatalf("change page: %s", page)
	}
	resp, err = br.PostForm(te.em.PublicURL()+"/checkout/select", url.Values{"amazonCheckoutSessionId": {id}, "address": {"1"}})
	body(resp, err)
	page = body(br.Get(te.em.PublicURL() + "/checkout/change?amazonCheckoutSessionId=" + id + "&changeAction=changePayment"))
	if !strings.Contains(page, "お支払い方法の変更") {
		t.Fatalf("change page: %s", page)
	}
	cs, err := te.client.GetCheckoutSession(te.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if cs.ShippingAddress.PostalCode != "100-0005" || cs.PaymentPreferences[0].PaymentDescriptor != "JCB ****0005" || cs.Buyer.Email != "hanzu.taro@example.jp" {
		t.Fatalf("%+v %+v", cs.ShippingAddress, cs.PaymentPreferences)
	}
	up, err := te.client.UpdateCheckoutSession(te.ctx, id, amazonpay.UpdateCheckoutSessionRequest{
		WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: te.shop.URL + "/result"},
		PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: "Authorize", ChargeAmount: amazonpay.PtrJPY(4321)},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = br.Get(up.WebCheckoutDetails.AmazonPayRedirectURL)
	body(resp, err)
	if resp.Request.URL.Path != "/result" || resp.Request.URL.Query().Get("amazonCheckoutSessionId") != id {
		t.Fatalf("result: %s", resp.Request.URL)
	}
	if _, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(4321)}, ""); err != nil {
		t.Fatal(err)
	}
	// After completion the hosted pages refuse the session.
	resp, err = br.Get(te.em.PublicURL() + "/signin?amazonCheckoutSessionId=" + id)
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("%v %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	// A payload that is not byte for byte the signed one is refused.
	form.Set("payloadJSON", strings.Replace(sig.PayloadJSON, "<a>", `\u003ca\u003e`, 1))
	resp, err = br.PostForm(te.em.PublicURL()+"/checkout/button", form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "InvalidRequestSignature") {
		t.Fatalf("re-encoded payload: %d %s", resp.StatusCode, b)
	}
}

// TestMountedUnderPrefix mounts the emulator under /amazonpay-emulator of
// another server, with and without http.StripPrefix.
func TestMountedUnderPrefix(t *testing.T) {
	for _, strip := range []bool{true, false} {
		t.Run(map[bool]string{true: "StripPrefix", false: "direct"}[strip], func(t *testing.T) {
			mk, sk := keys(t)
			mux := http.NewServeMux()
			srv := httptest.NewServer(mux)
			defer srv.Close()
			shop := srv.URL
			mux.HandleFunc("/review", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "review") })
			mux.HandleFunc("/result", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "result") })
			em, err := New(Options{PublicURL: srv.URL + "/amazonpay-emulator", SNSKey: sk, PendingDelay: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			defer em.Close()
			if strip {
				mux.Handle("/amazonpay-emulator/", http.StripPrefix("/amazonpay-emulator", em))
			} else {
				mux.Handle("/amazonpay-emulator/", em)
			}
			pub, _ := amazonpay.MarshalPublicKeyPEM(&mk.PublicKey)
			if err := em.RegisterMerchant(Merchant{MerchantID: testMerchantID, StoreID: testStoreID, PublicKeyID: testKeyID, PublicKeyPEM: string(pub)}); err != nil {
				t.Fatal(err)
			}
			c, err := amazonpay.New(amazonpay.Config{PublicKeyID: testKeyID, PrivateKey: mk, BaseURL: srv.URL + "/amazonpay-emulator"})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			cs, err := c.CreateCheckoutSession(ctx, amazonpay.CreateCheckoutSessionRequest{WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: shop + "/review"}, StoreID: testStoreID}, "")
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.PostForm(srv.URL+"/amazonpay-emulator/signin", url.Values{"amazonCheckoutSessionId": {cs.CheckoutSessionID}, "buyerId": {BuyerTaro}})
			if err != nil || resp.StatusCode != 200 || resp.Request.URL.Path != "/amazonpay-emulator/checkout/select" {
				t.Fatalf("%v %v", resp.Request.URL, err)
			}
			resp.Body.Close()
			resp, err = http.PostForm(srv.URL+"/amazonpay-emulator/checkout/select", url.Values{"amazonCheckoutSessionId": {cs.CheckoutSessionID}, "address": {"0"}, "payment": {"0"}})
			if err != nil || resp.Request.URL.Path != "/review" {
				t.Fatalf("%v %v", resp.Request.URL, err)
			}
			resp.Body.Close()
			up, err := c.UpdateCheckoutSession(ctx, cs.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{
				WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: shop + "/result"},
				PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: "Authorize", ChargeAmount: amazonpay.PtrJPY(100)},
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(up.WebCheckoutDetails.AmazonPayRedirectURL, srv.URL+"/amazonpay-emulator/checkout/process?") {
				t.Fatalf("redirect URL %s", up.WebCheckoutDetails.AmazonPayRedirectURL)
			}
			resp, err = http.Get(up.WebCheckoutDetails.AmazonPayRedirectURL)
			if err != nil || resp.Request.URL.Path != "/result" {
				t.Fatalf("%v %v", resp.Request.URL, err)
			}
			resp.Body.Close()
			if _, err := c.CompleteCheckoutSession(ctx, cs.CheckoutSessionID, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(100)}, ""); err != nil {
				t.Fatal(err)
			}
			resp, err = http.Get(srv.URL + "/amazonpay-emulator/checkout.js")
			if err != nil {
				t.Fatal(err)
			}
			js, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(js), `"`+srv.URL+`/amazonpay-emulator"`) {
				t.Fatal("checkout.js without the prefix")
			}
			certURL, _ := em.SigningCertURL()
			if !strings.HasPrefix(certURL, srv.URL+"/amazonpay-emulator/sns/") {
				t.Fatalf("cert URL %s", certURL)
			}
			resp, err = http.Get(certURL)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("cert: %v %v", resp, err)
			}
			resp.Body.Close()
		})
	}
}

// TestStateSurvivesWithoutClose: every change is on disk before its answer.
// The first emulator is never closed (as after a kill -9); a second one on
// the same state file knows the merchant, the objects (a pending charge
// settles there), the idempotency records and the moved clock.
func TestStateSurvivesWithoutClose(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.db")
	te := newEnv(t, func(o *Options, _ *amazonpay.Config) { o.StateFile = file })
	cs := te.complete(t, BuyerTaro, 0, "Authorize", 1234, false)
	pending := te.complete(t, BuyerPendingOK, 0, "Authorize", 999, true)
	te.em.Advance(48 * time.Hour)
	id := te.checkout(t, BuyerTaro, 1, "AuthorizeWithCapture", 500, false) // the buyer came back; not completed yet

	_, sk := keys(t)
	em2, err := New(Options{StateFile: file, SNSKey: sk, PublicURL: te.srv.URL, PendingDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer em2.Close()
	srv := httptest.NewServer(em2)
	defer srv.Close()
	mk, _ := keys(t)
	c, _ := amazonpay.New(amazonpay.Config{PublicKeyID: testKeyID, PrivateKey: mk, BaseURL: srv.URL})
	ctx := context.Background()
	ch, err := c.GetCharge(ctx, cs.ChargeID)
	if err != nil || ch.ChargeAmount.Amount != "1234" || ch.StatusDetails.State != "Authorized" {
		t.Fatalf("%+v %v", ch, err)
	}
	if d := em2.Now().Sub(time.Now()); d < 47*time.Hour {
		t.Fatalf("clock offset lost: %s", d)
	}
	// The idempotency record survived: the same completion replays.
	cs2, err := c.CompleteCheckoutSession(ctx, cs.CheckoutSessionID, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(1234)}, "complete-"+cs.CheckoutSessionID[:8])
	if err != nil || cs2.ChargeID != cs.ChargeID {
		t.Fatalf("%+v %v", cs2, err)
	}
	// The session whose buyer came back completes on the second emulator.
	done, err := c.CompleteCheckoutSession(ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(500)}, "")
	if err != nil || done.PaymentPreferences[0].PaymentDescriptor != "JCB ****0005" {
		t.Fatalf("%+v %v", done, err)
	}
	// The pending authorization was carried over and settles there.
	em2.Advance(2 * time.Hour)
	if ch, err := c.GetCharge(ctx, pending.ChargeID); err != nil || ch.StatusDetails.State != "Authorized" {
		t.Fatalf("%+v %v", ch, err)
	}

	broken := filepath.Join(t.TempDir(), "broken.db")
	if err := os.WriteFile(broken, []byte("not a database, not at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	if em, err := New(Options{StateFile: broken}); err == nil {
		em.Close()
		t.Fatal("broken state file accepted")
	}
}

// TestStateBounded: objects that can no longer change by themselves leave
// memory at the sweep and are read back when asked for; what Amazon
// deletes (sessions after 30 days) leaves the disk too.
func TestStateBounded(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.db")
	te := newEnv(t, func(o *Options, _ *amazonpay.Config) { o.StateFile = file })
	var done []*amazonpay.CheckoutSession
	for range 3 {
		done = append(done, te.complete(t, BuyerTaro, 0, "AuthorizeWithCapture", 800, false))
	}
	open := te.complete(t, BuyerTaro, 0, "Authorize", 700, false) // can still expire: stays
	te.em.Sweep()
	te.em.mu.Lock()
	inMemory := len(te.em.st.Permissions) + len(te.em.st.Charges) + len(te.em.st.Sessions)
	_, keeps := te.em.st.Charges[open.ChargeID]
	te.em.mu.Unlock()
	if inMemory != 2 || !keeps {
		t.Fatalf("%d objects in memory after the sweep, want the open permission and charge", inMemory)
	}
	for _, cs := range done {
		if c := te.charge(t, cs.ChargeID); c.StatusDetails.State != "Captured" || c.CaptureAmount.Amount != "800" {
			t.Fatalf("read back: %+v", c)
		}
		if _, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: cs.ChargeID, RefundAmount: amazonpay.JPY(100)}, "r-"+cs.ChargeID[4:11]); err != nil {
			t.Fatal(err)
		}
	}
	sessions := func() int {
		var n int
		if err := te.em.db.QueryRow(`SELECT count(*) FROM objects WHERE kind = 'session'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := sessions(); n != 4 {
		t.Fatalf("%d sessions on disk, want 4", n)
	}
	te.em.Advance(30*24*time.Hour + time.Minute)
	te.em.Sweep()
	if n := sessions(); n != 0 {
		t.Fatalf("%d sessions on disk 30 days later", n)
	}
	if n := len(te.em.Snapshot().Refunds); n != 3 {
		t.Fatalf("%d refunds, want 3", n)
	}
}

// TestConcurrentCheckouts hammers one emulator with full sequences.
func TestConcurrentCheckouts(t *testing.T) {
	te := newEnv(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 4 {
				key := amazonpay.IdempotencyKey("g", itoa(g), "i", itoa(i))
				cs := te.newSession(t, nil)
				te.buyerReturns(t, cs.CheckoutSessionID, BuyerTaro, 0, 0)
				up, err := te.client.UpdateCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{
					WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: te.shop.URL + "/result"},
					PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: "Authorize", ChargeAmount: amazonpay.PtrJPY(1000)},
				})
				if err != nil {
					errs <- err
					return
				}
				resp, err := browser().Get(up.WebCheckoutDetails.AmazonPayRedirectURL)
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				// Two completes race: one wins, the replay with the same key
				// returns the same answer.
				var done [2]*amazonpay.CheckoutSession
				var inner sync.WaitGroup
				for k := range 2 {
					inner.Add(1)
					go func() {
						defer inner.Done()
						d, err := te.client.CompleteCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(1000)}, key)
						if err != nil {
							errs <- err
						}
						done[k] = d
					}()
				}
				inner.Wait()
				if done[0] == nil || done[1] == nil || done[0].ChargeID != done[1].ChargeID {
					errs <- io.ErrUnexpectedEOF
					return
				}
				if _, err := te.client.CaptureCharge(te.ctx, done[0].ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(1000)}, key+"-c"); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(te.em.Snapshot().Charges); n != 24 {
		t.Fatalf("%d charges, want 24", n)
	}
}

func TestConsole(t *testing.T) {
	te := newEnv(t)
	cs := te.complete(t, BuyerTaro, 0, "Authorize", 3000, false)
	con := newConsoleClient(t, te)
	page := con.open()
	for _, s := range []string{"セラーセントラル", cs.ChargeID, cs.ChargePermissionID, "売上請求", "Authorized"} {
		if !strings.Contains(page, s) {
			t.Fatalf("console lacks %s", s)
		}
	}
	con.post("/console/action", url.Values{"action": {"capture"}, "id": {cs.ChargeID}}, 303)
	wantCharge(t, te.charge(t, cs.ChargeID), "Captured", "")
	con.post("/console/action", url.Values{"action": {"refund"}, "id": {cs.ChargeID}}, 303)
	con.post("/console/clock", url.Values{"advance": {"1h"}}, 303)
	snap := te.em.Snapshot()
	if len(snap.Refunds) != 1 || snap.Refunds[0].StatusDetails.State != "Refunded" || snap.Refunds[0].RefundAmount.Amount != "3000" {
		t.Fatalf("%+v", snap.Refunds)
	}
	con.post("/console/action", url.Values{"action": {"chargeback"}, "id": {cs.ChargeID}}, 303)
	con.post("/console/faults", url.Values{"operation": {"GetCharge"}, "fault": {"503"}, "times": {"1"}, "latency": {"0s"}}, 303)
	if f := te.em.Faults(); len(f) != 1 || f[0].Operation != "GetCharge" {
		t.Fatalf("%+v", f)
	}
	con.post("/console/faults/clear", nil, 303)
	con.post("/console/notifications", url.Values{"duplicate": {"on"}}, 303)
	con.post("/console/action", url.Values{"action": {"nonsense"}, "id": {"x"}}, 400)

	cs2 := te.complete(t, BuyerTaro, 0, "Authorize", 3000, false)
	if err := te.em.AmazonCancel(cs2.ChargeID); err != nil {
		t.Fatal(err)
	}
	wantCharge(t, te.charge(t, cs2.ChargeID), "Canceled", "AmazonCanceled")
	if err := te.em.AmazonClose(cs2.ChargePermissionID); err != nil {
		t.Fatal(err)
	}
	wantPerm(t, te.perm(t, cs2.ChargePermissionID), "Closed", "AmazonClosed")
	resp, err := http.Post(te.srv.URL+"/console/api/clock", "application/json", strings.NewReader(`{"advance":"24h"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := te.em.Now().Sub(time.Now()); d < 24*time.Hour {
		t.Fatalf("clock %s", d)
	}
	if page = con.open(); !strings.Contains(page, "CHARGEBACK") {
		t.Fatal("console lacks the notification log")
	}
	te.get(t, te.srv.URL+"/ca.pem", 200)
}

// consoleClient is a browser on the console: cookies, and the form token
// of the last console page.
type consoleClient struct {
	t     *testing.T
	te    *testEnv
	br    *http.Client
	token string
}

func newConsoleClient(t *testing.T, te *testEnv) *consoleClient {
	jar, _ := cookiejar.New(nil)
	return &consoleClient{t: t, te: te, br: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var tokenField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// open GETs the console page and keeps its form token.
func (c *consoleClient) open() string {
	c.t.Helper()
	resp, err := c.br.Get(c.te.srv.URL + "/console")
	page := string(mustRead(c.t, resp, err, 200))
	m := tokenField.FindStringSubmatch(page)
	if m == nil {
		c.t.Fatalf("console page without a form token: %s", page)
	}
	c.token = m[1]
	return page
}

// post sends a console form with the token, and the extra headers.
func (c *consoleClient) post(path string, form url.Values, want int, headers ...string) []byte {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.token)
	}
	req, _ := http.NewRequest(http.MethodPost, c.te.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.br.Do(req)
	return mustRead(c.t, resp, err, want)
}

func mustRead(t testing.TB, resp *http.Response, err error, want int) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", resp.Request.Method, resp.Request.URL, resp.StatusCode, want, b)
	}
	return b
}

// TestConsoleAccess: the console is only for clients the emulator trusts
// (loopback by default), and nothing changes through it from another site:
// the cross-site POST of issue 9 (operation=&fault=503&times=0) is refused,
// with or without the browser's headers, as is JSON that is not
// application/json. The API and the hosted pages stay open to all.
func TestConsoleAccess(t *testing.T) {
	te := newEnv(t)
	stop := url.Values{"operation": {""}, "fault": {"503"}, "times": {"0"}}
	noFault := func() {
		t.Helper()
		if f := te.em.Faults(); len(f) != 0 {
			t.Fatalf("a refused request added faults %+v", f)
		}
	}
	// A client that is not on this host.
	remote := func(method, path, contentType, body string) int {
		req := httptest.NewRequest(method, te.srv.URL+path, strings.NewReader(body))
		req.RemoteAddr = "203.0.113.7:40000"
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		te.em.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, tc := range []struct{ method, path, ct, body string }{
		{"GET", "/console", "", ""},
		{"GET", "/", "", ""},
		{"POST", "/console/faults", "application/x-www-form-urlencoded", stop.Encode()},
		{"POST", "/console/api/faults", "application/json", `{"status":503}`},
		{"GET", "/console/api/notifications", "", ""},
	} {
		if got := remote(tc.method, tc.path, tc.ct, tc.body); got != http.StatusForbidden {
			t.Errorf("remote %s %s: %d, want 403", tc.method, tc.path, got)
		}
	}
	noFault()
	if got := remote("GET", "/checkout.js", "", ""); got != 200 {
		t.Fatalf("remote checkout.js: %d", got)
	}
	cs := te.newSession(t, nil)
	if got := remote("GET", "/signin?amazonCheckoutSessionId="+cs.CheckoutSessionID, "", ""); got != 200 {
		t.Fatalf("remote sign-in page: %d", got)
	}

	// On this host but asked for by another name (DNS rebinding): refused;
	// localhost and loopback addresses, with or without a port, pass.
	for host, want := range map[string]int{"evil.example:18304": 403, "evil.example": 403, "127.0.0.1.evil.example": 403,
		"localhost:18304": 200, "LOCALHOST.": 200, "127.0.0.1:18304": 200, "[::1]:18304": 200} {
		req := httptest.NewRequest("GET", te.srv.URL+"/console", nil)
		req.RemoteAddr = "127.0.0.1:40000"
		req.Host = host
		rec := httptest.NewRecorder()
		te.em.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("console asked for as %s: %d, want %d", host, rec.Code, want)
		}
	}

	// On this host: forms need the token of the console's cookie, and no
	// request from another site passes.
	con := newConsoleClient(t, te)
	con.open()
	stop.Set("csrf", "")
	con.post("/console/faults", stop, 403)
	stop.Set("csrf", "forged-forged-forged-forged-forged-forged")
	con.post("/console/faults", stop, 403)
	stop.Del("csrf")
	con.post("/console/faults", stop, 403, "Sec-Fetch-Site", "cross-site")
	con.post("/console/faults", stop, 403, "Origin", "https://evil.example")
	// A plain client without the console's cookie.
	resp, err := http.PostForm(te.srv.URL+"/console/faults", stop)
	mustRead(t, resp, err, 403)
	noFault()
	for _, h := range [][2]string{{"Content-Type", "text/plain"}, {"Sec-Fetch-Site", "cross-site"}} {
		req, _ := http.NewRequest(http.MethodPost, te.srv.URL+"/console/api/faults", strings.NewReader(`{"status":503}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(h[0], h[1])
		resp, err := http.DefaultClient.Do(req)
		mustRead(t, resp, err, map[string]int{"Content-Type": 415, "Sec-Fetch-Site": 403}[h[0]])
	}
	noFault()
	// The console's own form from its own page works.
	con.post("/console/faults", url.Values{"operation": {"GetCharge"}, "fault": {"503"}, "times": {"1"}}, 303, "Sec-Fetch-Site", "same-origin")
	if f := te.em.Faults(); len(f) != 1 {
		t.Fatalf("faults %+v", f)
	}

	// A host decides who is in.
	te.em.SetConsoleAccess(func(r *http.Request) bool { return r.Header.Get("X-Test-Admin") == "yes" })
	resp, err = http.Get(te.srv.URL + "/console")
	mustRead(t, resp, err, 403)
	req, _ := http.NewRequest(http.MethodGet, te.srv.URL+"/console", nil)
	req.Header.Set("X-Test-Admin", "yes")
	resp, err = http.DefaultClient.Do(req)
	mustRead(t, resp, err, 200)
}

// TestSignIn: the sign-in button, the hosted sign-in, the return with a
// buyer token, and GetBuyer: single use and short-lived.
func TestSignIn(t *testing.T) {
	te := newEnv(t)
	signIn := func(buyerID string, scopes []string) string {
		t.Helper()
		sig, err := te.client.SignSignInButton(amazonpay.SignInPayload{SignInReturnURL: te.shop.URL + "/member/amazon?next=/mypage", StoreID: testStoreID, SignInScopes: scopes})
		if err != nil {
			t.Fatal(err)
		}
		resp := te.post(t, "/checkout/button", url.Values{"publicKeyId": {sig.PublicKeyID}, "algorithm": {string(sig.Algorithm)}, "payloadJSON": {sig.PayloadJSON}, "signature": {sig.Signature}, "productType": {"SignIn"}}, 303)
		_, page := te.get(t, resp.Header.Get("Location"), 200)
		if !strings.Contains(page, "ログイン") || !strings.Contains(page, "name=\"signInId\"") {
			t.Fatalf("sign-in page: %s", page)
		}
		u, _ := url.Parse(resp.Header.Get("Location"))
		resp = te.post(t, "/signin", url.Values{"signInId": {u.Query().Get("signInId")}, "buyerId": {buyerID}}, 303)
		back, _ := url.Parse(resp.Header.Get("Location"))
		if back.Path != "/member/amazon" || back.Query().Get("next") != "/mypage" || back.Query().Get("buyerToken") == "" {
			t.Fatalf("returned to %s", back)
		}
		return back.Query().Get("buyerToken")
	}
	tok := signIn(BuyerTaro, []string{"name", "email"})
	b, err := te.client.GetBuyer(te.ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if b.BuyerID != BuyerTaro || b.Name != "判図太郎" || b.Email != "hanzu.taro@example.jp" || b.PostalCode != "" || b.ShippingAddress != nil {
		t.Fatalf("%+v", b)
	}
	_, err = te.client.GetBuyer(te.ctx, tok)
	wantErr(t, err, 400, "InvalidParameterValue")
	tok = signIn(BuyerUndeliverable, nil)
	te.em.Advance(11 * time.Minute)
	_, err = te.client.GetBuyer(te.ctx, tok)
	wantErr(t, err, 400, "InvalidParameterValue")
	// The buyer ID of sign-in is the buyer ID of checkout.
	cs := te.complete(t, BuyerTaro, 0, "Confirm", 100, false)
	if p := te.perm(t, cs.ChargePermissionID); p.Buyer.BuyerID != BuyerTaro {
		t.Fatalf("%+v", p.Buyer)
	}
}

// TestHostedPagesShowShopAndCancel: the button payload's
// webCheckoutDetails.checkoutCancelUrl and merchantMetadata.merchantStoreName
// are kept on the session, and every hosted page of the session (sign-in,
// address and payment, the page after a soft decline, an error) shows the
// shop's name and a 「キャンセルしてショップに戻る」 link to the cancel URL,
// as Amazon's pages do (issue 8 item 7).
func TestHostedPagesShowShopAndCancel(t *testing.T) {
	te := newEnv(t)
	jar, _ := cookiejar.New(nil)
	br := &http.Client{Jar: jar}
	cancelURL := te.shop.URL + "/cart?from=amazon&step=2"
	link := regexp.MustCompile(`<a href="([^"]*)">キャンセルしてショップに戻る</a>`)
	page := func(resp *http.Response, err error, want int) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s: %d %s", resp.Request.URL, resp.StatusCode, b)
		}
		return string(b)
	}
	shows := func(name, html string) {
		t.Helper()
		m := link.FindStringSubmatch(html)
		if m == nil || stdhtml.UnescapeString(m[1]) != cancelURL {
			t.Fatalf("%s: no link back to %s: %s", name, cancelURL, html)
		}
		if !strings.Contains(html, "判図商店") {
			t.Fatalf("%s: no shop name: %s", name, html)
		}
	}
	sig, err := te.client.SignCheckoutButton(amazonpay.CreateCheckoutSessionRequest{
		WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: te.shop.URL + "/review", CheckoutCancelURL: cancelURL},
		StoreID:            testStoreID,
		MerchantMetadata:   &amazonpay.MerchantMetadata{MerchantStoreName: "判図商店"},
	})
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"publicKeyId": {sig.PublicKeyID}, "algorithm": {string(sig.Algorithm)}, "payloadJSON": {sig.PayloadJSON}, "signature": {sig.Signature}}
	resp, err := br.PostForm(te.em.PublicURL()+"/checkout/button", form)
	shows("sign-in", page(resp, err, 200))
	id := resp.Request.URL.Query().Get("amazonCheckoutSessionId")
	cs, err := te.client.GetCheckoutSession(te.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if cs.WebCheckoutDetails.CheckoutCancelURL != cancelURL || cs.MerchantMetadata.MerchantStoreName != "判図商店" {
		t.Fatalf("session: %+v %+v", cs.WebCheckoutDetails, cs.MerchantMetadata)
	}
	resp, err = br.PostForm(te.em.PublicURL()+"/signin", url.Values{"amazonCheckoutSessionId": {id}, "buyerId": {BuyerSoftDecline}})
	shows("address and payment", page(resp, err, 200))
	resp, err = br.PostForm(te.em.PublicURL()+"/checkout/select", url.Values{"amazonCheckoutSessionId": {id}, "payment": {"7"}})
	shows("error", page(resp, err, 400))
	resp, err = br.PostForm(te.em.PublicURL()+"/checkout/select", url.Values{"amazonCheckoutSessionId": {id}, "payment": {"0"}})
	page(resp, err, 200) // the shop's review page
	up, err := te.client.UpdateCheckoutSession(te.ctx, id, amazonpay.UpdateCheckoutSessionRequest{
		WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: te.shop.URL + "/result"},
		PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: "Authorize", ChargeAmount: amazonpay.PtrJPY(1000)},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = br.Get(up.WebCheckoutDetails.AmazonPayRedirectURL)
	declined := page(resp, err, 200)
	if !strings.Contains(declined, "お支払い方法が承認されませんでした") {
		t.Fatalf("not the soft decline page: %s", declined)
	}
	shows("soft decline", declined)
	// The link takes the buyer back to the shop.
	resp, err = br.Get(stdhtml.UnescapeString(link.FindStringSubmatch(declined)[1]))
	if got := page(resp, err, 200); !strings.HasPrefix(got, "shop /cart?") {
		t.Fatalf("cancel link led to %q", got)
	}

	// Without a cancel URL there is no link, and no name without one.
	plain := te.newSession(t, nil)
	resp, err = br.Get(te.em.PublicURL() + "/signin?amazonCheckoutSessionId=" + plain.CheckoutSessionID)
	html := page(resp, err, 200)
	if link.MatchString(html) || strings.Contains(html, `class="store"`) {
		t.Fatalf("link or name without either: %s", html)
	}
}

// TestRegistration: a shop registers its merchant account with a
// separately running emulator by a request signed with the account's key.
// A stranger cannot register a new account, nobody can replace an account
// without its key, and the owner can change its IPN URL from anywhere.
func TestRegistration(t *testing.T) {
	te := newEnv(t)
	mk, _ := keys(t)
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pem := func(k *rsa.PrivateKey) string {
		b, _ := amazonpay.MarshalPublicKeyPEM(&k.PublicKey)
		return string(b)
	}
	shop := Merchant{MerchantID: "A1NEWSHOP", StoreID: testStoreID, PublicKeyID: "SANDBOX-NEWSHOPKEY", PublicKeyPEM: pem(mk)}
	ctx := context.Background()
	wantRefused := func(err error, status int, code string) {
		t.Helper()
		var e *amazonpay.Error
		if !errors.As(err, &e) || e.HTTPStatus != status || e.ReasonCode != code {
			t.Fatalf("want %d %s, got %v", status, code, err)
		}
	}
	// Signed with a key that is not the one registered: refused.
	wantRefused(Register(ctx, nil, te.srv.URL, shop, other), 403, "InvalidRequestSignature")
	// A client the console does not trust cannot register a new account.
	te.em.SetConsoleAccess(func(*http.Request) bool { return false })
	wantRefused(Register(ctx, nil, te.srv.URL, shop, mk), 403, "UnauthorizedAccess")
	te.em.SetConsoleAccess(nil) // loopback again
	if err := Register(ctx, nil, te.srv.URL, shop, mk); err != nil {
		t.Fatal(err)
	}
	c, _ := amazonpay.New(amazonpay.Config{PublicKeyID: shop.PublicKeyID, PrivateKey: mk, BaseURL: te.srv.URL})
	if _, err := c.CreateCheckoutSession(ctx, amazonpay.CreateCheckoutSessionRequest{WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: "https://a.jp/r"}, StoreID: testStoreID}, "reg-1"); err != nil {
		t.Fatalf("the registered account cannot call the API: %v", err)
	}
	// The owner changes its IPN URL even from where the console is closed.
	te.em.SetConsoleAccess(func(*http.Request) bool { return false })
	shop.IPNURL = te.ipnSrv.URL + "/new-ipn"
	if err := Register(ctx, nil, te.srv.URL, shop, mk); err != nil {
		t.Fatal(err)
	}
	te.em.SetConsoleAccess(nil)
	found := false
	for _, m := range te.em.Merchants() {
		found = found || m.MerchantID == shop.MerchantID && m.IPNURL == shop.IPNURL
	}
	if !found {
		t.Fatalf("IPN URL not changed: %+v", te.em.Merchants())
	}
	// Nobody replaces the account with another key, not even from here.
	stolen := shop
	stolen.PublicKeyID, stolen.PublicKeyPEM = "SANDBOX-STOLENKEY", pem(other)
	wantRefused(Register(ctx, nil, te.srv.URL, stolen, other), 409, "MerchantConflict")
	// Nor takes its key ID for another merchant.
	squat := Merchant{MerchantID: "A1SQUAT", StoreID: testStoreID, PublicKeyID: shop.PublicKeyID, PublicKeyPEM: pem(other)}
	wantRefused(Register(ctx, nil, te.srv.URL, squat, other), 409, "MerchantConflict")
	if _, err := c.GetCheckoutSession(ctx, "00000000-0000-4000-8000-000000000000"); amazonpay.ReasonCode(err) != "ResourceNotFound" {
		t.Fatalf("the account's key stopped working: %v", err)
	}
	// After 「登録を削除」 in the console, the account registers a new key.
	con := newConsoleClient(t, te)
	con.open()
	con.post("/console/action", url.Values{"action": {"remove-merchant"}, "id": {shop.MerchantID}}, 303)
	if err := Register(ctx, nil, te.srv.URL, stolen, other); err != nil {
		t.Fatal(err)
	}
}

// The state database keeps a page cache of cacheKiB, not SQLite's default
// (about 4 MiB in the shop's process; store's TestPageCachesStayWithinBudget
// shows that cache_size bounds the pages). Its connection is the one that
// has just written an order.
func TestStateDatabaseCacheIsSmall(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.db")
	te := newEnv(t, func(o *Options, _ *amazonpay.Config) { o.StateFile = file })
	te.complete(t, BuyerTaro, 0, "Authorize", 1234, false)
	var size int
	if err := te.em.db.QueryRow(`PRAGMA cache_size`).Scan(&size); err != nil || size != -cacheKiB {
		t.Fatalf("cache_size %d (%v), want -%d", size, err, cacheKiB)
	}
}
