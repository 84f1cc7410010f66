// Package emulator is a local Amazon Pay (API v2, Japan) for development and
// tests: the REST API with signature verification, idempotency, the state
// machines, limits and errors of Amazon Pay; a checkout.js replacement and the
// hosted sign-in, address and payment pages in Japanese; signed SNS-style
// notifications; test buyers; an adjustable clock; fault switches; and a small
// console (the emulator's Seller Central).
//
// An *Emulator is an http.Handler. Mount it at the root of its own server, or
// under a prefix of another server (set Options.PublicURL to the prefix's
// absolute URL, e.g. http://127.0.0.1:8080/amazonpay-emulator, and mount it
// with or without http.StripPrefix). URL layout below the prefix:
//
//	/v2/..., /sandbox/v2/..., /live/v2/...   the API (signed requests)
//	/checkout.js                              the button script
//	/checkout/button                          button click (signed payload)
//	/signin                                   hosted sign-in (test buyers)
//	/checkout/select, /checkout/change        address and payment, 「変更」
//	/checkout/process                         amazonPayRedirectUrl
//	/console                                  console; /console/api/... for JSON control
//	/sns/SimpleNotificationService-*.pem      notification signing certificate
//	/ca.pem                                   the emulator's CA certificate
//
// The API follows Amazon's rules (AMAZON-PAY.md sections 3, 4 and 9): the
// calls each charge state allows, one capture per charge, at most 25
// charges per charge permission, limits.amountBalance falling on capture,
// the refund cap, the 24-hour session expiry and its 30-day deletion, the
// 30-day authorization and 180-day permission expiry, and Amazon's JSON
// shape (every field present, null when it has no value).
//
// The payment instrument the buyer actually paid with (after a soft decline
// the buyer may pick another one at Amazon) is named in the charge
// permission's paymentPreferences[0].paymentDescriptor, and in the
// completed checkout session's while the session exists (30 days); Charge
// objects carry none. Its kind, which the shop shows in its memo (seed 004),
// is told by the descriptor: DescriptorGiftCard (gift card only, cannot be
// increased), DescriptorGiftCardAndCard, and DescriptorAccountMethod or a
// card such as "Visa ****1111" for a card only.
package emulator

import (
	"compress/flate"
	"context"
	"crypto/rsa"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"kago/amazonpay"
)

// Defaults of Options.
const (
	DefaultPendingDelay  = 30 * time.Second
	DefaultMaxSkew       = 15 * time.Minute
	DefaultIPNRetries    = 3
	DefaultIPNRetryDelay = 2 * time.Second
	DefaultSweepInterval = 10 * time.Second
)

// Options configures an Emulator.
type Options struct {
	// PublicURL is the absolute URL the emulator is reached at, with the mount
	// prefix if any, e.g. http://127.0.0.1:8080/amazonpay-emulator. Hosted
	// pages, checkout.js, redirect URLs and the certificate URL of
	// notifications are built from it. When empty it is taken from the first
	// request (scheme, Host and BasePath) or set later with SetPublicURL.
	PublicURL string
	// BasePath is the mount prefix; by default the path of PublicURL. Requests
	// whose path starts with it have it removed (so mounting with or without
	// http.StripPrefix both work); signatures are verified over the rest.
	BasePath string
	// PendingDelay is how long pending authorizations, asynchronous captures
	// and refunds take (default 30 s; use milliseconds in tests). A moved clock
	// also completes them.
	PendingDelay time.Duration
	// MaxSkew is the x-amz-pay-date tolerance (default 15 min), against the
	// real clock (Now), not the moved one.
	MaxSkew time.Duration
	// Now is the real clock; time.Now by default. The emulator's clock is Now
	// plus what Advance added.
	Now func() time.Time
	// StateFile is the emulator's own SQLite database: objects, idempotency
	// records, merchants and the clock, each change written before the
	// answer (see persist.go). Empty: an in-memory database, gone at Close.
	StateFile string
	// Logger receives one line per API call and delivery; discarded if nil.
	Logger *slog.Logger
	// IPNClient delivers notifications (default: 10 s timeout).
	IPNClient *http.Client
	// IPNRetries is how many times a failed delivery is retried (default 3;
	// negative for none), IPNRetryDelay the first delay, doubled each time.
	IPNRetries    int
	IPNRetryDelay time.Duration
	// DuplicateNotifications sends every notification twice (as SNS may).
	DuplicateNotifications bool
	// SignatureVersion of notifications: "1" (SHA1withRSA, the default, as
	// Amazon's sandbox signs) or "2" (SHA256withRSA).
	SignatureVersion string
	// SNSKey signs notifications; a 2048-bit key is generated on first use
	// when nil. Tests may share one key to save time.
	SNSKey *rsa.PrivateKey
	// ConsoleAccess decides who may use the console (see console_access.go);
	// nil: clients on a loopback address only. SetConsoleAccess changes it.
	ConsoleAccess func(*http.Request) bool
	// SweepInterval is how often expiries are applied and what Amazon
	// deletes is pruned in the background (default 10 s). Reads and Advance
	// settle at once.
	SweepInterval time.Duration
}

