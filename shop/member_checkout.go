package shop

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"kago/model"
	"kago/store"
)

// Members at checkout (F-06, F-33, F-34): the points and coupon a member
// uses, the registration a guest asks for on the order page, and what
// happens when the order is placed, done (注文完了) and completed by the shop
// (受注完了): benefits booked, points given, the member registered and the
// Amazon account of the payment linked, at the shop's registration timing.

// MemberCheckout is the member part of a checkout draft.
type MemberCheckout struct {
	Points     int64         `json:"points,omitempty"`      // ご利用ポイント as chosen; the quote caps it
	CouponCode string        `json:"coupon_code,omitempty"` // as typed, kept when refused
	Coupon     *CouponChoice `json:"coupon,omitempty"`      // the coupon accepted
	Register   *Registration `json:"register,omitempty"`    // a guest's registration
}

// CouponChoice is what the checkout needs of an accepted coupon; placing the
// order checks the coupon again.
type CouponChoice struct {
	ID          int64  `json:"id"`
	Code        string `json:"code"`
	Kind        string `json:"kind"`
	Value       int64  `json:"value"`
	MinSubtotal int64  `json:"min_subtotal"`
}

// Registration is a registration asked for on the order page. PasswordHash
// is the bcrypt of the chosen password; empty (paying with Amazon Pay only)
// means a temporary password is mailed (seed 003).
type Registration struct {
	LoginID      string `json:"login_id,omitempty"`
	PasswordHash string `json:"password_hash,omitempty"`
}

// MemberCheckoutInput is the member part of an order page as posted.
type MemberCheckoutInput struct {
	Points, CouponCode                         string // a member's (PartPayment)
	Register                                   bool   // a guest's (PartBuyer)
	LoginID, Password, PasswordConfirm, Amazon string
}

// Messages of the member part of the order pages.
const (
	msgRegisterTaken  = "このメールアドレスは既に会員登録されています。ログインしてからご注文いただくか、会員登録のチェックを外してください。"
	msgPointsBalance  = "ご利用ポイントは、保有ポイント（%sポイント）以内の半角数字で入力してください。"
	msgPointsShort    = "保有ポイントが足りなくなりました。ご利用ポイントを変更してください。"
	msgMemberSignedIn = "会員のログイン状態を確認できませんでした。もう一度ログインしてからご注文ください。"
	msgCouponChanged  = "ご利用のクーポンが使えなくなりました。ご注文内容をご確認ください。"
)

// ApplyCheckout checks and stores in d the member part of the given parts
// of an order page: for a member (memberID) the points and coupon
// (PartPayment), for a guest the registration (PartBuyer). It returns the
// messages per field (points, coupon_code, register, reg_login_id,
// reg_password, reg_password_confirm); SaveDraft stores the draft.
func (m *Members) ApplyCheckout(ctx context.Context, d *Draft, memberID int64, parts int, in MemberCheckoutInput) (map[string]string, error) {
	fields := map[string]string{}
	if d.Member == nil {
		d.Member = &MemberCheckout{}
	}
	mc := d.Member
	if memberID != 0 {
		mc.Register = nil
		if parts&PartPayment != 0 {
			if err := m.applyBenefits(ctx, d, memberID, in, fields); err != nil {
				return fields, err
			}
		}
		return fields, nil
	}
	mc.Points, mc.CouponCode, mc.Coupon = 0, "", nil
	if parts&PartBuyer != 0 {
		if err := m.applyRegistration(ctx, d, in, fields); err != nil {
			return fields, err
		}
	}
	return fields, nil
}

