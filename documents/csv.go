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
type OrderCSV struct{ w *csv.Writer }

// NewOrderCSV starts an export on w: the byte-order mark and the header.
func NewOrderCSV(w io.Writer) (*OrderCSV, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &OrderCSV{w: cw}, cw.Write(orderCSVHeader)
}

// Write adds an order's rows: one per product line (an order without lines
// still gets one row). deliveryTime is the time band in words.
func (c *OrderCSV) Write(o Order, deliveryTime string) error {
	b, d := o.Buyer, o.Destination.Address
	if o.Destination.SameAsBuyer {
		d = b
	}
	kana := func(family, given string) string { return strings.TrimSpace(family + " " + given) }
	date := ""
	if t, ok := jp.ParseDay(o.DeliveryDate); ok {
		date = t.Format("2006/01/02")
	}
	order := []string{strconv.FormatInt(o.Number, 10), "", o.CreatedAt.In(jp.Tokyo).Format("2006/01/02 15:04:05"), o.Status,
		o.PaymentMethod, o.PaymentStatus, o.AmazonReference,
		Text(b.FullName()), Text(kana(b.FamilyKana, b.GivenKana)), Text(o.Email), KeepDigits(b.Phone), KeepDigits(b.PostalCode), Text(address(b)),
		Text(d.FullName()), Text(kana(d.FamilyKana, d.GivenKana)), KeepDigits(d.Phone), KeepDigits(d.PostalCode), Text(address(d)),
		o.DeliveryMethod, date, deliveryTime, Text(o.Notes)}
	totals := []string{yen(o.Subtotal), yen(o.ShippingFee), yen(o.CODFee), yen(o.Total), yen(o.Total10), yen(o.Tax10), yen(o.Total8), yen(o.Tax8),
		o.Carrier, KeepDigits(o.Shipment.TrackingNumber)}
	if len(o.Lines) == 0 {
		return c.w.Write(append(append(order, "", "", "", "", "", ""), totals...))
	}
	for _, l := range o.Lines {
		row := append([]string(nil), order...)
		row[1] = strconv.Itoa(l.LineNo)
		row = append(row, strconv.FormatInt(l.ProductID, 10), Text(l.Name), strconv.Itoa(l.TaxRate)+"%", yen(l.UnitPrice),
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
		row = append(row, "", Text(a.Name), strconv.Itoa(a.TaxRate)+"%", yen(a.Amount), "1", yen(a.Amount))
		if err := c.w.Write(append(row, totals...)); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes what is buffered and reports a write error.
func (c *OrderCSV) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

func yen(v int64) string { return strconv.FormatInt(v, 10) }

// Text makes text a shopper typed safe to open in a spreadsheet: a value
// that starts like a formula is written with a leading apostrophe.
func Text(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// KeepDigits writes a number that must stay text (a phone number, a postal
// code, a tracking number) so spreadsheet software keeps its leading 0:
// ="0312345678". Anything but digits and hyphens is written as Text.
func KeepDigits(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '-' {
			return Text(s)
		}
	}
	return `="` + s + `"`
}

func address(a store.Address) string { return party(a).Address }
