package handlers

import (
	"testing"
	"time"
)

// TestPostWindowIsBurstOverRate: the limit's window is the time Rate takes
// to allow a whole Burst, and never under a second; Retry-After is the
// window and one slot more, in whole seconds (31 by default).
func TestPostWindowIsBurstOverRate(t *testing.T) {
	for _, c := range []struct {
		lim   PostLimit
		want  time.Duration
		retry int
	}{
		{DefaultPostLimit, 30 * time.Second, 31},
		{PostLimit{Rate: 4, Burst: 10}, 2500 * time.Millisecond, 3},
		{PostLimit{Rate: 0.001, Burst: 5}, 5000 * time.Second, 6000},
		{PostLimit{Rate: 1e9, Burst: 1e9}, time.Second, 2},
		{PostLimit{Rate: 1000, Burst: 10}, time.Second, 2},
		{PostLimit{Rate: 3, Burst: 3}, time.Second, 2},
	} {
		if got := c.lim.window(); got != c.want {
			t.Errorf("%+v: window %v, want %v", c.lim, got, c.want)
		}
		if got := c.lim.retryAfter(); got != c.retry {
			t.Errorf("%+v: Retry-After %d, want %d", c.lim, got, c.retry)
		}
	}
}
