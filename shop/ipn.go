package shop

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kago/amazonpay"
	"kago/model"
	"kago/store"
)

// Instant payment notifications (F-53, AMAZON-PAY.md section 6): the shop
// takes a notification only when it verifies (the SNS signature, from a
// certificate of Amazon SNS, or of the emulator's CA in emulator mode), is
// for this merchant and is not an old one sent again; it records it, answers
// at once, and then reads the object it names from Amazon: the ledger
// changes only from what Amazon returns, through the recorder, with Amazon
// as the actor. A notification can move an order only along the shop's own
// transitions (a pending order is completed through the one completion; an
// order whose pending authorization ends Declined fails, settle.go); it
// never revives a canceled or failed order. The shop then mails itself the
// IPN mail of seed 000 12-2, once per object and state.

// NotificationRefused is a notification the shop does not take. Status is
// the HTTP answer: 400 for a malformed or stale one, 403 for one that does
// not verify or is not this merchant's, 503 when the signing certificate
// could not be fetched (the sender retries).
type NotificationRefused struct {
	Status int
	Reason string
}

func (e *NotificationRefused) Error() string {
	return fmt.Sprintf("notification refused (%d): %s", e.Status, e.Reason)
}

func refuse(status int, format string, args ...any) error {
	return &NotificationRefused{Status: status, Reason: fmt.Sprintf(format, args...)}
}

// ReplayWindow is how old a notification may be (its Timestamp against the
// shop's clock): an older one, even correctly signed, is a replay. SNS
// retries a delivery for well under an hour; what a refused notification
// would have told, the settlement job and the reconciliation read anyway.
// A Timestamp in the future is accepted (the emulator's clock may be moved
// forward).
const ReplayWindow = time.Hour

// MaxNotificationBytes caps a notification's body (an SNS envelope is a few
// kilobytes).
const MaxNotificationBytes = 256 << 10

var amazonIDRe = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// ReceiveNotification verifies a notification's body and records it once
// (a duplicate is taken and changes nothing), then starts its processing
// in the background. It returns a *NotificationRefused for a notification
// the shop does not take; other errors are the shop's own.
func (a *AmazonPay) ReceiveNotification(ctx context.Context, body []byte) error {
	if len(body) > MaxNotificationBytes {
		return refuse(413, "body over %d bytes", MaxNotificationBytes)
	}
	st, err := a.AmazonPaySettings(ctx)
	if err != nil {
		return err
	}
	if !st.Configured() {
		return refuse(403, "Amazon Pay is not configured")
	}
	env, err := amazonpay.ParseNotification(body)
	if err != nil {
		return refuse(400, "%v", err)
	}
	if env.Type != "Notification" {
		return refuse(400, "type %q", env.Type)
	}
	msg, err := a.verify(ctx, st, body)
	if err != nil {
		return err
	}
	if msg.MerchantID != st.MerchantID {
		return refuse(403, "merchant %q is not this shop's", msg.MerchantID)
	}
	sent, err := time.Parse(time.RFC3339Nano, env.Timestamp)
	if err != nil {
		return refuse(400, "timestamp %q", env.Timestamp)
	}
	if a.db.Now().Sub(sent) > ReplayWindow {
		return refuse(400, "notification of %s is older than %s: a replay", env.Timestamp, ReplayWindow)
	}
	permission := msg.ChargePermissionID
	if permission == "" && msg.ObjectType == amazonpay.ObjectTypeChargePermission {
		permission = msg.ObjectID
	}
	switch msg.ObjectType {
	case amazonpay.ObjectTypeChargePermission, amazonpay.ObjectTypeCharge, amazonpay.ObjectTypeRefund, amazonpay.ObjectTypeChargeback:
	default:
		return refuse(400, "object type %q", msg.ObjectType)
	}
	if !amazonIDRe.MatchString(msg.ObjectID) || !amazonIDRe.MatchString(permission) || len(msg.NotificationID) > 128 {
		return refuse(400, "object %q of permission %q", msg.ObjectID, permission)
	}
	n := model.Notification{MessageID: env.MessageID, NotificationID: msg.NotificationID, ObjectType: msg.ObjectType,
		ObjectID: msg.ObjectID, PermissionID: permission, NotificationType: msg.NotificationType, SentAt: sent, Body: string(body)}
	fresh, err := a.db.RecordNotification(ctx, &n)
	if err != nil {
		return err
	}
	if fresh {
		a.kickNotifications()
	}
	return nil
}

