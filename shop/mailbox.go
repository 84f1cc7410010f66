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
			Kind: "test", From: st.SenderEmail, To: st.NotifyEmail,
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

// Dashboard is the admin's overview.
type Dashboard struct {
	PublishedProducts int
	LowStock          []store.Product
	MailsQueued       int
}

// LowStockLimit is the stock at or below which the dashboard warns.
const LowStockLimit = 5

// Dashboard gathers the overview.
func (s *Shop) Dashboard(ctx context.Context) (Dashboard, error) {
	var d Dashboard
	products, err := s.db.Products(ctx, true)
	if err != nil {
		return d, err
	}
	d.PublishedProducts = len(products)
	for _, p := range products {
		if p.Stock <= LowStockLimit {
			d.LowStock = append(d.LowStock, p)
		}
	}
	d.MailsQueued, err = s.db.CountMails(ctx, store.MailQueued)
	return d, err
}
