package model

import (
	"strings"
	"unicode/utf8"
)

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

// Street is the address on one line as a label prints it: prefecture, city
// and street joined by JoinAddress (東京都千代田区丸の内1-1-1, or 東京都
// Shibuya-ku Jingumae 1-2-3), then the building after a space.
func (a Address) Street() string {
	town := JoinAddress(a.Prefecture, a.City, a.Address1)
	if a.Address2 == "" || town == "" {
		return town + a.Address2
	}
	return town + " " + a.Address2
}

// JoinAddress joins parts of an address as they are written: Japanese
// parts run together, words in Latin letters keep a space on either side.
func JoinAddress(parts ...string) string {
	var b strings.Builder
	for _, part := range parts {
		if part == "" {
			continue
		}
		if b.Len() > 0 && (latinLetter(rune(part[0])) || latinLetter(lastRune(b.String()))) {
			b.WriteByte(' ')
		}
		b.WriteString(part)
	}
	return b.String()
}

func latinLetter(r rune) bool { return (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') }

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
