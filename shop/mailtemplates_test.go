package shop_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"kago/mail"
	"kago/shop"
	"kago/store"
)

func TestMailTemplateEditAndReset(t *testing.T) {
	t.Parallel()
	s, db := newShop(t)
	ctx := context.Background()
	builtin, _ := mail.Builtin(mail.KindThanks)
	got, err := s.MailTemplate(ctx, mail.KindThanks)
	if err != nil || !reflect.DeepEqual(got, builtin) {
		t.Fatalf("fresh shop: %+v %v", got, err)
	}
	if err := s.SaveMailTemplate(ctx, mail.KindThanks, "  【{店舗名}】ご注文承りました  ", "{お名前} 様\r\nありがとうございます。\r\n{注文内容}\r\n", ""); err != nil {
		t.Fatal(err)
	}
	got, err = s.MailTemplate(ctx, mail.KindThanks)
	if err != nil || got.Subject != "【{店舗名}】ご注文承りました" || got.Body != "{お名前} 様\nありがとうございます。\n{注文内容}\n" || got.Label != builtin.Label {
		t.Fatalf("saved: %+v %v", got, err)
	}
	var inTx mail.Template
	err = db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		inTx, err = shop.MailTemplateTx(tx, mail.KindThanks)
		return err
	})
	if err != nil || !reflect.DeepEqual(inTx, got) {
		t.Fatalf("inside a transaction: %+v %v", inTx, err)
	}
	list, err := s.MailTemplates(ctx)
	if err != nil || len(list) != len(mail.Builtins) || !list[0].Custom {
		t.Fatalf("list %+v %v", list, err)
	}
	if err := s.ResetMailTemplate(ctx, mail.KindThanks); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.EditedMailTemplate(ctx, mail.KindThanks); got.Custom || !reflect.DeepEqual(got.Template, builtin) {
		t.Fatalf("after reset: %+v", got)
	}
	if err := s.ResetMailTemplate(ctx, mail.KindThanks); err != nil {
		t.Fatalf("reset twice: %v", err)
	}
	for _, err := range []error{
		func() error { _, err := s.MailTemplate(ctx, "nope"); return err }(),
		s.SaveMailTemplate(ctx, "nope", "a", "b", ""),
		s.ResetMailTemplate(ctx, "nope"),
	} {
		if !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("unknown kind: %v", err)
		}
	}
}

func TestCheckMailTemplate(t *testing.T) {
	for _, tc := range []struct {
		name, subject, body, field, want string
	}{
		{"empty subject", " ", "本文", "subject", "件名を入力してください。"},
		{"long subject", strings.Repeat("件", 201), "本文", "subject", "200文字以内"},
		{"newline in subject", "件名\r\nBcc: x@example.com", "本文", "subject", "改行"},
		{"empty body", "件名", "\r\n  \r\n", "body", "本文を入力してください。"},
		{"long body", "件名", strings.Repeat("本", 10001), "body", "10000文字以内"},
		{"unknown in body", "件名", "{氏名} 様 {注文番号} {金額} {氏名}", "body", "使えない差し込み項目があります：{氏名}、{金額}。"},
		{"unknown in subject", "{ショップ名}より", "本文", "subject", "{ショップ名}"},
	} {
		_, _, err := shop.CheckMailTemplate(mail.KindThanks, tc.subject, tc.body)
		ie, ok := shop.AsInputError(err)
		if !ok || !strings.Contains(ie.Fields[tc.field], tc.want) {
			t.Errorf("%s: got %v, want %q on %s", tc.name, err, tc.want, tc.field)
		}
	}
	subject := strings.Repeat("件", 200)
	body := strings.Repeat("本", 10000)
	if _, _, err := shop.CheckMailTemplate(mail.KindThanks, subject, body); err != nil {
		t.Errorf("at the limits: %v", err)
	}
	thanks, _ := mail.Builtin(mail.KindThanks)
	all := "{" + strings.Join(thanks.Placeholders(), "}{") + "} JSON は {\n} のように書きます"
	if _, _, err := shop.CheckMailTemplate(mail.KindThanks, "件名", all); err != nil {
		t.Errorf("every placeholder and a brace across lines: %v", err)
	}
}

func TestPreviewFillsEveryPlaceholder(t *testing.T) {
	t.Parallel()
	s, _ := newShop(t)
	for _, tmpl := range mail.Builtins {
		all := "{" + strings.Join(tmpl.Placeholders(), "}\n{") + "}"
		subject, body, err := s.PreviewMailTemplate(context.Background(), tmpl.Kind, "【{店舗名}】", all)
		if err != nil {
			t.Fatal(err)
		}
		if subject != "【"+shop.DefaultSettings().ShopName+"】" {
			t.Errorf("%s: subject %q", tmpl.Kind, subject)
		}
		if strings.ContainsAny(body, "{}") {
			t.Errorf("%s: placeholder left unfilled:\n%s", tmpl.Kind, body)
		}
		// Every placeholder but the COD fee (the sample is paid by
		// transfer) and a member's discount (the sample has none) gives a
		// line.
		if got, want := strings.Count(body, "\n")+1, len(tmpl.Placeholders())-2; got < want {
			t.Errorf("%s: %d lines for %d placeholders:\n%s", tmpl.Kind, got, want, body)
		}
		for _, want := range []string{"4,140円", "（8%対象 2,160円 内消費税 160円）", "山田 太郎（ヤマダ　タロウ） 様", "お振込期限："} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: sample lacks %q:\n%s", tmpl.Kind, want, body)
			}
		}
	}
	_, _, err := s.PreviewMailTemplate(context.Background(), "nope", "a", "b")
	if !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("unknown kind: %v", err)
	}
}
