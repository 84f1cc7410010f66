package shop

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kago/model"
	"kago/store"
)

// The merchant's side of orders: the list with its tabs and search, the CSV
// export, the detail, and the changes a merchant makes (受注ステータス変更,
// 入金チェック). Every change writes its history row in the same transaction.

// orderTZ is Japan time: 受注日 in a search and every time in the CSV.
var orderTZ = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*60*60)
	}
	return loc
}()

// OrderTab is one of the order list's tabs.
type OrderTab struct {
	Key      string
	Label    string
	Statuses []string
}

// OrderTabs are the tabs of the order list, as e-shops cart S names them:
// open orders, completed ones and canceled ones.
var OrderTabs = []OrderTab{
	{Key: "active", Label: "受注一覧", Statuses: []string{store.OrderNew, store.OrderShipped, store.OrderPending, store.OrderFailed}},
	{Key: "completed", Label: "受注完了一覧", Statuses: []string{store.OrderCompleted}},
	{Key: "canceled", Label: "受注キャンセル一覧", Statuses: []string{store.OrderCanceled}},
}

// PaymentMethods lists the payment methods in the order a form offers them.
var PaymentMethods = []string{PayBank, PayCOD, PayAmazon}

// OrderSearchInput is the order search as it arrives in the query string.
type OrderSearchInput struct {
	Tab, Number, Name, Email, From, To, Status, Payment string
	Paid                                                string // 入金状況: unpaid or paid
	Deadline                                            string // "near": Amazon Pay deadlines within DeadlineNear
	After, Before                                       string // page cursors
}

// OrderSearch is a checked search: the tab, the store filter and the page.
type OrderSearch struct {
	Tab    OrderTab
	Filter store.OrderFilter
	Cursor store.OrderCursor
}

const (
	maxSearchName  = 50
	maxSearchEmail = 254
)

// ParseOrderSearch checks a search. Fields of the returned InputError are
// the query keys; the tab falls back to 受注一覧 even when the rest is wrong,
// so the page can still show its tabs.
func ParseOrderSearch(in OrderSearchInput) (OrderSearch, error) {
	q := OrderSearch{Tab: OrderTabs[0]}
	fields := map[string]string{}
	if in.Tab != "" {
		i := slices.IndexFunc(OrderTabs, func(t OrderTab) bool { return t.Key == in.Tab })
		if i < 0 {
			fields["tab"] = "一覧の指定が正しくありません。"
		} else {
			q.Tab = OrderTabs[i]
		}
	}
	q.Filter.Statuses = q.Tab.Statuses
	if s := strings.TrimSpace(toHalfWidthDigits(in.Number)); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			fields["number"] = "注文番号は半角数字で入力してください。"
		}
		q.Filter.Number = n
	}
	q.Filter.NamePrefix = NormalizeSearchName(in.Name)
	if utf8.RuneCountInString(q.Filter.NamePrefix) > maxSearchName {
		fields["name"] = "お名前は50文字以内で入力してください。"
	}
	q.Filter.Email = strings.TrimSpace(in.Email)
	if len(q.Filter.Email) > maxSearchEmail {
		fields["email"] = "メールアドレスが長すぎます。"
	}
	var from, to time.Time
	var err error
	if from, err = parseJapanDate(in.From); err != nil {
		fields["from"] = "受注日（開始）は 2025-04-01 のように年-月-日で入力してください。"
	}
	if to, err = parseJapanDate(in.To); err != nil {
		fields["to"] = "受注日（終了）は 2025-04-30 のように年-月-日で入力してください。"
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		fields["to"] = "受注日（終了）は開始日と同じか、それより後の日付にしてください。"
	}
	q.Filter.From = from
	if !to.IsZero() {
		q.Filter.Until = to.AddDate(0, 0, 1) // the whole of the last day, in Japan
	}
	if in.Status != "" {
		if !slices.Contains(q.Tab.Statuses, in.Status) {
			fields["status"] = "この一覧では選べない受注ステータスです。"
		} else {
			q.Filter.Statuses = []string{in.Status}
		}
	}
	if in.Payment != "" {
		if !slices.Contains(PaymentMethods, in.Payment) {
			fields["payment"] = "お支払い方法の指定が正しくありません。"
		}
		q.Filter.PaymentMethod = in.Payment
	}
	if in.Paid != "" {
		if in.Paid != PaymentUnpaid && in.Paid != PaymentPaid {
			fields["paid"] = "入金状況の指定が正しくありません。"
		}
		q.Filter.PaymentStatus = in.Paid
	}
	switch in.Deadline {
	case "":
	case "near":
		q.Filter.DeadlineWithin = DeadlineNear
	default:
		fields["deadline"] = "期限の指定が正しくありません。"
	}
	q.Cursor.After, err = parseCursor(in.After)
	if err == nil {
		q.Cursor.Before, err = parseCursor(in.Before)
	}
	if err != nil || (q.Cursor.After > 0 && q.Cursor.Before > 0) {
		fields["page"] = "ページの指定が正しくありません。最初のページから表示し直してください。"
		q.Cursor = store.OrderCursor{}
	}
	if len(fields) > 0 {
		return q, &InputError{Fields: fields}
	}
	return q, nil
}

