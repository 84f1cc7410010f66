package shop_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kago/mail"
	"kago/model"
	"kago/shop"
	"kago/store"
	"kago/store/storetest"
)

// testClock is an injectable clock for the store.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newClockShop is a shop without a catalog over a store with a test clock.
func newClockShop(t testing.TB) (*shop.Shop, *store.DB, *testClock) {
	t.Helper()
	clk := &testClock{t: time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)}
	db, err := store.Open(context.Background(), storetest.URL(t), clk.now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := shop.New(db, mail.NewOutbox(mail.SMTPConfig{}), slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir())
	s.SetPasswordCost(bcrypt.MinCost) // the default cost costs 0.7 s a hash under -race
	return s, db, clk
}

func TestSessionIdleAndMaximumLife(t *testing.T) {
	s, _, clk := newClockShop(t)
	ctx := context.Background()
	pol := s.Sessions.Policy(model.SessionAdmin)
	id, err := s.Sessions.Start(ctx, model.SessionAdmin, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions.Get(ctx, model.SessionMember, id); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("an admin session opened as a member's: %v", err)
	}
	// Used just within the idle limit, again and again: alive until the
	// maximum life, never past it.
	for elapsed := time.Duration(0); elapsed+pol.Idle-time.Minute < pol.Max; elapsed += pol.Idle - time.Minute {
		clk.add(pol.Idle - time.Minute)
		if _, err := s.Sessions.Get(ctx, model.SessionAdmin, id); err != nil {
			t.Fatalf("after %v of use: %v", elapsed+pol.Idle-time.Minute, err)
		}
	}
	clk.add(pol.Idle - time.Minute)
	if _, err := s.Sessions.Get(ctx, model.SessionAdmin, id); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("alive past the maximum life: %v", err)
	}

	// Left alone for the idle time, a fresh session ends.
	id2, _ := s.Sessions.Start(ctx, model.SessionAdmin, 1, "")
	clk.add(pol.Idle)
	if _, err := s.Sessions.Get(ctx, model.SessionAdmin, id2); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("alive after the idle time: %v", err)
	}
	if n, err := s.Sessions.DeleteExpired(ctx); err != nil || n != 2 {
		t.Fatalf("deleted %d expired sessions (%v), want 2", n, err)
	}
}

func TestSessionStartReplacesTheOldOne(t *testing.T) {
	s, _, _ := newClockShop(t)
	ctx := context.Background()
	old, _ := s.Sessions.Start(ctx, model.SessionAdmin, 1, "")
	id, err := s.Sessions.Start(ctx, model.SessionAdmin, 1, old)
	if err != nil || id == old {
		t.Fatalf("new ID %q (%v)", id, err)
	}
	if _, err := s.Sessions.Get(ctx, model.SessionAdmin, old); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("the replaced session is alive: %v", err)
	}
	if _, err := s.Sessions.Get(ctx, model.SessionAdmin, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions.Get(ctx, model.SessionAdmin, ""); !errors.Is(err, shop.ErrNotFound) {
		t.Fatal("an empty ID is a session")
	}
}

// TestEnsureAdminResetEndsSessions: KAGO_ADMIN_PASSWORD resets the password
// at start; a different one ends the admin's sessions, the same one keeps them.
func TestEnsureAdminResetEndsSessions(t *testing.T) {
	s, db, _ := newClockShop(t)
	ctx := context.Background()
	if _, err := s.EnsureAdmin(ctx, "owner@example.jp", "first-password-1"); err != nil {
		t.Fatal(err)
	}
	a, _ := db.AdminByEmail(ctx, "owner@example.jp")
	id, _ := s.Sessions.Start(ctx, model.SessionAdmin, a.ID, "")
	if _, err := s.EnsureAdmin(ctx, "owner@example.jp", "first-password-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions.Get(ctx, model.SessionAdmin, id); err != nil {
		t.Fatalf("a restart with the same password ended the session: %v", err)
	}
	if _, err := s.EnsureAdmin(ctx, "owner@example.jp", "second-password-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions.Get(ctx, model.SessionAdmin, id); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("the session outlived the password reset: %v", err)
	}
	if _, err := s.AdminLogin(ctx, "owner@example.jp", "second-password-2", "192.0.2.1"); err != nil {
		t.Fatalf("login with the reset password: %v", err)
	}
}

