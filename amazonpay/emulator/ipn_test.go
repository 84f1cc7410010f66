package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kago/amazonpay"
)

func waitIdle(t *testing.T, te *testEnv) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := te.em.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestNotifications(t *testing.T) {
	for _, version := range []string{"2", "1"} {
		t.Run("SignatureVersion"+version, func(t *testing.T) {
			te := newEnv(t, func(o *Options, _ *amazonpay.Config) { o.SignatureVersion = version })
			te.ipn.mu.Lock()
			te.ipn.fail = 2 // the first two deliveries fail and are retried
			te.ipn.mu.Unlock()
			cs := te.complete(t, BuyerTaro, 0, "Authorize", 2000, false)
			if _, err := te.client.CaptureCharge(te.ctx, cs.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(2000)}, "cap"); err != nil {
				t.Fatal(err)
			}
			waitIdle(t, te)
			v, err := te.em.NotificationVerifier(nil)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, body := range te.ipn.all() {
				n, m, err := v.Verify(te.ctx, body)
				if err != nil {
					t.Fatalf("%v: %s", err, body)
				}
				if n.SignatureVersion != version || m.MerchantID != testMerchantID || m.ChargePermissionID != cs.ChargePermissionID || m.NotificationVersion != "V2" || m.NotificationType != "STATE_CHANGE" {
					t.Fatalf("%+v %+v", n, m)
				}
				if !strings.HasPrefix(n.SigningCertURL, te.em.PublicURL()+"/sns/SimpleNotificationService-") {
					t.Fatalf("cert URL %s", n.SigningCertURL)
				}
				seen[m.ObjectType+" "+m.ObjectID]++
			}
			// permission created (Chargeable) and closed; charge Authorized and Captured
			if seen["CHARGE "+cs.ChargeID] != 2 || seen["CHARGE_PERMISSION "+cs.ChargePermissionID] != 2 {
				t.Fatalf("notifications %v", seen)
			}
			retried := 0
			for _, d := range te.em.Deliveries() {
				if !d.Delivered {
					t.Fatalf("undelivered %+v", d)
				}
				if d.Attempts > 1 {
					retried++
				}
			}
			if retried == 0 {
				t.Fatal("no delivery was retried")
			}
			// Tampered and forged envelopes fail.
			body := te.ipn.all()[0]
			var n amazonpay.Notification
			_ = json.Unmarshal(body, &n)
			tampered := n
			tampered.Message = strings.Replace(n.Message, cs.ChargePermissionID, "S03-9999999-9999999", 1)
			b, _ := json.Marshal(tampered)
			if _, _, err := v.Verify(te.ctx, b); !errors.Is(err, amazonpay.ErrBadNotification) {
				t.Fatalf("tampered message verified: %v", err)
			}
			forged := n
			key, _ := rsa.GenerateKey(rand.Reader, 1024)
			if err := amazonpay.SignNotification(&forged, key); err != nil {
				t.Fatal(err)
			}
			b, _ = json.Marshal(forged)
			if _, _, err := v.Verify(te.ctx, b); !errors.Is(err, amazonpay.ErrBadNotification) {
				t.Fatalf("forged signature verified: %v", err)
			}
			elsewhere := n
			elsewhere.SigningCertURL = te.shop.URL + "/cert.pem"
			b, _ = json.Marshal(elsewhere)
			if _, _, err := v.Verify(te.ctx, b); !errors.Is(err, amazonpay.ErrBadNotification) {
				t.Fatalf("foreign cert URL accepted: %v", err)
			}
			// Amazon's own rule refuses the emulator's certificate URL.
			var strict amazonpay.NotificationVerifier
			if _, _, err := strict.Verify(te.ctx, body); !errors.Is(err, amazonpay.ErrBadNotification) {
				t.Fatalf("emulator cert URL accepted by the Amazon rule: %v", err)
			}
		})
	}
}

