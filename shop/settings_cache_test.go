package shop_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"kago/amazonpay"
	"kago/shop"
	"kago/store"
)

// The Amazon Pay button is signed once per checkout and settings version:
// views of the same checkout reuse the signature, another checkout gets its
// own, and any save of the settings (the shop's form, or a key written by
// any writer through the store) makes the next view sign the new payload
// with the key then stored.
func TestAmazonPayButtonSignedOncePerCheckoutAndSettings(t *testing.T) {
	s, db := newShop(t)
	ctx := context.Background()
	s.SetAmazonPayEnv(shop.AmazonPayEnv{ShopURL: "https://shop.example.jp", EmulatorURL: "http://127.0.0.1:9/amazonpay-emulator"})
	_, _, _, pubPEM, err := s.EmulatorMerchant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	offer := func(checkout, pubPEM string) *shop.AmazonPayButton {
		t.Helper()
		o, err := s.AmazonPayOffer(ctx, checkout, 3000, shop.CartZeroStep, "Cart")
		if err != nil || o.Button == nil {
			t.Fatalf("offer: %+v %v", o, err)
		}
		pub, err := amazonpay.ParsePublicKey([]byte(pubPEM))
		if err != nil {
			t.Fatal(err)
		}
		if err := amazonpay.VerifyPayload(pub, amazonpay.Algorithm(o.Button.Algorithm), o.Button.PayloadJSON, o.Button.Signature); err != nil {
			t.Fatalf("the button of %s does not verify: %v", checkout, err)
		}
		if !strings.Contains(o.Button.PayloadJSON, "?k="+checkout) {
			t.Fatalf("payload of another checkout: %s", o.Button.PayloadJSON)
		}
		return o.Button
	}
	first := offer("checkout-1", pubPEM)
	if again := offer("checkout-1", pubPEM); again.Signature != first.Signature {
		t.Fatal("the same checkout was signed again")
	}
	if other := offer("checkout-2", pubPEM); other.Signature == first.Signature {
		t.Fatal("another checkout got the first one's signature")
	}

	st, err := s.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in := st.Input()
	in.ShopName = "茶の店 はなれ"
	if err := s.SaveSettings(ctx, in); err != nil {
		t.Fatal(err)
	}
	renamed := offer("checkout-1", pubPEM)
	if renamed.Signature == first.Signature || !strings.Contains(renamed.PayloadJSON, "茶の店 はなれ") {
		t.Fatalf("after the save: %s", renamed.PayloadJSON)
	}

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	if err := db.WithTx(ctx, func(tx *store.Tx) error {
		return tx.PutSettings(map[string]string{"amazonpay.emulator_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))})
	}); err != nil {
		t.Fatal(err)
	}
	newPub, _ := amazonpay.MarshalPublicKeyPEM(&key.PublicKey)
	offer("checkout-1", string(newPub))
	a, err := s.AmazonPaySettings(ctx)
	if err != nil || !a.Configured() || a.KeyFingerprint() == "" {
		t.Fatalf("settings with the new key: configured %v, fingerprint %q, %v", a.Configured(), a.KeyFingerprint(), err)
	}
}
