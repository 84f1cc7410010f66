package handlers

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A product's description becomes its meta description: one line, runs of
// spaces (full-width ones, tabs and line breaks too) made one, at most 120
// characters, a longer text cut at 119 with "…".
func TestMetaTextSqueezesToOneLineOf120Characters(t *testing.T) {
	long := strings.Repeat("茶", 300)
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{" \n\t　 ", ""},
		{"  牧之原の\n\n一番茶を　深蒸しに。\t香り高い ", "牧之原の 一番茶を 深蒸しに。 香り高い"},
		{strings.Repeat("あ", 120), strings.Repeat("あ", 120)},
		{strings.Repeat("あ", 121), strings.Repeat("あ", 119) + "…"},
		{strings.Repeat("ab ", 100), strings.TrimSpace(strings.Repeat("ab ", 40)[:119]) + "…"},
		{long, strings.Repeat("茶", 119) + "…"},
		{"x " + long, "x " + strings.Repeat("茶", 117) + "…"},
	} {
		got := metaText(c.in)
		if got != c.want {
			t.Errorf("metaText(%.40q) = %q, want %q", c.in, got, c.want)
		}
		if n := utf8.RuneCountInString(got); n > 120 {
			t.Errorf("metaText(%.40q) has %d characters", c.in, n)
		}
	}
}
