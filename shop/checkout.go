package shop

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"kago/store"
)

// Delivery methods (配送方法); 宅配便 is the one a small shop starts with.
const DeliveryTakkyubin = "takkyubin"

// DeliveryMethodLabel names a delivery method.
func DeliveryMethodLabel(m string) string {
	if m == DeliveryTakkyubin {
		return "宅配便"
	}
	return m
}

// DeliveryTime is a preferred delivery time band (お届け希望時間帯).
type DeliveryTime struct{ Code, Label string }

// DeliveryTimes are the bands carriers offer; the empty code is no preference.
var DeliveryTimes = []DeliveryTime{
	{"", "指定なし"}, {"am", "午前中"}, {"14-16", "14時〜16時"}, {"16-18", "16時〜18時"}, {"18-20", "18時〜20時"}, {"19-21", "19時〜21時"},
}

// DeliveryTimeLabel names a time band; ok is false for an unknown code.
func DeliveryTimeLabel(code string) (string, bool) {
	for _, t := range DeliveryTimes {
		if t.Code == code {
			return t.Label, true
		}
	}
	return "", false
}

// Preferred delivery dates run from the third to the fourteenth day after
// the order, in Japan time.
const (
	firstDeliveryDay = 3
	lastDeliveryDay  = 14
)

// Japan is the shop's time zone.
var Japan = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*60*60)
	}
	return loc
}()

// DeliveryDates are the dates a shopper may ask for, as YYYY-MM-DD.
func DeliveryDates(now time.Time) []string {
	today := now.In(Japan)
	out := make([]string, 0, lastDeliveryDay-firstDeliveryDay+1)
	for d := firstDeliveryDay; d <= lastDeliveryDay; d++ {
		out = append(out, today.AddDate(0, 0, d).Format(time.DateOnly))
	}
	return out
}

// Ship-to choices.
const (
	ShipToBuyer = "buyer" // 注文者住所へ届ける
	ShipToOther = "other" // 別の住所へ届ける
)

// CheckoutForm is what the shopper types on the order pages.
type CheckoutForm struct {
	Email          string        `json:"email"`
	Buyer          store.Address `json:"buyer"`
	ShipTo         string        `json:"ship_to"`
	Dest           store.Address `json:"dest"`
	DeliveryMethod string        `json:"delivery_method"`
	DeliveryDate   string        `json:"delivery_date"`
	DeliveryTime   string        `json:"delivery_time"`
	PaymentMethod  string        `json:"payment_method"`
	Notes          string        `json:"notes"`
	Agree          bool          `json:"agree"`
}

// Parts of the form, validated step by step in the three-step cart.
const (
	PartBuyer   = 1 << iota // buyer and destination (Step1)
	PartPayment             // delivery options, payment, notes, consent (Step2)
	PartAll     = PartBuyer | PartPayment
)

// Draft is a checkout in progress, kept server-side.
type Draft struct {
	ID        string       `json:"-"`
	CartToken string       `json:"-"`
	Form      CheckoutForm `json:"form"`
	// Amazon is set while the shopper pays with Amazon Pay: what came back
	// from the checkout session.
	Amazon *AmazonDraft `json:"amazon,omitempty"`
}

// Checkout messages.
const (
	msgCheckoutExpired = "ご注文手続きの有効期限が切れました。お手数ですが、カゴからもう一度お手続きください。"
	msgEmptyCart       = "カゴに商品が入っていません。"
	msgFixInput        = "入力内容に誤りがあります。赤字の項目をご確認ください。"
	msgTotalChanged    = "ご注文内容または金額が変更されました。内容をご確認のうえ、もう一度「注文する」を押してください。"
	msgStockShort      = "在庫が不足している商品があります。カゴの内容をご確認ください。"
)

// ErrEmptyCart is returned when there is nothing to order.
var ErrEmptyCart = Invalid(msgEmptyCart)

func newCheckoutID() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Draft returns the shopper's checkout draft, or a new one when id is
// unknown, belongs to another cart, or is empty.
func (s *Shop) Draft(ctx context.Context, id, cartToken string) (Draft, error) {
	if id != "" {
		c, err := s.db.Checkout(ctx, id)
		if err == nil && c.CartToken == cartToken {
			d := Draft{ID: c.ID, CartToken: c.CartToken}
			if err := json.Unmarshal(c.Data, &d); err != nil {
				return d, err
			}
			return d, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Draft{}, err
		}
	}
	d := Draft{ID: newCheckoutID(), CartToken: cartToken, Form: CheckoutForm{
		ShipTo: ShipToBuyer, DeliveryMethod: DeliveryTakkyubin, PaymentMethod: PayBank,
	}}
	// Saved at once: the Amazon Pay button's return URL names it.
	return d, s.SaveDraft(ctx, &d, 0)
}

