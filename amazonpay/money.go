package amazonpay

import (
	"errors"
	"fmt"
	"strconv"
)

// CurrencyJPY is the only currency of the Japanese region.
const CurrencyJPY = "JPY"

// Price is an amount of money as Amazon writes it: a decimal string and an
// ISO 4217 currency code, e.g. {"amount":"1080","currencyCode":"JPY"}.
type Price struct {
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

// Money is another name for Price.
type Money = Price

// JPY returns the Price of yen Japanese yen.
func JPY(yen int64) Price {
	return Price{Amount: strconv.FormatInt(yen, 10), CurrencyCode: CurrencyJPY}
}

// PtrJPY returns a pointer to JPY(yen), for optional request fields.
func PtrJPY(yen int64) *Price {
	p := JPY(yen)
	return &p
}

// Errors returned by Price.Yen.
var (
	ErrNotJPY        = errors.New("amazonpay: currency is not JPY")
	ErrInvalidAmount = errors.New("amazonpay: amount is not a whole number of yen")
)

// Yen parses a JPY price back to whole yen. It rejects other currencies,
// decimals (JPY has none, so "1080.00" is rejected too), signs, blanks and
// values that do not fit in an int64.
func (p Price) Yen() (int64, error) {
	if p.CurrencyCode != CurrencyJPY {
		return 0, fmt.Errorf("%w: %q", ErrNotJPY, p.CurrencyCode)
	}
	return ParseYen(p.Amount)
}

// ParseYen parses an amount string of whole yen: digits only, at most 18 of them.
func ParseYen(s string) (int64, error) {
	if s == "" || len(s) > 18 {
		return 0, fmt.Errorf("%w: %q", ErrInvalidAmount, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %q", ErrInvalidAmount, s)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrInvalidAmount, s)
	}
	return n, nil
}

// String formats the price for logs, e.g. "1080 JPY".
func (p Price) String() string { return p.Amount + " " + p.CurrencyCode }
