package shop

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"kago/jp"
	"kago/model"
	"kago/store"
)

// OrderEdits is 編集モード of 受注明細 (F-43; seed 000 9-4-3 to 9-4-5, 10-3-2
// to 10-3-4, 10-4-2 to 10-4-4, 10-5-4 to 10-5-6, 11-3-1 to 11-3-3): change
// or remove quantities, add a product, add or remove adjustment lines (a
// 名目 and a signed amount per tax rate). The totals and the tax of each
// rate are computed again as when the order was placed; stock follows the
// quantities; the change is one event with the totals before and after.
// An Amazon Pay order's new total is checked against the increase rules
// (CheckAmazonTotal) before it is saved; the money at Amazon then follows
// by the operations of the red frame, never by the edit itself.
type OrderEdits struct{ *deps }

// Bounds of an order's total (seed 001: 1 to 1,000,000 JPY; seed 002: no
// 0-yen orders) and of one adjustment.
const (
	maxOrderTotal      = AmazonPayMaxTotal
	maxAdjustmentName  = 50
	maxAdjustmentLines = 20
)

// Messages of 編集モード.
var (
	// ErrOrderEdited: the order was edited since the form was drawn (by
	// another admin or in another window). The page is drawn again with
	// the change; nothing of it is lost.
	ErrOrderEdited = Invalid("この注文は、この画面を開いた後に別の画面（他の管理者）で編集されました。最新の内容を表示しています。変更したい内容をもう一度入力してください。")
	errNotEditable = Invalid("この注文は編集できません。編集できるのは「新規受付」「発送済み」の注文です。")
	errNoChange    = Invalid("変更する内容がありません。数量を変えるか、商品・金額調整を追加してください。")
)

// OrderEditView is what 編集モード shows.
type OrderEditView struct {
	Order   store.Order
	Version int64 // the edit version the page is drawn from
	// Editable tells whether the order can be edited; Reason says why not.
	Editable bool
	Reason   string
	// Amazon: an Amazon Pay order, with its increase rules and the money
	// at Amazon now (the comment at the top of 編集モード, seed 000 10-3-3).
	Amazon        bool
	Original      int64 // the amount at order time
	AllowIncrease bool
	GiftCardOnly  bool
	MaxTotal      int64 // the highest total an edit may give (with 増額)
	Gap           *AmountGap
	// Found are the products a search for one to add found.
	Query string
	Found []store.Product
}

// View reads an order for 編集モード; query searches products to add
// (商品追加), by name.
func (e *OrderEdits) View(ctx context.Context, orderID int64, query string) (OrderEditView, error) {
	o, err := e.db.Order(ctx, orderID)
	if err != nil {
		return OrderEditView{}, err
	}
	v := OrderEditView{Order: o, Query: strings.TrimSpace(query), MaxTotal: maxOrderTotal}
	if v.Version, err = e.db.OrderEditVersion(ctx, orderID); err != nil {
		return v, err
	}
	back, err := e.db.StockReturned(ctx, orderID)
	if err != nil {
		return v, err
	}
	var ap *store.AmazonPayment
	if o.PaymentMethod == PayAmazon {
		p, err := e.db.AmazonPayment(ctx, orderID)
		if err != nil {
			return v, err
		}
		ap = &p
	}
	if msg := notEditable(o, back, ap); msg != nil {
		v.Reason = msg.Message
	} else {
		v.Editable = true
	}
	if ap != nil {
		v.Amazon, v.Original, v.AllowIncrease = true, ap.Amount, ap.AllowIncrease
		l, err := e.db.Ledger(ctx, orderID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return v, err
		}
		f := paymentFacts(o, back, *ap, l)
		v.GiftCardOnly = f.GiftCardOnly
		v.MaxTotal = ap.Amount
		if f.AllowIncrease && !f.GiftCardOnly {
			v.MaxTotal = min(IncreaseCeiling(ap.Amount), maxOrderTotal)
			if limit := l.Permission.AmountLimit; limit > 0 {
				v.MaxTotal = min(v.MaxTotal, limit)
			}
		}
		if err == nil {
			v.Gap = amountGap(l, f)
		}
	}
	if v.Query != "" && v.Editable {
		found, err := (&Catalog{deps: e.deps}).Admin(ctx, v.Query, 0, "", 1)
		if err != nil {
			return v, err
		}
		v.Found = found.Products
	}
	return v, nil
}

