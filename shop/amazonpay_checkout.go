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
	"kago/model"
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
// shopper cannot be used by another. The signature is made once per
// checkout and settings version and kept (settingsView), not on every view
// of the cart and order pages: PSS signatures are randomised, and any one
// of them is valid for the same payload.
func (s *Shop) AmazonPayOffer(ctx context.Context, checkoutID string, total int64, cartType, placement string) (AmazonPayOffer, error) {
	v, err := s.view(ctx)
	if err != nil {
		return AmazonPayOffer{}, err
	}
	a := v.amazon
	if !a.Configured() {
		return AmazonPayOffer{}, nil
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
	shopURL := s.shopURL()
	sig, err := v.buttons.get(shopURL+" "+checkoutID, func() (amazonpay.ButtonSignature, error) {
		// Amazon's 「キャンセル」 brings the buyer back to the order page; the
		// shop name is shown on Amazon's pages (AMAZON-PAY.md section 9).
		payload := amazonpay.CreateCheckoutSessionRequest{
			WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: shopURL + "/checkout/amazonpay/review?k=" + checkoutID,
				CheckoutCancelURL: shopURL + "/checkout"},
			StoreID:          a.StoreID,
			Scopes:           []string{"name", "email", "phoneNumber", "billingAddress"},
			MerchantMetadata: &amazonpay.MerchantMetadata{MerchantStoreName: truncateRunes(v.shop.ShopName, 50)},
		}
		if a.AllowIncrease {
			payload.PaymentDetails = &amazonpay.PaymentDetails{AllowOvercharge: true}
		}
		return client.SignCheckoutButton(payload)
	})
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
	// The buyer block is filled from Amazon's buyer data and billing address
	// when the shopper arrives from Amazon (or as another Amazon buyer); on
	// a later return (「変更」 at Amazon) what they edited stays. The delivery
	// address is kept apart: it never becomes the buyer's.
	if b := cs.Buyer; b != nil {
		amazon.BuyerID = b.BuyerID
	}
	if d.Amazon == nil || d.Amazon.BuyerID != amazon.BuyerID {
		f.Buyer = store.Address{}
		if cs.BillingAddress != nil {
			if addr, err := MapAmazonAddress(*cs.BillingAddress); err == nil {
				f.Buyer = addr
			}
		}
		if b := cs.Buyer; b != nil {
			name, email, phone := MapAmazonBuyer(*b)
			f.Email = email
			f.Buyer.FamilyName, f.Buyer.GivenName, f.Buyer.FamilyKana, f.Buyer.GivenKana = name, "", "", ""
			if phone != "" {
				f.Buyer.Phone = phone
			}
		}
	}
	if amazon.AddressFixed() {
		if cs.ShippingAddress == nil {
			amazon.AddressError = MsgAmazonAddressUnusable
		} else if addr, err := MapAmazonAddress(*cs.ShippingAddress); err != nil {
			amazon.AddressError = MsgAmazonAddressUnusable
		} else {
			amazon.Address = addr
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

// Replaced tells whether the order ended because the shopper placed a
// changed one instead: its cart went with the new order.
func (e *AmazonFailure) Replaced() bool { return e.ReasonCode == ReasonShopperChangedOrder }

// ErrAmazonPending is a completion that could not be confirmed yet (Amazon
// did not answer); the order stays pending and is finished by a retry.
var ErrAmazonPending = errors.New("amazon pay: completion not confirmed yet")

// Reason codes of the shop's own, for orders that end without Amazon having
// declined anything. Amazon never sends these.
const (
	// ReasonShopperChangedOrder: the shopper changed the checkout after
	// 「注文する」 and placed the changed one instead.
	ReasonShopperChangedOrder = "ShopperChangedOrder"
	// ReasonReservationLapsed: the buyer came back after the reservation
	// lapsed and the stock was gone meanwhile; the session is not completed.
	ReasonReservationLapsed = "ReservationLapsed"
)

// Limits on unpaid reservations, so one visitor cannot keep a product
// from others with orders that are never paid (stock hoarding): at most
// maxUnpaidPerClient Amazon Pay orders waiting for the buyer (a lapsed one
// counts until Amazon ends it, so a lapse opens no room), and together
// they hold at most the larger of minUnpaidShare units and half of what
// the shop had of a product. Bank transfer and COD orders are orders the
// buyer committed to; the merchant cancels those left unpaid (the
// dashboard counts them past their deadline).
const (
	maxUnpaidPerClient = 3
	minUnpaidShare     = 5
	msgTooManyUnpaid   = "お支払いが済んでいないAmazon Payのご注文が多いため、新しいご注文をお受けできません。お支払い手続き中のご注文を完了していただくか、しばらくしてからもう一度お試しください。"
	msgUnpaidShare     = "「%s」は、お支払いが済むまでに確保できる数（%d点）を超えています。数量を減らすか、銀行振込・代金引換をお選びください。"
)

// checkUnpaidShare applies the limits above to a new Amazon Pay order of a
// client, inside the writer after its stock was taken.
func checkUnpaidShare(tx *store.Tx, client string, lines []store.OrderLine) error {
	if n, err := tx.CountUnpaidReservations(client); err != nil {
		return err
	} else if n >= maxUnpaidPerClient {
		return Invalid(msgTooManyUnpaid)
	}
	for _, l := range lines {
		held, err := tx.UnpaidUnits(client, l.ProductID)
		if err != nil {
			return err
		}
		p, err := tx.Product(l.ProductID)
		if err != nil {
			return err
		}
		had := p.Stock + l.Quantity + held // before this client's unpaid orders
		if limit := max(minUnpaidShare, had/2); held+l.Quantity > limit {
			return Invalid(fmt.Sprintf(msgUnpaidShare, l.Name, limit))
		}
	}
	return nil
}

// PlaceAmazonOrder is 「注文する」 with Amazon Pay: the order is written as
// pending with its snapshot and reserved stock, then the checkout session is
// updated with the server's amount and the buyer is sent to Amazon. It
// returns the URL to send the buyer to. A second call confirming the same
// page sends the buyer to Amazon again for the same order.
func (s *Shop) PlaceAmazonOrder(ctx context.Context, in Confirmation) (string, store.Order, error) {
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
		p, err := prepareOrder(tx, in)
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
		if in.Client != "" {
			if err := checkUnpaidShare(tx, in.Client, order.Lines); err != nil {
				return err
			}
		}
		order.Status, order.PaymentStatus = store.OrderPending, store.AmazonPending
		if err := tx.InsertOrder(&order, "お客様"); err != nil {
			return err
		}
		if err := s.Members.orderPlaced(tx, order, p.draft, p.quote, false); err != nil {
			return err
		}
		snapshot, _ := json.Marshal(map[string]any{"order": order, "draft": p.draft})
		payment = store.AmazonPayment{OrderID: order.ID, CheckoutSessionID: p.draft.Amazon.SessionID, State: store.AmazonPending,
			SaleMethod: a.SaleMethod, AllowIncrease: a.AllowIncrease, ProductType: p.draft.Amazon.ProductType, Amount: order.Total,
			Instrument: p.draft.Amazon.Instrument, BuyerID: p.draft.Amazon.BuyerID, Snapshot: snapshot,
			Environment: a.Environment, MerchantReference: a.ReferencePrefix + strconv.FormatInt(order.Number, 10), ClientKey: in.Client}
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
	cs, err := client.UpdateCheckoutSession(ctx, payment.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{
		WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: s.shopURL() + "/checkout/amazonpay/result"},
		PaymentDetails: &amazonpay.PaymentDetails{PaymentIntent: payment.SaleMethod, CanHandlePendingAuthorization: payment.SaleMethod != SaleConfirm,
			ChargeAmount: amazonpay.PtrJPY(order.Total), PresentmentCurrency: amazonpay.CurrencyJPY},
		MerchantMetadata: &amazonpay.MerchantMetadata{MerchantReferenceID: payment.MerchantReference, MerchantStoreName: truncateRunes(st.ShopName, 50),
			NoteToBuyer: truncateRunes("ご注文番号 "+strconv.FormatInt(order.Number, 10), 255)},
	}, callTag(order.ID, 0))
	if err != nil {
		reason := amazonpay.ReasonCode(err)
		if reason == "" || isRetryable(err) {
			// Amazon did not answer: the order stays pending; the next
			// 「注文する」 of this page, or the recovery job, carries on.
			s.log.Warn("amazon pay update not confirmed", "order_id", order.ID, "err", err)
			return "", order, Invalid(msgAmazonUnavailable)
		}
		if ferr := s.failAmazonOrder(ctx, order.ID, completion{actor: actorCustomer}, reason, err.Error(), ""); ferr != nil {
			return "", order, ferr
		}
		return "", order, &AmazonFailure{Order: order, ReasonCode: reason}
	}
	if cs.WebCheckoutDetails.AmazonPayRedirectURL == "" {
		reason := amazonpay.ReasonInvalidCheckoutSessionStatus
		for _, c := range cs.Constraints {
			reason = c.ConstraintID // what keeps the session from going on, as Amazon names it
		}
		if ferr := s.failAmazonOrder(ctx, order.ID, completion{actor: actorCustomer}, reason, "no amazonPayRedirectUrl", cs.StatusDetails.State); ferr != nil {
			return "", order, ferr
		}
		return "", order, &AmazonFailure{Order: order, ReasonCode: reason}
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
// for the same session wait a moment (returnWait) for the one result, then
// answer ErrAmazonPending (the page asks again by itself) rather than keep
// the shopper waiting; a claim left by a process that died is taken over.
func (s *deps) CompleteAmazonOrder(ctx context.Context, sessionID string) (store.Order, error) {
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
	rs, err := s.RecoverySettings(ctx)
	if err != nil {
		return store.Order{}, err
	}
	if err := s.completeOnce(ctx, p, completion{actor: actorCustomer, recheck: rs.RecoverAfter}, returnWait); err != nil && !errors.Is(err, ErrAmazonPending) {
		return store.Order{}, err
	}
	o, err := s.db.Order(ctx, p.OrderID)
	if err != nil {
		return o, err
	}
	return o, s.amazonOutcome(ctx, p.OrderID)
}

// returnWait is how long a result return waits while another request
// completes the same payment.
const returnWait = 3 * time.Second

// completion is one claim on a payment's completion: the token that proves
// the claim is still this one's, who acts, and how long the recovery waits
// before it looks again when the buyer is still at Amazon.
type completion struct {
	token   string
	actor   model.Actor
	recheck time.Duration
}

// completeOnce completes a payment through its one claim: it takes the
// claim (or a stale one, whose holder died) and completes, or waits up to
// wait while another holder does. It returns nil when the payment left
// pending or completing (done or failed: see amazonOutcome), and
// ErrAmazonPending when it is still open.
func (s *deps) completeOnce(ctx context.Context, p store.AmazonPayment, c completion, wait time.Duration) error {
	rs, err := s.RecoverySettings(ctx)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(wait)
	for {
		token := newClaimToken()
		won, err := s.db.ClaimCompletion(ctx, p.OrderID, s.ownerName(), token, s.db.Now().Add(-rs.ClaimTimeout))
		if err != nil {
			return err
		}
		if won {
			c.token = token
			err := s.completeAmazon(ctx, p, c)
			if errors.Is(err, errClaimLost) {
				return ErrAmazonPending
			}
			return err
		}
		cur, err := s.db.AmazonPayment(ctx, p.OrderID)
		if err != nil {
			return err
		}
		switch {
		case cur.State == store.AmazonDone || cur.State == store.AmazonFailed:
			return nil
		case !time.Now().Before(deadline):
			return ErrAmazonPending
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// errClaimLost: the completion's claim was taken over (it had gone stale)
// before this holder could record its outcome; the new holder records it.
var errClaimLost = errors.New("amazon pay: completion claim taken over")

// amazonOutcome is nil for a completed payment, an *AmazonFailure for a
// failed one and ErrAmazonPending while it is not settled.
func (s *deps) amazonOutcome(ctx context.Context, orderID int64) error {
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

// completeAmazon runs after c won the claim (the buyer's return, the
// recovery, a notification or the admin's 「受注データを作成」: c.actor): it
// calls Amazon and records the answer as Amazon gave it, the charge
// permission and the charge in the ledger. Whatever happens the payment
// leaves 'completing': done, failed, or pending again with the time the
// recovery should look next.
func (s *deps) completeAmazon(ctx context.Context, p store.AmazonPayment, c completion) error {
	a, err := s.AmazonPaySettings(ctx)
	if err != nil {
		return s.releaseAmazon(ctx, p.OrderID, c, err, false)
	}
	client, err := s.amazonClient(a)
	if err != nil {
		return s.releaseAmazon(ctx, p.OrderID, c, err, false)
	}
	reserved := false
	if p.StockReleased {
		// The reservation lapsed. A buyer back from Amazon has paid late:
		// honoured when the stock is still there, else the session is never
		// completed and Amazon charges nothing. The recovery only tries
		// while the stock is there, and gives it back if the buyer has not
		// finished (a payment Amazon never took holds no stock).
		ok, err := s.reserveAgain(ctx, p.OrderID)
		switch {
		case err != nil:
			return s.releaseAmazon(ctx, p.OrderID, c, err, false)
		case !ok && c.actor == actorCustomer:
			return s.failAmazonOrder(ctx, p.OrderID, c, ReasonReservationLapsed, "", "")
		case !ok:
			return s.releaseAmazon(ctx, p.OrderID, c, errors.New("reservation lapsed and the stock is gone"), false)
		}
		reserved, p.StockReleased = true, false
	}
	// The key is built from the checkout session ID, which Amazon made
	// unique, not from the shop's order number, and the attempt, which
	// advances after a refusal so a retry is not answered with the stored
	// refusal (AMAZON-PAY.md section 9).
	key := amazonpay.IdempotencyKey("complete", p.CheckoutSessionID, strconv.Itoa(p.CompleteAttempt))
	tag := callTag(p.OrderID, 0)
	cs, err := client.CompleteCheckoutSession(ctx, p.CheckoutSessionID, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(p.Amount)}, key, tag)
	if reason := amazonpay.ReasonCode(err); err != nil && reason != "" && !isRetryable(err) {
		// Refused: ask Amazon what the session is. A canceled one says why
		// (BuyerCanceled, Declined, Expired, AmazonCanceled); a completed
		// one means an earlier answer was lost.
		got, gerr := client.GetCheckoutSession(ctx, p.CheckoutSessionID, tag)
		if gerr == nil {
			if err := s.db.NoteSessionState(ctx, p.OrderID, got.StatusDetails.State); err != nil {
				return s.releaseAmazon(ctx, p.OrderID, c, err, false)
			}
		}
		switch {
		case gerr != nil:
			return s.releaseAmazon(ctx, p.OrderID, c, gerr, false)
		case got.StatusDetails.State == amazonpay.StateOpen && reason == amazonpay.ReasonInvalidCheckoutSessionStatus:
			// The buyer has not finished at Amazon yet: nothing to fail.
			return s.notCompletedYet(ctx, p.OrderID, c, reserved)
		case got.StatusDetails.State == amazonpay.StateCanceled:
			r := got.StatusDetails.ReasonCode
			if r == "" {
				r = reason
			}
			return s.failAmazonOrder(ctx, p.OrderID, c, r, got.StatusDetails.ReasonDescription, got.StatusDetails.State)
		case got.StatusDetails.State == amazonpay.StateCompleted:
			cs, err = got, nil
		default:
			return s.failAmazonOrder(ctx, p.OrderID, c, reason, err.Error(), got.StatusDetails.State)
		}
	}
	if err != nil {
		return s.releaseAmazon(ctx, p.OrderID, c, err, false)
	}
	p.ChargePermissionID, p.ChargeID = cs.ChargePermissionID, cs.ChargeID
	// What Amazon holds now, for the ledger: the permission and the charge
	// (none for Confirm). An object Amazon did not answer for is recorded
	// as not read yet (state ""), never guessed; the settlement job (or
	// 最新の状態に更新) reads it.
	objs := amazonObjects{permission: &model.ChargePermission{ID: p.ChargePermissionID}}
	if perm, err := client.GetChargePermission(ctx, p.ChargePermissionID, tag); err == nil {
		p.Instrument = paymentDescriptor(perm.PaymentPreferences)
		objs.permission = permissionFrom(perm, s.db.Now())
	} else {
		p.Instrument = ""
		s.log.Warn("amazon pay permission not read after completion", "order_id", p.OrderID, "err", err)
	}
	if p.ChargeID != "" {
		ch := model.Charge{ID: p.ChargeID, PermissionID: p.ChargePermissionID, Amount: p.Amount}
		if got, err := client.GetCharge(ctx, p.ChargeID, tag); err == nil {
			if got.StatusDetails.State == amazonpay.StateDeclined {
				return s.failAmazonOrder(ctx, p.OrderID, c, got.StatusDetails.ReasonCode, got.StatusDetails.ReasonDescription, got.StatusDetails.State)
			}
			ch = chargeFrom(got, s.db.Now())
		} else {
			s.log.Warn("amazon pay charge not read after completion", "order_id", p.OrderID, "err", err)
		}
		objs.charges = []model.Charge{ch}
	}
	return s.finishAmazonOrder(ctx, p, a, objs, c, reserved)
}

// TestPayment tells whether a payment was made in the emulator or Amazon's
// sandbox, where no money moves (テスト決済). Orders from before the
// environment was recorded count as real.
func TestPayment(p store.AmazonPayment) bool {
	return p.Environment == EnvEmulator || p.Environment == EnvSandbox
}

// paymentDescriptor is the instrument the buyer paid with, e.g.
// "Visa ****4444", as Amazon describes it.
func paymentDescriptor(prefs []amazonpay.PaymentPreference) string {
	for _, p := range prefs {
		if p.PaymentDescriptor != "" {
			return p.PaymentDescriptor
		}
	}
	return ""
}

func isRetryable(err error) bool {
	var apErr *amazonpay.Error
	return errors.As(err, &apErr) && apErr.Retryable()
}

// notCompletedYet gives a claimed payment back after Amazon refused to
// complete it because the buyer has not finished: the next attempt gets a
// new key, stock taken again for this attempt goes back, and the recovery
// looks again after c.recheck.
func (s *deps) notCompletedYet(ctx context.Context, orderID int64, c completion, reserved bool) error {
	err := s.db.WithTx(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if held, err := tx.HoldsCompletion(orderID, c.token); err != nil || !held {
			return err
		}
		p, err := tx.AmazonPayment(orderID)
		if err != nil {
			return err
		}
		p.CompleteAttempt++
		if reserved {
			p.StockReleased = true
			if err := returnOrderStock(tx, orderID); err != nil {
				return err
			}
		}
		return tx.UpdateAmazonPayment(p)
	})
	if err != nil {
		return err
	}
	return s.releaseAmazon(ctx, orderID, c, errors.New("checkout session still open: the buyer has not finished at Amazon"), true)
}

// releaseAmazon puts a claimed payment back to pending when Amazon could
// not be asked or the buyer is still at Amazon (open), so the next return
// or the recovery completes it (with the same key when the outcome is
// unknown): the recovery looks again after c.recheck when the buyer is
// still at Amazon, else soon (30 s, doubling with each try, at most the
// recovery delay).
func (s *deps) releaseAmazon(ctx context.Context, orderID int64, c completion, cause error, open bool) error {
	s.log.Warn("amazon pay completion not confirmed", "order_id", orderID, "err", cause)
	ctx = context.WithoutCancel(ctx)
	rs, err := s.RecoverySettings(ctx)
	if err != nil {
		return err
	}
	tries, err := s.db.RecoveryTries(ctx, orderID)
	if err != nil {
		return err
	}
	next := s.db.Now().Add(c.recheck)
	if !open {
		next = s.db.Now().Add(min(retryDelay(tries), rs.RecoverAfter))
	}
	if _, err := s.db.ReleaseCompletion(ctx, orderID, c.token, next); err != nil {
		return err
	}
	return ErrAmazonPending
}

// finishAmazonOrder records a completed payment through the recorder and
// completes the order in one transaction: the completion record, the
// order's status, the permission and charge as Amazon reported them, the
// events, the mails, and the ordered lines leave the cart. reservedAgain
// says the stock of a lapsed reservation was taken again for this payment.
func (s *deps) finishAmazonOrder(ctx context.Context, p store.AmazonPayment, a AmazonPaySettings, objs amazonObjects, c completion, reservedAgain bool) error {
	return s.record(ctx, p.OrderID, c.actor, func(r *recorder) error {
		tx := r.tx
		if held, err := tx.HoldsCompletion(p.OrderID, c.token); err != nil {
			return err
		} else if !held {
			return errClaimLost
		}
		if reservedAgain {
			if err := tx.AddOrderHistory(p.OrderID, "自動処理", "在庫を再確保", "在庫の確保時間の後にお支払いが確認されたため、在庫を確保し直しました"); err != nil {
				return err
			}
		}
		p.State = store.AmazonDone
		if err := tx.UpdateAmazonPayment(p); err != nil {
			return err
		}
		o, err := tx.Order(p.OrderID)
		if err != nil {
			return err
		}
		if err := r.orderStatus(o, store.OrderNew, nil); err != nil {
			return err
		}
		complete := model.Operation{Kind: model.OpComplete}
		if err := r.event(model.Event{Kind: model.EventAmazonOperation, Operation: model.OpComplete, Result: model.OpSucceeded,
			ObjectID: p.ChargePermissionID, Amount: p.Amount}); err != nil {
			return err
		}
		if err := r.saveAmazon(objs, complete); err != nil {
			return err
		}
		kv, err := tx.Settings()
		if err != nil {
			return err
		}
		if err := (&Members{s}).orderDone(tx, p.OrderID); err != nil {
			return err
		}
		notes := ""
		if a.NotesOnThanks {
			notes = a.Notes
		}
		if err := s.enqueueThanks(tx, o, settingsFrom(kv), notes, TestPayment(p)); err != nil {
			return err
		}
		c, err := tx.Checkout(o.CheckoutID)
		if err != nil {
			return err
		}
		return takeOrderedFromCart(tx, c.CartToken, o)
	})
}

// testPaymentMark heads the subject of every mail about a test payment's
// order, and testPaymentNote the notes of its thanks mail.
const (
	testPaymentMark = "【テスト決済】"
	testPaymentNote = testPaymentMark + "このご注文はAmazon Payのテスト環境でのお支払いです。実際の請求は発生しません。\n"
)

// failAmazonOrder keeps the order as 決済失敗 with the reason and gives its
// stock back; the shopper's cart is untouched. amazonState is the state
// Amazon reported for the session or charge ("" when Amazon reported none);
// c.actor is who brought the failure about, and c.token the completion's
// claim that must still hold ("" for a payment not being completed).
func (s *deps) failAmazonOrder(ctx context.Context, orderID int64, c completion, reason, detail, amazonState string) error {
	return s.db.WithTx(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if c.token != "" {
			if held, err := tx.HoldsCompletion(orderID, c.token); err != nil {
				return err
			} else if !held {
				return errClaimLost
			}
		}
		p, err := tx.AmazonPayment(orderID)
		if err != nil {
			return err
		}
		return failAmazonOrderTx(tx, p, c.actor, reason, detail, amazonState)
	})
}

// failAmazonOrderTx is failAmazonOrder inside the caller's transaction: the
// recorder writes the status change and the completion's failed outcome.
func failAmazonOrderTx(tx *store.Tx, p store.AmazonPayment, actor model.Actor, reason, detail, amazonState string) error {
	if p.State == store.AmazonFailed || p.State == store.AmazonDone {
		return nil
	}
	stockHeld := !p.StockReleased
	p.State, p.ReasonCode, p.ReasonText, p.AmazonState, p.StockReleased = store.AmazonFailed, reason, truncateRunes(detail, 500), amazonState, true
	if err := tx.UpdateAmazonPayment(p); err != nil {
		return err
	}
	if err := tx.SetPaymentStatus(p.OrderID, store.AmazonFailed); err != nil {
		return err
	}
	if stockHeld {
		if err := returnOrderStock(tx, p.OrderID); err != nil {
			return err
		}
	}
	if err := returnOrderBenefits(tx, p.OrderID); err != nil {
		return err
	}
	// The stock is back (now, or when the reservation lapsed): it never goes
	// back again for this order.
	if _, err := tx.ClaimStockReturn(p.OrderID); err != nil {
		return err
	}
	o, err := tx.Order(p.OrderID)
	if err != nil {
		return err
	}
	r := &recorder{tx: tx, orderID: p.OrderID, actor: actor}
	if err := r.orderStatus(o, store.OrderFailed, nil); err != nil {
		return err
	}
	return r.event(model.Event{Kind: model.EventAmazonOperation, Operation: model.OpComplete, Result: model.OpFailed, ReasonCode: reason,
		Amount: p.Amount})
}

func returnOrderStock(tx *store.Tx, orderID int64) error {
	o, err := tx.Order(orderID)
	if err != nil {
		return err
	}
	for _, l := range o.Lines {
		if err := tx.ReturnStock(l.ProductID, l.Quantity); err != nil {
			return err
		}
	}
	return nil
}

// reserveAgain takes the stock of an order whose reservation lapsed, if it
// is all still there; false when a line is short.
func (s *deps) reserveAgain(ctx context.Context, orderID int64) (bool, error) {
	ok := false
	err := s.db.WithTx(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		ok = false // WithTx may run this again
		p, err := tx.AmazonPayment(orderID)
		if err != nil || !p.StockReleased {
			ok = err == nil
			return err
		}
		o, err := tx.Order(orderID)
		if err != nil {
			return err
		}
		for _, l := range o.Lines {
			if err := tx.TakeStock(l.ProductID, l.Quantity); errors.Is(err, store.ErrConflict) {
				return errStockGone
			} else if err != nil {
				return err
			}
		}
		p.StockReleased = false
		ok = true
		return tx.UpdateAmazonPayment(p)
	})
	if errors.Is(err, errStockGone) {
		return false, nil
	}
	return ok, err
}

var errStockGone = errors.New("stock gone")

// ReleaseLapsedReservations gives back the stock of Amazon Pay orders whose
// buyer has not come back within the reservation time (a setting): an
// unpaid order cannot hold a product for the 24 hours Amazon keeps a
// checkout session open. The order stays pending; a late payment is
// honoured when the stock is still there (see completeAmazon). It reports
// how many reservations it released; safe on several instances.
func (s *Shop) ReleaseLapsedReservations(ctx context.Context) (int, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return 0, err
	}
	lapsed, err := s.db.UnpaidAmazonPayments(ctx, s.db.Now().Add(-time.Duration(st.ReservationMinutes)*time.Minute), recoverBatch)
	if err != nil {
		return 0, err
	}
	released := 0
	for _, lp := range lapsed {
		done := false
		err := s.db.WithTx(ctx, func(tx *store.Tx) error {
			done = false // WithTx may run this again
			p, err := tx.AmazonPayment(lp.OrderID)
			if err != nil || p.State != store.AmazonPending || p.StockReleased {
				return err // completed or released meanwhile
			}
			p.StockReleased = true
			if err := tx.UpdateAmazonPayment(p); err != nil {
				return err
			}
			if err := returnOrderStock(tx, p.OrderID); err != nil {
				return err
			}
			done = true
			return tx.AddOrderHistory(p.OrderID, "自動処理", "在庫の確保を解除",
				fmt.Sprintf("%d分以内にお支払いが確認できなかったため、在庫を戻しました", st.ReservationMinutes))
		})
		if err != nil {
			return released, err
		}
		if done {
			released++
		}
	}
	return released, nil
}
