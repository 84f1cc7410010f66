package amazonpay

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultBaseURL         = "https://pay-api.amazon.jp"
	DefaultButtonScriptURL = "https://static-fe.payments-amazon.com/checkout.js"
	DefaultRegion          = "jp"
	DefaultMaxRetries      = 3
	DefaultRetryBaseDelay  = time.Second
	DefaultRetryMaxDelay   = 8 * time.Second
	DefaultTimeout         = 30 * time.Second
	maxResponseBytes       = 8 << 20
)

// Config configures a Client.
type Config struct {
	// PublicKeyID is the key ID shown in Seller Central. IDs that start with
	// SANDBOX or LIVE (any case) name their environment and use /v2 paths;
	// older IDs use /sandbox/v2 or /live/v2 according to Sandbox.
	PublicKeyID string
	// PrivateKey, or PrivateKeyPEM (PKCS#8 or PKCS#1), signs requests.
	PrivateKey    *rsa.PrivateKey
	PrivateKeyPEM []byte
	// Algorithm is AlgorithmV2 (default) or AlgorithmV1.
	Algorithm Algorithm
	// Sandbox selects /sandbox/v2 for legacy key IDs.
	Sandbox bool
	// Region is sent as x-amz-pay-region; "jp" by default.
	Region string
	// BaseURL is Amazon's API host by default. It may carry a path, e.g.
	// http://127.0.0.1:8080/amazonpay-emulator: requests go below it, and the
	// canonical URI signed is the path after it (as the official SDKs sign
	// for an override URL); x-amz-pay-host is its host[:port].
	BaseURL string
	// ButtonScriptURL is Amazon's checkout.js by default.
	ButtonScriptURL string
	// HTTPClient sends the requests; a client with DefaultTimeout by default.
	HTTPClient *http.Client
	// MaxRetries is how many times a retryable failure is retried
	// (DefaultMaxRetries when 0; no retry when negative).
	MaxRetries int
	// RetryBaseDelay doubles on each retry up to RetryMaxDelay.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// Observer, if set, is called once per HTTP attempt.
	Observer func(Observation)
	// Now is the clock for x-amz-pay-date; time.Now by default.
	Now func() time.Time
	// UserAgent is sent (unsigned) as User-Agent.
	UserAgent string
}

// Observation describes one HTTP attempt, for an API timeline.
type Observation struct {
	Operation      string // e.g. "CaptureCharge"
	Method         string
	Path           string // the canonical URI, e.g. /v2/charges/S03-...-C000001/capture
	IdempotencyKey string
	HTTPStatus     int    // 0 when no answer came
	ReasonCode     string // of an error answer
	RequestID      string
	Duration       time.Duration
	Attempt        int // 1 for the first try
	Err            error
	// Tag is the caller's label of the call (WithTag), e.g. which order it
	// is for; it is not sent to Amazon.
	Tag string
	// RequestBody is the JSON body sent (nil for none); ResponseBody the
	// answer's body as received, at most maxObservedBody bytes of it.
	RequestBody  []byte
	ResponseBody []byte
}

// maxObservedBody caps Observation.ResponseBody: enough for any object
// Amazon returns, small enough to keep in a timeline.
const maxObservedBody = 64 << 10

// Client calls Amazon Pay API v2. It is safe for concurrent use.
type Client struct {
	cfg        Config
	signer     Signer
	base       string // scheme://host[:port][/path] without trailing slash
	host       string
	prefix     string // /v2, /sandbox/v2 or /live/v2
	sandbox    bool
	httpClient *http.Client
}