// Merchant is a merchant account registered with the emulator.
type Merchant struct {
	MerchantID   string `json:"merchantId"`
	StoreID      string `json:"storeId"`
	PublicKeyID  string `json:"publicKeyId"`
	PublicKeyPEM string `json:"publicKeyPem"`
	IPNURL       string `json:"ipnUrl"`
}

type merchantEntry struct {
	Merchant
	pub *rsa.PublicKey
}

// Emulator is a local Amazon Pay. Create it with New and stop it with Close.
type Emulator struct {
	opts     Options
	basePath string
	log      *slog.Logger

	mu        sync.Mutex
	publicURL string
	byKey     map[string]*merchantEntry // by public key ID
	byID      map[string]*merchantEntry // by merchant ID
	st        *state
	faults    []Fault
	dupIPN    bool
	timers    map[*time.Timer]struct{}
	closed    bool

	consoleAccess func(*http.Request) bool
	crossOrigin   *http.CrossOriginProtection

	db           *sql.DB
	stmt         statements
	packer       *flate.Writer          // packBodyLocked's, reused
	changed      map[objKey]any         // written at unlock; nil: deleted
	unsavedIdem  map[string]*idemRecord // merchantID + " " + key
	clockChanged bool
	readErr      error // a failed read in the current request

	outbox      []*outgoing   // notifications of the current change, saved with it
	deliverySeq int64         // order of the notifications
	undelivered int           // notifications waiting for delivery or a retry
	idle        chan struct{} // closed while undelivered is 0
	kick        chan struct{} // wakes the delivery worker

	pki pki

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns an Emulator and starts its background sweep.
func New(opts Options) (*Emulator, error) {
	if opts.PendingDelay == 0 {
		opts.PendingDelay = DefaultPendingDelay
	}
	if opts.PendingDelay < 0 {
		opts.PendingDelay = 0
	}
	if opts.MaxSkew <= 0 {
		opts.MaxSkew = DefaultMaxSkew
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IPNClient == nil {
		opts.IPNClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.IPNRetries == 0 {
		opts.IPNRetries = DefaultIPNRetries
	}
	if opts.IPNRetries < 0 {
		opts.IPNRetries = 0
	}
	if opts.IPNRetryDelay <= 0 {
		opts.IPNRetryDelay = DefaultIPNRetryDelay
	}
	if opts.SignatureVersion == "" {
		opts.SignatureVersion = "1"
	}
	if opts.SignatureVersion != "1" && opts.SignatureVersion != "2" {
		return nil, fmt.Errorf("emulator: SignatureVersion %q: want 1 or 2", opts.SignatureVersion)
	}
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = DefaultSweepInterval
	}
	e := &Emulator{
		opts:   opts,
		log:    opts.Logger,
		byKey:  map[string]*merchantEntry{},
		byID:   map[string]*merchantEntry{},
		st:     newState(),
		dupIPN: opts.DuplicateNotifications,
		timers: map[*time.Timer]struct{}{},
		idle:   make(chan struct{}),
		kick:   make(chan struct{}, 1),

		changed:     map[objKey]any{},
		unsavedIdem: map[string]*idemRecord{},

		consoleAccess: opts.ConsoleAccess,
		crossOrigin:   http.NewCrossOriginProtection(),
	}
	close(e.idle)
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if opts.PublicURL != "" {
		if err := e.SetPublicURL(opts.PublicURL); err != nil {
			return nil, err
		}
	}
	if opts.BasePath != "" {
		e.basePath = "/" + strings.Trim(opts.BasePath, "/")
	}
	db, err := openDB(opts.StateFile)
	if err != nil {
		return nil, err
	}
	e.db = db
	if e.stmt, err = prepare(db); err != nil {
		db.Close()
		return nil, err
	}
	if err := e.load(); err != nil {
		db.Close()
		return nil, err
	}
	if err := e.loadOutbox(); err != nil {
		db.Close()
		return nil, err
	}
	e.pki.key = opts.SNSKey
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.wg.Add(2)
	go e.sweepLoop()
	go e.deliverLoop()
	return e, nil
}

// SetPublicURL sets the absolute URL the emulator is reached at (see
// Options.PublicURL). Its path becomes the base path unless BasePath was given.
func (e *Emulator) SetPublicURL(raw string) error {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("emulator: bad PublicURL %q", raw)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.publicURL = u.String()
	if e.opts.BasePath == "" {
		e.basePath = strings.TrimSuffix(u.EscapedPath(), "/")
	}
	return nil
}

// PublicURL returns the emulator's absolute URL ("" until known).
func (e *Emulator) PublicURL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.publicURL
}

// Close stops the background sweep, pending timers and notification
// deliveries, waits for them, writes what is left and closes the database.
func (e *Emulator) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	for t := range e.timers {
		t.Stop()
	}
	e.timers = nil
	e.mu.Unlock()
	e.cancel()
	e.wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.saveLocked()
	if cerr := e.db.Close(); err == nil {
		err = cerr
	}
	e.db = nil
	return err
}