// NotificationStats counts the notifications the shop took and tells when
// the last one came (zero: never), for Amazon Pay設定.
func (a *AmazonPay) NotificationStats(ctx context.Context) (int, time.Time, error) {
	return a.db.NotificationStats(ctx)
}

// verify checks the signature of a notification and returns its message.
// In emulator mode a CA fetched from the emulator is fetched again (at
// most every 30 s) when a notification does not verify: a restarted
// emulator has a new one.
func (a *AmazonPay) verify(ctx context.Context, st AmazonPaySettings, body []byte) (*amazonpay.IPNMessage, error) {
	for refetch := false; ; refetch = true {
		v, err := a.notificationVerifier(ctx, st, refetch)
		if err != nil {
			return nil, refuse(503, "notification verifier: %v", err)
		}
		_, msg, err := v.Verify(ctx, body)
		switch {
		case err == nil:
			return msg, nil
		case !errors.Is(err, amazonpay.ErrBadNotification):
			return nil, refuse(503, "%v", err)
		case refetch || !a.canRefetchCA(st):
			return nil, refuse(403, "%v", err)
		}
	}
}

// verifiers caches the notification verifier of the current environment.
type verifiers struct {
	mu        sync.Mutex
	key       string
	v         *amazonpay.NotificationVerifier
	fetchedCA time.Time // when the emulator's CA was last fetched (zero: given, or Amazon)
}

// caRefetchEvery limits how often a failing notification fetches the
// emulator's CA again.
const caRefetchEvery = 30 * time.Second

func (a *AmazonPay) canRefetchCA(st AmazonPaySettings) bool {
	if st.Environment != EnvEmulator {
		return false
	}
	w := &a.work.verifiers
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.fetchedCA.IsZero() && time.Since(w.fetchedCA) > caRefetchEvery
}

// notificationVerifier returns the verifier for the environment: Amazon
// SNS's certificates in sandbox and live; in emulator mode, certificates
// below the emulator's /sns/ issued by its CA (given at start for the
// built-in emulator, else fetched from the emulator, again when refetch).
func (a *AmazonPay) notificationVerifier(ctx context.Context, st AmazonPaySettings, refetch bool) (*amazonpay.NotificationVerifier, error) {
	env := a.amazon.current()
	key := st.Environment
	if st.Environment == EnvEmulator {
		key += "|" + env.EmulatorURL
	}
	w := &a.work.verifiers
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.v != nil && w.key == key && !refetch {
		return w.v, nil
	}
	if st.Environment != EnvEmulator {
		w.key, w.v, w.fetchedCA = key, &amazonpay.NotificationVerifier{HTTPClient: env.HTTPClient}, time.Time{}
		return w.v, nil
	}
	if env.EmulatorURL == "" {
		return nil, errors.New("emulator mode without an emulator URL")
	}
	caPEM, fetched := env.EmulatorCA, time.Time{}
	if len(caPEM) == 0 {
		var err error
		if caPEM, err = fetchCA(ctx, env.HTTPClient, env.EmulatorURL+"/ca.pem"); err != nil {
			return nil, err
		}
		fetched = time.Now()
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("the emulator's CA is not a PEM certificate")
	}
	w.key, w.fetchedCA = key, fetched
	w.v = &amazonpay.NotificationVerifier{HTTPClient: env.HTTPClient, Roots: pool,
		CertURL: amazonpay.CertURLPrefixes(strings.TrimRight(env.EmulatorURL, "/") + "/sns/")}
	return w.v, nil
}

func fetchCA(ctx context.Context, hc *http.Client, url string) ([]byte, error) {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 64<<10))
}

