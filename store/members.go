package store

import (
	"context"
	"database/sql"
	"strings"

	"kago/model"
)

const memberColumns = `id, login_id, email, password_hash, password_temporary, status, source,
	family_name, given_name, family_kana, given_kana, phone, postal_code, prefecture, city, address1, address2,
	points, amazon_buyer_id, amazon_linked_at, created_at, updated_at, withdrawn_at`

func scanMember(s scanner) (model.Member, error) {
	var m model.Member
	var login, buyer sql.NullString
	var linked, withdrawn sql.NullInt64
	var created, updated int64
	a := &m.Address
	err := s.Scan(&m.ID, &login, &m.Email, &m.PasswordHash, &m.PasswordTemporary, &m.Status, &m.Source,
		&a.FamilyName, &a.GivenName, &a.FamilyKana, &a.GivenKana, &a.Phone, &a.PostalCode, &a.Prefecture, &a.City, &a.Address1, &a.Address2,
		&m.Points, &buyer, &linked, &created, &updated, &withdrawn)
	if err != nil {
		return m, mapErr(err)
	}
	m.LoginID, m.AmazonBuyerID = login.String, buyer.String
	m.AmazonLinkedAt, m.WithdrawnAt = nullUnix(linked), nullUnix(withdrawn)
	m.CreatedAt, m.UpdatedAt = fromUnix(created), fromUnix(updated)
	return m, nil
}

// nullText stores "" as NULL, for the unique login keys.
func nullText(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// emailKey is how an e-mail is compared: lower-cased.
func emailKey(email string) string { return strings.ToLower(email) }

// nameKey is the stored search form of a name: "姓 名".
func nameKey(a model.Address) string { return strings.TrimSpace(a.FamilyName + " " + a.GivenName) }

// Member reads a member by ID.
func (db *DB) Member(ctx context.Context, id int64) (model.Member, error) {
	return scanMember(db.queryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE id = ?`, id))
}

// MemberByLogin finds the member who signs in with key: a login ID
// (compared lower-cased) or an e-mail address. Withdrawn members have no
// keys and are never found.
func (db *DB) MemberByLogin(ctx context.Context, key string) (model.Member, error) {
	key = strings.ToLower(key)
	return scanMember(db.queryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE login_id = ? OR email_key = ?`, key, key))
}