// newMerchantEntry checks a merchant account and parses its key.
func newMerchantEntry(m Merchant) (*merchantEntry, error) {
	if m.MerchantID == "" || m.PublicKeyID == "" || m.StoreID == "" {
		return nil, errors.New("emulator: merchant needs merchantId, storeId and publicKeyId")
	}
	pub, err := amazonpay.ParsePublicKey([]byte(m.PublicKeyPEM))
	if err != nil {
		return nil, fmt.Errorf("emulator: merchant %s: %w", m.MerchantID, err)
	}
	if m.IPNURL != "" {
		if u, err := url.Parse(m.IPNURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("emulator: merchant %s: bad ipnUrl %q", m.MerchantID, m.IPNURL)
		}
	}
	return &merchantEntry{Merchant: m, pub: pub}, nil
}

// RegisterMerchant adds (or replaces) a merchant account and keeps it in the
// state database. Any client, the official SDKs included, can then call the
// API with the key.
func (e *Emulator) RegisterMerchant(m Merchant) error {
	me, err := newMerchantEntry(m)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.putMerchantLocked(me)
}

func (e *Emulator) putMerchantLocked(me *merchantEntry) error {
	if err := e.saveMerchant(me.Merchant); err != nil {
		return fmt.Errorf("emulator: merchant %s: %w", me.MerchantID, err)
	}
	if old := e.byID[me.MerchantID]; old != nil {
		delete(e.byKey, old.PublicKeyID)
	}
	e.byKey[me.PublicKeyID] = me
	e.byID[me.MerchantID] = me
	return nil
}