func TestDuplicateNotificationsAndChargeback(t *testing.T) {
	te := newEnv(t)
	cs := te.complete(t, BuyerTaro, 0, "AuthorizeWithCapture", 2000, false)
	waitIdle(t, te)
	first := len(te.ipn.all())
	te.em.SetDuplicateNotifications(true)
	if err := te.em.Chargeback(cs.ChargeID); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, te)
	bodies := te.ipn.all()[first:]
	if len(bodies) != 2 {
		t.Fatalf("%d deliveries, want a duplicate pair", len(bodies))
	}
	var a, b amazonpay.Notification
	_ = json.Unmarshal(bodies[0], &a)
	_ = json.Unmarshal(bodies[1], &b)
	m, _ := a.IPN()
	if a.MessageID != b.MessageID || m.ObjectType != "CHARGEBACK" || m.ObjectID != cs.ChargeID {
		t.Fatalf("%+v %+v", a, m)
	}
	if err := te.em.Chargeback("S03-0000000-0000000-C000001"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}

// receiver is a merchant's IPN endpoint that verifies every notification
// with the client's verification before it answers 200 (403 otherwise).
type receiver struct {
	t   *testing.T
	v   *amazonpay.NotificationVerifier
	mu  sync.Mutex
	got []string // "OBJECT_TYPE objectId", in order of arrival
	bad int
	ver map[string]int // SignatureVersion seen
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	n, m, err := rc.v.Verify(r.Context(), body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil {
		rc.bad++
		w.WriteHeader(http.StatusForbidden)
		return
	}
	rc.got = append(rc.got, m.ObjectType+" "+m.ObjectID)
	rc.ver[n.SignatureVersion]++
}

// since returns what arrived after the first n.
func (rc *receiver) since(n int) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.got[n:]...)
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// TestNotificationsForEveryChange: every state change sends the merchant a
// signed notification (SignatureVersion 1 by default, as the sandbox):
// those the API makes, those made on Amazon's side in the console (capture,
// refund, cancel, close), a pending outcome settled by the clock, and the
// expiries of an authorization and of a charge permission. The receiver
// verifies each with the client's verification.
func TestNotificationsForEveryChange(t *testing.T) {
	te := newEnv(t)
	v, err := te.em.NotificationVerifier(nil)
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{t: t, v: v, ver: map[string]int{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	if err := te.em.SetIPNURL(testMerchantID, srv.URL+"/amazonpay/ipn"); err != nil {
		t.Fatal(err)
	}
	con := newConsoleClient(t, te)
	con.open()
	action := func(name, id string) {
		t.Helper()
		con.post("/console/action", url.Values{"action": {name}, "id": {id}}, 303)
	}
	day := 24 * time.Hour
	for _, tc := range []struct {
		name string
		do   func() []string // the change; returns the notifications it must send
	}{
		{"API: capture", func() []string {
			cs := te.complete(t, BuyerTaro, 0, "Authorize", 1000, false)
			waitIdle(t, te)
			if _, err := te.client.CaptureCharge(te.ctx, cs.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(1000)}, "n-cap"); err != nil {
				t.Fatal(err)
			}
			return []string{"CHARGE " + cs.ChargeID, "CHARGE_PERMISSION " + cs.ChargePermissionID}
		}},
		{"console: capture", func() []string {
			cs := te.complete(t, BuyerTaro, 0, "Authorize", 1000, false)
			waitIdle(t, te)
			action("capture", cs.ChargeID)
			return []string{"CHARGE " + cs.ChargeID, "CHARGE_PERMISSION " + cs.ChargePermissionID}
		}},
		{"console: refund, then refunded by the clock", func() []string {
			cs := te.complete(t, BuyerTaro, 0, "AuthorizeWithCapture", 1000, false)
			waitIdle(t, te)
			action("refund", cs.ChargeID)
			te.em.Advance(time.Hour)
			r := cs.ChargePermissionID + "-R000001"
			return []string{"REFUND " + r, "REFUND " + r}
		}},
		{"console: cancel", func() []string {
			cs := te.complete(t, BuyerTaro, 0, "Authorize", 1000, false)
			waitIdle(t, te)
			action("cancel", cs.ChargeID)
			return []string{"CHARGE " + cs.ChargeID}
		}},
		{"console: close", func() []string {
			cs := te.complete(t, BuyerTaro, 0, "Confirm", 1000, false)
			waitIdle(t, te)
			action("close", cs.ChargePermissionID)
			return []string{"CHARGE_PERMISSION " + cs.ChargePermissionID}
		}},
		{"clock: pending authorization settles", func() []string {
			cs := te.complete(t, BuyerPendingNG, 0, "Authorize", 1000, true)
			waitIdle(t, te)
			te.em.Advance(2 * time.Hour)
			return []string{"CHARGE " + cs.ChargeID, "CHARGE_PERMISSION " + cs.ChargePermissionID}
		}},
		{"clock: authorization expires after 30 days", func() []string {
			cs := te.complete(t, BuyerTaro, 0, "Authorize", 1000, false)
			waitIdle(t, te)
			te.em.Advance(30*day + time.Minute)
			return []string{"CHARGE " + cs.ChargeID}
		}},
		{"clock: permission expires after 180 days", func() []string {
			cs := te.complete(t, BuyerTaro, 0, "Confirm", 1000, false)
			waitIdle(t, te)
			te.em.Advance(180*day + time.Minute)
			return []string{"CHARGE_PERMISSION " + cs.ChargePermissionID}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := rc.count()
			want := tc.do()
			waitIdle(t, te)
			got := rc.since(before)
			for _, w := range want {
				i := slices.Index(got, w)
				if i < 0 {
					t.Fatalf("no notification %s among %v", w, got)
				}
				got = slices.Delete(got, i, i+1)
			}
		})
	}
	if rc.bad != 0 || rc.ver["2"] != 0 || rc.ver["1"] == 0 {
		t.Fatalf("%d refused by the verification; signature versions %v", rc.bad, rc.ver)
	}
	// Every delivery is listed, delivered at the first attempt.
	for _, d := range te.em.Deliveries() {
		if d.URL == srv.URL+"/amazonpay/ipn" && (!d.Delivered || d.Attempts != 1 || d.Status != 200) {
			t.Fatalf("delivery %+v", d)
		}
	}
	if page := con.open(); !strings.Contains(page, "配信済（1回）") || !strings.Contains(page, "REFUND") {
		t.Fatal("the console does not list the deliveries")
	}
}

// TestNotificationOutboxSurvivesRestart: a notification is saved with the
// change that caused it; one the emulator could not deliver before it
// stopped (its receiver hung) is delivered by the next run on the same
// state file.
func TestNotificationOutboxSurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.db")
	hung := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})}
	te := newEnv(t, func(o *Options, _ *amazonpay.Config) { o.StateFile = file; o.IPNClient = hung })
	cs := te.complete(t, BuyerTaro, 0, "AuthorizeWithCapture", 1000, false)
	if n := len(te.ipn.all()); n != 0 {
		t.Fatalf("%d delivered through a hung client", n)
	}
	_, sk := keys(t)
	em2, err := New(Options{StateFile: file, SNSKey: sk, PublicURL: "http://127.0.0.1:1/emulator", IPNRetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer em2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := em2.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, b := range te.ipn.all() {
		var n amazonpay.Notification
		_ = json.Unmarshal(b, &n)
		m, err := n.IPN()
		if err != nil {
			t.Fatal(err)
		}
		seen[m.ObjectType+" "+m.ObjectID] = true
	}
	if !seen["CHARGE "+cs.ChargeID] || !seen["CHARGE_PERMISSION "+cs.ChargePermissionID] {
		t.Fatalf("the next run delivered %v", seen)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
