package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kago/handlers"
	"kago/store"
)

func TestProductListAndPage(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	r := k.get("/")
	if r.status != 200 {
		t.Fatalf("list: %d", r.status)
	}
	mustContain(t, r.body, "商品一覧", "静岡県産 深蒸し煎茶 100g", "1,296円", "在庫切れ")
	p := k.product(func(p store.Product) bool { return p.Stock > 10 })
	r = k.get("/products/" + strconv.FormatInt(p.ID, 10))
	mustContain(t, r.body, p.Name, "カゴに入れる", `<label for="quantity">数量</label>`)
	for _, path := range []string{"/products/999999", "/products/abc", "/products/-1", "/nope"} {
		if r := k.get(path); r.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, r.status)
		} else {
			mustContain(t, r.body, "ページが見つかりません")
		}
	}
}

func TestStaticFilesAreCachedAndVersioned(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	r := k.get("/")
	if r.header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
		t.Errorf("security headers missing: %v", r.header)
	}
	// The emulator's pages (Amazon's) have no policy of the shop's, so
	// they refuse framing by another site the old way.
	if r := k.get(handlers.EmulatorPath + "/checkout.js"); r.status != http.StatusOK || r.header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("emulator script: %d, X-Frame-Options %q", r.status, r.header.Get("X-Frame-Options"))
	}
	// A page's header map stays within Go's small map of 8 entries (issue
	// 15); net/http adds Date as it writes.
	for _, path := range []string{"/", "/cart"} {
		if h := k.get(path).header; len(h)-1 > 8 {
			t.Errorf("%s: %d headers besides Date: %v", path, len(h)-1, h)
		}
	}
	css := k.get("/static/kago.css")
	if css.status != 200 || css.header.Get("Cache-Control") == "" {
		t.Fatalf("css: %d %v", css.status, css.header)
	}
	if r := k.get("/static/nothing.css"); r.status != 404 {
		t.Fatalf("missing static file: %d", r.status)
	}
	if r := k.get("/static/"); r.status != 404 {
		t.Fatalf("static directory listing: %d", r.status)
	}
}

