package main

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// report collects the run's figures and prints the one table.
type report struct {
	cfg                   config
	started               time.Time
	loadBefore, loadAfter string
	seed                  seeded
	firstStart, start     time.Duration
	restart               time.Duration // after the Amazon Pay orders
	emulatorState         int64         // bytes of the emulator's state file then
	rssIdle, rssLoad      int64
	rssAfterOrders        int64
	pages                 []pageRow
	admin                 []adminTiming
	amazon                *amazonResult
	signCost              time.Duration
	errorsLogged          int
}

// RSA-2048 signatures per order in the benchmark's flow, counted from
// kago's Amazon Pay call log (amazon_api_calls) after a run: the shop signs
// the button payload and eight API calls (get, update and complete the
// checkout session; get the charge permission and the charge after the
// completion; for the two notifications, the charge permission each time
// and the charge the second names: AMAZON-PAY.md section 6, a
// notification carries no state), and the emulator signs the two SNS
// notifications. Verifying (public exponent 65537) costs little.
const signaturesPerOrder = 11

func (r *report) print(out io.Writer) {
	wrk, _ := wrkVersion()
	fmt.Fprintf(out, "\nKago bench, %s: loopback, %d CPUs, load average %s before and %s after (a shared machine: compare ratios within this run)\n",
		r.started.Format("2006-01-02 15:04"), runtime.NumCPU(), r.loadBefore, r.loadAfter)
	fmt.Fprintf(out, "Seeded %s products and %s orders into %s in %.1f s (cmd/kagobench/seed.go)\n",
		thousands(float64(r.seed.counts[0])), thousands(float64(r.seed.counts[1])), r.seed.database, r.seed.took.Seconds())
	if len(r.pages) > 0 {
		rounds := "one round of kago then bare Echo, " + r.cfg.dur.String() + " each"
		if r.cfg.rounds > 1 {
			rounds = fmt.Sprintf("%d alternating rounds of kago then bare Echo, %s each; each side's fastest round", r.cfg.rounds, r.cfg.dur)
		}
		fmt.Fprintf(out, "Pages: wrk %s -t2 %s; %s\n", wrk, r.policy(), rounds)
		views := "page views as a browser sends them: the shopper's cookies and Sec-Fetch-Site: same-origin"
		if r.cfg.legacyCSRF {
			views = "page views without Sec-Fetch-Site (-legacy-csrf): the CSRF check reads and renews its token cookie each time"
		}
		fmt.Fprintln(out, views)
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	// Names are padded to one width, so they read left-aligned.
	width := 0
	for _, n := range r.names() {
		width = max(width, utf8.RuneCountInString(n))
	}
	pad := func(s string) string { return s + strings.Repeat(" ", width-utf8.RuneCountInString(s)) }
	// The bare handler's p99/p50 is the machine's own tail: wrk and the
	// server share its cores.
	fmt.Fprintln(tw, pad("what")+"\tconns\tresult\t× bare\tp50\tp99\tp99/p50\tbare req/s\tbare p99/p50\tbytes\ttarget\t")
	for _, p := range r.pages {
		ratio := p.kago.rps / p.bare.rps
		tail := p.kago.p99.Seconds() / p.kago.p50.Seconds()
		target := ""
		if p.minRatio > 0 {
			target = fmt.Sprintf("≥%.1f× %s", p.minRatio, okMiss(ratio >= p.minRatio))
		}
		if p.conns == 256 {
			target = strings.TrimSpace(target + fmt.Sprintf(" p99≤5×p50 %s", okMiss(p.kago.p99 <= 5*p.kago.p50)))
		}
		bad := ""
		if p.kago.bad > 0 {
			bad = fmt.Sprintf(" (%d errors)", p.kago.bad)
		}
		// Both are shown rounded toward their target's side (0.495 as
		// 0.49, 5.01 as 5.1), so that a figure agrees with its ok or MISS.
		fmt.Fprintf(tw, "%s\t%d\t%s req/s%s\t%.2f\t%s\t%s\t%.1f\t%s\t%.1f\t%s\t%s\t\n", pad(p.name), p.conns, thousands(p.kago.rps), bad,
			math.Floor(ratio*100+1e-9)/100, ms(p.kago.p50), ms(p.kago.p99), math.Ceil(tail*10-1e-9)/10, thousands(p.bare.rps), p.bare.p99.Seconds()/p.bare.p50.Seconds(), thousands(float64(p.bytes)), target)
	}
	if a := r.amazon; a != nil {
		rate := float64(a.orders) / a.took.Seconds()
		bound := ""
		if r.signCost > 0 {
			bound = fmt.Sprintf("%.2f of RSA bound", rate/r.signBound())
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f orders/s\t%s\t\t\t\t\t\t\t≥150/s 0 errors %s\t\n", pad(r.amazonName()), r.cfg.shoppers, rate, bound, okMiss(rate >= 150 && a.errors == 0))
	}
	for _, a := range r.admin {
		fmt.Fprintf(tw, "%s\t1\t\t\t%s\t%s\t\t\t\t\t<%s %s\t\n", pad(r.adminName(a)),
			ms(a.p50), ms(a.p99), ms(a.limit), okMiss(a.p50 < a.limit))
	}
	mb := func(name string, v, limit int64) {
		if v > 0 {
			fmt.Fprintf(tw, "%s\t\t%.0f MB\t\t\t\t\t\t\t\t<%d MB %s\t\n", pad(name), float64(v)/(1<<20), limit>>20, okMiss(v < limit))
		}
	}
	mb(rssNames[0], r.rssIdle, 40<<20)
	mb(rssNames[1], r.rssLoad, 100<<20)
	mb(r.rssOrdersName(), r.rssAfterOrders, 100<<20)
	fmt.Fprintf(tw, "%s\t\t%s\t\t\t\t\t\t\t\t<300 ms %s\t\n", pad(r.startName()), ms(r.start), okMiss(r.start < 300*time.Millisecond))
	if r.restart > 0 {
		fmt.Fprintf(tw, "%s\t\t%s\t\t\t\t\t\t\t\t<300 ms %s\t\n", pad(r.restartName()), ms(r.restart), okMiss(r.restart < 300*time.Millisecond))
	}
	tw.Flush()
	if a := r.amazon; a != nil {
		fmt.Fprintf(out, "\nAmazon Pay: %s complete orders in %.1f s by %d concurrent shoppers, each order from a new browser and address", thousands(float64(a.orders)), a.took.Seconds(), r.cfg.shoppers)
		if a.stopped {
			fmt.Fprintf(out, " (stopped at the run's limit of %s)", r.cfg.apMax)
		}
		fmt.Fprintln(out, ".")
		for _, e := range a.firstErrors {
			fmt.Fprintf(out, "  Amazon Pay error: %s\n", e)
		}
	}
	if r.signCost > 0 {
		fmt.Fprintf(out, "\nOne RSA-2048 PSS signature costs %s here (measured after the load); an Amazon Pay order needs %d (the button\n"+
			"payload, eight API calls, two signed notifications): %s of CPU per order, so signing alone allows at most %.0f orders/s on %d cores (the RSA bound).\n",
			ms(r.signCost), signaturesPerOrder, ms(time.Duration(signaturesPerOrder)*r.signCost), r.signBound(), runtime.NumCPU())
	}
	if a := r.amazon; a != nil && a.orders > 0 && a.kagoCPU > 0 {
		per := func(d time.Duration) string { return ms(d / time.Duration(a.orders)) }
		fmt.Fprintf(out, "During the orders kago (the emulator in it included) used %s of CPU per order and the shoppers' client %s; 150 orders/s on %d cores leaves %s per order in all.\n",
			per(a.kagoCPU), per(a.clientCPU), runtime.NumCPU(), ms(time.Duration(runtime.NumCPU())*time.Second/150))
	}
	fmt.Fprintf(out, "kago logged %d errors during the run (%s). The whole run took %s.\n", r.errorsLogged, r.cfg.dir+"/kago.log",
		time.Since(r.started).Round(time.Second))
}

// policy says under which scheduling policy wrk ran at which connection
// counts.
func (r *report) policy() string {
	batch, normal := r.cfg.batched()
	list := func(conns []int) string {
		s := make([]string, len(conns))
		for i, n := range conns {
			s[i] = strconv.Itoa(n)
		}
		return strings.Join(s, ", ")
	}
	switch {
	case len(batch) == 0:
		return "at the normal scheduling policy"
	case len(normal) == 0:
		return "under SCHED_BATCH (its wake-ups do not preempt kago)"
	}
	return fmt.Sprintf("under SCHED_BATCH at %s connections (its wake-ups do not preempt kago), at the normal policy at %s", list(batch), list(normal))
}

// signBound is the orders per second that signing alone allows on this
// machine's cores.
func (r *report) signBound() float64 {
	return float64(runtime.NumCPU()) / (time.Duration(signaturesPerOrder) * r.signCost).Seconds()
}

var rssNames = [2]string{"RSS idle", "RSS under load (peak)"}

func (r *report) amazonName() string {
	a := r.amazon
	return fmt.Sprintf("Amazon Pay orders (%s, %d errors)", thousands(float64(a.orders)), a.errors)
}

func (r *report) adminName(a adminTiming) string {
	return fmt.Sprintf("%s (%sk orders)", a.name, thousands(float64(r.seed.counts[1]/1000)))
}

func (r *report) rssOrdersName() string {
	n := r.cfg.apOrders
	if r.amazon != nil {
		n = r.amazon.orders
	}
	return fmt.Sprintf("RSS after %s Amazon Pay orders", thousands(float64(n)))
}

func (r *report) startName() string {
	return fmt.Sprintf("start-up (first start %s)", ms(r.firstStart))
}

func (r *report) restartName() string {
	return fmt.Sprintf("restart after the orders (emulator state %.1f MB)", float64(r.emulatorState)/(1<<20))
}

// names are the first column's entries.
func (r *report) names() []string {
	out := []string{"what", rssNames[0], rssNames[1], r.rssOrdersName(), r.startName(), r.restartName()}
	for _, p := range r.pages {
		out = append(out, p.name)
	}
	for _, a := range r.admin {
		out = append(out, r.adminName(a))
	}
	if r.amazon != nil {
		out = append(out, r.amazonName())
	}
	return out
}

func okMiss(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISS"
}

// ms prints a duration in milliseconds with sensible precision.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

// thousands prints a number rounded, with thousands separators.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
