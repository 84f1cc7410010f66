package shop

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"kago/jp"
	"kago/mail"
	"kago/model"
	"kago/store"
)

// Password reset by a mailed one-time link (F-30). The link carries a
// random token; the database keeps only its SHA-256, so a copy of the
// database opens no account. A token works once and for ResetLinkTTL.
const (
	ResetLinkTTL = time.Hour
	// At most this many links per member in ResetLinkTTL: a form that mails
	// someone must not become a way to flood their inbox.
	maxResetLinks = 3
)

// ErrResetLinkInvalid is an unknown, used or expired reset link.
var ErrResetLinkInvalid = Invalid("このURLは無効です。有効期限（1時間）が過ぎたか、すでにパスワードの再設定に使われています。お手数ですが、もう一度お手続きください。")

func resetTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// RequestPasswordReset mails a reset link to the member with this e-mail.
// It answers the same whether or not there is such a member, so the form
// does not tell which addresses are registered; only a malformed address
// is an *InputError (field email).
func (m *Members) RequestPasswordReset(ctx context.Context, email string) error {
	fields := map[string]string{}
	loginID := ""
	checkLoginKeys(&email, &loginID, fields)
	if len(fields) > 0 {
		return &InputError{Message: msgFixInput, Fields: fields}
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	return m.db.WithTx(ctx, func(tx *store.Tx) error {
		mem, err := tx.MemberByLogin(email)
		if errors.Is(err, store.ErrNotFound) || (err == nil && mem.Status != model.MemberActive) {
			return nil
		}
		if err != nil {
			return err
		}
		n, err := tx.CountPasswordResets(mem.ID, tx.Now().Add(-ResetLinkTTL).Unix())
		if err != nil || n >= maxResetLinks {
			return err
		}
		expires := tx.Now().Add(ResetLinkTTL)
		if err := tx.InsertPasswordReset(resetTokenHash(token), mem.ID, expires.Unix()); err != nil {
			return err
		}
		kv, err := tx.Settings()
		if err != nil {
			return err
		}
		st := settingsFrom(kv)
		vars := map[string]string{"店舗名": st.ShopName, "お名前": mem.Address.FullName(),
			"再設定URL": m.shopURL() + "/password/reset/" + token, "有効期限": jp.DateTime(expires)}
		t := mail.PasswordReset
		_, err = m.outbox.Enqueue(tx, mail.Message{Kind: t.Kind, From: st.SenderEmail, To: mem.Email,
			Subject: mail.Render(t.Subject, vars), Body: mail.Render(t.Body, vars)})
		return err
	})
}

// CheckResetLink tells whether a reset link still works, without using it.
func (m *Members) CheckResetLink(ctx context.Context, token string) error {
	_, err := m.db.PasswordResetMember(ctx, resetTokenHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return ErrResetLinkInvalid
	}
	return err
}

// ResetPassword sets a new password through a reset link and uses the link
// up, with the member's other open links; every session of the member ends. The password is checked first, so
// a typo does not spend the link. ErrResetLinkInvalid for a link that does
// not work; fields password and password_confirm for a bad password.
func (m *Members) ResetPassword(ctx context.Context, token, password, confirm string) error {
	memberID, err := m.db.PasswordResetMember(ctx, resetTokenHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return ErrResetLinkInvalid
	}
	if err != nil {
		return err
	}
	mem, err := m.db.Member(ctx, memberID)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if msg := checkPassword(password, mem.LoginID, mem.Email); msg != "" {
		fields["password"] = msg
	} else if confirm != password {
		fields["password_confirm"] = "確認用のパスワードが一致しません。"
	}
	if len(fields) > 0 {
		return &InputError{Message: msgFixInput, Fields: fields}
	}
	hash, err := m.passwords.hash(password)
	if err != nil {
		return err
	}
	return m.db.WithTx(ctx, func(tx *store.Tx) error {
		id, err := tx.UsePasswordReset(resetTokenHash(token))
		if errors.Is(err, store.ErrNotFound) {
			return ErrResetLinkInvalid
		}
		if err != nil {
			return err
		}
		if _, err := activeMember(tx, id); errors.Is(err, store.ErrNotFound) {
			return ErrResetLinkInvalid
		} else if err != nil {
			return err
		}
		if err := setMemberPassword(tx, id, hash); err != nil {
			return err
		}
		return tx.AddMemberEvent(model.MemberEvent{MemberID: id, Kind: model.EventPasswordReset, Source: model.SourceMail})
	})
}