// New checks the configuration and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.PublicKeyID == "" {
		return nil, errors.New("amazonpay: PublicKeyID is required")
	}
	key := cfg.PrivateKey
	if key == nil {
		if len(cfg.PrivateKeyPEM) == 0 {
			return nil, errors.New("amazonpay: PrivateKey or PrivateKeyPEM is required")
		}
		k, err := ParsePrivateKey(cfg.PrivateKeyPEM)
		if err != nil {
			return nil, err
		}
		key = k
	}
	if cfg.Algorithm == "" {
		cfg.Algorithm = AlgorithmV2
	}
	if _, err := cfg.Algorithm.SaltLength(); err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.ButtonScriptURL == "" {
		cfg.ButtonScriptURL = DefaultButtonScriptURL
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryBaseDelay <= 0 {
		cfg.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if cfg.RetryMaxDelay <= 0 {
		cfg.RetryMaxDelay = DefaultRetryMaxDelay
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("amazonpay: bad BaseURL %q", cfg.BaseURL)
	}
	c := &Client{cfg: cfg, signer: Signer{PublicKeyID: cfg.PublicKeyID, Key: key, Algorithm: cfg.Algorithm}}
	c.host = u.Host
	c.base = u.Scheme + "://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/")
	upper := strings.ToUpper(cfg.PublicKeyID)
	switch {
	case strings.HasPrefix(upper, "SANDBOX"):
		c.prefix, c.sandbox = "/v2", true
	case strings.HasPrefix(upper, "LIVE"):
		c.prefix, c.sandbox = "/v2", false
	case cfg.Sandbox:
		c.prefix, c.sandbox = "/sandbox/v2", true
	default:
		c.prefix, c.sandbox = "/live/v2", false
	}
	c.httpClient = cfg.HTTPClient
	if c.httpClient == nil {
		c.httpClient = &http.Client{Timeout: DefaultTimeout, Transport: transport}
	}
	return c, nil
}

// transport carries the package's default clients: its own connection
// pool, so a program's use of http.DefaultTransport (an httptest.Server's
// Close closes its idle connections) never breaks a call to Amazon.
var transport = http.DefaultTransport.(*http.Transport).Clone()

// Sandbox reports whether the client talks to the sandbox environment.
func (c *Client) Sandbox() bool { return c.sandbox }

// PublicKeyID returns the configured key ID.
func (c *Client) PublicKeyID() string { return c.cfg.PublicKeyID }

// Algorithm returns the signing algorithm.
func (c *Client) Algorithm() Algorithm { return c.cfg.Algorithm }

// ButtonScriptURL returns the URL of checkout.js to load on the shop's pages.
func (c *Client) ButtonScriptURL() string { return c.cfg.ButtonScriptURL }

// PathPrefix returns /v2, /sandbox/v2 or /live/v2.
func (c *Client) PathPrefix() string { return c.prefix }

// RequestOption adds something to one request.
type RequestOption func(*requestOptions)

type requestOptions struct {
	headers map[string]string
	tag     string
}

// WithTag labels the call for the Observer (Observation.Tag); nothing is
// sent to Amazon.
func WithTag(tag string) RequestOption {
	return func(o *requestOptions) { o.tag = tag }
}

// WithSimulationCode sends x-amz-pay-simulation-code (sandbox only), e.g.
// "HardDeclined" on Create Charge.
func WithSimulationCode(code string) RequestOption {
	return WithHeader("x-amz-pay-simulation-code", code)
}

// WithHeader sends and signs an extra header.
func WithHeader(name, value string) RequestOption {
	return func(o *requestOptions) {
		if o.headers == nil {
			o.headers = map[string]string{}
		}
		o.headers[strings.ToLower(name)] = value
	}
}

// ErrBadIdempotencyKey is returned for a key Amazon would refuse.
var ErrBadIdempotencyKey = errors.New("amazonpay: idempotency key must be 1-32 characters of A-Z a-z 0-9 _ -")

// ValidIdempotencyKey reports whether Amazon accepts k: 1 to 32 characters
// of [A-Za-z0-9_-].
func ValidIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 32 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// IdempotencyKey derives a key from the parts of the caller's operation, e.g.
// IdempotencyKey("order", "20240102-0001", "capture", "1"). It joins them with
// "-" when the result is a valid key, and otherwise returns the first 32 hex
// digits of the SHA-256 of the parts. The same parts give the same key.
func IdempotencyKey(parts ...string) string {
	k := strings.Join(parts, "-")
	if ValidIdempotencyKey(k) {
		return k
	}
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// RandomIdempotencyKey returns 32 random hex digits.
func RandomIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// call is one API operation.
type call struct {
	op       string
	method   string
	path     string // below the prefix, e.g. /charges/ID/capture
	body     any    // nil: no body
	idemKey  string // sent when not empty
	needsKey bool   // POST: a random key when the caller gives none
	opts     []RequestOption
}

func seg(id string) string { return url.PathEscape(id) }

// do runs a call with retries and decodes a success answer into out.
func (c *Client) do(ctx context.Context, k call, out any) error {
	var body []byte
	if k.body != nil {
		b, err := json.Marshal(k.body)
		if err != nil {
			return fmt.Errorf("amazonpay: %s: encode: %w", k.op, err)
		}
		body = b
	}
	if k.idemKey == "" && k.needsKey {
		k.idemKey = RandomIdempotencyKey()
	}
	if k.idemKey != "" && !ValidIdempotencyKey(k.idemKey) {
		return fmt.Errorf("%w: %q", ErrBadIdempotencyKey, k.idemKey)
	}
	var ro requestOptions
	for _, o := range k.opts {
		o(&ro)
	}
	canonicalURI := c.prefix + k.path
	var lastErr error
	for attempt := 1; ; attempt++ {
		status, retryAfter, err := c.attempt(ctx, k, canonicalURI, body, ro, attempt, out)
		if err == nil {
			return nil
		}
		lastErr = err
		retry := false
		var apErr *Error
		switch {
		case ctx.Err() != nil:
		case errors.As(err, &apErr):
			retry = apErr.Retryable()
		case status == 0:
			retry = true // transport failure: the same key makes a retry safe
		}
		if !retry || attempt > c.cfg.MaxRetries {
			return lastErr
		}
		delay := c.backoff(attempt, retryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			return lastErr
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return lastErr
		case <-t.C:
		}
	}
}

func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := c.cfg.RetryBaseDelay << (attempt - 1)
	if d > c.cfg.RetryMaxDelay || d <= 0 {
		d = c.cfg.RetryMaxDelay
	}
	if retryAfter > d {
		d = min(retryAfter, c.cfg.RetryMaxDelay)
	}
	return d
}

