package amazonpay

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Algorithm names a request-signing algorithm. Both are RSASSA-PSS with SHA-256
// and MGF1-SHA-256; they differ in the salt length.
type Algorithm string

// The two signing algorithms of Amazon Pay v2.
const (
	AlgorithmV2 Algorithm = "AMZN-PAY-RSASSA-PSS-V2" // salt 32: the default
	AlgorithmV1 Algorithm = "AMZN-PAY-RSASSA-PSS"    // salt 20: the older one
)

// ErrUnknownAlgorithm is returned for an algorithm name that is neither of the two.
var ErrUnknownAlgorithm = errors.New("amazonpay: unknown signing algorithm")

// SaltLength returns the PSS salt length the algorithm name prescribes.
func (a Algorithm) SaltLength() (int, error) {
	switch a {
	case AlgorithmV2:
		return 32, nil
	case AlgorithmV1:
		return 20, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, string(a))
}

// Header is one signed header: a lower-case name and its raw value.
type Header struct {
	Name  string
	Value string
}

// HashHex returns hex(SHA-256(b)).
func HashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CanonicalQuery returns the canonical query string: keys sorted, values
// encoded as JavaScript's encodeURIComponent does, pairs joined with "&".
func CanonicalQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vs := q[k]
		if len(vs) == 0 {
			vs = []string{""}
		}
		for _, v := range vs {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(encodeURIComponent(v))
		}
	}
	return b.String()
}

func encodeURIComponent(s string) string {
	const hexdigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdigits[c>>4])
		b.WriteByte(hexdigits[c&15])
	}
	return b.String()
}

// CanonicalRequest builds Amazon's canonical request:
//
//	METHOD
//	/canonical/uri
//	canonical-query
//	name1:value1 ... (one line per signed header, in the order given)
//	(empty line)
//	name1;name2;...
//	hex(SHA-256(body))
//
// Header names are lower-cased; values are used as they are. The caller
// chooses the order: a signer sorts by name, a verifier follows SignedHeaders.
func CanonicalRequest(method, canonicalURI, canonicalQuery string, headers []Header, body []byte) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery)
	b.WriteByte('\n')
	names := make([]string, len(headers))
	for i, h := range headers {
		names[i] = strings.ToLower(h.Name)
		b.WriteString(names[i])
		b.WriteByte(':')
		b.WriteString(h.Value)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(names, ";"))
	b.WriteByte('\n')
	b.WriteString(HashHex(body))
	return b.String()
}

// StringToSign returns ALGORITHM + "\n" + hex(SHA-256(canonical)). The same
// form signs button payloads, with the payload JSON as canonical.
func StringToSign(alg Algorithm, canonical string) string {
	return string(alg) + "\n" + HashHex([]byte(canonical))
}

