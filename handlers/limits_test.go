package handlers_test

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kago/handlers"
	"kago/store"
)

// dbBytes is the size of the kit's database files (the main file and the WAL);
// 0 on PostgreSQL (storetest), where the tests check the refusals only.
func (k *kit) dbBytes() int64 {
	var n int64
	for _, name := range []string{"kago.db", "kago.db-wal"} {
		if fi, err := os.Stat(filepath.Join(k.dir, name)); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestOversizedFormsDoNotGrowTheDatabase: issue 9 item 4, ten anonymous
// order forms of about 3.9 MB grew the database by 39 MB. Now each is
// refused with 413 before anything is stored.
func TestOversizedFormsDoNotGrowTheDatabase(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	fillCart(t, k, 1)
	k.get("/checkout/order") // the checkout draft exists from here on
	before := k.dbBytes()
	big := strings.Repeat("A", 390_000) // 10 fields: 3.9 MB, under the 4 MB body limit
	for i := range 10 {
		form := merge(buyerValues(), paymentValues("cod"))
		for _, f := range []string{"notes", "buyer_address1", "buyer_address2", "buyer_city", "buyer_family_name", "buyer_given_name",
			"buyer_family_kana", "buyer_given_kana", "email", "buyer_phone"} {
			form.Set(f, big)
		}
		r := k.post("/checkout/order", form)
		if r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversized post %d: %d", i+1, r.status)
		}
		mustContain(t, r.body, "送信サイズが大きすぎます", "入力された内容が長すぎるか、項目が多すぎます。")
	}
	// Many small values are refused the same way.
	many := merge(buyerValues(), paymentValues("cod"))
	for i := range 200 {
		many.Set("x"+strconv.Itoa(i), "1")
	}
	if r := k.post("/checkout/order", many); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("200 values: %d", r.status)
	}
	if after := k.dbBytes(); after != before {
		t.Fatalf("the database grew from %d to %d bytes", before, after)
	}
	// A long but reasonable 備考 still goes through to the form's own checks.
	form := merge(buyerValues(), paymentValues("cod"))
	form.Set("notes", strings.Repeat("長", 1001))
	r := k.post("/checkout/order", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("1001-character notes: %d", r.status)
	}
	mustContain(t, r.body, "備考は1000文字以内で入力してください。")
}

// TestAdminFormsTakeLongTexts: a mail template body of 10,000 characters
// passes the admin cap (the template's own limit answers beyond it).
func TestAdminFormsTakeLongTexts(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	k.get("/admin/mail-templates/thanks")
	r := k.post("/admin/mail-templates/thanks", url.Values{"subject": {"ご注文ありがとうございます"}, "body": {strings.Repeat("本", 10_001)}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("10,001-character body: %d", r.status)
	}
	mustContain(t, r.body, "本文は10000文字以内で入力してください。")
	if r := k.post("/admin/mail-templates/thanks", url.Values{"subject": {"件名"}, "body": {strings.Repeat("本", 30_000)}}); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("90 KB body: %d", r.status)
	}
}

