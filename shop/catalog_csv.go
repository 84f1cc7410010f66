package shop

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"

	"kago/documents"
	"kago/model"
	"kago/store"
)

// Product CSV (商品CSV): one row per product under a header row. The export
// writes every column, UTF-8 with a BOM and CRLF so spreadsheet software
// opens it as Japanese text; the import reads UTF-8 (with or without BOM)
// and Shift_JIS, matches columns by their header, and writes nothing unless
// every row is good.
//
// A downloaded file is merged three ways on import, as the admin forms are
// (formbase.go): each row carries 出力時の値, the fingerprint of its values
// at the download. A field the file did not change keeps what is stored
// now (stock sold since the download stays sold); a field changed both in
// the file and meanwhile refuses the row, naming the value stored now. A
// file without that column (made by hand) is taken as absolute.

// CSV columns. A row with an empty 商品ID is a new product.
const (
	colID          = "商品ID"
	colName        = "商品名"
	colDescription = "商品説明"
	colPrice       = "販売価格"
	colMemberPrice = "会員価格"
	colTaxRate     = "税率"
	colStock       = "在庫数"
	colPublished   = "公開"
	colSortOrder   = "表示順"
	colCategories  = "カテゴリ"
	colBase        = "出力時の値" // the row's values at the download (FormBase)
)

// CSVColumns is the export's header; the first five are required on import.
var CSVColumns = []string{colID, colName, colDescription, colPrice, colMemberPrice, colTaxRate, colStock, colPublished, colSortOrder, colCategories, colBase}

var csvRequired = []string{colID, colName, colPrice, colTaxRate, colStock}

// CategorySeparator joins several categories in one CSV cell.
const CategorySeparator = "|"

// MaxImportRows bounds one import file.
const MaxImportRows = 5000

// ExportProductsCSV writes every product, in display order.
func (c *Catalog) ExportProductsCSV(ctx context.Context, w io.Writer) error {
	products, err := c.db.Products(ctx, false)
	if err != nil {
		return err
	}
	cats, err := c.db.Categories(ctx, false)
	if err != nil {
		return err
	}
	byProduct, err := c.db.ProductCategoryMap(ctx)
	if err != nil {
		return err
	}
	cw, err := documents.NewSheetWriter(w)
	if err != nil {
		return err
	}
	if err := cw.Write(slices.Clone(CSVColumns)); err != nil {
		return err
	}
	for _, p := range products {
		v := productValues(p, byProduct[p.ID])
		published := "非公開"
		if p.Published {
			published = "公開"
		}
		if err := cw.Write([]string{strconv.FormatInt(p.ID, 10), p.Name, p.Description, v["price"], v["member_price"], v["tax_rate"],
			v["stock"], published, v["sort_order"], categoryNames(cats, byProduct[p.ID]), FormBase(v)}); err != nil {
			return err
		}
	}
	return cw.Flush()
}

func categoryNames(cats []model.Category, ids []int64) string {
	var names []string
	for _, c := range cats {
		if slices.Contains(ids, c.ID) {
			names = append(names, c.Name)
		}
	}
	return strings.Join(names, CategorySeparator)
}

// ImportRow is the check of one data row.
type ImportRow struct {
	Line    int    // line of the file, the header being line 1
	ID      int64  // 0 for a new product
	Name    string // as written in the row
	Action  string // ImportNew, ImportUpdate, ImportSame, or "" for a bad row
	Changes []string
	Errors  []string
}

// Row actions.
const (
	ImportNew    = "新規登録"
	ImportUpdate = "更新"
	ImportSame   = "変更なし"
)

// ImportReport is what an import found (and did, when Applied).
type ImportReport struct {
	Encoding                     string   // 文字コード as detected
	FileErrors                   []string // problems of the file as a whole
	Rows                         []ImportRow
	New, Updated, Unchanged, Bad int
	Applied                      bool
	// Absolute is a file without 出力時の値 (made by hand): its values are
	// written as they are, whatever changed since it was made.
	Absolute bool
	// Token names the file a clean dry run kept for 取り込む
	// (ImportCheckedCSV); the form carries it instead of the file.
	Token string
}

