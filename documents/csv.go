package documents

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"kago/jp"
	"kago/store"
)

// The order export (受注データCSV) for spreadsheet software: UTF-8 with a
// byte-order mark (Excel reads it as UTF-8 then), CRLF line ends, one row
// per product line and per 金額調整 line with the order's columns repeated
// on each.

var orderCSVHeader = []string{"注文番号", "明細番号", "受注日時", "受注ステータス", "お支払い方法", "入金・決済状況", "Amazonリファレンス ID",
	"注文者", "注文者カナ", "メールアドレス", "注文者電話番号", "注文者郵便番号", "注文者住所",
	"お届け先氏名", "お届け先カナ", "お届け先電話番号", "お届け先郵便番号", "お届け先住所",
	"配送方法", "お届け希望日", "お届け希望時間帯", "備考",
	"商品ID", "商品名", "税率", "単価（税込）", "数量", "小計（税込）",
	"商品合計", "送料", "代引き手数料", "合計金額", "10%対象額", "10%消費税", "8%対象額", "8%消費税", "配送業者", "送り状番号"}

// OrderCSV writes the order export.
type OrderCSV struct{ w *SheetWriter }

// NewOrderCSV starts an export on w: the byte-order mark and the header.
func NewOrderCSV(w io.Writer) (*OrderCSV, error) {
	sw, err := NewSheetWriter(w)
	if err != nil {
		return nil, err
	}
	return &OrderCSV{w: sw}, sw.Write(orderCSVHeader)
}

// Write adds an order's rows: one per product line (an order without lines
// still gets one row). deliveryTime is the time band in words.
func (c *OrderCSV) Write(o Order, deliveryTime string) error {
	b, d := o.Buyer, o.Destination.Address
	if o.Destination.SameAsBuyer {
		d = b
	}
	kana := func(family, given string) string { return strings.TrimSpace(family + " " + given) }
	text := strings.TrimSpace
	date := ""
	if t, ok := jp.ParseDay(o.DeliveryDate); ok {
		date = t.Format("2006/01/02")
	}
	order := []string{strconv.FormatInt(o.Number, 10), "", o.CreatedAt.In(jp.Tokyo).Format("2006/01/02 15:04:05"), o.Status,
		o.PaymentMethod, o.PaymentStatus, o.AmazonReference,
		text(b.FullName()), text(kana(b.FamilyKana, b.GivenKana)), text(o.Email), KeepDigits(b.Phone), KeepDigits(b.PostalCode), text(address(b)),
		text(d.FullName()), text(kana(d.FamilyKana, d.GivenKana)), KeepDigits(d.Phone), KeepDigits(d.PostalCode), text(address(d)),
		o.DeliveryMethod, date, deliveryTime, text(o.Notes)}
	totals := []string{yen(o.Subtotal), yen(o.ShippingFee), yen(o.CODFee), yen(o.Total), yen(o.Total10), yen(o.Tax10), yen(o.Total8), yen(o.Tax8),
		o.Carrier, KeepDigits(o.Shipment.TrackingNumber)}
	if len(o.Lines) == 0 {
		return c.w.Write(append(append(order, "", "", "", "", "", ""), totals...))
	}
	for _, l := range o.Lines {
		row := append([]string(nil), order...)
		row[1] = strconv.Itoa(l.LineNo)
		row = append(row, strconv.FormatInt(l.ProductID, 10), text(l.Name), strconv.Itoa(l.TaxRate)+"%", yen(l.UnitPrice),
			strconv.FormatInt(l.Quantity, 10), yen(l.Subtotal()))
		if err := c.w.Write(append(row, totals...)); err != nil {
			return err
		}
	}
	// 金額調整 lines (編集モード) follow, numbered 調整1, 調整2 ...: no
	// product ID, the 名目 as the name, the signed amount once.
	for _, a := range o.Adjustments {
		row := append([]string(nil), order...)
		row[1] = "調整" + strconv.Itoa(a.LineNo)
		row = append(row, "", text(a.Name), strconv.Itoa(a.TaxRate)+"%", yen(a.Amount), "1", yen(a.Amount))
		if err := c.w.Write(append(row, totals...)); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes what is buffered and reports a write error.
func (c *OrderCSV) Flush() error { return c.w.Flush() }

func yen(v int64) string { return strconv.FormatInt(v, 10) }

// Every CSV the shop writes goes through Cell: a file opened in
// spreadsheet software must not run what a shopper or a merchant typed
// (=HYPERLINK(...), @SUM(...): CSV injection, OWASP).

// SheetWriter writes CSV for spreadsheet software: UTF-8 with a byte-order
// mark (Excel reads it as UTF-8 then), CRLF line ends, every cell through
// Cell.
type SheetWriter struct{ w *csv.Writer }

// NewSheetWriter starts a file on w with the byte-order mark.
func NewSheetWriter(w io.Writer) (*SheetWriter, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	return &SheetWriter{w: newCSVWriter(w)}, nil
}

func newCSVWriter(w io.Writer) *csv.Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return cw
}

// Write writes one row, each cell made safe by Cell (rec is changed).
func (s *SheetWriter) Write(rec []string) error {
	for i := range rec {
		rec[i] = Cell(rec[i])
	}
	return s.w.Write(rec)
}

// Flush writes what is buffered and reports a write error.
func (s *SheetWriter) Flush() error {
	s.w.Flush()
	return s.w.Error()
}

// Cell makes a value safe to open in a spreadsheet: one that starts like a
// formula (= + - @, a tab or a carriage return) is written with a leading
// apostrophe, which spreadsheet software shows as text. Numbers (-5) and
// KeepDigits' text formulas (="0312345678") are left as they are.
func Cell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) || isKeptDigits(s) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

// ReadCell undoes Cell for a file read back (the product CSV import): the
// apostrophe before a formula-looking value goes.
func ReadCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func isKeptDigits(s string) bool {
	if len(s) < 3 || !strings.HasPrefix(s, `="`) || !strings.HasSuffix(s, `"`) {
		return false
	}
	for _, r := range s[2 : len(s)-1] {
		if (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// KeepDigits writes a number that must stay text (a phone number, a postal
// code, a tracking number) so spreadsheet software keeps its leading 0:
// ="0312345678". Anything but digits and hyphens is written as it is
// (trimmed), for Cell to judge.
func KeepDigits(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '-' {
			return s
		}
	}
	return `="` + s + `"`
}

func address(a store.Address) string { return party(a).Address }
