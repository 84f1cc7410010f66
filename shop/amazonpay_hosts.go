package shop

import "net/url"

// AmazonPayHosts are the origins the shop's pages may use for Amazon Pay,
// for the Content-Security-Policy.
type AmazonPayHosts struct {
	Script []string // the button script (checkout.js)
	Other  []string // its frames, images, calls and the sign-in pages the button posts to
}

// Amazon's hosts: checkout.js comes from static-fe.payments-amazon.com
// (AMAZON-PAY.md section 1); the button's frames, images and the buyer's
// sign-in and payment pages are on Amazon's payment and shop domains.
var (
	amazonScriptHosts = []string{"https://static-fe.payments-amazon.com"}
	amazonOtherHosts  = []string{"https://*.payments-amazon.com", "https://*.amazon.co.jp", "https://*.amazon.com", "https://*.media-amazon.com"}
)

// AmazonPayHosts returns Amazon's hosts plus the emulator's origin (the
// emulator serves its checkout.js and hosted pages there), whatever the
// current environment, so switching it needs no restart. They are worked
// out once per environment (SetAmazonPayEnv); the slices are shared, for
// reading only.
func (s *Shop) AmazonPayHosts() AmazonPayHosts { return s.amazon.current().hosts }

// amazonPayHosts are Amazon's hosts plus the origin of emulatorURL, if any.
func amazonPayHosts(emulatorURL string) AmazonPayHosts {
	h := AmazonPayHosts{Script: append([]string(nil), amazonScriptHosts...), Other: append([]string(nil), amazonOtherHosts...)}
	if u, err := url.Parse(emulatorURL); err == nil && u.Scheme != "" && u.Host != "" {
		origin := u.Scheme + "://" + u.Host
		h.Script, h.Other = append(h.Script, origin), append(h.Other, origin)
	}
	return h
}
