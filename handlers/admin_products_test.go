package handlers_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"html"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kago/model"
	"kago/shop"
	"kago/store"
)

func pngBytes(t testing.TB) []byte {
	return pngSized(t, 8, 8)
}

func pngSized(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngDeclaring is a small valid PNG whose header claims w×h pixels (a
// decompression bomb's header; issue 9 item 9).
func pngDeclaring(t testing.TB, w, h uint32) []byte {
	b := pngSized(t, 1, 1)
	// Signature (8), IHDR length (4), "IHDR" (4), width, height, ... CRC.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

type upload struct {
	name string
	data []byte
}

// postFiles sends a multipart form with any number of files in one field.
func (k *kit) postFiles(path string, form url.Values, field string, files ...upload) response {
	k.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if form.Get("_csrf") == "" {
		form.Set("_csrf", k.csrfToken())
	}
	for key, vals := range form {
		for _, v := range vals {
			_ = w.WriteField(key, v)
		}
	}
	for _, f := range files {
		fw, _ := w.CreateFormFile(field, f.name)
		_, _ = fw.Write(f.data)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, k.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return k.do(req)
}

func productForm(name string) url.Values {
	return url.Values{"name": {name}, "description": {"説明"}, "price": {"1,200"}, "member_price": {""},
		"tax_rate": {"8"}, "stock": {"７"}, "sort_order": {"5"}, "published": {"1"}}
}

var (
	inputRe    = regexp.MustCompile(`<input[^>]*>`)
	attrRe     = regexp.MustCompile(`(\w+)="([^"]*)"`)
	textareaRe = regexp.MustCompile(`(?s)<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`)
	optionRe   = regexp.MustCompile(`(?s)<select[^>]*name="([^"]+)"[^>]*>.*?</select>`)
	selectedRe = regexp.MustCompile(`<option value="([^"]*)" selected`)
)

// formValues reads the values a page's forms would submit as they stand:
// text and hidden inputs, checked boxes, textareas and selected options.
// (The page is one form; the CSRF token comes along.)
func formValues(page string) url.Values {
	v := url.Values{}
	for _, in := range inputRe.FindAllString(page, -1) {
		a := map[string]string{}
		for _, m := range attrRe.FindAllStringSubmatch(in, -1) {
			a[m[1]] = html.UnescapeString(m[2])
		}
		typ := a["type"]
		if a["name"] == "" || typ == "file" || typ == "submit" || ((typ == "checkbox" || typ == "radio") && !strings.Contains(in, " checked")) {
			continue
		}
		v.Add(a["name"], a["value"])
	}
	for _, m := range textareaRe.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(strings.TrimPrefix(m[2], "\n")))
	}
	for _, m := range optionRe.FindAllStringSubmatch(page, -1) {
		if s := selectedRe.FindStringSubmatch(m[0]); s != nil {
			v.Set(m[1], s[1])
		}
	}
	return v
}

func newProductID(t *testing.T, r response) int64 {
	t.Helper()
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(r.location, "/admin/products/"), 10, 64)
	if err != nil {
		t.Fatalf("redirect %q", r.location)
	}
	return id
}

func uploadFiles(t *testing.T, k *kit) []string {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(k.dir, "uploads"))
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestAdminProductCreateEditAndImages(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	k.loginAdmin()
	k.get("/admin/categories")
	if r := k.post("/admin/categories", url.Values{"name": {"お茶"}, "sort_order": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("category: %d", r.status)
	}
	cats, _ := k.db.Categories(ctx, false)
	mustContain(t, k.get("/admin/products").body, "商品管理", "静岡県産 深蒸し煎茶 100g", "CSV一括登録", "カテゴリ管理")
	page := k.get("/admin/products/new")
	mustContain(t, page.body, `name="category"`, "お茶", `multiple`)
	form := productForm("新茶 八十八夜")
	form.Set("category", strconv.FormatInt(cats[0].ID, 10))
	id := newProductID(t, k.postFiles("/admin/products/new", form, "images",
		upload{"a.png", pngBytes(t)}, upload{"b.png", pngSized(t, 12, 10)}))
	p, err := k.db.Product(ctx, id)
	if err != nil || p.Name != "新茶 八十八夜" || p.Price != 1200 || p.Stock != 7 || p.TaxRate != 8 || !p.Published ||
		!strings.HasPrefix(p.ImagePath, "/uploads/") || !strings.HasSuffix(p.ImagePath, ".png") {
		t.Fatalf("stored %+v %v", p, err)
	}
	images, _ := k.db.ProductImages(ctx, id)
	if len(images) != 2 || images[0].Path != p.ImagePath {
		t.Fatalf("images %+v, main %s", images, p.ImagePath)
	}
	if ids, _ := k.db.ProductCategoryIDs(ctx, id); len(ids) != 1 || ids[0] != cats[0].ID {
		t.Fatalf("categories %v", ids)
	}
	if img := k.get(p.ImagePath); img.status != 200 || img.header.Get("Content-Type") != "image/png" {
		t.Fatalf("uploaded image: %d %s", img.status, img.header.Get("Content-Type"))
	}
	mustContain(t, k.get("/products/"+strconv.FormatInt(id, 10)).body, "新茶 八十八夜", images[1].Path)

	// The second picture becomes the main one.
	edit := "/admin/products/" + strconv.FormatInt(id, 10)
	k.get(edit)
	second := strconv.FormatInt(images[1].ID, 10)
	if r := k.post(edit+"/images/"+second+"/move", url.Values{"move": {"main"}}); r.status != http.StatusSeeOther {
		t.Fatalf("move: %d", r.status)
	}
	if p2, _ := k.db.Product(ctx, id); p2.ImagePath != images[1].Path {
		t.Fatalf("main image %s, want %s", p2.ImagePath, images[1].Path)
	}
	// Deleting a picture deletes its file; the other stays.
	if files := uploadFiles(t, k); len(files) != 2 {
		t.Fatalf("upload dir %v", files)
	}
	if r := k.post(edit+"/images/"+second+"/delete", nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete image: %d", r.status)
	}
	if files := uploadFiles(t, k); len(files) != 1 || "/uploads/"+files[0] != images[0].Path {
		t.Fatalf("after delete, upload dir %v, want only %s", files, images[0].Path)
	}
	if p2, _ := k.db.Product(ctx, id); p2.ImagePath != images[0].Path {
		t.Fatalf("main image after delete %s", p2.ImagePath)
	}
	if r := k.get(images[1].Path); r.status != http.StatusNotFound {
		t.Fatalf("deleted picture still served: %d", r.status)
	}

	// Editing through the form as shown: unpublish and drop the category.
	vals := formValues(k.get(edit).body)
	vals.Del("published")
	vals.Del("category")
	if r := k.postFiles(edit, vals, "images"); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	p3, _ := k.db.Product(ctx, id)
	if p3.Published || p3.ImagePath != images[0].Path || p3.Stock != 7 {
		t.Fatalf("after edit %+v", p3)
	}
	if ids, _ := k.db.ProductCategoryIDs(ctx, id); len(ids) != 0 {
		t.Fatalf("categories after edit %v", ids)
	}
	if r := k.get("/products/" + strconv.FormatInt(id, 10)); r.status != http.StatusNotFound {
		t.Fatalf("unpublished product page: %d", r.status)
	}
}

func TestAdminProductBadInput(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	k.get("/admin/products/new")
	count := func() int {
		ps, _ := k.db.Products(context.Background(), false)
		return len(ps)
	}
	before := count()
	eleven := make([]upload, 11)
	for i := range eleven {
		eleven[i] = upload{"p.png", pngBytes(t)}
	}
	cases := []struct {
		name   string
		form   func(url.Values)
		files  []upload
		expect string
	}{
		{"empty name", func(f url.Values) { f.Set("name", " ") }, nil, "商品名を入力してください。"},
		{"zero price", func(f url.Values) { f.Set("price", "0") }, nil, "販売価格は1から10,000,000まで"},
		{"negative price", func(f url.Values) { f.Set("price", "-1") }, nil, "販売価格は1から10,000,000まで"},
		{"huge price", func(f url.Values) { f.Set("price", "10,000,001") }, nil, "販売価格は1から10,000,000まで"},
		{"member above price", func(f url.Values) { f.Set("member_price", "1300") }, nil, "会員価格は販売価格以下"},
		{"text stock", func(f url.Values) { f.Set("stock", "たくさん") }, nil, "在庫数は0から1,000,000まで"},
		{"negative stock", func(f url.Values) { f.Set("stock", "-3") }, nil, "在庫数は0から1,000,000まで"},
		{"bad tax", func(f url.Values) { f.Set("tax_rate", "5") }, nil, "税率は10%または8%"},
		{"unknown category", func(f url.Values) { f.Set("category", "999") }, nil, "カテゴリを選び直してください"},
		{"not an image", func(url.Values) {}, []upload{{"evil.png", []byte("#!/bin/sh\necho hi\n")}}, "JPEG・PNG・GIF・WebP形式"},
		{"oversized", func(url.Values) {}, []upload{{"big.png", append(pngBytes(t), make([]byte, 2<<20)...)}}, "2MB以下"},
		{"declares 60000x60000", func(url.Values) {}, []upload{{"bomb.png", pngDeclaring(t, 60000, 60000)}}, "bomb.png：画像の大きさは縦横4000ピクセル以内にしてください（このファイルは60000×60000ピクセルです）。"},
		{"4001 wide", func(url.Values) {}, []upload{{"wide.png", pngDeclaring(t, 4001, 10)}}, "4001×10ピクセル"},
		{"eleven pictures", func(url.Values) {}, eleven, "画像は1つの商品に10枚までです。"},
	}
	for _, tc := range cases {
		f := productForm("入力エラー確認")
		tc.form(f)
		r := k.postFiles("/admin/products/new", f, "images", tc.files...)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tc.name, r.status)
			continue
		}
		mustContain(t, r.body, tc.expect, "入力内容に誤りがあります")
		if tc.name != "empty name" {
			mustContain(t, r.body, `value="入力エラー確認"`)
		}
	}
	if count() != before {
		t.Fatal("rejected input created a product")
	}
	if files := uploadFiles(t, k); len(files) != 0 {
		t.Fatalf("rejected uploads left files: %v", files)
	}
	// A picture of exactly the limit is fine.
	newProductID(t, k.postFiles("/admin/products/new", productForm("大きな写真"), "images", upload{"ok.png", pngDeclaring(t, 4000, 4000)}))
	// Upload bigger than the request limit: a clean 413.
	r := k.postFiles("/admin/products/new", productForm("大きすぎ"), "images", upload{"huge.png", make([]byte, 5<<20)})
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("5MB upload: %d", r.status)
	}
	mustContain(t, r.body, "送信サイズが大きすぎます")
	for _, path := range []string{"/admin/products/999999", "/admin/products/abc"} {
		if r := k.get(path); r.status != http.StatusNotFound {
			t.Fatalf("%s: %d", path, r.status)
		}
	}
	k.get("/admin/products")
	for _, path := range []string{"/admin/products/999999/duplicate", "/admin/products/999999/publish", "/admin/products/1/images/999999/delete",
		"/admin/products/1/images/999999/move", "/admin/categories/999999/delete"} {
		if r := k.post(path, url.Values{"move": {"up"}}); r.status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, r.status)
		}
	}
}

