package shop

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"kago/store"
)

// Cart types (カートタイプ).
const (
	CartZeroStep  = "zero"  // ゼロステップカート
	CartThreeStep = "three" // ３ステップカート
)

// Shipping fee modes.
const (
	ShippingFlat   = "flat"   // 全国一律
	ShippingRegion = "region" // 地域別
)

// Settings are the shop owner's choices, typed; stored as key-value rows.
type Settings struct {
	ShopName string // 店舗名
	// ShopDescription introduces the shop to search engines and link
	// previews (meta description, OGP).
	ShopDescription string

	CartType           string           // ゼロステップ or ３ステップ
	ShippingMode       string           // 全国一律 or 地域別
	ShippingFlatFee    int64            // 全国一律の送料
	ShippingRegionFees map[string]int64 // 地域別の送料, by Regions
	FreeShippingOver   int64            // この金額以上で送料無料 (0: none)
	CODFee             int64            // 代引き手数料
	BankDetails        string           // 振込先

	// What the final confirmation screen must show (特定商取引法 12条の6).
	ShippingLeadTime string // 引渡時期
	ReturnPolicy     string // 返品・キャンセルについて

	// ReservationMinutes is how long an Amazon Pay order waiting for the
	// buyer holds its stock (決済待ちの在庫確保時間).
	ReservationMinutes int64

	// 店舗情報・メール設定 (shop/shopinfo.go: a form and keys of its own).
	SenderName         string // 差出人名; empty: the shop name
	SenderEmail        string // 送信元メールアドレス
	ReplyTo            string // 返信先; empty: the sender address
	NotifyEmail        string // 控えの送信先 (受注通知用コピーメール); the first admin's by default
	PostalCode         string // 所在地の郵便番号
	Address            string // 所在地
	Phone              string // 電話番号
	URL                string // ショップのURL; empty: the address the shop is served at
	InvoiceNumber      string // 登録番号 (インボイス制度), T and 13 digits
	TransferDays       int    // お振込期限: days after the order
	YamatoBillingCode  string // ヤマト運輸 ご請求先顧客コード (B2クラウド)
	YamatoFreightCode  string // ヤマト運輸 運賃管理番号
	SagawaCustomerCode string // 佐川急便 お客様コード (e飛伝)

	PointsRate         int64  // ポイント付与率: percent of the goods paid for, given as points (0: none)
	MemberRegistration string // 会員登録処理のタイミング: RegisterAtOrder or RegisterAtCompletion
}

// Member registration timings (会員登録処理のタイミング, e-shops cart S): a
// member registered on the order page can log in, and is linked to the
// Amazon account used, when the order is placed (注文完了時) or only when
// the shop completes the order (受注完了時); until then it is 仮登録.
const (
	RegisterAtOrder      = "order"      // 注文完了時
	RegisterAtCompletion = "completion" // 受注完了時
)

// DefaultSettings is what a new shop starts with.
func DefaultSettings() Settings {
	return Settings{
		ShopName:          "かご屋 デモショップ",
		ShopDescription:   "静岡の深蒸し煎茶、宇治抹茶、季節の和菓子と茶器をお届けする小さなお茶屋です。",
		SenderEmail:       "shop@example.com",
		TransferDays:      defaultTransferDays,
		YamatoFreightCode: "01",
		CartType:          CartZeroStep,
		ShippingMode:      ShippingFlat,
		ShippingFlatFee:   880,
		ShippingRegionFees: map[string]int64{"北海道": 1320, "東北": 990, "関東": 880, "信越": 880, "北陸": 880, "東海": 880,
			"近畿": 880, "中国": 990, "四国": 990, "九州": 1100, "沖縄": 1650},
		FreeShippingOver: 8000,
		CODFee:           330,
		BankDetails:      "かご銀行 本店営業部 普通 1234567 カ）カゴヤ",
		ShippingLeadTime: "ご注文の確認後（銀行振込の場合はご入金の確認後）、3営業日以内に発送いたします。お届け希望日のご指定がある場合は、その日に合わせてお届けします。",
		ReturnPolicy: "商品到着後8日以内に限り、未開封・未使用の商品の返品を承ります。お客様のご都合による返品の送料はお客様のご負担となります。" +
			"不良品・誤配送の場合は、当店負担で交換または返金いたします。ご注文のキャンセルは、発送前に限りメールで承ります。",
		ReservationMinutes: 30,
		PointsRate:         1,
		MemberRegistration: RegisterAtOrder,
	}
}

