package shop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"kago/amazonpay"
	"kago/store"
)

// AmazonDraft is what the checkout session gave the shop.
type AmazonDraft struct {
	SessionID   string        `json:"session_id"`
	ProductType string        `json:"product_type"`
	BuyerID     string        `json:"buyer_id"`
	Instrument  string        `json:"instrument"` // payment descriptor, shown fixed
	Address     store.Address `json:"address"`    // fixed delivery address (PayAndShip)
	// AddressError is set when Amazon's address cannot be used; the buyer
	// must pick another one at Amazon (「変更」).
	AddressError string `json:"address_error,omitempty"`
}

// AddressFixed tells whether the delivery address comes from Amazon.
func (a *AmazonDraft) AddressFixed() bool {
	return a != nil && a.ProductType == amazonpay.ProductTypePayAndShip
}

// Order total limits for Amazon Pay (seed 001: 1 to 1,000,000 JPY; seed 002:
// no 0-yen orders).
const (
	AmazonPayMinTotal = 1
	AmazonPayMaxTotal = 1_000_000
)

// AmazonPayButton is what a page needs to render the button.
type AmazonPayButton struct {
	ScriptURL    string
	MerchantID   string
	PublicKeyID  string
	ProductType  string
	Placement    string
	Color        string
	Sandbox      bool
	DisplayStyle string
	PayloadJSON  string // the exact bytes signed
	Signature    string
	Algorithm    string
}

// AmazonPayOffer is whether the button may be shown; Reason says why not
// when a shopper should know (empty when Amazon Pay is simply not set up).
type AmazonPayOffer struct {
	Button *AmazonPayButton
	Reason string
	Notes  string // 注意書き for the payment-method screen, when its box is ticked
}

// AmazonPayOffer decides F-20 for a checkout and signs its button payload.
// The review return URL names the checkout, so a session started by one
// shopper cannot be used by another.
func (s *Shop) AmazonPayOffer(ctx context.Context, checkoutID string, total int64, cartType, placement string) (AmazonPayOffer, error) {
	a, err := s.AmazonPaySettings(ctx)
	if err != nil || !a.Configured() {
		return AmazonPayOffer{}, err
	}
	var offer AmazonPayOffer
	if a.NotesOnPayment {
		offer.Notes = a.Notes
	}
	switch {
	case !a.EnabledTakkyubin:
		offer.Reason = "ご利用の配送方法（宅配便）ではAmazon Payをご利用いただけません。"
		return offer, nil
	case total < AmazonPayMinTotal || total > AmazonPayMaxTotal:
		offer.Reason = "Amazon Payは、ご注文金額が1円から1,000,000円までの場合にご利用いただけます。"
		return offer, nil
	}
	client, err := s.amazonClient(a)
	if err != nil {
		return offer, err
	}
	productType := a.ProductType
	if cartType == CartThreeStep {
		productType = amazonpay.ProductTypePayAndShip // 支払方法のみ is for the zero-step cart only
	}
	payload := amazonpay.CreateCheckoutSessionRequest{
		WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: s.shopURL() + "/checkout/amazonpay/review?k=" + checkoutID},
		StoreID:            a.StoreID,
		Scopes:             []string{"name", "email", "phoneNumber", "billingAddress"},
	}
	if a.AllowIncrease {
		payload.PaymentDetails = &amazonpay.PaymentDetails{AllowOvercharge: true}
	}
	sig, err := client.SignCheckoutButton(payload)
	if err != nil {
		return offer, err
	}
	offer.Button = &AmazonPayButton{ScriptURL: client.ButtonScriptURL(), MerchantID: a.MerchantID, PublicKeyID: a.PublicKeyID,
		ProductType: productType, Placement: placement, Color: a.ButtonColor, Sandbox: a.Environment != EnvLive,
		DisplayStyle: a.DisplayStyle, PayloadJSON: sig.PayloadJSON, Signature: sig.Signature, Algorithm: string(sig.Algorithm)}
	return offer, nil
}

