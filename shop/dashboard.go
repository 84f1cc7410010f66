package shop

import (
	"context"
	"time"

	"kago/jp"
	"kago/store"
)

// Dashboard is what needs the merchant's attention today, counted honestly:
// a mail kept in the outbox because no SMTP server is configured has not
// reached anyone and is counted as not delivered.
type Dashboard struct {
	NewOrders       int // 新規受付: orders not yet shipped
	NewToday        int // of those, placed today (Japan time)
	UnpaidTransfer  int // 銀行振込 orders still waiting for the money
	OverdueTransfer int // of those, past the お振込期限
	// Amazon Pay orders whose capture or authorization deadline is within
	// DeadlineNear (or past): 受注一覧's deadline filter.
	PaymentDeadlines int
	// Mail not delivered: waiting for the SMTP worker, failing (the
	// server refused or was unreachable; retried), or kept in the outbox
	// because no SMTP server is configured.
	MailsWaiting int
	MailsFailing int
	MailsStored  int

	PublishedProducts int
	LowStock          []store.Product
}

// LowStockLimit is the stock at or below which the dashboard warns.
const LowStockLimit = 5

// OpenStatuses are the statuses of orders still being worked on.
var OpenStatuses = []string{store.OrderNew, store.OrderShipped}

// Dashboard gathers the figures at the store's now.
func (s *Shop) Dashboard(ctx context.Context) (Dashboard, error) {
	var d Dashboard
	st, err := s.Settings(ctx)
	if err != nil {
		return d, err
	}
	today := startOfDay(s.db.Now())
	unpaid := store.OrderFilter{Statuses: OpenStatuses, PaymentMethod: PayBank, PaymentStatus: PaymentUnpaid}
	overdue := unpaid
	// An order placed before this is past its deadline (the deadline day
	// itself is still in time).
	overdue.Until = today.AddDate(0, 0, -st.TransferDays)
	counts := []struct {
		dst *int
		f   store.OrderFilter
	}{
		{&d.NewOrders, store.OrderFilter{Statuses: []string{store.OrderNew}}},
		{&d.NewToday, store.OrderFilter{Statuses: []string{store.OrderNew}, From: today}},
		{&d.UnpaidTransfer, unpaid},
		{&d.OverdueTransfer, overdue},
		{&d.PaymentDeadlines, store.OrderFilter{Statuses: OpenStatuses, DeadlineWithin: DeadlineNear}},
	}
	for _, c := range counts {
		if *c.dst, err = s.db.CountOrders(ctx, c.f); err != nil {
			return d, err
		}
	}
	for _, m := range []struct {
		dst    *int
		status string
	}{{&d.MailsWaiting, store.MailQueued}, {&d.MailsStored, store.MailStored}} {
		if *m.dst, err = s.db.CountMails(ctx, m.status); err != nil {
			return d, err
		}
	}
	sending, err := s.db.CountMails(ctx, store.MailSending)
	if err != nil {
		return d, err
	}
	d.MailsWaiting += sending
	if d.MailsFailing, err = s.db.CountFailingMails(ctx); err != nil {
		return d, err
	}
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
	return d, nil
}

// MailsUndelivered is every mail that has not reached its recipient.
func (d Dashboard) MailsUndelivered() int { return d.MailsWaiting + d.MailsStored }

// startOfDay is midnight of t's day in Japan, in UTC.
func startOfDay(t time.Time) time.Time {
	j := t.In(jp.Tokyo)
	return time.Date(j.Year(), j.Month(), j.Day(), 0, 0, 0, 0, jp.Tokyo).UTC()
}
