package shop

import (
	"strconv"
	"testing"

	"kago/amazonpay"
)

// The button cache keeps at most maxCachedButtons signatures: past it the
// oldest checkout's goes, the newest stay, and a kept one is not signed
// again.
func TestButtonCacheKeepsItsBound(t *testing.T) {
	var b buttonCache
	signs := 0
	sign := func(key string) func() (amazonpay.ButtonSignature, error) {
		return func() (amazonpay.ButtonSignature, error) {
			signs++
			return amazonpay.ButtonSignature{Signature: key}, nil
		}
	}
	const n = maxCachedButtons + 100
	for i := range n {
		key := "checkout-" + strconv.Itoa(i)
		if sig, err := b.get(key, sign(key)); err != nil || sig.Signature != key {
			t.Fatalf("%s: %+v %v", key, sig, err)
		}
	}
	if len(b.signed) != maxCachedButtons || len(b.order) != maxCachedButtons {
		t.Fatalf("%d signatures and %d keys kept, want %d", len(b.signed), len(b.order), maxCachedButtons)
	}
	if _, ok := b.signed["checkout-0"]; ok {
		t.Fatal("the oldest checkout's signature is still kept")
	}
	newest := "checkout-" + strconv.Itoa(n-1)
	if _, err := b.get(newest, sign(newest)); err != nil || signs != n {
		t.Fatalf("the newest checkout was signed again: %d signatures for %d checkouts (%v)", signs, n, err)
	}
}