// AmazonPayScriptURL is the button script (checkout.js) of the configured
// environment, which the order pages also need for 「変更」.
func (s *Shop) AmazonPayScriptURL(ctx context.Context) (string, error) {
	a, err := s.AmazonPaySettings(ctx)
	if err != nil || !a.Configured() {
		return "", err
	}
	client, err := s.amazonClient(a)
	if err != nil {
		return "", err
	}
	return client.ButtonScriptURL(), nil
}

var sessionIDRe = regexp.MustCompile(`^[0-9A-Za-z-]{8,64}$`)

// Amazon Pay messages for the shopper.
const (
	msgAmazonSessionInvalid = "Amazon Payのお手続き情報を確認できませんでした。お手数ですが、もう一度Amazon Payボタンからお手続きください。"
	msgAmazonUnavailable    = "ただいまAmazon Payに接続できません。しばらくしてからもう一度お試しいただくか、別のお支払い方法をお選びください。"
)

// AmazonReview takes the buyer back from Amazon: it reads the checkout
// session, checks it belongs to this checkout, and fills the draft with the
// buyer, the address (fixed) and the payment (fixed). Nothing is ordered.
func (s *Shop) AmazonReview(ctx context.Context, d *Draft, sessionID, key string, cartType string) error {
	if !sessionIDRe.MatchString(sessionID) || key != d.ID {
		return Invalid(msgAmazonSessionInvalid)
	}
	a, err := s.AmazonPaySettings(ctx)
	if err != nil {
		return err
	}
	if !a.Configured() {
		return Invalid(msgAmazonSessionInvalid)
	}
	client, err := s.amazonClient(a)
	if err != nil {
		return err
	}
	cs, err := client.GetCheckoutSession(ctx, sessionID)
	if err != nil {
		return s.amazonInputError(err, msgAmazonSessionInvalid)
	}
	if !strings.HasSuffix(cs.WebCheckoutDetails.CheckoutReviewReturnURL, "?k="+d.ID) {
		return Invalid(msgAmazonSessionInvalid)
	}
	if cs.StatusDetails.State != "Open" {
		return Invalid("このAmazon Payのお手続きは終了しています。お手数ですが、もう一度Amazon Payボタンからお手続きください。")
	}
	amazon := &AmazonDraft{SessionID: cs.CheckoutSessionID, ProductType: cs.ProductType}
	if amazon.ProductType == "" {
		amazon.ProductType = amazonpay.ProductTypePayAndShip
	}
	if cartType == CartThreeStep {
		amazon.ProductType = amazonpay.ProductTypePayAndShip
	}
	for _, p := range cs.PaymentPreferences {
		if p.PaymentDescriptor != "" {
			amazon.Instrument = p.PaymentDescriptor
		}
	}
	f := &d.Form
	if b := cs.Buyer; b != nil {
		amazon.BuyerID = b.BuyerID
		name, email, phone := MapAmazonBuyer(*b)
		f.Email, f.Buyer.Phone = email, phone
		f.Buyer.FamilyName, f.Buyer.GivenName, f.Buyer.FamilyKana, f.Buyer.GivenKana = name, "", "", ""
	}
	if amazon.AddressFixed() {
		if cs.ShippingAddress == nil {
			amazon.AddressError = MsgAmazonAddressUnusable
		} else if addr, err := MapAmazonAddress(*cs.ShippingAddress); err != nil {
			amazon.AddressError = MsgAmazonAddressUnusable
		} else {
			amazon.Address = addr
			// The buyer block starts as the delivery address; the buyer may edit it.
			name, phone := f.Buyer.FamilyName, f.Buyer.Phone
			f.Buyer = addr
			if name != "" {
				f.Buyer.FamilyName = name
			}
			if phone != "" {
				f.Buyer.Phone = phone
			}
		}
	}
	f.PaymentMethod = PayAmazon
	d.Amazon = amazon
	return nil
}