// SaveDraft stores what the shopper typed for the given parts, validating
// them; the draft is saved even when invalid, so nothing typed is lost, and
// the InputError says which fields to fix.
func (s *Shop) SaveDraft(ctx context.Context, d *Draft, parts int) error {
	fields := validateDraft(d, parts, s.db.Now())
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		return tx.PutCheckout(store.Checkout{ID: d.ID, CartToken: d.CartToken, Data: data})
	})
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return &InputError{Message: msgFixInput, Fields: fields}
	}
	return nil
}

// ValidateDraft reports what is still missing or wrong in the draft.
func (s *Shop) ValidateDraft(d Draft, parts int) error {
	if fields := validateDraft(&d, parts, s.db.Now()); len(fields) > 0 {
		return &InputError{Message: msgFixInput, Fields: fields}
	}
	return nil
}

// validateDraft normalises the form in place and returns a message per bad
// field. With Amazon Pay the buyer's name is one field and has no furigana
// (Amazon gives one full name), and the address Amazon gave is fixed.
func validateDraft(d *Draft, parts int, now time.Time) map[string]string {
	f, amazon := &d.Form, d.Amazon
	fields := map[string]string{}
	if parts&PartBuyer != 0 {
		f.Email = strings.TrimSpace(toHalfWidth(f.Email))
		switch {
		case f.Email == "":
			fields["email"] = "メールアドレスを入力してください。"
		case !ValidEmail(f.Email):
			fields["email"] = "メールアドレスの形式が正しくありません（例：taro@example.jp）。"
		}
		validateAddress(&f.Buyer, "buyer_", amazon == nil, fields)
		switch {
		case amazon != nil && amazon.AddressFixed():
			f.ShipTo, f.Dest = ShipToOther, amazon.Address
			if amazon.AddressError != "" {
				fields["amazon_address"] = amazon.AddressError
			}
		case f.ShipTo == ShipToBuyer:
			f.Dest = store.Address{}
		case f.ShipTo == ShipToOther:
			validateAddress(&f.Dest, "dest_", false, fields)
		default:
			fields["ship_to"] = "お届け先を選んでください。"
		}
	}
	if parts&PartPayment != 0 {
		if f.DeliveryMethod != DeliveryTakkyubin {
			fields["delivery_method"] = "配送方法を選んでください。"
		}
		if f.DeliveryDate != "" {
			ok := false
			for _, d := range DeliveryDates(now) {
				ok = ok || d == f.DeliveryDate
			}
			if !ok {
				fields["delivery_date"] = fmt.Sprintf("お届け希望日は、ご注文日の%d日後から%d日後までの日付を選んでください。", firstDeliveryDay, lastDeliveryDay)
			}
		}
		if _, ok := DeliveryTimeLabel(f.DeliveryTime); !ok {
			fields["delivery_time"] = "お届け希望時間帯を選び直してください。"
		}
		switch {
		case amazon != nil:
			f.PaymentMethod = PayAmazon
		case f.PaymentMethod != PayBank && f.PaymentMethod != PayCOD:
			fields["payment_method"] = "お支払い方法を選んでください。"
		}
		f.Notes = strings.TrimSpace(f.Notes)
		if runeLen(f.Notes) > 1000 {
			fields["notes"] = "備考は1000文字以内で入力してください。"
		}
		if !f.Agree {
			fields["agree"] = "ご利用規約への同意が必要です。"
		}
	}
	return fields
}