// postAs adds to the cart with an X-Forwarded-For header naming client.
func (k *kit) postAs(client string, productID int64) response {
	k.t.Helper()
	form := url.Values{"product_id": {strconv.FormatInt(productID, 10)}, "quantity": {"1"}, "_csrf": {k.csrfToken()}}
	req, _ := http.NewRequest(http.MethodPost, k.srv.URL+"/cart/items", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", client)
	return k.do(req)
}

// postUpToTheLimit starts a shop with lim behind a trusted proxy on
// loopback and adds a product to the cart as client lim.Burst times, each
// accepted; it returns the shop and the product.
func postUpToTheLimit(t *testing.T, lim handlers.PostLimit, client string) (*kit, store.Product) {
	t.Helper()
	_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
	k := newKitWith(t, kitOptions{configure: func(c *handlers.Config) {
		c.PostLimit = lim
		c.TrustedProxies = []*net.IPNet{loopback}
	}})
	p := k.product(func(p store.Product) bool { return p.Stock > 20 })
	for i := range lim.Burst {
		if r := k.postAs(client, p.ID); r.status != http.StatusSeeOther {
			t.Fatalf("post %d within the limit: %d", i+1, r.status)
		}
	}
	return k, p
}

// TestPostLimitPerAddress: past the burst, one address gets 429 with a
// Japanese page and Retry-After; reading is not limited, and another
// client behind the same trusted proxy is not held back.
func TestPostLimitPerAddress(t *testing.T) {
	t.Parallel()
	k, p := postUpToTheLimit(t, handlers.PostLimit{Rate: 0.001, Burst: 5}, "203.0.113.1")
	r := k.postAs("203.0.113.1", p.ID)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("post past the burst: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	mustContain(t, r.body, "アクセスが集中しています", "少し時間をおいてから")
	if r := k.get("/cart"); r.status != http.StatusOK {
		t.Fatalf("reading the cart after the limit: %d", r.status)
	}
	if r := k.postAs("203.0.113.2", p.ID); r.status != http.StatusSeeOther {
		t.Fatalf("another client: %d", r.status)
	}
}

// TestPostLimitFreesAfterItsWindow: an address over its limit is told
// when to come back (Retry-After) and may post again once that time has
// passed, even when its posts filled the start of a window (QA of stop
// 23: 30 at once, then a post 30.2 s later, was refused).
func TestPostLimitFreesAfterItsWindow(t *testing.T) {
	t.Parallel()
	k, p := postUpToTheLimit(t, handlers.PostLimit{Rate: 3, Burst: 3}, "203.0.113.7") // 3 in any second
	r := k.postAs("203.0.113.7", p.ID)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "2" {
		t.Fatalf("post past the limit: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	time.Sleep(2 * time.Second) // as told
	if r := k.postAs("203.0.113.7", p.ID); r.status != http.StatusSeeOther {
		t.Fatalf("post after Retry-After: %d", r.status)
	}
}

// TestForgedForwardedForIsIgnored: without a trusted proxy, X-Forwarded-For
// cannot make one client look like many to the limits per address (the
// login limit counts by the same address).
func TestForgedForwardedForIsIgnored(t *testing.T) {
	t.Parallel()
	k := newKitWith(t, kitOptions{configure: func(c *handlers.Config) { c.PostLimit = handlers.PostLimit{Rate: 0.001, Burst: 3} }})
	p := k.product(func(p store.Product) bool { return p.Stock > 20 })
	for i := range 3 {
		if r := k.postAs("198.51.100."+strconv.Itoa(i+1), p.ID); r.status != http.StatusSeeOther {
			t.Fatalf("post %d: %d", i+1, r.status)
		}
	}
	if r := k.postAs("198.51.100.99", p.ID); r.status != http.StatusTooManyRequests {
		t.Fatalf("a fourth post with a new forged address: %d, want 429", r.status)
	}
}

// TestEmulatorPagesCountAgainstThePostLimit: the mounted emulator's hosted
// pages and button are a browser's, limited per address like the shop's
// forms (a replayed button POST would otherwise make sessions without
// end); its API is the shop's own client and is never limited.
func TestEmulatorPagesCountAgainstThePostLimit(t *testing.T) {
	t.Parallel()
	k := newKitWith(t, kitOptions{configure: func(c *handlers.Config) { c.PostLimit = handlers.PostLimit{Rate: 0.001, Burst: 3} }})
	post := func(path string) int {
		req, _ := http.NewRequest(http.MethodPost, k.srv.URL+handlers.EmulatorPath+path, strings.NewReader("payload=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return k.do(req).status
	}
	for range 10 {
		if got := post("/v2/checkoutSessions"); got == http.StatusTooManyRequests {
			t.Fatal("the emulator's API was limited")
		}
	}
	for i := range 3 {
		if got := post("/checkout/button"); got == http.StatusTooManyRequests {
			t.Fatalf("button post %d within the burst: 429", i+1)
		}
	}
	if got := post("/checkout/button"); got != http.StatusTooManyRequests {
		t.Fatalf("button post past the burst: %d, want 429", got)
	}
}
