package jp

import (
	"math"
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Yen(0), "0円"}, {Yen(1296), "1,296円"}, {Yen(-1000000), "-1,000,000円"}, {Comma(999), "999"},
		{Comma(1000), "1,000"}, {Comma(-999), "-999"}, {Comma(-100000), "-100,000"}, {Yen(12345678), "12,345,678円"},
		{Comma(math.MinInt64), "-9,223,372,036,854,775,808"}, {Comma(math.MaxInt64), "9,223,372,036,854,775,807"},
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

// yenSink keeps each text, as a page does, so it is made on the heap.
var yenSink string

// BenchmarkYen: one price as pages print it.
func BenchmarkYen(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		yenSink = Yen(int64(i%100000) * 7)
	}
}
