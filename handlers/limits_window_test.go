package handlers

import (
	"testing"
	"time"
)

// TestPostWindowIsBurstOverRate: the limit's window is the time Rate takes
// to allow a whole Burst, and never under a second.
func TestPostWindowIsBurstOverRate(t *testing.T) {
	for _, c := range []struct {
		lim  PostLimit
		want time.Duration
	}{
		{DefaultPostLimit, 30 * time.Second},
		{PostLimit{Rate: 4, Burst: 10}, 2500 * time.Millisecond},
		{PostLimit{Rate: 0.001, Burst: 5}, 5000 * time.Second},
		{PostLimit{Rate: 1e9, Burst: 1e9}, time.Second},
		{PostLimit{Rate: 1000, Burst: 10}, time.Second},
	} {
		if got := c.lim.window(); got != c.want {
			t.Errorf("%+v: window %v, want %v", c.lim, got, c.want)
		}
	}
}