// Processing. A notification is claimed (a lease) before it is processed,
// so two processes never process it at once; notifications of one charge
// permission are processed one after the other, oldest first.
const (
	notificationLease    = time.Minute
	notificationBatch    = 100
	notificationParallel = 4
	// notificationTries: after this many attempts that could not reach
	// Amazon a notification is given up (the settlement job and the
	// reconciliation still read the payment).
	notificationTries = 10
	// drainTimeout bounds one background drain.
	drainTimeout = 5 * time.Minute
)

// kickNotifications processes the notifications due now in the background
// (one drain at a time; a kick during a drain makes it go round again).
func (a *AmazonPay) kickNotifications() {
	w := a.work
	w.mu.Lock()
	if w.draining {
		w.again = true
		w.mu.Unlock()
		return
	}
	w.draining = true
	w.mu.Unlock()
	w.wg.Go(func() {
		for {
			ctx, cancel := context.WithTimeout(w.ctx, drainTimeout)
			if _, err := a.ProcessNotifications(ctx); err != nil && w.ctx.Err() == nil {
				a.log.Error("amazon pay notifications", "err", err)
			}
			cancel()
			w.mu.Lock()
			if !w.again {
				w.draining = false
				w.mu.Unlock()
				return
			}
			w.again = false
			w.mu.Unlock()
		}
	})
}

