package model

import "strings"

// Address is a person and where they live, as a Japanese form has it: the
// name in two parts with their furigana, the phone, and the address from
// the postal code down. Orders and members both keep it.
type Address struct {
	FamilyName string `json:"family_name"`
	GivenName  string `json:"given_name"`
	FamilyKana string `json:"family_kana"`
	GivenKana  string `json:"given_kana"`
	Phone      string `json:"phone"`
	PostalCode string `json:"postal_code"`
	Prefecture string `json:"prefecture"`
	City       string `json:"city"`
	Address1   string `json:"address1"`
	Address2   string `json:"address2"`
}

// FullName is the name as printed on a label.
func (a Address) FullName() string {
	return strings.TrimSpace(a.FamilyName + " " + a.GivenName)
}
