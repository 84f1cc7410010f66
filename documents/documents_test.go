package documents_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"kago/documents"
	"kago/model"
	"kago/store"
)

var orderedAt = time.Date(2026, 12, 5, 1, 30, 0, 0, time.UTC) // 10:30 in Japan

// giftOrder is a COD order of two lines at both rates, sent to another
// address.
func giftOrder() documents.Order {
	o := store.Order{ID: 7, Number: 100007, PaymentMethod: "cod", Email: "taro@example.jp", CreatedAt: orderedAt,
		Buyer: store.Address{FamilyName: "山田", GivenName: "太郎", FamilyKana: "ヤマダ", GivenKana: "タロウ", Phone: "0312345678",
			PostalCode: "100-0001", Prefecture: "東京都", City: "千代田区", Address1: "千代田1-1"},
		Destination: store.Destination{Address: store.Address{FamilyName: "佐藤", GivenName: "花子", FamilyKana: "サトウ", GivenKana: "ハナコ",
			Phone: "0612345678", PostalCode: "530-0001", Prefecture: "大阪府", City: "大阪市北区", Address1: "梅田1-1", Address2: "かごマンション101"}},
		DeliveryDate: "2026-12-09", DeliveryTime: "19-21",
		Lines: []store.OrderLine{{LineNo: 1, ProductID: 3, Name: "静岡県産 深蒸し煎茶 100g", UnitPrice: 1296, TaxRate: 8, Quantity: 2},
			{LineNo: 2, ProductID: 9, Name: "手ぬぐい 茶畑柄", UnitPrice: 1100, TaxRate: 10, Quantity: 1}},
		Subtotal: 3692, ShippingFee: 880, CODFee: 330, Total: 4902, Total10: 2310, Tax10: 210, Total8: 2592, Tax8: 192}
	return documents.Order{Order: o, PaymentMethod: "代金引換", Status: "新規受付", CashOnDelivery: true,
		Shipment: model.Shipment{Carrier: model.CarrierSagawa, TrackingNumber: "123456789013"}, Carrier: "佐川急便", Tracking: "1234-5678-9013"}
}

func TestBuildDocuments(t *testing.T) {
	is := documents.Issuer{Name: "かご屋", InvoiceNumber: "T1234567890123", BankDetails: "かご銀行 普通 1234567"}
	now := orderedAt.Add(48 * time.Hour)
	for _, k := range documents.Kinds {
		d, ok := documents.Build(k.Kind, giftOrder(), is, now)
		if !ok || d.Title != k.Title || d.IssuedOn != "2026年12月7日（月）" || d.Addressee.Name != "山田 太郎" || d.Destination == nil ||
			d.Destination.Address != "大阪府大阪市北区梅田1-1 かごマンション101" || !d.HasReduced || len(d.Rates) != 2 ||
			d.Rates[0] != (documents.RateTotal{Rate: 10, Total: 2310, Tax: 210}) || d.Rates[1] != (documents.RateTotal{Rate: 8, Total: 2592, Tax: 192}) ||
			d.RoundingNote != documents.TaxRoundingNote || d.Issuer.InvoiceNumber != "T1234567890123" {
			t.Errorf("%s: %+v", k.Kind, d)
		}
	}
	if _, ok := documents.Build("estimate", giftOrder(), is, now); ok {
		t.Error("an unknown kind was built")
	}
	// A receipt of 50,000円 or more without tax paid in cash needs a stamp;
	// one paid by card does not.
	big := giftOrder()
	big.Total, big.Total10, big.Tax10, big.Total8, big.Tax8 = 55000, 55000, 5000, 0, 0
	if d, _ := documents.Build(documents.KindReceipt, big, is, now); !d.StampBox || !strings.Contains(d.Proviso, "100007") {
		t.Errorf("55,000円 cash receipt: %+v", d)
	}
	big.Total, big.Total10, big.Tax10 = 54999, 54999, 5000
	if d, _ := documents.Build(documents.KindReceipt, big, is, now); d.StampBox {
		t.Error("49,999円 without tax got a stamp box")
	}
	big.Total, big.Total10, big.Tax10, big.CardPayment = 55000, 55000, 5000, true
	if d, _ := documents.Build(documents.KindReceipt, big, is, now); d.StampBox {
		t.Error("a card payment got a stamp box")
	}
	// The invoice carries the deadline and the account for a transfer.
	bank := giftOrder()
	bank.TransferDeadline = orderedAt.AddDate(0, 0, 7)
	d, _ := documents.Build(documents.KindInvoice, bank, is, now)
	if d.BankDetails != is.BankDetails || !hasField(d, "お支払期限", "2026年12月12日（土）") {
		t.Errorf("invoice %+v", d)
	}
}

func hasField(d documents.Doc, label, value string) bool {
	for _, f := range d.Fields {
		if f.Label == label && f.Value == value {
			return true
		}
	}
	return false
}