// NormalizeSearchName makes a typed name look like the stored buyer_name
// ("山田 太郎"): trimmed, full-width spaces made half-width, runs of spaces
// made one. A search matches names that start with it (前方一致).
func NormalizeSearchName(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "　", " ")), " ")
}

// parseJapanDate reads YYYY-MM-DD (or YYYY/MM/DD) as the start of that day
// in Japan, in UTC; empty is the zero time.
func parseJapanDate(s string) (time.Time, error) {
	s = strings.ReplaceAll(strings.TrimSpace(toHalfWidthDigits(s)), "/", "-")
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, orderTZ)
	if err != nil || t.Year() < 2000 || t.Year() > 2999 {
		return time.Time{}, errors.New("bad date")
	}
	return t.UTC(), nil
}

func parseCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("bad cursor")
	}
	return n, nil
}

// OrdersPerPage is the length of a page of the order list.
const OrdersPerPage = 50

// SearchOrders lists one page of a search.
func (s *Shop) SearchOrders(ctx context.Context, q OrderSearch) (store.OrderPage, error) {
	return s.db.SearchOrders(ctx, q.Filter, q.Cursor, OrdersPerPage)
}

// ErrOrderChanged is a change that lost a race with another one.
var ErrOrderChanged = Invalid("他の操作で状態が変わりました。画面を再読み込みしてください。")

// orderTransitions are the status changes a merchant may make: 新規受付 →
// 発送済み → 受注完了, and キャンセル from either of the first two.
var orderTransitions = map[string][]string{
	store.OrderNew:     {store.OrderShipped, store.OrderCanceled},
	store.OrderShipped: {store.OrderCompleted, store.OrderCanceled},
	// A failed payment's order can be put away; its stock is already back.
	store.OrderFailed: {store.OrderCanceled},
}

// NextOrderStatuses lists where an order in status may go.
func NextOrderStatuses(status string) []string { return orderTransitions[status] }

// OrderDetail is everything 受注明細 shows.
type OrderDetail struct {
	Order        store.Order
	History      []store.HistoryEntry
	Mails        []store.Mail
	NextStatuses []string
	// PaymentCheck says the order takes 入金チェック (a bank transfer in an
	// open order).
	PaymentCheck bool
	// Amazon is the Amazon Pay side of the order, if it was paid so.
	Amazon *store.AmazonPayment
	// Payment is its Amazon Pay ledger, operations and timeline, once
	// completed at Amazon.
	Payment *PaymentPanel
	// Events are the order's changes recorded as events, oldest first.
	Events []model.Event
	// Shipment is the order's parcel, once it has a tracking number.
	Shipment *model.Shipment
}

// OrderDetail reads an order with its history and mails.
func (s *Shop) OrderDetail(ctx context.Context, id int64) (OrderDetail, error) {
	o, err := s.db.Order(ctx, id)
	if err != nil {
		return OrderDetail{}, err
	}
	d := OrderDetail{Order: o, NextStatuses: NextOrderStatuses(o.Status), PaymentCheck: paymentCheckable(o)}
	if d.History, err = s.db.OrderHistory(ctx, id); err != nil {
		return d, err
	}
	if d.Mails, err = s.db.OrderMails(ctx, id); err != nil {
		return d, err
	}
	if d.Events, err = s.db.Events(ctx, id); err != nil {
		return d, err
	}
	if o.PaymentMethod == PayAmazon {
		p, err := s.db.AmazonPayment(ctx, id)
		if err != nil {
			return d, err
		}
		d.Amazon = &p
		if d.Payment, err = s.AmazonPay.Panel(ctx, o, p); err != nil {
			return d, err
		}
	}
	if sh, ok, err := s.OrderShipment(ctx, id); err != nil {
		return d, err
	} else if ok {
		d.Shipment = &sh
	}
	return d, nil
}

// AmazonReferences gives the Amazon Pay side of the orders of a list page.
func (s *Shop) AmazonReferences(ctx context.Context, orders []int64) (map[int64]store.AmazonPayment, error) {
	return s.db.AmazonPaymentsOf(ctx, orders)
}

func paymentCheckable(o store.Order) bool {
	return o.PaymentMethod == PayBank && (o.Status == store.OrderNew || o.Status == store.OrderShipped)
}

