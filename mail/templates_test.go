package mail_test

import (
	"strings"
	"testing"
	"unicode"

	"kago/mail"
)

func TestRenderLeavesNoStrayLines(t *testing.T) {
	text := "{お名前} 様\n{お支払い案内}\n送料　：{送料}\n{手数料}\n■お荷物の状況：{お問い合わせURL}\n合計：{合計金額}\n{未知}\n"
	vars := map[string]string{"お名前": "山田 太郎", "お支払い案内": "", "送料": "880円", "手数料": "", "お問い合わせURL": "", "合計金額": "1,000円"}
	want := "山田 太郎 様\n送料　：880円\n合計：1,000円\n{未知}\n"
	if got := mail.Render(text, vars); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// A value is put in as it is: braces a shopper typed stay text.
	if got := mail.Render("{備考}", map[string]string{"備考": "{お名前}"}); got != "{お名前}" {
		t.Fatalf("a value was expanded again: %q", got)
	}
	// A line with text besides an empty placeholder stays.
	if got := mail.Render("お届け先：{お届け先} 様\n", map[string]string{"お届け先": ""}); got != "お届け先： 様\n" {
		t.Fatalf("got %q", got)
	}
}

func TestUnknownPlaceholders(t *testing.T) {
	shipping, _ := mail.Builtin(mail.KindShipping)
	thanks, _ := mail.Builtin(mail.KindThanks)
	text := "{送り状番号} {お名前} {氏名} {氏名}"
	if got := mail.UnknownPlaceholders(text, shipping.Placeholders()); strings.Join(got, ",") != "{氏名}" {
		t.Errorf("shipping: %v", got)
	}
	if got := mail.UnknownPlaceholders(text, thanks.Placeholders()); strings.Join(got, ",") != "{送り状番号},{氏名}" {
		t.Errorf("thanks knows no tracking number: %v", got)
	}
}

// TestBuiltinsReadAsAShopWrites checks the built-in texts: every
// placeholder they use exists for their kind, no half-width space stands
// before a full-width bracket, and every sentence ends with 「。」 (a line
// that ends in kana is an unfinished sentence).
func TestBuiltinsReadAsAShopWrites(t *testing.T) {
	for _, tmpl := range mail.Builtins {
		if bad := mail.UnknownPlaceholders(tmpl.Subject+tmpl.Body, tmpl.Placeholders()); len(bad) > 0 {
			t.Errorf("%s uses %v", tmpl.Kind, bad)
		}
		for _, line := range strings.Split(tmpl.Subject+"\n"+tmpl.Body, "\n") {
			if strings.Contains(line, " （") || strings.Contains(line, " 【") || strings.Contains(line, " 「") {
				t.Errorf("%s: half-width space before a bracket: %q", tmpl.Kind, line)
			}
			r := []rune(strings.TrimSpace(line))
			if len(r) > 0 && (unicode.In(r[len(r)-1], unicode.Hiragana) || unicode.In(r[len(r)-1], unicode.Katakana)) {
				t.Errorf("%s: sentence without 「。」: %q", tmpl.Kind, line)
			}
		}
	}
}