// ProcessNotifications processes every notification due now (the job runs
// it too, for notifications left by a process that died or waiting for a
// retry) and reports how many it processed.
func (a *AmazonPay) ProcessNotifications(ctx context.Context) (int, error) {
	due, err := a.db.DueNotifications(ctx, a.db.Now(), notificationBatch)
	if err != nil {
		return 0, err
	}
	var order []string
	groups := map[string][]model.Notification{}
	for _, n := range due {
		if groups[n.PermissionID] == nil {
			order = append(order, n.PermissionID)
		}
		groups[n.PermissionID] = append(groups[n.PermissionID], n)
	}
	var (
		wg    sync.WaitGroup
		done  atomic.Int64
		mu    sync.Mutex
		errs  []error
		slots = make(chan struct{}, notificationParallel)
	)
	for _, key := range order {
		group := groups[key]
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			unlock := a.work.locks.lock(key)
			defer unlock()
			for _, n := range group {
				handled, err := a.processNotification(ctx, n)
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("notification %d: %w", n.ID, err))
					mu.Unlock()
				}
				if handled {
					done.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(done.Load()), errors.Join(errs...)
}

// processNotification claims one notification and processes it: it finds
// the order (by the charge permission, else by the merchant reference
// Amazon gives), completes a pending one through the one completion, reads
// the object named and records what changed. It reports whether it
// finished the notification.
func (a *AmazonPay) processNotification(ctx context.Context, n model.Notification) (bool, error) {
	won, err := a.db.ClaimNotification(ctx, n.ID, notificationLease)
	if err != nil || !won {
		return false, err
	}
	n.Attempts++
	st, err := a.AmazonPaySettings(ctx)
	if err != nil {
		return false, err
	}
	client, err := a.client(ctx)
	if err != nil {
		return false, a.retryNotification(ctx, n, err)
	}
	orderID, err := a.db.OrderOfPermission(ctx, n.PermissionID)
	var perm *amazonpay.ChargePermission
	if errors.Is(err, store.ErrNotFound) {
		// A payment the shop has not recorded (yet): Amazon says whose.
		if perm, err = client.GetChargePermission(ctx, n.PermissionID); err != nil {
			return a.notReadable(ctx, n, err)
		}
		n.MerchantReference = perm.MerchantMetadata.MerchantReferenceID
		p, err := a.db.AmazonPaymentByReference(ctx, n.MerchantReference)
		if errors.Is(err, store.ErrNotFound) {
			return true, a.unmatched(ctx, st, client, n, perm)
		}
		if err != nil {
			return false, err
		}
		orderID = p.OrderID
	} else if err != nil {
		return false, err
	}
	p, err := a.db.AmazonPayment(ctx, orderID)
	if err != nil {
		return false, err
	}
	n.MerchantReference = p.MerchantReference
	if p.State == store.AmazonPending || p.State == store.AmazonCompleting {
		// Amazon holds the payment of an order not completed yet: the
		// buyer's return is on its way, or was lost. The one completion
		// decides; a completion held elsewhere is waited for a moment
		// (returnWait: it usually ends in milliseconds), then again later.
		rs, err := a.RecoverySettings(ctx)
		if err != nil {
			return false, err
		}
		if err := a.completeOnce(ctx, p, completion{actor: actorAmazon, recheck: rs.RecoverAfter}, returnWait); errors.Is(err, ErrAmazonPending) {
			return false, a.db.RetryNotification(ctx, n.ID, a.db.Now().Add(5*time.Second), "the order's completion is in progress")
		} else if err != nil {
			return false, err
		}
		if p, err = a.db.AmazonPayment(ctx, orderID); err != nil {
			return false, err
		}
	}
	// An operation of the shop on this payment is under way: its own
	// answer records the change, as the shop's; the notification is read
	// after it (then nothing has changed, and no Amazon row is written).
	if l, err := a.db.Ledger(ctx, orderID); err == nil && l.Permission.BusyOperation != 0 && a.db.Now().Sub(l.Permission.BusySince) <= staleOperation {
		return false, a.db.RetryNotification(ctx, n.ID, a.db.Now().Add(2*time.Second), "an operation of the shop on this payment is in progress")
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	tag := callTag(orderID, 0)
	objs, subject, err := a.fetchNamed(ctx, client, n, perm, tag)
	if err != nil {
		return a.notReadable(ctx, n, err)
	}
	// An order still waiting to complete: Amazon holding money for it is
	// a payment without an order. A failed one was told it failed by
	// Amazon; money Amazon holds for it anyway is reconciliation's.
	if p.State == store.AmazonPending || p.State == store.AmazonCompleting {
		if held, amount := holdsMoney(objs); held {
			if err := a.noteUnplaced(ctx, p.MerchantReference, n.PermissionID, p.OrderID, amount); err != nil {
				return false, err
			}
		}
	}
	n.State, n.OrderID, n.ObjectState, n.ReasonCode = model.NotificationDone, orderID, subject.state, subject.reason
	return true, a.record(ctx, orderID, actorAmazon, func(r *recorder) error {
		// The ledger follows Amazon once the completion started it; an
		// order that never completed gets none.
		l, err := r.tx.Ledger(orderID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil {
			if changed := changedObjects(l, objs); !changed.empty() {
				if err := r.saveAmazon(changed, model.Operation{}); err != nil {
					return err
				}
			}
			if err := a.declineOutcome(r, l); err != nil {
				return err
			}
		}
		if err := r.tx.AddAPICall(notificationCall(n)); err != nil {
			return err
		}
		if err := a.ipnMail(r.tx, orderID, p, subject); err != nil {
			return err
		}
		return r.tx.FinishNotification(n)
	})
}

var actorAmazon = model.Actor{Kind: model.ActorAmazon}

// notificationCall is a notification as a line of the order's timeline
// (F-84): the envelope as received.
func notificationCall(n model.Notification) model.APICall {
	return model.APICall{OrderID: n.OrderID, At: n.ReceivedAt, API: "Notification", Method: http.MethodPost, Path: "/amazonpay/ipn",
		Attempt: 1, HTTPStatus: http.StatusOK, RequestID: n.MessageID, RequestBody: clip([]byte(n.Body))}
}

// unmatched finishes a notification whose payment no order of the shop
// has: when Amazon holds money for one of the shop's order numbers, the
// 受注未作成通知 follows (F-52).
func (a *AmazonPay) unmatched(ctx context.Context, st AmazonPaySettings, client *amazonpay.Client, n model.Notification, perm *amazonpay.ChargePermission) error {
	objs, subject, err := a.fetchNamed(ctx, client, n, perm)
	if err != nil {
		objs = amazonObjects{permission: permissionFrom(perm, a.db.Now())}
		subject = ipnSubject{kind: amazonpay.ObjectTypeChargePermission, id: perm.ChargePermissionID, key: perm.ChargePermissionID,
			state: perm.StatusDetails.State}
	}
	if held, amount := holdsMoney(objs); held && ownReference(st, n.MerchantReference) {
		if err := a.noteUnplaced(ctx, n.MerchantReference, n.PermissionID, 0, amount); err != nil {
			return err
		}
	}
	n.State, n.ObjectState, n.ReasonCode = model.NotificationUnmatched, subject.state, subject.reason
	return a.db.WithTx(ctx, func(tx *store.Tx) error { return tx.FinishNotification(n) })
}

// ownReference tells whether a merchant reference is one this shop sends:
// its prefix followed by an order number.
func ownReference(st AmazonPaySettings, ref string) bool {
	rest, ok := strings.CutPrefix(ref, st.ReferencePrefix)
	return ok && rest != "" && strings.Trim(rest, "0123456789") == ""
}

// notReadable handles a notification whose object could not be read:
// Amazon did not answer (it is tried again later, backing off, and given
// up after notificationTries), or refused (it is finished with the reason:
// a notification naming an object Amazon does not have changes nothing).
func (a *AmazonPay) notReadable(ctx context.Context, n model.Notification, err error) (bool, error) {
	var apErr *amazonpay.Error
	if errors.As(err, &apErr) && !apErr.Retryable() {
		n.State, n.LastError = model.NotificationDone, apErr.ReasonCode
		return true, a.db.WithTx(ctx, func(tx *store.Tx) error { return tx.FinishNotification(n) })
	}
	return false, a.retryNotification(ctx, n, err)
}

func (a *AmazonPay) retryNotification(ctx context.Context, n model.Notification, cause error) error {
	a.log.Warn("amazon pay notification not processed yet", "notification", n.ID, "attempt", n.Attempts, "err", cause)
	if n.Attempts >= notificationTries {
		n.State, n.LastError = model.NotificationDone, truncateRunes("gave up: "+cause.Error(), 500)
		return a.db.WithTx(ctx, func(tx *store.Tx) error { return tx.FinishNotification(n) })
	}
	return a.db.RetryNotification(ctx, n.ID, a.db.Now().Add(retryDelay(n.Attempts-1)), truncateRunes(cause.Error(), 500))
}

// ipnSubject is the object a notification is about, as Amazon returned it.
type ipnSubject struct {
	kind          string // an ObjectType
	id            string
	state, reason string
	// key tells mails apart: the object's ID, or for a chargeback its
	// notification (a charge may see several chargebacks).
	key string
}

// fetchNamed reads what a notification names: the charge permission
// (already read: perm) and the charge, the refund and its charge, or the
// charge of a chargeback.
func (a *AmazonPay) fetchNamed(ctx context.Context, c *amazonpay.Client, n model.Notification, perm *amazonpay.ChargePermission, opts ...amazonpay.RequestOption) (amazonObjects, ipnSubject, error) {
	var objs amazonObjects
	if perm == nil {
		var err error
		if perm, err = c.GetChargePermission(ctx, n.PermissionID, opts...); err != nil {
			return objs, ipnSubject{}, err
		}
	}
	objs.permission = permissionFrom(perm, a.db.Now())
	subject := ipnSubject{kind: n.ObjectType, id: n.ObjectID, state: perm.StatusDetails.State}
	if len(perm.StatusDetails.Reasons) > 0 {
		subject.reason = perm.StatusDetails.Reasons[0].ReasonCode
	}
	switch n.ObjectType {
	case amazonpay.ObjectTypeCharge:
		ch, err := c.GetCharge(ctx, n.ObjectID, opts...)
		if err != nil {
			return objs, subject, err
		}
		objs.charges = append(objs.charges, chargeFrom(ch, a.db.Now()))
		subject.state, subject.reason = ch.StatusDetails.State, ch.StatusDetails.ReasonCode
	case amazonpay.ObjectTypeRefund:
		rf, err := c.GetRefund(ctx, n.ObjectID, opts...)
		if err != nil {
			return objs, subject, err
		}
		ch, err := c.GetCharge(ctx, rf.ChargeID, opts...)
		if err != nil {
			return objs, subject, err
		}
		objs.charges = append(objs.charges, chargeFrom(ch, a.db.Now()))
		objs.refunds = append(objs.refunds, refundFrom(rf, a.db.Now()))
		subject.state, subject.reason = rf.StatusDetails.State, rf.StatusDetails.ReasonCode
	case amazonpay.ObjectTypeChargeback:
		// A chargeback names the charge it is against (the emulator) or a
		// chargeback of its own, which the API does not read: the charge
		// is read when it can be, and the mail tells the shop either way.
		if ch, err := c.GetCharge(ctx, n.ObjectID, opts...); err == nil {
			objs.charges = append(objs.charges, chargeFrom(ch, a.db.Now()))
		}
		subject.state, subject.reason = ipnChargeback, ""
		subject.key = "chargeback:" + n.MessageID
	}
	if subject.key == "" {
		subject.key = subject.id
	}
	return objs, subject, nil
}

// ipnChargeback stands for a chargeback in the IPN mail's record.
const ipnChargeback = "Chargeback"

func (o amazonObjects) empty() bool {
	return o.permission == nil && len(o.charges) == 0 && len(o.refunds) == 0
}

// changedObjects keeps of what Amazon just returned the objects the ledger
// does not have as they are now; an object read earlier than the ledger's
// copy (notifications processed out of order) is left out.
func changedObjects(l model.Ledger, objs amazonObjects) amazonObjects {
	var out amazonObjects
	newer := func(stored, read time.Time) bool { return !stored.After(read) }
	if p := objs.permission; p != nil {
		o := l.Permission
		if newer(o.FetchedAt, p.FetchedAt) && (o.State != p.State || o.ReasonCode != p.ReasonCode || o.AmountLimit != p.AmountLimit ||
			o.AmountBalance != p.AmountBalance || !o.ExpiresAt.Equal(p.ExpiresAt) || o.PaymentDescriptor != p.PaymentDescriptor) {
			out.permission = p
		}
	}
	for _, c := range objs.charges {
		changed := true
		for _, o := range l.Charges {
			if o.ID == c.ID {
				changed = newer(o.FetchedAt, c.FetchedAt) && (o.State != c.State || o.ReasonCode != c.ReasonCode || o.Amount != c.Amount ||
					o.Captured != c.Captured || o.Refunded != c.Refunded || !o.ExpiresAt.Equal(c.ExpiresAt))
			}
		}
		if changed {
			out.charges = append(out.charges, c)
		}
	}
	for _, f := range objs.refunds {
		changed := true
		for _, o := range l.Refunds {
			if o.ID == f.ID {
				changed = newer(o.FetchedAt, f.FetchedAt) && (o.State != f.State || o.ReasonCode != f.ReasonCode || o.Amount != f.Amount)
			}
		}
		if changed {
			out.refunds = append(out.refunds, f)
		}
	}
	return out
}

// holdsMoney tells whether Amazon holds a payment in objs (an open or
// pending authorization, money captured and not refunded, or a charge
// permission still open), and how much (yen) the charges hold.
func holdsMoney(objs amazonObjects) (bool, int64) {
	held, amount := false, int64(0)
	for _, c := range objs.charges {
		switch c.State {
		case model.StateAuthorizationInitiated, model.StateAuthorized:
			held, amount = true, amount+c.Amount
		case model.StateCaptureInitiated, model.StateCaptured:
			if c.Captured > c.Refunded {
				held, amount = true, amount+c.Captured-c.Refunded
			}
		}
	}
	// A permission with no charge yet holds the buyer's consent while it is
	// Chargeable (確認 orders); NonChargeable holds nothing.
	if p := objs.permission; p != nil && len(objs.charges) == 0 && p.State == model.StateChargeable {
		held, amount = true, p.AmountLimit-p.AmountBalance
	}
	return held, amount
}
