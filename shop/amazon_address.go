package shop

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"kago/amazonpay"
	"kago/store"
)

// MsgAmazonAddressUnusable is what the buyer reads when the address chosen
// at Amazon cannot be used by the shop (seed 004's wording).
const MsgAmazonAddressUnusable = "ご指定のお届け先は利用できません。別のお届け先を選択してください。"

// prefectureRomaji holds the Hepburn names of the 47 prefectures in JIS
// order, without macrons and without the -to/-do/-fu/-ken suffix.
var prefectureRomaji = [47]string{
	"hokkaido", "aomori", "iwate", "miyagi", "akita", "yamagata", "fukushima",
	"ibaraki", "tochigi", "gunma", "saitama", "chiba", "tokyo", "kanagawa",
	"niigata", "toyama", "ishikawa", "fukui", "yamanashi", "nagano",
	"gifu", "shizuoka", "aichi", "mie",
	"shiga", "kyoto", "osaka", "hyogo", "nara", "wakayama",
	"tottori", "shimane", "okayama", "hiroshima", "yamaguchi",
	"tokushima", "kagawa", "ehime", "kochi",
	"fukuoka", "saga", "nagasaki", "kumamoto", "oita", "miyazaki", "kagoshima", "okinawa",
}

// prefectureKeys maps every accepted spelling, as prefectureKey folds it,
// to the official name.
var prefectureKeys = func() map[string]string {
	m := map[string]string{}
	add := func(spelling, name string) {
		k := prefectureKey(spelling)
		if old, dup := m[k]; dup && old != name {
			panic("shop: prefecture spelling " + k + " is ambiguous")
		}
		m[k] = name
	}
	add("gumma", "群馬県") // older Hepburn
	for i, p := range Prefectures {
		add(p.Name, p.Name)
		// 東京, 大阪, 京都, 鹿児島; 北海道 keeps its 道.
		if r, size := utf8.DecodeLastRuneInString(p.Name); strings.ContainsRune("都府県", r) {
			add(p.Name[:len(p.Name)-size], p.Name)
		}
		// Any suffix is accepted with any name: Tokyo-to, Osaka-fu and
		// also the wrong but unambiguous Osaka-ken.
		for _, suffix := range []string{"", "to", "do", "fu", "ken", "prefecture", "pref", "metropolis"} {
			add(prefectureRomaji[i]+suffix, p.Name)
		}
	}
	return m
}()

