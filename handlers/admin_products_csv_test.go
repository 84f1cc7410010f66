package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"kago/store"
)

// importFile sends a file to the import form: apply "0" is the dry run.
func (k *kit) importFile(data []byte, apply string) response {
	k.t.Helper()
	return k.postFiles("/admin/products/import", url.Values{"apply": {apply}}, "file", upload{"products.csv", data})
}

func productCount(t *testing.T, k *kit) int {
	t.Helper()
	ps, err := k.db.Products(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return len(ps)
}

// The dry run names each bad row with its line and problem, and nothing is
// written until the file is clean (issue 14, Bad input).
func TestProductCSVDryRunNamesEachBadRow(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	k.get("/admin/products/import")
	tea := k.product(func(p store.Product) bool { return p.Name == "宇治抹茶 30g缶" })
	id := strconv.FormatInt(tea.ID, 10)
	file := strings.Join([]string{
		"商品ID,商品名,販売価格,税率,在庫数,公開,カテゴリ",
		",新しいお茶,1200,8,10,公開,",          // 2: good
		",列が足りない,1200,8",                // 3: missing columns
		"424242,ない商品,1200,8,1,公開,",      // 4: unknown product
		",在庫がマイナス,1200,8,-1,公開,",        // 5: negative stock
		",ゼロ円,0,8,1,公開,",                // 6: price 0
		",高すぎる,10000001,8,1,公開,",        // 7: more than 10,000,000
		id + ",宇治抹茶 30g缶,2160,8,45,公開,", // 8: good update
		id + ",宇治抹茶 30g缶,2160,8,45,公開,", // 9: the same product twice
		",税率違い,1000,5,1,公開,",            // 10: tax rate
		",公開の書き方,1000,10,1,はい,",         // 11: 公開 value
		",知らないカテゴリ,1000,10,1,公開,ほうじ茶",   // 12: unknown category
		"abc,文字の商品ID,1000,10,1,公開,",     // 13: ID not a number
	}, "\r\n") + "\r\n"
	before := productCount(t, k)
	for _, apply := range []string{"0", "1"} {
		r := k.importFile([]byte(file), apply)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("apply=%s: %d", apply, r.status)
		}
		mustContain(t, r.body, "取り込めない行があります", "何も登録・変更していません", "エラーのある行：10行",
			"3行目", "列の数が見出しと合いません（見出しは7列、この行は4列）。",
			"4行目", "商品ID 424242 の商品はありません。",
			"5行目", "在庫数は0から1,000,000までの半角数字で入力してください。",
			"6行目", "7行目", "販売価格は1から10,000,000までの半角数字（円）で入力してください。",
			"9行目", "商品ID "+id+" は8行目にもあります。",
			"10行目", "税率は10%または8%",
			"11行目", "公開：「公開」か「非公開」と入力してください。",
			"12行目", "カテゴリ：「ほうじ茶」というカテゴリはありません。",
			"13行目", "商品IDは半角数字で入力してください")
		if strings.Contains(r.body, `name="token"`) {
			t.Error("a file with bad rows is offered for import")
		}
	}
	if productCount(t, k) != before {
		t.Fatal("a file with bad rows wrote products")
	}

	// File-level problems.
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"missing column": {[]byte("商品ID,商品名,販売価格,税率\n,お茶,100,8\n"), "必須の列「在庫数」がありません。"},
		"wrong column":   {[]byte("商品ID,商品名,販売価格,税率,在庫数,色\n"), "見出し「色」は使えません。"},
		"doubled column": {[]byte("商品ID,商品名,販売価格,税率,在庫数,在庫数\n"), "見出し「在庫数」が2回あります。"},
		"empty":          {nil, "ファイルが空です。"},
		"header only":    {[]byte("商品ID,商品名,販売価格,税率,在庫数\n"), "商品の行がありません。"},
		"bad quote":      {[]byte("商品ID,商品名,販売価格,税率,在庫数\n,\"閉じない,1,8,1\n"), "2行目：CSVとして読めません"},
		"utf-16":         {[]byte{0xFF, 0xFE, 'a', 0}, "UTF-16のファイルは読めません。"},
		"binary":         {[]byte{0x89, 'P', 'N', 'G', 0xFF, 0xFF, 0x81}, "文字コードを判別できません。"},
	} {
		r := k.importFile(tc.data, "1")
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", name, r.status)
		}
		mustContain(t, r.body, tc.want)
	}
	if productCount(t, k) != before {
		t.Fatal("a bad file wrote products")
	}
}

