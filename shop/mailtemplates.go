package shop

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"kago/jp"
	"kago/mail"
	"kago/model"
	"kago/store"
)

// Mail templates (メール定型文): each kind of mail.Builtins can carry the
// shop's own subject and body; without them the built-in text is used.

// MailTemplate returns the text the shop sends for a kind: its own when it
// has edited it, the built-in one otherwise. ErrNotFound for unknown kinds.
func (s *Shop) MailTemplate(ctx context.Context, kind string) (mail.Template, error) {
	t, ok := mail.Builtin(kind)
	if !ok {
		return t, ErrNotFound
	}
	stored, err := s.db.MailTemplate(ctx, kind)
	return withStored(t, stored, err)
}

// mailTemplateTx is MailTemplate inside a writer transaction, for code that
// renders a mail in the transaction that enqueues it.
func mailTemplateTx(tx *store.Tx, kind string) (mail.Template, error) {
	t, ok := mail.Builtin(kind)
	if !ok {
		return t, ErrNotFound
	}
	stored, err := tx.MailTemplate(kind)
	return withStored(t, stored, err)
}

func withStored(t mail.Template, stored store.MailTemplate, err error) (mail.Template, error) {
	if errors.Is(err, store.ErrNotFound) {
		return t, nil
	}
	if err != nil {
		return t, err
	}
	t.Subject, t.Body = stored.Subject, stored.Body
	return t, nil
}

// EditedMailTemplate is a template as the admin lists it.
type EditedMailTemplate struct {
	mail.Template
	Custom bool // the shop's own text, not the built-in one
}

// MailTemplates lists every kind in mail.Builtins order with the text in use.
func (s *Shop) MailTemplates(ctx context.Context) ([]EditedMailTemplate, error) {
	out := make([]EditedMailTemplate, 0, len(mail.Builtins))
	for _, b := range mail.Builtins {
		t, err := s.EditedMailTemplate(ctx, b.Kind)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// EditedMailTemplate returns one kind with the text in use.
func (s *Shop) EditedMailTemplate(ctx context.Context, kind string) (EditedMailTemplate, error) {
	t, ok := mail.Builtin(kind)
	if !ok {
		return EditedMailTemplate{}, ErrNotFound
	}
	stored, err := s.db.MailTemplate(ctx, kind)
	if errors.Is(err, store.ErrNotFound) {
		return EditedMailTemplate{Template: t}, nil
	}
	if err != nil {
		return EditedMailTemplate{}, err
	}
	t.Subject, t.Body = stored.Subject, stored.Body
	return EditedMailTemplate{Template: t, Custom: true}, nil
}

// Limits of a template's text, in characters.
const (
	MaxMailSubject = 200
	MaxMailBody    = 10000
)

// CheckMailTemplate normalises a typed subject and body of a kind (line
// ends, spaces around the subject) and checks them; a placeholder the kind
// does not have is refused by name. Fields: "subject", "body".
func CheckMailTemplate(kind, subject, body string) (string, string, error) {
	t, ok := mail.Builtin(kind)
	if !ok {
		return subject, body, ErrNotFound
	}
	subject, body, fields := checkMailText(subject, body)
	for field, text := range map[string]string{"subject": subject, "body": body} {
		if bad := mail.UnknownPlaceholders(text, t.Placeholders()); len(bad) > 0 && fields[field] == "" {
			fields[field] = "使えない差し込み項目があります：" + strings.Join(bad, "、") + "。下の「使える差し込み項目」から選んでください。"
		}
	}
	if len(fields) > 0 {
		return subject, body, &InputError{Fields: fields}
	}
	return subject, body, nil
}

// checkMailText normalises a typed subject and body (spaces around the
// subject, line ends) and checks their lengths; fields names what is wrong
// ("subject", "body"), empty when nothing is.
func checkMailText(subject, body string) (string, string, map[string]string) {
	subject = strings.TrimSpace(subject)
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
	fields := map[string]string{}
	switch n := utf8.RuneCountInString(subject); {
	case n == 0:
		fields["subject"] = "件名を入力してください。"
	case n > MaxMailSubject:
		fields["subject"] = "件名は200文字以内で入力してください。"
	case strings.ContainsAny(subject, "\r\n"):
		fields["subject"] = "件名に改行は使えません。"
	}
	switch n := utf8.RuneCountInString(body); {
	case strings.TrimSpace(body) == "":
		fields["body"] = "本文を入力してください。"
	case n > MaxMailBody:
		fields["body"] = "本文は10000文字以内で入力してください。"
	}
	return subject, body, fields
}

// SaveMailTemplate stores the shop's own text for a kind. base is the
// form's FormBase (EditedMailTemplate.Base): a subject or body changed
// meanwhile in another window is refused with a *StaleFormError instead of
// being overwritten, and only what the form changed is written.
func (s *Shop) SaveMailTemplate(ctx context.Context, kind, subject, body, base string) error {
	builtin, ok := mail.Builtin(kind)
	if !ok {
		return ErrNotFound
	}
	subject, body, err := CheckMailTemplate(kind, subject, body)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		stored, err := tx.MailTemplate(kind)
		cur, err := withStored(builtin, stored, err)
		if err != nil {
			return err
		}
		current := map[string]string{"subject": cur.Subject, "body": cur.Body}
		typed := map[string]string{"subject": subject, "body": body}
		write, conflicts := mergeForm(base, typed, current)
		if len(conflicts) > 0 {
			return staleForm(conflicts, current, func(field, value string) (string, string) {
				if field == "subject" {
					return "件名", value
				}
				return "本文", shorten(value)
			})
		}
		for _, k := range write {
			current[k] = typed[k]
		}
		return tx.PutMailTemplate(store.MailTemplate{Kind: kind, Subject: current["subject"], Body: current["body"]})
	})
}

