package shop

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"kago/amazonpay"
	"kago/amazonpay/emulator"
	"kago/store"
)

// romajiWithSuffix is the test's own list of the 47 prefectures in JIS
// order, romaji with the suffix as it is usually written.
var romajiWithSuffix = []string{
	"Hokkaido", "Aomori-ken", "Iwate-ken", "Miyagi-ken", "Akita-ken", "Yamagata-ken", "Fukushima-ken",
	"Ibaraki-ken", "Tochigi-ken", "Gunma-ken", "Saitama-ken", "Chiba-ken", "Tokyo-to", "Kanagawa-ken",
	"Niigata-ken", "Toyama-ken", "Ishikawa-ken", "Fukui-ken", "Yamanashi-ken", "Nagano-ken",
	"Gifu-ken", "Shizuoka-ken", "Aichi-ken", "Mie-ken",
	"Shiga-ken", "Kyoto-fu", "Osaka-fu", "Hyogo-ken", "Nara-ken", "Wakayama-ken",
	"Tottori-ken", "Shimane-ken", "Okayama-ken", "Hiroshima-ken", "Yamaguchi-ken",
	"Tokushima-ken", "Kagawa-ken", "Ehime-ken", "Kochi-ken",
	"Fukuoka-ken", "Saga-ken", "Nagasaki-ken", "Kumamoto-ken", "Oita-ken", "Miyazaki-ken", "Kagoshima-ken", "Okinawa-ken",
}

// fullWidth writes ASCII letters, digits and punctuation full-width.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ':
			return '　'
		case r > ' ' && r <= '~':
			return r - '!' + '！'
		}
		return r
	}, s)
}

func TestNormalizePrefectureAll47(t *testing.T) {
	if len(romajiWithSuffix) != 47 || len(Prefectures) != 47 {
		t.Fatalf("lists have %d and %d entries", len(romajiWithSuffix), len(Prefectures))
	}
	for i, p := range Prefectures {
		romaji := romajiWithSuffix[i]
		base, suffix, hasSuffix := strings.Cut(romaji, "-")
		spellings := []string{
			p.Name, romaji, base,
			strings.ToUpper(base), strings.ToLower(romaji), strings.ToUpper(romaji),
			fullWidth(romaji), fullWidth(p.Name), "  " + base + " ", "　" + p.Name + "　",
			base + " Prefecture",
		}
		if kanji := []rune(p.Name); strings.ContainsRune("都府県", kanji[len(kanji)-1]) {
			short := string(kanji[:len(kanji)-1]) // 東京, 京都, 鹿児島
			spellings = append(spellings, short, "　"+short+" ")
		}
		if hasSuffix {
			spellings = append(spellings, base+" "+suffix, base+" "+strings.ToUpper(suffix[:1])+suffix[1:], base+suffix)
		}
		for _, s := range spellings {
			got, ok := NormalizePrefecture(s)
			if !ok || got != p.Name {
				t.Errorf("NormalizePrefecture(%q) = %q, %v; want %q", s, got, ok, p.Name)
			}
		}
	}
}