// Shift_JIS (Excel's CSV) and UTF-8 with a BOM both read; a clean dry run
// offers 取り込む, which imports exactly what was checked.
func TestProductCSVImportShiftJISAndBOM(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	k.loginAdmin()
	k.get("/admin/categories")
	k.post("/admin/categories", url.Values{"name": {"お茶"}})
	k.post("/admin/categories", url.Values{"name": {"贈り物"}})
	before := productCount(t, k)
	text := "商品ID,商品名,商品説明,販売価格,会員価格,税率,在庫数,公開,表示順,カテゴリ\r\n" +
		",狭山茶 100g,\"埼玉の香り高い煎茶。\r\n二行目\",\"1,080\",980,8,30,公開,5,お茶|贈り物\r\n" +
		",～波ダッシュと①丸数字～,,550,,10,０,非公開,,\r\n"
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	k.get("/admin/products/import")
	r := k.importFile(sjis, "0")
	if r.status != http.StatusOK {
		t.Fatalf("dry run: %d %s", r.status, r.body)
	}
	mustContain(t, r.body, "問題はありません（新規登録 2件", "まだ取り込んでいません", "取り込む", "狭山茶 100g", "新規登録")
	if productCount(t, k) != before {
		t.Fatal("the dry run wrote")
	}
	// 取り込む sends back the checked text.
	vals := formValues(r.body[strings.Index(r.body, `class="panel import-ok"`):])
	if len(vals.Get("token")) != 32 {
		t.Fatalf("confirmation form %v", vals)
	}
	r = k.post("/admin/products/import", url.Values{"token": {vals.Get("token")}})
	if r.status != http.StatusOK {
		t.Fatalf("import: %d", r.status)
	}
	mustContain(t, r.body, "取り込みました：新規登録 2件")
	if productCount(t, k) != before+2 {
		t.Fatal("import did not add two products")
	}
	// The kept file is imported once; a made-up token imports nothing.
	for _, token := range []string{vals.Get("token"), "0123456789abcdef0123456789abcdef", ""} {
		r = k.post("/admin/products/import", url.Values{"token": {token}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("token %q: %d", token, r.status)
		}
	}
	mustContain(t, k.post("/admin/products/import", url.Values{"token": {vals.Get("token")}}).body, "確認したファイルが見つかりません")
	if productCount(t, k) != before+2 {
		t.Fatal("a used or unknown token imported again")
	}
	p := k.product(func(p store.Product) bool { return p.Name == "狭山茶 100g" })
	if p.Price != 1080 || !p.MemberPrice.Valid || p.MemberPrice.Int64 != 980 || p.TaxRate != 8 || p.Stock != 30 || !p.Published ||
		p.SortOrder != 5 || p.Description != "埼玉の香り高い煎茶。\n二行目" {
		t.Fatalf("imported %+v", p)
	}
	if ids, _ := k.db.ProductCategoryIDs(ctx, p.ID); len(ids) != 2 {
		t.Fatalf("categories %v", ids)
	}
	k.product(func(p store.Product) bool {
		return p.Name == "～波ダッシュと①丸数字～" && !p.Published && p.Stock == 0
	})

	// The export reads back as unchanged, with a BOM; an edited copy
	// updates only what changed.
	exp := k.get("/admin/products.csv")
	if exp.status != 200 || !strings.HasPrefix(exp.body, "\ufeff商品ID,商品名,商品説明,販売価格,会員価格,税率,在庫数,公開,表示順,カテゴリ,出力時の値\r\n") ||
		!strings.Contains(exp.header.Get("Content-Disposition"), "products.csv") {
		t.Fatalf("export: %d %q", exp.status, exp.body[:min(len(exp.body), 120)])
	}
	mustContain(t, exp.body, "狭山茶 100g", "お茶|贈り物", "2160,1980,8,45,公開")
	k.get("/admin/products/import")
	r = k.importFile([]byte(exp.body), "0")
	mustContain(t, r.body, "問題はありません（新規登録 0件、更新 0件、変更なし 17件）")
	edited := strings.Replace(exp.body, "2160,1980,8,45,公開", "2200,1980,8,45,非公開", 1)
	r = k.importFile([]byte(edited), "1")
	if r.status != http.StatusOK {
		t.Fatalf("update import: %d", r.status)
	}
	mustContain(t, r.body, "取り込みました：新規登録 0件、更新 1件", "販売価格：2,160円 → 2,200円", "公開：公開 → 非公開")
	m := k.product(func(p store.Product) bool { return p.Name == "宇治抹茶 30g缶" })
	if m.Price != 2200 || m.Published || m.Stock != 45 {
		t.Fatalf("after update import %+v", m)
	}
}

// A file without the optional columns keeps those fields of existing
// products, and the stock column shows the change it would make.
func TestProductCSVPartialColumnsAndStockChange(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	k.loginAdmin()
	p := k.product(func(p store.Product) bool { return p.Name == "宇治抹茶 30g缶" })
	if err := k.db.WithTx(ctx, func(tx *store.Tx) error { return tx.TakeStock(p.ID, 45) }); err != nil {
		t.Fatal(err)
	}
	k.get("/admin/products/import")
	file := "\ufeff商品ID,商品名,販売価格,税率,在庫数\n" + strconv.FormatInt(p.ID, 10) + ",宇治抹茶 30g缶,2160,8,45\n"
	r := k.importFile([]byte(file), "0")
	mustContain(t, r.body, "在庫数：0 → 45", "更新 1件")
	if got, _ := k.db.Product(ctx, p.ID); got.Stock != 0 {
		t.Fatal("dry run changed stock")
	}
	r = k.importFile([]byte(file), "1")
	mustContain(t, r.body, "取り込みました")
	got, _ := k.db.Product(ctx, p.ID)
	if got.Stock != 45 || got.Description != p.Description || got.MemberPrice != p.MemberPrice || !got.Published {
		t.Fatalf("after import %+v", got)
	}
}

// A downloaded file is merged three ways: stock sold since the download
// stays sold, a field changed in the file is written, a field changed in
// the file and meanwhile refuses the row with the value stored now; a file
// without 出力時の値 is taken as absolute, and the dry run says so.
func TestProductCSVImportKeepsStockSoldSinceDownload(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	k.loginAdmin()
	tea := k.product(func(p store.Product) bool { return p.Name == "宇治抹茶 30g缶" })
	exp := k.get("/admin/products.csv").body
	row := func(body string) string { // the tea's row of a file
		for _, l := range strings.Split(body, "\r\n") {
			if strings.HasPrefix(l, strconv.FormatInt(tea.ID, 10)+",") {
				return l
			}
		}
		t.Fatalf("no row of %d in %q", tea.ID, body)
		return ""
	}
	line := row(exp)
	header := exp[:strings.Index(exp, "\r\n")]
	sell := func(n int64) {
		if err := k.db.WithTx(ctx, func(tx *store.Tx) error { return tx.TakeStock(tea.ID, n) }); err != nil {
			t.Fatal(err)
		}
	}
	stock := func() int64 {
		p, err := k.db.Product(ctx, tea.ID)
		if err != nil {
			t.Fatal(err)
		}
		return p.Stock
	}
	sell(1) // one sold after the download: 45 → 44

	// The price changed in the file, the stock did not: the sale stays.
	edited := header + "\r\n" + strings.Replace(line, ",2160,", ",2200,", 1) + "\r\n"
	k.get("/admin/products/import")
	r := k.importFile([]byte(edited), "0")
	mustContain(t, r.body, "問題はありません（新規登録 0件、更新 1件", "販売価格：2,160円 → 2,200円")
	if strings.Contains(r.body, "在庫数：") || strings.Contains(r.body, "出力時の値」の列がないため") {
		t.Fatalf("the dry run of a downloaded file would change stock or calls it absolute")
	}
	sell(1) // and one more between the dry run and 取り込む: 44 → 43
	token := formValues(r.body[strings.Index(r.body, `class="panel import-ok"`):]).Get("token")
	mustContain(t, k.post("/admin/products/import", url.Values{"token": {token}}).body, "取り込みました：新規登録 0件、更新 1件")
	if got := stock(); got != 43 {
		t.Fatalf("stock %d after import, want 43 (two sold since the download)", got)
	}
	if p, _ := k.db.Product(ctx, tea.ID); p.Price != 2200 {
		t.Fatalf("price %d", p.Price)
	}

	// The stock changed in the file and meanwhile: the row is refused.
	clash := header + "\r\n" + strings.Replace(line, ",45,", ",50,", 1) + "\r\n"
	r = k.importFile([]byte(clash), "1")
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a clash: %d", r.status)
	}
	mustContain(t, r.body, "在庫数：CSVダウンロードの後に", "現在の値：43、ファイルの値：50", "何も登録・変更していません")
	if got := stock(); got != 43 {
		t.Fatalf("stock %d after a refused import", got)
	}
	// A fingerprint edited by hand is refused, not taken as absolute.
	bad := header + "\r\n" + line[:strings.LastIndex(line, ",")+1] + "%zz\r\n"
	mustContain(t, k.importFile([]byte(bad), "0").body, "出力時の値が正しくありません。")

	// Without the column the file is absolute, and the dry run says so.
	cols := strings.Split(header, ",")
	hand := strings.Join(cols[:len(cols)-1], ",") + "\r\n" + line[:strings.LastIndex(line, ",")] + "\r\n"
	r = k.importFile([]byte(hand), "1")
	mustContain(t, r.body, "「出力時の値」の列がないため", "在庫数：43 → 45", "販売価格：2,200円 → 2,160円")
	if got := stock(); got != 45 {
		t.Fatalf("stock %d after an absolute import, want 45", got)
	}
}