// LeaveAmazonPay drops Amazon Pay from the draft (the shopper chose another
// way to pay); what they typed stays.
func (d *Draft) LeaveAmazonPay() {
	if d.Amazon == nil {
		return
	}
	if d.Amazon.AddressFixed() {
		d.Form.ShipTo, d.Form.Dest = ShipToBuyer, store.Address{}
	}
	d.Amazon = nil
	d.Form.PaymentMethod = PayBank
}

// amazonInputError turns an Amazon error into the shopper's message.
func (s *Shop) amazonInputError(err error, fallback string) error {
	var apErr *amazonpay.Error
	if errors.As(err, &apErr) {
		s.log.Warn("amazon pay", "op", apErr.Operation, "status", apErr.HTTPStatus, "reason", apErr.ReasonCode)
		if apErr.HTTPStatus == 404 || apErr.HTTPStatus == 400 {
			return Invalid(fallback)
		}
	} else {
		s.log.Warn("amazon pay unreachable", "err", err)
	}
	return Invalid(msgAmazonUnavailable)
}

// AmazonFailure is a payment that did not go through; the order is kept as
// 決済失敗 and the cart is still there.
type AmazonFailure struct {
	Order      store.Order
	ReasonCode string
}

func (e *AmazonFailure) Error() string { return "amazon pay failed: " + e.ReasonCode }

// AmazonPending is a completion that could not be confirmed yet (Amazon did
// not answer); the order stays pending and is finished by a retry.
var ErrAmazonPending = errors.New("amazon pay: completion not confirmed yet")

// PlaceAmazonOrder is 「注文する」 with Amazon Pay: the order is written as
// pending with its snapshot and reserved stock, then the checkout session is
// updated with the server's amount and the buyer is sent to Amazon. It
// returns the URL to send the buyer to.
func (s *Shop) PlaceAmazonOrder(ctx context.Context, checkoutID, cartToken string, shownTotal int64, member bool) (string, store.Order, error) {
	a, err := s.AmazonPaySettings(ctx)
	if err != nil {
		return "", store.Order{}, err
	}
	client, err := s.amazonClient(a)
	if err != nil {
		return "", store.Order{}, err
	}
	var order store.Order
	var payment store.AmazonPayment
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		p, err := prepareOrder(tx, checkoutID, cartToken, shownTotal, member)
		if err != nil {
			return err
		}
		order = p.order
		if p.existing {
			payment, err = tx.AmazonPayment(order.ID)
			return err
		}
		if p.draft.Amazon == nil {
			return Invalid(msgCheckoutExpired)
		}
		if order.Total < AmazonPayMinTotal || order.Total > AmazonPayMaxTotal {
			return Invalid("Amazon Payは、ご注文金額が1円から1,000,000円までの場合にご利用いただけます。別のお支払い方法をお選びください。")
		}
		order.Status, order.PaymentStatus = store.OrderPending, store.AmazonPending
		if err := tx.InsertOrder(&order, "お客様"); err != nil {
			return err
		}
		snapshot, _ := json.Marshal(map[string]any{"order": order, "draft": p.draft})
		payment = store.AmazonPayment{OrderID: order.ID, CheckoutSessionID: p.draft.Amazon.SessionID, State: store.AmazonPending,
			SaleMethod: a.SaleMethod, AllowIncrease: a.AllowIncrease, ProductType: p.draft.Amazon.ProductType, Amount: order.Total,
			Instrument: p.draft.Amazon.Instrument, BuyerID: p.draft.Amazon.BuyerID, Snapshot: snapshot}
		return tx.InsertAmazonPayment(payment)
	})
	if err != nil {
		return "", order, err
	}
	if payment.State != store.AmazonPending {
		return "", order, s.amazonOutcome(ctx, order.ID)
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return "", order, err
	}
	number := strconv.FormatInt(order.Number, 10)
	cs, err := client.UpdateCheckoutSession(ctx, payment.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{
		WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: s.shopURL() + "/checkout/amazonpay/result"},
		PaymentDetails: &amazonpay.PaymentDetails{PaymentIntent: payment.SaleMethod, CanHandlePendingAuthorization: payment.SaleMethod != SaleConfirm,
			ChargeAmount: amazonpay.PtrJPY(order.Total), PresentmentCurrency: amazonpay.CurrencyJPY},
		MerchantMetadata: &amazonpay.MerchantMetadata{MerchantReferenceID: number, MerchantStoreName: truncateRunes(st.ShopName, 50),
			NoteToBuyer: truncateRunes("ご注文番号 "+number, 255)},
	})
	if err != nil {
		reason := amazonpay.ReasonCode(err)
		if reason == "" {
			reason = "ServiceUnavailable"
		}
		if ferr := s.failAmazonOrder(ctx, order.ID, reason, err.Error()); ferr != nil {
			return "", order, ferr
		}
		return "", order, &AmazonFailure{Order: order, ReasonCode: reason}
	}
	if cs.WebCheckoutDetails.AmazonPayRedirectURL == "" {
		if ferr := s.failAmazonOrder(ctx, order.ID, "InvalidCheckoutSessionStatus", "no amazonPayRedirectUrl"); ferr != nil {
			return "", order, ferr
		}
		return "", order, &AmazonFailure{Order: order, ReasonCode: "InvalidCheckoutSessionStatus"}
	}
	return cs.WebCheckoutDetails.AmazonPayRedirectURL, order, nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// CompleteAmazonOrder is the result return: it completes the checkout
