package store

import "context"

// Admin is a merchant account for the admin pages.
type Admin struct {
	ID           int64
	Email        string
	PasswordHash string
}

// AdminByEmail finds an admin for login.
func (db *DB) AdminByEmail(ctx context.Context, email string) (Admin, error) {
	var a Admin
	err := db.queryRow(ctx, `SELECT id, email, password_hash FROM admins WHERE email = ?`, email).Scan(&a.ID, &a.Email, &a.PasswordHash)
	return a, mapErr(err)
}

// Admin finds an admin by ID (the admin session holds only the ID).
func (db *DB) Admin(ctx context.Context, id int64) (Admin, error) {
	var a Admin
	err := db.queryRow(ctx, `SELECT id, email, password_hash FROM admins WHERE id = ?`, id).Scan(&a.ID, &a.Email, &a.PasswordHash)
	return a, mapErr(err)
}

// AdminByEmail finds an admin inside the writer, for a change of password.
func (tx *Tx) AdminByEmail(email string) (Admin, error) {
	var a Admin
	err := tx.queryRow(`SELECT id, email, password_hash FROM admins WHERE email = ?`, email).Scan(&a.ID, &a.Email, &a.PasswordHash)
	return a, mapErr(err)
}

// Admin finds an admin by ID inside the writer.
func (tx *Tx) Admin(id int64) (Admin, error) {
	var a Admin
	err := tx.queryRow(`SELECT id, email, password_hash FROM admins WHERE id = ?`, id).Scan(&a.ID, &a.Email, &a.PasswordHash)
	return a, mapErr(err)
}

// CountAdmins tells whether the first-run admin must be created.
func (tx *Tx) CountAdmins() (int, error) {
	var n int
	err := tx.queryRow(`SELECT count(*) FROM admins`).Scan(&n)
	return n, mapErr(err)
}

// InsertAdmin creates an admin account.
func (tx *Tx) InsertAdmin(email, passwordHash string) (Admin, error) {
	id, err := tx.nextID("admins")
	if err != nil {
		return Admin{}, err
	}
	_, err = tx.exec(`INSERT INTO admins (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)`, id, email, passwordHash, unix(tx.now))
	return Admin{ID: id, Email: email, PasswordHash: passwordHash}, err
}

// SetAdminPassword replaces an admin's password hash.
func (tx *Tx) SetAdminPassword(id int64, passwordHash string) error {
	res, err := tx.exec(`UPDATE admins SET password_hash = ? WHERE id = ?`, passwordHash, id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// FirstAdminEmail is the e-mail address of the admin created first.
func (tx *Tx) FirstAdminEmail() (string, error) {
	var email string
	err := tx.queryRow(`SELECT email FROM admins ORDER BY id LIMIT 1`).Scan(&email)
	return email, mapErr(err)
}