// A file larger than one admin form value (64 KB) still goes from the dry
// run to 取り込む: the form carries the kept file's token, not the file.
func TestProductCSVLargeFileThroughConfirmation(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	var b strings.Builder
	b.WriteString("商品ID,商品名,商品説明,販売価格,税率,在庫数,公開\n")
	for i := range 600 {
		b.WriteString(",大きなファイルの商品 " + strconv.Itoa(i) + ",静岡の深蒸し煎茶と季節の和菓子の詰め合わせです。,1200,8,10,公開\n")
	}
	if b.Len() <= 64<<10 {
		t.Fatalf("test file only %d bytes", b.Len())
	}
	before := productCount(t, k)
	k.get("/admin/products/import")
	r := k.importFile([]byte(b.String()), "0")
	mustContain(t, r.body, "問題はありません（新規登録 600件")
	token := formValues(r.body[strings.Index(r.body, `class="panel import-ok"`):]).Get("token")
	r = k.post("/admin/products/import", url.Values{"token": {token}})
	if r.status != http.StatusOK {
		t.Fatalf("confirm: %d", r.status)
	}
	if productCount(t, k) != before+600 {
		t.Fatalf("%d products, want %d", productCount(t, k), before+600)
	}
}

// The product export writes formula-looking cells as text (the same Cell as
// every CSV the shop writes), and reads them back unchanged.
func TestProductCSVExportNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	k.get("/admin/products/import")
	file := "商品ID,商品名,商品説明,販売価格,税率,在庫数,公開\r\n" + `,"=HYPERLINK(""http://evil.example"")",@SUM(1),1200,8,10,公開` + "\r\n"
	mustContain(t, k.importFile([]byte(file), "1").body, "取り込みました：新規登録 1件")
	exp := k.get("/admin/products.csv").body
	mustContain(t, exp, `"'=HYPERLINK(""http://evil.example"")",'@SUM(1),`)
	if strings.Contains(exp, `,"=HYPERLINK`) || strings.Contains(exp, ",@SUM") {
		t.Fatalf("a formula in the export: %q", exp)
	}
	mustContain(t, k.importFile([]byte(exp), "0").body, "更新 0件")
	k.product(func(p store.Product) bool {
		return p.Name == `=HYPERLINK("http://evil.example")` && p.Description == "@SUM(1)"
	})
}

// Full-width digits are read wherever a number is typed: 税率 「１０」 and
// 「８％」 as well as a full-width price, 公開 「１」.
func TestProductCSVFullWidthTaxRate(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	k.get("/admin/products/import")
	file := "商品ID,商品名,販売価格,税率,在庫数,公開\r\n,全角の税率,１２００,１０,５,１\r\n,全角の軽減税率,９８０,８％,３,非公開\r\n"
	mustContain(t, k.importFile([]byte(file), "1").body, "取り込みました：新規登録 2件")
	k.product(func(p store.Product) bool {
		return p.Name == "全角の税率" && p.TaxRate == 10 && p.Price == 1200 && p.Stock == 5 && p.Published
	})
	k.product(func(p store.Product) bool {
		return p.Name == "全角の軽減税率" && p.TaxRate == 8 && p.Price == 980 && !p.Published
	})
}
