package shop

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"kago/jp"
	"kago/mail"
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

var placeholderRe = regexp.MustCompile(`\{([^{}\r\n]*)\}`)

// UnknownPlaceholders lists the {names} in text that mail.Placeholders
// does not have, each once, as written.
func UnknownPlaceholders(text string) []string {
	var out []string
	for _, m := range placeholderRe.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(mail.Placeholders, m[1]) && !slices.Contains(out, m[0]) {
			out = append(out, m[0])
		}
	}
	return out
}

// CheckMailTemplate normalises a typed subject and body (line ends, spaces
// around the subject) and checks them. Fields: "subject", "body".
func CheckMailTemplate(subject, body string) (string, string, error) {
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
	for field, text := range map[string]string{"subject": subject, "body": body} {
		if bad := UnknownPlaceholders(text); len(bad) > 0 && fields[field] == "" {
			fields[field] = "使えない差し込み項目があります：" + strings.Join(bad, "、") + "。下の「使える差し込み項目」から選んでください。"
		}
	}
	if len(fields) > 0 {
		return subject, body, &InputError{Fields: fields}
	}
	return subject, body, nil
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
	subject, body, err := CheckMailTemplate(subject, body)
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

// PreviewMailTemplate renders a subject and body with a sample order of the
// shop, so the merchant sees the mail a shopper would get.
func (s *Shop) PreviewMailTemplate(ctx context.Context, subject, body string) (string, string, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return "", "", err
	}
	vars := sampleMailVars(st)
	return mail.Render(subject, vars), mail.Render(body, vars), nil
}

// sampleMailVars fills every placeholder for a made-up order paid on
// delivery: 煎茶 ×2 at the reduced rate and a 手ぬぐい at the standard one.
func sampleMailVars(st Settings) map[string]string {
	const tea, towel, shipping, fee = 1080 * 2, 1100, 880, 330
	subtotal := int64(tea + towel)
	total10 := int64(towel + shipping + fee)
	return map[string]string{
		"店舗名":     st.ShopName,
		"注文番号":    "100001",
		"注文日時":    "2025/04/01 10:30",
		"お名前":     "山田 太郎",
		"メールアドレス": "taro@example.com",
		"お支払い方法":  PaymentMethodLabel(PayCOD),
		"お支払い案内":  "商品のお届け時に、配達員へ代金をお支払いください。",
		"注文内容": "煎茶 やぶきた 100g ※軽減税率対象\n　1,080円 × 2 = 2,160円\n" +
			"手ぬぐい 茶畑柄\n　1,100円 × 1 = 1,100円",
		"商品合計":    jp.Yen(subtotal),
		"送料":      jp.Yen(shipping),
		"手数料":     "代引き手数料：" + jp.Yen(fee),
		"値引き":     "（会員のポイント・クーポン値引きがあるご注文では、ここに値引き額が入ります）",
		"合計金額":    jp.Yen(subtotal + shipping + fee),
		"税率別内訳":   "（10%対象 " + jp.Yen(total10) + " 内消費税 " + jp.Yen(TaxIncluded(total10, 10)) + "）\n（8%対象 " + jp.Yen(tea) + " 内消費税 " + jp.Yen(TaxIncluded(tea, 8)) + "）",
		"お届け先":    "山田 花子 様\n〒530-0001 大阪府大阪市北区梅田1-1\nTEL 06-0000-0000",
		"配送方法":    "宅配便",
		"お届け希望日時": "2025/04/05 午前中",
		"備考":      "のし紙（御礼）をお願いします。",
		"注意書き":    "※このメールの内容はプレビュー用の見本です。",
	}
}
