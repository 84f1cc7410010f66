package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kago/amazonpay/emulator"
	"kago/shop"
)

var (
	scriptTag   = regexp.MustCompile(`<script[^>]*>`)
	inlineEvent = regexp.MustCompile(`<[^>]*\son[a-z]+=`)
	inlineStyle = regexp.MustCompile(`<[^>]*\sstyle=`)
)

// assertNoInline fails when a page carries script or style the CSP forbids:
// a <script> without src, an on* handler, a style attribute.
func assertNoInline(t *testing.T, path, body string) {
	t.Helper()
	for _, tag := range scriptTag.FindAllString(body, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("%s: inline script %s", path, tag)
		}
	}
	if m := inlineEvent.FindString(body); m != "" {
		t.Errorf("%s: inline event handler in %s", path, m)
	}
	if m := inlineStyle.FindString(body); m != "" {
		t.Errorf("%s: style attribute in %s", path, m)
	}
}

// TestSecurityHeadersAndNoInlineScript walks the storefront (both carts,
// Amazon Pay included), the member's pages and the admin: every page carries
// the CSP with no 'unsafe-inline' (Amazon Pay's hosts only in the areas
// where Amazon Pay is met), none has inline script or style, and the
// admin, cart, order, completion and member pages (any page a member is
// logged in to) are never stored by a cache.
func TestSecurityHeadersAndNoInlineScript(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	check := func(path string, private bool) response {
		t.Helper()
		r := k.get(path)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d", path, r.status)
		}
		csp := r.header.Get("Content-Security-Policy")
		if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "object-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		// Amazon Pay's hosts only where Amazon Pay is met (the private
		// areas); the catalog and the legal pages allow the shop alone.
		amazon := path != "/" && path != "/law" && !strings.HasPrefix(path, "/products/")
		if got := strings.Contains(csp, "script-src 'self' https://static-fe.payments-amazon.com"); got != amazon {
			t.Errorf("%s: Amazon Pay's script allowed: %v, want %v (CSP %q)", path, got, amazon, csp)
		}
		if !amazon && (strings.Contains(csp, "amazon") || !strings.Contains(csp, "frame-src 'none'")) {
			t.Errorf("%s: CSP %q allows more than the shop", path, csp)
		}
		if got := r.header.Get("Cache-Control") == "no-store"; got != private {
			t.Errorf("%s: Cache-Control %q", path, r.header.Get("Cache-Control"))
		}
		assertNoInline(t, path, r.body)
		return r
	}
	p := fillCart(t, k, 1)
	check("/", false)
	check("/products/"+strconv.FormatInt(p.ID, 10), false)
	check("/cart", true)
	check("/checkout/order", true)
	k.post("/checkout/order", merge(buyerValues(), paymentValues("bank")))
	conf := check("/checkout/confirm", true)
	if r := k.post("/checkout/place", confirmForm(t, conf.body)); r.location != "/checkout/complete" {
		t.Fatalf("place: %d %s", r.status, r.location)
	}
	check("/checkout/complete", true)

	// Amazon Pay in the three-step cart: the review pages and the result.
	if err := k.shop.SaveSettings(context.Background(), threeStepSettings(t, k)); err != nil {
		t.Fatal(err)
	}
	form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
	check("/checkout/step1", true)
	check("/checkout/step2", true)
	check("/checkout/confirm", true)
	if r := payAtAmazon(t, k, form); r.location != "/checkout/complete" {
		t.Fatalf("Amazon Pay: %d %s", r.status, r.location)
	}
	check("/checkout/complete", true)

	check("/admin/login", true)
	k.loginAdmin()
	for _, path := range []string{"/admin", "/admin/orders", "/admin/orders/1", "/admin/orders/2", "/admin/products", "/admin/products/new",
		"/admin/products/" + strconv.FormatInt(p.ID, 10), "/admin/mails", "/admin/mail-templates", "/admin/mail-templates/thanks",
		"/admin/settings", "/admin/amazonpay", "/admin/jobs", "/admin/password"} {
		check(path, true)
	}
	// A member's pages, and every page while a member is logged in (the
	// header names them); the login and password pages carry the session.
	for _, path := range []string{"/login", "/register", "/password/forgot", "/password/reset/nosuchtoken"} {
		if r := k.get(path); r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, r.header.Get("Cache-Control"))
		}
	}
	k.registerMember("hanako@example.jp", "hanako01")
	for _, path := range []string{"/mypage", "/mypage/orders", "/mypage/profile", "/mypage/points", "/", "/products/" + strconv.FormatInt(p.ID, 10), "/law"} {
		check(path, true)
	}
	k.logoutMember()
	check("/", false)

	// The emulator is Amazon, not the shop: its pages are not ours to police.
	if r := k.get("/admin/amazonpay-emulator/console"); r.status != http.StatusOK || r.header.Get("Content-Security-Policy") != "" {
		t.Errorf("the emulator's console carries the shop's CSP")
	}
}