// Clean tells whether the file may be imported as it is.
func (r ImportReport) Clean() bool { return len(r.FileErrors) == 0 && r.Bad == 0 && len(r.Rows) > 0 }

// ImportProductsCSV checks a product CSV row by row and, when apply is set
// and every row is good, writes it in one transaction: new rows become
// products, rows with a 商品ID update only the fields whose value differs
// from the stored one. A dry run (apply false) or a file with any bad row
// writes no product; a clean dry run keeps the file for a day under
// ImportReport.Token. Only a database failure is returned as an error.
func (c *Catalog) ImportProductsCSV(ctx context.Context, data []byte, apply bool) (ImportReport, error) {
	var rep ImportReport
	err := c.db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		rep, err = importCSV(tx, data, apply)
		return err
	})
	return rep, err
}

// ImportCheckedCSV imports the file a clean dry run kept under token, in
// the transaction that takes it: checked again against the products as
// they are now, and written only if still clean.
func (c *Catalog) ImportCheckedCSV(ctx context.Context, token string) (ImportReport, error) {
	var rep ImportReport
	err := c.db.WithTx(ctx, func(tx *store.Tx) error {
		body, err := tx.TakeProductImport(token)
		if errors.Is(err, store.ErrNotFound) {
			rep.FileErrors = []string{"確認したファイルが見つかりません（取り込み済みか、確認から1日以上たっています）。もう一度ファイルを選んでください。"}
			return nil
		}
		if err != nil {
			return err
		}
		rep, err = importCSV(tx, []byte(body), true)
		return err
	})
	return rep, err
}

// keepChecked is how long a checked file waits for 取り込む.
const keepChecked = 24 * time.Hour

