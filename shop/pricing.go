package shop

import "sort"

// Tax rates in percent. Prices are tax-inclusive.
const (
	TaxStandard = 10
	TaxReduced  = 8
)

// RateTotal is the tax-inclusive total of the lines at one rate and the tax
// it contains, computed once per rate (the invoice rule), never per line.
type RateTotal struct {
	Rate  int
	Total int64
	Tax   int64
}

// TaxIncluded is the consumption tax inside a tax-inclusive amount, rounded down.
func TaxIncluded(amount int64, rate int) int64 {
	if amount <= 0 {
		return 0
	}
	return amount * int64(rate) / int64(100+rate)
}

// rateTotals sums amounts per rate, highest rate first.
func rateTotals(amounts map[int]int64) []RateTotal {
	out := make([]RateTotal, 0, len(amounts))
	for rate, total := range amounts {
		out = append(out, RateTotal{Rate: rate, Total: total, Tax: TaxIncluded(total, rate)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rate > out[j].Rate })
	return out
}
