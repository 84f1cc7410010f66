package shop

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"kago/model"
	"kago/store"
)

// ErrBadLogin is a failed login; the message never says which part was wrong.
var ErrBadLogin = Invalid("メールアドレスまたはパスワードが正しくありません。")

// AdminLogin checks an admin's e-mail and password, as one attempt within
// the login limits of the account and of address (the client IP):
// ErrLoginLimited when either is reached, ErrBadLogin when wrong.
func (s *Shop) AdminLogin(ctx context.Context, email, password, address string) (store.Admin, error) {
	var a store.Admin
	err := s.Logins.Guard(ctx, model.SessionAdmin, email, address, func() error {
		var err error
		a, err = s.db.AdminByEmail(ctx, strings.TrimSpace(strings.ToLower(email)))
		if errors.Is(err, store.ErrNotFound) {
			s.passwords.checkNobody(password)
			return ErrBadLogin
		}
		if err != nil {
			return err
		}
		if !s.passwords.check(a.PasswordHash, password) {
			return ErrBadLogin
		}
		return nil
	})
	return a, err
}

// Admin returns the admin of a session.
func (s *Shop) Admin(ctx context.Context, id int64) (store.Admin, error) { return s.db.Admin(ctx, id) }

// FirstAdmin is the result of EnsureAdmin: the password is set only when it
// was generated now and must be shown once.
type FirstAdmin struct {
	Email, GeneratedPassword string
	Created                  bool
}

// EnsureAdmin creates the first admin when there is none. A given password
// (for scripted setups) also resets that admin's password on every start
// when it differs from the stored one, which ends the admin's sessions.
func (s *Shop) EnsureAdmin(ctx context.Context, email, password string) (FirstAdmin, error) {
	email = strings.TrimSpace(strings.ToLower(email))
	if email == "" {
		email = "admin@example.com"
	}
	if _, err := mail.ParseAddress(email); err != nil {
		return FirstAdmin{}, errors.New("admin e-mail is not a valid address")
	}
	res := FirstAdmin{Email: email}
	ensure := func(tx *store.Tx) error {
		n, err := tx.CountAdmins()
		if err != nil {
			return err
		}
		if n > 0 && password == "" {
			return nil
		}
		if password == "" {
			password = RandomPassword()
			res.GeneratedPassword = password
		}
		if n > 0 {
			a, err := tx.AdminByEmail(email)
			switch {
			case err == nil:
				if s.passwords.check(a.PasswordHash, password) {
					return nil // already this password: sessions stay
				}
				return s.setAdminPassword(tx, a.ID, password)
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		hash, err := s.passwords.hash(password)
		if err != nil {
			return err
		}
		_, err = tx.InsertAdmin(email, hash)
		res.Created = err == nil
		return err
	}
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := ensure(tx); err != nil {
			return err
		}
		return defaultCopyAddress(tx)
	})
	return res, err
}

// setAdminPassword stores a new password and ends every session of that
// admin in the same transaction, so no cookie from before outlives it.
func (s *Shop) setAdminPassword(tx *store.Tx, adminID int64, password string) error {
	hash, err := s.passwords.hash(password)
	if err != nil {
		return err
	}
	if err := tx.SetAdminPassword(adminID, hash); err != nil {
		return err
	}
	_, err = tx.DeleteSessionsOf(model.SessionAdmin, adminID)
	return err
}

// PasswordChange is the 「パスワード変更」 form as typed.
type PasswordChange struct {
	Current, New, Confirm string
}

// Password policy: long enough to resist guessing at the login limit, and
// within bcrypt's 72 bytes (longer input would be cut silently).
const (
	MinPasswordRunes = 10
	MaxPasswordBytes = 72
)

// ChangeAdminPassword checks the current password (an attempt within the
// login limits, like a login from address), applies the policy to the new
// one and stores it; every session of the admin ends (the handler starts a
// fresh one for the browser that made the change). An InputError names the
// fields to fix; ErrLoginLimited when the limit is reached.
func (s *Shop) ChangeAdminPassword(ctx context.Context, adminID int64, in PasswordChange, address string) error {
	a, err := s.db.Admin(ctx, adminID)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if in.Current == "" {
		fields["current_password"] = "現在のパスワードを入力してください。"
	} else {
		err := s.Logins.Guard(ctx, model.SessionAdmin, a.Email, address, func() error {
			if !s.passwords.check(a.PasswordHash, in.Current) {
				return Invalid("現在のパスワードが正しくありません。")
			}
			return nil
		})
		if errors.Is(err, ErrLoginLimited) {
			return err
		}
		if ie, ok := AsInputError(err); ok {
			fields["current_password"] = ie.Message
		} else if err != nil {
			return err
		}
	}
	if msg := passwordProblem(in.New, a.Email); msg != "" {
		fields["new_password"] = msg
	} else if in.New == in.Current {
		fields["new_password"] = "現在と同じパスワードは使えません。"
	}
	if _, bad := fields["new_password"]; !bad && in.Confirm != in.New {
		fields["confirm_password"] = "確認用のパスワードが一致しません。もう一度入力してください。"
	}
	if len(fields) > 0 {
		return &InputError{Message: msgFixInput, Fields: fields}
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.Admin(adminID)
		if err != nil {
			return err
		}
		if cur.PasswordHash != a.PasswordHash { // changed meanwhile in another tab
			return Invalid("パスワードは別の画面で変更されています。もう一度ログインしてください。")
		}
		return s.setAdminPassword(tx, adminID, in.New)
	})
}

// passwordProblem says what is wrong with a new password, or "".
func passwordProblem(pw, email string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordRunes:
		return fmt.Sprintf("パスワードは%d文字以上で入力してください。", MinPasswordRunes)
	case len(pw) > MaxPasswordBytes:
		return fmt.Sprintf("パスワードは半角%d文字（全角%d文字）以内で入力してください。", MaxPasswordBytes, MaxPasswordBytes/3)
	case strings.EqualFold(pw, email) || strings.EqualFold(pw, email[:max(strings.Index(email, "@"), 0)]):
		return "メールアドレスをそのままパスワードにすることはできません。"
	case monotonous(pw):
		return "同じ文字の繰り返しや「1234567890」「abcdefghij」のような並びは使えません。"
	}
	return ""
}

// monotonous reports a password whose characters all repeat or step by one
// code point (aaaaaaaaaa, 1234567890, 9876543210, abcdefghij).
func monotonous(pw string) bool {
	r := []rune(pw)
	step := r[1] - r[0]
	for i := 1; i < len(r); i++ {
		d := r[i] - r[i-1]
		if r[i-1] == '9' && r[i] == '0' { // the digit row: 1234567890
			d = 1
		}
		if d != step || step < -1 || step > 1 {
			return false
		}
	}
	return true
}

// RandomPassword makes a 16-character password without look-alike letters.
func RandomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