func (m *Members) applyBenefits(ctx context.Context, d *Draft, memberID int64, in MemberCheckoutInput, fields map[string]string) error {
	mem, err := m.Member(ctx, memberID)
	if err != nil {
		return err
	}
	mc := d.Member
	raw := strings.TrimSpace(toHalfWidthDigits(in.Points))
	mc.Points = 0
	if raw != "" {
		n, err := strconv.ParseInt(strings.ReplaceAll(raw, ",", ""), 10, 64)
		if err != nil || n < 0 || n > max(mem.Points, 0) {
			fields["points"] = strings.Replace(msgPointsBalance, "%s", strconv.FormatInt(max(mem.Points, 0), 10), 1)
		} else {
			mc.Points = n
		}
	}
	mc.CouponCode, mc.Coupon = NormalizeCouponCode(in.CouponCode), nil
	if mc.CouponCode == "" {
		return nil
	}
	c, err := m.db.CouponByCode(ctx, mc.CouponCode)
	if errors.Is(err, store.ErrNotFound) {
		fields["coupon_code"] = msgCouponUnknown
		return nil
	}
	if err != nil {
		return err
	}
	used, err := m.db.CouponUsed(ctx, c.ID, memberID)
	if err != nil {
		return err
	}
	lines, err := m.db.CartLines(ctx, d.CartToken)
	if err != nil {
		return err
	}
	if err := checkCoupon(c, used, priceCart(d.CartToken, lines, true).Subtotal, m.db.Now()); err != nil {
		fields["coupon_code"] = err.Error()
		return nil
	}
	mc.Coupon = &CouponChoice{ID: c.ID, Code: c.Code, Kind: c.Kind, Value: c.Value, MinSubtotal: c.MinSubtotal}
	return nil
}