func importCSV(tx *store.Tx, data []byte, apply bool) (ImportReport, error) {
	var rep ImportReport
	text, enc, msg := decodeCSVText(data)
	rep.Encoding = enc
	if msg != "" {
		rep.FileErrors = append(rep.FileErrors, msg)
		return rep, nil
	}
	records, msg := readCSV(text)
	if msg != "" {
		rep.FileErrors = append(rep.FileErrors, msg)
		return rep, nil
	}
	if len(records) == 0 || (len(records) == 1 && len(records[0]) <= 1 && strings.TrimSpace(strings.Join(records[0], "")) == "") {
		rep.FileErrors = append(rep.FileErrors, "ファイルが空です。1行目に見出し（"+strings.Join(CSVColumns, ",")+"）を入れてください。")
		return rep, nil
	}
	index, errs := productCSVHeader(records[0])
	if len(errs) > 0 {
		rep.FileErrors = errs
		return rep, nil
	}
	_, merge := index[colBase]
	rep.Absolute = !merge
	if len(records)-1 > MaxImportRows {
		rep.FileErrors = append(rep.FileErrors, fmt.Sprintf("一度に取り込めるのは%d行までです（このファイルは%d行）。ファイルを分けてください。", MaxImportRows, len(records)-1))
		return rep, nil
	}
	err := func() error {
		cats, err := tx.Categories()
		if err != nil {
			return err
		}
		type planned struct {
			row     int
			f       productFields
			columns []string
			cats    bool
		}
		var plan []planned
		seen := map[int64]int{}
		for i, rec := range records[1:] {
			row := ImportRow{Line: i + 2}
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue // a blank line
			}
			cell := func(col string) (string, bool) {
				j, ok := index[col]
				if !ok || j >= len(rec) {
					return "", false
				}
				return documents.ReadCell(rec[j]), true
			}
			row.Name, _ = cell(colName)
			if len(rec) != len(records[0]) {
				row.Errors = append(row.Errors, fmt.Sprintf("列の数が見出しと合いません（見出しは%d列、この行は%d列）。", len(records[0]), len(rec)))
				rep.addRow(row)
				continue
			}
			in := ProductInput{TaxRate: "10", Stock: "0", SortOrder: "0"}
			var current map[string]string
			if raw, _ := cell(colID); strings.TrimSpace(raw) != "" {
				id, err := strconv.ParseInt(strings.TrimSpace(toHalfWidthDigits(raw)), 10, 64)
				if err != nil || id <= 0 {
					row.Errors = append(row.Errors, "商品IDは半角数字で入力してください（新しい商品は空欄）。")
					rep.addRow(row)
					continue
				}
				row.ID = id
				if first, dup := seen[id]; dup {
					row.Errors = append(row.Errors, fmt.Sprintf("商品ID %d は%d行目にもあります。1つの商品は1行にしてください。", id, first))
					rep.addRow(row)
					continue
				}
				seen[id] = row.Line
				p, err := tx.Product(id)
				if errors.Is(err, store.ErrNotFound) {
					row.Errors = append(row.Errors, fmt.Sprintf("商品ID %d の商品はありません。新しい商品なら商品IDを空欄にしてください。", id))
					rep.addRow(row)
					continue
				}
				if err != nil {
					return err
				}
				pc, err := tx.ProductCategoryIDs(id)
				if err != nil {
					return err
				}
				in = EditForm(ProductDetail{Product: p, CategoryIDs: pc})
				current = productValues(p, pc)
			}
			set := func(col string, dst *string) {
				if v, ok := cell(col); ok {
					*dst = v
				}
			}
			set(colName, &in.Name)
			set(colDescription, &in.Description)
			set(colPrice, &in.Price)
			set(colMemberPrice, &in.MemberPrice)
			set(colTaxRate, &in.TaxRate)
			set(colStock, &in.Stock)
			set(colSortOrder, &in.SortOrder)
			if v, ok := cell(colPublished); ok {
				switch strings.TrimSpace(toHalfWidthDigits(v)) {
				case "公開", "1":
					in.Published = true
				case "非公開", "0":
					in.Published = false
				default:
					row.Errors = append(row.Errors, "公開：「公開」か「非公開」と入力してください。")
				}
			}
			if v, ok := cell(colCategories); ok {
				in.CategoryIDs = nil
				for _, name := range strings.Split(v, CategorySeparator) {
					name = strings.TrimSpace(name)
					if name == "" {
						continue
					}
					i := slices.IndexFunc(cats, func(c model.Category) bool { return c.Name == name })
					if i < 0 {
						row.Errors = append(row.Errors, "カテゴリ：「"+name+"」というカテゴリはありません。先に「カテゴリ管理」で作成してください。")
						continue
					}
					in.CategoryIDs = append(in.CategoryIDs, strconv.FormatInt(cats[i].ID, 10))
				}
			}
			f, err := in.parse(cats)
			if ie, ok := AsInputError(err); ok {
				for _, field := range productFieldOrder {
					if m, ok := ie.Fields[field]; ok {
						row.Errors = append(row.Errors, m)
					}
				}
			}
			if len(row.Errors) > 0 {
				rep.addRow(row)
				continue
			}
			typed := productValues(f.Product, f.Categories)
			if current == nil {
				row.Action = ImportNew
				rep.addRow(row)
				plan = append(plan, planned{row: len(rep.Rows) - 1, f: f, cats: len(f.Categories) > 0})
				continue
			}
			base, _ := cell(colBase)
			base = strings.TrimSpace(base)
			if q, err := url.ParseQuery(base); base != "" && (err != nil || len(q) == 0) {
				row.Errors = append(row.Errors, "出力時の値が正しくありません。この列は編集せず、CSVダウンロードしたときのままにしてください。")
				rep.addRow(row)
				continue
			}
			label := productLabel(cats)
			write, conflicts := mergeForm(base, typed, current)
			for _, field := range productFieldOrder {
				if slices.Contains(conflicts, field) {
					name, now := label(field, current[field])
					_, file := label(field, typed[field])
					row.Errors = append(row.Errors, name+"：CSVダウンロードの後に、ほかの操作（ご注文や管理画面での編集）で変わっています（現在の値："+now+
						"、ファイルの値："+file+"）。CSVをダウンロードし直して編集するか、ファイルの値で上書きするならこの行の「出力時の値」を空欄にしてください。")
				}
			}
			if len(row.Errors) > 0 {
				rep.addRow(row)
				continue
			}
			var columns []string
			changedCats := false
			for _, field := range productFieldOrder {
				if !slices.Contains(write, field) {
					continue
				}
				name, before := label(field, current[field])
				_, after := label(field, typed[field])
				row.Changes = append(row.Changes, name+"："+before+" → "+after)
				if field == "categories" {
					changedCats = true
				} else {
					columns = append(columns, field)
				}
			}
			row.Action = ImportUpdate
			if len(row.Changes) == 0 {
				row.Action = ImportSame
			}
			f.ID = row.ID
			rep.addRow(row)
			plan = append(plan, planned{row: len(rep.Rows) - 1, f: f, columns: columns, cats: changedCats})
		}
		switch {
		case !rep.Clean():
			return nil
		case !apply:
			rep.Token = newToken()
			return tx.PutProductImport(rep.Token, text, tx.Now().Add(-keepChecked))
		}
		for _, pl := range plan {
			id := pl.f.ID
			if id == 0 {
				p, err := tx.InsertProduct(pl.f.Product)
				if err != nil {
					return err
				}
				id = p.ID
				rep.Rows[pl.row].ID = id
			} else if len(pl.columns) > 0 {
				if err := tx.PatchProduct(pl.f.Product, pl.columns); err != nil {
					return err
				}
			}
			if pl.cats {
				if err := tx.SetProductCategories(id, pl.f.Categories); err != nil {
					return err
				}
			}
		}
		rep.Applied = true
		return nil
	}()
	return rep, err
}

