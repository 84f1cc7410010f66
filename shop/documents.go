package shop

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"kago/documents"
	"kago/jp"
	"kago/model"
	"kago/store"
)

// Documents and CSV files of orders (受注管理 → 帳票出力, 送り状データ,
// 受注データCSV): shop reads the orders and works out their words;
// package documents lays them out.

// MaxSelection is how many orders one document or label file may take:
// a page of 受注一覧 and then some.
const MaxSelection = 100

// Messages for a selection from 受注一覧.
const (
	msgSelectNone = "注文が選ばれていません。受注一覧で注文にチェックを入れてから、もう一度お試しください。"
	msgSelectMany = "一度に選べる注文は100件までです。"
	msgSelectBad  = "注文の指定が正しくありません。受注一覧を再読み込みしてから、もう一度お試しください。"
)

// ParseSelection reads the order IDs ticked in 受注一覧 (or the one order of
// 受注明細), each once, in the order given.
func ParseSelection(raw []string) ([]int64, error) {
	var ids []int64
	seen := map[int64]bool{}
	for _, r := range raw {
		id, err := strconv.ParseInt(strings.TrimSpace(r), 10, 64)
		if err != nil || id <= 0 {
			return nil, Invalid(msgSelectBad)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return nil, Invalid(msgSelectNone)
	case len(ids) > MaxSelection:
		return nil, Invalid(msgSelectMany)
	}
	return ids, nil
}

// documentOrder is an order with the words and facts its papers print.
func (s *Shop) documentOrder(ctx context.Context, o store.Order, st Settings, amazon map[int64]store.AmazonPayment) (documents.Order, error) {
	d := documents.Order{Order: o, PaymentMethod: PaymentMethodLabel(o.PaymentMethod), PaymentStatus: PaymentStatusLabel(o.PaymentStatus),
		Status: OrderStatusLabel(o.Status), DeliveryMethod: DeliveryMethodLabel(o.DeliveryMethod), PreferredDelivery: PreferredDelivery(o),
		CardPayment: o.PaymentMethod == PayAmazon, CashOnDelivery: o.PaymentMethod == PayCOD}
	if o.PaymentMethod == PayBank {
		d.TransferDeadline = TransferDeadline(o, st)
	}
	if p, ok := amazon[o.ID]; ok {
		d.AmazonReference = p.ChargePermissionID
	}
	sh, ok, err := s.OrderShipment(ctx, o.ID)
	if err != nil {
		return d, err
	}
	if ok {
		d.Shipment, d.Carrier, d.Tracking = sh, CarrierLabel(sh.Carrier), FormatTracking(sh.TrackingNumber)
	}
	return d, nil
}

// selectedOrders reads the selected orders in the order given.
func (s *Shop) selectedOrders(ctx context.Context, ids []int64) ([]documents.Order, Settings, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, st, err
	}
	amazon, err := s.db.AmazonPaymentsOf(ctx, ids)
	if err != nil {
		return nil, st, err
	}
	out := make([]documents.Order, 0, len(ids))
	for _, id := range ids {
		o, err := s.db.Order(ctx, id)
		if err != nil {
			return nil, st, err
		}
		d, err := s.documentOrder(ctx, o, st, amazon)
		if err != nil {
			return nil, st, err
		}
		out = append(out, d)
	}
	return out, st, nil
}

// issuer is the shop as its documents name it.
func (s *Shop) issuer(st Settings) documents.Issuer {
	st = s.withShopURL(st)
	return documents.Issuer{Name: st.ShopName, PostalCode: st.PostalCode, Address: st.Address, Phone: st.Phone,
		Email: st.replyAddress(), URL: st.URL, InvoiceNumber: st.InvoiceNumber, BankDetails: st.BankDetails}
}

// Unissued is an order of a selection that got no document, and why.
type Unissued struct {
	Number int64  // 注文番号
	Reason string // in words, e.g. 入金が確認されていません（入金待ち）
}

