// Command kagobench is `make bench`: it seeds a database (1,000 products,
// 100,000 orders) straight through the store, starts bin/kago on it and a
// bare Echo handler beside it, loads both with wrk on loopback, runs
// complete Amazon Pay orders through the emulator inside kago, and prints
// one table. Every throughput is also given as a ratio to the bare handler
// serving a page of the same size in the same run: on a shared machine only
// the ratios mean anything.
//
//	go run ./cmd/kagobench -kago bin/kago
//
// `kagobench bare` is the bare handler (the run starts it as a child).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(os.Args) > 1 && os.Args[1] == "bare" {
		err = runBare(ctx, os.Args[2:], os.Stdout)
	} else {
		err = run(ctx, os.Args[1:], os.Stdout)
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "kagobench:", err)
		os.Exit(1)
	}
}

// progressOut shows what the run is doing while it runs.
var progressOut io.Writer = os.Stderr

// config is every knob of a run; the defaults are `make bench`.
type config struct {
	kago       string        // the kago binary to start
	dir        string        // work directory: the seeded data, logs (wiped first)
	dbURL      string        // the database kago runs on: sqlite:DIR/data/kago.db or postgres://...
	dur        time.Duration // one wrk run
	warm       time.Duration // warm-up before a page's runs
	conns      []int         // wrk connections
	products   int
	orders     int
	apOrders   int           // complete Amazon Pay orders
	shoppers   int           // concurrent Amazon Pay shoppers
	apMax      time.Duration // the Amazon Pay part stops after this
	adminRuns  int           // timed requests per admin measurement
	legacyCSRF bool          // page views without Sec-Fetch-Site: the token cookie's path
	// rounds of kago then bare per page and connection count: a burst of
	// other work on a shared machine slows one round, not one side.
	rounds int
	// batchFrom is the connection count from which wrk runs under
	// SCHED_BATCH (runWrk); 0: never.
	batchFrom int
	only      map[string]bool
	kagoArgs  []string // more flags for kago, e.g. -pprof to profile a run
}

func parseConfig(args []string) (config, error) {
	c := config{}
	fs := flag.NewFlagSet("kagobench", flag.ContinueOnError)
	fs.StringVar(&c.kago, "kago", "bin/kago", "kago binary (make build)")
	fs.StringVar(&c.dir, "dir", "bin/bench", "work directory, wiped at start: seeded data and kago.log")
	fs.StringVar(&c.dbURL, "database-url", "", "the database to seed and run kago on: postgres://... names a new, empty database (createdb it first;\n"+
		"a database with products is refused); default: SQLite in DIR/data/kago.db")
	fs.DurationVar(&c.dur, "d", 2*time.Second, "duration of one wrk run, in whole seconds")
	fs.IntVar(&c.rounds, "rounds", 2, "rounds of kago then bare at each connection count; each side keeps its best round")
	fs.DurationVar(&c.warm, "warm", time.Second, "warm-up before each page's runs, in whole seconds")
	conns := fs.String("c", "16,64,256", "wrk connection counts")
	fs.IntVar(&c.products, "products", 1000, "products in the seeded catalog")
	fs.IntVar(&c.orders, "orders", 100_000, "orders in the seeded database")
	fs.IntVar(&c.apOrders, "amazon-orders", 2000, "complete Amazon Pay orders through the emulator")
	fs.IntVar(&c.shoppers, "shoppers", 8, "concurrent Amazon Pay shoppers")
	fs.BoolVar(&c.legacyCSRF, "legacy-csrf", false, "load the pages without Sec-Fetch-Site, as a browser from before 2023: kago's CSRF check then reads and renews its token cookie on every view")
	fs.IntVar(&c.batchFrom, "batch-from", 256, "run wrk under SCHED_BATCH (chrt, util-linux) from this many connections (0: never): its wake-ups then do not preempt kago in the middle of a request")
	fs.DurationVar(&c.apMax, "amazon-max", 60*time.Second, "time limit of the Amazon Pay part (the table says when it stopped early)")
	fs.IntVar(&c.adminRuns, "admin-runs", 50, "timed requests per admin measurement")
	kagoArgs := fs.String("kago-flags", "", "more flags for kago, space-separated (e.g. -pprof, to profile it during the run)")
	only := fs.String("only", "", "comma-separated parts to run: pages, admin, amazon (default all)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	// wrk takes whole seconds.
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"-d", c.dur}, {"-warm", c.warm}} {
		if d.v < time.Second || d.v%time.Second != 0 {
			return c, fmt.Errorf("bad %s %s: whole seconds, at least 1s", d.flag, d.v)
		}
	}
	if c.rounds < 1 {
		return c, fmt.Errorf("bad -rounds %d: at least 1", c.rounds)
	}
	if c.batchFrom < 0 {
		return c, fmt.Errorf("bad -batch-from %d: a number of connections, or 0 for never", c.batchFrom)
	}
	for _, f := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return c, fmt.Errorf("bad -c %q", *conns)
		}
		c.conns = append(c.conns, n)
	}
	if c.dbURL == "" {
		c.dbURL = "sqlite:" + filepath.Join(c.dir, "data", "kago.db")
	}
	c.kagoArgs = strings.Fields(*kagoArgs)
	c.only = map[string]bool{}
	for _, p := range strings.Split(*only, ",") {
		if p = strings.TrimSpace(p); p != "" {
			if !slices.Contains([]string{"pages", "admin", "amazon"}, p) {
				return c, fmt.Errorf("bad -only part %q", p)
			}
			c.only[p] = true
		}
	}
	return c, nil
}

