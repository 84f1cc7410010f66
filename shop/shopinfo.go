package shop

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"kago/store"
)

// 店舗情報・メール設定: the shop's particulars that documents and mail
// signatures print, the sender of its mails, the bank-transfer deadline and
// the carrier codes of the label CSVs. They have a form of their own and
// keys of their own, so saving ショップ設定 leaves them alone.

// Default number of days a bank transfer may take (お振込期限).
const defaultTransferDays = 7

// shopInfoKeys are the settings keys this form owns.
var shopInfoKeys = []string{"sender_name", "sender_email", "reply_to", "notify_email", "shop_postal_code", "shop_address",
	"shop_phone", "shop_url", "invoice_number", "transfer_days", "yamato_billing_code", "yamato_freight_code", "sagawa_customer_code"}

func readShopInfo(st *Settings, kv map[string]string) {
	for key, dst := range st.shopInfoFields() {
		if v, ok := kv[key]; ok {
			*dst = v
		}
	}
	if n, err := strconv.Atoi(kv["transfer_days"]); err == nil {
		st.TransferDays = n
	}
}

// shopInfoFields maps the text settings of the form to their keys.
func (st *Settings) shopInfoFields() map[string]*string {
	return map[string]*string{"sender_name": &st.SenderName, "sender_email": &st.SenderEmail, "reply_to": &st.ReplyTo,
		"notify_email": &st.NotifyEmail, "shop_postal_code": &st.PostalCode, "shop_address": &st.Address, "shop_phone": &st.Phone,
		"shop_url": &st.URL, "invoice_number": &st.InvoiceNumber, "yamato_billing_code": &st.YamatoBillingCode,
		"yamato_freight_code": &st.YamatoFreightCode, "sagawa_customer_code": &st.SagawaCustomerCode}
}

// CopyAddress is where the shop's copies of its mails go (受注通知用
// コピーメール): the address set for them, else the sender address.
func (st Settings) CopyAddress() string {
	if st.NotifyEmail != "" {
		return st.NotifyEmail
	}
	return st.SenderEmail
}

// ShopInfoInput is the 店舗情報・メール設定 form as typed.
type ShopInfoInput struct {
	SenderName, SenderEmail, ReplyTo, NotifyEmail string
	PostalCode, Address, Phone, URL               string
	InvoiceNumber, TransferDays                   string
	YamatoBillingCode, YamatoFreightCode          string
	SagawaCustomerCode                            string
	// Base fingerprints the values the form was opened with (FormBase).
	Base string
}

// ShopInfoInput turns the settings back into form values, with their base.
func (st Settings) ShopInfoInput() ShopInfoInput {
	return ShopInfoInput{SenderName: st.SenderName, SenderEmail: st.SenderEmail, ReplyTo: st.ReplyTo, NotifyEmail: st.NotifyEmail,
		PostalCode: st.PostalCode, Address: st.Address, Phone: st.Phone, URL: st.URL, InvoiceNumber: st.InvoiceNumber,
		TransferDays: strconv.Itoa(st.TransferDays), YamatoBillingCode: st.YamatoBillingCode,
		YamatoFreightCode: st.YamatoFreightCode, SagawaCustomerCode: st.SagawaCustomerCode, Base: FormBase(st.shopInfoValues())}
}

// shopInfoValues are the stored texts of the form's keys (shopInfoKeys).
func (st Settings) shopInfoValues() map[string]string {
	v := map[string]string{"transfer_days": strconv.Itoa(st.TransferDays)}
	for key, p := range st.shopInfoFields() {
		v[key] = *p
	}
	return v
}

// shopInfoFormNames are the form's names of the keys that differ from them.
var shopInfoFormNames = map[string]string{"shop_postal_code": "postal_code", "shop_address": "address", "shop_phone": "phone", "shop_url": "url"}

// Field lengths of the form, in characters.
const (
	maxSenderName  = 40
	maxShopAddress = 100
	maxShopURL     = 200
)

