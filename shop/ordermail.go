package shop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"kago/jp"
	"kago/mail"
	"kago/model"
	"kago/store"
)

// The mails about an order: the placeholder values every order mail takes
// (OrderMailVars is the one place they come from), the thanks mail written
// with the order, and the mails the merchant sends from 受注明細 (注文確認
// メール, 配送通知メール, フリーメール) or with a status change (配送通知メール on
// 発送済み, キャンセルのお知らせ on キャンセル).

// TaxRoundingNote says how the tax of each rate was computed (TaxIncluded:
// once per rate on the rate's total, rounded down); mails and documents
// print it under the per-rate lines, as a qualified invoice states it.
const TaxRoundingNote = "※消費税は税率ごとの合計金額から計算し、1円未満を切り捨てています。"

// OrderMailVars are the placeholder values of an order's mails, from the
// order as stored and the shop's settings (st.URL already resolved).
func OrderMailVars(o store.Order, st Settings) map[string]string {
	var lines strings.Builder
	for _, l := range o.Lines {
		mark := ""
		if l.TaxRate == TaxReduced {
			mark = "※"
		}
		fmt.Fprintf(&lines, "%s%s\n　%s × %d = %s\n", mark, l.Name, jp.Yen(l.UnitPrice), l.Quantity, jp.Yen(l.Subtotal()))
	}
	for _, a := range o.Adjustments {
		fmt.Fprintf(&lines, "金額調整：%s（%d%%対象）\n　%s\n", a.Name, a.TaxRate, jp.Yen(a.Amount))
	}
	if o.Total8 > 0 {
		lines.WriteString("（※は軽減税率8%対象商品です。）\n")
	}
	fee := ""
	if o.CODFee > 0 {
		fee = "代引き手数料：" + jp.Yen(o.CODFee)
	}
	dest := o.Buyer
	if !o.Destination.SameAsBuyer {
		dest = o.Destination.Address
	}
	notes := o.Notes
	if notes == "" {
		notes = "なし"
	}
	return map[string]string{
		"店舗名":     st.ShopName,
		"注文番号":    fmt.Sprint(o.Number),
		"注文日時":    jp.DateTime(o.CreatedAt),
		"お名前":     o.Buyer.FullName(),
		"メールアドレス": o.Email,
		"ご注文者":    FormatAddress(o.Buyer) + "\nメールアドレス：" + o.Email,
		"お支払い方法":  PaymentMethodLabel(o.PaymentMethod),
		"お支払い案内":  paymentGuide(o, st),
		"注文内容":    strings.TrimRight(lines.String(), "\n"),
		"商品合計":    jp.Yen(o.Subtotal),
		"送料":      jp.Yen(o.ShippingFee),
		"手数料":     fee,
		"値引き":     discountLine(o),
		"合計金額":    jp.Yen(o.Total),
		"税率別内訳":   strings.Join(TaxLines(o, st), "\n"),
		"お届け先":    FormatAddress(dest),
		"配送方法":    DeliveryMethodLabel(o.DeliveryMethod),
		"お届け希望日時": PreferredDelivery(o),
		"備考":      notes,
		"署名":      Signature(st),
		"注意書き":    "",
	}
}

// TaxLines are the per-rate totals of an order as a qualified invoice
// prints them (税率ごとに区分した対価の額と消費税額), the rounding rule, and the
// shop's registration number when it has one.
func TaxLines(o store.Order, st Settings) []string {
	var out []string
	if o.Total10 > 0 {
		out = append(out, "（10%対象 "+jp.Yen(o.Total10)+" 内消費税 "+jp.Yen(o.Tax10)+"）")
	}
	if o.Total8 > 0 {
		out = append(out, "（8%対象 "+jp.Yen(o.Total8)+" 内消費税 "+jp.Yen(o.Tax8)+"）")
	}
	out = append(out, TaxRoundingNote)
	if st.InvoiceNumber != "" {
		out = append(out, "登録番号："+st.InvoiceNumber)
	}
	return out
}