// session and finishes the order exactly once. Concurrent or repeated calls
// for the same session wait for and return the one result.
func (s *Shop) CompleteAmazonOrder(ctx context.Context, sessionID string) (store.Order, error) {
	if !sessionIDRe.MatchString(sessionID) {
		return store.Order{}, Invalid(msgAmazonSessionInvalid)
	}
	p, err := s.db.AmazonPaymentBySession(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Order{}, Invalid(msgAmazonSessionInvalid)
	}
	if err != nil {
		return store.Order{}, err
	}
	won, err := s.db.ClaimAmazonPayment(ctx, p.OrderID, store.AmazonPending, store.AmazonCompleting)
	if err != nil {
		return store.Order{}, err
	}
	if won {
		if err := s.completeAmazon(ctx, p); err != nil {
			return store.Order{}, err
		}
	} else if err := s.waitAmazon(ctx, p.OrderID); err != nil {
		return store.Order{}, err
	}
	o, err := s.db.Order(ctx, p.OrderID)
	if err != nil {
		return o, err
	}
	return o, s.amazonOutcome(ctx, p.OrderID)
}

// amazonOutcome is nil for a completed payment, an *AmazonFailure for a
// failed one and ErrAmazonPending while it is not settled.
func (s *Shop) amazonOutcome(ctx context.Context, orderID int64) error {
	p, err := s.db.AmazonPayment(ctx, orderID)
	if err != nil {
		return err
	}
	switch p.State {
	case store.AmazonDone:
		return nil
	case store.AmazonFailed:
		o, err := s.db.Order(ctx, orderID)
		if err != nil {
			return err
		}
		return &AmazonFailure{Order: o, ReasonCode: p.ReasonCode}
	}
	return ErrAmazonPending
}

