package handlers_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"

	"kago/store"
)

// The shopper's cookie session is written as JSON; a cookie written as gob
// by an earlier version (a shopper with a cart and a message waiting) is
// still read: the cart, its count and the message show.
func TestShopperCookieIsJSONAndOldGobCookiesStillRead(t *testing.T) {
	k := newKit(t)
	key := bytes.Repeat([]byte{7}, 64) // the kit's SessionKey
	p := k.product(func(p store.Product) bool { return p.Stock >= 2 })
	if r := k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {"2"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add to cart: %d", r.status)
	}
	u, _ := url.Parse(k.srv.URL)
	var cookie string
	for _, c := range k.client.Jar.Cookies(u) {
		if c.Name == "kago_shop" {
			cookie = c.Value
		}
	}
	asJSON := securecookie.New(key[:32], key[32:64])
	asJSON.SetSerializer(securecookie.JSONEncoder{})
	var values map[string]any
	if err := asJSON.Decode("kago_shop", cookie, &values); err != nil {
		t.Fatalf("the shopper's cookie is not JSON: %v", err)
	}
	token, _ := values["cart"].(string)
	if token == "" {
		t.Fatalf("no cart in the cookie: %v", values)
	}

	old, err := securecookie.New(key[:32], key[32:64]).Encode("kago_shop", map[any]any{
		"cart": token, "last_order": int64(41), "_flash": []any{"以前のメッセージです。"}})
	if err != nil {
		t.Fatal(err)
	}
	browser := newClient()
	browser.Jar.SetCookies(u, []*http.Cookie{{Name: "kago_shop", Value: old, Path: "/"}})
	res, err := browser.Get(k.srv.URL + "/cart")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(body)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, p.Name) || !strings.Contains(page, "以前のメッセージです。") {
		t.Fatalf("a gob cookie from before lost the cart or its message: %d\n%s", res.StatusCode, page)
	}
}
