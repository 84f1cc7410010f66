package handlers

import (
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestPostCounterIsDroppedOnlyWhenFull: an address's counter is forgotten
// after refill, and by then it allows a whole burst again, as a new one
// does; a moment sooner it does not yet.
func TestPostCounterIsDroppedOnlyWhenFull(t *testing.T) {
	for _, lim := range []PostLimit{DefaultPostLimit, {Rate: 3, Burst: 10}, {Rate: 0.001, Burst: 5}} {
		idle := lim.refill()
		start := time.Unix(1_800_000_000, 0)
		l := rate.NewLimiter(rate.Limit(lim.Rate), lim.Burst)
		if !l.AllowN(start, lim.Burst) {
			t.Fatalf("%+v: the first burst was refused", lim)
		}
		if l.AllowN(start.Add(idle-time.Second), lim.Burst) {
			t.Errorf("%+v: a whole burst %v after the last, before refill %v", lim, idle-time.Second, idle)
		}
		l = rate.NewLimiter(rate.Limit(lim.Rate), lim.Burst)
		l.AllowN(start, lim.Burst)
		if !l.AllowN(start.Add(idle), lim.Burst) {
			t.Errorf("%+v: idle for %v, the counter does not allow a whole burst, so dropping it would", lim, idle)
		}
	}
}
