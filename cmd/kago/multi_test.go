package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kago/amazonpay/emulator"
	"kago/mail"
	"kago/mail/mailtest"
	"kago/store"
	"kago/store/storetest"
)

// TestSessionKeyMovesToTheDatabase: an existing shop's session.key is
// adopted into the database at the first start (so its shoppers stay
// signed in), and a second kago on the same data directory refuses to
// start instead of sharing the first one's instance ID, as does one on
// the same SQLite file (several instances need PostgreSQL).
func TestSessionKeyMovesToTheDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := make([]byte, sessionKeySize)
	_, _ = rand.Read(old)
	if err := os.WriteFile(filepath.Join(dir, "session.key"), old, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KAGO_ADDR": "127.0.0.1:0", "KAGO_DATA": dir, "KAGO_LOG_LEVEL": "warn"}
	startOnce(t, env)

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"kago"}, func(k string) string { return env[k] }, pw, io.Discard) }()
	buf := make([]byte, 100)
	if _, err := pr.Read(buf); err != nil { // it serves: the data directory is held
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	err := run(context.Background(), []string{"kago"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "in use by another kago process") {
		t.Errorf("a second kago on the same data directory: %v", err)
	}
	// Nor may a second kago share its SQLite file from a data directory of its own.
	env2 := map[string]string{"KAGO_ADDR": "127.0.0.1:0", "KAGO_DATA": t.TempDir(), "KAGO_LOG_LEVEL": "warn",
		"KAGO_DATABASE_URL": "sqlite:" + filepath.Join(dir, "kago.db")}
	err = run(context.Background(), []string{"kago"}, func(k string) string { return env2[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "several instances need PostgreSQL") {
		t.Errorf("a second kago on the same SQLite file: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(context.Background(), filepath.Join(dir, "kago.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if key, err := db.Secret(context.Background(), "session_key", []byte("another")); err != nil || !bytes.Equal(key, old) {
		t.Fatalf("the database's session key is not the file's: %v", err)
	}
}

// routeHeader tells the two-instance test's load balancer which instance
// to send a request to ("a" or "b"); without it, it takes turns.
const routeHeader = "X-Kago-Test-Instance"

// loadBalancer is the test's nginx: one public address in front of the
// instances, passing the shopper's X-Forwarded-For on.
func loadBalancer(t *testing.T, backends map[string]string) string {
	t.Helper()
	targets := map[string]*url.URL{}
	var names []string
	for name, addr := range backends {
		targets[name] = &url.URL{Scheme: "http", Host: addr}
		names = append(names, name)
	}
	slices.Sort(names)
	var turn atomic.Uint64
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		name := pr.In.Header.Get(routeHeader)
		if targets[name] == nil {
			name = names[turn.Add(1)%uint64(len(names))]
		}
		pr.SetURL(targets[name])
		pr.Out.Host = pr.In.Host
		pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
	}}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

// multiRig is two kago processes on one database behind the load
// balancer, a separate emulator process and an SMTP server.
type multiRig struct {
	*faultRig
	db     *store.DB
	smtp   *mailtest.Server
	orders map[int64]bool // orders counted by an earlier part
}

// TestTwoInstances: two kago processes on the PostgreSQL database of
// KAGO_TEST_DATABASE_URL, shoppers spread across both (make postgres runs
// it). Run it alone with the counts printed:
//
//	sh scripts/pgtest.sh go test ./cmd/kago -run TestTwoInstances -v
func TestTwoInstances(t *testing.T) {
	if !storetest.Postgres() {
		t.Skip("several instances share a PostgreSQL database; one SQLite file serves one kago process (make postgres runs this test)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	dbURL := storetest.URL(t)
	db, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A product for the races on one checkout and the recovery, and one
	// with the last 10 items; the recovery looks at a pending order after
	// a second.
	var big, last store.Product
	err = db.WithTx(ctx, func(tx *store.Tx) error {
		if big, err = tx.InsertProduct(store.Product{Name: "煎茶", Price: 1080, TaxRate: 8, Stock: 1_000_000, Published: true}); err != nil {
			return err
		}
		if last, err = tx.InsertProduct(store.Product{Name: "限定の玉露", Price: 3240, TaxRate: 8, Stock: 10, Published: true}); err != nil {
			return err
		}
		return tx.PutSettings(map[string]string{"amazonpay.recover_after": "1", "amazonpay.claim_timeout": "30"})
	})
	if err != nil {
		t.Fatal(err)
	}

	_, line := startProcess(t, "listening on ", "amazonpay-emulator", "-addr", "127.0.0.1:0", "-state", filepath.Join(dir, "emulator.db"))
	r := &multiRig{faultRig: &faultRig{t: t, emuURL: regexp.MustCompile(`listening on (\S+)`).FindStringSubmatch(line)[1]},
		db: db, smtp: mailtest.Start(t), orders: map[int64]bool{}}
	addrs := map[string]string{"a": freeAddr(t), "b": freeAddr(t)}
	r.shop = loadBalancer(t, addrs)
	for _, name := range []string{"a", "b"} {
		startProcess(t, "Mail:", "-addr", addrs[name], "-data", filepath.Join(dir, name), "-instance", name, "-database-url", dbURL,
			"-base-url", r.shop, "-uploads", filepath.Join(dir, "uploads"), "-amazonpay-emulator-url", r.emuURL,
			"-trusted-proxies", "127.0.0.1", "-smtp-host", r.smtp.Host, "-smtp-port", strconv.Itoa(r.smtp.Port), "-smtp-tls", "none",
			"-log-level", "error")
	}

	t.Run("one checkout, 100 presses of 注文する", func(t *testing.T) { r.t = t; r.samePress(big.ID) })
	t.Run("50 buyers for the last 10", func(t *testing.T) { r.t = t; r.lastItems(big.ID, last.ID) })
	t.Run("result return and recovery", func(t *testing.T) { r.t = t; r.returnAndRecovery(big.ID) })
	t.Run("mails delivered once", func(t *testing.T) { r.t = t; r.mailsOnce() })
}

// newOrders returns the Amazon Pay payments placed since the last call.
func (r *multiRig) newOrders() []store.AmazonPayment {
	r.t.Helper()
	all, err := r.db.PaymentsPlacedSince(context.Background(), time.Time{})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []store.AmazonPayment
	for _, p := range all {
		if !r.orders[p.OrderID] {
			r.orders[p.OrderID] = true
			out = append(out, p)
		}
	}
	return out
}

// place presses 注文する for each form at once, on instance a or b by
// turns, and returns where each was sent (Amazon's page, or "" with the
// status counted in statuses).
func (r *multiRig) place(shoppers []*shopper, forms []url.Values, statuses map[string]int) []string {
	to := make([]string, len(forms))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, form := range forms {
		s := *shoppers[i%len(shoppers)] // the same cookies, its own CSRF field
		s.route = []string{"a", "b"}[i%2]
		wg.Go(func() {
			a, err := s.do(http.MethodPost, r.shop+"/checkout/place", cloneForm(form))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				statuses["error"]++
			case a.status == http.StatusSeeOther && strings.HasPrefix(a.location, r.emuURL):
				statuses["to Amazon"]++
				to[i] = a.location
			default:
				statuses[strconv.Itoa(a.status)]++
			}
		})
	}
	wg.Wait()
	return to
}

// finish goes through Amazon's page and returns to the shop: true when the
// shop says at once that the order is complete (else it says 確認中, and
// the order completes meanwhile).
func (s *shopper) finish(toAmazon string) bool {
	proc := s.must(http.MethodGet, toAmazon, nil, http.StatusSeeOther)
	a, err := s.do(http.MethodGet, proc.location, nil)
	return err == nil && a.status == http.StatusSeeOther && strings.HasSuffix(a.location, "/checkout/complete")
}

// waitDone waits until every payment is completed (failing the test on one
// that failed or is still pending after a minute).
func (r *multiRig) waitDone(payments []store.AmazonPayment) {
	r.t.Helper()
	for deadline := time.Now().Add(time.Minute); !r.allDone(payments); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			r.t.Fatal("orders still not completed after a minute")
		}
	}
}

// samePress: 100 presses of 注文する on one checkout (one cookie), half on
// each instance, make one order.
func (r *multiRig) samePress(productID int64) {
	s := r.newShopper(1)
	form := s.toConfirm(productID, emulator.BuyerTaro)
	statuses := map[string]int{}
	forms := make([]url.Values, 100)
	for i := range forms {
		forms[i] = form
	}
	to := r.place([]*shopper{s}, forms, statuses)
	placed := r.newOrders()
	r.t.Logf("100 presses of 注文する on one checkout: %v; orders placed: %d", statuses, len(placed))
	if len(placed) != 1 {
		r.t.Fatalf("%d orders placed, want 1", len(placed))
	}
	for _, loc := range to {
		if loc != "" {
			s.route = "a"
			s.finish(loc)
			r.waitDone(placed)
			return
		}
	}
	r.t.Fatal("no press was sent to Amazon")
}

// lastItems: 50 buyers, on both instances, press 注文する at once for the
// last 10 items; exactly 10 are sold.
func (r *multiRig) lastItems(otherID, lastID int64) {
	shoppers := make([]*shopper, 50)
	forms := make([]url.Values, len(shoppers))
	for i := range shoppers {
		shoppers[i] = r.newShopper(100 + i)
		forms[i] = shoppers[i].toConfirm(lastID, emulator.BuyerTaro)
	}
	statuses := map[string]int{}
	to := r.place(shoppers, forms, statuses)
	completed := 0
	for i, loc := range to {
		if loc != "" {
			shoppers[i].route = []string{"b", "a"}[i%2]
			if shoppers[i].finish(loc) {
				completed++
			}
		}
	}
	placed := r.newOrders()
	r.waitDone(placed)
	var stock int64
	err := r.db.WithTx(context.Background(), func(tx *store.Tx) error {
		p, err := tx.Product(lastID)
		stock = p.Stock
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Logf("50 buyers for the last 10: %v; orders placed and completed %d (%d said so at the result return, the others 確認中); stock left %d",
		statuses, len(placed), completed, stock)
	if len(placed) != 10 || stock != 0 {
		r.t.Fatalf("sold %d of the last 10, stock left %d", len(placed), stock)
	}
}

// returnAndRecovery: an Amazon Pay order whose buyer comes back to one
// instance while the recovery job runs on the other (Amazon's completion
// made slow, so the two overlap) becomes one order with one set of mails.
func (r *multiRig) returnAndRecovery(productID int64) {
	ctx := context.Background()
	for i := range 4 {
		s := r.newShopper(200 + i)
		to := r.place([]*shopper{s}, []url.Values{s.toConfirm(productID, emulator.BuyerTaro)}, map[string]int{})
		if to[0] == "" {
			r.t.Fatal("注文する did not send the buyer to Amazon")
		}
		proc := s.must(http.MethodGet, to[0], nil, http.StatusSeeOther)
		r.addFault(faultSpec{Operation: "CompleteCheckoutSession", Latency: "2s", Times: 1})
		time.Sleep(1100 * time.Millisecond) // the recovery looks at orders placed a second ago
		if err := r.db.RunJobNow(ctx, "amazonpay.recover"); err != nil {
			r.t.Fatal(err)
		}
		holder := r.recoveryHolder()
		s.route = map[string]string{"a": "b", "b": "a"}[holder]
		if s.route == "" {
			s.route = []string{"a", "b"}[i%2]
		}
		a, err := s.do(http.MethodGet, proc.location, nil)
		if err != nil {
			r.t.Fatal(err)
		}
		r.t.Logf("order %d: recovery on %q, result return on %q answered %d %s", i+1, holder, s.route, a.status, a.location)
	}
	r.clearFaults()
	placed := r.newOrders()
	r.waitDone(placed)
	mails, err := r.db.Mails(ctx, 0, 1<<20)
	if err != nil {
		r.t.Fatal(err)
	}
	sets := map[string]int{}
	for _, p := range placed {
		for _, m := range mails {
			if m.OrderID.Int64 == p.OrderID {
				sets[m.Kind]++
			}
		}
	}
	r.t.Logf("result return and recovery on two instances: %d orders placed, mails %v", len(placed), sets)
	if len(placed) != 4 || sets[mail.KindThanks] != 4 || sets[mail.KindOrderCopy] != 4 {
		r.t.Fatalf("%d orders, mails %v; want 4 orders, 4 thanks mails and 4 copies", len(placed), sets)
	}
}

// recoveryHolder waits (at most 10 s) for the recovery job's run and
// returns the instance that claimed it, "" if the run was not seen.
func (r *multiRig) recoveryHolder() string {
	for range 200 {
		jobs, err := r.db.Jobs(context.Background())
		if err != nil {
			r.t.Fatal(err)
		}
		for _, j := range jobs {
			if j.Name == "amazonpay.recover" && j.ClaimedBy != "" {
				return strings.SplitN(j.ClaimedBy, "/", 2)[0]
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ""
}

// allDone reports whether every payment is completed (it fails the test
// on one that failed).
func (r *multiRig) allDone(payments []store.AmazonPayment) bool {
	for _, p := range payments {
		now, err := r.db.AmazonPayment(context.Background(), p.OrderID)
		if err != nil {
			r.t.Fatal(err)
		}
		switch now.State {
		case store.AmazonDone:
		case store.AmazonFailed:
			r.t.Fatalf("order %d failed", p.OrderID)
		default:
			return false
		}
	}
	return true
}

// mailsOnce: with both instances running the mail job, every mail of the
// outbox reaches the SMTP server exactly once.
func (r *multiRig) mailsOnce() {
	ctx := context.Background()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			r.t.Fatal("mails still queued after a minute")
		}
		queued, err := r.db.CountMails(ctx, store.MailQueued)
		if err != nil {
			r.t.Fatal(err)
		}
		sending, err := r.db.CountMails(ctx, store.MailSending)
		if err != nil {
			r.t.Fatal(err)
		}
		if queued+sending == 0 {
			break
		}
		if err := r.db.RunJobNow(ctx, "mail.deliver"); err != nil {
			r.t.Fatal(err)
		}
	}
	mails, err := r.db.Mails(ctx, 0, 1<<20)
	if err != nil {
		r.t.Fatal(err)
	}
	received := map[string]int{}
	for _, m := range r.smtp.Messages() {
		received[m.MessageID]++
	}
	sent, twice, missing := 0, 0, 0
	for _, m := range mails {
		if m.Status != store.MailSent {
			continue
		}
		sent++
		switch received["<"+m.MessageID+">"] {
		case 0:
			missing++
		case 1:
		default:
			twice++
		}
	}
	r.t.Logf("mails: %d sent from the outbox, %d received by SMTP, %d received twice, %d missing", sent, len(r.smtp.Messages()), twice, missing)
	if sent == 0 || twice != 0 || missing != 0 || len(r.smtp.Messages()) != sent {
		r.t.Fatalf("%d mails sent, %d received (%d twice, %d missing)", sent, len(r.smtp.Messages()), twice, missing)
	}
}

// A database URL kago cannot use stops the start with what is wrong, and
// neither prints its password nor leaves a file behind.
func TestBadDatabaseURL(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, u := range []string{"mysql://kago:secret@db/kago", "sqlite:"} {
		env := map[string]string{"KAGO_ADDR": "127.0.0.1:0", "KAGO_DATA": filepath.Join(dir, "data"), "KAGO_DATABASE_URL": u}
		err := run(context.Background(), []string{"kago"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "want sqlite:PATH or postgres://") || strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: %v", u, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.lock")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
