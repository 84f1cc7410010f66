// Package documents builds the merchant's papers from the domain types:
// the printable order documents (受注伝票, 納品書, 請求書, 領収書) as plain
// view structs the views print on A4, and the CSV files (the order export
// and the carriers' label data). It knows no HTTP and no database; shop
// gives it orders with the words it needs.
package documents

import (
	"fmt"
	"time"

	"kago/jp"
	"kago/model"
	"kago/store"
)

// TaxRoundingNote says how an order's tax was computed: once per rate on
// the rate's tax-inclusive total, rounded down (shop.TaxIncluded). A
// qualified invoice states the rounding with the per-rate totals.
const TaxRoundingNote = "※消費税は税率ごとの合計金額から計算し、1円未満を切り捨てています。"

// Kinds of printable document (帳票), in the order the admin offers them.
const (
	KindSlip     = "slip"     // 受注伝票: the shop's own sheet for picking and packing
	KindDelivery = "delivery" // 納品書: goes in the parcel
	KindInvoice  = "invoice"  // 請求書: asks for the money (bank transfer)
	KindReceipt  = "receipt"  // 領収書: says the money was received
)

// Kinds lists every kind with its title.
var Kinds = []struct{ Kind, Title string }{
	{KindSlip, "受注伝票"}, {KindDelivery, "納品書"}, {KindInvoice, "請求書"}, {KindReceipt, "領収書"},
}

// Title names a kind; ok is false for an unknown one.
func Title(kind string) (string, bool) {
	for _, k := range Kinds {
		if k.Kind == kind {
			return k.Title, true
		}
	}
	return "", false
}

// Issuer is the shop as its documents name it.
type Issuer struct {
	Name, PostalCode, Address, Phone, Email, URL string
	InvoiceNumber                                string // 登録番号; empty when the shop has none
	BankDetails                                  string // 振込先, printed on the invoice
}

// Order is an order with the words its documents print, worked out by shop.
type Order struct {
	store.Order
	Shipment          model.Shipment // zero when the order has no parcel yet
	PaymentMethod     string         // お支払い方法 in words
	PaymentStatus     string         // 入金・決済状況 in words
	Status            string         // 受注ステータス in words
	DeliveryMethod    string         // 配送方法 in words
	PreferredDelivery string         // お届け希望日時 in words
	Carrier           string         // the parcel's carrier in words
	Tracking          string         // the parcel's number as labels print it
	TransferDeadline  time.Time      // お振込期限, for a bank transfer
	AmazonReference   string         // Amazonリファレンス ID, for Amazon Pay
	// CardPayment is a payment through a card service (Amazon Pay): its
	// receipt is not a receipt of money and takes no revenue stamp.
	CardPayment bool
	// CashOnDelivery is an order the carrier collects the money for (代金引換).
	CashOnDelivery bool
}

// Party is a person with an address as a document prints it.
type Party struct {
	Name       string // without 様
	PostalCode string
	Address    string
	Phone      string
}

func party(a store.Address) Party {
	return Party{Name: a.FullName(), PostalCode: a.PostalCode, Address: a.Street(), Phone: a.Phone}
}

// Line is a product line of a document.
type Line struct {
	No        int
	ProductID int64
	Name      string
	Reduced   bool // 軽減税率 (8%): marked ※
	TaxRate   int
	UnitPrice int64
	Quantity  int64
	Amount    int64
}

// Adjustment is a 金額調整 line of an order (編集モード): its 名目, tax rate
// and signed tax-inclusive amount.
type Adjustment struct {
	Name    string
	TaxRate int
	Amount  int64
}

// RateTotal is the tax-inclusive total of one rate and the tax in it.
type RateTotal struct {
	Rate       int
	Total, Tax int64
}

// Field is one labelled value of a document's header.
type Field struct{ Label, Value string }

// Doc is one printable document: one A4 page per order and kind.
type Doc struct {
	Kind, Title string
	Number      int64  // 注文番号
	IssuedOn    string // 発行日, 2026年12月5日（土）
	Addressee   Party  // the buyer, to whom the document is made out
	Issuer      Issuer
	// Fields are the header's labelled values (注文番号, ご注文日, ...).
	Fields []Field
	Lines  []Line
	// Subtotal, Shipping, CODFee and Total are tax-inclusive yen.
	Subtotal, Shipping, CODFee, Total int64
	// Adjustments are the order's 金額調整 lines; Discount what a member's
	// points and coupon took off (0 for none).
	Adjustments  []Adjustment
	Discount     int64
	Rates        []RateTotal
	RoundingNote string
	HasReduced   bool // some line is at the reduced rate

	// Lead is the sentence above the amount: ご請求申し上げます。 ...
	Lead string
	// Destination is where the parcel goes, when it is not the buyer.
	Destination *Party
	Notes       string // the buyer's 備考 (受注伝票)
	// Invoice: the account to pay to. Receipt: what it is for (但し書き)
	// and whether the paper needs a revenue stamp.
	BankDetails string
	Proviso     string
	StampBox    bool
}

