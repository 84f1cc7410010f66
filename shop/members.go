package shop

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"kago/mail"
	"kago/model"
	"kago/store"
)

// Members is the members service (F-30 to F-36): registration, login, the
// my page, password reset, withdrawal, points and coupons, and the link
// between a member and an Amazon account.
type Members struct{ *deps }

// Member messages.
const (
	msgMemberBadLogin    = "ログインIDまたはパスワードが正しくありません。"
	msgMemberProvisional = "ご登録は仮登録の状態です。ショップがご注文の受注を完了すると、ログインできるようになります。"
	msgEmailTaken        = "このメールアドレスは既に登録されています。ログインするか、パスワードをお忘れの方は再設定してください。"
	msgLoginIDTaken      = "このログインIDは既に使われています。別のログインIDを入力してください。"
	msgPasswordWrong     = "現在のパスワードが正しくありません。"
)

// ErrMemberBadLogin is a failed member login; it never says which part
// was wrong.
var ErrMemberBadLogin = Invalid(msgMemberBadLogin)

var loginIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{3,31}$`)

// checkPassword returns the message for a member password that breaks the
// shop's password policy (passwordProblem, the admin's too) or is the login
// ID, or "".
func checkPassword(pw, loginID, email string) string {
	switch {
	case pw == "":
		return "パスワードを入力してください。"
	case loginID != "" && strings.EqualFold(pw, loginID):
		return "ログインIDをそのままパスワードにすることはできません。"
	}
	return passwordProblem(pw, email)
}

// MemberInput is the registration form as typed.
type MemberInput struct {
	LoginID         string // optional ログインID
	Email           string
	Password        string
	PasswordConfirm string
	Address         store.Address
}

// checkLoginKeys normalises and checks the e-mail and login ID; the fields
// are named email and login_id.
func checkLoginKeys(email, loginID *string, fields map[string]string) {
	*email = strings.TrimSpace(toHalfWidth(*email))
	switch {
	case *email == "":
		fields["email"] = "メールアドレスを入力してください。"
	case !ValidEmail(*email):
		fields["email"] = "メールアドレスの形式が正しくありません（例：taro@example.jp）。"
	}
	*loginID = strings.TrimSpace(toHalfWidth(*loginID))
	if *loginID != "" && !loginIDRe.MatchString(*loginID) {
		fields["login_id"] = "ログインIDは半角英数字で始まる4〜32文字（英数字と _ . - ）で入力してください。"
	}
}

// checkKeysFree tells, as field messages, whether the e-mail and login ID
// are free for member id (0 for a new member), inside the writer.
func checkKeysFree(tx *store.Tx, id int64, email, loginID string, fields map[string]string) error {
	for field, key := range map[string]string{"email": email, "login_id": loginID} {
		if key == "" {
			continue
		}
		other, err := tx.MemberByLogin(key)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		case other.ID != id && field == "email":
			fields[field] = msgEmailTaken
		case other.ID != id:
			fields[field] = msgLoginIDTaken
		}
	}
	return nil
}

// Register creates a member from the registration page and mails the
// registration mail. Bad input is an *InputError with Fields named like the
// form (email, login_id, password, password_confirm, family_name, ...).
func (m *Members) Register(ctx context.Context, in MemberInput) (model.Member, error) {
	fields := map[string]string{}
	checkLoginKeys(&in.Email, &in.LoginID, fields)
	if msg := checkPassword(in.Password, in.LoginID, in.Email); msg != "" {
		fields["password"] = msg
	} else if in.PasswordConfirm != in.Password {
		fields["password_confirm"] = "確認用のパスワードが一致しません。"
	}
	validateAddress(&in.Address, "", true, fields)
	if len(fields) > 0 {
		return model.Member{}, &InputError{Message: msgFixInput, Fields: fields}
	}
	hash, err := m.passwords.hash(in.Password)
	if err != nil {
		return model.Member{}, err
	}
	mem := model.Member{LoginID: in.LoginID, Email: in.Email, PasswordHash: hash, Status: model.MemberActive,
		Source: model.MemberViaForm, Address: in.Address}
	err = m.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := checkKeysFree(tx, 0, mem.Email, mem.LoginID, fields); err != nil {
			return err
		}
		if len(fields) > 0 {
			return &InputError{Message: msgFixInput, Fields: fields}
		}
		if err := tx.InsertMember(&mem); err != nil {
			return err
		}
		if err := tx.AddMemberEvent(model.MemberEvent{MemberID: mem.ID, Kind: model.EventRegistered, Source: model.SourceRegister}); err != nil {
			return err
		}
		return m.enqueueRegistered(tx, mem, "")
	})
	return mem, err
}

// enqueueRegistered writes the registration mail; temporaryPassword is set
// for a member registered from the Amazon buyer data.
func (m *Members) enqueueRegistered(tx *store.Tx, mem model.Member, temporaryPassword string) error {
	kv, err := tx.Settings()
	if err != nil {
		return err
	}
	st := settingsFrom(kv)
	loginID := mem.LoginID
	if loginID == "" {
		loginID = "（なし：メールアドレスでログインしてください）"
	}
	vars := map[string]string{"店舗名": st.ShopName, "お名前": mem.Address.FullName(), "会員番号": strconv.FormatInt(mem.ID, 10),
		"メールアドレス": mem.Email, "ログインID": loginID, "マイページURL": m.shopURL() + "/mypage", "仮パスワード案内": ""}
	if temporaryPassword != "" {
		vars["仮パスワード案内"] = mail.Render(mail.TemporaryPasswordNotice, map[string]string{"仮パスワード": temporaryPassword})
	}
	return m.enqueueMemberMail(tx, mail.KindMemberRegistered, st, mem.Email, vars)
}

// enqueueMemberMail renders a member mail kind from the shop's 定型文 (or
// the built-in text) with vars and queues it to the member at to.
func (m *Members) enqueueMemberMail(tx *store.Tx, kind string, st Settings, to string, vars map[string]string) error {
	t, err := mailTemplateTx(tx, kind)
	if err != nil {
		return err
	}
	_, err = m.outbox.Enqueue(tx, mail.Message{Kind: t.Kind, From: st.SenderEmail, FromName: st.senderName(), ReplyTo: st.ReplyTo, To: to,
		Subject: mail.Render(t.Subject, vars), Body: mail.Render(t.Body, vars)})
	return err
}

// Login checks a login ID or e-mail address and a password, as one attempt
// within the login limits (Logins) of the member and of address (the client
// IP). A wrong pair is ErrMemberBadLogin whichever part was wrong;
// ErrLoginLimited when a limit is reached; a provisional member (仮登録)
// with the right password gets its own message.
func (m *Members) Login(ctx context.Context, key, password, address string) (model.Member, error) {
	key = strings.TrimSpace(toHalfWidth(key))
	mem, err := m.db.MemberByLogin(ctx, key)
	found := err == nil && key != ""
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return mem, err
	}
	// The account counted is the member, whichever key was typed, so the
	// login ID and the e-mail do not give twice the attempts.
	account := "key:" + strings.ToLower(key)
	if found {
		account = "member:" + strconv.FormatInt(mem.ID, 10)
	}
	err = m.logins().Guard(ctx, model.SessionMember, account, address, func() error {
		if !found {
			m.passwords.checkNobody(password)
			return ErrMemberBadLogin
		}
		if !m.passwords.check(mem.PasswordHash, password) {
			return ErrMemberBadLogin
		}
		return nil
	})
	if err != nil {
		return mem, err
	}
	if mem.Status == model.MemberProvisional {
		return mem, Invalid(msgMemberProvisional)
	}
	return mem, nil
}

// logins is the login limiter (Logins) over the members' deps.
func (m *Members) logins() *Logins { return &Logins{m.deps} }

// checkMemberPassword checks a signed-in member's password (to change it or
// to withdraw) as one login attempt; field names the form field.
func (m *Members) checkMemberPassword(ctx context.Context, mem model.Member, password, address, field string, fields map[string]string) error {
	err := m.logins().Guard(ctx, model.SessionMember, "member:"+strconv.FormatInt(mem.ID, 10), address, func() error {
		if !m.passwords.check(mem.PasswordHash, password) {
			return Invalid(msgPasswordWrong)
		}
		return nil
	})
	if ie, ok := AsInputError(err); ok && !errors.Is(err, ErrLoginLimited) {
		fields[field] = ie.Message
		return nil
	}
	return err
}

// Member returns an active member, for a session; ErrNotFound for anyone
// else (withdrawn, provisional, unknown), so such a session logs nobody in.
func (m *Members) Member(ctx context.Context, id int64) (model.Member, error) {
	mem, err := m.db.Member(ctx, id)
	if err == nil && mem.Status != model.MemberActive {
		return mem, ErrNotFound
	}
	return mem, err
}

// ProfileInput is the my page's 会員情報の変更 form.
type ProfileInput struct {
	LoginID, Email string
	Address        store.Address
}

// UpdateProfile changes a member's login ID, e-mail and address; the
// fields are named like the registration form's.
func (m *Members) UpdateProfile(ctx context.Context, id int64, in ProfileInput) error {
	fields := map[string]string{}
	checkLoginKeys(&in.Email, &in.LoginID, fields)
	validateAddress(&in.Address, "", true, fields)
	if len(fields) > 0 {
		return &InputError{Message: msgFixInput, Fields: fields}
	}
	return m.db.WithTx(ctx, func(tx *store.Tx) error {
		mem, err := activeMember(tx, id)
		if err != nil {
			return err
		}
		if err := checkKeysFree(tx, id, in.Email, in.LoginID, fields); err != nil {
			return err
		}
		if len(fields) > 0 {
			return &InputError{Message: msgFixInput, Fields: fields}
		}
		mem.LoginID, mem.Email, mem.Address = in.LoginID, in.Email, in.Address
		if err := tx.UpdateMemberProfile(mem); err != nil {
			return err
		}
		return tx.AddMemberEvent(model.MemberEvent{MemberID: id, Kind: model.EventProfileChanged, Source: model.SourceMyPage})
	})
}

// activeMember reads a member inside the writer; ErrNotFound unless active.
func activeMember(tx *store.Tx, id int64) (model.Member, error) {
	mem, err := tx.Member(id)
	if err == nil && mem.Status != model.MemberActive {
		return mem, ErrNotFound
	}
	return mem, err
}

// ChangePassword sets a new password after checking the current one (a
// login attempt from address, within the limits). Every session of the
// member ends with the change; the handler signs the browser that made it
// in again. Fields: current_password, password, password_confirm;
// ErrLoginLimited when the limit is reached.
func (m *Members) ChangePassword(ctx context.Context, id int64, current, password, confirm, address string) error {
	mem, err := m.Member(ctx, id)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if err := m.checkMemberPassword(ctx, mem, current, address, "current_password", fields); err != nil {
		return err
	}
	if msg := checkPassword(password, mem.LoginID, mem.Email); msg != "" {
		fields["password"] = msg
	} else if password == current {
		fields["password"] = "現在と同じパスワードは使えません。"
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
		if err := setMemberPassword(tx, id, hash); err != nil {
			return err
		}
		return tx.AddMemberEvent(model.MemberEvent{MemberID: id, Kind: model.EventPasswordChanged, Source: model.SourceMyPage})
	})
}

// setMemberPassword stores a chosen password and ends every session of the
// member, in the caller's transaction.
func setMemberPassword(tx *store.Tx, id int64, hash string) error {
	if err := tx.SetMemberPassword(id, hash, false); err != nil {
		return err
	}
	_, err := tx.DeleteSessionsOf(model.SessionMember, id)
	return err
}

// Withdraw is 退会 (F-30, F-35): after the password is checked (a login
// attempt from address), the Amazon link is removed (recorded as an unlink
// caused by the withdrawal), the member is marked withdrawn and every
// session of it ends. Orders stay for the shop. Fields: password.
func (m *Members) Withdraw(ctx context.Context, id int64, password, address string) error {
	mem, err := m.Member(ctx, id)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if err := m.checkMemberPassword(ctx, mem, password, address, "password", fields); err != nil {
		return err
	}
	if len(fields) > 0 {
		return &InputError{Message: msgFixInput, Fields: fields}
	}
	return m.db.WithTx(ctx, func(tx *store.Tx) error {
		if _, err := activeMember(tx, id); err != nil {
			return err
		}
		if err := unlinkAmazon(tx, id, model.SourceWithdrawal); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.WithdrawMember(id); err != nil {
			return err
		}
		if _, err := tx.DeleteSessionsOf(model.SessionMember, id); err != nil {
			return err
		}
		return tx.AddMemberEvent(model.MemberEvent{MemberID: id, Kind: model.EventWithdrawn, Source: model.SourceMyPage})
	})
}

// OrderSummary is one row of an order list.
type OrderSummary = store.OrderSummary

// MemberOrdersLimit is how many orders the my page lists.
const MemberOrdersLimit = 100

// Orders lists a member's placed orders, newest first.
func (m *Members) Orders(ctx context.Context, id int64) ([]OrderSummary, error) {
	return m.db.MemberOrders(ctx, id, MemberOrdersLimit)
}

// MemberOrder is an order as its member sees it on the my page.
type MemberOrder struct {
	Order    store.Order
	Benefits model.OrderBenefits // zero when the order used and earned nothing
}

// Order reads one of the member's orders by its shop order number.
// ErrNotFound for an order of anyone else, as for no order at all.
func (m *Members) Order(ctx context.Context, id, number int64) (MemberOrder, error) {
	o, err := m.db.MemberOrder(ctx, id, number)
	if err != nil {
		return MemberOrder{}, err
	}
	b, err := m.db.OrderBenefits(ctx, o.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return MemberOrder{}, err
	}
	return MemberOrder{Order: o, Benefits: b}, nil
}

// MemberPointsLimit is how many point entries the history lists.
const MemberPointsLimit = 200

// Points lists a member's point entries, newest first.
func (m *Members) Points(ctx context.Context, id int64) ([]model.PointEntry, error) {
	return m.db.MemberPoints(ctx, id, MemberPointsLimit)
}

// Events lists a member's history (会員操作履歴), newest first.
func (m *Members) Events(ctx context.Context, id int64) ([]model.MemberEvent, error) {
	return m.db.MemberEvents(ctx, id)
}
