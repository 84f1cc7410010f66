package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is a child process serving HTTP: kago or the bare handler.
type server struct {
	cmd     *exec.Cmd
	url     string // base URL without a trailing slash
	startup time.Duration
	logPath string
	done    chan error

	stopOnce sync.Once
	stopErr  error
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// startKago starts kago on the seeded database with a free port. Start-up is the
// time from exec to the first answer of /healthz. The run's addresses come
// from X-Forwarded-For (a trusted proxy on loopback), so the limits per
// address see many shoppers, as behind a shop's reverse proxy.
func startKago(ctx context.Context, cfg config) (*server, error) {
	logPath := filepath.Join(cfg.dir, "kago.log")
	args := append([]string{"-addr", "127.0.0.1:0", "-data", filepath.Join(cfg.dir, "data"), "-database-url", cfg.dbURL,
		"-log-level", "warn", "-trusted-proxies", "127.0.0.1"}, cfg.kagoArgs...)
	return startServer(ctx, logPath, "Shop:", cfg.kago, args...)
}

// startBare starts this program's bare Echo handler serving pages of sizes.
func startBare(ctx context.Context, cfg config, sizes []int) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	list := make([]string, len(sizes))
	for i, n := range sizes {
		list[i] = strconv.Itoa(n)
	}
	return startServer(ctx, filepath.Join(cfg.dir, "bare.log"), "Bare:", self, "bare", "-addr", "127.0.0.1:0", "-sizes", strings.Join(list, ","))
}

// startServer runs name with args, finds its URL on the stdout line that
// starts with marker, and waits until /healthz answers.
func startServer(ctx context.Context, logPath, marker, name string, args ...string) (*server, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &server{cmd: cmd, logPath: logPath, done: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == marker {
				urls <- strings.TrimRight(f[1], "/")
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- cmd.Wait(); logf.Close() }()
	select {
	case s.url = <-urls:
	case err := <-s.done:
		return nil, fmt.Errorf("%s exited at start: %v (see %s)", filepath.Base(name), err, logPath)
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not start in 30 s (see %s)", filepath.Base(name), logPath)
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		return nil, ctx.Err()
	}
	for {
		res, err := http.Get(s.url + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(began) > 30*time.Second {
			_ = s.stop()
			return nil, fmt.Errorf("%s: /healthz does not answer", s.url)
		}
		time.Sleep(time.Millisecond)
	}
	s.startup = time.Since(began)
	return s, nil
}

// stop ends the server as Ctrl-C would and waits for it; it is safe to
// call twice.
func (s *server) stop() error {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-s.done:
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				s.stopErr = fmt.Errorf("%s exited with %v (see %s)", s.cmd.Path, err, s.logPath)
			} else {
				s.stopErr = err
			}
		case <-time.After(20 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
			s.stopErr = fmt.Errorf("%s did not stop in 20 s", s.cmd.Path)
		}
	})
	return s.stopErr
}

// rss is a process's resident memory in bytes (VmRSS), 0 when unknown.
func rss(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// rssPeak samples a process's RSS every 100 ms until stopped and keeps the
// largest.
type rssPeak struct {
	mu   sync.Mutex
	max  int64
	stop chan struct{}
	wg   sync.WaitGroup
}

func watchRSS(pid int) *rssPeak {
	p := &rssPeak{stop: make(chan struct{})}
	p.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if v := rss(pid); v > 0 {
				p.mu.Lock()
				p.max = max(p.max, v)
				p.mu.Unlock()
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	})
	return p
}

func (p *rssPeak) done() int64 {
	close(p.stop)
	p.wg.Wait()
	return p.max
}

// cpuTime is the CPU time (user and system) a process has used so far,
// from /proc/PID/stat, in clock ticks of 10 ms (Linux's USER_HZ); 0 when
// unknown.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: the fields
	// after it start with the state (field 3); utime and stime are
	// fields 14 and 15.
	_, rest, ok := bytes.Cut(b, []byte(") "))
	f := strings.Fields(string(rest))
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// loadAvg is the machine's one-minute load average, as text.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// countErrors counts the ERROR lines a server logged.
func countErrors(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	return bytes.Count(b, []byte("level=ERROR"))
}

// rsaSignCost is the time of one RSASSA-PSS signature with a 2048-bit key,
// what the shop does per Amazon Pay API call and per button payload.
func rsaSignCost() time.Duration {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return 0
	}
	sum := sha256.Sum256([]byte("AMZN-PAY-RSASSA-PSS-V2\n0123456789abcdef"))
	const n = 100
	began := time.Now()
	for range n {
		if _, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, sum[:], &rsa.PSSOptions{SaltLength: 32}); err != nil {
			return 0
		}
	}
	return time.Since(began) / n
}