// MemberByAmazon finds the member linked to an Amazon buyer ID.
func (db *DB) MemberByAmazon(ctx context.Context, buyerID string) (model.Member, error) {
	return scanMember(db.queryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE amazon_buyer_id = ?`, buyerID))
}

// Member reads a member inside the writer.
func (tx *Tx) Member(id int64) (model.Member, error) {
	return scanMember(tx.queryRow(`SELECT `+memberColumns+` FROM members WHERE id = ?`, id))
}

// MemberByLogin is DB.MemberByLogin inside the writer.
func (tx *Tx) MemberByLogin(key string) (model.Member, error) {
	key = strings.ToLower(key)
	return scanMember(tx.queryRow(`SELECT `+memberColumns+` FROM members WHERE login_id = ? OR email_key = ?`, key, key))
}

// MemberByAmazon is DB.MemberByAmazon inside the writer.
func (tx *Tx) MemberByAmazon(buyerID string) (model.Member, error) {
	return scanMember(tx.queryRow(`SELECT `+memberColumns+` FROM members WHERE amazon_buyer_id = ?`, buyerID))
}

// InsertMember stores a new member and fills in its ID and times.
// ErrConflict when the login ID or the e-mail is taken.
func (tx *Tx) InsertMember(m *model.Member) error {
	id, err := tx.nextID("members")
	if err != nil {
		return err
	}
	m.ID, m.CreatedAt, m.UpdatedAt = id, tx.now, tx.now
	a := m.Address
	var linked sql.NullInt64
	if m.AmazonBuyerID != "" {
		m.AmazonLinkedAt = tx.now
		linked = sql.NullInt64{Int64: unix(tx.now), Valid: true}
	}
	_, err = tx.exec(`INSERT INTO members (id, login_id, email_key, email, password_hash, password_temporary, status, source,
		family_name, given_name, family_kana, given_kana, name_key, phone, postal_code, prefecture, city, address1, address2,
		points, amazon_buyer_id, amazon_linked_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
		id, nullText(strings.ToLower(m.LoginID)), emailKey(m.Email), m.Email, m.PasswordHash, m.PasswordTemporary, m.Status, m.Source,
		a.FamilyName, a.GivenName, a.FamilyKana, a.GivenKana, nameKey(a), a.Phone, a.PostalCode, a.Prefecture, a.City, a.Address1, a.Address2,
		nullText(m.AmazonBuyerID), linked, unix(tx.now), unix(tx.now))
	return err
}

// UpdateMemberProfile replaces a member's login ID, e-mail and address.
// ErrConflict when the login ID or e-mail belongs to another member.
func (tx *Tx) UpdateMemberProfile(m model.Member) error {
	a := m.Address
	res, err := tx.exec(`UPDATE members SET login_id = ?, email_key = ?, email = ?, family_name = ?, given_name = ?, family_kana = ?,
		given_kana = ?, name_key = ?, phone = ?, postal_code = ?, prefecture = ?, city = ?, address1 = ?, address2 = ?, updated_at = ?
		WHERE id = ? AND status <> ?`,
		nullText(strings.ToLower(m.LoginID)), emailKey(m.Email), m.Email, a.FamilyName, a.GivenName, a.FamilyKana, a.GivenKana, nameKey(a),
		a.Phone, a.PostalCode, a.Prefecture, a.City, a.Address1, a.Address2, unix(tx.now), m.ID, model.MemberWithdrawn)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// SetMemberPassword replaces a member's password hash; temporary marks a
// generated password the member should change.
func (tx *Tx) SetMemberPassword(id int64, hash string, temporary bool) error {
	res, err := tx.exec(`UPDATE members SET password_hash = ?, password_temporary = ?, updated_at = ? WHERE id = ? AND status <> ?`,
		hash, temporary, unix(tx.now), id, model.MemberWithdrawn)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// ActivateMember makes a provisional member a member (本登録). ErrConflict
// when it is not provisional.
func (tx *Tx) ActivateMember(id int64) error {
	res, err := tx.exec(`UPDATE members SET status = ?, updated_at = ? WHERE id = ? AND status = ?`,
		model.MemberActive, unix(tx.now), id, model.MemberProvisional)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// LinkAmazon links an Amazon buyer ID to a member with none. ErrConflict
// when the buyer ID is linked to another member or the member already has
// one; ErrNotFound for a withdrawn or unknown member.
func (tx *Tx) LinkAmazon(id int64, buyerID string) error {
	res, err := tx.exec(`UPDATE members SET amazon_buyer_id = ?, amazon_linked_at = ?, updated_at = ?
		WHERE id = ? AND status <> ? AND amazon_buyer_id IS NULL`, buyerID, unix(tx.now), unix(tx.now), id, model.MemberWithdrawn)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.Member(id); err != nil {
			return err
		}
		return ErrConflict
	}
	return nil
}

// UnlinkAmazon removes a member's Amazon link and returns the buyer ID it
// had. ErrNotFound when nothing was linked.
func (tx *Tx) UnlinkAmazon(id int64) (string, error) {
	var buyer sql.NullString
	if err := tx.queryRow(`SELECT amazon_buyer_id FROM members WHERE id = ?`, id).Scan(&buyer); err != nil {
		return "", mapErr(err)
	}
	if !buyer.Valid {
		return "", ErrNotFound
	}
	_, err := tx.exec(`UPDATE members SET amazon_buyer_id = NULL, amazon_linked_at = NULL, updated_at = ? WHERE id = ?`, unix(tx.now), id)
	return buyer.String, err
}

// WithdrawMember marks a member withdrawn (退会) and clears what it logs in
// with; its orders, points history and events stay. It must be unlinked
// first. ErrConflict when the member is already withdrawn or still linked.
func (tx *Tx) WithdrawMember(id int64) error {
	res, err := tx.exec(`UPDATE members SET status = ?, login_id = NULL, email_key = NULL, password_hash = '', password_temporary = 0,
		withdrawn_at = ?, updated_at = ? WHERE id = ? AND status <> ? AND amazon_buyer_id IS NULL`,
		model.MemberWithdrawn, unix(tx.now), unix(tx.now), id, model.MemberWithdrawn)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	_, err = tx.exec(`DELETE FROM member_password_resets WHERE member_id = ?`, id)
	return err
}

// AddMemberEvent records one member event at the transaction's time.
func (tx *Tx) AddMemberEvent(e model.MemberEvent) error {
	id, err := tx.nextID("member_events")
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO member_events (id, member_id, at, kind, source, amazon_buyer_id, order_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, e.MemberID, unix(tx.now), e.Kind, e.Source, e.AmazonBuyerID, sql.NullInt64{Int64: e.OrderID, Valid: e.OrderID != 0})
	return err
}

// MemberEvents lists a member's events, newest first.
func (db *DB) MemberEvents(ctx context.Context, memberID int64) ([]model.MemberEvent, error) {
	rows, err := db.query(ctx, `SELECT id, member_id, at, kind, source, amazon_buyer_id, order_id FROM member_events
		WHERE member_id = ? ORDER BY id DESC`, memberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.MemberEvent
	for rows.Next() {
		var e model.MemberEvent
		var at int64
		var order sql.NullInt64
		if err := rows.Scan(&e.ID, &e.MemberID, &at, &e.Kind, &e.Source, &e.AmazonBuyerID, &order); err != nil {
			return nil, mapErr(err)
		}
		e.At, e.OrderID = fromUnix(at), order.Int64
		out = append(out, e)
	}
	return out, rows.Err()
}

// InsertPasswordReset stores the hash of a reset token for a member.
func (tx *Tx) InsertPasswordReset(tokenHash string, memberID int64, expires int64) error {
	_, err := tx.exec(`INSERT INTO member_password_resets (token_hash, member_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		tokenHash, memberID, unix(tx.now), expires)
	return err
}

// CountPasswordResets counts a member's reset links made at or after since
// (unix seconds).
func (tx *Tx) CountPasswordResets(memberID int64, since int64) (int, error) {
	var n int
	err := tx.queryRow(`SELECT count(*) FROM member_password_resets WHERE member_id = ? AND created_at >= ?`, memberID, since).Scan(&n)
	return n, mapErr(err)
}

// PasswordResetMember returns the member of an unused, unexpired reset
// token, without using it.
func (db *DB) PasswordResetMember(ctx context.Context, tokenHash string) (int64, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT member_id FROM member_password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		tokenHash, unix(db.Now())).Scan(&id)
	return id, mapErr(err)
}

// UsePasswordReset claims a reset token: one conditional update, so a
// token works once even when two requests race. It also ends the member's
// other open tokens. ErrNotFound for an unknown, used or expired token.
func (tx *Tx) UsePasswordReset(tokenHash string) (int64, error) {
	var id int64
	err := tx.queryRow(`UPDATE member_password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
		RETURNING member_id`, unix(tx.now), tokenHash, unix(tx.now)).Scan(&id)
	if err != nil {
		return 0, mapErr(err)
	}
	_, err = tx.exec(`UPDATE member_password_resets SET used_at = ? WHERE member_id = ? AND used_at IS NULL`, unix(tx.now), id)
	return id, err
}

// OrderRegistration is a registration asked for with an order.
type OrderRegistration struct {
	OrderID      int64
	LoginID      string
	PasswordHash string // "" when a temporary password is to be mailed
}

// InsertOrderRegistration records the registration asked for with an order.
func (tx *Tx) InsertOrderRegistration(r OrderRegistration) error {
	_, err := tx.exec(`INSERT INTO order_registrations (order_id, login_id, password_hash, created_at) VALUES (?, ?, ?, ?)`,
		r.OrderID, r.LoginID, r.PasswordHash, unix(tx.now))
	return err
}

// TakeOrderRegistration reads and deletes the registration of an order, so
// it is acted on once; ErrNotFound when there is none.
func (tx *Tx) TakeOrderRegistration(orderID int64) (OrderRegistration, error) {
	r := OrderRegistration{OrderID: orderID}
	err := tx.queryRow(`DELETE FROM order_registrations WHERE order_id = ? RETURNING login_id, password_hash`, orderID).Scan(&r.LoginID, &r.PasswordHash)
	return r, mapErr(err)
}

// SetOrderMember records the member an order belongs to (one registered
// with it).
func (tx *Tx) SetOrderMember(orderID, memberID int64) error {
	res, err := tx.exec(`UPDATE orders SET member_id = ?, updated_at = ? WHERE id = ?`, memberID, unix(tx.now), orderID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}
