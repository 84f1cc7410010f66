package shop

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"kago/model"
	"kago/store"
)

// Sessions are server-side sign-ins, for admins now and members later
// (model.SessionAdmin, model.SessionMember). The browser keeps only a random
// session ID in a cookie; the shop keeps the session, so ending it here ends
// it for every copy of that cookie.
//
// The handlers' part (handlers/session.go) is: Start at login and put the
// returned ID in an HttpOnly cookie (the old cookie's ID is passed as
// replacing, so the ID rotates); Get on every request that needs the
// sign-in (ErrNotFound means "not signed in"); End at logout. A password
// change ends every session of the subject with tx.DeleteSessionsOf in the
// same transaction as the new hash, then starts one for the browser that
// changed it.
type Sessions struct {
	*deps
}

// SessionPolicy is how long a session of one kind lives: Idle after its last
// use, and never longer than Max after the sign-in.
type SessionPolicy struct {
	Idle, Max time.Duration
}

// sessionPolicies: an admin signs in again after half a day away and at least
// weekly; a member stays signed in like on a shopping site.
var sessionPolicies = map[string]SessionPolicy{
	model.SessionAdmin:  {Idle: 12 * time.Hour, Max: 7 * 24 * time.Hour},
	model.SessionMember: {Idle: 30 * 24 * time.Hour, Max: 90 * 24 * time.Hour},
}

// touchEvery is how stale SeenAt may get before a request moves the idle
// expiry on, so a busy admin writes at most once a minute.
const touchEvery = time.Minute

// Policy returns the lifetimes of a session kind (the cookie's Max-Age is
// Policy(kind).Max).
func (s *Sessions) Policy(kind string) SessionPolicy { return sessionPolicies[kind] }

// sessionKey is what the database keeps of a session ID.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// newSessionID is 256 random bits, URL-safe.
func newSessionID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Start signs a subject in and returns the new session ID for the cookie.
// replacing is the ID the browser held before ("" when none); that session
// ends in the same transaction, so the ID always changes at sign-in.
func (s *Sessions) Start(ctx context.Context, kind string, subjectID int64, replacing string) (string, error) {
	pol, ok := sessionPolicies[kind]
	if !ok {
		return "", fmt.Errorf("sessions: unknown kind %q", kind)
	}
	id := newSessionID()
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if replacing != "" {
			if err := tx.DeleteSession(sessionKey(replacing)); err != nil {
				return err
			}
		}
		now := tx.Now()
		return tx.InsertSession(model.Session{Key: sessionKey(id), Kind: kind, SubjectID: subjectID, CreatedAt: now, SeenAt: now,
			ExpiresAt: now.Add(min(pol.Idle, pol.Max))})
	})
	return id, err
}

// Get returns the live session of kind with this ID and moves its idle
// expiry on (at most once a minute). ErrNotFound: unknown, ended, expired or
// of another kind, i.e. not signed in.
func (s *Sessions) Get(ctx context.Context, kind, id string) (model.Session, error) {
	if id == "" {
		return model.Session{}, ErrNotFound
	}
	now := s.db.Now()
	ss, err := s.db.Session(ctx, sessionKey(id), now)
	if err != nil {
		return ss, err
	}
	if ss.Kind != kind {
		return model.Session{}, ErrNotFound
	}
	if now.Sub(ss.SeenAt) >= touchEvery {
		pol := sessionPolicies[kind]
		expires := now.Add(pol.Idle)
		if limit := ss.CreatedAt.Add(pol.Max); expires.After(limit) {
			expires = limit
		}
		if err := s.db.WithTx(ctx, func(tx *store.Tx) error { return tx.TouchSession(ss.Key, now, expires) }); err != nil {
			return ss, err
		}
		ss.SeenAt, ss.ExpiresAt = now, expires
	}
	return ss, nil
}

// End ends the session with this ID (logout); an unknown ID is no error.
func (s *Sessions) End(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(sessionKey(id)) })
}

// SetFlash keeps a one-time message for the session's next page.
func (s *Sessions) SetFlash(ctx context.Context, id, msg string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error { return tx.SetSessionFlash(sessionKey(id), msg) })
}

// TakeFlash returns the session's one-time message ("" when none) and
// clears it.
func (s *Sessions) TakeFlash(ctx context.Context, ss model.Session) (string, error) {
	if ss.Flash == "" {
		return "", nil
	}
	var msg string
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		msg, err = tx.TakeSessionFlash(ss.Key)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return msg, err
}

// DeleteExpired removes sessions that have expired (the cleanup job).
func (s *Sessions) DeleteExpired(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DeleteExpiredSessions(tx.Now())
		return err
	})
	return n, err
}
