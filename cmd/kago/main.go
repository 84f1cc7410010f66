// Command kago is the whole shop: storefront, admin, mail and background
// work in one binary over one SQLite file.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"kago/handlers"
	"kago/jobs"
	"kago/mail"
	"kago/shop"
	"kago/static"
	"kago/store"
)

// defaultMemoryLimit keeps kago's Go heap near 48 MiB: past it the garbage
// collector runs more often instead of letting the heap grow by
// defaultGCPercent before each collection, so a small server's memory
// stays predictable under load (after 2,000 Amazon Pay orders kago's RSS was
// 89-91 MB with 64 MiB, 76 MB with 48 MiB, at the same orders/s; SQLite's
// caches and the binary take ~35 MB beside the heap). It is a soft limit;
// GOMEMLIMIT overrides it (e.g. GOMEMLIMIT=256MiB for a large shop).
const defaultMemoryLimit = 48 << 20

// defaultGCPercent lets the heap grow to five times what is live before a
// collection, instead of Go's two. kago keeps only 3-4 MB live while pages
// allocate ~25 KB each, so at Go's default it collected ~15 times a second
// under load, each with two stop-the-world pauses that a busy small server
// stretches into the slowest answers (issue 15: GODEBUG=gctrace=1 during
// make bench). Serving pages the heap then peaks near 20 MB, inside
// defaultMemoryLimit, which bounds it when more is live; GOGC overrides it.
const defaultGCPercent = 400

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kago:", err)
		}
		os.Exit(1)
	}
}

// run dispatches the subcommand; with none it serves the shop.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, rest := "serve", args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := parseServeConfig(rest, getenv, stderr)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, stdout)
	case "amazonpay-emulator":
		return runEmulator(ctx, rest, stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q (commands: serve, amazonpay-emulator)", cmd)
	}
}

// serveConfig is every setting of the shop server.
type serveConfig struct {
	Addr, DataDir, BaseURL string
	UploadDir              string // uploaded pictures; every instance of a shop must see the same one
	Instance               string // names this instance in claims; empty: the ID kept in DataDir
	// DatabaseURL is store.Open's: "" is the SQLite file kago.db in DataDir.
	DatabaseURL           string
	EmulatorURL           string // a separately running Amazon Pay emulator
	SMTP                  mail.SMTPConfig
	AdminEmail, AdminPass string
	LogLevel              slog.Level
	TrustedProxies        []*net.IPNet
	Pprof                 bool
	// passwordCost is the bcrypt cost of admin and member passwords; 0 keeps the
	// shop's default. No flag sets it: only tests lower it.
	passwordCost int
}

