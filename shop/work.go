package shop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"
)

// work is the shop's own background state for the Amazon Pay watch (F-80,
// F-45, F-53): the name this process gives its claims, the goroutines it
// started (notifications being processed) and the notification verifiers.
type work struct {
	mu     sync.Mutex
	owner  string // instance + "/" + process ID: names this process in claims
	wg     sync.WaitGroup
	ctx    context.Context // ends with Stop
	cancel context.CancelFunc

	draining, again bool     // a drain of notifications runs; another was asked for
	locks           keyLocks // one processing at a time per charge permission
	verifiers       verifiers
}

func newWork() *work {
	host, _ := os.Hostname()
	w := &work{owner: fmt.Sprintf("%s/%d", host, os.Getpid())}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	return w
}

// SetInstance names this shop's instance: its claims are written as
// instance/pid, and store.ReleaseInstanceClaims(instance) gives them up
// when the instance starts again after dying. Call it before serving.
func (s *Shop) SetInstance(instance string) {
	s.work.mu.Lock()
	defer s.work.mu.Unlock()
	s.work.owner = fmt.Sprintf("%s/%d", instance, os.Getpid())
}

// ownerName is this process's name in claims.
func (s *deps) ownerName() string {
	s.work.mu.Lock()
	defer s.work.mu.Unlock()
	return s.work.owner
}

// Wait waits for the background work the shop started by itself
// (notifications being processed) to end.
func (s *Shop) Wait() { s.work.wg.Wait() }

// Stop ends the background work the shop started by itself and waits for
// it; call it at shutdown, after the HTTP server stopped taking requests.
// A notification cut short is processed again after its lease.
func (s *Shop) Stop() {
	s.work.cancel()
	s.work.wg.Wait()
}

// newClaimToken is a random token that proves a claim is still one's own.
func newClaimToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// retryDelay is the wait after tries failed attempts to reach Amazon: 30 s
// doubling, at most an hour.
func retryDelay(tries int) time.Duration {
	d := 30 * time.Second
	for i := 0; i < tries && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// keyLocks serialises work per key (a charge permission) inside this
// process, so two notifications of one payment are recorded in order.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int
}

// lock takes key's lock and returns its release.
func (k *keyLocks) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{}
		k.m[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
