package shop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"time"

	"kago/store"
)

// Logins limits password attempts per account and per address, for every
// kind of sign-in (model.SessionAdmin now, model.SessionMember later). The
// counters live in the database (store.ReserveLoginAttempt), so the limit
// holds across several instances of the shop.
//
// Use: err := s.Logins.Guard(ctx, kind, email, address, func() error {
// ... compare the password; return ErrBadLogin when wrong ... }).
type Logins struct {
	*deps
}

// Login limits. An account (one e-mail) gets 5 wrong passwords, an address
// (one IPv4 address or one IPv6 /64, whatever accounts it tries) 20, each in
// 15 minutes from its first failure; the failure that reaches the limit locks
// it for 15 minutes, during which even the right password is refused.
var (
	accountLimit = store.LoginLimit{Failures: 5, Window: 15 * time.Minute, Lock: 15 * time.Minute}
	addressLimit = store.LoginLimit{Failures: 20, Window: 15 * time.Minute, Lock: 15 * time.Minute}
)

// ErrLoginLimited is a refused attempt: the account or the address has
// reached its limit. Handlers answer it with 429.
var ErrLoginLimited = Invalid("ログインの試行回数が上限に達しました。15分ほど時間をおいてから、もう一度お試しください。")

var errLimited = errors.New("login limited")

// Guard runs check as one sign-in attempt of kind for account (an e-mail)
// from address (the client IP as the handlers see it). It returns
// ErrLoginLimited without calling check when the account or the address is
// at its limit. An InputError from check (a wrong password) counts as a
// failure; nil resets the account's counter; any other error counts as no
// attempt. Check should take as long for an unknown account as for a wrong
// password (see passwordHasher.checkNobody).
func (l *Logins) Guard(ctx context.Context, kind, account, address string, check func() error) error {
	acct, addr := accountKey(kind, account), addressKey(kind, address)
	err := l.db.WithTx(ctx, func(tx *store.Tx) error {
		for _, k := range []struct {
			key string
			lim store.LoginLimit
		}{{acct, accountLimit}, {addr, addressLimit}} {
			ok, err := tx.ReserveLoginAttempt(k.key, k.lim)
			if err != nil {
				return err
			}
			if !ok {
				return errLimited // rolls back the other reservation too
			}
		}
		return nil
	})
	if errors.Is(err, errLimited) {
		return ErrLoginLimited
	}
	if err != nil {
		return err
	}
	result := check()
	_, failed := AsInputError(result)
	type key struct {
		key, what string
		lim       store.LoginLimit
	}
	var locked []key
	err = l.db.WithTx(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		locked = nil // WithTx may run this again
		switch {
		case failed:
			for _, k := range []key{{acct, "account", accountLimit}, {addr, "address", addressLimit}} {
				now, err := tx.LoginFailed(k.key, k.lim)
				if err != nil {
					return err
				}
				if now {
					locked = append(locked, k)
				}
			}
			return nil
		case result == nil:
			if err := tx.ResetLoginLimit(acct); err != nil {
				return err
			}
			return tx.ReleaseLoginAttempt(addr)
		default:
			if err := tx.ReleaseLoginAttempt(acct); err != nil {
				return err
			}
			return tx.ReleaseLoginAttempt(addr)
		}
	})
	if err != nil {
		return errors.Join(result, err)
	}
	// One line when a key locks, not one per refused attempt: a flood of
	// attempts does not flood the log.
	for _, k := range locked {
		l.log.Warn("login locked", "kind", kind, "by", k.what, "address", address, "for", k.lim.Lock)
	}
	return result
}

// DeleteStale removes counters older than a day that lock nothing (the
// cleanup job).
func (l *Logins) DeleteStale(ctx context.Context) (int64, error) {
	var n int64
	err := l.db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DeleteStaleLoginLimits(tx.Now().Add(-24 * time.Hour))
		return err
	})
	return n, err
}

// accountKey names an account's counter without keeping the e-mail.
func accountKey(kind, account string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(account))))
	return kind + ":account:" + hex.EncodeToString(sum[:])
}

// addressKey names an address's counter.
func addressKey(kind, address string) string { return kind + ":address:" + ClientNetwork(address) }

// ClientNetwork is what the limits per address count by: an IPv4 address
// as it is, an IPv6 address as its /64 (one subscriber usually holds a whole
// /64, so counting single addresses would not limit anyone), "unknown" for
// anything else.
func ClientNetwork(address string) string {
	ip, err := netip.ParseAddr(address)
	if err != nil {
		return "unknown"
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
