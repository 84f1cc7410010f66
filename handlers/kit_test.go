package handlers_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kago/amazonpay/emulator"
	"kago/handlers"
	"kago/mail"
	"kago/shop"
	"kago/static"
	"kago/store"
	"kago/store/storetest"
)

// kit is a shop served by httptest with a browser-like client: a cookie
// jar, no automatic redirects, and the CSRF token of the last page.
type kit struct {
	t      testing.TB
	dir    string
	dbURL  string             // storetest.URL: the database, kept by restart
	emu    *emulator.Emulator // the local Amazon Pay, mounted like make run does
	srv    *httptest.Server
	shop   *shop.Shop
	db     *store.DB
	client *http.Client
	csrf   string
	sim    simulator // sandbox simulation codes added to the shop's calls
	opts   kitOptions
}

// kitOptions change how a kit's shop is built.
type kitOptions struct {
	now       func() time.Time       // the store's clock; nil: real time
	configure func(*handlers.Config) // changes to the HTTP config
	// emu is an Amazon Pay emulator another kit made: two shops on one
	// merchant account. nil: the kit makes its own.
	emu *emulator.Emulator
	// ipn registers the shop's IPN URL with the emulator, which then
	// delivers its notifications (as make run does); off, the tests that
	// count mails see only the shop's own.
	ipn bool
}

const testAdminEmail, testAdminPassword = "admin@example.com", "correct-horse-battery"

func newKit(t testing.TB) *kit { return newKitWith(t, kitOptions{}) }

func newKitWith(t testing.TB, opts kitOptions) *kit {
	t.Helper()
	k := &kit{t: t, dir: t.TempDir(), dbURL: storetest.URL(t), client: newClient(), opts: opts}
	k.start()
	return k
}

// start serves the shop over the kit's data directory.
func (k *kit) start() {
	t, dir, ctx := k.t, k.dir, context.Background()
	db, err := store.Open(ctx, k.dbURL, k.opts.now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := shop.New(db, mail.NewOutbox(mail.SMTPConfig{}), log, filepath.Join(dir, "uploads"))
	t.Cleanup(s.Wait)                 // notifications being processed, before the database closes
	s.SetPasswordCost(bcrypt.MinCost) // the default cost costs 0.7 s a hash under -race
	if _, err := s.SeedDemo(ctx, static.Prefix); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureAdmin(ctx, testAdminEmail, testAdminPassword); err != nil {
		t.Fatal(err)
	}
	emu := k.opts.emu
	if emu == nil {
		// Pending outcomes settle only when a test moves the emulator's
		// clock: no assertion depends on how fast the machine is.
		if emu, err = emulator.New(emulator.Options{PendingDelay: time.Hour, IPNRetries: -1, SNSKey: testSNSKey(t)}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { emu.Close() })
	}
	// The POST limit per address is tested on its own; other tests post a lot.
	cfg := handlers.Config{Log: log, SessionKey: bytes.Repeat([]byte{7}, 64), UploadDir: filepath.Join(dir, "uploads"),
		AmazonPayEmulator: k.sim.wrap(emu), PostLimit: handlers.PostLimit{Rate: 1000, Burst: 1000}}
	if k.opts.configure != nil {
		k.opts.configure(&cfg)
	}
	e := handlers.New(s, cfg)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	if err := emu.SetPublicURL(srv.URL + "/amazonpay-emulator"); err != nil {
		t.Fatal(err)
	}
	s.SetAmazonPayEnv(shop.AmazonPayEnv{ShopURL: srv.URL, EmulatorURL: srv.URL + "/amazonpay-emulator", RetryBaseDelay: 5 * time.Millisecond})
	// One shop key for all kits (RSA generation is slow); EmulatorMerchant
	// would generate it on first use.
	if err := db.WithTx(ctx, func(tx *store.Tx) error {
		return tx.PutSettings(map[string]string{"amazonpay.emulator_key": testShopKeyPEM(t)})
	}); err != nil {
		t.Fatal(err)
	}
	merchantID, storeID, keyID, pub, err := s.EmulatorMerchant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := emulator.Merchant{MerchantID: merchantID, StoreID: storeID, PublicKeyID: keyID, PublicKeyPEM: pub}
	if k.opts.ipn {
		m.IPNURL = s.IPNURL()
	}
	if err := emu.RegisterMerchant(m); err != nil {
		t.Fatal(err)
	}
	k.srv, k.shop, k.db, k.emu = srv, s, db, emu
}

var (
	snsKeyOnce sync.Once
	snsKey     *rsa.PrivateKey
)

var (
	shopKeyOnce sync.Once
	shopKeyPEM  string
)

func testShopKeyPEM(t testing.TB) string {
	shopKeyOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(key)
		shopKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	})
	return shopKeyPEM
}

