package shop

import (
	"context"
	"crypto/rand"
	"errors"
	"net/mail"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"kago/store"
)

// ErrBadLogin is a failed login; the message never says which part was wrong.
var ErrBadLogin = Invalid("メールアドレスまたはパスワードが正しくありません。")

// dummyHash keeps a login for an unknown e-mail as slow as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("kago-dummy-password"), bcrypt.DefaultCost)

// AdminLogin checks an admin's e-mail and password.
func (s *Shop) AdminLogin(ctx context.Context, email, password string) (store.Admin, error) {
	a, err := s.db.AdminByEmail(ctx, strings.TrimSpace(strings.ToLower(email)))
	if errors.Is(err, store.ErrNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return a, ErrBadLogin
	}
	if err != nil {
		return a, err
	}
	if bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte(password)) != nil {
		return a, ErrBadLogin
	}
	return a, nil
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
// (for scripted setups) also resets that admin's password on every start.
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
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
		if err != nil {
			return err
		}
		if n > 0 {
			if err := tx.SetAdminPassword(email, string(hash)); !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		_, err = tx.InsertAdmin(email, string(hash))
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
