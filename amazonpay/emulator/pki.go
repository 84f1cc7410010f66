package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"

	"kago/amazonpay"
)

// pki holds the emulator's own CA and the notification signing certificate,
// made on first use.
type pki struct {
	once    sync.Once
	err     error
	key     *rsa.PrivateKey // signs notifications
	caKey   *ecdsa.PrivateKey
	ca      *x509.Certificate
	caPEM   []byte
	snsPEM  []byte
	snsName string // SimpleNotificationService-<fingerprint>.pem
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func (e *Emulator) ensurePKI() error {
	k := &e.pki
	k.once.Do(func() {
		if k.key == nil {
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				k.err = err
				return
			}
			k.key = key
		}
		caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			k.err = err
			return
		}
		now := time.Now()
		caTmpl := &x509.Certificate{
			SerialNumber:          serial(),
			Subject:               pkix.Name{CommonName: "Kago Amazon Pay Emulator CA", Organization: []string{"Kago"}},
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.AddDate(10, 0, 0),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
		if err != nil {
			k.err = err
			return
		}
		ca, _ := x509.ParseCertificate(caDER)
		snsTmpl := &x509.Certificate{
			SerialNumber: serial(),
			Subject:      pkix.Name{CommonName: "sns.emulator.amazonaws.com", Organization: []string{"Kago Amazon Pay Emulator"}},
			NotBefore:    now.Add(-time.Hour),
			// Long enough for a moved clock (180 days and more).
			NotAfter: now.AddDate(10, 0, 0),
			KeyUsage: x509.KeyUsageDigitalSignature,
		}
		snsDER, err := x509.CreateCertificate(rand.Reader, snsTmpl, ca, &k.key.PublicKey, caKey)
		if err != nil {
			k.err = err
			return
		}
		sum := sha256.Sum256(snsDER)
		k.caKey, k.ca = caKey, ca
		k.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
		k.snsPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: snsDER})
		k.snsName = "SimpleNotificationService-" + hex.EncodeToString(sum[:16]) + ".pem"
	})
	return k.err
}

// CACertPEM returns the PEM of the emulator's CA, which issues the
// notification signing certificate and the TLS certificate of TLSConfig.
func (e *Emulator) CACertPEM() ([]byte, error) {
	if err := e.ensurePKI(); err != nil {
		return nil, err
	}
	return e.pki.caPEM, nil
}

// CACertPool returns a pool holding the emulator's CA.
func (e *Emulator) CACertPool() (*x509.CertPool, error) {
	if err := e.ensurePKI(); err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(e.pki.ca)
	return pool, nil
}

// SigningCertURL returns the URL of the notification signing certificate
// (below PublicURL).
func (e *Emulator) SigningCertURL() (string, error) {
	if err := e.ensurePKI(); err != nil {
		return "", err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.urlLocked("/sns/" + e.pki.snsName), nil
}

// NotificationVerifier returns a verifier for this emulator's notifications:
// certificate URLs below PublicURL/sns/, a certificate issued by the
// emulator's CA, fetched with hc (nil: a default client).
func (e *Emulator) NotificationVerifier(hc *http.Client) (*amazonpay.NotificationVerifier, error) {
	pool, err := e.CACertPool()
	if err != nil {
		return nil, err
	}
	return &amazonpay.NotificationVerifier{
		HTTPClient: hc,
		CertURL:    amazonpay.CertURLPrefixes(e.PublicURL() + "/sns/"),
		Roots:      pool,
	}, nil
}

// TLSConfig returns a server TLS configuration with a certificate issued by
// the emulator's CA for the given host names and IP addresses (127.0.0.1,
// ::1 and localhost are always included).
func (e *Emulator) TLSConfig(hosts ...string) (*tls.Config, error) {
	if err := e.ensurePKI(); err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "Kago Amazon Pay Emulator"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, h := range hosts {
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, e.pki.ca, &key.PublicKey, e.pki.caKey)
	if err != nil {
		return nil, fmt.Errorf("emulator: TLS certificate: %w", err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	}, nil
}
