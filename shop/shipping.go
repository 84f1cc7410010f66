package shop

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"kago/mail"
	"kago/model"
	"kago/store"
)

// Carriers and their tracking numbers (送り状番号) on 受注明細, used by the
// shipping mail and the label CSVs.

// Carrier is a carrier as the merchant picks it.
type Carrier struct {
	Code, Label string
	// trackURL is the carrier's tracking page with the number appended;
	// empty when the shop cannot link to one.
	trackURL string
}

// Carriers lists the carriers in the order the form offers them.
var Carriers = []Carrier{
	{model.CarrierYamato, "ヤマト運輸", "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01="},
	{model.CarrierSagawa, "佐川急便", "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo="},
	{model.CarrierJapanPost, "日本郵便", "https://trackings.post.japanpost.jp/services/srv/search/direct?locale=ja&reqCodeNo1="},
	{model.CarrierOther, "その他", ""},
}

// CarrierByCode finds a carrier; ok is false for an unknown code.
func CarrierByCode(code string) (Carrier, bool) {
	for _, c := range Carriers {
		if c.Code == code {
			return c, true
		}
	}
	return Carrier{}, false
}

// CarrierLabel names a carrier, or returns the code when it is unknown.
func CarrierLabel(code string) string {
	if c, ok := CarrierByCode(code); ok {
		return c.Label
	}
	return code
}

// TrackingURL is the carrier's page for a tracking number, or "" when the
// carrier has none the shop knows.
func TrackingURL(carrier, number string) string {
	c, ok := CarrierByCode(carrier)
	if !ok || c.trackURL == "" || number == "" {
		return ""
	}
	return c.trackURL + url.QueryEscape(number)
}

const maxOtherTracking = 30

// NormalizeTracking checks a tracking number typed for a carrier and returns
// it as stored. ヤマト運輸, 佐川急便 and 日本郵便 (ゆうパック) number their
// parcels with 12 digits whose last is the first eleven modulo 7; hyphens,
// spaces and full-width digits are taken. その他 takes up to 30 letters,
// digits and hyphens. The message names what is wrong.
func NormalizeTracking(carrier, raw string) (string, error) {
	c, ok := CarrierByCode(carrier)
	if !ok {
		return "", &InputError{Fields: map[string]string{"carrier": "配送業者を選んでください。"}}
	}
	s := strings.TrimSpace(toHalfWidth(raw))
	bad := func(msg string) error { return &InputError{Fields: map[string]string{"tracking_number": msg}} }
	if s == "" {
		return "", bad("送り状番号を入力してください。")
	}
	if c.Code == model.CarrierOther {
		if utf8.RuneCountInString(s) > maxOtherTracking {
			return "", bad("送り状番号は30文字以内で入力してください。")
		}
		for _, r := range s {
			if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-') {
				return "", bad("送り状番号は半角の英数字とハイフンで入力してください。")
			}
		}
		return s, nil
	}
	digits := strings.NewReplacer("-", "", " ", "").Replace(s)
	if len(digits) != 12 || !digitsOnly(digits) {
		return "", bad(c.Label + "の送り状番号は12桁の数字で入力してください（例：1234-5678-9012）。")
	}
	head, _ := strconv.ParseInt(digits[:11], 10, 64)
	if strconv.FormatInt(head%7, 10) != digits[11:] {
		return "", bad("送り状番号の数字が正しくありません。伝票の番号をもう一度ご確認ください。")
	}
	return digits, nil
}

// FormatTracking groups a 12-digit number the way labels print it:
// 1234-5678-9012; other numbers are returned as stored.
func FormatTracking(number string) string {
	if len(number) == 12 && digitsOnly(number) {
		return number[:4] + "-" + number[4:8] + "-" + number[8:]
	}
	return number
}

// OrderShipment returns an order's parcel; ok is false when it has none yet.
func (s *Shop) OrderShipment(ctx context.Context, orderID int64) (model.Shipment, bool, error) {
	sh, err := s.db.Shipment(ctx, orderID)
	if errors.Is(err, store.ErrNotFound) {
		return sh, false, nil
	}
	return sh, err == nil, err
}

// SetShipment records an order's carrier and tracking number, with a
// history row, whatever the order's status (a number can be corrected after
// shipping too).
func (s *Shop) SetShipment(ctx context.Context, orderID int64, carrier, tracking, actor string) error {
	number, err := NormalizeTracking(carrier, tracking)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Order(orderID); err != nil {
			return err
		}
		return putShipment(tx, orderID, carrier, number, actor)
	})
}

func putShipment(tx *store.Tx, orderID int64, carrier, number, actor string) error {
	old, err := tx.Shipment(orderID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err == nil && old.Carrier == carrier && old.TrackingNumber == number {
		return nil
	}
	if err := tx.PutShipment(model.Shipment{OrderID: orderID, Carrier: carrier, TrackingNumber: number}); err != nil {
		return err
	}
	return tx.AddOrderHistory(orderID, actor, "送り状番号", CarrierLabel(carrier)+" "+FormatTracking(number))
}

// StatusChange is a change of an order's status as the status dialog sends
// it: 発送済みにする may carry the parcel and send the shipping mail,
// キャンセル may send キャンセルのお知らせ.
type StatusChange struct {
	From, To string
	// Carrier and Tracking record the parcel with 発送済み; both empty
	// leave what the order has.
	Carrier, Tracking string
	// Mail sends the change's mail to the buyer: 配送通知メール for
	// 発送済み, キャンセルのお知らせ for キャンセル.
	Mail bool
	// Payment is the Amazon Pay operation that goes with a cancel (the
	// CancelOffer's Op: refund, cancel or close; "" for none), on the
	// charge PaymentCharge, from the page's payment version (ChangeStatus).
	Payment, PaymentCharge, PaymentVersion string
}

// mailKind is the mail a change sends when asked to: 配送通知メール for
// 発送済み, キャンセルのお知らせ for キャンセル, none for the others.
func (ch StatusChange) mailKind() string {
	switch ch.To {
	case store.OrderShipped:
		return mail.KindShipping
	case store.OrderCanceled:
		return mail.KindCancel
	}
	return ""
}

// WritesMail says the change sends a mail to the buyer.
func (ch StatusChange) WritesMail() bool { return ch.Mail && ch.mailKind() != "" }

// check normalises the parcel of a shipping change. A tracking number goes
// only with 発送済み.
func (ch *StatusChange) check() error {
	if ch.Tracking == "" && ch.Carrier == "" {
		return nil
	}
	if ch.To != store.OrderShipped {
		return Invalid("送り状番号は「発送済みにする」とき、または送り状番号の欄で登録してください。")
	}
	if strings.TrimSpace(ch.Tracking) == "" {
		// A carrier picked in the dialog with no number records nothing.
		ch.Carrier = ""
		return nil
	}
	number, err := NormalizeTracking(ch.Carrier, ch.Tracking)
	ch.Tracking = number
	return err
}

// afterStatusChange writes the parcel and the mail of a status change in
// its transaction; o is the order as it was before the change.
func (s *Shop) afterStatusChange(tx *store.Tx, o store.Order, ch StatusChange, actor string) error {
	if ch.Tracking != "" {
		if err := putShipment(tx, o.ID, ch.Carrier, ch.Tracking, actor); err != nil {
			return err
		}
	}
	if !ch.WritesMail() {
		return nil
	}
	kv, err := tx.Settings()
	if err != nil {
		return err
	}
	o.Status = ch.To
	return s.enqueueOrderMail(tx, ch.mailKind(), o, settingsFrom(kv), actor)
}
