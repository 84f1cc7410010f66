package shop

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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
	// ReplacesOrder is the order this draft was copied from when the shopper
	// changed something after 「注文する」: placing this draft gives that
	// order up if its payment is still waiting for the buyer.
	ReplacesOrder int64 `json:"replaces_order,omitempty"`
	// Notice tells the shopper what happened to their checkout when it was
	// copied (not stored).
	Notice string `json:"-"`
	// Member is the member part: points, coupon, registration (member_checkout.go).
	Member *MemberCheckout `json:"member,omitempty"`
}

// Checkout messages.
const (
	msgCheckoutExpired = "ご注文手続きの有効期限が切れました。お手数ですが、カゴからもう一度お手続きください。"
	msgEmptyCart       = "カゴに商品が入っていません。"
	msgFixInput        = "入力内容に誤りがあります。赤字の項目をご確認ください。"
	msgTotalChanged    = "ご注文内容または金額が変更されました。内容をご確認のうえ、もう一度「注文する」を押してください。"
	msgStockShort      = "在庫が不足している商品があります。カゴの内容をご確認ください。"
	msgAmazonRestart   = "「注文する」の後にご注文内容が変更されたため、Amazon Payのお手続きをやり直してください。お支払い方法を選び直すか、もう一度Amazon Payボタンからお進みください。"
	msgReplacedPaying  = "変更前のご注文のお支払いを確認しています。しばらくしてから、もう一度「注文する」を押してください。"
)

// ErrEmptyCart is returned when there is nothing to order.
var ErrEmptyCart = Invalid(msgEmptyCart)

func newCheckoutID() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// OpenCheckout returns the shopper's checkout draft (a new one when id is
// unknown, belongs to another cart, or is empty) priced with their cart:
// cart is what Cart returned for the shopper in this request (its Token
// and Member say whose cart and which prices), so the lines are read once.
//
// An order is the draft it was confirmed from. A draft that has become an
// order is returned as it is only while that order waits for the buyer at
// Amazon and the draft and the cart are still exactly what was confirmed
// (the shopper came back from Amazon's page); otherwise the shopper gets a
// copy holding what they typed, which becomes a new order (and, with Amazon
// Pay, a new checkout session at Amazon). Draft.Notice says so when the
// shopper must act.
func (s *Shop) OpenCheckout(ctx context.Context, id string, cart Cart) (Draft, Quote, error) {
	d, placed, err := s.loadDraft(ctx, id, cart.Token)
	if err != nil {
		return d, Quote{}, err
	}
	st, err := s.sharedSettings(ctx)
	if err != nil {
		return d, Quote{}, err
	}
	q := quote(cart, d, st)
	if placed == nil {
		return d, q, nil
	}
	if pending, err := s.awaitsBuyer(ctx, *placed); err != nil || (pending && placed.Digest == CheckoutDigest(d, q)) {
		return d, q, err
	}
	if err := s.db.WithTx(ctx, func(tx *store.Tx) error { return forkDraft(tx, &d, *placed, false) }); err != nil {
		return d, q, err
	}
	return d, quote(cart, d, st), nil
}

// loadDraft reads a draft of the cart, or makes and saves a new one; placed
// is the order the draft became, if any.
func (s *Shop) loadDraft(ctx context.Context, id, cartToken string) (Draft, *store.Order, error) {
	if id != "" {
		c, err := s.db.Checkout(ctx, id)
		if err == nil && c.CartToken == cartToken {
			d, err := s.drafts.decode(c)
			if err != nil {
				return d, nil, err
			}
			o, err := s.db.OrderByCheckout(ctx, d.ID)
			if errors.Is(err, store.ErrNotFound) {
				return d, nil, nil
			}
			return d, &o, err
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Draft{}, nil, err
		}
	}
	d := Draft{ID: newCheckoutID(), CartToken: cartToken, Form: CheckoutForm{
		ShipTo: ShipToBuyer, DeliveryMethod: DeliveryTakkyubin, PaymentMethod: PayBank,
	}}
	// Saved at once: the Amazon Pay button's return URL names it.
	return d, nil, s.SaveDraft(ctx, &d, 0)
}

// awaitsBuyer tells whether an order is an Amazon Pay order still waiting
// for the buyer to finish at Amazon (or being completed right now).
func (s *Shop) awaitsBuyer(ctx context.Context, o store.Order) (bool, error) {
	if o.Status != store.OrderPending || o.PaymentMethod != PayAmazon {
		return false, nil
	}
	p, err := s.db.AmazonPayment(ctx, o.ID)
	return err == nil && (p.State == store.AmazonPending || p.State == store.AmazonCompleting), err
}

