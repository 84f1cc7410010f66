package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"kago/model"
	"kago/store"
)

func addMember(t testing.TB, db *store.DB, email, loginID string) model.Member {
	t.Helper()
	m := model.Member{Email: email, LoginID: loginID, PasswordHash: "x", Status: model.MemberActive, Source: model.MemberViaForm,
		Address: model.Address{FamilyName: "山田", GivenName: "花子"}}
	if err := db.WithTx(context.Background(), func(tx *store.Tx) error { return tx.InsertMember(&m) }); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMemberKeysAndAmazonLinksAreUnique(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	a := addMember(t, db, "Hanako@Example.jp", "Hanako01")
	b := addMember(t, db, "jiro@example.jp", "")
	for _, dup := range []model.Member{{Email: "hanako@example.JP"}, {Email: "other@example.jp", LoginID: "HANAKO01"}} {
		dup.Status, dup.Source, dup.Address.FamilyName = model.MemberActive, model.MemberViaForm, "x"
		if err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.InsertMember(&dup) }); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate %s/%s: %v", dup.Email, dup.LoginID, err)
		}
	}
	link := func(id int64, buyer string) error {
		return db.WithTx(ctx, func(tx *store.Tx) error { return tx.LinkAmazon(id, buyer) })
	}
	if err := link(a.ID, "amzn1.account.A"); err != nil {
		t.Fatal(err)
	}
	if err := link(b.ID, "amzn1.account.A"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second member linking the same account: %v", err)
	}
	if err := link(a.ID, "amzn1.account.B"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a linked member linking another account: %v", err)
	}
	if err := link(99, "amzn1.account.C"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an unknown member: %v", err)
	}
	if err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.WithdrawMember(a.ID) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("withdrawal while linked: %v", err)
	}
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		if buyer, err := tx.UnlinkAmazon(a.ID); err != nil || buyer != "amzn1.account.A" {
			return fmt.Errorf("unlink: %q %w", buyer, err)
		}
		return tx.WithdrawMember(a.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MemberByLogin(ctx, "hanako01"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a withdrawn member is found by its login ID: %v", err)
	}
	if err := link(b.ID, "amzn1.account.A"); err != nil {
		t.Fatalf("an account freed by a withdrawal: %v", err)
	}
	addMember(t, db, "hanako@example.jp", "hanako01") // the keys are free again
}

// BenchmarkSearchMembersLinked is the admin's 「Amazon連携」 filter on 5,000
// members of whom one in 50 is linked: the first page, newest first.
func BenchmarkSearchMembersLinked(b *testing.B) {
	db := openDB(b)
	ctx := context.Background()
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		for i := range 5000 {
			m := model.Member{Email: fmt.Sprintf("m%d@example.jp", i), PasswordHash: "x", Status: model.MemberActive,
				Source: model.MemberViaForm, Address: model.Address{FamilyName: "山田", GivenName: fmt.Sprint(i)}}
			if i%50 == 0 {
				m.AmazonBuyerID = fmt.Sprintf("amzn1.account.%d", i)
			}
			if err := tx.InsertMember(&m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		page, err := db.SearchMembers(ctx, store.MemberFilter{Amazon: store.AmazonLinked}, 0, 0, 50)
		if err != nil || len(page.Members) != 50 || page.Older == 0 {
			b.Fatalf("%d members, older %d: %v", len(page.Members), page.Older, err)
		}
	}
}