// PreferredDelivery is the preferred delivery day and time band in words:
// 2026年12月8日（火） 午前中, or 指定なし.
func PreferredDelivery(o store.Order) string {
	if o.DeliveryDate == "" && o.DeliveryTime == "" {
		return "指定なし"
	}
	date := "日付指定なし"
	if d, ok := jp.ParseDay(o.DeliveryDate); ok {
		date = jp.LongDate(d)
	} else if o.DeliveryDate != "" {
		date = o.DeliveryDate
	}
	band, ok := DeliveryTimeLabel(o.DeliveryTime)
	if !ok {
		band = o.DeliveryTime
	}
	if o.DeliveryTime == "" {
		band = "時間帯指定なし"
	}
	return date + " " + band
}

// TransferDeadline is the last day to pay an order by bank transfer: the
// order's day in Japan plus the shop's お振込期限.
func TransferDeadline(o store.Order, st Settings) time.Time {
	d := o.CreatedAt.In(jp.Tokyo)
	return time.Date(d.Year(), d.Month(), d.Day()+st.TransferDays, 0, 0, 0, 0, jp.Tokyo)
}

// TransferName is the name a buyer transfers under (ご依頼人名): the order
// number, then the buyer's name in katakana (or as written when it has no
// reading), so the shop can match the payment to the order.
func TransferName(o store.Order) string {
	name := strings.TrimSpace(o.Buyer.FamilyKana + " " + o.Buyer.GivenKana)
	if name == "" {
		name = o.Buyer.FullName()
	}
	return fmt.Sprint(o.Number) + " " + name
}

// paymentGuide says how to pay: the account, deadline and name for a bank
// transfer, the COD rule; nothing for Amazon Pay, which is paid already.
func paymentGuide(o store.Order, st Settings) string {
	switch o.PaymentMethod {
	case PayBank:
		var b strings.Builder
		b.WriteString("下記の口座へ、合計金額をお振り込みください。ご入金を確認してから商品を発送いたします。\n")
		for i, line := range strings.Split(strings.TrimSpace(st.BankDetails), "\n") {
			label := "　　　　　　"
			if i == 0 {
				label = "　振込先　　："
			}
			b.WriteString(label + strings.TrimSpace(line) + "\n")
		}
		b.WriteString("　お振込期限：" + jp.LongDate(TransferDeadline(o, st)) + "\n")
		b.WriteString("　ご依頼人名：" + TransferName(o) + "\n")
		b.WriteString("お振込みの際は、ご依頼人名を上記のとおり（注文番号とお名前）にしてください。")
		return b.String()
	case PayCOD:
		return "商品のお届け時に、配達員へ合計金額をお支払いください。"
	}
	return ""
}

// Signature is the block that ends every mail: the shop's name, address,
// phone, URL and mail address from the settings; lines with nothing to
// say are left out.
func Signature(st Settings) string {
	const rule = "━━━━━━━━━━━━━━━━━━━━━━"
	lines := []string{rule, st.ShopName}
	if addr := strings.TrimSpace(st.Address); addr != "" || st.PostalCode != "" {
		if st.PostalCode != "" {
			addr = "〒" + st.PostalCode + " " + addr
		}
		lines = append(lines, strings.TrimSpace(addr))
	}
	if st.Phone != "" {
		lines = append(lines, "TEL："+st.Phone)
	}
	if st.URL != "" {
		lines = append(lines, "URL："+st.URL)
	}
	lines = append(lines, "メール："+st.replyAddress(), rule)
	return strings.Join(lines, "\n")
}

// replyAddress is where a shopper's reply goes.
func (st Settings) replyAddress() string {
	if st.ReplyTo != "" {
		return st.ReplyTo
	}
	return st.SenderEmail
}

// senderName is the display name of the shop's mails.
func (st Settings) senderName() string {
	if st.SenderName != "" {
		return st.SenderName
	}
	return st.ShopName
}