// forkDraft turns a draft that became an order into a new draft with what
// the shopper typed. The Amazon checkout session belongs to that order, so
// the copy leaves Amazon Pay and the shopper chooses how to pay again.
// changed says the shopper changed the draft itself (address, delivery,
// payment) after 「注文する」: the order no longer says what they want, so
// its payment, still waiting for the buyer, is given up at once and its
// session can no longer complete. A change of the cart alone leaves the
// order payable as confirmed until the copy is placed.
func forkDraft(tx *store.Tx, d *Draft, placed store.Order, changed bool) error {
	if changed && placed.Status == store.OrderPending {
		if err := giveUpReplacedOrder(tx, placed.ID); err != nil {
			return err
		}
	}
	d.ID, d.ReplacesOrder, d.Notice = newCheckoutID(), 0, ""
	if placed.Status == store.OrderPending {
		d.ReplacesOrder = placed.ID
	}
	if d.Amazon != nil {
		d.LeaveAmazonPay()
		d.Form.PaymentMethod = ""
		if placed.Status == store.OrderPending {
			d.Notice = msgAmazonRestart
		}
	}
	return putDraft(tx, *d)
}

func putDraft(tx *store.Tx, d Draft) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return tx.PutCheckout(store.Checkout{ID: d.ID, CartToken: d.CartToken, Data: data})
}

// SaveDraft stores what the shopper typed for the given parts, validating
// them; the draft is saved even when invalid, so nothing typed is lost, and
// the InputError says which fields to fix. A change to a draft that already
// became an order is saved as a new draft (d.ID changes, see OpenCheckout);
// when that copy had to leave Amazon Pay the error is ErrAmazonRestart.
func (s *Shop) SaveDraft(ctx context.Context, d *Draft, parts int) error {
	d.Notice = ""
	fields := validateDraft(d, parts, s.db.Now())
	capDraft(&d.Form)
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		placed, err := tx.OrderByCheckout(d.ID)
		if errors.Is(err, store.ErrNotFound) {
			return tx.PutCheckout(store.Checkout{ID: d.ID, CartToken: d.CartToken, Data: data})
		}
		if err != nil {
			return err
		}
		if c, err := tx.Checkout(d.ID); err != nil || string(c.Data) == string(data) {
			return err // nothing changed
		}
		return forkDraft(tx, d, placed, true)
	})
	if err != nil {
		return err
	}
	if d.Notice != "" {
		return ErrAmazonRestart
	}
	if len(fields) > 0 {
		return &InputError{Message: msgFixInput, Fields: fields}
	}
	return nil
}

// capDraft bounds what is stored of each field at twice what validation
// accepts: a draft is saved even when invalid (nothing typed is lost), but
// no visitor can store megabytes in one. The field's message still says
// what is too long, since the stored text stays over the limit.
func capDraft(f *CheckoutForm) {
	for _, a := range []*store.Address{&f.Buyer, &f.Dest} {
		for _, c := range []struct {
			p *string
			n int
		}{{&a.FamilyName, 30}, {&a.GivenName, 30}, {&a.FamilyKana, 30}, {&a.GivenKana, 30}, {&a.Phone, 30},
			{&a.PostalCode, 16}, {&a.Prefecture, 8}, {&a.City, 50}, {&a.Address1, 100}, {&a.Address2, 100}} {
			*c.p = truncateRunes(*c.p, 2*c.n)
		}
	}
	for _, c := range []struct {
		p *string
		n int
	}{{&f.Email, 254}, {&f.ShipTo, 8}, {&f.DeliveryMethod, 16}, {&f.DeliveryDate, 10}, {&f.DeliveryTime, 8},
		{&f.PaymentMethod, 16}, {&f.Notes, 1000}} {
		*c.p = truncateRunes(*c.p, 2*c.n)
	}
}

// ErrAmazonRestart is a change after 「注文する」 with Amazon Pay: the draft
// was copied without Amazon Pay and the shopper must choose how to pay again.
var ErrAmazonRestart = Invalid(msgAmazonRestart)

