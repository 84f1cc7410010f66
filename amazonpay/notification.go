package amazonpay

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Notification is the SNS envelope of an instant payment notification.
type Notification struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	Token            string `json:"Token,omitempty"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject,omitempty"`
	Message          string `json:"Message"`
	SubscribeURL     string `json:"SubscribeURL,omitempty"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	UnsubscribeURL   string `json:"UnsubscribeURL,omitempty"`
}

// IPNMessage is the Message of an Amazon Pay notification. It carries no
// state: GET the object it names.
type IPNMessage struct {
	MerchantID          string `json:"MerchantID"`
	ObjectType          string `json:"ObjectType"` // CHARGE_PERMISSION, CHARGE, REFUND, CHARGEBACK
	ObjectID            string `json:"ObjectId"`
	ChargePermissionID  string `json:"ChargePermissionId"`
	NotificationType    string `json:"NotificationType"` // STATE_CHANGE, ATTRIBUTE_CHANGE
	NotificationID      string `json:"NotificationId"`
	NotificationVersion string `json:"NotificationVersion"`
}

// Object types and notification types of IPNMessage.
const (
	ObjectTypeChargePermission = "CHARGE_PERMISSION"
	ObjectTypeCharge           = "CHARGE"
	ObjectTypeRefund           = "REFUND"
	ObjectTypeChargeback       = "CHARGEBACK"

	NotificationTypeStateChange     = "STATE_CHANGE"
	NotificationTypeAttributeChange = "ATTRIBUTE_CHANGE"
)

// ErrBadNotification is wrapped by every notification parsing or
// verification failure.
var ErrBadNotification = errors.New("amazonpay: bad notification")

func badNotification(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadNotification}, args...)...)
}

const maxNotificationBytes = 256 << 10

// ParseNotification parses an SNS envelope. It checks the shape only; use a
// NotificationVerifier to check the signature.
func ParseNotification(body []byte) (*Notification, error) {
	if len(body) > maxNotificationBytes {
		return nil, badNotification("too large")
	}
	var n Notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, badNotification("envelope: %v", err)
	}
	switch n.Type {
	case "Notification":
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		if n.SubscribeURL == "" || n.Token == "" {
			return nil, badNotification("%s without SubscribeURL or Token", n.Type)
		}
	default:
		return nil, badNotification("type %q", n.Type)
	}
	if n.MessageID == "" || n.TopicArn == "" || n.Timestamp == "" || n.Signature == "" || n.SigningCertURL == "" {
		return nil, badNotification("missing MessageId, TopicArn, Timestamp, Signature or SigningCertURL")
	}
	if n.SignatureVersion != "1" && n.SignatureVersion != "2" {
		return nil, badNotification("signature version %q", n.SignatureVersion)
	}
	return &n, nil
}

// IPN parses the Message of a notification (key names in any case).
func (n *Notification) IPN() (*IPNMessage, error) {
	var m IPNMessage
	if err := json.Unmarshal([]byte(n.Message), &m); err != nil {
		return nil, badNotification("message: %v", err)
	}
	if m.ObjectType == "" || m.ObjectID == "" {
		return nil, badNotification("message without ObjectType or ObjectId")
	}
	return &m, nil
}

// StringToSign returns SNS's string to sign: "key\nvalue\n" for Message,
// MessageId, Subject (when present), Timestamp, TopicArn and Type of a
// Notification; SubscribeURL and Token too for the confirmations.
func (n *Notification) StringToSign() string {
	var b strings.Builder
	add := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('\n')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	add("Message", n.Message)
	add("MessageId", n.MessageID)
	if n.Type == "Notification" {
		if n.Subject != "" {
			add("Subject", n.Subject)
		}
	} else {
		add("SubscribeURL", n.SubscribeURL)
	}
	add("Timestamp", n.Timestamp)
	if n.Type != "Notification" {
		add("Token", n.Token)
	}
	add("TopicArn", n.TopicArn)
	add("Type", n.Type)
	return b.String()
}

func snsHash(version string, s string) (crypto.Hash, []byte, error) {
	switch version {
	case "1":
		sum := sha1.Sum([]byte(s))
		return crypto.SHA1, sum[:], nil
	case "2":
		sum := sha256.Sum256([]byte(s))
		return crypto.SHA256, sum[:], nil
	}
	return 0, nil, badNotification("signature version %q", version)
}

// SignNotification fills Signature of n with an RSA PKCS#1 v1.5 signature
// (SHA1withRSA for SignatureVersion "1", SHA256withRSA for "2"). The
// emulator uses it; it is exported for tests of notification handlers.
func SignNotification(n *Notification, key *rsa.PrivateKey) error {
	h, sum, err := snsHash(n.SignatureVersion, n.StringToSign())
	if err != nil {
		return err
	}
	sig, err := rsa.SignPKCS1v15(nil, key, h, sum)
	if err != nil {
		return err
	}
	n.Signature = base64.StdEncoding.EncodeToString(sig)
	return nil
}

// VerifyNotificationSignature checks n's signature with the signing certificate.
func VerifyNotificationSignature(n *Notification, cert *x509.Certificate) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return badNotification("signing certificate key is not RSA")
	}
	sig, err := base64.StdEncoding.DecodeString(n.Signature)
	if err != nil {
		return badNotification("signature is not base64")
	}
	h, sum, err := snsHash(n.SignatureVersion, n.StringToSign())
	if err != nil {
		return err
	}
	if err := rsa.VerifyPKCS1v15(pub, h, sum, sig); err != nil {
		return badNotification("signature does not verify")
	}
	return nil
}

var snsHostRE = regexp.MustCompile(`^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$`)

// AmazonCertURL is the default certificate URL rule: https, a host
// sns.<region>.amazonaws.com(.cn), the default port and a path ending in .pem.
func AmazonCertURL(u *url.URL) error {
	if u.Scheme != "https" || u.User != nil || !snsHostRE.MatchString(u.Hostname()) ||
		(u.Port() != "" && u.Port() != "443") || !strings.HasSuffix(u.Path, ".pem") {
		return badNotification("signing certificate URL %q is not Amazon SNS's", u.String())
	}
	return nil
}

// CertURLPrefixes returns a certificate URL rule that accepts URLs starting
// with one of the prefixes and ending in .pem; for the emulator, e.g.
// CertURLPrefixes("https://127.0.0.1:8443/sns/"). Combine it with
// NotificationVerifier.Roots set to the emulator's CA.
func CertURLPrefixes(prefixes ...string) func(*url.URL) error {
	return func(u *url.URL) error {
		s := u.String()
		if u.User == nil && strings.HasSuffix(u.Path, ".pem") {
			for _, p := range prefixes {
				if p != "" && strings.HasPrefix(s, p) {
					return nil
				}
			}
		}
		return badNotification("signing certificate URL %q is not trusted", s)
	}
}

// NotificationVerifier verifies IPN envelopes: certificate URL rule, the
// certificate (fetched once per URL and cached) and the signature. The zero
// value trusts Amazon SNS only, with http.DefaultClient-like defaults.
type NotificationVerifier struct {
	// HTTPClient fetches certificates; a client with a 10 s timeout by default.
	HTTPClient *http.Client
	// CertURL checks the SigningCertURL; AmazonCertURL by default.
	CertURL func(*url.URL) error
	// Roots, if set, must issue the signing certificate (e.g. the emulator's
	// CA). When nil the certificate is trusted for coming over https from a
	// URL that CertURL accepts, as Amazon's SDKs do.
	Roots *x509.CertPool
	// Now is the clock for certificate validity; time.Now by default.
	Now func() time.Time

	mu    sync.Mutex
	certs map[string]*x509.Certificate
}

// Verify parses and verifies a notification body and returns the envelope
// and its Amazon Pay message. Only Type "Notification" is accepted.
func (v *NotificationVerifier) Verify(ctx context.Context, body []byte) (*Notification, *IPNMessage, error) {
	n, err := ParseNotification(body)
	if err != nil {
		return nil, nil, err
	}
	if n.Type != "Notification" {
		return nil, nil, badNotification("type %q is not a notification", n.Type)
	}
	cert, err := v.certificate(ctx, n.SigningCertURL)
	if err != nil {
		return nil, nil, err
	}
	if err := VerifyNotificationSignature(n, cert); err != nil {
		return nil, nil, err
	}
	m, err := n.IPN()
	if err != nil {
		return nil, nil, err
	}
	return n, m, nil
}

func (v *NotificationVerifier) certificate(ctx context.Context, raw string) (*x509.Certificate, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, badNotification("signing certificate URL: %v", err)
	}
	check := v.CertURL
	if check == nil {
		check = AmazonCertURL
	}
	if err := check(u); err != nil {
		return nil, err
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	v.mu.Lock()
	cert := v.certs[raw]
	v.mu.Unlock()
	if cert == nil {
		cert, err = v.fetch(ctx, raw)
		if err != nil {
			return nil, err
		}
		if v.Roots != nil {
			if _, err := cert.Verify(x509.VerifyOptions{Roots: v.Roots, CurrentTime: now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				return nil, badNotification("signing certificate: %v", err)
			}
		}
		v.mu.Lock()
		if v.certs == nil {
			v.certs = map[string]*x509.Certificate{}
		}
		v.certs[raw] = cert
		v.mu.Unlock()
	}
	if t := now(); t.Before(cert.NotBefore) || t.After(cert.NotAfter) {
		return nil, badNotification("signing certificate is not valid now")
	}
	return cert, nil
}

func (v *NotificationVerifier) fetch(ctx context.Context, raw string) (*x509.Certificate, error) {
	hc := v.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second, Transport: transport}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, badNotification("signing certificate: %v", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("amazonpay: fetching signing certificate: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		// The trusted host answered that there is no such certificate:
		// the URL was made up, like the notification.
		return nil, badNotification("signing certificate: %s", resp.Status)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("amazonpay: fetching signing certificate: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("amazonpay: fetching signing certificate: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, badNotification("signing certificate is not a PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, badNotification("signing certificate: %v", err)
	}
	return cert, nil
}
