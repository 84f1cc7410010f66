package shop

import (
	"context"

	"kago/mail"
	"kago/store"
)

// SendTestMail writes a test message to the shop's notification address, so
// a merchant can check the SMTP settings from the admin.
func (s *Shop) SendTestMail(ctx context.Context) (store.Mail, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return store.Mail{}, err
	}
	var m store.Mail
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		m, err = s.outbox.Enqueue(tx, mail.Message{
			Kind: "test", From: st.SenderEmail, FromName: st.senderName(), To: st.CopyAddress(),
			Subject: "【" + st.ShopName + "】テストメール",
			Body:    st.ShopName + " の管理画面から送信したテストメールです。\nこのメールが届いていれば、メールの送信設定は正しく動作しています。\n",
		})
		return err
	})
	return m, err
}

// Mails lists the outbox for the admin, newest first.
func (s *Shop) Mails(ctx context.Context, beforeID int64, limit int) ([]store.Mail, error) {
	return s.db.Mails(ctx, beforeID, limit)
}

// Mail returns one outbox message.
func (s *Shop) Mail(ctx context.Context, id int64) (store.Mail, error) { return s.db.Mail(ctx, id) }
