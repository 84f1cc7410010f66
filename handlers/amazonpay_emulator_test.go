package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kago/shop"
)

var emulatorToken = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// postForm posts a form with the kit's cookies and the extra headers, and
// no kago CSRF token.
func postForm(k *kit, path string, form url.Values, headers ...string) response {
	k.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, k.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return k.do(req)
}

// TestAmazonPayEmulatorConsoleForAdmins (issue 9 item 1): the emulator's
// console refuses an anonymous visitor and a cross-site request; a signed-in
// admin uses it with its form token; the API and the hosted pages still
// serve the shop (the Amazon Pay tests of this package go through them).
func TestAmazonPayEmulatorConsoleForAdmins(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	stop := url.Values{"operation": {""}, "fault": {"503"}, "times": {"0"}}
	noFault := func() {
		t.Helper()
		if f := k.emu.Faults(); len(f) != 0 {
			t.Fatalf("faults %+v", f)
		}
	}
	const console = "/admin/amazonpay-emulator/console"
	for _, path := range []string{console, console + "/api/notifications"} {
		if r := k.get(path); r.status != http.StatusSeeOther || r.location != "/admin/login" {
			t.Fatalf("anonymous GET %s: %d %s", path, r.status, r.location)
		}
	}
	if r := k.get("/amazonpay-emulator/console"); r.status != http.StatusSeeOther || r.location != console {
		t.Fatalf("the emulator's own console address: %d %s", r.status, r.location)
	}
	if r := postForm(k, console+"/faults", stop); r.status != http.StatusSeeOther || r.location != "/admin/login" {
		t.Fatalf("anonymous POST: %d %s", r.status, r.location)
	}
	// The cross-site POST of issue 9, to the emulator's own address.
	if r := postForm(k, "/amazonpay-emulator/console/faults", stop, "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
		t.Fatalf("POST to the emulator's console address: %d", r.status)
	}
	noFault()
	if r := k.get("/amazonpay-emulator/checkout.js"); r.status != http.StatusOK || !strings.Contains(r.body, "renderButton") {
		t.Fatalf("checkout.js: %d", r.status)
	}

	k.loginAdmin()
	page := k.get(console)
	mustContain(t, page.body, "エミュレーターのセラーセントラル", "障害スイッチ", `action="`+console+`/faults"`)
	m := emulatorToken.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("console without a form token")
	}
	// A cross-site POST while the admin is signed in.
	if r := postForm(k, console+"/faults", stop, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"); r.status != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d", r.status)
	}
	// Without the browser's headers and without the form token.
	if r := postForm(k, console+"/faults", stop); r.status != http.StatusForbidden {
		t.Fatalf("POST without the token: %d", r.status)
	}
	// With the token, but at the emulator's own address: still no one's console.
	stop.Set("csrf", m[1])
	if r := postForm(k, "/amazonpay-emulator/console/faults", stop); r.status != http.StatusForbidden {
		t.Fatalf("POST to the emulator's console address: %d", r.status)
	}
	noFault()
	stop.Set("times", "1")
	if r := postForm(k, console+"/faults", stop, "Sec-Fetch-Site", "same-origin"); r.status != http.StatusSeeOther || r.location != console {
		t.Fatalf("the admin's POST: %d %s %s", r.status, r.location, r.body)
	}
	if f := k.emu.Faults(); len(f) != 1 || f[0].Status != 503 {
		t.Fatalf("faults %+v", f)
	}
}

// TestAmazonPayEmulatorOnlyInEmulatorMode: with the Amazon Pay environment
// set to sandbox the emulator is not there (404), decided per request, and
// back in emulator mode it is.
func TestAmazonPayEmulatorOnlyInEmulatorMode(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	set := func(env string) {
		t.Helper()
		in := shop.AmazonPayInput{Environment: env, MerchantID: "A1KAGOSANDBOX", StoreID: "amzn1.application-oa2-client.0123456789abcdef",
			PublicKeyID: "SANDBOX-KAGOTESTKEY", PrivateKeyPEM: testShopKeyPEM(t), SaleMethod: shop.SaleAuthorize, ButtonColor: "Gold",
			ProductType: "PayAndShip", DisplayStyle: "logo"}
		if err := k.shop.SaveAmazonPaySettings(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{"/amazonpay-emulator/checkout.js", "/amazonpay-emulator/v2/checkoutSessions/x", "/amazonpay-emulator/console",
		"/admin/amazonpay-emulator/console", "/amazonpay-emulator/ca.pem"}
	set(shop.EnvSandbox)
	k.loginAdmin()
	for _, p := range paths {
		if r := k.get(p); r.status != http.StatusNotFound {
			t.Fatalf("sandbox mode: GET %s: %d", p, r.status)
		}
	}
	if r := postForm(k, "/amazonpay-emulator/signin", url.Values{"buyerId": {"x"}}); r.status != http.StatusNotFound {
		t.Fatalf("sandbox mode: POST signin: %d", r.status)
	}
	set(shop.EnvEmulator)
	if r := k.get("/amazonpay-emulator/checkout.js"); r.status != http.StatusOK {
		t.Fatalf("emulator mode again: %d", r.status)
	}
	if r := k.get("/admin/amazonpay-emulator/console"); r.status != http.StatusOK {
		t.Fatalf("emulator mode again, console: %d", r.status)
	}
}
