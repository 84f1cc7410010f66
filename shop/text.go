package shop

import (
	"strings"
	"unicode"
)

// CleanText is the one cleaning of text that people type or that comes from
// outside (every form and query value; use it too for outside text stored
// and shown to people). It removes control characters (C0 and C1, DEL) and
// the bidi overrides that can disguise text (U+202A–U+202E, U+2066–U+2069).
// A line break (CRLF, CR, LF, U+2028, U+2029) becomes "\n" in a multi-line
// field and a space elsewhere, as does a tab.
func CleanText(s string, multiline bool) string {
	if strings.IndexFunc(s, unwanted) < 0 {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			if multiline {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
		case unwanted(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unwanted is a rune CleanText changes or drops.
func unwanted(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}
