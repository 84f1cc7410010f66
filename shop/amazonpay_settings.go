package shop

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"kago/amazonpay"
	"kago/store"
)

// Amazon Pay environments (接続先).
const (
	EnvEmulator = "emulator" // the local Amazon Pay inside kago
	EnvSandbox  = "sandbox"
	EnvLive     = "live"
)

// Sale methods (売上方式) are Amazon's payment intents.
const (
	SaleAuthorizeWithCapture = "AuthorizeWithCapture" // オーソリ+売上
	SaleAuthorize            = "Authorize"            // オーソリのみ
	SaleConfirm              = "Confirm"              // 確認（オーソリ未実行）
)

// SaleMethodLabel is the merchant's word for a sale method.
func SaleMethodLabel(m string) string {
	switch m {
	case SaleAuthorizeWithCapture:
		return "オーソリ+売上"
	case SaleAuthorize:
		return "オーソリのみ"
	case SaleConfirm:
		return "確認（オーソリ未実行）"
	}
	return m
}

// The emulator's merchant account for this shop: fixed names, a key pair
// generated on first start.
const (
	emulatorMerchantID  = "KAGOEMULATOR01"
	emulatorStoreID     = "amzn1.application-oa2-client.kagoemulator0000000000000"
	emulatorPublicKeyID = "SANDBOX-KAGOEMULATORSHOPKEY01"
)

// AmazonPaySettings is seed 000's 2-2 settings screen, typed.
type AmazonPaySettings struct {
	Environment      string
	MerchantID       string // 出品者ID
	StoreID          string // ストアID（クライアントID）
	PublicKeyID      string // パブリックキーID
	PrivateKeyPEM    string // never rendered back; only its fingerprint is shown
	SaleMethod       string
	ButtonColor      string // Gold, LightGray, DarkGray
	AllowIncrease    bool   // 増額の利用可否
	ProductType      string // Amazon画面での選択項目: PayAndShip or PayOnly
	DisplayStyle     string // カゴ画面内での表示形式: text or logo
	Notes            string // 注意書き
	NotesOnPayment   bool   // 支払方法画面に表示
	NotesOnThanks    bool   // サンクスメールに記載
	EnabledTakkyubin bool   // 宅配便で利用する
	// ReferencePrefix goes before the order number in merchantReferenceId,
	// so shops sharing one merchant account tell their orders apart.
	ReferencePrefix string
	// StatusLink: 「受注ステータス」と「決済処理」を連動する (seed 003; off by
	// default): 発送済み captures, キャンセル cancels or refunds.
	StatusLink bool

	emulatorKeyPEM string     // the generated key used in emulator mode
	parsed         *parsedKey // PrivateKeyPEM parsed with the settings
}

// DefaultAmazonPaySettings: the emulator, ready to try.
func DefaultAmazonPaySettings() AmazonPaySettings {
	return AmazonPaySettings{Environment: EnvEmulator, SaleMethod: SaleAuthorizeWithCapture, ButtonColor: "Gold",
		ProductType: amazonpay.ProductTypePayAndShip, DisplayStyle: "logo", EnabledTakkyubin: true,
		Notes: "Amazon Payでお支払いの場合も、ご注文の確認メールやお問い合わせへのご返信は当店からお送りします。", NotesOnPayment: true, NotesOnThanks: true}
}

const apPrefix = "amazonpay."

func amazonPaySettingsFrom(kv map[string]string) AmazonPaySettings {
	a := DefaultAmazonPaySettings()
	str := func(dst *string, key string) {
		if v, ok := kv[apPrefix+key]; ok {
			*dst = v
		}
	}
	flag := func(dst *bool, key string) {
		if v, ok := kv[apPrefix+key]; ok {
			*dst = v == "1"
		}
	}
	str(&a.Environment, "environment")
	str(&a.MerchantID, "merchant_id")
	str(&a.StoreID, "store_id")
	str(&a.PublicKeyID, "public_key_id")
	str(&a.PrivateKeyPEM, "private_key")
	str(&a.SaleMethod, "sale_method")
	str(&a.ButtonColor, "button_color")
	flag(&a.AllowIncrease, "allow_increase")
	str(&a.ProductType, "product_type")
	str(&a.DisplayStyle, "display_style")
	str(&a.Notes, "notes")
	flag(&a.NotesOnPayment, "notes_on_payment")
	flag(&a.NotesOnThanks, "notes_on_thanks")
	flag(&a.EnabledTakkyubin, "enabled_takkyubin")
	str(&a.ReferencePrefix, "reference_prefix")
	flag(&a.StatusLink, "status_link")
	str(&a.emulatorKeyPEM, "emulator_key")
	if a.Environment == EnvEmulator {
		a.MerchantID, a.StoreID, a.PublicKeyID, a.PrivateKeyPEM = emulatorMerchantID, emulatorStoreID, emulatorPublicKeyID, a.emulatorKeyPEM
	}
	return a
}

