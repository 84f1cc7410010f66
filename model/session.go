package model

import "time"

// Session kinds: who a server-side session belongs to. The subject ID is an
// admins.id for SessionAdmin and a members.id for SessionMember.
const (
	SessionAdmin  = "admin"
	SessionMember = "member"
)

// Session is one signed-in browser. The browser holds only a random session
// ID; the database keeps its SHA-256 (Key), so a copy of the database cannot
// be replayed as a cookie. Deleting the row ends the session.
type Session struct {
	Key       string // hex SHA-256 of the session ID
	Kind      string // SessionAdmin or SessionMember
	SubjectID int64
	Flash     string    // a one-time message for the next page
	CreatedAt time.Time // UTC
	SeenAt    time.Time // UTC, last time the idle expiry was moved on
	ExpiresAt time.Time // UTC; never later than CreatedAt plus the kind's maximum life
}
