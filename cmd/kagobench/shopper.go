package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kago/amazonpay/emulator"
)

// browser is one shopper: a cookie jar, no automatic redirects, the
// Sec-Fetch-Site header every browser since 2023 sends with a same-origin
// request, and the shopper's address in X-Forwarded-For.
type browser struct {
	base   string
	addr   string
	client *http.Client
}

// transport is shared by every browser of the run, as a pool of
// connections to kago.
var transport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}

func newBrowser(base, addr string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: base, addr: addr, client: &http.Client{Jar: jar, Transport: transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(ctx context.Context, method, target string, form url.Values) (page, error) {
	if !strings.HasPrefix(target, "http") {
		target = b.base + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return page{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", b.addr)
	res, err := b.client.Do(req)
	if err != nil {
		return page{}, err
	}
	defer res.Body.Close()
	bs, err := io.ReadAll(res.Body)
	return page{status: res.StatusCode, body: string(bs), location: res.Header.Get("Location"), header: res.Header}, err
}

// expect sends a request (a form when form is not nil) and checks the
// answer's status and, for a redirect, the start of its target.
func (b *browser) expect(ctx context.Context, target string, form url.Values, step string, status int, location string) (page, error) {
	method := http.MethodGet
	if form != nil {
		method = http.MethodPost
	}
	p, err := b.do(ctx, method, target, form)
	if err != nil {
		return p, fmt.Errorf("%s: %w", step, err)
	}
	if p.status != status || !strings.HasPrefix(p.location, location) {
		return p, fmt.Errorf("%s: %d %s, want %d %s", step, p.status, p.location, status, location)
	}
	return p, nil
}

// cookieHeader is the browser's Cookie header for kago.
func (b *browser) cookieHeader() string {
	u, _ := url.Parse(b.base + "/")
	var parts []string
	for _, c := range b.client.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// fillCart puts one of each product in the cart and opens the order page,
// so the session names both the cart and the checkout and pages stop
// setting the shop cookie.
func (b *browser) fillCart(ctx context.Context, products []int64) error {
	if _, err := b.expect(ctx, "/", nil, "product list", http.StatusOK, ""); err != nil {
		return err
	}
	for _, id := range products {
		if _, err := b.expect(ctx, "/cart/items", url.Values{"product_id": {strconv.FormatInt(id, 10)}, "quantity": {"1"}},
			"add to cart", http.StatusSeeOther, "/cart"); err != nil {
			return err
		}
	}
	for _, path := range []string{"/cart", "/checkout/order", "/checkout/order"} {
		if _, err := b.expect(ctx, path, nil, path, http.StatusOK, ""); err != nil {
			return err
		}
	}
	return nil
}

var (
	buttonAttr = regexp.MustCompile(`data-(merchant-id|public-key-id|product-type|payload|signature|algorithm)="([^"]*)"`)
	fieldRe    = regexp.MustCompile(`name="(buyer_[a-z0-9_]+)"[^>]*value="([^"]*)"`)
	selectedRe = regexp.MustCompile(`<option value="([^"]+)" selected>`)
	hiddenRe   = regexp.MustCompile(`name="(total|checkout_id|digest)" value="([^"]+)"`)
)

// amazonOrder is one shopper's whole Amazon Pay order in the zero-step
// cart, as a browser makes it: add to cart, the order page with the
// button, the button's click (checkout.js posts the signed payload to the
// emulator), sign-in and 「続行」 at the emulator, the review return, the
// order page, the confirmation, 「注文する」, Amazon's redirect, and the
// result return to the thanks page.
func (b *browser) amazonOrder(ctx context.Context, product int64) error {
	if _, err := b.expect(ctx, "/cart/items", url.Values{"product_id": {strconv.FormatInt(product, 10)}, "quantity": {"1"}},
		"add to cart", http.StatusSeeOther, "/cart"); err != nil {
		return err
	}
	p, err := b.expect(ctx, "/checkout/order", nil, "order page", http.StatusOK, "")
	if err != nil {
		return err
	}
	click := url.Values{"sandbox": {"true"}}
	names := map[string]string{"merchant-id": "merchantId", "public-key-id": "publicKeyId", "algorithm": "algorithm",
		"payload": "payloadJSON", "signature": "signature", "product-type": "productType"}
	for _, m := range buttonAttr.FindAllStringSubmatch(p.body, -1) {
		click.Set(names[m[1]], html.UnescapeString(m[2]))
	}
	if click.Get("payloadJSON") == "" {
		return errors.New("order page: no Amazon Pay button")
	}
	p, err = b.expect(ctx, "/amazonpay-emulator/checkout/button", click, "button", http.StatusSeeOther, "")
	if err != nil {
		return err
	}
	u, err := url.Parse(p.location)
	if err != nil {
		return err
	}
	session := u.Query().Get("amazonCheckoutSessionId")
	if _, err := b.expect(ctx, "/amazonpay-emulator/signin", url.Values{"amazonCheckoutSessionId": {session},
		"buyerId": {emulator.BuyerTaro}}, "emulator sign-in", http.StatusSeeOther, ""); err != nil {
		return err
	}
	p, err = b.expect(ctx, "/amazonpay-emulator/checkout/select", url.Values{"amazonCheckoutSessionId": {session},
		"address": {"0"}, "payment": {"0"}}, "emulator 続行", http.StatusSeeOther, b.base+"/checkout/amazonpay/review?")
	if err != nil {
		return err
	}
	if _, err := b.expect(ctx, p.location, nil, "review return", http.StatusSeeOther, "/checkout/order"); err != nil {
		return err
	}
	if p, err = b.expect(ctx, "/checkout/order", nil, "order page after Amazon", http.StatusOK, ""); err != nil {
		return err
	}
	form := url.Values{"email": {"taro@example.jp"}, "delivery_method": {"takkyubin"}, "delivery_date": {""},
		"delivery_time": {"am"}, "notes": {""}, "agree": {"1"}}
	for _, m := range fieldRe.FindAllStringSubmatch(p.body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if m := selectedRe.FindStringSubmatch(p.body); m != nil {
		form.Set("buyer_prefecture", m[1])
	}
	if _, err := b.expect(ctx, "/checkout/order", form, "order page", http.StatusSeeOther, "/checkout/confirm"); err != nil {
		return err
	}
	if p, err = b.expect(ctx, "/checkout/confirm", nil, "confirmation", http.StatusOK, ""); err != nil {
		return err
	}
	place := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(p.body, -1) {
		place.Set(m[1], m[2])
	}
	if p, err = b.expect(ctx, "/checkout/place", place, "注文する", http.StatusSeeOther, b.base+"/amazonpay-emulator/"); err != nil {
		return err
	}
	if p, err = b.expect(ctx, p.location, nil, "Amazon's redirect", http.StatusSeeOther, b.base+"/checkout/amazonpay/result?"); err != nil {
		return err
	}
	if _, err = b.expect(ctx, p.location, nil, "result return", http.StatusSeeOther, "/checkout/complete"); err != nil {
		return err
	}
	_, err = b.expect(ctx, "/checkout/complete", nil, "thanks page", http.StatusOK, "")
	return err
}

// amazonResult is the outcome of the Amazon Pay part.
type amazonResult struct {
	orders, errors int
	took           time.Duration
	stopped        bool // the time limit ended the part early
	firstErrors    []string
	// kagoCPU and clientCPU are the CPU time kago and this program's
	// shoppers used for the orders.
	kagoCPU, clientCPU time.Duration
}

// benchAmazon runs n complete Amazon Pay orders with the given number of
// concurrent shoppers, each order from a new browser and client address;
// it stops early at cfg.apMax, so the run stays bounded on a slow machine.
func benchAmazon(ctx context.Context, cfg config, k *server, sd seeded, r *report) error {
	limited, cancel := context.WithTimeout(ctx, cfg.apMax)
	defer cancel()
	var next, done, failed atomic.Int64
	var mu sync.Mutex
	var res amazonResult
	var wg sync.WaitGroup
	began, kagoBegan, clientBegan := time.Now(), cpuTime(k.pid()), cpuTime(os.Getpid())
	for range cfg.shoppers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(cfg.apOrders) || limited.Err() != nil {
					return
				}
				b := newBrowser(k.url, fmt.Sprintf("10.%d.%d.%d", 100+i/65536%100, i/256%256, i%256))
				if err := b.amazonOrder(limited, sd.cartProducts[i%int64(len(sd.cartProducts))]); err != nil {
					if limited.Err() != nil && ctx.Err() == nil {
						return // cut by the time limit: not an error of kago's
					}
					failed.Add(1)
					mu.Lock()
					if len(res.firstErrors) < 3 {
						res.firstErrors = append(res.firstErrors, err.Error())
					}
					mu.Unlock()
					continue
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	res.took, res.orders, res.errors = time.Since(began), int(done.Load()), int(failed.Load())
	res.kagoCPU, res.clientCPU = cpuTime(k.pid())-kagoBegan, cpuTime(os.Getpid())-clientBegan
	res.stopped = res.orders+res.errors < cfg.apOrders
	r.amazon = &res
	return ctx.Err()
}