func readShiftJIS(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.Contains(b, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatal("lines do not end with CRLF")
	}
	utf, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(utf)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func column(t *testing.T, rows [][]string, name string) string {
	t.Helper()
	for i, h := range rows[0] {
		if h == name {
			return rows[1][i]
		}
	}
	t.Fatalf("no column %s", name)
	return ""
}

func TestLabelsYamato(t *testing.T) {
	var buf bytes.Buffer
	s := documents.Sender{Name: "かご屋", Phone: "075-000-0000", PostalCode: "600-8001", Address: "京都府京都市下京区四条通1-1",
		YamatoBillingCode: "012345678901", YamatoFreightCode: "01"}
	plain := giftOrder()
	plain.CashOnDelivery, plain.DeliveryTime = false, "am"
	plain.Lines[1].Name = "髙島屋の𠮷野家セット とても長い商品名なので二十五文字を超えて切られます"
	if ok, err := documents.WriteLabels(&buf, documents.LabelYamato, []documents.Order{giftOrder(), plain}, s, orderedAt); !ok || err != nil {
		t.Fatal(ok, err)
	}
	rows := readShiftJIS(t, buf.Bytes())
	if len(rows) != 3 || len(rows[0]) != 42 || len(rows[1]) != 42 {
		t.Fatalf("%d rows of %d columns", len(rows), len(rows[0]))
	}
	for name, want := range map[string]string{"お客様管理番号": "100007", "送り状種別": "2", "出荷予定日": "2026/12/05",
		"お届け予定（指定）日": "2026/12/09", "配達時間帯": "1921", "お届け先電話番号": "0612345678", "お届け先郵便番号": "530-0001",
		"お届け先住所": "大阪府大阪市北区梅田1-1", "お届け先住所（アパートマンション名）": "かごマンション101", "お届け先名": "佐藤 花子",
		"お届け先名略称カナ": "ｻﾄｳ ﾊﾅｺ", "敬称": "様", "ご依頼主電話番号": "075-000-0000", "ご依頼主名": "かご屋",
		"品名１": "静岡県産 深蒸し煎茶 100g", "品名２": "手ぬぐい 茶畑柄", "コレクト代金引換額（税込）": "4902", "コレクト内消費税額等": "402",
		"ご請求先顧客コード": "012345678901", "運賃管理番号": "01", "伝票番号": ""} {
		if got := column(t, rows, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// The second order: 発払い, 午前中; 𠮷 is not in Shift_JIS (〓), 髙 is
	// (Windows-31J), and the name is cut to 25 full-width characters.
	second := [][]string{rows[0], rows[2]}
	if column(t, second, "送り状種別") != "0" || column(t, second, "配達時間帯") != "0812" || column(t, second, "コレクト代金引換額（税込）") != "" {
		t.Errorf("発払い row %q", rows[2])
	}
	if got := column(t, second, "品名２"); got != "髙島屋の〓野家セット とても長い商品名なので二十五" {
		t.Errorf("品名２ %q", got)
	}
}

func TestLabelsSagawa(t *testing.T) {
	var buf bytes.Buffer
	s := documents.Sender{Name: "かご屋", Phone: "075-000-0000", PostalCode: "600-8001", Address: "京都府京都市下京区四条通1-1", SagawaCustomerCode: "123456789012"}
	o := giftOrder()
	for i := range 5 {
		o.Lines = append(o.Lines, store.OrderLine{LineNo: 3 + i, Name: "湯呑み"})
	}
	if ok, err := documents.WriteLabels(&buf, documents.LabelSagawa, []documents.Order{o}, s, orderedAt); !ok || err != nil {
		t.Fatal(ok, err)
	}
	rows := readShiftJIS(t, buf.Bytes())
	if len(rows) != 2 || len(rows[0]) != 74 || len(rows[1]) != 74 {
		t.Fatalf("%d rows of %d columns", len(rows), len(rows[0]))
	}
	for name, want := range map[string]string{"お届け先電話番号": "0612345678", "お届け先郵便番号": "530-0001", "お届け先住所１": "大阪府大阪市北区",
		"お届け先住所２": "梅田1-1", "お届け先住所３": "かごマンション101", "お届け先名称１": "佐藤 花子", "お客様管理番号": "100007",
		"お客様コード": "123456789012", "ご依頼主名称１": "かご屋", "品名１": "静岡県産 深蒸し煎茶 100g", "品名５": "ほか3点",
		"出荷個数": "1", "スピード指定": "000", "クール便指定": "001", "配達日": "20261209", "配達指定時間帯": "19", "代引金額": "4902",
		"消費税": "402", "元着区分": "1", "出荷日": "20261205", "お問い合せ送り状No.": "123456789013"} {
		if got := column(t, rows, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if ok, _ := documents.WriteLabels(&buf, "seino", nil, s, orderedAt); ok {
		t.Error("an unknown format was written")
	}
}

func TestKeepDigitsAndText(t *testing.T) {
	for in, want := range map[string]string{"0312345678": `="0312345678"`, "060-0001": `="060-0001"`, "": "",
		"=SUM(A1)": "'=SUM(A1)", "+81 3": "'+81 3", "山田": "山田"} {
		if got := documents.KeepDigits(in); got != want {
			t.Errorf("KeepDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

// Label files can be written again and again (the header is never changed
// in place), and romaji addresses keep their separators.
func TestLabelsTwiceAndRomaji(t *testing.T) {
	o := giftOrder()
	o.Destination.Address.Prefecture, o.Destination.Address.City, o.Destination.Address.Address1 = "東京都", "Shibuya-ku", "Jingumae 1-2-3"
	for _, format := range []string{documents.LabelYamato, documents.LabelSagawa} {
		var first []byte
		for i := range 2 {
			var buf bytes.Buffer
			if ok, err := documents.WriteLabels(&buf, format, []documents.Order{o}, documents.Sender{Name: "かご屋"}, orderedAt); !ok || err != nil {
				t.Fatalf("%s, write %d: %v %v", format, i+1, ok, err)
			}
			if i == 0 {
				first = buf.Bytes()
			} else if !bytes.Equal(first, buf.Bytes()) {
				t.Fatalf("%s: the second file differs from the first", format)
			}
		}
		rows := readShiftJIS(t, first)
		joined := strings.Join(rows[1], "|")
		if strings.Contains(joined, "東京都Shibuya") || strings.Contains(joined, "Shibuya-kuJingumae") {
			t.Errorf("%s glues a romaji address: %s", format, joined)
		}
	}
}