// newToken is a random ID for a kept file.
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// productFieldOrder is the order fields are reported in.
var productFieldOrder = []string{"name", "description", "price", "member_price", "tax_rate", "stock", "published", "sort_order", "categories"}

func (r *ImportReport) addRow(row ImportRow) {
	switch {
	case len(row.Errors) > 0:
		r.Bad++
	case row.Action == ImportNew:
		r.New++
	case row.Action == ImportUpdate:
		r.Updated++
	default:
		r.Unchanged++
	}
	r.Rows = append(r.Rows, row)
}

// decodeCSVText reads a file as UTF-8 (a BOM is dropped) or, when it is not
// valid UTF-8, as Shift_JIS (the Windows code page 932 that Excel writes).
// It returns the text, the encoding's name, and a message when neither fits.
func decodeCSVText(data []byte) (string, string, string) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		if !utf8.Valid(data) {
			return "", "UTF-8（BOM付き）", "UTF-8として読めない文字があります。UTF-8かShift_JISで保存し直してください。"
		}
		return string(data), "UTF-8（BOM付き）", ""
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return "", "UTF-16", "UTF-16のファイルは読めません。「CSV UTF-8」か「CSV（コンマ区切り）」で保存し直してください。"
	case utf8.Valid(data):
		return string(data), "UTF-8", ""
	}
	out, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return "", "不明", "文字コードを判別できません。UTF-8かShift_JISで保存し直してください。"
	}
	return string(out), "Shift_JIS", ""
}

// readCSV parses the whole text; a syntax error is reported by its line.
func readCSV(text string) ([][]string, string) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = false
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, ""
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Sprintf("%d行目：CSVとして読めません（引用符「\"」の閉じ忘れなど）。", pe.StartLine)
		}
		if err != nil {
			return nil, "CSVとして読めません。"
		}
		out = append(out, rec)
	}
}

// productCSVHeader maps column names to their index and names what is missing,
// unknown or doubled.
func productCSVHeader(header []string) (map[string]int, []string) {
	index := map[string]int{}
	var errs []string
	for i, h := range header {
		h = strings.TrimSpace(h)
		switch {
		case h == "":
			errs = append(errs, fmt.Sprintf("見出し（1行目）の%d列目が空です。", i+1))
		case !slices.Contains(CSVColumns, h):
			errs = append(errs, "見出し「"+h+"」は使えません。使える見出し："+strings.Join(CSVColumns, "、")+"。")
		default:
			if _, dup := index[h]; dup {
				errs = append(errs, "見出し「"+h+"」が2回あります。")
			}
			index[h] = i
		}
	}
	for _, col := range csvRequired {
		if _, ok := index[col]; !ok {
			errs = append(errs, "必須の列「"+col+"」がありません。")
		}
	}
	return index, errs
}