// validateAddress checks one person-and-address block. The given name and
// kana are required only for a shop's own buyer form (not for a recipient,
// nor for a name that came from Amazon in one piece).
func validateAddress(a *store.Address, prefix string, fullForm bool, fields map[string]string) {
	kanaRequired := fullForm
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&a.FamilyName, &a.GivenName, &a.City, &a.Address1, &a.Address2} {
		trim(p)
	}
	if a.FamilyName == "" {
		fields[prefix+"family_name"] = "お名前（姓）を入力してください。"
	} else if runeLen(a.FamilyName) > 30 {
		fields[prefix+"family_name"] = "お名前（姓）は30文字以内で入力してください。"
	}
	if a.GivenName == "" && fullForm {
		fields[prefix+"given_name"] = "お名前（名）を入力してください。"
	} else if runeLen(a.GivenName) > 30 {
		fields[prefix+"given_name"] = "お名前（名）は30文字以内で入力してください。"
	}
	for _, k := range []struct {
		p     *string
		field string
	}{{&a.FamilyKana, "family_kana"}, {&a.GivenKana, "given_kana"}} {
		kana, ok := NormalizeKana(*k.p)
		switch {
		case ok && kana == "" && kanaRequired:
			fields[prefix+k.field] = "フリガナを入力してください。"
		case !ok || runeLen(kana) > 30:
			fields[prefix+k.field] = "フリガナは全角カタカナ30文字以内で入力してください。"
		default:
			*k.p = kana
		}
	}
	if phone, ok := NormalizePhone(a.Phone); ok {
		a.Phone = phone
	} else if strings.TrimSpace(a.Phone) == "" {
		fields[prefix+"phone"] = "電話番号を入力してください。"
	} else {
		fields[prefix+"phone"] = "電話番号は市外局番から10桁または11桁の数字で入力してください（例：03-1234-5678）。"
	}
	if pc, ok := NormalizePostalCode(a.PostalCode); ok {
		a.PostalCode = pc
	} else if strings.TrimSpace(a.PostalCode) == "" {
		fields[prefix+"postal_code"] = "郵便番号を入力してください。"
	} else {
		fields[prefix+"postal_code"] = "郵便番号は7桁の数字で入力してください（例：123-4567）。"
	}
	if _, ok := PrefectureByName(a.Prefecture); !ok {
		fields[prefix+"prefecture"] = "都道府県を選んでください。"
	}
	if a.City == "" {
		fields[prefix+"city"] = "市区町村を入力してください。"
	} else if runeLen(a.City) > 50 {
		fields[prefix+"city"] = "市区町村は50文字以内で入力してください。"
	}
	if a.Address1 == "" {
		fields[prefix+"address1"] = "番地を入力してください。"
	} else if runeLen(a.Address1) > 100 {
		fields[prefix+"address1"] = "番地は100文字以内で入力してください。"
	}
	if runeLen(a.Address2) > 100 {
		fields[prefix+"address2"] = "建物名・部屋番号は100文字以内で入力してください。"
	}
}

// Quote is the priced checkout: goods, shipping, fee and per-rate totals.
// Shipping and the COD fee are taxed at the standard rate.
type Quote struct {
	Cart        Cart
	ShippingFee int64
	CODFee      int64
	Total       int64
	RateTotals  []RateTotal
}

func quote(cart Cart, f CheckoutForm, st Settings) Quote {
	q := Quote{Cart: cart}
	pref := f.Buyer.Prefecture
	if f.ShipTo == ShipToOther {
		pref = f.Dest.Prefecture
	}
	q.ShippingFee = st.ShippingFee(pref, cart.Subtotal)
	if f.PaymentMethod == PayCOD {
		q.CODFee = st.CODFee
	}
	q.Total = cart.Subtotal + q.ShippingFee + q.CODFee
	perRate := map[int]int64{}
	for _, r := range cart.RateTotals {
		perRate[r.Rate] += r.Total
	}
	if fees := q.ShippingFee + q.CODFee; fees > 0 {
		perRate[TaxStandard] += fees
	}
	q.RateTotals = rateTotals(perRate)
	return q
}

// Quote prices the shopper's cart with the draft's choices.
func (s *Shop) Quote(ctx context.Context, d Draft, member bool) (Quote, error) {
	cart, err := s.Cart(ctx, d.CartToken, member)
	if err != nil {
		return Quote{}, err
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return Quote{}, err
	}
	return quote(cart, d.Form, st), nil
}

// PlaceOrder turns the checkout into an order, exactly once: a second call
// for the same checkout (double click, reload, another tab) returns the
// order the first one made. shownTotal is the total the shopper confirmed;
// when the server's total differs nothing is ordered.
func (s *Shop) PlaceOrder(ctx context.Context, checkoutID, cartToken string, shownTotal int64, member bool) (store.Order, error) {
	var order store.Order
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		p, err := prepareOrder(tx, checkoutID, cartToken, shownTotal, member)
		if err != nil || p.existing {
			order = p.order
			return err
		}
		if p.draft.Amazon != nil {
			return Invalid(msgCheckoutExpired)
		}
		order = p.order
		if err := tx.InsertOrder(&order, "お客様"); err != nil {
			return err
		}
		if err := s.enqueueThanks(tx, order, p.settings, ""); err != nil {
			return err
		}
		return tx.ClearCart(cartToken)
	})
	return order, err
}

