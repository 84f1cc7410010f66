package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// target is one storefront request under load.
type target struct {
	name     string
	path     string
	form     url.Values // a POST from a new shopper when not nil
	minRatio float64    // the target against bare Echo; 0: none
}

// pageRow is one line of the table: kago and bare Echo at one connection
// count.
type pageRow struct {
	name         string
	conns, bytes int
	kago, bare   loadResult
	minRatio     float64
}

// benchPages loads each storefront page at each connection count, and the
// bare handler with a page of the same size right after it, so both see
// the same machine.
func benchPages(ctx context.Context, cfg config, k *server, sd seeded, r *report) error {
	shopper := newBrowser(k.url, "192.0.2.1")
	if err := shopper.fillCart(ctx, sd.cartProducts); err != nil {
		return fmt.Errorf("shopper's cart: %w", err)
	}
	cookie := shopper.cookieHeader()
	targets := []target{
		{name: "product list", path: "/", minRatio: 0.5},
		{name: "product page", path: "/products/" + strconv.FormatInt(sd.productPage, 10), minRatio: 0.5},
		{name: "cart, 3 items", path: "/cart", minRatio: 0.3},
		{name: "add to cart", path: "/cart/items", form: url.Values{"product_id": {strconv.FormatInt(sd.productPage, 10)}, "quantity": {"1"}}},
		{name: "order page", path: "/checkout/order", minRatio: 0.3},
	}
	// Each page once by hand: the answer is right, its size is what the
	// bare handler serves, and a page view does not change the session.
	sizes := make([]int, len(targets))
	for i, t := range targets {
		b, status := shopper, http.StatusOK
		if t.form != nil {
			b, status = newBrowser(k.url, "192.0.2.3"), http.StatusSeeOther
		}
		p, err := b.expect(ctx, t.path, t.form, t.name, status, "")
		if err != nil {
			return err
		}
		if t.form == nil && strings.Contains(strings.Join(p.header.Values("Set-Cookie"), " "), "kago_shop=") {
			return fmt.Errorf("%s changes the shopper's session on every view", t.name)
		}
		if t.path == "/cart" && strings.Count(p.body, `name="quantity"`) != 3 {
			return fmt.Errorf("the cart page does not show 3 lines")
		}
		sizes[i] = len(p.body)
	}
	uniq := slices.Compact(slices.Sorted(slices.Values(sizes)))
	bare, err := startBare(ctx, cfg, uniq)
	if err != nil {
		return err
	}
	defer bare.stop()

	script, err := postScript(cfg.dir, "add-to-cart", targets[3].form.Encode())
	if err != nil {
		return err
	}
	peak := watchRSS(k.pid())
	defer func() { r.rssLoad = peak.done() }()
	for i, t := range targets {
		// A browser's page view: the shopper's cookies and Sec-Fetch-Site
		// (with which the CSRF check needs no token cookie; -legacy-csrf
		// leaves it out, as a browser from before 2023 would).
		l := load{url: k.url + t.path, headers: []string{"Cookie: " + cookie}}
		if !cfg.legacyCSRF {
			l.headers = append(l.headers, "Sec-Fetch-Site: same-origin")
		}
		if t.form != nil {
			l = load{url: k.url + t.path, script: script}
		}
		l.conns, l.dur = 64, cfg.warm
		if _, err := runWrk(ctx, l, false); err != nil {
			return err
		}
		for _, c := range cfg.conns {
			l.conns, l.dur = c, cfg.dur
			bl := load{url: bare.url + "/" + strconv.Itoa(sizes[i]), conns: c, dur: cfg.dur}
			var kr, br loadResult
			for range cfg.rounds {
				kround, err := runWrk(ctx, l, cfg.batch(c))
				if err != nil {
					return err
				}
				bround, err := runWrk(ctx, bl, cfg.batch(c))
				if err != nil {
					return err
				}
				kr, br = faster(kr, kround), faster(br, bround)
			}
			r.pages = append(r.pages, pageRow{name: t.name, conns: c, bytes: sizes[i], kago: kr, bare: br, minRatio: t.minRatio})
			fmt.Fprintf(progressOut, "kagobench:   %-14s c=%-3d %8.0f req/s (bare %8.0f)\n", t.name, c, kr.rps, br.rps)
		}
	}
	return nil
}

// adminTiming is the client-side time of one admin page, sequentially.
type adminTiming struct {
	name     string
	p50, p99 time.Duration
	limit    time.Duration
}

// benchAdmin signs in as the admin and times the order list's first page
// and a search by order number, one request at a time.
func benchAdmin(ctx context.Context, cfg config, k *server, sd seeded, r *report) error {
	b := newBrowser(k.url, "192.0.2.2")
	if _, err := b.expect(ctx, "/admin/login", nil, "admin login page", http.StatusOK, ""); err != nil {
		return err
	}
	if _, err := b.expect(ctx, "/admin/login", url.Values{"email": {sd.adminEmail}, "password": {sd.adminPass}},
		"admin login", http.StatusSeeOther, "/admin"); err != nil {
		return err
	}
	number := strconv.FormatInt(sd.orderNumber, 10)
	for _, m := range []struct {
		name, path, must string
		limit            time.Duration
	}{
		{"admin order list, first page", "/admin/orders", "受注", 10 * time.Millisecond},
		{"admin order number search", "/admin/orders?number=" + number, number, 5 * time.Millisecond},
	} {
		var took []time.Duration
		for i := range 5 + cfg.adminRuns {
			began := time.Now()
			p, err := b.expect(ctx, m.path, nil, m.name, http.StatusOK, "")
			if err != nil {
				return err
			}
			if i >= 5 {
				took = append(took, time.Since(began))
			}
			if !strings.Contains(p.body, m.must) {
				return fmt.Errorf("%s: the page lacks %q", m.name, m.must)
			}
		}
		slices.Sort(took)
		r.admin = append(r.admin, adminTiming{name: m.name, p50: took[len(took)/2], p99: took[(len(took)*99-1)/100], limit: m.limit})
	}
	return nil
}

// faster is the round that served more (other work on the machine only
// ever slows a round down), with the errors of both.
func faster(a, b loadResult) loadResult {
	bad := a.bad + b.bad
	if b.rps > a.rps {
		a = b
	}
	a.bad = bad
	return a
}