// prefectureKey folds a spelling for lookup: half-width, lower case, no
// macrons or circumflexes, no spaces, hyphens or dots, and long vowels
// written ou, oo or uu shortened (Toukyou, Ooita, Kouchi).
func prefectureKey(s string) string {
	var b strings.Builder
	for _, r := range toHalfWidth(s) {
		switch r {
		case 'ō', 'Ō', 'ô', 'Ô':
			r = 'o'
		case 'ū', 'Ū', 'û', 'Û':
			r = 'u'
		case ' ', '\t', '-', '.', '_', '\u0304', '\u0302':
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.NewReplacer("ou", "o", "oo", "o", "uu", "u").Replace(b.String())
}

// NormalizePrefecture returns the official name of a prefecture (東京都)
// from the forms shoppers and Amazon use: 東京都, 東京, Tokyo, TOKYO,
// Tokyo-to, Tokyo To, Tōkyō, Toukyou, Osaka-fu, Hokkaidō, Kagoshima-ken,
// Kagoshima Prefecture, full-width letters and surrounding spaces; ok is
// false for anything else (京都市, Tokio, an empty string).
func NormalizePrefecture(s string) (string, bool) {
	name, ok := prefectureKeys[prefectureKey(strings.TrimSpace(s))]
	return name, ok
}

// cutPrefecture finds a prefecture at the start of an address text: an
// official kanji name (東京都千代田区 ...) or, for romaji, a whole first
// token (Tokyo-to Shibuya-ku ...). It returns the prefecture and the rest.
func cutPrefecture(s string) (pref, rest string, ok bool) {
	for _, p := range Prefectures {
		if rest, ok := strings.CutPrefix(s, p.Name); ok {
			return p.Name, strings.TrimLeft(rest, " ,、"), true
		}
	}
	if first, rest, found := strings.Cut(s, " "); found {
		if pref, ok := NormalizePrefecture(strings.TrimRight(first, ",")); ok {
			return pref, strings.TrimLeft(rest, " ,"), true
		}
	}
	return "", s, false
}

// cutPrefectureSuffix finds a romaji prefecture as the last token of a
// text written in Western order (Shibuya-ku, Tokyo).
func cutPrefectureSuffix(s string) (pref, rest string, ok bool) {
	i := strings.LastIndexAny(s, " ,")
	if i < 0 {
		return "", s, false
	}
	if pref, ok := NormalizePrefecture(s[i+1:]); ok {
		return pref, strings.TrimRight(s[:i], " ,"), true
	}
	return "", s, false
}

// cleanText makes one line of Amazon data safe to store: valid UTF-8, no
// control characters, runs of half- and full-width spaces collapsed to one
// half-width space, trimmed.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// municipalSuffixes end the kanji name of a city, ward, town, village or
// district (郡).
const municipalSuffixes = "市区町村郡"

// romajiMunicipal reports whether a romaji token names a municipality
// (Shibuya-ku, Osaka-shi, Sunto-gun, Shimizu-cho).
func romajiMunicipal(tok string) bool {
	t := strings.ToLower(strings.TrimRight(tok, ","))
	for _, suffix := range []string{"-shi", "-ku", "-gun", "-machi", "-cho", "-chō", "-mura", "-son"} {
		if strings.HasSuffix(t, suffix) && len(t) > len(suffix) {
			return true
		}
	}
	return false
}

// splitMunicipality splits one address line into the municipality at its
// start and the rest (千代田区丸の内1-1-1 → 千代田区 / 丸の内1-1-1;
// 目黒区 下目黒1-8-1 → 目黒区 / 下目黒1-8-1; Shibuya-ku Jingumae 1-2-3 →
// Shibuya-ku / Jingumae 1-2-3). ok is false when the line does not split
// cleanly: no municipality found. rest may be empty.
func splitMunicipality(line string) (city, rest string, ok bool) {
	toks := strings.Split(line, " ")
	if isASCII(line) {
		// Romaji, in either order: the first run of municipal tokens is
		// the city, the other tokens keep their order.
		start := -1
		for i, t := range toks {
			if romajiMunicipal(t) {
				start = i
				break
			}
		}
		if start < 0 {
			return "", line, false
		}
		end := start
		for end < len(toks) && romajiMunicipal(toks[end]) {
			end++
		}
		trim := func(ts []string) string { return strings.Trim(strings.Join(ts, " "), " ,") }
		other := append(append([]string(nil), toks[:start]...), toks[end:]...)
		return trim(toks[start:end]), trim(other), true
	}
	// Kanji: whole leading tokens that end in a municipal suffix (大阪市 北区),
	// then, inside the next token, the text up to the last municipal suffix
	// before the first digit (千代田区|丸の内1-1-1, 大阪市北区|梅田1-1-1).
	n := 0
	for n < len(toks) && endsMunicipal(toks[n]) {
		n++
	}
	city = strings.Join(toks[:n], " ")
	if n < len(toks) {
		tok := toks[n]
		head := tok
		if i := strings.IndexFunc(tok, isDigit); i >= 0 {
			head = tok[:i]
		}
		if i := lastMunicipalSuffix(head); i > 0 {
			_, size := utf8.DecodeRuneInString(head[i:])
			j := i + size
			city = strings.TrimSpace(city + " " + tok[:j])
			toks[n] = tok[j:]
		}
	}
	if city == "" {
		return "", line, false
	}
	return city, strings.TrimSpace(strings.Join(toks[n:], " ")), true
}

// endsMunicipal reports whether a kanji token is a whole municipality name
// (目黒区, 駿東郡, not 区 alone).
func endsMunicipal(tok string) bool {
	r, _ := utf8.DecodeLastRuneInString(tok)
	return utf8.RuneCountInString(tok) >= 2 && strings.ContainsRune(municipalSuffixes, r)
}

// lastMunicipalSuffix is the byte index of the last municipal suffix in s
// that has at least one character before it, or -1.
func lastMunicipalSuffix(s string) int {
	last := -1
	for i, r := range s {
		if i > 0 && strings.ContainsRune(municipalSuffixes, r) {
			last = i
		}
	}
	return last
}

func isDigit(r rune) bool { return (r >= '0' && r <= '9') || (r >= '０' && r <= '９') }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// joinNonEmpty joins the non-empty parts with a space.
func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// cleanName applies the one-name rule: Amazon gives one full name, which is
// kept whole (spaces collapsed) for the family-name field.
func cleanName(s string) string { return cleanText(s) }

// MapAmazonBuyer returns the buyer block of a checkout session or sign-in as
// the shop keeps it: the full name (one-name rule, for the family-name
// field), the e-mail address trimmed, and the phone number as digits, or ""
// when Amazon gave none the shop can use.
func MapAmazonBuyer(b amazonpay.Buyer) (name, email, phone string) {
	name = cleanName(b.Name)
	email = strings.TrimSpace(toHalfWidth(cleanText(b.Email)))
	if p, ok := NormalizePhone(b.PhoneNumber); ok {
		phone = p
	}
	return name, email, phone
}

// MapAmazonAddress turns an address chosen at Amazon into the shop's
// address, following the seeds' rules: the whole name goes into FamilyName
// (GivenName and the kana stay empty); the phone is digits only; the postal
// code is 123-4567; the prefecture is the official name, from StateOrRegion
// or, when that is missing or unknown, from the start of City or
// AddressLine1; the city is City (with County and District), else the
// municipality at the start of the address lines, else the first address
// line whole (address lines that do not split cleanly go into the city
// field); Address1 and Address2 take the remaining lines. No address text
// is dropped, apart from a prefecture or city repeated at the start of a
// line.
//
// An address the shop cannot use (country not JP, no name, no usable
// phone, bad postal code, unknown prefecture, no address line) gives an
// *InputError with MsgAmazonAddressUnusable and, in Fields, what was wrong
// for the log ("phone", "postal_code", "prefecture", "country", "name",
// "address1").
//
// On success City is never empty; Address1 is empty only when the only
// address line cannot be split at all, in which case it is all in City.
func MapAmazonAddress(a amazonpay.Address) (store.Address, error) {
	fields := map[string]string{}
	var out store.Address

	if cc := strings.ToUpper(cleanText(toHalfWidth(a.CountryCode))); cc != "JP" && cc != "" {
		fields["country"] = fmt.Sprintf("国コード「%s」は日本（JP）ではありません", cc)
	}

	out.FamilyName = cleanName(a.Name)
	if out.FamilyName == "" {
		fields["name"] = "お名前がありません"
	}

	if p, ok := NormalizePhone(a.PhoneNumber); ok {
		out.Phone = p
	} else if strings.TrimSpace(a.PhoneNumber) == "" {
		fields["phone"] = "電話番号がありません"
	} else {
		fields["phone"] = fmt.Sprintf("電話番号「%s」は市外局番からの10桁または11桁ではありません", cleanText(a.PhoneNumber))
	}

	if pc, ok := NormalizePostalCode(a.PostalCode); ok {
		out.PostalCode = pc
	} else if strings.TrimSpace(a.PostalCode) == "" {
		fields["postal_code"] = "郵便番号がありません"
	} else {
		fields["postal_code"] = fmt.Sprintf("郵便番号「%s」は7桁ではありません", cleanText(a.PostalCode))
	}

	state := cleanText(a.StateOrRegion)
	county, city, district := cleanText(a.County), cleanText(a.City), cleanText(a.District)
	var lines []string
	for _, l := range []string{a.AddressLine1, a.AddressLine2, a.AddressLine3} {
		if l = cleanText(l); l != "" {
			lines = append(lines, l)
		}
	}

	// Prefecture: StateOrRegion, else the start of City or the first line.
	pref, ok := NormalizePrefecture(state)
	if !ok && state != "" {
		// 東京都千代田区 in StateOrRegion: keep the rest for the city.
		if p, rest, found := cutPrefecture(state); found {
			pref, ok = p, true
			city = joinNonEmpty(rest, city)
		}
	}
	if !ok && city != "" {
		if p, rest, found := cutPrefecture(city); found {
			pref, city, ok = p, rest, true
		} else if p, rest, found := cutPrefectureSuffix(city); found {
			pref, city, ok = p, rest, true
		}
	}
	if !ok && len(lines) > 0 {
		if p, rest, found := cutPrefecture(lines[0]); found {
			pref, lines[0], ok = p, rest, true
		} else if p, rest, found := cutPrefectureSuffix(lines[0]); found && len(lines) == 1 && city == "" {
			pref, lines[0], ok = p, rest, true
		}
	}
	if ok {
		out.Prefecture = pref
		// Amazon sometimes repeats the prefecture: 東京都 / 東京都千代田区.
		city = strings.TrimLeft(strings.TrimPrefix(city, pref), " ")
		if len(lines) > 0 {
			lines[0] = strings.TrimLeft(strings.TrimPrefix(lines[0], pref), " ")
		}
	} else if state == "" {
		fields["prefecture"] = "都道府県がありません（市区町村と住所の先頭にもありません）"
	} else {
		fields["prefecture"] = fmt.Sprintf("都道府県「%s」が分かりません", state)
	}
	lines = dropEmpty(lines)

	// City and address lines.
	cityPart := joinNonEmpty(county, city, district)
	if county != "" && strings.HasPrefix(city, county) {
		cityPart = joinNonEmpty(city, district)
	}
	switch {
	case len(lines) == 0:
		fields["address1"] = "番地の行がありません"
	case cityPart != "":
		// Amazon sometimes repeats the city: 千代田区 / 千代田区丸の内1-1-1.
		if rest, found := strings.CutPrefix(lines[0], city); found && city != "" && strings.TrimSpace(rest) != "" {
			lines[0] = strings.TrimLeft(rest, " ")
		}
		out.City = cityPart
		out.Address1 = lines[0]
		out.Address2 = joinNonEmpty(lines[1:]...)
	default:
		if c, rest, clean := splitMunicipality(lines[0]); clean && (rest != "" || len(lines) > 1) {
			out.City = c
			if rest != "" {
				out.Address1, out.Address2 = rest, joinNonEmpty(lines[1:]...)
			} else {
				out.Address1, out.Address2 = lines[1], joinNonEmpty(lines[2:]...)
			}
		} else if len(lines) > 1 {
			// Does not split cleanly: the first line goes into the city
			// field whole (seed 000), never dropped (Magento #1167).
			out.City, out.Address1, out.Address2 = lines[0], lines[1], joinNonEmpty(lines[2:]...)
		} else if i := strings.IndexFunc(lines[0], isDigit); i > 0 {
			// One line without a municipality: the place name before the
			// first number, then the number (丸の内 / 1-1-1).
			out.City, out.Address1 = strings.TrimSpace(lines[0][:i]), lines[0][i:]
		} else {
			out.City = lines[0]
		}
	}

	if len(fields) > 0 {
		return store.Address{}, &InputError{Message: MsgAmazonAddressUnusable, Fields: fields}
	}
	return out, nil
}

func dropEmpty(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