// waitAmazon waits while another request completes the payment.
func (s *Shop) waitAmazon(ctx context.Context, orderID int64) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		p, err := s.db.AmazonPayment(ctx, orderID)
		if err != nil || p.State != store.AmazonCompleting {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// completeAmazon runs after this request won the claim: it calls Amazon and
// records the answer. Whatever happens the payment leaves 'completing'.
func (s *Shop) completeAmazon(ctx context.Context, p store.AmazonPayment) error {
	a, err := s.AmazonPaySettings(ctx)
	if err != nil {
		return s.releaseAmazon(ctx, p.OrderID, err)
	}
	client, err := s.amazonClient(a)
	if err != nil {
		return s.releaseAmazon(ctx, p.OrderID, err)
	}
	o, err := s.db.Order(ctx, p.OrderID)
	if err != nil {
		return s.releaseAmazon(ctx, p.OrderID, err)
	}
	key := amazonpay.IdempotencyKey("complete", strconv.FormatInt(o.Number, 10))
	cs, err := client.CompleteCheckoutSession(ctx, p.CheckoutSessionID, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(p.Amount)}, key)
	if err != nil && amazonpay.IsReason(err, amazonpay.ReasonInvalidCheckoutSessionStatus) {
		// Completed already (an earlier answer was lost) or canceled: ask.
		cs, err = client.GetCheckoutSession(ctx, p.CheckoutSessionID)
		if err == nil && cs.StatusDetails.State == "Open" {
			// The buyer has not finished at Amazon yet: nothing to fail.
			return s.releaseAmazon(ctx, p.OrderID, errors.New("checkout session still open"))
		}
		if err == nil && cs.StatusDetails.State != "Completed" {
			reason := cs.StatusDetails.ReasonCode
			if reason == "" {
				reason = amazonpay.ReasonInvalidCheckoutSessionStatus
			}
			return s.failAmazonOrder(ctx, p.OrderID, reason, cs.StatusDetails.ReasonDescription)
		}
	}
	if err != nil {
		if reason := amazonpay.ReasonCode(err); reason != "" && !isRetryable(err) {
			return s.failAmazonOrder(ctx, p.OrderID, reason, err.Error())
		}
		return s.releaseAmazon(ctx, p.OrderID, err)
	}
	p.ChargePermissionID, p.ChargeID = cs.ChargePermissionID, cs.ChargeID
	p.AmazonState = "Chargeable"
	if p.ChargeID != "" {
		if ch, err := client.GetCharge(ctx, p.ChargeID); err == nil {
			p.AmazonState = ch.StatusDetails.State
			if ch.StatusDetails.State == "Declined" {
				return s.failAmazonOrder(ctx, p.OrderID, ch.StatusDetails.ReasonCode, ch.StatusDetails.ReasonDescription)
			}
		} else {
			p.AmazonState = "AuthorizationInitiated"
		}
	}
	return s.finishAmazonOrder(ctx, p, a)
}

func isRetryable(err error) bool {
	var apErr *amazonpay.Error
	return errors.As(err, &apErr) && apErr.Retryable()
}

// releaseAmazon puts a claimed payment back to pending when Amazon could not
// be asked, so the next return (or the recovery worker) completes it.
func (s *Shop) releaseAmazon(ctx context.Context, orderID int64, cause error) error {
	s.log.Warn("amazon pay completion not confirmed", "order_id", orderID, "err", cause)
	if _, err := s.db.ClaimAmazonPayment(context.WithoutCancel(ctx), orderID, store.AmazonCompleting, store.AmazonPending); err != nil {
		return err
	}
	return ErrAmazonPending
}

// finishAmazonOrder records a completed payment and completes the order in
// one transaction: status, payment, history, mails, cart.
func (s *Shop) finishAmazonOrder(ctx context.Context, p store.AmazonPayment, a AmazonPaySettings) error {
	return s.db.WithTx(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		p.State = store.AmazonDone
		if err := tx.UpdateAmazonPayment(p); err != nil {
			return err
		}
		if err := tx.SetOrderStatus(p.OrderID, store.OrderPending, store.OrderNew); err != nil {
			return err
		}
		if err := tx.SetPaymentStatus(p.OrderID, p.AmazonState); err != nil {
			return err
		}
		detail := fmt.Sprintf("Amazonリファレンス ID %s / %s / %s", p.ChargePermissionID, SaleMethodLabel(p.SaleMethod), p.AmazonState)
		if err := tx.AddOrderHistory(p.OrderID, "Amazon Pay", "決済完了", detail); err != nil {
			return err
		}
		o, err := tx.Order(p.OrderID)
		if err != nil {
			return err
		}
		kv, err := tx.Settings()
		if err != nil {
			return err
		}
		notes := ""
		if a.NotesOnThanks {
			notes = a.Notes
		}
		if err := s.enqueueThanks(tx, o, settingsFrom(kv), notes); err != nil {
			return err
		}
		c, err := tx.Checkout(o.CheckoutID)
		if err != nil {
			return err
		}
		return tx.ClearCart(c.CartToken)
	})
}

