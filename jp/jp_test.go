package jp

import (
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Yen(0), "0円"}, {Yen(1296), "1,296円"}, {Yen(-1000000), "-1,000,000円"}, {Comma(999), "999"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// 2026-12-04 20:30 UTC is already Saturday the 5th in Japan.
	at := time.Date(2026, 12, 4, 20, 30, 0, 0, time.UTC)
	if got := Date(at); got != "12月5日（土）" {
		t.Errorf("Date = %q", got)
	}
	if got := LongDate(at); got != "2026年12月5日（土）" {
		t.Errorf("LongDate = %q", got)
	}
	if got := DateTime(at); got != "2026年12月5日（土）05:30" {
		t.Errorf("DateTime = %q", got)
	}
	if d, ok := ParseDay("2026-12-05"); !ok || Date(d) != "12月5日（土）" {
		t.Errorf("ParseDay = %v %v", d, ok)
	}
	if _, ok := ParseDay("2026-13-01"); ok {
		t.Error("ParseDay accepted month 13")
	}
}