// threeStepSettings is the current shop settings with the ３ステップカート.
func threeStepSettings(t *testing.T, k *kit) shop.SettingsInput {
	t.Helper()
	st, err := k.shop.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	in := st.Input()
	in.CartType = shop.CartThreeStep
	return in
}

func TestCSPReportIsLogged(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	report := `{"csp-report":{"document-uri":"http://shop/cart","violated-directive":"script-src-elem","blocked-uri":"inline"}}`
	req, _ := http.NewRequest(http.MethodPost, k.srv.URL+"/csp-report", strings.NewReader(report))
	req.Header.Set("Content-Type", "application/csp-report")
	if r := k.do(req); r.status != http.StatusNoContent {
		t.Fatalf("report: %d", r.status)
	}
	req, _ = http.NewRequest(http.MethodPost, k.srv.URL+"/csp-report", strings.NewReader("not json"))
	req.Header.Set("Content-Type", "application/csp-report")
	if r := k.do(req); r.status != http.StatusBadRequest {
		t.Fatalf("garbage report: %d", r.status)
	}
}

// TestControlCharactersCleaned: one place (the form check) takes control
// characters and bidi overrides out of every field; a textarea keeps its
// line breaks and tabs, a one-line field gets spaces instead.
func TestControlCharactersCleaned(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	k.get("/admin/products/new")
	form := productForm("緑茶\x00\x1b[31m\n新茶\u202e")
	form.Set("description", "一行目\r\n二行目\x07\tおわり\u2028です")
	r := k.postMultipart("/admin/products/new", form, "", "", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(r.location, "/admin/products/"), 10, 64)
	p, err := k.db.Product(context.Background(), id)
	if err != nil || p.Name != "緑茶[31m 新茶" || p.Description != "一行目\n二行目\tおわり\nです" {
		t.Fatalf("stored name %q description %q (%v)", p.Name, p.Description, err)
	}
	// The same through a URL-encoded storefront form.
	fillCart(t, k, 1)
	k.get("/checkout/order")
	bad := merge(buyerValues(), paymentValues("cod"))
	bad.Set("buyer_city", "駿東郡\x00清水町")
	bad.Set("notes", "置き配\r\nでお願いします\x0c")
	if r := k.post("/checkout/order", bad); r.location != "/checkout/confirm" {
		t.Fatalf("order form: %d %s", r.status, r.location)
	}
	mustContain(t, k.get("/checkout/confirm").body, "駿東郡清水町", "置き配\nでお願いします")
}

// TestInvalidUTF8Refused: bytes that are not UTF-8 get a 400 page in
// Japanese and change nothing.
func TestInvalidUTF8Refused(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	fillCart(t, k, 1)
	k.get("/checkout/order")
	k.post("/checkout/order", merge(buyerValues(), paymentValues("cod")))
	before := draftOf(t, k)
	bad := merge(buyerValues(), paymentValues("cod"))
	bad.Set("buyer_family_name", "\xff\xfe判図")
	r := k.post("/checkout/order", bad)
	if r.status != http.StatusBadRequest {
		t.Fatalf("invalid UTF-8 in a field: %d", r.status)
	}
	mustContain(t, r.body, "文字として読み取れないデータが含まれています")
	if after := draftOf(t, k); after != before {
		t.Fatal("the refused form changed the draft")
	}
	if r := k.get("/?q=" + url.QueryEscape("\xff")); r.status != http.StatusBadRequest {
		t.Fatalf("invalid UTF-8 in the query: %d", r.status)
	}
}

// draftOf is the stored draft of the kit's checkout, as JSON.
func draftOf(t *testing.T, k *kit) string {
	t.Helper()
	id := checkoutRe.FindStringSubmatch(k.get("/checkout/confirm").body)
	if id == nil {
		t.Fatal("no checkout ID on the confirm page")
	}
	c, err := k.db.Checkout(context.Background(), id[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(c.Data)
}
