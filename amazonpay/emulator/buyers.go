package emulator

import "kago/amazonpay"

// Behavior is what a test payment instrument does when it is authorized.
type Behavior string

// Behaviours of test instruments.
const (
	Approve        Behavior = "approve"         // authorized at once
	SoftDecline    Behavior = "soft-decline"    // declined SoftDeclined: the buyer is asked for another instrument
	HardDecline    Behavior = "hard-decline"    // declined HardDeclined: the checkout session is Canceled Declined
	PendingApprove Behavior = "pending-approve" // AuthorizationInitiated, Authorized after the pending delay
	PendingDecline Behavior = "pending-decline" // AuthorizationInitiated, Declined HardDeclined after the delay
	BuyerCancel    Behavior = "buyer-cancel"    // the buyer cancels on the way back: Canceled BuyerCanceled
)

// Instrument is a test payment instrument.
type Instrument struct {
	// Descriptor is the paymentDescriptor Amazon shows for it, in the forms
	// of Amazon Japan (seed 004, ショップメモ): "Amazonギフト券" (gift card
	// only), "Amazonギフト券と指定のお支払い方法" (gift card and a card),
	// "Amazonアカウントで指定したお支払い方法", or, since 2021, the card
	// itself such as "Visa ****1111".
	Descriptor string
	Behavior   Behavior // what authorization does
	GiftCard   bool     // gift card balance only: the charge permission cannot be increased
}

// Payment descriptors of Amazon Japan that name the kind of instrument
// rather than a card (seed 004).
const (
	DescriptorGiftCard        = "Amazonギフト券"
	DescriptorGiftCardAndCard = "Amazonギフト券と指定のお支払い方法"
	DescriptorAccountMethod   = "Amazonアカウントで指定したお支払い方法"
)

// TestBuyer is a buyer of the hosted sign-in page.
type TestBuyer struct {
	BuyerID     string
	Name        string
	Email       string
	PhoneNumber string
	Note        string // shown on the sign-in page (Japanese)
	Addresses   []amazonpay.Address
	Instruments []Instrument
}

// Buyer IDs of the test buyers, stable across runs.
const (
	BuyerTaro          = "amzn1.account.KAGOEMU01TARO"      // 判図太郎: succeeds; two addresses, two cards and the account's method
	BuyerSoftDecline   = "amzn1.account.KAGOEMU02SOFTDECL"  // first card soft-declines; a second card works
	BuyerHardDecline   = "amzn1.account.KAGOEMU03HARDDECL"  // card hard-declines: session Canceled Declined
	BuyerPendingOK     = "amzn1.account.KAGOEMU04PENDINGOK" // pending, then Authorized
	BuyerPendingNG     = "amzn1.account.KAGOEMU05PENDINGNG" // pending, then Declined HardDeclined
	BuyerCancels       = "amzn1.account.KAGOEMU06CANCELS"   // cancels: session Canceled BuyerCanceled on return
	BuyerGiftCard      = "amzn1.account.KAGOEMU07GIFTCARD"  // gift card only (no increase possible), or gift card and card
	BuyerUndeliverable = "amzn1.account.KAGOEMU08NODELIVER" // address the shop cannot deliver to
	BuyerRomaji        = "amzn1.account.KAGOEMU09ROMAJI"    // "Tokyo", +81 phone, postal code without hyphen
)