// ReceiptRefusal says why an order gets no 領収書: a receipt states that
// the money was received (「上記の金額、正に領収いたしました」), so it is
// issued only for a bank transfer marked 入金済み, a 代金引換 order the
// carrier delivered (受注完了) and an Amazon Pay order whose payment is
// captured (the ledger's payment status); never for a canceled order.
// Empty when a receipt may be issued.
func ReceiptRefusal(o store.Order) string {
	switch {
	case o.Status == store.OrderCanceled:
		return "キャンセルされた注文です"
	case o.PaymentMethod == PayBank && o.PaymentStatus != PaymentPaid:
		return "入金が確認されていません（" + PaymentStatusLabel(o.PaymentStatus) + "）"
	case o.PaymentMethod == PayCOD && o.Status != store.OrderCompleted:
		return "代金引換の代金をまだ受け取っていません（受注完了になると発行できます）"
	case o.PaymentMethod == PayAmazon && o.PaymentStatus != model.StateCaptured:
		return "Amazon Payの売上が確定していません（" + PaymentStatusLabel(o.PaymentStatus) + "）"
	case o.PaymentMethod != PayBank && o.PaymentMethod != PayCOD && o.PaymentMethod != PayAmazon:
		return "代金の受け取りを確認できません"
	}
	return ""
}

// Documents builds one document of kind per selected order, issued now.
// A 領収書 is built only for the orders whose money was received
// (ReceiptRefusal); the others come back as unissued, and when none is
// left the answer is an InputError naming them. ErrNotFound for an
// unknown kind or order.
func (s *Shop) Documents(ctx context.Context, kind string, ids []int64) ([]documents.Doc, []Unissued, error) {
	if _, ok := documents.Title(kind); !ok {
		return nil, nil, ErrNotFound
	}
	orders, st, err := s.selectedOrders(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	now, is := s.db.Now(), s.issuer(st)
	docs := make([]documents.Doc, 0, len(orders))
	var unissued []Unissued
	for _, o := range orders {
		if kind == documents.KindReceipt {
			if why := ReceiptRefusal(o.Order); why != "" {
				unissued = append(unissued, Unissued{Number: o.Number, Reason: why})
				continue
			}
		}
		d, _ := documents.Build(kind, o, is, now)
		docs = append(docs, d)
	}
	if len(docs) == 0 {
		msg := "領収書は代金を受け取った注文にだけ発行できます。"
		for _, u := range unissued {
			msg += "注文番号 " + strconv.FormatInt(u.Number, 10) + "：" + u.Reason + "。"
		}
		return nil, unissued, Invalid(msg)
	}
	return docs, unissued, nil
}

// WriteLabels writes the label CSV of a carrier's format for the selected
// orders, to be shipped today. ErrNotFound for an unknown format or order.
func (s *Shop) WriteLabels(ctx context.Context, format string, ids []int64, w io.Writer) error {
	if !knownLabelFormat(format) {
		return ErrNotFound
	}
	orders, st, err := s.selectedOrders(ctx, ids)
	if err != nil {
		return err
	}
	sender := documents.Sender{Name: st.ShopName, Phone: st.Phone, PostalCode: st.PostalCode, Address: st.Address,
		YamatoBillingCode: st.YamatoBillingCode, YamatoFreightCode: st.YamatoFreightCode, SagawaCustomerCode: st.SagawaCustomerCode}
	_, err = documents.WriteLabels(w, format, orders, sender, s.db.Now())
	return err
}

func knownLabelFormat(format string) bool {
	for _, f := range documents.LabelFormats {
		if f.Format == format {
			return true
		}
	}
	return false
}

// OrdersCSVFilename names an export made at t: orders_20250401-103000.csv
// in Japan time.
func OrdersCSVFilename(t time.Time) string {
	return "orders_" + t.In(jp.Tokyo).Format("20060102-150405") + ".csv"
}

// ExportOrdersCSV writes every order of a search as the order export (one
// row per product line, newest order first). Rows are written as they are
// read, never all held at once.
func (s *Shop) ExportOrdersCSV(ctx context.Context, f store.OrderFilter, w io.Writer) error {
	st, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	out, err := documents.NewOrderCSV(w)
	if err != nil {
		return err
	}
	err = s.db.EachOrder(ctx, f, func(o store.Order) error {
		var amazon map[int64]store.AmazonPayment
		if o.PaymentMethod == PayAmazon {
			if amazon, err = s.db.AmazonPaymentsOf(ctx, []int64{o.ID}); err != nil {
				return err
			}
		}
		d, err := s.documentOrder(ctx, o, st, amazon)
		if err != nil {
			return err
		}
		band, ok := DeliveryTimeLabel(o.DeliveryTime)
		if !ok || o.DeliveryTime == "" {
			band = o.DeliveryTime
		}
		return out.Write(d, band)
	})
	if err != nil {
		return err
	}
	return out.Flush()
}
