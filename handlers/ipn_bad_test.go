package handlers_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"kago/amazonpay"
	"kago/amazonpay/emulator"
	"kago/shop"
)

// shopState is what a notification could change: counted, so a refused
// notification can be shown to change nothing.
type shopState struct {
	notifications, events, mails, calls int
	order, payment                      string
	ledger                              string
}

func (k *kit) state(t testing.TB, orderID int64) shopState {
	t.Helper()
	ctx := context.Background()
	var s shopState
	var err error
	if s.notifications, _, err = k.shop.AmazonPay.NotificationStats(ctx); err != nil {
		t.Fatal(err)
	}
	events, _ := k.db.Events(ctx, orderID)
	mails, _ := k.db.Mails(ctx, 0, 1000)
	calls, _ := k.db.APICalls(ctx, orderID, 1000)
	o, _ := k.db.Order(ctx, orderID)
	l, _ := k.db.Ledger(ctx, orderID)
	l.Permission.FetchedAt, l.Permission.UpdatedAt = time.Time{}, time.Time{}
	b, _ := json.Marshal(l)
	s.events, s.mails, s.calls, s.order, s.payment, s.ledger = len(events), len(mails), len(calls), o.Status, o.PaymentStatus, string(b)
	return s
}

// badNotifications makes n notifications of each kind that must be
// refused, from a good one: malformed, forged (another key, a certificate
// elsewhere, another merchant), tampered (a signed field changed) and
// replayed (correctly signed, but older than the replay window).
func badNotifications(t testing.TB, k *kit, charge, permission string, n int) map[string][][]byte {
	t.Helper()
	rng := mrand.New(mrand.NewPCG(12, 34))
	good := k.signedNotification(t, amazonpay.ObjectTypeCharge, charge, permission, "good-0000", time.Now())
	var env amazonpay.Notification
	if err := json.Unmarshal(good, &env); err != nil {
		t.Fatal(err)
	}
	encode := func(e amazonpay.Notification) []byte {
		b, _ := json.Marshal(e)
		return b
	}
	signWith := func(e amazonpay.Notification, key *rsa.PrivateKey) []byte {
		if err := amazonpay.SignNotification(&e, key); err != nil {
			t.Fatal(err)
		}
		return encode(e)
	}
	message := func(mutate func(*amazonpay.IPNMessage)) string {
		var m amazonpay.IPNMessage
		_ = json.Unmarshal([]byte(env.Message), &m)
		mutate(&m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]byte{}
	for i := range n {
		id := fmt.Sprintf("bad-%04d", i)
		// Malformed: not an envelope at all, or one missing what it needs.
		malformed := [][]byte{
			nil, []byte("{}"), []byte("[]"), []byte("null"), []byte(`"Notification"`), []byte("Type=Notification"),
			good[:len(good)/2], bytes.Repeat([]byte("x"), shop.MaxNotificationBytes+1),
			encode(amazonpay.Notification{Type: "Notification", MessageID: id}),
			func() []byte { e := env; e.SignatureVersion = "3"; return encode(e) }(),
			func() []byte { e := env; e.Type = "SubscriptionConfirmation"; return encode(e) }(),
			func() []byte {
				e := env
				e.Type = "UnsubscribeConfirmation"
				e.SubscribeURL, e.Token = "https://x/", "t"
				return encode(e)
			}(),
			func() []byte {
				e := env
				e.Timestamp = "yesterday"
				e.MessageID = id
				return signWith(e, testSNSKey(t))
			}(),
			func() []byte {
				e := env
				e.Message, e.MessageID = message(func(m *amazonpay.IPNMessage) { m.ObjectType = "ORDER" }), id
				return signWith(e, testSNSKey(t))
			}(),
			func() []byte {
				e := env
				e.Message, e.MessageID = message(func(m *amazonpay.IPNMessage) { m.ObjectID = "../../etc/passwd" }), id
				return signWith(e, testSNSKey(t))
			}(),
		}
		junk := make([]byte, 1+rng.IntN(300))
		for j := range junk {
			junk[j] = byte(rng.UintN(256))
		}
		malformed = append(malformed, junk)
		out["malformed"] = append(out["malformed"], malformed[i%len(malformed)])

		// Forged: signed by someone else, or pointing at a certificate
		// that is not the emulator's.
		forged := []func(e amazonpay.Notification) []byte{
			func(e amazonpay.Notification) []byte { return signWith(e, stranger) },
			func(e amazonpay.Notification) []byte {
				e.SigningCertURL = "https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-0000.pem"
				return signWith(e, stranger)
			},
			func(e amazonpay.Notification) []byte {
				e.SigningCertURL = strings.TrimSuffix(e.SigningCertURL, ".pem") + "0.pem"
				return signWith(e, stranger)
			},
			func(e amazonpay.Notification) []byte {
				e.SigningCertURL = "http://127.0.0.1:1/amazonpay-emulator/sns/x.pem"
				return signWith(e, stranger)
			},
			func(e amazonpay.Notification) []byte { e.Signature = "not base64!"; return encode(e) },
			func(e amazonpay.Notification) []byte {
				e.Message = message(func(m *amazonpay.IPNMessage) { m.MerchantID = "SOMEONEELSE01" })
				return signWith(e, testSNSKey(t))
			},
		}
		e := env
		e.MessageID = id
		out["forged"] = append(out["forged"], forged[i%len(forged)](e))

		// Tampered: a field changed after signing.
		tampered := []func(e amazonpay.Notification) amazonpay.Notification{
			func(e amazonpay.Notification) amazonpay.Notification {
				e.Message = message(func(m *amazonpay.IPNMessage) { m.ObjectID = permission + "-C000099" })
				return e
			},
			func(e amazonpay.Notification) amazonpay.Notification { e.MessageID = id; return e },
			func(e amazonpay.Notification) amazonpay.Notification {
				e.Timestamp = time.Now().Add(time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")
				return e
			},
			func(e amazonpay.Notification) amazonpay.Notification { e.TopicArn += "x"; return e },
			func(e amazonpay.Notification) amazonpay.Notification { e.Subject = "subject"; return e },
			func(e amazonpay.Notification) amazonpay.Notification { e.SignatureVersion = "2"; return e },
			func(e amazonpay.Notification) amazonpay.Notification {
				sig := []byte(e.Signature)
				sig[rng.IntN(len(sig)-4)] ^= 1
				e.Signature = string(sig)
				return e
			},
		}
		out["tampered"] = append(out["tampered"], encode(tampered[i%len(tampered)](env)))

		// Replayed: correctly signed, from before the replay window.
		old := time.Now().Add(-shop.ReplayWindow - time.Duration(1+rng.IntN(30*24*60))*time.Minute)
		out["replayed"] = append(out["replayed"], k.signedNotification(t, amazonpay.ObjectTypeCharge, charge, permission, id, old))
	}
	return out
}

// TestIPNRefusesBadNotifications: 200 forged, tampered, replayed and
// malformed notifications are each refused with a clean 4xx and change
// nothing (no notification recorded, no history, no mail, the order and
// its ledger as they were); a good one then still goes through.
func TestIPNRefusesBadNotifications(t *testing.T) {
	t.Parallel()
	k := newIPNKit(t)
	id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	k.settleNotifications()
	l := ledger(t, k, id)
	before := k.state(t, id)
	bad := badNotifications(t, k, l.Charges[0].ID, l.Permission.ID, 50)
	total := 0
	for kind, bodies := range bad {
		for i, body := range bodies {
			if status := k.postIPN(t, body); status < 400 || status >= 500 {
				t.Errorf("%s #%d answered %d", kind, i, status)
			}
			total++
		}
	}
	k.shop.Wait()
	if total != 200 {
		t.Fatalf("%d bad notifications, want 200", total)
	}
	if after := k.state(t, id); after != before {
		t.Fatalf("bad notifications changed the shop:\n before %+v\n after  %+v", before, after)
	}
	if status := k.postIPN(t, k.signedNotification(t, amazonpay.ObjectTypeCharge, l.Charges[0].ID, l.Permission.ID, "good-0001", time.Now())); status != http.StatusOK {
		t.Fatalf("a good notification after the bad ones: %d", status)
	}
}

// FuzzIPN posts arbitrary bodies to the IPN endpoint: every one is refused
// with a 4xx (a body that verifies cannot be made without the key) and
// none is recorded.
func FuzzIPN(f *testing.F) {
	k := newKitWith(f, kitOptions{ipn: true})
	good := k.signedNotification(f, amazonpay.ObjectTypeCharge, "S03-0000000-0000000-C000001", "S03-0000000-0000000", "seed", time.Now())
	for _, seed := range [][]byte{nil, []byte("{}"), good[:len(good)-10], bytes.Replace(good, []byte("S03"), []byte("S04"), 1),
		bytes.Replace(good, []byte(`"SignatureVersion":"1"`), []byte(`"SignatureVersion":"2"`), 1)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if status := k.postIPN(t, body); status < 400 || status >= 500 {
			t.Fatalf("answered %d to %q", status, body)
		}
		if n, _, err := k.shop.AmazonPay.NotificationStats(context.Background()); err != nil || n != 0 {
			t.Fatalf("%d notifications recorded (%v)", n, err)
		}
	})
}
