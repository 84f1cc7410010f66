package handlers

import (
	"bytes"
	"maps"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
)

// newTestCookieCodec is the shopper cookie's codec as New builds it,
// cookies valid for maxAge seconds.
func newTestCookieCodec(maxAge int) (*securecookie.SecureCookie, *decodedCookies) {
	key := bytes.Repeat([]byte{7}, 64)
	sc := securecookie.New(key[:32], key[32:])
	sc.SetSerializer(shopperCookieSerializer{})
	sc.MaxAge(maxAge)
	return sc, newDecodedCookies(sc, maxAge)
}

// A cookie read from the cache gives each request its own values: what one
// request changes in its session, the next does not see.
func TestDecodedCookiesGiveEachRequestItsOwnValues(t *testing.T) {
	sc, d := newTestCookieCodec(3600)
	want := map[any]any{"cart": "token-1", "checkout": int64(42), "member": true}
	cookie, err := sc.Encode(shopperCookie, want)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var got map[any]any
		if err := d.Decode(shopperCookie, cookie, &got); err != nil {
			t.Fatalf("decode %d: %v", i, err)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("decode %d: %v, want %v", i, got, want)
		}
		got["cart"] = "changed by the handler"
		delete(got, "checkout")
	}
	if d.cache.Len() != 1 {
		t.Fatalf("cache holds %d cookies, want 1", d.cache.Len())
	}
	var other map[any]any
	if err := d.Decode("another_cookie", cookie, &other); err == nil {
		t.Fatal("a cookie decoded under another name")
	}
	tampered := []byte(cookie)
	tampered[len(tampered)/2] ^= 1
	if err := d.Decode(shopperCookie, string(tampered), &other); err == nil {
		t.Fatal("a tampered cookie decoded")
	}
}

// A cookie holding flashes is not kept (the next page takes them), and the
// cache keeps at most maxDecodedCookies cookies.
func TestDecodedCookiesKeepNoFlashesAndStayBounded(t *testing.T) {
	sc, d := newTestCookieCodec(3600)
	cookie, err := sc.Encode(shopperCookie, map[any]any{"cart": "t", "_flash": []any{"カゴに入れました。"}})
	if err != nil {
		t.Fatal(err)
	}
	var got map[any]any
	if err := d.Decode(shopperCookie, cookie, &got); err != nil {
		t.Fatal(err)
	}
	if d.cache.Len() != 0 {
		t.Fatalf("a cookie with flashes was kept")
	}
	for i := range maxDecodedCookies + 10 {
		cookie, err := sc.Encode(shopperCookie, map[any]any{"checkout": int64(i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Decode(shopperCookie, cookie, &map[any]any{}); err != nil {
			t.Fatal(err)
		}
	}
	if d.cache.Len() != maxDecodedCookies {
		t.Fatalf("cache holds %d cookies, want %d", d.cache.Len(), maxDecodedCookies)
	}
}

// A kept cookie still expires when securecookie would refuse it.
func TestDecodedCookiesExpire(t *testing.T) {
	sc, d := newTestCookieCodec(1)
	cookie, err := sc.Encode(shopperCookie, map[any]any{"cart": "t"})
	if err != nil {
		t.Fatal(err)
	}
	written, ok := cookieTimestamp(cookie)
	if !ok {
		t.Fatal("no timestamp in the cookie")
	}
	if err := d.Decode(shopperCookie, cookie, &map[any]any{}); err != nil {
		t.Fatal(err)
	}
	// Past its second of life (securecookie refuses it from written+2 on).
	time.Sleep(time.Until(time.Unix(written+2, 0)))
	if err := d.Decode(shopperCookie, cookie, &map[any]any{}); err == nil {
		t.Fatal("an expired cookie decoded from the cache")
	}
}
