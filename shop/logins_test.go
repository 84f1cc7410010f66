package shop_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kago/model"
	"kago/shop"
)

// attempt runs one guarded sign-in whose password check says right or
// wrong, counting the checks that ran.
func attempt(s *shop.Shop, checks *atomic.Int64, account, address string, right bool) error {
	return s.Logins.Guard(context.Background(), model.SessionAdmin, account, address, func() error {
		checks.Add(1)
		if right {
			return nil
		}
		return shop.ErrBadLogin
	})
}

// TestLoginLimitPerAccount: 5 wrong passwords lock the account for 15
// minutes; the right password is refused until then, accepted after.
func TestLoginLimitPerAccount(t *testing.T) {
	s, _, clk := newClockShop(t)
	var checks atomic.Int64
	for i := range 5 {
		clk.add(time.Minute)
		if err := attempt(s, &checks, "owner@example.jp", "192.0.2.1", false); !errors.Is(err, shop.ErrBadLogin) {
			t.Fatalf("wrong password %d: %v", i+1, err)
		}
	}
	for i := range 195 {
		if err := attempt(s, &checks, "Owner@Example.jp ", "192.0.2."+strconv.Itoa(2+i%50), false); !errors.Is(err, shop.ErrLoginLimited) {
			t.Fatalf("attempt %d after the limit: %v", 6+i, err)
		}
	}
	if n := checks.Load(); n != 5 {
		t.Fatalf("200 wrong passwords were %d checked attempts, want 5", n)
	}
	clk.add(15*time.Minute - time.Second)
	if err := attempt(s, &checks, "owner@example.jp", "198.51.100.7", true); !errors.Is(err, shop.ErrLoginLimited) {
		t.Fatalf("right password 1 s before the lock ends: %v", err)
	}
	clk.add(time.Second)
	if err := attempt(s, &checks, "owner@example.jp", "198.51.100.7", true); err != nil {
		t.Fatalf("right password after the lock: %v", err)
	}
	// A success forgets the account's failures: 5 more wrong ones are checked.
	before := checks.Load()
	for range 6 {
		_ = attempt(s, &checks, "owner@example.jp", "198.51.100.7", false)
	}
	if n := checks.Load() - before; n != 5 {
		t.Fatalf("after a success, %d of 6 wrong passwords were checked, want 5", n)
	}
}

// TestLoginLimitPerAddress: one address trying many accounts (password
// spraying) gets 20 attempts; another address is not held back, and IPv6
// addresses of one /64 share a counter.
func TestLoginLimitPerAddress(t *testing.T) {
	s, _, clk := newClockShop(t)
	var checks atomic.Int64
	for i := range 25 {
		err := attempt(s, &checks, "user"+strconv.Itoa(i)+"@example.jp", "2001:db8:1:2::"+strconv.Itoa(i+1), false)
		if (i < 20) != errors.Is(err, shop.ErrBadLogin) || (i >= 20) != errors.Is(err, shop.ErrLoginLimited) {
			t.Fatalf("account %d from the same /64: %v", i, err)
		}
	}
	if err := attempt(s, &checks, "user0@example.jp", "2001:db8:1:3::1", true); err != nil {
		t.Fatalf("another /64: %v", err)
	}
	clk.add(15 * time.Minute)
	if err := attempt(s, &checks, "user1@example.jp", "2001:db8:1:2::99", true); err != nil {
		t.Fatalf("the /64 after its lock: %v", err)
	}
}

// TestLoginLimitConcurrent: 200 wrong passwords at once are 5 checks, so
// racing requests (or instances) cannot get past the limit.
func TestLoginLimitConcurrent(t *testing.T) {
	s, _, _ := newClockShop(t)
	var checks, limited atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			err := attempt(s, &checks, "owner@example.jp", "192.0.2."+strconv.Itoa(i%200+1), false)
			if errors.Is(err, shop.ErrLoginLimited) {
				limited.Add(1)
			} else if !errors.Is(err, shop.ErrBadLogin) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if checks.Load() != 5 || limited.Load() != 195 {
		t.Fatalf("%d checked, %d refused; want 5 and 195", checks.Load(), limited.Load())
	}
}

// TestLoginLimitOtherErrorsAreNoAttempt: a check that fails for another
// reason (the database) does not use up the account's attempts.
func TestLoginLimitOtherErrorsAreNoAttempt(t *testing.T) {
	s, _, _ := newClockShop(t)
	broken := errors.New("database down")
	for range 10 {
		err := s.Logins.Guard(context.Background(), model.SessionAdmin, "owner@example.jp", "192.0.2.1", func() error { return broken })
		if !errors.Is(err, broken) {
			t.Fatalf("got %v", err)
		}
	}
	var checks atomic.Int64
	if err := attempt(s, &checks, "owner@example.jp", "192.0.2.1", true); err != nil {
		t.Fatalf("after 10 failed checks: %v", err)
	}
}

func TestStaleLoginLimitsDeleted(t *testing.T) {
	s, _, clk := newClockShop(t)
	var checks atomic.Int64
	_ = attempt(s, &checks, "a@example.jp", "192.0.2.1", false)
	for range 5 {
		_ = attempt(s, &checks, "locked@example.jp", "192.0.2.2", false)
	}
	ctx := context.Background()
	if n, err := s.Logins.DeleteStale(ctx); err != nil || n != 0 {
		t.Fatalf("deleted %d fresh counters (%v)", n, err)
	}
	clk.add(25 * time.Hour)
	if n, err := s.Logins.DeleteStale(ctx); err != nil || n != 4 {
		t.Fatalf("deleted %d stale counters (%v), want 4 (2 accounts, 2 addresses)", n, err)
	}
}