func (a AmazonPaySettings) values() map[string]string {
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	kv := map[string]string{
		"environment": a.Environment, "sale_method": a.SaleMethod, "button_color": a.ButtonColor,
		"allow_increase": b(a.AllowIncrease), "product_type": a.ProductType, "display_style": a.DisplayStyle,
		"notes": a.Notes, "notes_on_payment": b(a.NotesOnPayment), "notes_on_thanks": b(a.NotesOnThanks),
		"enabled_takkyubin": b(a.EnabledTakkyubin), "reference_prefix": a.ReferencePrefix, "status_link": b(a.StatusLink),
	}
	if a.Environment != EnvEmulator {
		kv["merchant_id"], kv["store_id"], kv["public_key_id"] = a.MerchantID, a.StoreID, a.PublicKeyID
		if a.PrivateKeyPEM != "" {
			kv["private_key"] = a.PrivateKeyPEM
		}
	}
	out := make(map[string]string, len(kv))
	for k, v := range kv {
		out[apPrefix+k] = v
	}
	return out
}

// Configured is seed 000's 「設定済み」: every credential is present and the
// private key parses (parsed once per settings version).
func (a AmazonPaySettings) Configured() bool {
	if a.MerchantID == "" || a.StoreID == "" || a.PublicKeyID == "" || a.PrivateKeyPEM == "" {
		return false
	}
	return a.privateKey().err == nil
}

// KeyFingerprint identifies the private key without showing it: the SHA-256
// of its public half, shortened; "" when the key does not parse.
func (a AmazonPaySettings) KeyFingerprint() string { return a.privateKey().fingerprint }

// AmazonPaySettings returns the Amazon Pay settings, read and their key
// parsed once per settings version (see Settings).
func (s *deps) AmazonPaySettings(ctx context.Context) (AmazonPaySettings, error) {
	v, err := s.view(ctx)
	if err != nil {
		return AmazonPaySettings{}, err
	}
	return v.amazon, nil
}

// TestMode tells whether Amazon Pay is configured against the emulator or
// Amazon's sandbox, where no money moves (the storefront says so).
func (s *Shop) TestMode(ctx context.Context) bool {
	a, err := s.AmazonPaySettings(ctx)
	return err == nil && a.Configured() && a.Environment != EnvLive
}

// AmazonPayInput is the settings form as typed.
type AmazonPayInput struct {
	Environment, MerchantID, StoreID, PublicKeyID, PrivateKeyPEM string
	SaleMethod, ButtonColor, ProductType, DisplayStyle           string
	AllowIncrease, NotesOnPayment, NotesOnThanks                 bool
	EnabledTakkyubin, StatusLink                                 bool
	Notes, ReferencePrefix                                       string
	Base                                                         string // FormBase of the settings shown
}

var (
	merchantIDRe  = regexp.MustCompile(`^[A-Z0-9]{8,20}$`)
	storeIDRe     = regexp.MustCompile(`^amzn1\.application-oa2-client\.[a-z0-9]{16,64}$`)
	publicKeyIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)
	prefixRe      = regexp.MustCompile(`^[A-Za-z0-9_-]{0,16}$`)
)

