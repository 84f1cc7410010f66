package amazonpay

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ButtonSignature is what amazon.Pay.renderButton needs in
// createCheckoutSessionConfig or signInConfig. PayloadJSON is the exact string
// that was signed: hand it to the page byte for byte (e.g. in a
// <script type="application/json"> element or a data attribute read back
// verbatim), never re-encode it.
type ButtonSignature struct {
	PayloadJSON string    `json:"payloadJSON"`
	Signature   string    `json:"signature"`
	PublicKeyID string    `json:"publicKeyId"`
	Algorithm   Algorithm `json:"algorithm"`
}

// SignButtonPayload signs an exact payload string.
func (c *Client) SignButtonPayload(payloadJSON string) (ButtonSignature, error) {
	sig, err := c.signer.SignPayload(payloadJSON)
	if err != nil {
		return ButtonSignature{}, err
	}
	return ButtonSignature{PayloadJSON: payloadJSON, Signature: sig, PublicKeyID: c.cfg.PublicKeyID, Algorithm: c.cfg.Algorithm}, nil
}

// SignCheckoutButton marshals a checkout-session payload (without HTML
// escaping, so the URLs keep their '&') and signs those bytes.
func (c *Client) SignCheckoutButton(payload CreateCheckoutSessionRequest) (ButtonSignature, error) {
	s, err := marshalPayload(payload)
	if err != nil {
		return ButtonSignature{}, err
	}
	return c.SignButtonPayload(s)
}

// SignSignInButton marshals a sign-in payload and signs those bytes.
func (c *Client) SignSignInButton(payload SignInPayload) (ButtonSignature, error) {
	s, err := marshalPayload(payload)
	if err != nil {
		return ButtonSignature{}, err
	}
	return c.SignButtonPayload(s)
}

func marshalPayload(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("amazonpay: button payload: %w", err)
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n")), nil
}