// batch reports whether wrk runs under SCHED_BATCH at conns connections.
func (c config) batch(conns int) bool { return c.batchFrom > 0 && conns >= c.batchFrom }

// batched splits the measured connection counts by wrk's policy.
func (c config) batched() (batch, normal []int) {
	for _, n := range c.conns {
		if c.batch(n) {
			batch = append(batch, n)
		} else {
			normal = append(normal, n)
		}
	}
	return batch, normal
}

func (c config) runs(part string) bool { return len(c.only) == 0 || c.only[part] }

func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseConfig(args)
	if err != nil {
		return err
	}
	if cfg.kago, err = filepath.Abs(cfg.kago); err != nil {
		return err
	}
	if _, err := os.Stat(cfg.kago); err != nil {
		return fmt.Errorf("no kago binary (make build): %w", err)
	}
	if _, err := wrkVersion(); err != nil {
		return err
	}
	if batch, _ := cfg.batched(); len(batch) > 0 && cfg.runs("pages") {
		if err := checkChrt(); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(cfg.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.dir, 0o700); err != nil {
		return err
	}
	r := &report{cfg: cfg, loadBefore: loadAvg(), started: time.Now()}
	progress := func(format string, a ...any) { fmt.Fprintf(progressOut, "kagobench: "+format+"\n", a...) }

	progress("seeding %d products and %d orders", cfg.products, cfg.orders)
	seed, err := seedShop(ctx, filepath.Join(cfg.dir, "data"), cfg.dbURL, cfg.products, cfg.orders)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	r.seed = seed

	// The first start on the data (the emulator's state is created); the
	// second is the start-up measured.
	k, err := startKago(ctx, cfg)
	if err != nil {
		return err
	}
	r.firstStart = k.startup
	if err := k.stop(); err != nil {
		return err
	}
	if k, err = startKago(ctx, cfg); err != nil {
		return err
	}
	defer k.stop()
	r.start = k.startup
	progress("kago at %s (admin %s / %s)", k.url, seed.adminEmail, seed.adminPass)
	time.Sleep(2 * time.Second)
	r.rssIdle = rss(k.pid())

	if cfg.runs("pages") {
		progress("pages: %d rounds of %s per side at %v connections", cfg.rounds, cfg.dur, cfg.conns)
		if err := benchPages(ctx, cfg, k, seed, r); err != nil {
			return err
		}
	}
	if cfg.runs("admin") {
		progress("admin order list at %d orders", cfg.orders)
		if err := benchAdmin(ctx, cfg, k, seed, r); err != nil {
			return err
		}
	}
	if cfg.runs("amazon") {
		progress("%d Amazon Pay orders, %d shoppers", cfg.apOrders, cfg.shoppers)
		if err := benchAmazon(ctx, cfg, k, seed, r); err != nil {
			return err
		}
		time.Sleep(time.Second)
		r.rssAfterOrders = rss(k.pid())
	}
	r.signCost = rsaSignCost()
	if err := k.stop(); err != nil {
		return err
	}
	if r.amazon != nil {
		// A restart now reads what the orders left: the emulator's state.
		if k, err = startKago(ctx, cfg); err != nil {
			return err
		}
		r.restart = k.startup
		if err := k.stop(); err != nil {
			return err
		}
		// The emulator keeps its state in SQLite: the file and its WAL.
		files, _ := filepath.Glob(filepath.Join(cfg.dir, "data", "amazonpay-emulator.db*"))
		for _, f := range files {
			if fi, err := os.Stat(f); err == nil {
				r.emulatorState += fi.Size()
			}
		}
	}
	r.errorsLogged = countErrors(k.logPath)
	r.loadAfter = loadAvg()
	r.print(out)
	return nil
}