func (st Settings) values() map[string]string {
	fees, _ := json.Marshal(st.ShippingRegionFees)
	return map[string]string{
		"shop_name":            st.ShopName,
		"shop_description":     st.ShopDescription,
		"cart_type":            st.CartType,
		"shipping_mode":        st.ShippingMode,
		"shipping_flat_fee":    strconv.FormatInt(st.ShippingFlatFee, 10),
		"shipping_region_fees": string(fees),
		"free_shipping_over":   strconv.FormatInt(st.FreeShippingOver, 10),
		"cod_fee":              strconv.FormatInt(st.CODFee, 10),
		"bank_details":         st.BankDetails,
		"shipping_lead_time":   st.ShippingLeadTime,
		"return_policy":        st.ReturnPolicy,
		"reservation_minutes":  strconv.FormatInt(st.ReservationMinutes, 10),
		"points_rate":          strconv.FormatInt(st.PointsRate, 10),
		"member_registration":  st.MemberRegistration,
	}
}

func settingsFrom(kv map[string]string) Settings {
	st := DefaultSettings()
	str := func(dst *string, key string) {
		if v, ok := kv[key]; ok {
			*dst = v
		}
	}
	num := func(dst *int64, key string) {
		if v, err := strconv.ParseInt(kv[key], 10, 64); err == nil {
			*dst = v
		}
	}
	str(&st.ShopName, "shop_name")
	str(&st.ShopDescription, "shop_description")
	str(&st.CartType, "cart_type")
	str(&st.ShippingMode, "shipping_mode")
	num(&st.ShippingFlatFee, "shipping_flat_fee")
	if v, ok := kv["shipping_region_fees"]; ok {
		fees := map[string]int64{}
		if json.Unmarshal([]byte(v), &fees) == nil {
			for r, f := range fees {
				st.ShippingRegionFees[r] = f
			}
		}
	}
	num(&st.FreeShippingOver, "free_shipping_over")
	num(&st.CODFee, "cod_fee")
	str(&st.BankDetails, "bank_details")
	str(&st.ShippingLeadTime, "shipping_lead_time")
	str(&st.ReturnPolicy, "return_policy")
	num(&st.ReservationMinutes, "reservation_minutes")
	num(&st.PointsRate, "points_rate")
	str(&st.MemberRegistration, "member_registration")
	readShopInfo(&st, kv)
	return st
}

// Settings returns the current settings, typed once per settings version
// (see settingsView): a save in this process shows at once, one by another
// process within 5 seconds (the store's cache). Reads that feed a write use
// settingsFrom(tx.Settings()) instead.
func (s *Shop) Settings(ctx context.Context) (Settings, error) {
	st, err := s.sharedSettings(ctx)
	return cloneSettings(st), err
}

// sharedSettings is Settings without the copy, for the pricing every
// checkout view does: its fee map is the view's, shared by every caller,
// and must only be read.
func (s *Shop) sharedSettings(ctx context.Context) (Settings, error) {
	v, err := s.view(ctx)
	if err != nil {
		return Settings{}, err
	}
	return v.shop, nil
}

// ShopName returns the shop's name and description as every storefront
// page's frame shows them, without the copy of the settings Settings
// makes (its fee map was 5% of a product page's allocations). It gives the
// default name when the settings cannot be read.
func (s *Shop) ShopName(ctx context.Context) (name, description string) {
	st, err := s.sharedSettings(ctx)
	if err != nil {
		return DefaultSettings().ShopName, ""
	}
	return st.ShopName, st.ShopDescription
}

// SettingsInput is the settings form as typed; amounts are text.
type SettingsInput struct {
	ShopName                       string
	ShopDescription                string
	CartType, ShippingMode         string
	ShippingFlatFee                string
	ShippingRegionFees             map[string]string
	FreeShippingOver, CODFee       string
	BankDetails                    string
	ShippingLeadTime, ReturnPolicy string
	ReservationMinutes             string
	PointsRate, MemberRegistration string
	// Base fingerprints the settings the form was opened with (FormBase).
	Base string
}

// Input turns settings back into form values, with their base.
func (st Settings) Input() SettingsInput {
	in := SettingsInput{ShopName: st.ShopName, CartType: st.CartType,
		ShippingMode: st.ShippingMode, ShippingFlatFee: strconv.FormatInt(st.ShippingFlatFee, 10),
		ShippingRegionFees: map[string]string{}, FreeShippingOver: strconv.FormatInt(st.FreeShippingOver, 10),
		CODFee: strconv.FormatInt(st.CODFee, 10), BankDetails: st.BankDetails, ShippingLeadTime: st.ShippingLeadTime, ReturnPolicy: st.ReturnPolicy, ReservationMinutes: strconv.FormatInt(st.ReservationMinutes, 10),
		ShopDescription: st.ShopDescription, PointsRate: strconv.FormatInt(st.PointsRate, 10), MemberRegistration: st.MemberRegistration,
		Base: FormBase(st.values())}
	for r, f := range st.ShippingRegionFees {
		in.ShippingRegionFees[r] = strconv.FormatInt(f, 10)
	}
	return in
}