// shippingMailVars are the shipping mail's own values: today's date in
// Japan, the carrier, the number and the carrier's tracking page.
func shippingMailVars(sh model.Shipment, now time.Time) map[string]string {
	v := map[string]string{"発送日": jp.LongDate(now), "配送業者": "", "送り状番号": "", "お問い合わせURL": ""}
	if sh.TrackingNumber != "" {
		v["配送業者"] = CarrierLabel(sh.Carrier)
		v["送り状番号"] = FormatTracking(sh.TrackingNumber)
		v["お問い合わせURL"] = TrackingURL(sh.Carrier, sh.TrackingNumber)
	}
	return v
}

// withShopURL fills in the shop's URL when the settings leave it to the
// address the shop is served at.
func (s *deps) withShopURL(st Settings) Settings {
	if st.URL == "" {
		if u := s.shopURL(); u != "" {
			st.URL = strings.TrimRight(u, "/") + "/"
		}
	}
	return st
}

// renderOrderMail fills a template for an order: the one path that the
// sent mails and the template preview share. notes is the thanks mail's
// 注意書き (Amazon Pay), empty for the other kinds.
func (s *deps) renderOrderMail(t mail.Template, o store.Order, st Settings, sh model.Shipment, now time.Time, notes string) (string, string) {
	vars := OrderMailVars(o, s.withShopURL(st))
	for k, v := range shippingMailVars(sh, now) {
		vars[k] = v
	}
	vars["注意書き"] = strings.TrimSpace(notes)
	return mail.Render(t.Subject, vars), mail.Render(t.Body, vars)
}

// message is a mail from the shop to an order's buyer.
func (st Settings) message(kind string, o store.Order, subject, body string) mail.Message {
	return mail.Message{Kind: kind, From: st.SenderEmail, FromName: st.senderName(), ReplyTo: st.ReplyTo, To: o.Email,
		Subject: subject, Body: body, OrderID: o.ID}
}

// enqueueThanks writes the thanks mail to the buyer and its copy to the
// shop, in the order's transaction: both exist exactly when the order does.
// A test payment (test) is marked in the subject and the notes whatever the
// template says.
func (s *deps) enqueueThanks(tx *store.Tx, o store.Order, st Settings, notes string, test bool) error {
	tmpl, err := mailTemplateTx(tx, mail.KindThanks)
	if err != nil {
		return err
	}
	if test {
		notes = testPaymentNote + notes
	}
	subject, body := s.renderOrderMail(tmpl, o, st, model.Shipment{}, tx.Now(), notes)
	if test {
		subject = testPaymentMark + subject
	}
	if _, err := s.outbox.Enqueue(tx, st.message(mail.KindThanks, o, subject, body)); err != nil {
		return err
	}
	cp := st.message(mail.KindOrderCopy, o, mail.CopySubjectPrefix+subject, body)
	cp.To = st.CopyAddress()
	_, err = s.outbox.Enqueue(tx, cp)
	return err
}

// enqueueOrderMail renders a kind's template for an order inside tx, sends
// it to the buyer and records it in the order's history.
func (s *Shop) enqueueOrderMail(tx *store.Tx, kind string, o store.Order, st Settings, actor string) error {
	tmpl, err := mailTemplateTx(tx, kind)
	if err != nil {
		return err
	}
	sh, err := tx.Shipment(o.ID)
	if err != nil && !isNotFound(err) {
		return err
	}
	subject, body := s.renderOrderMail(tmpl, o, st, sh, tx.Now(), "")
	return s.writeOrderMail(tx, tmpl, o, st, subject, body, actor)
}

// writeOrderMail queues a mail to the order's buyer and records it in the
// order's history. The mail of a test payment is marked 【テスト決済】 in
// its subject whatever the template or the merchant wrote, as the thanks
// mail is.
func (s *Shop) writeOrderMail(tx *store.Tx, t mail.Template, o store.Order, st Settings, subject, body, actor string) error {
	if o.PaymentMethod == PayAmazon && !strings.HasPrefix(subject, testPaymentMark) {
		p, err := tx.AmazonPayment(o.ID)
		if err != nil && !isNotFound(err) {
			return err
		}
		if TestPayment(p) {
			subject = testPaymentMark + subject
		}
	}
	m, err := s.outbox.Enqueue(tx, st.message(t.Kind, o, subject, body))
	if err != nil {
		return err
	}
	return tx.AddOrderHistory(o.ID, actor, "メール送信", fmt.Sprintf("%s「%s」を %s 宛に作成しました（メール番号 %d）", t.Label, subject, o.Email, m.ID))
}