// failAmazonOrder keeps the order as 決済失敗 with the reason and gives its
// stock back; the shopper's cart is untouched.
func (s *Shop) failAmazonOrder(ctx context.Context, orderID int64, reason, detail string) error {
	return s.db.WithTx(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		p, err := tx.AmazonPayment(orderID)
		if err != nil {
			return err
		}
		if p.State == store.AmazonFailed || p.State == store.AmazonDone {
			return nil
		}
		p.State, p.ReasonCode, p.ReasonText, p.AmazonState = store.AmazonFailed, reason, truncateRunes(detail, 500), "Declined"
		if err := tx.UpdateAmazonPayment(p); err != nil {
			return err
		}
		if err := tx.SetOrderStatus(orderID, store.OrderPending, store.OrderFailed); err != nil {
			return err
		}
		if err := tx.SetPaymentStatus(orderID, store.AmazonFailed); err != nil {
			return err
		}
		o, err := tx.Order(orderID)
		if err != nil {
			return err
		}
		for _, l := range o.Lines {
			if err := tx.ReturnStock(l.ProductID, l.Quantity); err != nil {
				return err
			}
		}
		return tx.AddOrderHistory(orderID, "Amazon Pay", "決済失敗", reason)
	})
}

// RestartCheckout gives the shopper a fresh checkout with what they typed,
// after a payment failed: the failed order keeps the old one.
func (s *Shop) RestartCheckout(ctx context.Context, old Draft) (Draft, error) {
	d := old
	d.ID = newCheckoutID()
	d.LeaveAmazonPay()
	data, err := json.Marshal(d)
	if err != nil {
		return d, err
	}
	return d, s.db.WithTx(ctx, func(tx *store.Tx) error {
		return tx.PutCheckout(store.Checkout{ID: d.ID, CartToken: d.CartToken, Data: data})
	})
}

// Recovery of Amazon Pay orders left behind (F-80): a buyer who paid but
// never came back to the result URL, a completion that died half-way, a
// session Amazon let expire.
const (
	// A completion still running after this long is taken to have died.
	staleCompleting = 5 * time.Minute
	recoverBatch    = 50
)

// RecoverAmazonOrders finishes or fails the Amazon Pay orders pending since
// before olderThan: it asks Amazon and takes the same exactly-once path as
// the result return, so it is safe beside shoppers and on several instances.
// It reports how many it settled.
func (s *Shop) RecoverAmazonOrders(ctx context.Context, olderThan time.Duration) (int, error) {
	now := s.db.Now()
	dead, err := s.db.StaleAmazonPayments(ctx, store.AmazonCompleting, now.Add(-staleCompleting), recoverBatch)
	if err != nil {
		return 0, err
	}
	for _, p := range dead {
		if _, err := s.db.ClaimAmazonPayment(ctx, p.OrderID, store.AmazonCompleting, store.AmazonPending); err != nil {
			return 0, err
		}
	}
	pending, err := s.db.StaleAmazonPayments(ctx, store.AmazonPending, now.Add(-olderThan), recoverBatch)
	if err != nil {
		return 0, err
	}
	settled := 0
	for _, p := range pending {
		won, err := s.db.ClaimAmazonPayment(ctx, p.OrderID, store.AmazonPending, store.AmazonCompleting)
		if err != nil {
			return settled, err
		}
		if !won {
			continue
		}
		err = s.completeAmazon(ctx, p)
		switch {
		case errors.Is(err, ErrAmazonPending):
		case err != nil:
			return settled, err
		default:
			settled++
			s.log.Info("amazon pay order recovered", "order_id", p.OrderID)
		}
	}
	return settled, nil
}