// CheckoutDigest is a fingerprint of what a confirm page shows: the draft
// (who, where, when, how to pay) and the priced cart. The confirm page
// carries it, and 「注文する」 orders only what it names.
func CheckoutDigest(d Draft, q Quote) string {
	validateDraft(&d, PartAll, time.Time{}) // the form as it will be ordered (normalised)
	type line struct {
		Product, Quantity, UnitPrice int64
		Rate                         int
	}
	v := struct {
		Form                 CheckoutForm
		Amazon               *AmazonDraft
		Lines                []line
		Shipping, Fee, Total int64
		Rates                []RateTotal
		Discount             Discount
	}{Form: d.Form, Amazon: d.Amazon, Shipping: q.ShippingFee, Fee: q.CODFee, Total: q.Total, Rates: q.RateTotals, Discount: q.Discount}
	for _, l := range q.Cart.Lines {
		v.Lines = append(v.Lines, line{l.ProductID, l.Quantity, l.UnitPrice, l.TaxRate})
	}
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
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
	Discount    Discount // a member's points and coupon, already off Total and RateTotals
}

func quote(cart Cart, d Draft, st Settings) Quote {
	q := Quote{Cart: cart}
	q.ShippingFee = st.ShippingFee(d.destPrefecture(), cart.Subtotal)
	if d.Form.PaymentMethod == PayCOD {
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
	applyDiscount(&q, d)
	return q
}

// Destination is where the parcel goes, as the order will say: Amazon's
// fixed address (the order takes it when the draft is checked, even when
// another tab changed it after the form was sent), the other address the
// shopper typed, or the buyer's (other is false).
func (d Draft) Destination() (addr store.Address, other bool) {
	switch {
	case d.Amazon.AddressFixed():
		return d.Amazon.Address, true
	case d.Form.ShipTo == ShipToOther:
		return d.Form.Dest, true
	}
	return d.Form.Buyer, false
}

func (d Draft) destPrefecture() string {
	a, _ := d.Destination()
	return a.Prefecture
}

// Quote prices the shopper's cart with the draft's choices.
func (s *Shop) Quote(ctx context.Context, d Draft, member bool) (Quote, error) {
	cart, err := s.Cart(ctx, d.CartToken, member)
	if err != nil {
		return Quote{}, err
	}
	st, err := s.sharedSettings(ctx)
	if err != nil {
		return Quote{}, err
	}
	return quote(cart, d, st), nil
}

// Confirmation is a 「注文する」: the checkout and what its confirm page
// showed (the total and the CheckoutDigest), with who sends it.
type Confirmation struct {
	CheckoutID string
	CartToken  string
	Total      int64  // yen, as shown
	Digest     string // CheckoutDigest of the page
	MemberID   int64  // the logged-in member, 0 for a guest
	// Client identifies the sender's address (a hash), to bound the stock a
	// visitor can hold with unpaid orders.
	Client string
}

// PlaceOrder turns the checkout into an order, exactly once: a second call
// confirming the same page (double click, reload, another tab) returns the
// order the first one made. When the server's total or the checkout differ
// from what the page showed nothing is ordered (InputError).
func (s *Shop) PlaceOrder(ctx context.Context, in Confirmation) (store.Order, error) {
	var order store.Order
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		p, err := prepareOrder(tx, in)
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
		if err := s.Members.orderPlaced(tx, order, p.draft, p.quote, true); err != nil {
			return err
		}
		if err := s.enqueueThanks(tx, order, p.settings, "", false); err != nil {
			return err
		}
		return takeOrderedFromCart(tx, in.CartToken, order)
	})
	return order, err
}

// takeOrderedFromCart removes what an order took from the cart; lines the
// shopper added meanwhile (in another tab, while at Amazon) stay.
func takeOrderedFromCart(tx *store.Tx, cartToken string, o store.Order) error {
	for _, l := range o.Lines {
		if err := tx.TakeFromCart(cartToken, l.ProductID, l.Quantity); err != nil {
			return err
		}
	}
	return nil
}

// preparedOrder is an order about to be written, or the one already
// written for the checkout (existing).
type preparedOrder struct {
	order    store.Order
	existing bool
	draft    Draft
	settings Settings
	quote    Quote
}

// msgCheckoutChanged refuses a confirm page that no longer shows the
// checkout (it changed in another tab or after 「注文する」).
const msgCheckoutChanged = "ご注文内容が変更されています。最新の内容をご確認のうえ、もう一度「注文する」を押してください。"