var testBuyers = []TestBuyer{
	{
		BuyerID: BuyerTaro, Name: "判図太郎", Email: "hanzu.taro@example.jp", PhoneNumber: "055-975-0000",
		Note: "通常の購入者（お届け先2件、カード2枚とAmazonアカウントで指定したお支払い方法）",
		Addresses: []amazonpay.Address{
			{Name: "判図太郎", PostalCode: "411-0901", CountryCode: "JP", StateOrRegion: "静岡県", City: "駿東郡清水町", AddressLine1: "新宿823-1", PhoneNumber: "055-975-0000"},
			{Name: "判図太郎", PostalCode: "100-0005", CountryCode: "JP", StateOrRegion: "東京都", City: "千代田区", AddressLine1: "丸の内1-1-1", AddressLine2: "丸の内ビル12階", PhoneNumber: "03-1234-5678"},
		},
		Instruments: []Instrument{{Descriptor: "Visa ****1111", Behavior: Approve}, {Descriptor: "JCB ****0005", Behavior: Approve},
			{Descriptor: DescriptorAccountMethod, Behavior: Approve}},
	},
	{
		BuyerID: BuyerSoftDecline, Name: "山田花子", Email: "yamada.hanako@example.jp", PhoneNumber: "06-6000-0000",
		Note: "1枚目のカードがソフト拒否（別のカードを選び直せます）",
		Addresses: []amazonpay.Address{
			{Name: "山田花子", PostalCode: "530-0001", CountryCode: "JP", StateOrRegion: "大阪府", City: "大阪市北区", AddressLine1: "梅田1-1-1", PhoneNumber: "06-6000-0000"},
		},
		Instruments: []Instrument{{Descriptor: "Mastercard ****0301", Behavior: SoftDecline}, {Descriptor: "Visa ****4444", Behavior: Approve}},
	},
	{
		BuyerID: BuyerHardDecline, Name: "佐藤次郎", Email: "sato.jiro@example.jp", PhoneNumber: "052-000-0000",
		Note: "カードがハード拒否（決済はキャンセル Declined）",
		Addresses: []amazonpay.Address{
			{Name: "佐藤次郎", PostalCode: "460-0008", CountryCode: "JP", StateOrRegion: "愛知県", City: "名古屋市中区", AddressLine1: "栄3-1-1", PhoneNumber: "052-000-0000"},
		},
		Instruments: []Instrument{{Descriptor: "Visa ****3434", Behavior: HardDecline}},
	},
	{
		BuyerID: BuyerPendingOK, Name: "鈴木三郎", Email: "suzuki.saburo@example.jp", PhoneNumber: "011-000-0000",
		Note: "オーソリ保留の後に承認",
		Addresses: []amazonpay.Address{
			{Name: "鈴木三郎", PostalCode: "060-0001", CountryCode: "JP", StateOrRegion: "北海道", City: "札幌市中央区", AddressLine1: "北一条西2-1", PhoneNumber: "011-000-0000"},
		},
		Instruments: []Instrument{{Descriptor: "Visa ****0701", Behavior: PendingApprove}},
	},
	{
		BuyerID: BuyerPendingNG, Name: "高橋四郎", Email: "takahashi.shiro@example.jp", PhoneNumber: "092-000-0000",
		Note: "オーソリ保留の後に拒否（HardDeclined）",
		Addresses: []amazonpay.Address{
			{Name: "高橋四郎", PostalCode: "810-0001", CountryCode: "JP", StateOrRegion: "福岡県", City: "福岡市中央区", AddressLine1: "天神1-1-1", PhoneNumber: "092-000-0000"},
		},
		Instruments: []Instrument{{Descriptor: "Visa ****4354", Behavior: PendingDecline}},
	},
	{
		BuyerID: BuyerCancels, Name: "田中五郎", Email: "tanaka.goro@example.jp", PhoneNumber: "022-000-0000",
		Note: "戻る途中でキャンセル（BuyerCanceled）",
		Addresses: []amazonpay.Address{
			{Name: "田中五郎", PostalCode: "980-0021", CountryCode: "JP", StateOrRegion: "宮城県", City: "仙台市青葉区", AddressLine1: "中央1-1-1", PhoneNumber: "022-000-0000"},
		},
		Instruments: []Instrument{{Descriptor: "Visa ****3064", Behavior: BuyerCancel}},
	},
	{
		BuyerID: BuyerGiftCard, Name: "伊藤六子", Email: "ito.mutsuko@example.jp", PhoneNumber: "082-000-0000",
		Note: "Amazonギフト券のみで支払い（増額できません）、またはギフト券とカード",
		Addresses: []amazonpay.Address{
			{Name: "伊藤六子", PostalCode: "730-0011", CountryCode: "JP", StateOrRegion: "広島県", City: "広島市中区", AddressLine1: "基町1-1", PhoneNumber: "082-000-0000"},
		},
		Instruments: []Instrument{{Descriptor: DescriptorGiftCard, Behavior: Approve, GiftCard: true},
			{Descriptor: DescriptorGiftCardAndCard, Behavior: Approve}},
	},
	{
		BuyerID: BuyerUndeliverable, Name: "渡辺七海", Email: "watanabe.nanami@example.jp", PhoneNumber: "03-12",
		Note: "お届けできない住所（電話番号が短すぎ、市区町村なし）",
		Addresses: []amazonpay.Address{
			{Name: "渡辺七海", PostalCode: "999-9999", CountryCode: "JP", StateOrRegion: "東京都", AddressLine1: "不明", PhoneNumber: "03-12"},
		},
		Instruments: []Instrument{{Descriptor: "Visa ****1111", Behavior: Approve}},
	},
	{
		BuyerID: BuyerRomaji, Name: "鈴木一郎", Email: "ichiro.suzuki@example.jp", PhoneNumber: "+81 90-1234-5678",
		Note: "正規化しにくい住所（Tokyo、+81の電話番号、ハイフンなし郵便番号）",
		Addresses: []amazonpay.Address{
			{Name: "鈴木一郎", PostalCode: "1500001", CountryCode: "JP", StateOrRegion: "Tokyo", City: "Shibuya-ku", AddressLine1: "Jingumae 1-2-3", AddressLine2: "Harajuku Mansion 101", PhoneNumber: "+81 90-1234-5678"},
		},
		Instruments: []Instrument{{Descriptor: "Visa ****1111", Behavior: Approve}},
	},
}