// notEditable says why an order cannot be edited; nil when it can: only
// open orders (新規受付, 発送済み; seed 000: after 受注完了 only the papers
// and refunds remain), whose stock is still taken, and for Amazon Pay whose
// payment was completed at Amazon.
func notEditable(o store.Order, stockReturned bool, ap *store.AmazonPayment) *InputError {
	switch {
	case o.Status != store.OrderNew && o.Status != store.OrderShipped:
		return errNotEditable
	case stockReturned:
		return Invalid("この注文は在庫を戻してあるため（全額返金・オーソリキャンセル・破棄のとき「在庫を戻す」を選んだため）、編集できません。")
	case ap != nil && ap.State != store.AmazonDone:
		return Invalid("Amazon Payの決済が完了していない注文は編集できません。")
	}
	return nil
}

// EditInput is one 変更 of 編集モード as typed. Quantities maps a product
// line's number to its new quantity (0 removes the line; a line not in
// the map stays as it is).
type EditInput struct {
	OrderID    int64
	Version    string // the edit version the form was drawn from
	Quantities map[int]string
	// AddProduct and AddQuantity add a product (商品追加).
	AddProduct, AddQuantity string
	// RemoveAdjustments are the adjustment lines ticked 削除, by number.
	RemoveAdjustments []string
	// AdjustName, Adjust10 and Adjust8 add an adjustment: its 名目 and a
	// signed amount for each tax rate (either may be empty).
	AdjustName, Adjust10, Adjust8 string
	Actor                         string // the admin's login
}

// EditResult is what an edit changed.
type EditResult struct {
	Before, After int64 // the order's total, yen
	Message       string
}

// Apply makes one edit in one transaction: the edit version from the form
// (ErrOrderEdited when another edit came first), the new lines and
// adjustments, the stock, the totals per rate, the increase rules of an
// Amazon Pay order, and the event with the totals before and after. A
// refusal is an *InputError (Fields keyed by the form's field names for
// what was typed wrong) and changes nothing.
func (e *OrderEdits) Apply(ctx context.Context, in EditInput) (EditResult, error) {
	var res EditResult
	version, verr := strconv.ParseInt(in.Version, 10, 64)
	err := e.record(ctx, in.OrderID, AdminActor(in.Actor), func(r *recorder) error {
		o, err := r.tx.Order(in.OrderID)
		if err != nil {
			return err
		}
		back, err := r.tx.StockReturned(o.ID)
		if err != nil {
			return err
		}
		var ap *store.AmazonPayment
		if o.PaymentMethod == PayAmazon {
			p, err := r.tx.AmazonPayment(o.ID)
			if err != nil {
				return err
			}
			ap = &p
		}
		if msg := notEditable(o, back, ap); msg != nil {
			return msg
		}
		if verr != nil {
			return ErrOrderEdited
		}
		if err := r.tx.ClaimOrderEdit(o.ID, version); errors.Is(err, store.ErrConflict) {
			return ErrOrderEdited
		} else if err != nil {
			return err
		}
		edited, items, err := editedOrder(r.tx, o, in)
		if err != nil {
			return err
		}
		if err := checkTotals(edited); err != nil {
			return err
		}
		if ap != nil {
			l, lerr := r.tx.Ledger(o.ID)
			if lerr != nil && !errors.Is(lerr, store.ErrNotFound) {
				return lerr
			}
			if err := CheckAmazonTotal(paymentFacts(edited, back, *ap, l), l, edited.Total); err != nil {
				return err
			}
			// The payment's rules read the order's total: the recorder
			// derives its deadline again and moves its version on, so a
			// page drawn before the edit cannot act on the old amount.
			r.payment = lerr == nil
		}
		if err := r.tx.SaveOrderContents(edited); err != nil {
			return err
		}
		res = EditResult{Before: o.Total, After: edited.Total}
		return r.event(model.Event{Kind: model.EventOrderEdit, Amount: edited.Total, From: strconv.FormatInt(o.Total, 10),
			To: strconv.FormatInt(edited.Total, 10), Items: items})
	})
	if err != nil {
		return res, err
	}
	res.Message = "変更しました（合計 " + jp.Yen(res.Before) + " → " + jp.Yen(res.After) + "）。"
	return res, nil
}