func parseServeConfig(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	var cfg serveConfig
	fs := flag.NewFlagSet("kago serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&cfg.Addr, "addr", env("KAGO_ADDR", "127.0.0.1:8080"), "listen address host:port (env KAGO_ADDR; port 0 picks a free port)")
	fs.StringVar(&cfg.DataDir, "data", env("KAGO_DATA", "./data"), "data directory: kago.db, uploads, keys (env KAGO_DATA)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", env("KAGO_DATABASE_URL", ""), "database: postgres://USER:PASSWORD@HOST/DB for PostgreSQL, sqlite:PATH for an SQLite file (env KAGO_DATABASE_URL; default: kago.db in the data directory)")
	fs.StringVar(&cfg.UploadDir, "uploads", env("KAGO_UPLOADS", ""), "directory of uploaded product pictures; several instances of one shop must share it (env KAGO_UPLOADS; default DATA/uploads)")
	fs.StringVar(&cfg.Instance, "instance", env("KAGO_INSTANCE", ""), "name of this instance in the claims of background work, unique among the instances of one database (env KAGO_INSTANCE; default: a random ID kept in DATA/instance.id)")
	fs.StringVar(&cfg.BaseURL, "base-url", env("KAGO_BASE_URL", ""), "public URL of the shop, e.g. https://shop.example.jp (env KAGO_BASE_URL; default http://ADDR)")
	fs.StringVar(&cfg.SMTP.Host, "smtp-host", env("KAGO_SMTP_HOST", ""), "SMTP server; empty keeps mail in the outbox shown in the admin (env KAGO_SMTP_HOST)")
	port := fs.String("smtp-port", env("KAGO_SMTP_PORT", "587"), "SMTP port (env KAGO_SMTP_PORT)")
	fs.StringVar(&cfg.SMTP.Username, "smtp-user", env("KAGO_SMTP_USER", ""), "SMTP user name; empty for no authentication (env KAGO_SMTP_USER)")
	fs.StringVar(&cfg.SMTP.Password, "smtp-password", env("KAGO_SMTP_PASSWORD", ""), "SMTP password (env KAGO_SMTP_PASSWORD)")
	fs.StringVar(&cfg.SMTP.TLS, "smtp-tls", env("KAGO_SMTP_TLS", "starttls"), "SMTP security: starttls, tls or none (env KAGO_SMTP_TLS)")
	fs.StringVar(&cfg.EmulatorURL, "amazonpay-emulator-url", env("KAGO_AMAZONPAY_EMULATOR_URL", ""), "URL of a separately running Amazon Pay emulator (kago amazonpay-emulator) to use in emulator mode instead of the built-in one; the shop registers its merchant account with it at start (env KAGO_AMAZONPAY_EMULATOR_URL)")
	level := fs.String("log-level", env("KAGO_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env KAGO_LOG_LEVEL)")
	proxies := fs.String("trusted-proxies", env("KAGO_TRUSTED_PROXIES", ""), "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client, e.g. 127.0.0.1 (env KAGO_TRUSTED_PROXIES; empty: the connecting address is the client)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: kago [serve] [flags]

Serves the shop, its admin and (with no Amazon Pay keys) the local Amazon Pay
emulator. Every flag can also be set by the environment variable named.
The first admin is created on first run and its password printed once;
KAGO_ADMIN_EMAIL and KAGO_ADMIN_PASSWORD set them for scripted setups.

Flags:
`)
		fs.PrintDefaults()
	}
	envPprof, _ := strconv.ParseBool(getenv("KAGO_PPROF"))
	fs.BoolVar(&cfg.Pprof, "pprof", envPprof, "serve Go's profiles to the signed-in admin at /admin/debug/pprof/ (env KAGO_PPROF=1; off by default)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	p, err := strconv.Atoi(*port)
	if err != nil || p <= 0 || p > 65535 {
		return cfg, fmt.Errorf("bad -smtp-port %q", *port)
	}
	cfg.SMTP.Port = p
	if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return cfg, fmt.Errorf("bad -log-level: %w", err)
	}
	if cfg.TrustedProxies, err = parseCIDRs(*proxies); err != nil {
		return cfg, fmt.Errorf("bad -trusted-proxies: %w", err)
	}
	cfg.AdminEmail, cfg.AdminPass = getenv("KAGO_ADMIN_EMAIL"), getenv("KAGO_ADMIN_PASSWORD")
	if cfg.UploadDir == "" {
		cfg.UploadDir = filepath.Join(cfg.DataDir, "uploads")
	}
	return cfg, nil
}

func serve(ctx context.Context, cfg serveConfig, stdout io.Writer) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	// One data directory per instance: its instance ID names the claims
	// that a restart releases (a second process on the same directory
	// would release the first one's live claims).
	unlock, err := lockFile(filepath.Join(cfg.DataDir, "kago.lock"),
		fmt.Errorf("the data directory %s is in use by another kago process: give each instance its own -data", cfg.DataDir))
	if err != nil {
		return err
	}
	defer unlock()
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(cfg.DataDir, "kago.db")
	}
	// One SQLite file serves one kago process: the caches of a shopper's
	// cart and checkout are cleared only by the process that writes.
	// Several instances share a PostgreSQL database instead.
	path, sqlite, err := store.SQLitePath(dbURL)
	if err != nil {
		return err
	}
	if sqlite {
		unlockDB, err := lockFile(path+".lock", fmt.Errorf("the SQLite database %s is in use by another kago process: "+
			"several instances need PostgreSQL (-database-url postgres://..., see the README)", path))
		if err != nil {
			return err
		}
		defer unlockDB()
	}
	db, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	sessionKey, err := sharedSessionKey(ctx, db, filepath.Join(cfg.DataDir, "session.key"))
	if err != nil {
		return err
	}

	// The instance's name survives restarts: what a killed run of it left
	// claimed (a job run, a mail being sent, an Amazon Pay completion) is
	// released now rather than when its lease lapses (F-80).
	instance := cfg.Instance
	if instance == "" {
		instanceKey, err := loadOrCreateKey(filepath.Join(cfg.DataDir, "instance.id"), 8)
		if err != nil {
			return err
		}
		instance = hex.EncodeToString(instanceKey)
	}
	if n, err := db.ReleaseInstanceClaims(ctx, instance); err != nil {
		return err
	} else if n > 0 {
		log.Info("released what the previous run left claimed", "claims", n)
	}

	uploadDir := cfg.UploadDir
	s := shop.New(db, mail.NewOutbox(cfg.SMTP), log, uploadDir)
	s.SetInstance(instance)
	if cfg.passwordCost != 0 {
		s.SetPasswordCost(cfg.passwordCost)
	}
	if _, err := s.SeedDemo(ctx, static.Prefix); err != nil {
		return fmt.Errorf("demo catalog: %w", err)
	}
	admin, err := s.EnsureAdmin(ctx, cfg.AdminEmail, cfg.AdminPass)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	baseURL := strings.TrimRight(cfg.BaseURL, "/")
	if baseURL == "" {
		baseURL = "http://" + ln.Addr().String()
	}
	smtpWords := "SMTP未設定：メールは送信箱（メール送信履歴）に保存されます"
	if cfg.SMTP.Enabled() {
		smtpWords = "SMTPサーバー " + cfg.SMTP.Host + " から送信します"
	}
	// The local Amazon Pay, reached over HTTP exactly as Amazon would be.
	emu, emuConsole, stopEmu, err := amazonPayEmulator(ctx, cfg, s, baseURL, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer func() {
		if err := stopEmu(); err != nil {
			log.Error("amazon pay emulator", "err", err)
		}
	}()
	e := handlers.New(s, handlers.Config{Log: log, SessionKey: sessionKey, Secure: strings.HasPrefix(baseURL, "https://"),
		UploadDir: uploadDir, SMTP: smtpWords, AmazonPayEmulator: emu, TrustedProxies: cfg.TrustedProxies, Pprof: cfg.Pprof})
	httpServer := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}

	var sender mail.Sender = mail.NoSMTP{}
	if cfg.SMTP.Enabled() {
		if sender, err = mail.NewSMTPSender(cfg.SMTP); err != nil {
			ln.Close()
			return err
		}
	}
	// All background work runs on the one scheduler (F-85), each run claimed
	// in the database so several instances never repeat it.
	scheduler := jobs.New(db, log.With("component", "jobs"), backgroundJobs(s, db, sender, log, instance)...)
	scheduler.SetInstance(instance)
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	workers.Go(func() {
		if err := scheduler.Run(workCtx); err != nil && workCtx.Err() == nil { // a stop is no error
			log.Error("scheduler", "err", err)
		}
	})

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()

	fmt.Fprintf(stdout, "Kago is running.\n  Shop:  %s/\n  Admin: %s/admin\n", baseURL, baseURL)
	if emu != nil {
		fmt.Fprintf(stdout, "  Amazon Pay emulator console (admins, in emulator mode): %s\n", emuConsole)
	} else {
		fmt.Fprintf(stdout, "  Amazon Pay emulator: %s (separate process; console on its own host: %s)\n", cfg.EmulatorURL, emuConsole)
	}
	if admin.GeneratedPassword != "" {
		fmt.Fprintf(stdout, "  Admin login (shown once, keep it): %s / %s\n", admin.Email, admin.GeneratedPassword)
	} else {
		fmt.Fprintf(stdout, "  Admin login: %s (the password shown at the first start, or the one set since;\n"+
			"               forgot it? start once with KAGO_ADMIN_PASSWORD=new-password to set a new one)\n", admin.Email)
	}
	if cfg.SMTP.Enabled() {
		fmt.Fprintf(stdout, "  Mail:  sent through SMTP %s:%d\n", cfg.SMTP.Host, cfg.SMTP.Port)
	} else {
		fmt.Fprintf(stdout, "  Mail:  kept in the outbox, listed at %s/admin/mails\n", baseURL)
	}

	select {
	case err = <-serveErr:
	case <-ctx.Done():
		log.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = httpServer.Shutdown(shutdownCtx)
		cancel()
	}
	stopWork()
	workers.Wait()
	s.Stop()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// parseCIDRs reads a comma-separated list of CIDRs; a bare address is one host.
func parseCIDRs(list string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			ip := net.ParseIP(f)
			if ip == nil {
				return nil, fmt.Errorf("%q is not an address", f)
			}
			bits := 128
			if ip.To4() != nil {
				bits = 32
			}
			f += "/" + strconv.Itoa(bits)
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// backgroundJobs is every periodic job of the shop; instance names the
// mail worker's claims.
func backgroundJobs(s *shop.Shop, db *store.DB, sender mail.Sender, log *slog.Logger, instance string) []jobs.Job {
	mailer := mail.NewWorker(db, sender, log.With("component", "mail"))
	mailer.SetInstance(instance)
	return []jobs.Job{
		// Without SMTP mail is stored, not queued, so there is nothing to
		// deliver; mail queued while SMTP was configured fails visibly.
		{Name: "mail.deliver", Label: "メール送信", Every: 15 * time.Second, Run: mailer.DeliverDue},
		// Amazon Pay orders whose buyer never came back are finished or
		// failed by asking Amazon after the recovery delay of Amazon Pay設定
		// (F-80), and a payment Amazon holds with no completed order is
		// mailed to the shop (F-52). Cheap when nothing is due.
		{Name: "amazonpay.recover", Label: "Amazon Pay 未完了注文の確認と受注未作成通知", Every: 5 * time.Second, Run: s.AmazonPay.RunRecovery},
		// Notifications are processed as they arrive; this takes those a
		// dead process left, and retries those Amazon could not be asked
		// about (F-53).
		{Name: "amazonpay.notifications", Label: "Amazon Pay 通知（IPN）の処理", Every: 10 * time.Second, Run: s.AmazonPay.ProcessNotifications},
		// Authorizations, captures and refunds pending at Amazon are read
		// again, backing off, until Amazon settles them (F-45).
		{Name: "amazonpay.settle", Label: "Amazon Pay 処理中の決済の確認", Every: 15 * time.Second, Run: s.AmazonPay.SettlePending},
		// Orders against Amazon's payments, mailed when they differ (F-83).
		{Name: shop.ReconcileJob, Label: "Amazon Pay 照合（差異があればメール）", Every: 24 * time.Hour, Timeout: 30 * time.Minute,
			Run: s.AmazonPay.RunReconcile},
		// Unpaid Amazon Pay orders hold their stock only for the reservation
		// time of ショップ設定 (issue 9: stock hoarding).
		{Name: "amazonpay.reservations", Label: "Amazon Pay 決済待ちの在庫確保の解除", Every: time.Minute, Run: s.ReleaseLapsedReservations},
		{Name: "cleanup", Label: "不要データの削除（放置されたカゴ・注文手続き、期限切れのログイン）", Every: time.Hour, Run: s.Cleanup},
	}
}

// sessionKeySize is the session key's length: 32 bytes sign the cookies,
// 32 encrypt them.
const sessionKeySize = 64

// sharedSessionKey returns the session key every instance on the database
// shares (issue 16), kept in the database. The first start offers the key
// of an existing shop's file (path, the key before it was kept in the
// database), so signed-in shoppers and admins stay signed in, or else a
// new random one; a second instance starting at the same time gets the same
// key.
func sharedSessionKey(ctx context.Context, db *store.DB, path string) ([]byte, error) {
	candidate, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if len(candidate) != sessionKeySize {
		candidate = make([]byte, sessionKeySize)
		if _, err := rand.Read(candidate); err != nil {
			return nil, err
		}
	}
	key, err := db.Secret(ctx, "session_key", candidate)
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	if len(key) != sessionKeySize {
		return nil, fmt.Errorf("session key: the database holds %d bytes, want %d", len(key), sessionKeySize)
	}
	return key, nil
}

// loadOrCreateKey reads a secret key file, creating it with random bytes on
// first run. The key is never printed.
func loadOrCreateKey(path string, size int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) == size {
		return b, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	b = make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return b, os.WriteFile(path, b, 0o600)
}
