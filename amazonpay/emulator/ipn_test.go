package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"strings"
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
