package shop

import (
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// passwordHasher hashes and checks the passwords of admins and members
// with bcrypt at one cost.
type passwordHasher struct {
	cost      int
	dummyOnce sync.Once
	dummy     []byte // a hash at cost, so a login for an unknown account is as slow as a wrong password
}

// defaultDummyHash is the bcrypt hash (DefaultCost) of a password nobody
// has, written out rather than made at first use, where it cost a bcrypt
// run (tens of ms).
var defaultDummyHash = []byte("$2a$10$jCIAdCrLNeZNiCfi0.JuPeT6ftwLx0aXXn/uKlIrzxqY6aAMgHNhy")

// SetPasswordCost sets the bcrypt cost of the admin and member passwords
// hashed from now on and of the check made for an unknown login; a shop
// starts with bcrypt.DefaultCost, which the binary keeps. Tests lower it
// to bcrypt.MinCost: a hash at the default cost takes about 0.7 s under
// the race detector. Call it before the shop serves anyone.
func (s *Shop) SetPasswordCost(cost int) { s.passwords = &passwordHasher{cost: cost} }

// hash returns the bcrypt hash of a password.
func (h *passwordHasher) hash(password string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(password), h.cost)
	return string(b), err
}

// check reports whether password matches hash.
func (h *passwordHasher) check(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// checkNobody spends the time of a check on a password that matches no
// account.
func (h *passwordHasher) checkNobody(password string) {
	h.dummyOnce.Do(func() {
		h.dummy = defaultDummyHash
		if h.cost != bcrypt.DefaultCost {
			h.dummy, _ = bcrypt.GenerateFromPassword([]byte("kago-dummy-password"), h.cost)
		}
	})
	_ = bcrypt.CompareHashAndPassword(h.dummy, []byte(password))
}