// ChangeOrderStatus moves an order to another status if the rules allow it
// from the status it has now.
func (s *Shop) ChangeOrderStatus(ctx context.Context, orderID int64, to, actor string) error {
	return s.ChangeOrderStatusFrom(ctx, orderID, StatusChange{To: to}, actor)
}

// ChangeOrderStatusFrom moves an order from the status the merchant saw
// (ch.From; empty for whatever it is now) to ch.To. A cancel puts every
// line's quantity back in stock, in the same transaction as the change and
// its history row, so two cancels can never return stock twice. The
// change's parcel and mail (StatusChange) are written in that transaction
// too. ErrOrderChanged when the order is no longer in ch.From.
func (s *Shop) ChangeOrderStatusFrom(ctx context.Context, orderID int64, ch StatusChange, actor string) error {
	from, to := ch.From, ch.To
	if !slices.Contains([]string{store.OrderNew, store.OrderShipped, store.OrderCompleted, store.OrderCanceled}, to) {
		return Invalid("変更後の受注ステータスを選んでください。")
	}
	if err := ch.check(); err != nil {
		return err
	}
	return s.record(ctx, orderID, AdminActor(actor), func(r *recorder) error {
		o, err := r.tx.Order(orderID)
		if err != nil {
			return err
		}
		if (from != "" && o.Status != from) || o.Status == to {
			return ErrOrderChanged
		}
		if !slices.Contains(orderTransitions[o.Status], to) {
			return Invalid("「" + OrderStatusLabel(o.Status) + "」から「" + OrderStatusLabel(to) + "」には変更できません。")
		}
		var items []model.EventItem
		if to == store.OrderCanceled && o.Status != store.OrderFailed {
			if items, err = r.returnStock(o); err != nil {
				return err
			}
		}
		if err := r.orderStatus(o, to, items); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return ErrOrderChanged
			}
			return err
		}
		if to == store.OrderCanceled && o.Status != store.OrderFailed {
			if err := s.Members.ReturnOrderBenefits(r.tx, o.ID); err != nil {
				return err
			}
		}
		if to == store.OrderCompleted {
			if err := s.Members.OrderFulfilled(r.tx, o.ID); err != nil {
				return err
			}
		}
		return s.afterStatusChange(r.tx, o, ch, actor)
	})
}

// ChangeStatus makes a status change from 受注明細, running its Amazon Pay
// operation first (ch.Payment, the CancelOffer's Op): the order is
// canceled only when Amazon took the operation. It returns the
// operation's message ("" without one).
func (s *Shop) ChangeStatus(ctx context.Context, orderID int64, ch StatusChange, actor string) (string, error) {
	msg := ""
	if ch.Payment != "" {
		if ch.To != store.OrderCanceled {
			return "", Invalid("Amazon Payの操作を選べるのはキャンセルのときだけです。")
		}
		// The status is checked before Amazon is asked, so the money never
		// goes back for a cancel that cannot happen.
		o, err := s.db.Order(ctx, orderID)
		if err != nil {
			return "", err
		}
		if o.Status != ch.From {
			return "", ErrOrderChanged
		}
		if !slices.Contains(orderTransitions[o.Status], ch.To) {
			return "", Invalid("「" + OrderStatusLabel(o.Status) + "」から「" + OrderStatusLabel(ch.To) + "」には変更できません。")
		}
		msg, err = s.AmazonPay.Run(ctx, OperationInput{OrderID: orderID, Op: ch.Payment, ChargeID: ch.PaymentCharge, FullRefund: true,
			Version: ch.PaymentVersion, Actor: AdminActor(actor)})
		if err != nil {
			return "", err
		}
	}
	return msg, s.ChangeOrderStatusFrom(ctx, orderID, ch, actor)
}

// MarkPaid records that a bank transfer arrived (入金チェック).
func (s *Shop) MarkPaid(ctx context.Context, orderID int64, actor string) error {
	return s.setPaid(ctx, orderID, PaymentUnpaid, PaymentPaid, actor)
}

// MarkUnpaid takes a 入金チェック back.
func (s *Shop) MarkUnpaid(ctx context.Context, orderID int64, actor string) error {
	return s.setPaid(ctx, orderID, PaymentPaid, PaymentUnpaid, actor)
}

func (s *Shop) setPaid(ctx context.Context, orderID int64, from, to, actor string) error {
	return s.record(ctx, orderID, AdminActor(actor), func(r *recorder) error {
		o, err := r.tx.Order(orderID)
		if err != nil {
			return err
		}
		if !paymentCheckable(o) {
			return Invalid("この注文は入金チェックの対象ではありません（銀行振込で、受注完了・キャンセル前の注文のみ）。")
		}
		if o.PaymentStatus != from {
			return ErrOrderChanged
		}
		return r.paymentCheck(o, from, to)
	})
}