// parse validates the form into settings.
func (in SettingsInput) parse() (Settings, error) {
	fields := map[string]string{}
	st := DefaultSettings()
	st.ShopName = strings.TrimSpace(in.ShopName)
	if n := utf8.RuneCountInString(st.ShopName); n == 0 || n > 60 {
		fields["shop_name"] = "店舗名を60文字以内で入力してください。"
	}
	st.ShopDescription = strings.Join(strings.Fields(in.ShopDescription), " ")
	if utf8.RuneCountInString(st.ShopDescription) > 160 {
		fields["shop_description"] = "ショップの紹介文は160文字以内で入力してください。"
	}
	st.CartType = in.CartType
	if st.CartType != CartZeroStep && st.CartType != CartThreeStep {
		fields["cart_type"] = "カートの種類を選んでください。"
	}
	st.ShippingMode = in.ShippingMode
	if st.ShippingMode != ShippingFlat && st.ShippingMode != ShippingRegion {
		fields["shipping_mode"] = "送料の設定方法を選んでください。"
	}
	yen := func(field, label, raw string) int64 {
		v, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(toHalfWidthDigits(raw)), ",", ""), 10, 64)
		if err != nil || v < 0 || v > 1_000_000 {
			fields[field] = label + "は0から1,000,000までの半角数字（円）で入力してください。"
		}
		return v
	}
	st.ShippingFlatFee = yen("shipping_flat_fee", "全国一律の送料", in.ShippingFlatFee)
	for _, r := range Regions {
		st.ShippingRegionFees[r] = yen("fee_"+r, r+"の送料", in.ShippingRegionFees[r])
	}
	st.FreeShippingOver = yen("free_shipping_over", "送料無料になる金額", in.FreeShippingOver)
	st.CODFee = yen("cod_fee", "代引き手数料", in.CODFee)
	st.BankDetails = strings.TrimSpace(in.BankDetails)
	if n := utf8.RuneCountInString(st.BankDetails); n == 0 || n > 500 {
		fields["bank_details"] = "振込先を500文字以内で入力してください。"
	}
	count := func(field, label, raw string, lo, hi int64) int64 {
		v, err := strconv.ParseInt(strings.TrimSpace(toHalfWidthDigits(raw)), 10, 64)
		if err != nil || v < lo || v > hi {
			fields[field] = fmt.Sprintf("%sは%dから%dまでの半角数字で入力してください。", label, lo, hi)
		}
		return v
	}
	st.ReservationMinutes = count("reservation_minutes", "在庫確保時間", in.ReservationMinutes, 5, 1440)
	text := func(dst *string, field, label, raw string) {
		*dst = strings.TrimSpace(raw)
		if n := utf8.RuneCountInString(*dst); n == 0 || n > 1000 {
			fields[field] = label + "を1000文字以内で入力してください。"
		}
	}
	text(&st.ShippingLeadTime, "shipping_lead_time", "発送の時期", in.ShippingLeadTime)
	text(&st.ReturnPolicy, "return_policy", "返品・キャンセルについて", in.ReturnPolicy)
	st.PointsRate = count("points_rate", "ポイント付与率（%）", in.PointsRate, 0, 100)
	st.MemberRegistration = in.MemberRegistration
	if st.MemberRegistration != RegisterAtOrder && st.MemberRegistration != RegisterAtCompletion {
		fields["member_registration"] = "会員登録処理のタイミングを選んでください。"
	}
	if len(fields) > 0 {
		return st, &InputError{Fields: fields}
	}
	return st, nil
}

// SaveSettings validates and stores the settings form, writing only the
// settings the form changed; one changed meanwhile by someone else is
// refused with a *StaleFormError (formbase.go).
func (s *Shop) SaveSettings(ctx context.Context, in SettingsInput) error {
	st, err := in.parse()
	if err != nil {
		return err
	}
	return s.saveMerged(ctx, in.Base, st.values(), func(kv map[string]string) map[string]string { return settingsFrom(kv).values() })
}