// RemoveMerchant deletes a merchant's registration (its objects stay), so
// that it can register again with another key.
func (e *Emulator) RemoveMerchant(merchantID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.byID[merchantID]
	if m == nil {
		return fmt.Errorf("%w: merchant %q", ErrNotFound, merchantID)
	}
	if _, err := e.db.Exec(`DELETE FROM merchants WHERE merchant_id = ?`, merchantID); err != nil {
		return fmt.Errorf("emulator: merchant %s: %w", merchantID, err)
	}
	delete(e.byKey, m.PublicKeyID)
	delete(e.byID, merchantID)
	return nil
}

// SetIPNURL changes a registered merchant's notification URL.
func (e *Emulator) SetIPNURL(merchantID, ipnURL string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.byID[merchantID]
	if m == nil {
		return fmt.Errorf("emulator: unknown merchant %q", merchantID)
	}
	cp := m.Merchant
	cp.IPNURL = ipnURL
	me, err := newMerchantEntry(cp)
	if err != nil {
		return err
	}
	return e.putMerchantLocked(me)
}

// Merchants returns the registered merchants.
func (e *Emulator) Merchants() []Merchant {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Merchant, 0, len(e.byID))
	for _, m := range e.byID {
		out = append(out, m.Merchant)
	}
	return out
}

// Now returns the emulator's clock: the real clock plus what Advance added.
func (e *Emulator) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now()
}

func (e *Emulator) now() time.Time { return e.opts.Now().UTC().Add(e.st.ClockOffset) }

// Advance moves the emulator's clock forward by d and applies at once what
// became due: pending authorizations, captures and refunds, the 30-day
// authorization expiry, the 24-hour checkout session expiry and the 180-day
// charge permission expiry (with their notifications).
func (e *Emulator) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	e.mu.Lock()
	defer e.unlock()
	e.st.ClockOffset += d
	e.clockChanged = true
	e.settleAllLocked()
}

// SetDuplicateNotifications switches sending every notification twice.
func (e *Emulator) SetDuplicateNotifications(on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.dupIPN = on
}

func (e *Emulator) sweepLoop() {
	defer e.wg.Done()
	t := time.NewTicker(e.opts.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
			e.Sweep()
		}
	}
}

// Sweep applies everything that is due now, as the background sweep does,
// writes it, deletes what Amazon deletes and keeps in memory only what can
// still change by itself.
func (e *Emulator) Sweep() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.settleAllLocked()
	err := e.saveLocked()
	if err == nil {
		err = e.pruneLocked(e.now())
	}
	if err != nil {
		e.log.Error("amazonpay emulator: sweep", "err", err)
	}
}

// afterLocked runs f under the lock after d (real time); Close stops it.
func (e *Emulator) afterLocked(d time.Duration, f func()) {
	if e.closed {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		e.mu.Lock()
		defer e.unlock()
		if e.closed {
			return
		}
		delete(e.timers, t)
		f()
	})
	e.timers[t] = struct{}{}
}

// ServeHTTP serves the API, the button script, the hosted pages and the console.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	e.mu.Lock()
	base := e.basePath
	if e.publicURL == "" {
		e.publicURL = requestBaseURL(r, base)
	}
	e.mu.Unlock()
	if base != "" && (p == base || strings.HasPrefix(p, base+"/")) {
		p = strings.TrimPrefix(p, base)
	}
	if p == "" {
		p = "/"
	}
	switch {
	case strings.HasPrefix(p, "/v2/"), strings.HasPrefix(p, "/sandbox/v2/"), strings.HasPrefix(p, "/live/v2/"):
		e.serveAPI(w, r, p)
	default:
		e.servePages(w, r, p)
	}
}

func requestBaseURL(r *http.Request, base string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if fp := r.Header.Get("X-Forwarded-Proto"); fp == "https" || fp == "http" {
		scheme = fp
	}
	return scheme + "://" + r.Host + base
}

// url returns the absolute URL of a path below the emulator.
func (e *Emulator) urlLocked(path string) string { return e.publicURL + path }
