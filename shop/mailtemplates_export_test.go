package shop

import "kago/store"

// MailTemplateTx lets the external tests reach mailTemplateTx.
var MailTemplateTx = mailTemplateTx

// EnqueueThanks lets the external tests write an order's thanks mail the way
// checkout does, with the settings as stored.
func EnqueueThanks(s *Shop, tx *store.Tx, o store.Order) error {
	kv, err := tx.Settings()
	if err != nil {
		return err
	}
	return s.enqueueThanks(tx, o, settingsFrom(kv), "", false)
}
