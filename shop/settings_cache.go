package shop

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"maps"
	"sync"
	"sync/atomic"

	"kago/amazonpay"
)

// settingsView is what the shop derives from one version of the settings
// (store.SettingsSnapshot), built once per version instead of on every
// page: the typed shop and Amazon Pay settings, the private key parsed, and
// the signed Amazon Pay button of each checkout that showed it.
type settingsView struct {
	version uint64
	shop    Settings
	amazon  AmazonPaySettings
	buttons buttonCache
}

// settingsViews holds the view of the newest settings version read; pages
// read it without a lock (see amazonClients).
type settingsViews struct {
	mu  sync.Mutex // one view built at a time
	cur atomic.Pointer[settingsView]
}

// view returns the settings view, rebuilt when the settings changed (the
// store's cache tells: a save in this process at once, another process's
// within 5 seconds (the store's cache)).
func (d *deps) view(ctx context.Context) (*settingsView, error) {
	snap, err := d.db.CurrentSettings(ctx)
	if err != nil {
		return nil, err
	}
	if v := d.views.cur.Load(); v != nil && v.version == snap.Version {
		return v, nil
	}
	d.views.mu.Lock()
	defer d.views.mu.Unlock()
	if v := d.views.cur.Load(); v != nil && v.version == snap.Version {
		return v, nil
	}
	v := &settingsView{version: snap.Version, shop: settingsFrom(snap.Values), amazon: amazonPaySettingsFrom(snap.Values)}
	v.amazon.parsed = parseKey(v.amazon.PrivateKeyPEM)
	d.views.cur.Store(v)
	return v, nil
}

// parsedKey is a private key parsed once, with the PEM it came from.
type parsedKey struct {
	pem         string
	key         *rsa.PrivateKey
	err         error
	fingerprint string // SHA256: of the public half, shortened
}

func parseKey(pemText string) *parsedKey {
	p := &parsedKey{pem: pemText}
	if p.key, p.err = amazonpay.ParsePrivateKey([]byte(pemText)); p.err == nil {
		der, _ := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
		sum := sha256.Sum256(der)
		p.fingerprint = "SHA256:" + hex.EncodeToString(sum[:12])
	}
	return p
}

// privateKey is the settings' key, parsed: the one parsed with the
// settings when the PEM is still that one, else parsed now.
func (a AmazonPaySettings) privateKey() *parsedKey {
	if a.parsed != nil && a.parsed.pem == a.PrivateKeyPEM {
		return a.parsed
	}
	return parseKey(a.PrivateKeyPEM)
}

// maxCachedButtons bounds the signed buttons kept per settings version
// (about 1.5 KB each with the key): the checkouts a small shop's buyers
// have open at once, and a few hundred KB; the oldest go first.
const maxCachedButtons = 512

// buttonCache keeps the signed checkout-button payload per checkout: the
// payload depends only on the checkout, the shop's URL and the settings,
// and signing it (RSA) costs more than the rest of the page.
type buttonCache struct {
	mu     sync.Mutex
	signed map[string]amazonpay.ButtonSignature
	order  []string // keys, oldest first
}

// get returns the cached signature of key, or signs with sign and keeps it.
func (b *buttonCache) get(key string, sign func() (amazonpay.ButtonSignature, error)) (amazonpay.ButtonSignature, error) {
	b.mu.Lock()
	sig, ok := b.signed[key]
	b.mu.Unlock()
	if ok {
		return sig, nil
	}
	sig, err := sign()
	if err != nil {
		return sig, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.signed == nil {
		b.signed = map[string]amazonpay.ButtonSignature{}
	}
	if _, ok := b.signed[key]; !ok {
		if len(b.order) >= maxCachedButtons {
			delete(b.signed, b.order[0])
			b.order = b.order[1:]
		}
		b.order = append(b.order, key)
	}
	b.signed[key] = sig
	return sig, nil
}

// cloneSettings gives a caller settings of its own (the fee map is shared
// by the view otherwise).
func cloneSettings(st Settings) Settings {
	st.ShippingRegionFees = maps.Clone(st.ShippingRegionFees)
	return st
}
