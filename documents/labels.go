package documents

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/width"

	"kago/jp"
	"kago/model"
	"kago/store"
)

// 送り状データ: the label software of the carriers reads CSV in Shift_JIS
// with CRLF line ends, a title row and the columns in a fixed order. The
// layouts are ヤマト運輸 B2クラウド's 送り状発行データ (外部データ取込, 42
// columns) and 佐川急便 e飛伝's お届け先・出荷データ (74 columns).

// Label formats.
const (
	LabelYamato = "yamato" // ヤマト運輸 B2クラウド
	LabelSagawa = "sagawa" // 佐川急便 e飛伝
)

// LabelFormats lists the formats with their names, as the admin offers them.
var LabelFormats = []struct{ Format, Name string }{
	{LabelYamato, "ヤマト運輸 B2クラウド"}, {LabelSagawa, "佐川急便 e飛伝"},
}

// LabelFilename names a label file made at t: yamato_b2_20261205-1030.csv.
func LabelFilename(format string, t time.Time) string {
	name := "yamato_b2_"
	if format == LabelSagawa {
		name = "sagawa_ehiden_"
	}
	return name + t.In(jp.Tokyo).Format("20060102-1504") + ".csv"
}

// Sender is the shop as the label prints it (ご依頼主), with its accounts at
// the carriers.
type Sender struct {
	Name, Phone, PostalCode, Address string
	YamatoBillingCode                string // ご請求先顧客コード
	YamatoFreightCode                string // 運賃管理番号
	SagawaCustomerCode               string // お客様コード
}

var yamatoHeader = []string{"お客様管理番号", "送り状種別", "クール区分", "伝票番号", "出荷予定日", "お届け予定（指定）日", "配達時間帯",
	"お届け先コード", "お届け先電話番号", "お届け先電話番号枝番", "お届け先郵便番号", "お届け先住所", "お届け先住所（アパートマンション名）",
	"お届け先会社・部門名１", "お届け先会社・部門名２", "お届け先名", "お届け先名略称カナ", "敬称",
	"ご依頼主コード", "ご依頼主電話番号", "ご依頼主電話番号枝番", "ご依頼主郵便番号", "ご依頼主住所", "ご依頼主住所（アパートマンション名）",
	"ご依頼主名", "ご依頼主略称カナ", "品名コード１", "品名１", "品名コード２", "品名２", "荷扱い１", "荷扱い２", "記事",
	"コレクト代金引換額（税込）", "コレクト内消費税額等", "営業所止置き", "営業所コード", "発行枚数", "個数口枠の印字",
	"ご請求先顧客コード", "ご請求先分類コード", "運賃管理番号"}

var sagawaHeader = []string{"お届け先コード取得区分", "お届け先コード", "お届け先電話番号", "お届け先郵便番号",
	"お届け先住所１", "お届け先住所２", "お届け先住所３", "お届け先名称１", "お届け先名称２", "お客様管理番号", "お客様コード",
	"部署ご担当者コード取得区分", "部署ご担当者コード", "部署ご担当者名称", "荷送人電話番号", "ご依頼主コード取得区分", "ご依頼主コード",
	"ご依頼主電話番号", "ご依頼主郵便番号", "ご依頼主住所１", "ご依頼主住所２", "ご依頼主名称１", "ご依頼主名称２",
	"荷姿", "品名１", "品名２", "品名３", "品名４", "品名５", "荷札荷姿", "荷札品名１", "荷札品名２", "荷札品名３", "荷札品名４", "荷札品名５",
	"荷札品名６", "荷札品名７", "荷札品名８", "荷札品名９", "荷札品名１０", "荷札品名１１", "出荷個数", "スピード指定", "クール便指定",
	"配達日", "配達指定時間帯", "配達指定時間（時分）", "代引金額", "消費税", "決済種別", "保険金額", "指定シール１", "指定シール２", "指定シール３",
	"営業所受取", "SRC区分", "営業所受取営業所コード", "元着区分", "メールアドレス", "ご不在時連絡先", "出荷日", "お問い合せ送り状No.",
	"出荷場印字区分", "集約解除指定", "編集０１", "編集０２", "編集０３", "編集０４", "編集０５", "編集０６", "編集０７", "編集０８", "編集０９", "編集１０"}

// Time bands (shop.DeliveryTimes codes) in each carrier's codes.
var (
	yamatoTimes = map[string]string{"am": "0812", "14-16": "1416", "16-18": "1618", "18-20": "1820", "19-21": "1921"}
	sagawaTimes = map[string]string{"am": "01", "14-16": "14", "16-18": "16", "18-20": "18", "19-21": "19"}
)

// Field sizes in Shift_JIS bytes where the layouts cut text the shop writes
// itself (product names); what a shopper typed goes as typed, and the
// label software points out what it cannot print.
const (
	yamatoItemBytes = 50 // 品名: 全角25文字
	sagawaItemBytes = 32 // 品名: 全角16文字
)

