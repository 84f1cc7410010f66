package documents

import (
	"strings"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Shift_JIS for the carriers' label software, which reads Windows-31J
// (CP932, the table of x/text's japanese.ShiftJIS).

// windows31J maps the characters Mac and iPhone keyboards type (JIS X 0208
// as Apple and the Unicode JIS table map it) to the code points Windows-31J
// has for the same character, so 〜 − — ‖ ¢ £ ¬ ¥ ‾ are printed rather
// than written as 〓 (the usual CP932 round-trip differences).
var windows31J = map[rune]rune{
	'\u301C': '\uFF5E', // 〜 WAVE DASH → ～ FULLWIDTH TILDE
	'\u2212': '\uFF0D', // − MINUS SIGN → －
	'\u2014': '\u2015', // — EM DASH → ― HORIZONTAL BAR
	'\u2016': '\u2225', // ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
	'\u00A2': '\uFFE0', // ¢ → ￠
	'\u00A3': '\uFFE1', // £ → ￡
	'\u00AC': '\uFFE2', // ¬ → ￢
	'\u00A5': '\uFFE5', // ¥ → ￥ (0x5C is a backslash in Windows-31J)
	'\u203E': '\uFFE3', // ‾ → ￣
}

// toShiftJIS encodes s in Windows-31J after the windows31J mapping,
// writing 〓 for each character it still lacks.
func toShiftJIS(s string) string {
	s = strings.Map(func(r rune) rune {
		if m, ok := windows31J[r]; ok {
			return m
		}
		return r
	}, s)
	sjis := japanese.ShiftJIS.NewEncoder() // an encoder is not safe for concurrent use
	if out, err := sjis.String(s); err == nil {
		return out
	}
	var b strings.Builder
	for _, r := range s {
		enc, err := sjis.String(string(r))
		if err != nil {
			enc, _ = sjis.String("〓")
		}
		b.WriteString(enc)
	}
	return b.String()
}

// kanaOnly maps what has no half-width form to its nearest kana first:
// hiragana to katakana, the small and old kana JIS X 0201 lacks, and the
// spacing sound marks.
func kanaOnly(r rune) rune {
	switch {
	case r >= 'ぁ' && r <= 'ゖ':
		r += 'ァ' - 'ぁ'
	case r == '゛':
		return 'ﾞ'
	case r == '゜':
		return 'ﾟ'
	}
	switch r {
	case 'ヰ':
		return 'イ'
	case 'ヱ':
		return 'エ'
	case 'ヵ':
		return 'カ'
	case 'ヶ':
		return 'ケ'
	case 'ヮ':
		return 'ワ'
	}
	return r
}

// halfWidthKana writes a kana reading in half-width katakana (JIS X 0201),
// as the label software's カナ fields take it: voiced and semi-voiced kana
// become a kana and a separate sound mark (ダ → ﾀﾞ, パ → ﾊﾟ, ヴ → ｳﾞ),
// hiragana is read as katakana, and full-width letters, digits and spaces
// become half-width.
func halfWidthKana(s string) string {
	out, _, _ := transform.String(transform.Chain(runes.Map(kanaOnly), norm.NFD, width.Narrow), s)
	return out
}