func (c *Client) attempt(ctx context.Context, k call, canonicalURI string, body []byte, ro requestOptions, attempt int, out any) (status int, retryAfter time.Duration, err error) {
	start := time.Now()
	obs := Observation{Operation: k.op, Method: k.method, Path: canonicalURI, IdempotencyKey: k.idemKey, Attempt: attempt,
		Tag: ro.tag, RequestBody: body}
	defer func() {
		if c.cfg.Observer != nil {
			obs.HTTPStatus = status
			obs.Duration = time.Since(start)
			obs.Err = err
			var apErr *Error
			if errors.As(err, &apErr) {
				obs.ReasonCode = apErr.ReasonCode
				obs.RequestID = apErr.RequestID
			}
			c.cfg.Observer(obs)
		}
	}()

	headers := map[string]string{
		"accept":           "application/json",
		"content-type":     "application/json",
		"x-amz-pay-date":   c.cfg.Now().UTC().Format(TimeFormat),
		"x-amz-pay-host":   c.host,
		"x-amz-pay-region": c.cfg.Region,
	}
	if k.idemKey != "" {
		headers["x-amz-pay-idempotency-key"] = k.idemKey
	}
	for n, v := range ro.headers {
		headers[n] = v
	}
	auth, err := c.signer.SignRequest(k.method, canonicalURI, nil, headers, body)
	if err != nil {
		return 0, 0, err
	}
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, c.base+canonicalURI, rdr)
	if err != nil {
		return 0, 0, fmt.Errorf("amazonpay: %s: %w", k.op, err)
	}
	for n, v := range headers {
		req.Header[http.CanonicalHeaderKey(n)] = []string{v}
	}
	req.Header.Set("Authorization", auth)
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	} else {
		req.Header.Set("User-Agent", "kago-amazonpay/1 (Go)")
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("amazonpay: %s: %w", k.op, err)
	}
	defer resp.Body.Close()
	obs.RequestID = resp.Header.Get("x-amz-pay-request-id")
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		// The answer was cut: treat like a transport failure (retryable).
		return 0, 0, fmt.Errorf("amazonpay: %s: reading answer: %w", k.op, err)
	}
	if c.cfg.Observer != nil {
		obs.ResponseBody = data[:min(len(data), maxObservedBody)]
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apErr := &Error{Operation: k.op, HTTPStatus: resp.StatusCode, RequestID: obs.RequestID}
		var eb struct {
			ReasonCode string `json:"reasonCode"`
			Message    string `json:"message"`
		}
		if json.Unmarshal(data, &eb) == nil && eb.ReasonCode != "" {
			apErr.ReasonCode, apErr.Message = eb.ReasonCode, eb.Message
		} else {
			apErr.ReasonCode = http.StatusText(resp.StatusCode)
			apErr.Message = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		if s := resp.Header.Get("Retry-After"); s != "" {
			if n, err := strconv.Atoi(s); err == nil && n >= 0 {
				retryAfter = time.Duration(n) * time.Second
			}
		}
		return resp.StatusCode, retryAfter, apErr
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, 0, fmt.Errorf("amazonpay: %s: decode answer: %w", k.op, err)
		}
	}
	return resp.StatusCode, 0, nil
}