// saveMerged saves a settings form in one transaction: current gives the
// form's values as stored now (from the stored key/values), and putMerged
// writes what the form changed or refuses it.
func (s *Shop) saveMerged(ctx context.Context, base string, typed map[string]string, current func(kv map[string]string) map[string]string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		kv, err := tx.Settings()
		if err != nil {
			return err
		}
		return putMerged(tx, base, typed, current(kv))
	})
}

// putMerged writes the settings a form changed (typed against current, see
// mergeForm) or refuses the form naming the settings changed meanwhile.
func putMerged(tx *store.Tx, base string, typed, current map[string]string) error {
	write, conflicts := mergeForm(base, typed, current)
	if len(conflicts) > 0 {
		e := staleForm(conflicts, current, func(key, value string) (string, string) {
			if key == apPrefix+"private_key" {
				return settingLabels[key], "（表示しません）"
			}
			if label, ok := settingLabels[key]; ok {
				key = label
			}
			return key, shorten(value)
		})
		// The forms name the Amazon Pay fields without the key prefix.
		for k, m := range e.Fields {
			if f, ok := strings.CutPrefix(k, apPrefix); ok {
				delete(e.Fields, k)
				e.Fields[f] = m
			}
		}
		return e
	}
	changed := make(map[string]string, len(write))
	for _, k := range write {
		changed[k] = typed[k]
	}
	return tx.PutSettings(changed)
}

// settingLabels name settings in the stale-form message.
var settingLabels = map[string]string{
	"shop_name": "店舗名", "shop_description": "ショップの紹介文", "sender_email": "送信元メールアドレス",
	"notify_email": "控えの送信先メールアドレス", "cart_type": "カートの種類", "shipping_mode": "送料の設定方法",
	"shipping_flat_fee": "全国一律の送料", "shipping_region_fees": "地域別の送料", "free_shipping_over": "送料無料になる金額",
	"cod_fee": "代引き手数料", "bank_details": "銀行振込の振込先", "bank_transfer_days": "お振込期限",
	"shipping_lead_time": "発送の時期", "return_policy": "返品・キャンセルについて", "reservation_minutes": "決済待ちの在庫確保時間",
	"points_rate": "ポイント付与率", "member_registration": "会員登録処理のタイミング",
	"sender_name": "差出人名", "reply_to": "返信先メールアドレス", "shop_postal_code": "郵便番号", "shop_address": "所在地",
	"shop_phone": "電話番号", "shop_url": "ショップのURL", "invoice_number": "登録番号", "transfer_days": "お振込期限",
	"yamato_billing_code": "ご請求先顧客コード", "yamato_freight_code": "運賃管理番号", "sagawa_customer_code": "お客様コード",
	apPrefix + "environment": "接続先", apPrefix + "sale_method": "売上方式", apPrefix + "button_color": "ボタン色",
	apPrefix + "allow_increase": "増額の利用", apPrefix + "product_type": "Amazon画面での選択項目",
	apPrefix + "display_style": "カゴ画面内での表示形式", apPrefix + "notes": "注意書き",
	apPrefix + "notes_on_payment": "注意書きの表示（支払方法選択画面）", apPrefix + "notes_on_thanks": "注意書きの表示（サンクスメール）",
	apPrefix + "enabled_takkyubin": "宅配便での利用", apPrefix + "merchant_id": "出品者ID", apPrefix + "store_id": "ストアID",
	apPrefix + "public_key_id": "パブリックキーID", apPrefix + "private_key": "プライベートキー", apPrefix + "reference_prefix": "注文番号の接頭辞",
	apPrefix + "status_link": "「受注ステータス」と「決済処理」を連動",
}

// FreeShippingShortfall is how much more a goods subtotal needs for free
// shipping (「あと1,200円で送料無料」): 0 when it already ships free, -1 when
// the shop has no free-shipping threshold.
func (st Settings) FreeShippingShortfall(subtotal int64) int64 {
	if st.FreeShippingOver <= 0 {
		return -1
	}
	return max(0, st.FreeShippingOver-subtotal)
}

// ShippingFee is the fee for a prefecture and a goods subtotal.
func (st Settings) ShippingFee(prefecture string, subtotal int64) int64 {
	if st.FreeShippingOver > 0 && subtotal >= st.FreeShippingOver {
		return 0
	}
	if st.ShippingMode == ShippingRegion {
		if p, ok := PrefectureByName(prefecture); ok {
			return st.ShippingRegionFees[p.Region]
		}
	}
	return st.ShippingFlatFee
}

// ValidEmail accepts a bare address such as taro@example.jp.
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndex(s, "@"):], ".")
}
