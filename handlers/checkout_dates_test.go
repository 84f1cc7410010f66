package handlers

import (
	"slices"
	"testing"
	"time"

	"kago/shop"
)

// The 配送日 choices are made once a day and follow the date in Japan: a
// minute before midnight in Tokyo gives that day's, a minute after gives
// the next day's, each the dates shop.DeliveryDates gives.
func TestDeliveryDateOptionsFollowTheDayInJapan(t *testing.T) {
	before := time.Date(2026, 12, 1, 14, 59, 0, 0, time.UTC) // 23:59 in Tokyo
	after := before.Add(2 * time.Minute)                     // 00:01 the next day
	for _, now := range []time.Time{before, after, before} {
		got := deliveryDateOptions(now)
		var values []string
		for _, o := range got {
			values = append(values, o.Value)
			if o.Label == "" {
				t.Fatalf("%s: option %q has no label", now, o.Value)
			}
		}
		if want := shop.DeliveryDates(now); !slices.Equal(values, want) {
			t.Fatalf("%s: choices %v, want %v", now, values, want)
		}
	}
	if a, b := deliveryDateOptions(before)[0].Value, deliveryDateOptions(after)[0].Value; a == b {
		t.Fatalf("the choices did not move at midnight in Japan: both start %s", a)
	}
}
