package shop_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"kago/shop"
)

func TestCleanText(t *testing.T) {
	for _, tc := range []struct {
		in        string
		multiline bool
		want      string
	}{
		{"判図太郎", false, "判図太郎"},
		{"判図\x00太郎\x1b[0m", false, "判図太郎[0m"},
		{"一行目\r\n二行目\r三行目\n", true, "一行目\n二行目\n三行目\n"},
		{"一行目\r\n二行目", false, "一行目 二行目"},
		{"品名\t数量", true, "品名\t数量"},
		{"品名\t数量", false, "品名 数量"},
		{"請求書\u202Efdp.exe", false, "請求書fdp.exe"},
		{"段落\u2028次", true, "段落\n次"},
		{"\u0085C1\u009f", false, "C1"},
		{"削除\x7f文字", false, "削除文字"},
	} {
		if got := shop.CleanText(tc.in, tc.multiline); got != tc.want {
			t.Errorf("CleanText(%q, %v) = %q, want %q", tc.in, tc.multiline, got, tc.want)
		}
	}
}

// FuzzCleanText: the result keeps no control character but a line break
// or tab in a multi-line field, stays UTF-8, and cleaning twice changes
// nothing more.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"判図\x00太郎", "a\r\nb", "\u202e\u2066x", "\t", "\xff"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		got := shop.CleanText(s, multiline)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("%q became invalid UTF-8 %q", s, got)
		}
		for _, r := range got {
			if (unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t'))) || (r >= '\u202a' && r <= '\u202e') {
				t.Fatalf("%q kept %U in %q", s, r, got)
			}
		}
		if again := shop.CleanText(got, multiline); again != got {
			t.Fatalf("not stable: %q then %q", got, again)
		}
		if !multiline && strings.ContainsAny(got, "\r\n\t") {
			t.Fatalf("a one-line value kept a break: %q", got)
		}
	})
}

// フリガナ as shoppers type it: hiragana and half-width katakana (voiced
// marks included) become full-width katakana; spaces become one
// full-width space; anything else is refused.
func TestNormalizeKana(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"やまだ", "ヤマダ", true},
		{"ヤマダ", "ヤマダ", true},
		{"ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ　タロウ", true},
		{"ﾊﾟｳﾞｫｰ･ｹ", "パヴォー・ケ", true},
		{"  ｽｽﾞｷ　はなこ ", "スズキ　ハナコ", true},
		{"", "", true},
		{"Yamada", "", false},
		{"山田", "", false},
		{"ﾞｱ", "", false}, // a voiced mark with nothing to join
	} {
		got, ok := shop.NormalizeKana(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizeKana(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