// TestBuyers returns the test buyers of the hosted sign-in page.
func TestBuyers() []TestBuyer {
	out := make([]TestBuyer, len(testBuyers))
	for i, b := range testBuyers {
		b.Addresses = append([]amazonpay.Address(nil), b.Addresses...)
		b.Instruments = append([]Instrument(nil), b.Instruments...)
		out[i] = b
	}
	return out
}

func findBuyer(id string) *TestBuyer {
	for i := range testBuyers {
		if testBuyers[i].BuyerID == id {
			return &testBuyers[i]
		}
	}
	return nil
}

func (e *Emulator) getBuyer(c *apiCall) (int, any, *apiError) {
	t := e.st.BuyerTokens[c.id]
	if t == nil || t.MerchantID != c.m.MerchantID {
		return 0, nil, notFound("Buyer", "for this token")
	}
	if t.Used || !c.now.Before(t.Expires) {
		return 0, nil, errf(400, amazonpay.ReasonInvalidParameterValue, "the buyer token has expired or was already used")
	}
	t.Used = true
	e.touch(t)
	b := findBuyer(t.BuyerID)
	out := amazonpay.Buyer{BuyerID: b.BuyerID}
	scopes := t.Scopes
	if len(scopes) == 0 {
		scopes = []string{"name", "email", "postalCode"}
	}
	addr := b.Addresses[0]
	for _, s := range scopes {
		switch s {
		case "name":
			out.Name = b.Name
		case "email":
			out.Email = b.Email
		case "postalCode":
			out.PostalCode, out.CountryCode = addr.PostalCode, addr.CountryCode
		case "phoneNumber":
			out.PhoneNumber = b.PhoneNumber
		case "shippingAddress":
			a := addr
			out.ShippingAddress = &a
		case "billingAddress":
			a := addr
			out.BillingAddress = &a
		}
	}
	return 200, out, nil
}