// OrderMailDraft is a mail to an order's buyer as the merchant edits it
// before sending.
type OrderMailDraft struct {
	Kind, Label   string
	To            string
	Subject, Body string
	// NoTracking warns that a shipping mail has no tracking number yet.
	NoTracking bool
}

// ManualMailKinds are the kinds 受注明細 can write, in the order of its
// buttons.
func ManualMailKinds() []mail.Template {
	var out []mail.Template
	for _, t := range mail.Builtins {
		if t.Manual {
			out = append(out, t)
		}
	}
	return out
}

func manualTemplate(kind string) (mail.Template, error) {
	t, ok := mail.Builtin(kind)
	if !ok || !t.Manual {
		return t, ErrNotFound
	}
	return t, nil
}

// ComposeOrderMail renders a manual kind for an order as the starting text
// the merchant edits. ErrNotFound for an unknown order or kind.
func (s *Shop) ComposeOrderMail(ctx context.Context, orderID int64, kind string) (OrderMailDraft, error) {
	if _, err := manualTemplate(kind); err != nil {
		return OrderMailDraft{}, err
	}
	tmpl, err := s.MailTemplate(ctx, kind)
	if err != nil {
		return OrderMailDraft{}, err
	}
	o, err := s.db.Order(ctx, orderID)
	if err != nil {
		return OrderMailDraft{}, err
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return OrderMailDraft{}, err
	}
	sh, ok, err := s.OrderShipment(ctx, orderID)
	if err != nil {
		return OrderMailDraft{}, err
	}
	subject, body := s.renderOrderMail(tmpl, o, st, sh, s.db.Now(), "")
	return OrderMailDraft{Kind: kind, Label: tmpl.Label, To: o.Email, Subject: subject, Body: body,
		NoTracking: kind == mail.KindShipping && !ok}, nil
}

// CheckOrderMail normalises and checks a mail as edited. Fields: "subject",
// "body".
func CheckOrderMail(subject, body string) (string, string, error) {
	subject, body, fields := checkMailText(subject, body)
	if fields["body"] == "" && strings.Contains(body, mail.FreeMailMarker) {
		fields["body"] = "本文の「" + mail.FreeMailMarker + "」を、お客様へのご連絡内容に書き換えてください。"
	}
	if len(fields) > 0 {
		return subject, body, &InputError{Message: "入力内容に誤りがあります。赤字の項目をご確認ください。", Fields: fields}
	}
	return subject, body, nil
}

// SendOrderMail writes a manual kind, as the merchant edited it, to the
// order's buyer, and records it in the order's history in the same
// transaction. The text is sent as given: what the merchant saw is what the
// buyer gets.
func (s *Shop) SendOrderMail(ctx context.Context, orderID int64, kind, subject, body, actor string) error {
	tmpl, err := manualTemplate(kind)
	if err != nil {
		return err
	}
	subject, body, err = CheckOrderMail(subject, body)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		o, st, err := orderAndSettings(tx, orderID)
		if err != nil {
			return err
		}
		return s.writeOrderMail(tx, tmpl, o, st, subject, body, actor)
	})
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// orderAndSettings reads an order and the shop's settings inside tx, for
// code that writes a mail about the order in the same transaction.
func orderAndSettings(tx *store.Tx, orderID int64) (store.Order, Settings, error) {
	o, err := tx.Order(orderID)
	if err != nil {
		return o, Settings{}, err
	}
	kv, err := tx.Settings()
	if err != nil {
		return o, Settings{}, err
	}
	return o, settingsFrom(kv), nil
}
