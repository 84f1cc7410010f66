package shop

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// The dummy hash a login for an unknown e-mail is checked against has the
// cost new passwords get, so it costs what a wrong password does: the
// written-out one at the default cost, one made at a cost a test set.
func TestDummyHashCostsLikeAPassword(t *testing.T) {
	cost, err := bcrypt.Cost(defaultDummyHash)
	if err != nil || cost != bcrypt.DefaultCost {
		t.Fatalf("cost %d, %v; want %d", cost, err, bcrypt.DefaultCost)
	}
	if bcrypt.CompareHashAndPassword(defaultDummyHash, []byte("kago-dummy-password")) != nil {
		t.Fatal("the hash is not of its password")
	}
	for _, want := range []int{bcrypt.DefaultCost, bcrypt.MinCost} {
		h := &passwordHasher{cost: want}
		h.checkNobody("a guess")
		if cost, err := bcrypt.Cost(h.dummy); err != nil || cost != want {
			t.Fatalf("a hasher at cost %d checks unknown logins at cost %d (%v)", want, cost, err)
		}
	}
}