// editedOrder applies the input to the order inside the transaction,
// taking and returning stock for the quantities that change, and returns
// the order as it will be with the changes as event items.
func editedOrder(tx *store.Tx, o store.Order, in EditInput) (store.Order, []model.EventItem, error) {
	fields := map[string]string{}
	edited := o
	edited.Lines = nil
	var items []model.EventItem
	want := map[int64]int64{} // product → quantity wanted, over all its lines
	had := map[int64]int64{}
	for _, l := range o.Lines {
		had[l.ProductID] += l.Quantity
		q := l.Quantity
		if raw, ok := in.Quantities[l.LineNo]; ok {
			n, err := parseEditQuantity(raw)
			if err != nil {
				fields[qtyField(l.LineNo)] = err.Error()
				continue
			}
			q = n
		}
		want[l.ProductID] += q
		if q != l.Quantity {
			items = append(items, model.EventItem{Name: l.Name, Quantity: q, Before: l.Quantity})
		}
		if q > 0 {
			l.Quantity = q
			edited.Lines = append(edited.Lines, l)
		}
	}
	if added, err := addedLine(tx, o, in, fields); err != nil {
		return o, nil, err
	} else if added != nil {
		want[added.ProductID] += added.Quantity
		items = append(items, model.EventItem{Name: added.Name, Quantity: added.Quantity})
		merged := false
		for i := range edited.Lines {
			l := &edited.Lines[i]
			if l.ProductID == added.ProductID && l.UnitPrice == added.UnitPrice && l.TaxRate == added.TaxRate && l.Name == added.Name {
				l.Quantity += added.Quantity
				merged = true
			}
		}
		if !merged {
			added.LineNo = nextLineNo(o)
			edited.Lines = append(edited.Lines, *added)
		}
	}
	adjustments, adjItems := editedAdjustments(o, in, fields)
	edited.Adjustments, items = adjustments, append(items, adjItems...)
	if len(fields) > 0 {
		return o, nil, &InputError{Message: "入力内容に誤りがあります。赤字の項目をご確認ください。", Fields: fields}
	}
	if len(edited.Lines) == 0 {
		return o, nil, Invalid("商品をすべて削除することはできません。注文を取り消す場合は、受注明細の「キャンセルする」を使ってください。")
	}
	if len(items) == 0 {
		return o, nil, errNoChange
	}
	if err := moveStock(tx, o, had, want, fields); err != nil {
		return o, nil, err
	}
	for _, l := range edited.Lines {
		if l.Quantity > MaxQuantity {
			fields[qtyField(l.LineNo)] = fmt.Sprintf("数量は%d以下にしてください。", MaxQuantity)
		}
	}
	if len(fields) > 0 {
		return o, nil, &InputError{Message: "入力内容に誤りがあります。赤字の項目をご確認ください。", Fields: fields}
	}
	recomputeTotals(o, &edited)
	return edited, items, nil
}

// moveStock takes the stock of the quantities that grow and puts back the
// stock of those that shrink, per product, never beyond what is in stock
// (F-01: no order beyond stock, ever).
func moveStock(tx *store.Tx, o store.Order, had, want map[int64]int64, fields map[string]string) error {
	ids := make([]int64, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		switch delta := want[id] - had[id]; {
		case delta > 0:
			err := tx.TakeStock(id, delta)
			if errors.Is(err, store.ErrConflict) {
				p, perr := tx.Product(id)
				if perr != nil {
					return perr
				}
				fields[stockField(o, id)] = fmt.Sprintf("在庫が足りません（「%s」の在庫は残り%d点です。あと%d点まで増やせます）。", p.Name, p.Stock, p.Stock)
				continue
			}
			if err != nil {
				return err
			}
		case delta < 0:
			if err := tx.ReturnStock(id, -delta); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err // a product deleted since takes nothing back
			}
		}
	}
	if len(fields) > 0 {
		return &InputError{Message: "在庫が足りないため変更できません。", Fields: fields}
	}
	return nil
}