func TestNormalizePrefectureForms(t *testing.T) {
	for in, want := range map[string]string{
		"東京": "東京都", "東京都": "東京都", "Tokyo": "東京都", "TOKYO": "東京都", "tokyo": "東京都",
		"Tokyo-to": "東京都", "Tokyo To": "東京都", "Tōkyō": "東京都", "Tōkyō-to": "東京都", "Toukyou": "東京都",
		"Tokyo Metropolis": "東京都", "ＴＯＫＹＯ": "東京都", "ｔｏｋｙｏ－ｔｏ": "東京都", " Tokyo\t": "東京都",
		"To\u0304kyo\u0304": "東京都", // combining macrons
		"大阪":                "大阪府", "大阪府": "大阪府", "Osaka": "大阪府", "Osaka-fu": "大阪府", "Ōsaka": "大阪府", "Oosaka": "大阪府",
		"京都": "京都府", "Kyoto-fu": "京都府", "Kyōto": "京都府",
		"北海道": "北海道", "Hokkaido": "北海道", "Hokkaidō": "北海道", "Hokkai-do": "北海道", "HOKKAIDOU": "北海道",
		"鹿児島": "鹿児島県", "Kagoshima": "鹿児島県", "Kagoshima-ken": "鹿児島県", "Kagoshima Pref.": "鹿児島県",
		"Hyōgo": "兵庫県", "Hyougo": "兵庫県", "Kōchi": "高知県", "Kouchi": "高知県", "Ōita": "大分県", "Ooita": "大分県",
		"Gumma": "群馬県", "Osaka-ken": "大阪府",
	} {
		got, ok := NormalizePrefecture(in)
		if !ok || got != want {
			t.Errorf("NormalizePrefecture(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", " ", "Tokio", "京都市", "京", "都", "東京都千代田区", "California", "Japan", "Tokyo Japan", "県"} {
		if got, ok := NormalizePrefecture(in); ok {
			t.Errorf("NormalizePrefecture(%q) = %q, true; want not found", in, got)
		}
	}
}

func TestNormalizePhoneAndPostalCode(t *testing.T) {
	for in, want := range map[string]string{
		"+81-90-1234-5678":   "09012345678",
		"+81 3 1234 5678":    "0312345678",
		"+810312345678":      "0312345678",
		"+81 (0)3-1234-5678": "0312345678",
		"+81 90-1234-5678":   "09012345678",
		"＋８１　９０ー１２３４ー５６７８": "09012345678",
		"03-1234-5678": "0312345678",
		"０３（１２３４）５６７８": "0312345678",
		"055–975–0000": "0559750000", // en dashes
	} {
		if got, ok := NormalizePhone(in); !ok || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "03-12", "+81", "+81 3", "+1 415 555 0100", "0312345678内線1", "123456789012"} {
		if got, ok := NormalizePhone(in); ok {
			t.Errorf("NormalizePhone(%q) = %q, true; want not ok", in, got)
		}
	}
	for _, in := range []string{"1500001", "150-0001", "１５０－０００１", "〒150-0001", "〒 １５０ー０００１", " 150 0001 "} {
		if got, ok := NormalizePostalCode(in); !ok || got != "150-0001" {
			t.Errorf("NormalizePostalCode(%q) = %q, %v; want 150-0001", in, got, ok)
		}
	}
	for _, in := range []string{"", "15-0001", "150000", "15000011", "abc-defg", "〒"} {
		if got, ok := NormalizePostalCode(in); ok {
			t.Errorf("NormalizePostalCode(%q) = %q, true; want not ok", in, got)
		}
	}
}

// jpAddr is a usable Amazon address that a case changes.
func jpAddr(change func(a *amazonpay.Address)) amazonpay.Address {
	a := amazonpay.Address{
		Name: "判図太郎", PostalCode: "100-0005", CountryCode: "JP", StateOrRegion: "東京都",
		City: "千代田区", AddressLine1: "丸の内1-1-1", AddressLine2: "丸の内ビル12階", PhoneNumber: "03-1234-5678",
	}
	change(&a)
	return a
}

// addr is the store address that jpAddr(nothing) maps to, changed.
func addr(change func(a *store.Address)) store.Address {
	a := store.Address{
		FamilyName: "判図太郎", Phone: "0312345678", PostalCode: "100-0005", Prefecture: "東京都",
		City: "千代田区", Address1: "丸の内1-1-1", Address2: "丸の内ビル12階",
	}
	change(&a)
	return a
}

func TestMapAmazonAddress(t *testing.T) {
	tests := []struct {
		name string
		in   amazonpay.Address
		want store.Address
	}{
		{"as Amazon JP sends it", jpAddr(func(a *amazonpay.Address) {}), addr(func(a *store.Address) {})},
		{"one-token name goes whole into the family name",
			jpAddr(func(a *amazonpay.Address) { a.Name = "  判図太郎 " }), addr(func(a *store.Address) {})},
		{"full-width space in the name is collapsed, given name and kana stay empty",
			jpAddr(func(a *amazonpay.Address) { a.Name = "山田　　花子" }), addr(func(a *store.Address) { a.FamilyName = "山田 花子" })},
		{"romaji name with mixed spaces",
			jpAddr(func(a *amazonpay.Address) { a.Name = " TEST \u3000 USER " }), addr(func(a *store.Address) { a.FamilyName = "TEST USER" })},
		{"phone +81-90",
			jpAddr(func(a *amazonpay.Address) { a.PhoneNumber = "+81-90-1234-5678" }), addr(func(a *store.Address) { a.Phone = "09012345678" })},
		{"phone +81 3 with spaces",
			jpAddr(func(a *amazonpay.Address) { a.PhoneNumber = "+81 3 1234 5678" }), addr(func(a *store.Address) {})},
		{"phone +81 keeping the trunk 0",
			jpAddr(func(a *amazonpay.Address) { a.PhoneNumber = "+810312345678" }), addr(func(a *store.Address) {})},
		{"phone in full-width digits",
			jpAddr(func(a *amazonpay.Address) { a.PhoneNumber = "０３－１２３４－５６７８" }), addr(func(a *store.Address) {})},
		{"postal code without hyphen",
			jpAddr(func(a *amazonpay.Address) { a.PostalCode = "1000005" }), addr(func(a *store.Address) {})},
		{"postal code full-width with 〒",
			jpAddr(func(a *amazonpay.Address) { a.PostalCode = "〒１００－０００５" }), addr(func(a *store.Address) {})},
		{"prefecture as 東京",
			jpAddr(func(a *amazonpay.Address) { a.StateOrRegion = "東京" }), addr(func(a *store.Address) {})},
		{"prefecture as Tokyo-to",
			jpAddr(func(a *amazonpay.Address) { a.StateOrRegion = "Tokyo-to" }), addr(func(a *store.Address) {})},
		{"country code in lower case",
			jpAddr(func(a *amazonpay.Address) { a.CountryCode = "jp" }), addr(func(a *store.Address) {})},
		{"country code missing",
			jpAddr(func(a *amazonpay.Address) { a.CountryCode = "" }), addr(func(a *store.Address) {})},
		{"the city repeated at the start of the first line is not doubled",
			jpAddr(func(a *amazonpay.Address) { a.AddressLine1 = "千代田区丸の内1-1-1" }), addr(func(a *store.Address) {})},
		{"the prefecture repeated in the city is not doubled",
			jpAddr(func(a *amazonpay.Address) { a.City = "東京都千代田区" }), addr(func(a *store.Address) {})},
		{"three address lines: the first is never dropped (Magento #1167)",
			jpAddr(func(a *amazonpay.Address) { a.AddressLine3 = "受付気付" }),
			addr(func(a *store.Address) { a.Address2 = "丸の内ビル12階 受付気付" })},
		{"missing city: the municipality is split off the first line",
			jpAddr(func(a *amazonpay.Address) { a.City = ""; a.AddressLine1 = "千代田区丸の内1-1-1" }), addr(func(a *store.Address) {})},
		{"missing city: designated city with ward",
			amazonpay.Address{Name: "山田花子", StateOrRegion: "大阪府", AddressLine1: "大阪市北区梅田1-1-1", PostalCode: "530-0001", PhoneNumber: "06-6000-0000", CountryCode: "JP"},
			store.Address{FamilyName: "山田花子", Phone: "0660000000", PostalCode: "530-0001", Prefecture: "大阪府", City: "大阪市北区", Address1: "梅田1-1-1"}},
		{"missing city: municipality separated by spaces",
			amazonpay.Address{Name: "テスト姓 名スペース", StateOrRegion: "東京都", AddressLine1: "目黒区 下目黒1-8-1", AddressLine2: "ARCO TOWER", PostalCode: "153-0064", PhoneNumber: "0312345678", CountryCode: "JP"},
			store.Address{FamilyName: "テスト姓 名スペース", Phone: "0312345678", PostalCode: "153-0064", Prefecture: "東京都", City: "目黒区", Address1: "下目黒1-8-1", Address2: "ARCO TOWER"}},
		{"missing city: the first line is only the municipality",
			jpAddr(func(a *amazonpay.Address) {
				a.City = ""
				a.AddressLine1 = "千代田区"
				a.AddressLine2 = "丸の内1-1-1"
				a.AddressLine3 = "丸の内ビル12階"
			}),
			addr(func(a *store.Address) {})},
		{"missing city, lines do not split cleanly: the first line goes whole into the city (seed 000)",
			jpAddr(func(a *amazonpay.Address) {
				a.City = ""
				a.AddressLine1 = "下目黒1-8-1"
				a.AddressLine2 = "ARCO TOWER"
			}),
			addr(func(a *store.Address) { a.City = "下目黒1-8-1"; a.Address1 = "ARCO TOWER"; a.Address2 = "" })},
		{"missing city and prefecture: everything in AddressLine1",
			amazonpay.Address{Name: "判図太郎", AddressLine1: "東京都千代田区丸の内1-1-1 丸の内ビル12階", PostalCode: "1000005", PhoneNumber: "0312345678", CountryCode: "JP"},
			addr(func(a *store.Address) { a.Address1 = "丸の内1-1-1 丸の内ビル12階"; a.Address2 = "" })},
		{"everything in AddressLine1 without a municipality: split at the number",
			jpAddr(func(a *amazonpay.Address) {
				a.City = ""
				a.AddressLine1 = "丸の内1-1-1 丸の内ビル12階"
				a.AddressLine2 = ""
			}),
			addr(func(a *store.Address) {
				a.City = "丸の内"
				a.Address1 = "1-1-1 丸の内ビル12階"
				a.Address2 = ""
			})},
		{"everything in AddressLine1 and nothing splits: all of it in the city",
			jpAddr(func(a *amazonpay.Address) { a.City = ""; a.AddressLine1 = "丸の内ビル"; a.AddressLine2 = "" }),
			addr(func(a *store.Address) { a.City = "丸の内ビル"; a.Address1 = ""; a.Address2 = "" })},
		{"prefecture at the start of the city when StateOrRegion is empty",
			jpAddr(func(a *amazonpay.Address) { a.StateOrRegion = ""; a.City = "東京都千代田区" }), addr(func(a *store.Address) {})},
		{"prefecture and city in StateOrRegion",
			jpAddr(func(a *amazonpay.Address) { a.StateOrRegion = "東京都千代田区"; a.City = "" }), addr(func(a *store.Address) {})},
		{"county and city",
			amazonpay.Address{Name: "判図太郎", StateOrRegion: "静岡県", County: "駿東郡", City: "清水町", AddressLine1: "新宿823-1", PostalCode: "411-0901", PhoneNumber: "055-975-0000", CountryCode: "JP"},
			store.Address{FamilyName: "判図太郎", Phone: "0559750000", PostalCode: "411-0901", Prefecture: "静岡県", City: "駿東郡 清水町", Address1: "新宿823-1"}},
		{"district without city",
			jpAddr(func(a *amazonpay.Address) { a.City = ""; a.District = "千代田区" }), addr(func(a *store.Address) {})},
		{"romaji address as the emulator's buyer gives it",
			amazonpay.Address{Name: "鈴木一郎", PostalCode: "1500001", CountryCode: "JP", StateOrRegion: "Tokyo", City: "Shibuya-ku", AddressLine1: "Jingumae 1-2-3", AddressLine2: "Harajuku Mansion 101", PhoneNumber: "+81 90-1234-5678"},
			store.Address{FamilyName: "鈴木一郎", Phone: "09012345678", PostalCode: "150-0001", Prefecture: "東京都", City: "Shibuya-ku", Address1: "Jingumae 1-2-3", Address2: "Harajuku Mansion 101"}},
		{"romaji in Western order on one line",
			amazonpay.Address{Name: "Ichiro Suzuki", PostalCode: "150-0001", CountryCode: "JP", AddressLine1: "1-2-3 Jingumae, Shibuya-ku, Tokyo", PhoneNumber: "+81-90-1234-5678"},
			store.Address{FamilyName: "Ichiro Suzuki", Phone: "09012345678", PostalCode: "150-0001", Prefecture: "東京都", City: "Shibuya-ku", Address1: "1-2-3 Jingumae"}},
		{"control characters and invalid UTF-8 are removed",
			jpAddr(func(a *amazonpay.Address) {
				a.Name = "判図\x00太郎\xff"
				a.AddressLine2 = "丸の内ビル\t12階\n"
			}),
			addr(func(a *store.Address) { a.Address2 = "丸の内ビル 12階" })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MapAmazonAddress(tc.in)
			if err != nil {
				t.Fatalf("MapAmazonAddress(%+v): %v (%v)", tc.in, err, fieldsOf(err))
			}
			if got != tc.want {
				t.Errorf("MapAmazonAddress(%+v)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

func fieldsOf(err error) map[string]string {
	if ie, ok := AsInputError(err); ok {
		return ie.Fields
	}
	return nil
}

func TestMapAmazonAddressUnusable(t *testing.T) {
	tests := []struct {
		name  string
		in    amazonpay.Address
		field string
	}{
		{"not Japan", jpAddr(func(a *amazonpay.Address) { a.CountryCode = "US"; a.StateOrRegion = "CA" }), "country"},
		{"phone too short", jpAddr(func(a *amazonpay.Address) { a.PhoneNumber = "03-12" }), "phone"},
		{"phone missing", jpAddr(func(a *amazonpay.Address) { a.PhoneNumber = " " }), "phone"},
		{"phone abroad", jpAddr(func(a *amazonpay.Address) { a.PhoneNumber = "+1 415 555 0100" }), "phone"},
		{"postal code too short", jpAddr(func(a *amazonpay.Address) { a.PostalCode = "100-005" }), "postal_code"},
		{"postal code missing", jpAddr(func(a *amazonpay.Address) { a.PostalCode = "" }), "postal_code"},
		{"unknown prefecture", jpAddr(func(a *amazonpay.Address) { a.StateOrRegion = "Tokio" }), "prefecture"},
		{"no prefecture anywhere", jpAddr(func(a *amazonpay.Address) { a.StateOrRegion = "" }), "prefecture"},
		{"no address line", jpAddr(func(a *amazonpay.Address) { a.AddressLine1 = ""; a.AddressLine2 = " "; a.AddressLine3 = "" }), "address1"},
		{"address line only the prefecture", jpAddr(func(a *amazonpay.Address) { a.City = ""; a.AddressLine1 = "東京都"; a.AddressLine2 = "" }), "address1"},
		{"no name", jpAddr(func(a *amazonpay.Address) { a.Name = "\u3000" }), "name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MapAmazonAddress(tc.in)
			checkUnusable(t, got, err)
			if ie, _ := AsInputError(err); ie != nil && ie.Fields[tc.field] == "" {
				t.Errorf("Fields = %v, want a detail for %q", ie.Fields, tc.field)
			}
		})
	}
}

func checkUnusable(t *testing.T, got store.Address, err error) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("MapAmazonAddress = %+v, %v; want an *InputError", got, err)
	}
	if ie.Message != "ご指定のお届け先は利用できません。別のお届け先を選択してください。" {
		t.Errorf("Message = %q", ie.Message)
	}
	if err.Error() != ie.Message {
		t.Errorf("Error() = %q, want the message", err.Error())
	}
	if got != (store.Address{}) {
		t.Errorf("address %+v returned with the error", got)
	}
}

func TestMapAmazonAddressEmulatorBuyers(t *testing.T) {
	buyers := emulator.TestBuyers()
	var usable, unusable int
	for _, b := range buyers {
		for i, a := range b.Addresses {
			got, err := MapAmazonAddress(a)
			if b.BuyerID == emulator.BuyerUndeliverable {
				unusable++
				checkUnusable(t, got, err)
				if f := fieldsOf(err); f["phone"] == "" {
					t.Errorf("%s: Fields = %v, want the short phone", b.BuyerID, f)
				}
				continue
			}
			usable++
			if err != nil {
				t.Errorf("%s address %d: %v %v", b.BuyerID, i, err, fieldsOf(err))
				continue
			}
			if got.FamilyName != b.Name || got.GivenName != "" || got.FamilyKana != "" || got.GivenKana != "" {
				t.Errorf("%s address %d: name %+v, want %q whole in the family name", b.BuyerID, i, got, b.Name)
			}
			if _, ok := PrefectureByName(got.Prefecture); !ok || got.City == "" || got.Address1 == "" {
				t.Errorf("%s address %d: %+v", b.BuyerID, i, got)
			}
			if !postalRe.MatchString(got.PostalCode) || !phoneRe.MatchString(got.Phone) {
				t.Errorf("%s address %d: postal %q phone %q", b.BuyerID, i, got.PostalCode, got.Phone)
			}
			// Nothing from the address lines is lost.
			for _, l := range []string{a.AddressLine1, a.AddressLine2, a.AddressLine3} {
				if !strings.Contains(got.City+" "+got.Address1+" "+got.Address2, l) {
					t.Errorf("%s address %d: line %q lost in %+v", b.BuyerID, i, l, got)
				}
			}
		}
	}
	if usable < 9 || unusable != 1 {
		t.Errorf("mapped %d usable and %d unusable emulator addresses; want every buyer covered", usable, unusable)
	}
	// The awkward one, exactly.
	for _, b := range buyers {
		if b.BuyerID != emulator.BuyerRomaji {
			continue
		}
		got, err := MapAmazonAddress(b.Addresses[0])
		want := store.Address{FamilyName: "鈴木一郎", Phone: "09012345678", PostalCode: "150-0001", Prefecture: "東京都",
			City: "Shibuya-ku", Address1: "Jingumae 1-2-3", Address2: "Harajuku Mansion 101"}
		if err != nil || got != want {
			t.Errorf("romaji buyer: %+v, %v; want %+v", got, err, want)
		}
	}
}

func TestMapAmazonBuyer(t *testing.T) {
	name, email, phone := MapAmazonBuyer(amazonpay.Buyer{BuyerID: "amzn1.account.X", Name: " 鈴木　一郎 ", Email: " ichiro@example.jp ", PhoneNumber: "+81 90-1234-5678"})
	if name != "鈴木 一郎" || email != "ichiro@example.jp" || phone != "09012345678" {
		t.Errorf("MapAmazonBuyer = %q, %q, %q", name, email, phone)
	}
	name, email, phone = MapAmazonBuyer(amazonpay.Buyer{Name: "判図太郎", PhoneNumber: "03-12"})
	if name != "判図太郎" || email != "" || phone != "" {
		t.Errorf("MapAmazonBuyer = %q, %q, %q; want the name and no phone", name, email, phone)
	}
	for _, b := range emulator.TestBuyers() {
		if name, _, _ := MapAmazonBuyer(amazonpay.Buyer{Name: b.Name}); name != b.Name {
			t.Errorf("MapAmazonBuyer(%q) name %q", b.Name, name)
		}
	}
}

var (
	postalRe = regexp.MustCompile(`^[0-9]{3}-[0-9]{4}$`)
	phoneRe  = regexp.MustCompile(`^0[0-9]{9,10}$`)
)

func FuzzMapAmazonAddress(f *testing.F) {
	f.Add("判図太郎", "丸の内1-1-1", "丸の内ビル12階", "", "千代田区", "", "", "東京都", "100-0005", "JP", "03-1234-5678")
	f.Fuzz(func(t *testing.T, name, line1, line2, line3, city, county, district, state, postal, country, phone string) {
		in := amazonpay.Address{Name: name, AddressLine1: line1, AddressLine2: line2, AddressLine3: line3,
			City: city, County: county, District: district, StateOrRegion: state,
			PostalCode: postal, CountryCode: country, PhoneNumber: phone}
		got, err := MapAmazonAddress(in)
		if err != nil {
			checkUnusable(t, got, err)
			return
		}
		if _, ok := PrefectureByName(got.Prefecture); !ok {
			t.Errorf("prefecture %q", got.Prefecture)
		}
		if !postalRe.MatchString(got.PostalCode) {
			t.Errorf("postal code %q", got.PostalCode)
		}
		if !phoneRe.MatchString(got.Phone) {
			t.Errorf("phone %q", got.Phone)
		}
		if got.FamilyName == "" || got.GivenName != "" || got.City == "" {
			t.Errorf("name or city missing: %+v", got)
		}
		for _, s := range []string{got.FamilyName, got.City, got.Address1, got.Address2} {
			if s != strings.TrimSpace(s) || strings.Contains(s, "  ") || strings.ContainsAny(s, "\x00\n\t\u3000") || !utf8.ValidString(s) {
				t.Errorf("field %q not clean", s)
			}
		}
	})
}
