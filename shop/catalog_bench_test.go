package shop_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"kago/shop"
)

// bigCatalogCSV is a product CSV of n new products.
func bigCatalogCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("商品ID,商品名,商品説明,販売価格,税率,在庫数,公開\n")
	for i := range n {
		b.WriteString(",商品 " + strconv.Itoa(i) + ",静岡の深蒸し煎茶と和菓子の詰め合わせ " + strconv.Itoa(i) + ",1200,8,10,公開\n")
	}
	return []byte(b.String())
}

// BenchmarkImportDryRun5000 checks a CSV of MaxImportRows new products
// (the dry run: every row parsed and validated in the writer, nothing kept).
func BenchmarkImportDryRun5000(b *testing.B) {
	s, _ := newShop(b)
	data := bigCatalogCSV(shop.MaxImportRows)
	for b.Loop() {
		rep, err := s.Catalog.ImportProductsCSV(context.Background(), data, false)
		if err != nil || !rep.Clean() || rep.New != shop.MaxImportRows {
			b.Fatalf("%v %+v", err, rep.FileErrors)
		}
	}
}

// BenchmarkStorefrontSearch5000 is one storefront search page over 5,000
// published products (name and description LIKE, count and page).
func BenchmarkStorefrontSearch5000(b *testing.B) {
	s, _ := newShop(b)
	ctx := context.Background()
	if rep, err := s.Catalog.ImportProductsCSV(ctx, bigCatalogCSV(5000), true); err != nil || !rep.Applied {
		b.Fatal(err)
	}
	for b.Loop() {
		list, err := s.Catalog.Storefront(ctx, "和菓子", 0, 3)
		if err != nil || list.Total < 5000 || len(list.Products) != shop.StorefrontPageSize {
			b.Fatalf("%v %d", err, list.Total)
		}
	}
}