// SignString signs s (a string to sign) with RSASSA-PSS, SHA-256 and the
// algorithm's salt length, and returns the signature in standard base64.
func SignString(key *rsa.PrivateKey, alg Algorithm, s string) (string, error) {
	salt, err := alg.SaltLength()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(s))
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, sum[:], &rsa.PSSOptions{SaltLength: salt, Hash: crypto.SHA256})
	if err != nil {
		return "", fmt.Errorf("amazonpay: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// ErrBadSignature is returned when a signature does not verify.
var ErrBadSignature = errors.New("amazonpay: signature does not verify")

// VerifyString checks a base64 RSASSA-PSS signature of s with exactly the salt
// length that alg names (as Amazon does; "auto" would be more lenient).
func VerifyString(pub *rsa.PublicKey, alg Algorithm, s, signatureB64 string) error {
	salt, err := alg.SaltLength()
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(signatureB64)
	if err != nil {
		return fmt.Errorf("%w: bad base64", ErrBadSignature)
	}
	sum := sha256.Sum256([]byte(s))
	if err := rsa.VerifyPSS(pub, crypto.SHA256, sum[:], sig, &rsa.PSSOptions{SaltLength: salt, Hash: crypto.SHA256}); err != nil {
		return ErrBadSignature
	}
	return nil
}

// ParsePrivateKey reads an RSA private key in PEM, PKCS#8 ("BEGIN PRIVATE KEY")
// or PKCS#1 ("BEGIN RSA PRIVATE KEY").
func ParsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("amazonpay: private key: no PEM block")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("amazonpay: private key: %w", err)
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("amazonpay: private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("amazonpay: private key: %T is not RSA", k)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("amazonpay: private key: unexpected PEM type %q", block.Type)
}

// ParsePublicKey reads an RSA public key in PEM: PKIX ("BEGIN PUBLIC KEY", what
// Seller Central shows) or PKCS#1 ("BEGIN RSA PUBLIC KEY").
func ParsePublicKey(pemBytes []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("amazonpay: public key: no PEM block")
	}
	switch block.Type {
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("amazonpay: public key: %w", err)
		}
		return k, nil
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("amazonpay: public key: %w", err)
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("amazonpay: public key: %T is not RSA", k)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("amazonpay: public key: unexpected PEM type %q", block.Type)
}

// MarshalPublicKeyPEM returns the PKIX PEM of the key's public half, the form
// to register with Amazon (or the emulator).
func MarshalPublicKeyPEM(pub *rsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// Authorization is the parsed authorization header:
// "ALGORITHM PublicKeyId=ID, SignedHeaders=a;b;c, Signature=BASE64".
type Authorization struct {
	Algorithm     Algorithm
	PublicKeyID   string
	SignedHeaders []string
	Signature     string
}

// String formats the header value.
func (a Authorization) String() string {
	return string(a.Algorithm) + " PublicKeyId=" + a.PublicKeyID +
		", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") +
		", Signature=" + a.Signature
}

// ErrBadAuthorization is returned by ParseAuthorization for a malformed header.
var ErrBadAuthorization = errors.New("amazonpay: malformed authorization header")

// ParseAuthorization parses the authorization header. It accepts the
// parameters in any order, separated by commas with optional spaces.
func ParseAuthorization(h string) (Authorization, error) {
	var a Authorization
	h = strings.TrimSpace(h)
	alg, rest, ok := strings.Cut(h, " ")
	if !ok || alg == "" {
		return a, ErrBadAuthorization
	}
	a.Algorithm = Algorithm(alg)
	seen := map[string]bool{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || seen[k] {
			return a, ErrBadAuthorization
		}
		seen[k] = true
		switch k {
		case "PublicKeyId":
			a.PublicKeyID = v
		case "SignedHeaders":
			if v != "" {
				a.SignedHeaders = strings.Split(v, ";")
			}
		case "Signature":
			// base64 may end in '='; Cut kept everything after the first '='.
			a.Signature = v
		default:
			return a, ErrBadAuthorization
		}
	}
	if a.PublicKeyID == "" || len(a.SignedHeaders) == 0 || a.Signature == "" {
		return a, ErrBadAuthorization
	}
	for _, n := range a.SignedHeaders {
		if n == "" || n != strings.ToLower(n) {
			return a, ErrBadAuthorization
		}
	}
	return a, nil
}

// Signer signs requests and button payloads with one key.
type Signer struct {
	PublicKeyID string
	Key         *rsa.PrivateKey
	Algorithm   Algorithm // empty means AlgorithmV2
}

func (s Signer) alg() Algorithm {
	if s.Algorithm == "" {
		return AlgorithmV2
	}
	return s.Algorithm
}

// SignRequest signs a request whose headers (lower-case names) are all to be
// signed, and returns the authorization header value. Headers are sorted by name.
func (s Signer) SignRequest(method, canonicalURI string, query url.Values, headers map[string]string, body []byte) (string, error) {
	hs := make([]Header, 0, len(headers))
	for k, v := range headers {
		hs = append(hs, Header{Name: strings.ToLower(k), Value: v})
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].Name < hs[j].Name })
	canonical := CanonicalRequest(method, canonicalURI, CanonicalQuery(query), hs, body)
	sig, err := SignString(s.Key, s.alg(), StringToSign(s.alg(), canonical))
	if err != nil {
		return "", err
	}
	names := make([]string, len(hs))
	for i, h := range hs {
		names[i] = h.Name
	}
	return Authorization{Algorithm: s.alg(), PublicKeyID: s.PublicKeyID, SignedHeaders: names, Signature: sig}.String(), nil
}

// SignPayload signs a button payload: the exact bytes of payloadJSON.
func (s Signer) SignPayload(payloadJSON string) (string, error) {
	return SignString(s.Key, s.alg(), StringToSign(s.alg(), payloadJSON))
}

// VerifyPayload checks a button payload signature; the emulator uses it.
func VerifyPayload(pub *rsa.PublicKey, alg Algorithm, payloadJSON, signatureB64 string) error {
	return VerifyString(pub, alg, StringToSign(alg, payloadJSON), signatureB64)
}