// WriteLabels writes the label CSV of format for the orders, to be shipped
// on shipOn, in Shift_JIS. A character Shift_JIS lacks is written as 〓 (the
// label software cannot print it either). ok is false for an unknown format.
func WriteLabels(w io.Writer, format string, orders []Order, s Sender, shipOn time.Time) (bool, error) {
	var header []string
	var row func(Order) []string
	switch format {
	case LabelYamato:
		header, row = slices.Clone(yamatoHeader), func(o Order) []string { return yamatoRow(o, s, shipOn) }
	case LabelSagawa:
		header, row = slices.Clone(sagawaHeader), func(o Order) []string { return sagawaRow(o, s, shipOn) }
	default:
		return false, nil
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	for _, rec := range append([][]string{header}, rowsOf(orders, row)...) {
		for i := range rec {
			rec[i] = toShiftJIS(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return true, err
		}
	}
	cw.Flush()
	return true, cw.Error()
}

func rowsOf(orders []Order, row func(Order) []string) [][]string {
	out := make([][]string, len(orders))
	for i, o := range orders {
		out[i] = row(o)
	}
	return out
}

// recipient is where the parcel goes: the destination, or the buyer.
func recipient(o Order) store.Address {
	if o.Destination.SameAsBuyer {
		return o.Buyer
	}
	return o.Destination.Address
}

// cod is the amount the carrier collects and the tax in it; zero unless the
// order is paid on delivery.
func cod(o Order) (string, string) {
	if !o.CashOnDelivery {
		return "", ""
	}
	return yen(o.Total), yen(o.Tax10 + o.Tax8)
}

// itemNames are the product names for the label's 品名 fields, each cut to
// size: the first n-1 lines, then 「ほかN点」 when more do not fit.
func itemNames(o Order, n, size int) []string {
	out := make([]string, 0, n)
	for i, l := range o.Lines {
		if i == n-1 && len(o.Lines) > n {
			out = append(out, "ほか"+strconv.Itoa(len(o.Lines)-i)+"点")
			break
		}
		out = append(out, cutBytes(l.Name, size))
	}
	for len(out) < n {
		out = append(out, "")
	}
	return out
}

func yamatoRow(o Order, s Sender, shipOn time.Time) []string {
	r := recipient(o)
	amount, tax := cod(o)
	kind := "0" // 発払い
	if amount != "" {
		kind = "2" // コレクト (代金引換)
	}
	date := ""
	if t, ok := jp.ParseDay(o.DeliveryDate); ok {
		date = t.Format("2006/01/02")
	}
	tracking := ""
	if o.Shipment.Carrier == model.CarrierYamato {
		tracking = o.Shipment.TrackingNumber
	}
	items := itemNames(o, 2, yamatoItemBytes)
	kana := width.Narrow.String(strings.TrimSpace(r.FamilyKana + " " + r.GivenKana))
	return []string{strconv.FormatInt(o.Number, 10), kind, "0", tracking, shipOn.In(jp.Tokyo).Format("2006/01/02"), date,
		yamatoTimes[o.DeliveryTime], "", r.Phone, "", r.PostalCode, model.JoinAddress(r.Prefecture, r.City, r.Address1), r.Address2, "", "",
		r.FullName(), kana, "様", "", s.Phone, "", s.PostalCode, s.Address, "", s.Name, "",
		"", items[0], "", items[1], "", "", "注文番号" + strconv.FormatInt(o.Number, 10), amount, tax, "", "", "1", "",
		s.YamatoBillingCode, "", s.YamatoFreightCode}
}

func sagawaRow(o Order, s Sender, shipOn time.Time) []string {
	r := recipient(o)
	amount, tax := cod(o)
	date := ""
	if t, ok := jp.ParseDay(o.DeliveryDate); ok {
		date = t.Format("20060102")
	}
	tracking := ""
	if o.Shipment.Carrier == model.CarrierSagawa {
		tracking = o.Shipment.TrackingNumber
	}
	row := make([]string, len(sagawaHeader))
	set := func(name, v string) {
		for i, h := range sagawaHeader {
			if h == name {
				row[i] = v
				return
			}
		}
		panic("documents: no e飛伝 column " + name)
	}
	set("お届け先電話番号", r.Phone)
	set("お届け先郵便番号", r.PostalCode)
	set("お届け先住所１", model.JoinAddress(r.Prefecture, r.City))
	set("お届け先住所２", r.Address1)
	set("お届け先住所３", r.Address2)
	set("お届け先名称１", r.FullName())
	set("お客様管理番号", strconv.FormatInt(o.Number, 10))
	set("お客様コード", s.SagawaCustomerCode)
	set("ご依頼主電話番号", s.Phone)
	set("ご依頼主郵便番号", s.PostalCode)
	set("ご依頼主住所１", s.Address)
	set("ご依頼主名称１", s.Name)
	for i, name := range itemNames(o, 5, sagawaItemBytes) {
		set("品名"+string('１'+rune(i)), name)
	}
	set("出荷個数", "1")
	set("スピード指定", "000") // 飛脚宅配便
	set("クール便指定", "001") // 指定なし
	set("配達日", date)
	set("配達指定時間帯", sagawaTimes[o.DeliveryTime])
	set("代引金額", amount)
	set("消費税", tax)
	set("元着区分", "1") // 元払い
	set("出荷日", shipOn.In(jp.Tokyo).Format("20060102"))
	set("お問い合せ送り状No.", tracking)
	return row
}

// toShiftJIS encodes s, writing 〓 for each character Shift_JIS lacks.
func toShiftJIS(s string) string {
	sjis := japanese.ShiftJIS.NewEncoder() // an encoder is not safe for concurrent use
	if out, err := sjis.String(s); err == nil {
		return out
	}
	var b strings.Builder
	for _, r := range s {
		enc, err := sjis.String(string(r))
		if err != nil {
			enc, _ = sjis.String("〓")
		}
		b.WriteString(enc)
	}
	return b.String()
}

// cutBytes cuts s to at most n bytes of Shift_JIS (a full-width character
// takes two, a half-width one).
func cutBytes(s string, n int) string {
	used := 0
	for i, r := range s {
		size := 2
		if r < utf8.RuneSelf || (r >= 0xFF61 && r <= 0xFF9F) {
			size = 1
		}
		if used+size > n {
			return s[:i]
		}
		used += size
	}
	return s
}