// SaveAmazonPaySettings validates and stores the form. An empty private key
// keeps the stored one.
func (s *Shop) SaveAmazonPaySettings(ctx context.Context, in AmazonPayInput) error {
	cur, err := s.AmazonPaySettings(ctx)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	a := cur
	a.Environment, a.SaleMethod, a.ButtonColor, a.ProductType, a.DisplayStyle = in.Environment, in.SaleMethod, in.ButtonColor, in.ProductType, in.DisplayStyle
	a.AllowIncrease, a.NotesOnPayment, a.NotesOnThanks, a.EnabledTakkyubin = in.AllowIncrease, in.NotesOnPayment, in.NotesOnThanks, in.EnabledTakkyubin
	a.Notes, a.StatusLink = strings.TrimSpace(in.Notes), in.StatusLink
	if a.ReferencePrefix = strings.TrimSpace(in.ReferencePrefix); !prefixRe.MatchString(a.ReferencePrefix) {
		fields["reference_prefix"] = "注文番号の接頭辞は半角英数字とハイフン・アンダースコアで16文字以内にしてください。"
	}
	switch a.Environment {
	case EnvEmulator:
	case EnvSandbox, EnvLive:
		a.MerchantID = strings.ToUpper(strings.TrimSpace(in.MerchantID))
		a.StoreID = strings.TrimSpace(in.StoreID)
		a.PublicKeyID = strings.TrimSpace(in.PublicKeyID)
		if !merchantIDRe.MatchString(a.MerchantID) {
			fields["merchant_id"] = "出品者IDは英大文字と数字（8〜20文字）で入力してください。セラーセントラルの「Amazon Pay」→「連携情報」に表示されています。"
		}
		if !storeIDRe.MatchString(a.StoreID) {
			fields["store_id"] = "ストアIDは「amzn1.application-oa2-client.」で始まるIDを入力してください。"
		}
		if !publicKeyIDRe.MatchString(a.PublicKeyID) {
			fields["public_key_id"] = "パブリックキーIDを正しく入力してください。"
		}
		if pemText := strings.TrimSpace(in.PrivateKeyPEM); pemText != "" {
			if _, err := amazonpay.ParsePrivateKey([]byte(pemText)); err != nil {
				fields["private_key"] = "プライベートキーを読み込めませんでした。「-----BEGIN PRIVATE KEY-----」から「-----END PRIVATE KEY-----」までをそのまま貼り付けてください。"
			} else {
				a.PrivateKeyPEM = pemText + "\n"
			}
		} else if cur.Environment == EnvEmulator || a.PrivateKeyPEM == "" {
			fields["private_key"] = "プライベートキーを貼り付けてください。"
		}
	default:
		fields["environment"] = "接続先を選んでください。"
	}
	if a.SaleMethod != SaleAuthorizeWithCapture && a.SaleMethod != SaleAuthorize && a.SaleMethod != SaleConfirm {
		fields["sale_method"] = "売上方式を選んでください。"
	}
	if a.ButtonColor != "Gold" && a.ButtonColor != "LightGray" && a.ButtonColor != "DarkGray" {
		fields["button_color"] = "ボタン色を選んでください。"
	}
	if a.ProductType != amazonpay.ProductTypePayAndShip && a.ProductType != amazonpay.ProductTypePayOnly {
		fields["product_type"] = "Amazon画面での選択項目を選んでください。"
	}
	if a.DisplayStyle != "text" && a.DisplayStyle != "logo" {
		fields["display_style"] = "カゴ画面内での表示形式を選んでください。"
	}
	if utf8.RuneCountInString(a.Notes) > 1000 {
		fields["notes"] = "注意書きは1000文字以内で入力してください。"
	}
	if len(fields) > 0 {
		return &InputError{Message: "入力内容に誤りがあります。赤字の項目をご確認ください。", Fields: fields}
	}
	return s.saveMerged(ctx, in.Base, a.values(), func(kv map[string]string) map[string]string { return amazonPaySettingsFrom(kv).values() })
}

// Base fingerprints the stored Amazon Pay settings for the form's
// base (lost updates, formbase.go).
func (a AmazonPaySettings) Base() string { return FormBase(a.values()) }

// AmazonPayEnv is how the shop reaches Amazon Pay and is reached back.
type AmazonPayEnv struct {
	ShopURL     string // the shop's public base URL, for return and IPN URLs
	EmulatorURL string // the emulator's API and script base in emulator mode
	HTTPClient  *http.Client
	// EmulatorCA is the PEM of the emulator's CA, which issues the
	// certificate its notifications are signed with; empty: fetched from
	// EmulatorURL/ca.pem (a separately running emulator).
	EmulatorCA []byte
	// RetryBaseDelay overrides the client's first retry delay (tests).
	RetryBaseDelay time.Duration
}

// amazonClients holds the environment and the client made for the
// current settings. Both are read on every page (the CSP's hosts, the
// button) through atomic pointers: under load, goroutines that queued on a
// mutex here formed a convoy (issue 15: a runtime trace of the order page
// at 256 connections showed ~25 goroutines waiting on it at any moment).
type amazonClients struct {
	env    atomic.Pointer[amazonEnv]
	mu     sync.Mutex // one client made at a time
	client atomic.Pointer[keyedClient]
}

