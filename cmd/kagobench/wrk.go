package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// load is one wrk run.
type load struct {
	url     string
	conns   int
	dur     time.Duration
	headers []string // "Name: value"
	script  string   // Lua file, or ""
}

// loadResult is what wrk measured.
type loadResult struct {
	rps      float64
	p50, p99 time.Duration
	requests int
	bad      int // non-2xx/3xx answers plus socket errors other than the run's end
}

// checkChrt tells how to go on without chrt, which runWrk needs for the
// batch policy.
func checkChrt() error {
	if _, err := exec.LookPath("chrt"); err != nil {
		return fmt.Errorf("chrt is missing (Debian's util-linux has it); install it, or measure at the normal policy with -batch-from 0")
	}
	return nil
}

func wrkVersion() (string, error) {
	out, _ := exec.Command("wrk", "-v").CombinedOutput() // wrk -v exits 1
	if !strings.HasPrefix(string(out), "wrk ") {
		return "", fmt.Errorf("wrk is missing: make bench installs it on Debian as root (apt-get install wrk)")
	}
	return strings.Fields(string(out))[1], nil
}

// runWrk runs wrk with two threads (the machine's cores) and reads its
// throughput, latency distribution and errors. With batch, wrk runs under
// Linux's SCHED_BATCH policy (chrt, util-linux): it keeps its fair share of
// the CPU, but a reply that wakes it no longer preempts the server's thread
// in the middle of a request; the kernel still shares the cores at the end
// of each time slice. At 256 connections, at the same policy, wrk's
// wake-ups cut into kago's requests and stalled the goroutines queued
// behind them, and the p99 it measured was mostly its own: the order
// page's p99 was 7x its p50, 16x with wrk at nice -10, and 2.6x under
// SCHED_BATCH, which also served more. With fewer connections the server
// has idle time, and the batch policy delays wrk's next requests instead:
// the product page served 10-25% less at 16 and 64 connections.
func runWrk(ctx context.Context, l load, batch bool) (loadResult, error) {
	args := []string{"-t2", "-c" + strconv.Itoa(l.conns), "-d" + strconv.Itoa(int(l.dur.Seconds())) + "s", "--latency", "--timeout", "10s"}
	for _, h := range l.headers {
		args = append(args, "-H", h)
	}
	if l.script != "" {
		args = append(args, "-s", l.script)
	}
	args = append(args, l.url)
	name := "wrk"
	if batch {
		name, args = "chrt", append([]string{"--batch", "0", "wrk"}, args...)
	}
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return parseWrk(string(out))
}

func parseWrk(out string) (loadResult, error) {
	var r loadResult
	inDist := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch {
		case f[0] == "Latency" && len(f) > 1 && f[1] == "Distribution":
			inDist = true
		case inDist && (f[0] == "50%" || f[0] == "99%") && len(f) == 2:
			d, err := wrkDuration(f[1])
			if err != nil {
				return r, err
			}
			if f[0] == "50%" {
				r.p50 = d
			} else {
				r.p99 = d
			}
		case len(f) >= 2 && f[1] == "requests" && f[2] == "in":
			inDist = false
			r.requests, _ = strconv.Atoi(f[0])
		case f[0] == "Non-2xx":
			n, _ := strconv.Atoi(f[len(f)-1])
			r.bad += n
		case f[0] == "Socket" && f[1] == "errors:":
			// "connect 0, read 0, write 0, timeout 0": a read error is a
			// connection the server closed, which counts.
			for i := 2; i+1 < len(f); i += 2 {
				n, _ := strconv.Atoi(strings.TrimSuffix(f[i+1], ","))
				r.bad += n
			}
		case f[0] == "Requests/sec:":
			r.rps, _ = strconv.ParseFloat(f[1], 64)
		}
	}
	if r.rps == 0 || r.p50 == 0 {
		return r, fmt.Errorf("wrk output not understood:\n%s", out)
	}
	return r, nil
}

// wrkDuration reads wrk's 812.00us, 1.52ms, 2.01s, 1.00m.
func wrkDuration(s string) (time.Duration, error) {
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"m", time.Minute}, {"s", time.Second}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("wrk duration %q", s)
			}
			return time.Duration(f * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("wrk duration %q", s)
}

// postScript writes a wrk script that posts body as a form from a new
// shopper each time: no cookies, a browser's Sec-Fetch-Site (the CSRF
// check of a same-origin form), and a random client address in
// X-Forwarded-For, which kago trusts from loopback in this run.
func postScript(dir, name, body string) (string, error) {
	path := filepath.Join(dir, name+".lua")
	lua := fmt.Sprintf(`wrk.method = "POST"
wrk.body = %q
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  wrk.headers["X-Forwarded-For"] = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format()
end
`, body)
	return path, os.WriteFile(path, []byte(lua), 0o600)
}
