package shop

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// The written-out dummy hash is a bcrypt hash of the cost new passwords
// get, so a login for an unknown e-mail costs what a wrong password does.
func TestDummyHashCostsLikeAPassword(t *testing.T) {
	cost, err := bcrypt.Cost(dummyHash)
	if err != nil || cost != bcrypt.DefaultCost {
		t.Fatalf("cost %d, %v; want %d", cost, err, bcrypt.DefaultCost)
	}
	if bcrypt.CompareHashAndPassword(dummyHash, []byte("kago-dummy-password")) != nil {
		t.Fatal("the hash is not of its password")
	}
}