func TestAddToCartAndSeeIt(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	p := k.product(func(p store.Product) bool { return p.Stock > 10 })
	id := strconv.FormatInt(p.ID, 10)
	k.get("/products/" + id)
	r := k.post("/cart/items", url.Values{"product_id": {id}, "quantity": {"2"}})
	if r.status != http.StatusSeeOther || r.location != "/cart" {
		t.Fatalf("add: %d %s %s", r.status, r.location, r.body)
	}
	r = k.get("/cart")
	mustContain(t, r.body, p.Name, "カゴに商品を入れました。", `value="2"`, `class="badge"`)
	// Change the quantity, then delete the line.
	if r := k.post("/cart/items/"+id, url.Values{"quantity": {"3"}}); r.status != http.StatusSeeOther {
		t.Fatalf("update: %d", r.status)
	}
	mustContain(t, k.get("/cart").body, `value="3"`, "数量を変更しました。")
	if r := k.post("/cart/items/"+id+"/delete", nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	mustContain(t, k.get("/cart").body, "カゴに商品が入っていません。")
}

func TestCartSurvivesRestart(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	p := k.product(func(p store.Product) bool { return p.Stock > 10 })
	if r := k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {"2"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add: %d", r.status)
	}
	k.restart()
	mustContain(t, k.get("/cart").body, p.Name, `value="2"`)
}

func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	p := k.product(func(p store.Product) bool { return p.Stock > 10 })
	k.get("/")
	req, _ := http.NewRequest(http.MethodPost, k.srv.URL+"/cart/items", strings.NewReader(url.Values{
		"_csrf": {k.csrfToken()}, "product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {"1"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := k.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var found bool
	for _, c := range res.Cookies() {
		if c.Name == "kago_shop" {
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
				t.Fatalf("shopper cookie flags: %+v", c)
			}
		}
	}
	if !found {
		t.Fatal("no shopper cookie set")
	}
}

func TestBadQuantities(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	p := k.product(func(p store.Product) bool { return p.Stock > 0 && p.Stock <= 5 })
	id := strconv.FormatInt(p.ID, 10)
	k.get("/products/" + id)
	for _, q := range []string{"0", "-1", "abc", "", "1000", "99999999999999999999999", strconv.FormatInt(p.Stock+1, 10)} {
		r := k.post("/cart/items", url.Values{"product_id": {id}, "quantity": {q}})
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("quantity %q: %d, want 422", q, r.status)
			continue
		}
		mustContain(t, r.body, p.Name, `class="field-error"`, `required aria-invalid="true" aria-describedby="err-quantity"`)
		if q != "" {
			mustContain(t, r.body, `value="`+q+`"`) // the typed value is kept
		}
	}
	if lines, _ := k.db.CartLines(context.Background(), "x"); len(lines) != 0 {
		t.Fatal("rejected input wrote a cart line")
	}
	mustContain(t, k.get("/cart").body, "カゴに商品が入っていません。")
	// Cart line update with bad input keeps the typed value on the line.
	k.post("/cart/items", url.Values{"product_id": {id}, "quantity": {"1"}})
	r := k.post("/cart/items/"+id, url.Values{"quantity": {"0"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("update to 0: %d", r.status)
	}
	mustContain(t, r.body, "数量は1から999までの半角数字で入力してください。", `value="0"`)
	r = k.post("/cart/items/"+id, url.Values{"quantity": {strconv.FormatInt(p.Stock+5, 10)}})
	mustContain(t, r.body, "在庫が不足しています")
}

func TestUnknownOrSoldOutProduct(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	soldOut := k.product(func(p store.Product) bool { return p.Stock == 0 })
	k.get("/")
	r := k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(soldOut.ID, 10)}, "quantity": {"1"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("sold out: %d", r.status)
	}
	mustContain(t, r.body, "在庫切れ")
	for _, id := range []string{"999999", "abc", "-3", ""} {
		r := k.post("/cart/items", url.Values{"product_id": {id}, "quantity": {"1"}})
		if r.status != http.StatusNotFound && r.status != http.StatusBadRequest {
			t.Errorf("product_id %q: %d, want 404 or 400", id, r.status)
		}
	}
	if r := k.post("/cart/items/abc", url.Values{"quantity": {"1"}}); r.status != http.StatusNotFound {
		t.Errorf("update unknown line: %d", r.status)
	}
}

func TestTamperedCartCookieStartsAFreshCart(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	u, _ := url.Parse(k.srv.URL)
	k.client.Jar.SetCookies(u, []*http.Cookie{{Name: "kago_shop", Value: "MTcwMDAwMDAwMHxmb3JnZWQ=", Path: "/"}})
	r := k.get("/cart")
	if r.status != 200 {
		t.Fatalf("tampered cookie: %d", r.status)
	}
	mustContain(t, r.body, "カゴに商品が入っていません。")
	p := k.product(func(p store.Product) bool { return p.Stock > 10 })
	if r := k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add with a tampered cookie: %d", r.status)
	}
	mustContain(t, k.get("/cart").body, p.Name)
}

func TestMissingOrWrongCSRFIsRefused(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	p := k.product(func(p store.Product) bool { return p.Stock > 10 })
	k.get("/")
	for _, token := range []string{"", "forged"} {
		r := k.post("/cart/items", url.Values{"_csrf": {token}, "product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {"1"}})
		if r.status != http.StatusForbidden {
			t.Errorf("csrf %q: %d, want 403", token, r.status)
		}
		mustContain(t, r.body, "もう一度お試しください")
	}
	if lines := k.get("/cart"); !strings.Contains(lines.body, "カゴに商品が入っていません。") {
		t.Fatal("a refused POST changed the cart")
	}
	k.get("/admin/login")
	if r := k.post("/admin/login", url.Values{"_csrf": {""}, "email": {testAdminEmail}, "password": {testAdminPassword}}); r.status != http.StatusForbidden {
		t.Fatalf("admin login without csrf: %d", r.status)
	}
}