// prepareOrder checks the confirmation against the database inside the
// writer: the draft belongs to this cart, is complete, the cart is
// orderable, and total and digest are the ones the shopper confirmed. It
// gives up the order the draft replaces and takes the stock.
func prepareOrder(tx *store.Tx, in Confirmation) (preparedOrder, error) {
	var p preparedOrder
	c, err := tx.Checkout(in.CheckoutID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.CartToken != in.CartToken) {
		return p, Invalid(msgCheckoutExpired)
	}
	if err != nil {
		return p, err
	}
	if p.order, err = tx.OrderByCheckout(in.CheckoutID); err == nil || !errors.Is(err, store.ErrNotFound) {
		if err == nil && p.order.Digest != in.Digest {
			return p, Invalid(msgCheckoutChanged)
		}
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
	if p.draft.ReplacesOrder != 0 {
		if err := giveUpReplacedOrder(tx, p.draft.ReplacesOrder); err != nil {
			return p, err
		}
	}
	lines, err := tx.CartLines(in.CartToken)
	if err != nil {
		return p, err
	}
	if len(lines) == 0 {
		return p, ErrEmptyCart
	}
	cart := priceCart(in.CartToken, lines, in.MemberID != 0)
	if !cart.Orderable() {
		return p, Invalid(msgStockShort)
	}
	kv, err := tx.Settings()
	if err != nil {
		return p, err
	}
	p.settings = settingsFrom(kv)
	q := quote(cart, p.draft, p.settings)
	if q.Total != in.Total {
		return p, Invalid(msgTotalChanged)
	}
	if CheckoutDigest(p.draft, q) != in.Digest {
		return p, Invalid(msgCheckoutChanged)
	}
	p.order, p.quote = newOrder(in.CheckoutID, p.draft, q), q
	p.order.Digest = in.Digest
	p.order.MemberID.Int64, p.order.MemberID.Valid = in.MemberID, in.MemberID != 0
	for _, l := range p.order.Lines {
		if err := tx.TakeStock(l.ProductID, l.Quantity); errors.Is(err, store.ErrConflict) {
			return p, Invalid(msgStockShort)
		} else if err != nil {
			return p, err
		}
	}
	return p, nil
}

// giveUpReplacedOrder ends the order a changed checkout replaces, when its
// Amazon payment still waits for the buyer: the shopper confirmed
// something else since. The checkout session at Amazon is never completed,
// so Amazon charges nothing for it. An order whose payment is being
// completed right now cannot be given up: the shopper tries again shortly.
func giveUpReplacedOrder(tx *store.Tx, orderID int64) error {
	p, err := tx.AmazonPayment(orderID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch p.State {
	case store.AmazonPending:
		return failAmazonOrderTx(tx, p, actorCustomer, ReasonShopperChangedOrder, "", "")
	case store.AmazonCompleting:
		return Invalid(msgReplacedPaying)
	}
	return nil
}

func newOrder(checkoutID string, d Draft, q Quote) store.Order {
	f := d.Form
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
	fmt.Fprintf(&b, " 様\n〒%s\n%s", a.PostalCode, a.Street())
	if a.Phone != "" {
		b.WriteString("\nTEL " + a.Phone)
	}
	return b.String()
}

// Placed is what 「注文する」 did: the order, and for Amazon Pay the URL to
// send the buyer to.
type Placed struct {
	Order          store.Order
	AmazonRedirect string
}

// Place is 「注文する」 for any payment method: PlaceAmazonOrder when the
// checkout pays with Amazon Pay, PlaceOrder otherwise.
func (s *Shop) Place(ctx context.Context, in Confirmation) (Placed, error) {
	var d Draft
	if c, err := s.db.Checkout(ctx, in.CheckoutID); err == nil && c.CartToken == in.CartToken {
		if err := json.Unmarshal(c.Data, &d); err != nil {
			return Placed{}, err
		}
	}
	var p Placed
	var err error
	if d.Amazon != nil {
		p.AmazonRedirect, p.Order, err = s.PlaceAmazonOrder(ctx, in)
	} else {
		p.Order, err = s.PlaceOrder(ctx, in)
	}
	return p, err
}

// PlacedBy tells whether an order was placed from the cart with the given
// token: only that browser sees the order on the completion page.
func (s *Shop) PlacedBy(ctx context.Context, o store.Order, cartToken string) bool {
	c, err := s.db.Checkout(ctx, o.CheckoutID)
	return err == nil && cartToken != "" && c.CartToken == cartToken
}