// stampFrom is the amount without tax from which a receipt paid in cash or
// by transfer needs a revenue stamp (印紙税法: 5万円以上).
const stampFrom = 50000

// Build makes one document of kind for an order, issued at now. ok is false
// for an unknown kind.
func Build(kind string, o Order, is Issuer, now time.Time) (Doc, bool) {
	title, ok := Title(kind)
	if !ok {
		return Doc{}, false
	}
	d := Doc{Kind: kind, Title: title, Number: o.Number, IssuedOn: jp.LongDate(now), Addressee: party(o.Buyer), Issuer: is,
		Subtotal: o.Subtotal, Shipping: o.ShippingFee, CODFee: o.CODFee, Total: o.Total, RoundingNote: TaxRoundingNote}
	for _, l := range o.Lines {
		d.Lines = append(d.Lines, Line{No: l.LineNo, ProductID: l.ProductID, Name: l.Name, Reduced: l.TaxRate == 8, TaxRate: l.TaxRate,
			UnitPrice: l.UnitPrice, Quantity: l.Quantity, Amount: l.Subtotal()})
		d.HasReduced = d.HasReduced || l.TaxRate == 8
	}
	for _, a := range o.Adjustments {
		d.Adjustments = append(d.Adjustments, Adjustment{Name: a.Name, TaxRate: a.TaxRate, Amount: a.Amount})
	}
	d.Discount = max(o.Subtotal+o.ShippingFee+o.CODFee+o.AdjustmentTotal()-o.Total, 0)
	if o.Total10 > 0 {
		d.Rates = append(d.Rates, RateTotal{Rate: 10, Total: o.Total10, Tax: o.Tax10})
	}
	if o.Total8 > 0 {
		d.Rates = append(d.Rates, RateTotal{Rate: 8, Total: o.Total8, Tax: o.Tax8})
	}
	if !o.Destination.SameAsBuyer {
		dest := party(o.Destination.Address)
		d.Destination = &dest
	}
	d.Fields = []Field{{"注文番号", fmt.Sprint(o.Number)}, {"ご注文日", jp.LongDate(o.CreatedAt)}}
	switch kind {
	case KindSlip:
		d.Lead = "受注内容"
		d.Fields = append(d.Fields, Field{"受注日時", jp.DateTime(o.CreatedAt)}, Field{"受注ステータス", o.Status},
			Field{"お支払い方法", o.PaymentMethod}, Field{"入金・決済状況", o.PaymentStatus}, Field{"配送方法", o.DeliveryMethod},
			Field{"お届け希望日時", o.PreferredDelivery}, Field{"メールアドレス", o.Email})
		if o.AmazonReference != "" {
			d.Fields = append(d.Fields, Field{"Amazonリファレンス ID", o.AmazonReference})
		}
		if o.Tracking != "" {
			d.Fields = append(d.Fields, Field{"送り状番号", o.Carrier + " " + o.Tracking})
		}
		d.Notes = o.Notes
		if d.Notes == "" {
			d.Notes = "なし"
		}
	case KindDelivery:
		d.Lead = "このたびはお買い上げいただき、誠にありがとうございます。下記のとおり納品いたします。"
		d.Fields = append(d.Fields, Field{"お支払い方法", o.PaymentMethod})
	case KindInvoice:
		d.Lead = "下記のとおりご請求申し上げます。"
		d.Fields = append(d.Fields, Field{"お支払い方法", o.PaymentMethod})
		if !o.TransferDeadline.IsZero() {
			d.Fields = append(d.Fields, Field{"お支払期限", jp.LongDate(o.TransferDeadline)})
			d.BankDetails = is.BankDetails
		}
	case KindReceipt:
		d.Lead = "上記の金額、正に領収いたしました。"
		d.Proviso = "お品代として（注文番号 " + fmt.Sprint(o.Number) + "）"
		d.Fields = append(d.Fields, Field{"お支払い方法", o.PaymentMethod})
		d.StampBox = !o.CardPayment && o.Total-o.Tax10-o.Tax8 >= stampFrom
	}
	return d, true
}