func (m *Members) applyRegistration(ctx context.Context, d *Draft, in MemberCheckoutInput, fields map[string]string) error {
	mc := d.Member
	if !in.Register {
		mc.Register = nil
		return nil
	}
	old := mc.Register
	reg := &Registration{LoginID: strings.TrimSpace(toHalfWidth(in.LoginID))}
	mc.Register = reg
	email := strings.TrimSpace(toHalfWidth(d.Form.Email))
	if reg.LoginID != "" && !loginIDRe.MatchString(reg.LoginID) {
		fields["reg_login_id"] = "ログインIDは半角英数字で始まる4〜32文字（英数字と _ . - ）で入力してください。"
	}
	if ValidEmail(email) {
		if other, err := m.db.MemberByLogin(ctx, email); err == nil && other.ID != 0 {
			fields["register"] = msgRegisterTaken
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if reg.LoginID != "" && fields["reg_login_id"] == "" {
		if _, err := m.db.MemberByLogin(ctx, reg.LoginID); err == nil {
			fields["reg_login_id"] = msgLoginIDTaken
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	switch {
	case in.Password == "" && old != nil && old.PasswordHash != "":
		reg.PasswordHash = old.PasswordHash // chosen before; a page never shows it again
	case in.Password == "" && d.Amazon != nil:
		// A temporary password is mailed when the member is made (seed 003).
	default:
		if msg := checkPassword(in.Password, reg.LoginID, email); msg != "" {
			fields["reg_password"] = msg
		} else if in.PasswordConfirm != in.Password {
			fields["reg_password_confirm"] = "確認用のパスワードが一致しません。"
		} else {
			hash, err := m.passwords.hash(in.Password)
			if err != nil {
				return err
			}
			reg.PasswordHash = hash
		}
	}
	return nil
}

// Discount is what a member's points and coupon take off an order, split
// over the tax rates (benefits.go states the rules).
type Discount struct {
	CouponCode string
	CouponID   int64
	Coupon     int64 // yen off by the coupon
	Points     int64 // points used, one yen each
	PerRate    map[int]int64
}

// Total is the whole discount in yen.
func (d Discount) Total() int64 { return d.Coupon + d.Points }

// applyDiscount takes a member's points and coupon off a quote: the total
// and the per-rate totals and their tax. Only a cart priced for a member
// gets them. The payment stays at least 1 yen (Amazon Pay takes no 0-yen
// orders, seed 002; neither does the shop).
func applyDiscount(q *Quote, d Draft) {
	mc := d.Member
	if !q.Cart.Member || mc == nil {
		return
	}
	room := min(q.Cart.Subtotal, q.Total-1)
	var disc Discount
	if c := mc.Coupon; c != nil && q.Cart.Subtotal >= c.MinSubtotal {
		disc.CouponID, disc.CouponCode = c.ID, c.Code
		disc.Coupon = min(CouponDiscount(model.Coupon{Kind: c.Kind, Value: c.Value}, q.Cart.Subtotal), max(room, 0))
	}
	disc.Points = min(mc.Points, max(room-disc.Coupon, 0))
	if disc.Total() == 0 {
		return
	}
	disc.PerRate = SplitDiscount(disc.Total(), q.Cart.RateTotals)
	perRate := map[int]int64{}
	for _, r := range q.RateTotals {
		perRate[r.Rate] = r.Total - disc.PerRate[r.Rate]
	}
	q.RateTotals = rateTotals(perRate)
	q.Total -= disc.Total()
	q.Discount = disc
}

// MemberCheckoutStatus is what the order pages show of the member part.
type MemberCheckoutStatus struct {
	Points     int64  // as chosen
	CouponCode string // as typed
	Register   bool
	LoginID    string
	Password   bool // a password was chosen before (not shown again)
}

// Status reads the member part of a draft for the pages.
func (mc *MemberCheckout) Status() MemberCheckoutStatus {
	if mc == nil {
		return MemberCheckoutStatus{}
	}
	s := MemberCheckoutStatus{Points: mc.Points, CouponCode: mc.CouponCode}
	if r := mc.Register; r != nil {
		s.Register, s.LoginID, s.Password = true, r.LoginID, r.PasswordHash != ""
	}
	return s
}

// PrefillCheckout fills an empty buyer block of a member's checkout from
// the member's own data (never the other way round: Amazon's data does not
// change a member). It tells whether it changed the draft.
func (m *Members) PrefillCheckout(ctx context.Context, d *Draft, memberID int64) (bool, error) {
	if d.Amazon != nil || d.Form.Email != "" || d.Form.Buyer.FamilyName != "" {
		return false, nil
	}
	mem, err := m.Member(ctx, memberID)
	if err != nil {
		return false, err
	}
	d.Form.Email, d.Form.Buyer = mem.Email, mem.Address
	return true, nil
}

// LinkedMember returns the active member linked to an Amazon buyer ID: the
// member a buyer coming back from Amazon is logged in as (F-34).
func (m *Members) LinkedMember(ctx context.Context, buyerID string) (model.Member, bool, error) {
	if buyerID == "" {
		return model.Member{}, false, nil
	}
	mem, err := m.db.MemberByAmazon(ctx, buyerID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && mem.Status != model.MemberActive) {
		return mem, false, nil
	}
	return mem, err == nil, err
}

// orderPlaced runs in the transaction that writes an order (「注文する」):
// a member's points and coupon are taken (checked again against the
// balance and the coupon's rules, so two orders cannot spend them twice),
// and a guest's registration is recorded. done says the order is already
// done (銀行振込, 代金引換); an Amazon Pay order is done at completion.
func (m *Members) orderPlaced(tx *store.Tx, o store.Order, d Draft, q Quote, done bool) error {
	if o.MemberID.Valid {
		mem, err := activeMember(tx, o.MemberID.Int64)
		if errors.Is(err, store.ErrNotFound) {
			return Invalid(msgMemberSignedIn)
		}
		if err != nil {
			return err
		}
		if err := m.takeBenefits(tx, mem, o, q); err != nil {
			return err
		}
	} else if d.Member != nil && d.Member.Register != nil {
		if err := tx.InsertOrderRegistration(store.OrderRegistration{OrderID: o.ID, LoginID: d.Member.Register.LoginID,
			PasswordHash: d.Member.Register.PasswordHash}); err != nil {
			return err
		}
	}
	if done {
		return m.orderDone(tx, o.ID)
	}
	return nil
}

func (m *Members) takeBenefits(tx *store.Tx, mem model.Member, o store.Order, q Quote) error {
	disc := q.Discount
	b := model.OrderBenefits{OrderID: o.ID, MemberID: mem.ID, PointsUsed: disc.Points, CouponID: disc.CouponID,
		CouponCode: disc.CouponCode, CouponDiscount: disc.Coupon, Discount10: disc.PerRate[TaxStandard], Discount8: disc.PerRate[TaxReduced]}
	if disc.Points > 0 {
		if mem.Points < disc.Points {
			return Invalid(msgPointsShort)
		}
		if _, err := tx.AddPoints(mem.ID, o.ID, model.PointsUsed, -disc.Points); err != nil {
			return err
		}
	}
	if disc.CouponID != 0 {
		c, err := tx.Coupon(disc.CouponID)
		if err != nil || c.Code != disc.CouponCode {
			return Invalid(msgCouponChanged)
		}
		if err := checkCoupon(c, false, q.Cart.Subtotal, tx.Now()); err != nil {
			return err
		}
		if err := tx.UseCoupon(c.ID, mem.ID, o.ID, disc.Coupon); errors.Is(err, store.ErrConflict) {
			return Invalid(msgCouponUsed)
		} else if err != nil {
			return err
		}
	}
	return tx.InsertOrderBenefits(b)
}

// orderDone runs in the transaction that makes an order done (注文完了: a
// bank or cash-on-delivery order when placed, an Amazon Pay order when its
// payment completes). A member gets the points for it and, at the timing
// 注文完了時, the Amazon account that paid is linked (F-33); a guest who
// asked to register becomes a member (provisional at 受注完了時).
func (m *Members) orderDone(tx *store.Tx, orderID int64) error {
	o, st, err := orderAndSettings(tx, orderID)
	if err != nil {
		return err
	}
	if o.MemberID.Valid {
		mem, err := tx.Member(o.MemberID.Int64)
		if err != nil {
			return err
		}
		if err := givePoints(tx, o, st); err != nil {
			return err
		}
		if st.MemberRegistration == RegisterAtOrder {
			return linkPayer(tx, mem, o)
		}
		return nil
	}
	reg, err := tx.TakeOrderRegistration(orderID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return m.registerFromOrder(tx, o, reg, st)
}

// givePoints books the points of a member's order, once.
func givePoints(tx *store.Tx, o store.Order, st Settings) error {
	b, err := tx.OrderBenefits(o.ID)
	if err != nil {
		return err
	}
	points := PointsEarned(o.Subtotal-b.Discount(), st.PointsRate)
	if points == 0 {
		return nil
	}
	if err := tx.SetPointsEarned(o.ID, points); errors.Is(err, store.ErrConflict) {
		return nil
	} else if err != nil {
		return err
	}
	_, err = tx.AddPoints(b.MemberID, o.ID, model.PointsEarned, points)
	return err
}

// linkPayer links the Amazon account that paid for an order to its member
// when neither has a link yet; otherwise it leaves both as they are (an
// existing link is never replaced, and an order is never failed for it).
func linkPayer(tx *store.Tx, mem model.Member, o store.Order) error {
	if o.PaymentMethod != PayAmazon || mem.Status != model.MemberActive || mem.Linked() {
		return nil
	}
	p, err := tx.AmazonPayment(o.ID)
	if err != nil || p.BuyerID == "" {
		return err
	}
	if _, err := tx.MemberByAmazon(p.BuyerID); err == nil {
		return tx.AddOrderHistory(o.ID, "自動処理", "Amazonアカウント連携", "このAmazonアカウントは別の会員と連携済みのため、連携しませんでした")
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return linkAmazon(tx, mem, p.BuyerID, model.SourceCheckout, o.ID)
}

// registerFromOrder makes the member a guest asked for, from the order's
// buyer and e-mail (for Amazon Pay, Amazon's buyer data: the full name in
// the family name, no furigana). At 注文完了時 it is a member at once, at
// 受注完了時 仮登録 until the shop completes the order.
func (m *Members) registerFromOrder(tx *store.Tx, o store.Order, reg store.OrderRegistration, st Settings) error {
	fields := map[string]string{}
	if err := checkKeysFree(tx, 0, o.Email, reg.LoginID, fields); err != nil {
		return err
	}
	if len(fields) > 0 {
		// Taken meanwhile by another registration: the order stands, the
		// registration does not.
		return tx.AddOrderHistory(o.ID, "自動処理", "会員登録", "メールアドレスまたはログインIDが既に使われているため、会員登録しませんでした")
	}
	source := model.MemberViaCheckout
	if reg.PasswordHash == "" {
		source = model.MemberViaAmazon
	}
	mem := model.Member{LoginID: reg.LoginID, Email: o.Email, PasswordHash: reg.PasswordHash, Status: model.MemberProvisional,
		Source: source, Address: o.Buyer}
	if err := tx.InsertMember(&mem); err != nil {
		return err
	}
	if err := tx.SetOrderMember(o.ID, mem.ID); err != nil {
		return err
	}
	o.MemberID.Int64, o.MemberID.Valid = mem.ID, true
	if err := tx.InsertOrderBenefits(model.OrderBenefits{OrderID: o.ID, MemberID: mem.ID}); err != nil {
		return err
	}
	if err := tx.AddMemberEvent(model.MemberEvent{MemberID: mem.ID, Kind: model.EventRegistered, Source: model.SourceCheckout, OrderID: o.ID}); err != nil {
		return err
	}
	if st.MemberRegistration == RegisterAtCompletion {
		return tx.AddOrderHistory(o.ID, "自動処理", "会員登録", "仮登録（受注完了時に本登録）")
	}
	return m.activate(tx, mem, o, model.SourceCheckout)
}

// activate makes a provisional member a member: a temporary password when
// none was chosen, the Amazon account that paid linked, the order's points
// given, and the registration mail sent.
func (m *Members) activate(tx *store.Tx, mem model.Member, o store.Order, source string) error {
	if err := tx.ActivateMember(mem.ID); err != nil {
		return err
	}
	mem.Status = model.MemberActive
	temporary := ""
	if mem.PasswordHash == "" {
		temporary = RandomPassword()
		hash, err := m.passwords.hash(temporary)
		if err != nil {
			return err
		}
		if err := tx.SetMemberPassword(mem.ID, hash, true); err != nil {
			return err
		}
		mem.PasswordTemporary = true
	}
	if source == model.SourceAdmin {
		if err := tx.AddMemberEvent(model.MemberEvent{MemberID: mem.ID, Kind: model.EventActivated, Source: source, OrderID: o.ID}); err != nil {
			return err
		}
	}
	kv, err := tx.Settings()
	if err != nil {
		return err
	}
	if err := givePoints(tx, o, settingsFrom(kv)); err != nil {
		return err
	}
	if err := linkPayer(tx, mem, o); err != nil {
		return err
	}
	if err := tx.AddOrderHistory(o.ID, "自動処理", "会員登録", "会員番号 "+strconv.FormatInt(mem.ID, 10)+" として登録しました"); err != nil {
		return err
	}
	return m.enqueueRegistered(tx, mem, temporary)
}

// OrderFulfilled runs in the transaction that moves an order to 受注完了: a
// member registered with it as 仮登録 becomes a member, and at the timing
// 受注完了時 the Amazon account that paid is linked (F-33). The lead's order
// status change calls it; it is safe to call more than once.
func (m *Members) OrderFulfilled(tx *store.Tx, orderID int64) error {
	o, err := tx.Order(orderID)
	if err != nil || !o.MemberID.Valid {
		return err
	}
	mem, err := tx.Member(o.MemberID.Int64)
	if err != nil {
		return err
	}
	switch mem.Status {
	case model.MemberProvisional:
		return m.activate(tx, mem, o, model.SourceAdmin)
	case model.MemberActive:
		kv, err := tx.Settings()
		if err != nil {
			return err
		}
		if settingsFrom(kv).MemberRegistration == RegisterAtCompletion {
			return linkPayer(tx, mem, o)
		}
	}
	return nil
}

// WithFields adds field messages to the result of a form save: err's own
// fields when it is an InputError, a new InputError when err is nil and
// there are messages, err unchanged otherwise.
func WithFields(err error, fields map[string]string) error {
	if len(fields) == 0 {
		return err
	}
	if ie, ok := AsInputError(err); ok {
		merged := &InputError{Message: ie.Message, Fields: map[string]string{}}
		for k, v := range ie.Fields {
			merged.Fields[k] = v
		}
		for k, v := range fields {
			merged.Fields[k] = v
		}
		if merged.Message == "" {
			merged.Message = msgFixInput
		}
		return merged
	}
	if err != nil {
		return err
	}
	return &InputError{Message: msgFixInput, Fields: fields}
}