func TestAdminPasswordPolicy(t *testing.T) {
	s, db, _ := newClockShop(t)
	ctx := context.Background()
	if _, err := s.EnsureAdmin(ctx, "owner@example.jp", "current-password-1"); err != nil {
		t.Fatal(err)
	}
	a, _ := db.AdminByEmail(ctx, "owner@example.jp")
	for _, tc := range []struct {
		in    shop.PasswordChange
		field string
	}{
		{shop.PasswordChange{Current: "", New: "kyusu-to-yunomi", Confirm: "kyusu-to-yunomi"}, "current_password"},
		{shop.PasswordChange{Current: "wrong-password", New: "kyusu-to-yunomi", Confirm: "kyusu-to-yunomi"}, "current_password"},
		{shop.PasswordChange{Current: "current-password-1", New: "short", Confirm: "short"}, "new_password"},
		{shop.PasswordChange{Current: "current-password-1", New: "抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶抹茶", Confirm: ""}, "new_password"},
		{shop.PasswordChange{Current: "current-password-1", New: "current-password-1", Confirm: "current-password-1"}, "new_password"},
		{shop.PasswordChange{Current: "current-password-1", New: "owner@example.jp", Confirm: "owner@example.jp"}, "new_password"},
		{shop.PasswordChange{Current: "current-password-1", New: "1234567890", Confirm: "1234567890"}, "new_password"},
		{shop.PasswordChange{Current: "current-password-1", New: "zzzzzzzzzzzz", Confirm: "zzzzzzzzzzzz"}, "new_password"},
		{shop.PasswordChange{Current: "current-password-1", New: "kyusu-to-yunomi", Confirm: "kyusu-to-yunomi2"}, "confirm_password"},
	} {
		err := s.ChangeAdminPassword(ctx, a.ID, tc.in, "192.0.2.1")
		ie, ok := shop.AsInputError(err)
		if !ok || ie.Fields[tc.field] == "" {
			t.Errorf("%+v: %v, want a message on %s", tc.in, err, tc.field)
		}
	}
	if _, err := s.AdminLogin(ctx, "owner@example.jp", "current-password-1", "192.0.2.1"); err != nil {
		t.Fatalf("a refused change altered the password: %v", err)
	}
	if err := s.ChangeAdminPassword(ctx, a.ID, shop.PasswordChange{Current: "current-password-1", New: "急須と湯呑み-2026", Confirm: "急須と湯呑み-2026"}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AdminLogin(ctx, "owner@example.jp", "急須と湯呑み-2026", "192.0.2.1"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}

// TestPasswordCost: a shop hashes at bcrypt's default cost unless a test
// lowers it, and a lowered cost is the cost of every hash it writes.
func TestPasswordCost(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := shop.New(db, mail.NewOutbox(mail.SMTPConfig{}), slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir())
	if _, err := s.EnsureAdmin(ctx, "owner@example.jp", "first-password-1"); err != nil {
		t.Fatal(err)
	}
	a, _ := db.AdminByEmail(ctx, "owner@example.jp")
	if cost, err := bcrypt.Cost([]byte(a.PasswordHash)); err != nil || cost != bcrypt.DefaultCost {
		t.Fatalf("a new shop hashes at cost %d (%v), want bcrypt.DefaultCost", cost, err)
	}
	s.SetPasswordCost(bcrypt.MinCost)
	if _, err := s.EnsureAdmin(ctx, "owner@example.jp", "second-password-2"); err != nil {
		t.Fatal(err)
	}
	a, _ = db.AdminByEmail(ctx, "owner@example.jp")
	if cost, _ := bcrypt.Cost([]byte(a.PasswordHash)); cost != bcrypt.MinCost {
		t.Fatalf("cost %d after SetPasswordCost(MinCost)", cost)
	}
	if _, err := s.AdminLogin(ctx, "owner@example.jp", "second-password-2", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AdminLogin(ctx, "nobody@example.jp", "second-password-2", "192.0.2.1"); !errors.Is(err, shop.ErrBadLogin) {
		t.Fatalf("unknown e-mail: %v", err)
	}
}