// testSNSKey shares one notification key between kits: RSA generation is slow.
func testSNSKey(t testing.TB) *rsa.PrivateKey {
	snsKeyOnce.Do(func() {
		var err error
		if snsKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return snsKey
}

// restart stops the server and database and starts them again on the same
// database, keeping the browser's cookies.
func (k *kit) restart() {
	k.srv.Close()
	k.db.Close()
	k.start()
}

// newClient is a browser of its own: its cookies, and its own transport,
// because httptest.Server.Close closes the idle connections of
// http.DefaultTransport, which breaks a request another parallel test is
// just sending on one of them ("CloseIdleConnections called").
func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (k *kit) do(req *http.Request) response {
	k.t.Helper()
	res, err := k.client.Do(req)
	if err != nil {
		k.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfRe.FindSubmatch(b); m != nil {
		k.csrf = string(m[1])
	}
	return response{status: res.StatusCode, body: string(b), location: res.Header.Get("Location"), header: res.Header}
}

func (k *kit) get(path string) response {
	k.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, k.srv.URL+path, nil)
	return k.do(req)
}

// post sends a form with the current CSRF token unless the form has one.
func (k *kit) post(path string, form url.Values) response {
	k.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", k.csrfToken())
	}
	req, _ := http.NewRequest(http.MethodPost, k.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return k.do(req)
}

// postMultipart sends a form with one file field.
func (k *kit) postMultipart(path string, form url.Values, field, filename string, data []byte) response {
	k.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	form.Set("_csrf", k.csrfToken())
	for key, vals := range form {
		for _, v := range vals {
			_ = w.WriteField(key, v)
		}
	}
	if field != "" {
		fw, _ := w.CreateFormFile(field, filename)
		_, _ = fw.Write(data)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, k.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return k.do(req)
}

// csrfToken is the token of the last page, or the CSRF cookie's (the two
// are the same value); a page is fetched first when there is neither.
func (k *kit) csrfToken() string {
	u, _ := url.Parse(k.srv.URL)
	for range 2 {
		for _, c := range k.client.Jar.Cookies(u) {
			if c.Name == "kago_csrf" {
				return c.Value
			}
		}
		k.get("/")
	}
	return k.csrf
}

func (k *kit) loginAdmin() {
	k.t.Helper()
	k.get("/admin/login")
	r := k.post("/admin/login", url.Values{"email": {testAdminEmail}, "password": {testAdminPassword}})
	if r.status != http.StatusSeeOther || r.location != "/admin" {
		k.t.Fatalf("admin login: %d %s", r.status, r.location)
	}
}

func (k *kit) product(pred func(store.Product) bool) store.Product {
	k.t.Helper()
	ps, err := k.db.Products(context.Background(), false)
	if err != nil {
		k.t.Fatal(err)
	}
	for _, p := range ps {
		if pred(p) {
			return p
		}
	}
	k.t.Fatal("no such product in the demo catalog")
	return store.Product{}
}

func mustContain(t testing.TB, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}