// stockField is the form field a stock shortage of a product belongs to:
// its first line's quantity, or the product being added.
func stockField(o store.Order, productID int64) string {
	for _, l := range o.Lines {
		if l.ProductID == productID {
			return qtyField(l.LineNo)
		}
	}
	return "add_quantity"
}

// addedLine reads the product to add (商品追加), priced as when the order
// was placed: its price now, the member price for a member's order.
func addedLine(tx *store.Tx, o store.Order, in EditInput, fields map[string]string) (*store.OrderLine, error) {
	raw := strings.TrimSpace(toHalfWidthDigits(in.AddProduct))
	if raw == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		fields["add_product"] = "追加する商品を選んでください。"
		return nil, nil
	}
	p, err := tx.Product(id)
	if errors.Is(err, store.ErrNotFound) {
		fields["add_product"] = "追加する商品が見つかりません。商品を検索し直してください。"
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	q, err := parseEditQuantity(in.AddQuantity)
	if err != nil || q == 0 {
		fields["add_quantity"] = "追加する数量は1以上の半角数字で入力してください。"
		return nil, nil
	}
	return &store.OrderLine{ProductID: p.ID, Name: p.Name, UnitPrice: unitPrice(p, o.MemberID.Valid), TaxRate: p.TaxRate, Quantity: q}, nil
}

func nextLineNo(o store.Order) int {
	n := 0
	for _, l := range o.Lines {
		n = max(n, l.LineNo)
	}
	return n + 1
}

// editedAdjustments removes the adjustment lines ticked and adds the one
// typed (one line per tax rate with an amount).
func editedAdjustments(o store.Order, in EditInput, fields map[string]string) ([]model.Adjustment, []model.EventItem) {
	var out []model.Adjustment
	var items []model.EventItem
	next := 1
	for _, a := range o.Adjustments {
		next = max(next, a.LineNo+1)
		if slices.Contains(in.RemoveAdjustments, strconv.Itoa(a.LineNo)) {
			items = append(items, model.EventItem{Name: a.Name, Quantity: 0, Before: 1, Rate: a.TaxRate, Amount: a.Amount})
			continue
		}
		out = append(out, a)
	}
	name := strings.TrimSpace(strings.ReplaceAll(in.AdjustName, "　", " "))
	a10, e10 := parseSignedYen(in.Adjust10)
	a8, e8 := parseSignedYen(in.Adjust8)
	if e10 != nil {
		fields["adj_10"] = e10.Error()
	}
	if e8 != nil {
		fields["adj_8"] = e8.Error()
	}
	switch {
	case name == "" && a10 == 0 && a8 == 0:
		return out, items
	case name == "":
		fields["adj_name"] = "金額調整名目を入力してください（例：値引き、追加料金）。"
	case runeLen(name) > maxAdjustmentName:
		fields["adj_name"] = fmt.Sprintf("金額調整名目は%d文字以内で入力してください。", maxAdjustmentName)
	case a10 == 0 && a8 == 0 && e10 == nil && e8 == nil:
		fields["adj_10"] = "10%対象か8%対象の金額を入力してください（減額はマイナスを付けて「-108」）。"
	}
	for _, x := range []struct {
		rate   int
		amount int64
	}{{TaxStandard, a10}, {TaxReduced, a8}} {
		if x.amount != 0 {
			out = append(out, model.Adjustment{LineNo: next, Name: name, TaxRate: x.rate, Amount: x.amount})
			items = append(items, model.EventItem{Name: name, Quantity: 1, Rate: x.rate, Amount: x.amount})
			next++
		}
	}
	if len(out) > maxAdjustmentLines {
		fields["adj_name"] = fmt.Sprintf("金額調整は%d行までです。", maxAdjustmentLines)
	}
	return out, items
}

