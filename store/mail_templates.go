package store

import "context"

// MailTemplate is an editable mail text (定型文).
type MailTemplate struct {
	Kind, Subject, Body string
}

// MailTemplate returns the stored template of a kind, or ErrNotFound when the
// shop still uses the built-in text.
func (db *DB) MailTemplate(ctx context.Context, kind string) (MailTemplate, error) {
	t := MailTemplate{Kind: kind}
	err := db.queryRow(ctx, `SELECT subject, body FROM mail_templates WHERE kind = ?`, kind).Scan(&t.Subject, &t.Body)
	return t, mapErr(err)
}

// MailTemplate reads a template inside the writer.
func (tx *Tx) MailTemplate(kind string) (MailTemplate, error) {
	t := MailTemplate{Kind: kind}
	err := tx.queryRow(`SELECT subject, body FROM mail_templates WHERE kind = ?`, kind).Scan(&t.Subject, &t.Body)
	return t, mapErr(err)
}

// PutMailTemplate stores a template.
func (tx *Tx) PutMailTemplate(t MailTemplate) error {
	_, err := tx.exec(`INSERT INTO mail_templates (kind, subject, body, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (kind) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at`,
		t.Kind, t.Subject, t.Body, unix(tx.now))
	return err
}

// DeleteMailTemplate removes a stored template, so the built-in text is
// used again; deleting one that is not there is not an error.
func (tx *Tx) DeleteMailTemplate(kind string) error {
	_, err := tx.exec(`DELETE FROM mail_templates WHERE kind = ?`, kind)
	return err
}
