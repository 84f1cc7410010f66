// Package shop is Kago's domain: catalog and cart rules, pricing and tax,
// checkout, orders, payments and members. It knows no HTTP and no HTML.
package shop

import (
	"errors"
	"log/slog"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"kago/mail"
	"kago/store"
)

// deps is what every service of the domain shares. New areas are services
// of their own (like wtf's DialService/UserService) that embed *deps and
// hang off Shop, instead of more methods on Shop.
type deps struct {
	db        *store.DB
	outbox    *mail.Outbox
	log       *slog.Logger
	uploadDir string
	amazon    amazonClients
	views     settingsViews   // what the settings give, per version
	passwords *passwordHasher // admins' and members' passwords (passwords.go)
	work      *work           // the Amazon Pay watch's background state (work.go)
	drafts    draftCache      // checkout drafts decoded (draft_cache.go)
}

// Shop is the domain: the methods of the original areas (catalog, cart,
// checkout, orders, settings) and the per-area services.
type Shop struct {
	*deps
	Sessions  *Sessions // server-side sign-ins of admins and members
	Logins    *Logins   // login limits per account and per address
	Catalog   *Catalog
	AmazonPay *AmazonPay  // operations on Amazon Pay payments
	Members   *Members    // members, my page, points, coupons, Amazon account linking
	Edits     *OrderEdits // 編集モード of 受注明細
}

// New returns the domain over a store and an outbox; uploaded images are
// written to uploadDir.
func New(db *store.DB, outbox *mail.Outbox, log *slog.Logger, uploadDir string) *Shop {
	d := &deps{db: db, outbox: outbox, log: log, uploadDir: uploadDir, passwords: &passwordHasher{cost: bcrypt.DefaultCost}, work: newWork(),
		drafts: newDraftCache()}
	return &Shop{deps: d, Sessions: &Sessions{d}, Logins: &Logins{d}, Catalog: &Catalog{deps: d}, AmazonPay: &AmazonPay{d}, Members: &Members{d},
		Edits: &OrderEdits{d}}
}

// DB exposes the store to the few callers that read plain data (views of
// the catalog and the mail list).
func (s *Shop) DB() *store.DB { return s.db }

// InputError is input a person can correct. Its messages are Japanese and
// are shown as they are; Fields maps a form field to its message.
type InputError struct {
	Message string
	Fields  map[string]string
}

func (e *InputError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	parts := make([]string, 0, len(e.Fields))
	for _, m := range e.Fields {
		parts = append(parts, m)
	}
	return strings.Join(parts, " / ")
}

// Invalid returns an InputError with one message.
func Invalid(message string) *InputError { return &InputError{Message: message} }

// AsInputError reports whether err is (or wraps) an InputError.
func AsInputError(err error) (*InputError, bool) {
	var ie *InputError
	ok := errors.As(err, &ie)
	return ie, ok
}

// ErrNotFound is returned for unknown or hidden things.
var ErrNotFound = store.ErrNotFound