// Issue 9 item 3: the form shows stock 5, five orders sell it to 0, the
// owner edits only the description and saves: the stock stays 0. When the
// owner did change the stock too, the form is refused with the stock now
// stored, and saving the refused form again keeps what the owner typed.
func TestAdminProductFormKeepsStockSoldMeanwhile(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	k.loginAdmin()
	p := k.product(func(p store.Product) bool { return p.Stock > 10 })
	setStock := func(n int64) {
		if err := k.db.WithTx(ctx, func(tx *store.Tx) error {
			cur, _ := tx.Product(p.ID)
			cur.Stock = n
			return tx.PatchProduct(cur, []string{"stock"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	sell := func(n int64) {
		for range n {
			if err := k.db.WithTx(ctx, func(tx *store.Tx) error { return tx.TakeStock(p.ID, 1) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	edit := "/admin/products/" + strconv.FormatInt(p.ID, 10)
	setStock(5)
	vals := formValues(k.get(edit).body)
	if vals.Get("stock") != "5" || vals.Get("base") == "" {
		t.Fatalf("form %v", vals)
	}
	sell(5)
	vals.Set("description", "説明だけ書き換えました。")
	if r := k.postFiles(edit, vals, "images"); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	got, _ := k.db.Product(ctx, p.ID)
	if got.Stock != 0 || got.Description != "説明だけ書き換えました。" {
		t.Fatalf("stock %d (want 0, sold meanwhile), description %q", got.Stock, got.Description)
	}

	// Both changed the stock: refused, nothing written, the stored value named.
	setStock(5)
	vals = formValues(k.get(edit).body)
	sell(2)
	vals.Set("stock", "20")
	vals.Set("price", "999")
	r := k.postFiles(edit, vals, "images")
	if r.status != http.StatusConflict {
		t.Fatalf("stale form: %d", r.status)
	}
	mustContain(t, r.body, "この画面を開いた後に", "「在庫数」はこの画面を開いた後に変更されています（現在の値：3）。", `value="20"`, `value="999"`)
	if got, _ := k.db.Product(ctx, p.ID); got.Stock != 3 || got.Price == 999 {
		t.Fatalf("stale form wrote: stock %d price %d", got.Stock, got.Price)
	}
	// The refused form, sent again as shown, is now up to date.
	if r := k.postFiles(edit, formValues(r.body), "images"); r.status != http.StatusSeeOther {
		t.Fatalf("resave: %d", r.status)
	}
	if got, _ := k.db.Product(ctx, p.ID); got.Stock != 20 || got.Price != 999 {
		t.Fatalf("after resave: stock %d price %d", got.Stock, got.Price)
	}
	// Changed to the same value meanwhile is no conflict.
	vals = formValues(k.get(edit).body)
	setStock(30)
	vals.Set("stock", "30")
	if r := k.postFiles(edit, vals, "images"); r.status != http.StatusSeeOther {
		t.Fatalf("same value: %d", r.status)
	}
}

func TestAdminProductListSearchDuplicatePublish(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	k.loginAdmin()
	r := k.get("/admin/products?q=" + url.QueryEscape("抹茶"))
	mustContain(t, r.body, "宇治抹茶 30g缶", "抹茶 茶筅 八十本立", "2件")
	if strings.Contains(r.body, "静岡県産 深蒸し煎茶") {
		t.Error("search shows a product without the word")
	}
	// Enough products for two pages.
	var csv strings.Builder
	csv.WriteString("商品ID,商品名,販売価格,税率,在庫数,公開\n")
	for i := range 40 {
		csv.WriteString(",ページ送り確認 " + strconv.Itoa(i) + ",500,10,1,非公開\n")
	}
	k.get("/admin/products/import")
	if r := k.importFile([]byte(csv.String()), "1"); r.status != http.StatusOK {
		t.Fatalf("import: %d", r.status)
	}
	r = k.get("/admin/products")
	mustContain(t, r.body, "55件", `href="/admin/products?page=2"`, "次へ")
	r = k.get("/admin/products?page=2&status=draft")
	mustContain(t, r.body, "40件")
	r = k.get("/admin/products?page=2")
	mustContain(t, r.body, `aria-current="page" class="current">2</a>`, "前へ")
	if r := k.get("/admin/products?page=99"); r.status != 200 || !strings.Contains(r.body, `class="current">2</a>`) {
		t.Fatalf("page past the end: %d", r.status)
	}

	p := k.product(func(p store.Product) bool { return p.Name == "宇治抹茶 30g缶" })
	id := strconv.FormatInt(p.ID, 10)
	k.get("/admin/products")
	r = k.post("/admin/products/"+id+"/duplicate", nil)
	dup := newProductID(t, r)
	d, _ := k.db.Product(ctx, dup)
	if d.Name != "宇治抹茶 30g缶（コピー）" || d.Published || d.Stock != 0 || d.Price != p.Price || d.MemberPrice != p.MemberPrice || d.ImagePath != p.ImagePath {
		t.Fatalf("duplicate %+v of %+v", d, p)
	}
	mustContain(t, k.get(r.location).body, "複製しました。")
	if r := k.post("/admin/products/"+id+"/publish", url.Values{"published": {"0"}, "back": {"/admin/products?q=x"}}); r.status != http.StatusSeeOther || r.location != "/admin/products?q=x" {
		t.Fatalf("unpublish: %d %s", r.status, r.location)
	}
	if got, _ := k.db.Product(ctx, p.ID); got.Published || got.Stock != p.Stock {
		t.Fatalf("after unpublish %+v", got)
	}
	// The way back stays on this site.
	if r := k.post("/admin/products/"+id+"/publish", url.Values{"published": {"1"}, "back": {"//evil.example/"}}); r.location != "/admin/products" {
		t.Fatalf("back to %q", r.location)
	}
	if got, _ := k.db.Product(ctx, p.ID); !got.Published {
		t.Fatal("not published again")
	}
}

func mustCategories(t *testing.T, k *kit) []model.Category {
	t.Helper()
	cats, err := k.db.Categories(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return cats
}

func TestAdminCategories(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	k.loginAdmin()
	mustContain(t, k.get("/admin/categories").body, "日本茶", "和菓子", "茶器")
	for _, name := range []string{"お茶", "季節限定"} {
		if r := k.post("/admin/categories", url.Values{"name": {name}}); r.status != http.StatusSeeOther {
			t.Fatalf("add %s: %d", name, r.status)
		}
	}
	r := k.post("/admin/categories", url.Values{"name": {" お茶 "}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate name: %d", r.status)
	}
	mustContain(t, r.body, "「お茶」というカテゴリはすでにあります。")
	for _, f := range []url.Values{{"name": {""}}, {"name": {strings.Repeat("あ", 41)}}, {"name": {"x"}, "sort_order": {"-1"}}} {
		if r := k.post("/admin/categories", f); r.status != http.StatusUnprocessableEntity {
			t.Errorf("%v: %d", f, r.status)
		}
	}
	byName := func() map[string]int64 {
		cats, _ := k.db.Categories(ctx, false)
		m := map[string]int64{}
		for _, c := range cats {
			m[c.Name] = c.ID
		}
		return m
	}
	cats := byName()
	if len(cats) != 6 {
		t.Fatalf("categories %v", cats)
	}
	tea := strconv.FormatInt(cats["お茶"], 10)
	if r := k.post("/admin/categories/"+tea, url.Values{"name": {"お茶いろいろ"}, "sort_order": {"3"}}); r.status != http.StatusSeeOther {
		t.Fatalf("rename: %d", r.status)
	}
	r = k.post("/admin/categories/"+tea, url.Values{"name": {"茶器"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("rename onto another: %d", r.status)
	}
	mustContain(t, r.body, "「茶器」というカテゴリはすでにあります。", `value="茶器"`)
	// Two windows on the renamed category: each writes what it changed, the
	// same field changed in both is refused.
	cur, _ := k.db.Categories(ctx, false)
	var base string
	for _, c := range cur {
		if c.Name == "お茶いろいろ" {
			base = shop.CategoryBase(c)
		}
	}
	mustContain(t, k.get("/admin/categories").body, `value="`+html.EscapeString(base)+`"`)
	if r := k.post("/admin/categories/"+tea, url.Values{"name": {"お茶いろいろ"}, "sort_order": {"7"}, "base": {base}}); r.status != http.StatusSeeOther {
		t.Fatalf("window a: %d", r.status)
	}
	if r := k.post("/admin/categories/"+tea, url.Values{"name": {"緑茶"}, "sort_order": {"3"}, "base": {base}}); r.status != http.StatusSeeOther {
		t.Fatalf("window b: %d", r.status)
	}
	if c := byName(); c["緑茶"] == 0 {
		t.Fatalf("after two windows %v", c)
	}
	for _, c := range mustCategories(t, k) {
		if c.Name == "緑茶" && c.SortOrder != 7 {
			t.Fatalf("window b undid window a's order: %d", c.SortOrder)
		}
	}
	r = k.post("/admin/categories/"+tea, url.Values{"name": {"緑茶"}, "sort_order": {"9"}, "base": {base}})
	if r.status != http.StatusConflict {
		t.Fatalf("stale category: %d", r.status)
	}
	mustContain(t, r.body, "「表示順」はこの画面を開いた後に変更されています（現在の値：7）。", `value="9"`)
	tools := strconv.FormatInt(cats["茶器"], 10)
	if r := k.post("/admin/categories/"+tools+"/delete", nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	cats = byName()
	if _, ok := cats["茶器"]; ok || len(cats) != 5 || cats["緑茶"] == 0 {
		t.Fatalf("after delete %v", cats)
	}
	if ps, _ := k.db.Products(ctx, false); len(ps) != 15 {
		t.Fatalf("deleting a category took products: %d left", len(ps))
	}
}