// preparedOrder is an order about to be written, or the one already
// written for the checkout (existing).
type preparedOrder struct {
	order    store.Order
	existing bool
	draft    Draft
	settings Settings
}

// prepareOrder checks the checkout against the database inside the writer:
// the draft belongs to this cart, is complete, the cart is orderable and its
// total is the one the shopper confirmed. It takes the stock.
func prepareOrder(tx *store.Tx, checkoutID, cartToken string, shownTotal int64, member bool) (preparedOrder, error) {
	var p preparedOrder
	c, err := tx.Checkout(checkoutID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.CartToken != cartToken) {
		return p, Invalid(msgCheckoutExpired)
	}
	if err != nil {
		return p, err
	}
	if p.order, err = tx.OrderByCheckout(checkoutID); err == nil || !errors.Is(err, store.ErrNotFound) {
		p.existing = err == nil
		return p, err
	}
	if err := json.Unmarshal(c.Data, &p.draft); err != nil {
		return p, err
	}
	p.draft.ID, p.draft.CartToken = c.ID, c.CartToken
	if fields := validateDraft(&p.draft, PartAll, tx.Now()); len(fields) > 0 {
		return p, &InputError{Message: msgFixInput, Fields: fields}
	}
	lines, err := tx.CartLines(cartToken)
	if err != nil {
		return p, err
	}
	if len(lines) == 0 {
		return p, ErrEmptyCart
	}
	cart := priceCart(cartToken, lines, member)
	if !cart.Orderable() {
		return p, Invalid(msgStockShort)
	}
	kv, err := tx.Settings()
	if err != nil {
		return p, err
	}
	p.settings = settingsFrom(kv)
	q := quote(cart, p.draft.Form, p.settings)
	if q.Total != shownTotal {
		return p, Invalid(msgTotalChanged)
	}
	p.order = newOrder(checkoutID, p.draft.Form, q)
	for _, l := range p.order.Lines {
		if err := tx.TakeStock(l.ProductID, l.Quantity); errors.Is(err, store.ErrConflict) {
			return p, Invalid(msgStockShort)
		} else if err != nil {
			return p, err
		}
	}
	return p, nil
}

func newOrder(checkoutID string, f CheckoutForm, q Quote) store.Order {
	o := store.Order{
		CheckoutID: checkoutID, Status: store.OrderNew, PaymentMethod: f.PaymentMethod, Email: f.Email, Buyer: f.Buyer,
		Destination:    store.Destination{SameAsBuyer: f.ShipTo != ShipToOther, Address: f.Dest},
		DeliveryMethod: f.DeliveryMethod, DeliveryDate: f.DeliveryDate, DeliveryTime: f.DeliveryTime, Notes: f.Notes,
		Subtotal: q.Cart.Subtotal, ShippingFee: q.ShippingFee, CODFee: q.CODFee, Total: q.Total,
	}
	switch f.PaymentMethod {
	case PayBank:
		o.PaymentStatus = PaymentUnpaid
	case PayCOD:
		o.PaymentStatus = PaymentCOD
	}
	for _, r := range q.RateTotals {
		switch r.Rate {
		case TaxStandard:
			o.Total10, o.Tax10 = r.Total, r.Tax
		case TaxReduced:
			o.Total8, o.Tax8 = r.Total, r.Tax
		}
	}
	for _, l := range q.Cart.Lines {
		o.Lines = append(o.Lines, store.OrderLine{ProductID: l.ProductID, Name: l.Name, UnitPrice: l.UnitPrice, TaxRate: l.TaxRate, Quantity: l.Quantity})
	}
	return o
}

// FormatAddress writes an address the way a Japanese label reads.
func FormatAddress(a store.Address) string {
	var b strings.Builder
	b.WriteString(a.FullName())
	if kana := strings.TrimSpace(a.FamilyKana + "　" + a.GivenKana); kana != "" {
		b.WriteString("（" + kana + "）")
	}
	fmt.Fprintf(&b, " 様\n〒%s\n%s%s%s", a.PostalCode, a.Prefecture, a.City, a.Address1)
	if a.Address2 != "" {
		b.WriteString(" " + a.Address2)
	}
	if a.Phone != "" {
		b.WriteString("\nTEL " + a.Phone)
	}
	return b.String()
}