// amazonEnv is an environment with the hosts it allows.
type amazonEnv struct {
	AmazonPayEnv
	hosts AmazonPayHosts
}

// keyedClient is a client with the environment and settings it was made
// for.
type keyedClient struct {
	env    *amazonEnv
	key    string
	client *amazonpay.Client
}

// noAmazonEnv is the environment before SetAmazonPayEnv.
var noAmazonEnv = &amazonEnv{hosts: amazonPayHosts("")}

// current is the environment SetAmazonPayEnv set last.
func (c *amazonClients) current() *amazonEnv {
	if e := c.env.Load(); e != nil {
		return e
	}
	return noAmazonEnv
}

// SetAmazonPayEnv tells the shop where Amazon Pay and the shop itself live.
func (s *Shop) SetAmazonPayEnv(env AmazonPayEnv) {
	s.amazon.env.Store(&amazonEnv{AmazonPayEnv: env, hosts: amazonPayHosts(env.EmulatorURL)})
}

func (s *deps) shopURL() string { return s.amazon.current().ShopURL }

// amazonClient returns the client for the current environment and
// settings, made once for them.
func (s *deps) amazonClient(a AmazonPaySettings) (*amazonpay.Client, error) {
	env := s.amazon.current()
	cacheKey := strings.Join([]string{a.Environment, a.PublicKeyID, a.KeyFingerprint()}, "|")
	made := func() *amazonpay.Client {
		if c := s.amazon.client.Load(); c != nil && c.env == env && c.key == cacheKey {
			return c.client
		}
		return nil
	}
	if c := made(); c != nil {
		return c, nil
	}
	s.amazon.mu.Lock()
	defer s.amazon.mu.Unlock()
	if c := made(); c != nil {
		return c, nil
	}
	key := a.privateKey()
	if key.err != nil {
		return nil, key.err
	}
	cfg := amazonpay.Config{PublicKeyID: a.PublicKeyID, PrivateKey: key.key, Sandbox: a.Environment != EnvLive,
		HTTPClient: env.HTTPClient, RetryBaseDelay: env.RetryBaseDelay, RetryMaxDelay: 4 * env.RetryBaseDelay,
		Observer: s.observeAmazon}
	if a.Environment == EnvEmulator {
		if env.EmulatorURL == "" {
			return nil, fmt.Errorf("amazon pay: emulator mode without an emulator URL")
		}
		cfg.BaseURL = env.EmulatorURL
		cfg.ButtonScriptURL = env.EmulatorURL + "/checkout.js"
	}
	c, err := amazonpay.New(cfg)
	if err != nil {
		return nil, err
	}
	s.amazon.client.Store(&keyedClient{env: env, key: cacheKey, client: c})
	return c, nil
}

// EmulatorMerchant returns the shop's merchant account for the emulator,
// generating its key pair on first use, so the emulator can register it.
func (s *Shop) EmulatorMerchant(ctx context.Context) (merchantID, storeID, publicKeyID, publicKeyPEM string, err error) {
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		kv, err := tx.Settings()
		if err != nil {
			return err
		}
		keyPEM := kv[apPrefix+"emulator_key"]
		key, perr := amazonpay.ParsePrivateKey([]byte(keyPEM))
		if perr != nil {
			if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				return err
			}
			der, err := x509.MarshalPKCS8PrivateKey(key)
			if err != nil {
				return err
			}
			if err := tx.PutSettings(map[string]string{apPrefix + "emulator_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}); err != nil {
				return err
			}
		}
		pub, err := amazonpay.MarshalPublicKeyPEM(&key.PublicKey)
		publicKeyPEM = string(pub)
		return err
	})
	return emulatorMerchantID, emulatorStoreID, emulatorPublicKeyID, publicKeyPEM, err
}

// EmulatorKey returns the private key of the shop's emulator merchant
// account (made by EmulatorMerchant on first use). The shop signs its
// registration with a separately running emulator with it: only the owner
// of the key can change the account there.
func (s *Shop) EmulatorKey(ctx context.Context) (*rsa.PrivateKey, error) {
	if _, _, _, _, err := s.EmulatorMerchant(ctx); err != nil {
		return nil, err
	}
	kv, err := s.db.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return amazonpay.ParsePrivateKey([]byte(kv[apPrefix+"emulator_key"]))
}

// IPNURL is the address Amazon posts notifications to (shown to copy).
func (s *Shop) IPNURL() string { return s.shopURL() + "/amazonpay/ipn" }
