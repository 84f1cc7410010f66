// Package jp writes amounts and dates the way a Japanese shop prints them,
// in one place for pages, mails and documents. It imports nothing of ours.
package jp

import (
	"strconv"
	"time"
)

// Tokyo is the shop's time zone: stored times are UTC, shown in Japan time.
var Tokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*60*60)
	}
	return loc
}()

// Comma formats an integer with thousands separators: 1,296.
func Comma(v int64) string {
	var buf [32]byte
	return string(appendComma(buf[:0], v))
}

// Yen formats an amount in yen: 1,296円. Pages print it for every price
// and line, so it makes its text with one allocation.
func Yen(v int64) string {
	var buf [32]byte
	return string(append(appendComma(buf[:0], v), "円"...))
}

// appendComma appends v with thousands separators to dst.
func appendComma(dst []byte, v int64) []byte {
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], v, 10)
	if v < 0 {
		dst, s = append(dst, '-'), s[1:]
	}
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, d)
	}
	return dst
}

var weekdays = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// Weekday is the one-character day name: 土.
func Weekday(t time.Time) string { return weekdays[t.In(Tokyo).Weekday()] }

// Date is the short form pages use: 12月5日（土）, in Japan time.
func Date(t time.Time) string {
	t = t.In(Tokyo)
	return t.Format("1月2日") + "（" + Weekday(t) + "）"
}

// LongDate is the form of mails and documents: 2026年12月5日（土）.
func LongDate(t time.Time) string {
	t = t.In(Tokyo)
	return t.Format("2006年1月2日") + "（" + Weekday(t) + "）"
}

// DateTime is a moment as pages and mails show it: 2026年12月5日（土）14:05.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return LongDate(t) + t.In(Tokyo).Format("15:04")
}

// ParseDay reads a calendar day stored as YYYY-MM-DD (a preferred delivery
// date) as midnight of that day in Japan time.
func ParseDay(day string) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, day, Tokyo)
	return t, err == nil
}