// parse checks the form. Fields of the InputError are the form's names.
func (in ShopInfoInput) parse() (map[string]string, error) {
	fields := map[string]string{}
	trim := func(s string) string { return strings.TrimSpace(s) }
	v := map[string]string{}
	v["sender_name"] = trim(in.SenderName)
	if strings.ContainsAny(v["sender_name"], "\"<>\r\n") || utf8.RuneCountInString(v["sender_name"]) > maxSenderName {
		fields["sender_name"] = "差出人名は40文字以内で、「\"」「<」「>」を使わずに入力してください。"
	}
	v["sender_email"] = trim(toHalfWidth(in.SenderEmail))
	if !ValidEmail(v["sender_email"]) {
		fields["sender_email"] = "送信元メールアドレスの形式が正しくありません（例：shop@example.jp）。"
	}
	for key, label := range map[string]string{"reply_to": "返信先メールアドレス", "notify_email": "控えの送信先メールアドレス"} {
		raw := in.ReplyTo
		if key == "notify_email" {
			raw = in.NotifyEmail
		}
		v[key] = trim(toHalfWidth(raw))
		if v[key] != "" && !ValidEmail(v[key]) {
			fields[key] = label + "の形式が正しくありません（例：shop@example.jp）。"
		}
	}
	if v["notify_email"] == "" {
		fields["notify_email"] = "控えの送信先メールアドレスを入力してください。"
	}
	v["shop_postal_code"] = ""
	if trim(in.PostalCode) != "" {
		pc, ok := NormalizePostalCode(in.PostalCode)
		if !ok {
			fields["postal_code"] = "郵便番号は7桁の数字で入力してください（例：600-8001）。"
		}
		v["shop_postal_code"] = pc
	}
	v["shop_address"] = trim(in.Address)
	if utf8.RuneCountInString(v["shop_address"]) > maxShopAddress || strings.ContainsAny(v["shop_address"], "\r\n") {
		fields["address"] = "所在地は1行、100文字以内で入力してください。"
	}
	v["shop_phone"] = trim(toHalfWidth(in.Phone))
	if _, ok := NormalizePhone(v["shop_phone"]); v["shop_phone"] != "" && !ok {
		fields["phone"] = "電話番号は市外局番から10桁または11桁の数字で入力してください（例：075-000-0000）。"
	}
	v["shop_url"] = trim(in.URL)
	if u, err := url.Parse(v["shop_url"]); v["shop_url"] != "" &&
		(err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(v["shop_url"]) > maxShopURL) {
		fields["url"] = "ショップのURLは https:// から始まる形で入力してください（例：https://shop.example.jp/）。"
	}
	v["invoice_number"] = strings.ToUpper(trim(toHalfWidth(in.InvoiceNumber)))
	if n := v["invoice_number"]; n != "" && !ValidInvoiceNumber(n) {
		fields["invoice_number"] = "登録番号は「T」と13桁の数字で入力してください（例：T1234567890123）。"
	}
	days, err := strconv.Atoi(trim(toHalfWidthDigits(in.TransferDays)))
	if err != nil || days < 1 || days > 30 {
		fields["transfer_days"] = "お振込期限は1から30までの日数で入力してください。"
	}
	v["transfer_days"] = strconv.Itoa(days)
	for key, spec := range map[string]struct {
		raw, message string
		lengths      []int
	}{
		"yamato_billing_code":  {in.YamatoBillingCode, "ご請求先顧客コードは10桁から12桁の数字で入力してください。", []int{10, 11, 12}},
		"yamato_freight_code":  {in.YamatoFreightCode, "運賃管理番号は2桁の数字で入力してください（例：01）。", []int{2}},
		"sagawa_customer_code": {in.SagawaCustomerCode, "お客様コードは12桁の数字で入力してください。", []int{12}},
	} {
		code := strings.NewReplacer("-", "", " ", "").Replace(trim(toHalfWidth(spec.raw)))
		if code != "" && (!digitsOnly(code) || !slices.Contains(spec.lengths, len(code))) {
			fields[key] = spec.message
		}
		v[key] = code
	}
	if len(fields) > 0 {
		return nil, &InputError{Fields: fields}
	}
	return v, nil
}

// ValidInvoiceNumber accepts the form of a qualified invoice issuer's
// registration number (適格請求書発行事業者登録番号, 国税庁): T and 13 digits.
func ValidInvoiceNumber(s string) bool {
	return len(s) == 14 && s[0] == 'T' && digitsOnly(s[1:])
}

func digitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// SaveShopInfo checks and stores the 店舗情報・メール設定 form, and only its
// keys, those the form changed; a key changed meanwhile by someone else is
// refused with a *StaleFormError whose Fields use the form's names.
func (s *Shop) SaveShopInfo(ctx context.Context, in ShopInfoInput) error {
	values, err := in.parse()
	if err != nil {
		return err
	}
	err = s.saveMerged(ctx, in.Base, values, func(kv map[string]string) map[string]string { return settingsFrom(kv).shopInfoValues() })
	if se, ok := AsStaleForm(err); ok {
		for key, name := range shopInfoFormNames {
			if m, ok := se.Fields[key]; ok {
				delete(se.Fields, key)
				se.Fields[name] = m
			}
		}
	}
	return err
}

// defaultCopyAddress makes the first admin's address the one that receives
// the shop's copies when the shop has not chosen one, so the copies reach a
// person from the first order on.
func defaultCopyAddress(tx *store.Tx) error {
	kv, err := tx.Settings()
	if err != nil {
		return err
	}
	if _, ok := kv["notify_email"]; ok {
		return nil
	}
	email, err := tx.FirstAdminEmail()
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return tx.PutSettings(map[string]string{"notify_email": email})
}

// DefaultShopURL is the address the shop is served at, which mails and
// documents print while the settings leave the URL empty.
func (s *Shop) DefaultShopURL() string { return s.withShopURL(Settings{}).URL }