// recomputeTotals computes the edited order's totals as when it was
// placed: each rate's total moves by the change of its goods and
// adjustments (so what the order had besides, shipping and fees at the
// standard rate and a member's discount, stays), and the tax of each rate
// is computed once on its new total (TaxIncluded, the invoice rule).
func recomputeTotals(o store.Order, edited *store.Order) {
	goods := func(x store.Order) map[int]int64 {
		m := map[int]int64{}
		for _, l := range x.Lines {
			m[l.TaxRate] += l.Subtotal()
		}
		for _, a := range x.Adjustments {
			m[a.TaxRate] += a.Amount
		}
		return m
	}
	before, after := goods(o), goods(*edited)
	edited.Subtotal = 0
	for _, l := range edited.Lines {
		edited.Subtotal += l.Subtotal()
	}
	edited.Total10 = o.Total10 + after[TaxStandard] - before[TaxStandard]
	edited.Total8 = o.Total8 + after[TaxReduced] - before[TaxReduced]
	edited.Tax10, edited.Tax8 = TaxIncluded(edited.Total10, TaxStandard), TaxIncluded(edited.Total8, TaxReduced)
	edited.Total = o.Total + (after[TaxStandard] - before[TaxStandard]) + (after[TaxReduced] - before[TaxReduced])
}

// checkTotals refuses totals an order may not have: 1 to 1,000,000 yen
// (seed 001's limits, seed 002: no 0-yen orders) and no rate below zero.
func checkTotals(o store.Order) error {
	switch {
	case o.Total <= 0:
		return Invalid("変更後の合計金額が" + jp.Yen(o.Total) + "になるため、変更できません。合計金額は1円以上にしてください（0円の注文はできません）。")
	case o.Total > maxOrderTotal:
		return Invalid("変更後の合計金額が" + jp.Yen(o.Total) + "になるため、変更できません。合計金額は" + jp.Yen(maxOrderTotal) + "までです。")
	case o.Total10 < 0:
		return Invalid("10%対象の合計がマイナス（" + jp.Yen(o.Total10) + "）になるため、変更できません。値引きは対象の税率の金額以内にしてください。")
	case o.Total8 < 0:
		return Invalid("8%対象の合計がマイナス（" + jp.Yen(o.Total8) + "）になるため、変更できません。値引きは対象の税率の金額以内にしてください。")
	}
	return nil
}

func qtyField(lineNo int) string { return "qty-" + strconv.Itoa(lineNo) }

// parseEditQuantity reads a quantity of 編集モード: 0 (removes the line) to
// 999, half- or full-width digits.
func parseEditQuantity(raw string) (int64, error) {
	raw = strings.TrimSpace(toHalfWidthDigits(raw))
	q, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || q < 0 {
		return 0, errors.New("数量は0以上の半角数字で入力してください（0にすると削除します）。")
	}
	if q > MaxQuantity {
		return 0, fmt.Errorf("数量は%d以下にしてください。", MaxQuantity)
	}
	return q, nil
}

// parseSignedYen reads an adjustment amount as a merchant types it: an
// optional sign (-, −, ー, +), digits (full-width too), commas and a
// trailing 円; empty is 0. At most 1,000,000 either way.
func parseSignedYen(s string) (int64, error) {
	s = strings.TrimSuffix(strings.TrimSpace(toHalfWidthDigits(s)), "円")
	s = strings.NewReplacer(",", "", "，", "", " ", "").Replace(s)
	if s == "" {
		return 0, nil
	}
	neg := false
	if r := []rune(s); r[0] == '-' || r[0] == '−' || r[0] == 'ー' || r[0] == '－' || r[0] == '+' || r[0] == '＋' {
		neg = r[0] != '+' && r[0] != '＋'
		s = string(r[1:])
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, errors.New("金額は「-108」「3240」のように、円単位の整数で入力してください（減額はマイナスを付けます）。")
	}
	if n > maxOrderTotal {
		return 0, errors.New("金額調整は1行" + jp.Yen(maxOrderTotal) + "までです。")
	}
	if neg {
		n = -n
	}
	return n, nil
}
