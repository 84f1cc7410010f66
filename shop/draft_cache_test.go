package shop

import (
	"encoding/json"
	"reflect"
	"testing"

	"kago/store"
)

// A draft read twice from the same stored text is decoded once; what a
// caller changes in its copy (the Amazon part, the member's coupon) does
// not reach the next reader; a save (new text) or another cart's row is
// decoded afresh; text that is not a draft is an error, as before.
func TestDecodedDraftsAreEachCallersOwn(t *testing.T) {
	c := newDraftCache()
	d := Draft{Form: CheckoutForm{Email: "taro@example.jp", ShipTo: ShipToBuyer}, Amazon: &AmazonDraft{SessionID: "s1"},
		Member: &MemberCheckout{Points: 10, Coupon: &CouponChoice{Code: "WELCOME"}, Register: &Registration{LoginID: "taro"}}}
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	row := store.Checkout{ID: "ck1", CartToken: "cart1", Data: data}
	first, err := c.decode(row)
	if err != nil || first.ID != "ck1" || first.CartToken != "cart1" || first.Amazon.SessionID != "s1" || first.Member.Coupon.Code != "WELCOME" {
		t.Fatalf("decoded %+v, %v", first, err)
	}
	first.Form.Email, first.Amazon.SessionID, first.Member.Coupon.Code, first.Member.Register.LoginID = "x", "x", "x", "x"
	second, err := c.decode(row)
	if err != nil || second.Form.Email != "taro@example.jp" || second.Amazon.SessionID != "s1" || second.Member.Coupon.Code != "WELCOME" ||
		second.Member.Register.LoginID != "taro" {
		t.Fatalf("a caller's change reached the next reader: %+v %+v", second.Amazon, second.Member)
	}

	d.Form.Email = "hanako@example.jp"
	if row.Data, err = json.Marshal(d); err != nil {
		t.Fatal(err)
	}
	if saved, _ := c.decode(row); saved.Form.Email != "hanako@example.jp" {
		t.Fatalf("after a save: %q", saved.Form.Email)
	}
	row.CartToken = "cart2"
	if other, _ := c.decode(row); other.CartToken != "cart2" {
		t.Fatalf("another cart's row: %q", other.CartToken)
	}
	if _, err := c.decode(store.Checkout{ID: "ck2", Data: []byte("{")}); err == nil {
		t.Fatal("broken text decoded")
	}
}

// Draft.clone copies every pointer it meets; a slice, a map or a pointer
// it does not know would be shared between cached and returned drafts.
func TestDraftCloneSharesNothing(t *testing.T) {
	known := map[reflect.Type]bool{
		reflect.TypeFor[*AmazonDraft](): true, reflect.TypeFor[*MemberCheckout](): true,
		reflect.TypeFor[*CouponChoice](): true, reflect.TypeFor[*Registration](): true,
	}
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, path string) {
		switch ty.Kind() {
		case reflect.Struct:
			for i := range ty.NumField() {
				walk(ty.Field(i).Type, path+"."+ty.Field(i).Name)
			}
		case reflect.Pointer:
			if !known[ty] {
				t.Errorf("%s is a %s that Draft.clone does not copy", path, ty)
				return
			}
			walk(ty.Elem(), path)
		case reflect.Array:
			walk(ty.Elem(), path+"[]")
		case reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan, reflect.Func:
			t.Errorf("%s is a %s that Draft.clone would share", path, ty)
		}
	}
	walk(reflect.TypeFor[Draft](), "Draft")
}