// Base fingerprints the text in use, for the editor's hidden base field.
func (t EditedMailTemplate) Base() string {
	return FormBase(map[string]string{"subject": t.Subject, "body": t.Body})
}

// ResetMailTemplate goes back to the built-in text (初期値に戻す).
func (s *Shop) ResetMailTemplate(ctx context.Context, kind string) error {
	if _, ok := mail.Builtin(kind); !ok {
		return ErrNotFound
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error { return tx.DeleteMailTemplate(kind) })
}

// PreviewMailTemplate renders a subject and body of a kind for a sample
// order of the shop through the path the real mails take, so the merchant
// sees the mail a shopper would get.
func (s *Shop) PreviewMailTemplate(ctx context.Context, kind, subject, body string) (string, string, error) {
	t, ok := mail.Builtin(kind)
	if !ok {
		return "", "", ErrNotFound
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return "", "", err
	}
	t.Subject, t.Body = subject, body
	if t.Member {
		vars := sampleMemberVars(st, strings.TrimRight(s.withShopURL(st).URL, "/"), s.db.Now())
		return mail.Render(t.Subject, vars), mail.Render(t.Body, vars), nil
	}
	o, sh := SampleOrder(s.db.Now())
	notes := ""
	if kind == mail.KindThanks {
		notes = "※Amazon Payの注意書きをサンクスメールに表示する設定では、ここに注意書きが入ります。"
	}
	ps, pb := s.renderOrderMail(t, o, st, sh, s.db.Now(), notes)
	return ps, pb, nil
}

// sampleMemberVars fill the member mails' placeholders for the preview: a
// member who chose a password (no 仮パスワード案内), and a reset link that
// works for ResetLinkTTL from now.
func sampleMemberVars(st Settings, shopURL string, now time.Time) map[string]string {
	return map[string]string{"店舗名": st.ShopName, "お名前": "山田 太郎", "メールアドレス": "taro@example.com",
		"会員番号": "1", "ログインID": "taro", "マイページURL": shopURL + "/mypage", "仮パスワード案内": "",
		"再設定URL": shopURL + "/password/reset/（再設定用の文字列）", "有効期限": jp.DateTime(now.Add(ResetLinkTTL))}
}

// SampleOrder is a made-up bank-transfer order placed at now, the preview's
// buyer: 煎茶 ×2 at the reduced rate and a 手ぬぐい at the standard one, sent
// as a gift to another address, with a parcel at ヤマト運輸.
func SampleOrder(now time.Time) (store.Order, model.Shipment) {
	const tea, towel, shipping = 1080, 1100, 880
	o := store.Order{ID: 0, Number: 100001, Status: store.OrderNew, PaymentMethod: PayBank, PaymentStatus: PaymentUnpaid,
		Email: "taro@example.com", CreatedAt: now,
		Buyer: store.Address{FamilyName: "山田", GivenName: "太郎", FamilyKana: "ヤマダ", GivenKana: "タロウ", Phone: "0312345678",
			PostalCode: "100-0001", Prefecture: "東京都", City: "千代田区", Address1: "千代田1-1"},
		Destination: store.Destination{Address: store.Address{FamilyName: "山田", GivenName: "花子", Phone: "0600000000",
			PostalCode: "530-0001", Prefecture: "大阪府", City: "大阪市北区", Address1: "梅田1-1", Address2: "かごマンション101"}},
		DeliveryMethod: DeliveryTakkyubin, DeliveryDate: now.In(Japan).AddDate(0, 0, firstDeliveryDay).Format(time.DateOnly),
		DeliveryTime: "am", Notes: "のし紙（御礼）をお願いします。",
		Lines: []store.OrderLine{{LineNo: 1, Name: "煎茶 やぶきた 100g", UnitPrice: tea, TaxRate: TaxReduced, Quantity: 2},
			{LineNo: 2, Name: "手ぬぐい 茶畑柄", UnitPrice: towel, TaxRate: TaxStandard, Quantity: 1}},
		Subtotal: 2*tea + towel, ShippingFee: shipping}
	o.Total = o.Subtotal + o.ShippingFee
	o.Total10, o.Total8 = towel+shipping, 2*tea
	o.Tax10, o.Tax8 = TaxIncluded(o.Total10, TaxStandard), TaxIncluded(o.Total8, TaxReduced)
	return o, model.Shipment{Carrier: model.CarrierYamato, TrackingNumber: "123456789013"}
}
