package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"kago/amazonpay"
)

// Snapshot is every object of the emulator as Amazon would show it.
type Snapshot struct {
	Sessions    []amazonpay.CheckoutSession
	Permissions []amazonpay.ChargePermission
	Charges     []amazonpay.Charge
	Refunds     []amazonpay.Refund
}

// Snapshot returns every object, newest first, after settling what is due.
// It reads the whole state database: it is for tests and tools (the
// console shows the newest objects only).
func (e *Emulator) Snapshot() Snapshot { return e.snapshot(0) }

// consoleRows is how many objects of each kind the console lists.
const consoleRows = 100

// snapshot returns the newest limit objects of each kind (all when 0).
func (e *Emulator) snapshot(limit int) Snapshot {
	e.mu.Lock()
	defer e.unlock()
	e.settleAllLocked()
	now := e.now()
	var s Snapshot
	if err := e.saveLocked(); err != nil {
		e.log.Error("amazonpay emulator: saving state", "err", err)
		return s
	}
	keys, err := e.objectKeys(limit)
	if err != nil {
		e.log.Error("amazonpay emulator: reading state", "err", err)
		return s
	}
	for _, k := range keys {
		switch k.kind {
		case kindSession:
			if v := e.sessionByID(k.id); v != nil && !v.SignIn && !sessionGone(v, now) {
				s.Sessions = append(s.Sessions, e.viewSession(v))
			}
		case kindPermission:
			if v := e.permissionByID(k.id); v != nil {
				s.Permissions = append(s.Permissions, e.viewPermission(v, now))
			}
		case kindCharge:
			if v := e.chargeByID(k.id); v != nil {
				s.Charges = append(s.Charges, e.viewCharge(v))
			}
		case kindRefund:
			if v := e.refundByID(k.id); v != nil {
				s.Refunds = append(s.Refunds, e.viewRefund(v))
			}
		}
	}
	sort.Slice(s.Sessions, func(i, j int) bool {
		return s.Sessions[i].CreationTimestamp.After(s.Sessions[j].CreationTimestamp.Time)
	})
	sort.Slice(s.Permissions, func(i, j int) bool {
		return s.Permissions[i].CreationTimestamp.After(s.Permissions[j].CreationTimestamp.Time) ||
			s.Permissions[i].CreationTimestamp.Equal(s.Permissions[j].CreationTimestamp.Time) && s.Permissions[i].ChargePermissionID > s.Permissions[j].ChargePermissionID
	})
	sort.Slice(s.Charges, func(i, j int) bool { return s.Charges[i].ChargeID > s.Charges[j].ChargeID })
	sort.Slice(s.Refunds, func(i, j int) bool { return s.Refunds[i].RefundID > s.Refunds[j].RefundID })
	return s
}

// ErrNotFound and ErrWrongState are returned by the Amazon-side actions.
var (
	ErrNotFound   = errors.New("emulator: no such object")
	ErrWrongState = errors.New("emulator: the object is not in a state that allows this")
)

func (e *Emulator) chargeForAction(id string) (*charge, time.Time, error) {
	c := e.chargeByID(id)
	if c == nil {
		return nil, time.Time{}, ErrNotFound
	}
	now := e.now()
	e.settleCharge(c, now)
	return c, now, nil
}

// AmazonCapture captures an authorized charge in full from Amazon's side
// (as Seller Central can), with notifications.
func (e *Emulator) AmazonCapture(chargeID string) error {
	e.mu.Lock()
	defer e.unlock()
	c, now, err := e.chargeForAction(chargeID)
	if err != nil {
		return err
	}
	if c.State != amazonpay.StateAuthorized {
		return fmt.Errorf("%w: charge is %s", ErrWrongState, c.State)
	}
	c.Captured = c.Amount
	e.setCharge(c, amazonpay.StateCaptured, "", "", now)
	e.refreshPermission(e.st.Permissions[c.PermissionID], now)
	return nil
}

// AmazonCancel cancels an authorized or pending charge from Amazon's side
// (Canceled AmazonCanceled).
func (e *Emulator) AmazonCancel(chargeID string) error {
	e.mu.Lock()
	defer e.unlock()
	c, now, err := e.chargeForAction(chargeID)
	if err != nil {
		return err
	}
	if c.State != amazonpay.StateAuthorized && c.State != amazonpay.StateAuthorizationInitiated {
		return fmt.Errorf("%w: charge is %s", ErrWrongState, c.State)
	}
	c.PendingUntil = time.Time{}
	e.setCharge(c, amazonpay.StateCanceled, "AmazonCanceled", "Canceled by Amazon.", now)
	e.refreshPermission(e.st.Permissions[c.PermissionID], now)
	return nil
}

// AmazonRefund refunds yen of a captured charge from Amazon's side (0: what
// is left of the captured amount) and returns the refund ID.
func (e *Emulator) AmazonRefund(chargeID string, yen int64) (string, error) {
	e.mu.Lock()
	defer e.unlock()
	c, now, err := e.chargeForAction(chargeID)
	if err != nil {
		return "", err
	}
	if c.State != amazonpay.StateCaptured {
		return "", fmt.Errorf("%w: charge is %s", ErrWrongState, c.State)
	}
	if yen <= 0 {
		yen = c.Captured
		for _, id := range c.RefundIDs {
			if r := e.st.Refunds[id]; r.State != amazonpay.StateDeclined {
				yen -= r.Amount
			}
		}
	}
	if yen <= 0 || yen > e.refundable(c) {
		return "", fmt.Errorf("%w: nothing (or not that much) left to refund", ErrWrongState)
	}
	return e.startRefund(c, yen, "", now).ID, nil
}

// AmazonClose closes a charge permission from Amazon's side (Closed
// AmazonClosed), canceling its open charges.
func (e *Emulator) AmazonClose(permissionID string) error {
	e.mu.Lock()
	defer e.unlock()
	p := e.permissionByID(permissionID)
	if p == nil {
		return ErrNotFound
	}
	now := e.now()
	e.settlePermissionTree(p, now)
	if p.State == amazonpay.StateClosed {
		return fmt.Errorf("%w: already closed", ErrWrongState)
	}
	e.closePermission(p, "AmazonClosed", "Closed by Amazon.", true, now)
	return nil
}

// Chargeback files a chargeback against a captured charge: a CHARGEBACK
// notification whose ObjectId is the charge ID.
func (e *Emulator) Chargeback(chargeID string) error {
	e.mu.Lock()
	defer e.unlock()
	c, _, err := e.chargeForAction(chargeID)
	if err != nil {
		return err
	}
	if c.State != amazonpay.StateCaptured {
		return fmt.Errorf("%w: charge is %s", ErrWrongState, c.State)
	}
	c.Chargebacks++
	e.touch(c)
	e.notifyLocked(c.MerchantID, c.Env, amazonpay.ObjectTypeChargeback, c.ID, c.PermissionID)
	return nil
}

// consoleRoot returns where the console is, for its forms and redirects:
// under the emulator's own base, its public URL + /console; when a host
// serves it elsewhere (kago: /admin/amazonpay-emulator/console, where the
// admin's cookie goes), that path. p is the request's path below the
// emulator.
func (e *Emulator) consoleRoot(r *http.Request, p string) string {
	orig := r.URL.EscapedPath()
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		orig = u.EscapedPath()
	}
	prefix := strings.TrimSuffix(strings.TrimSuffix(orig, p), "/")
	e.mu.Lock()
	base, pub := e.basePath, e.publicURL
	e.mu.Unlock()
	if prefix == base && pub != "" {
		return pub + "/console"
	}
	return prefix + "/console"
}

// serveConsole serves the console to those console_access.go lets in.
func (e *Emulator) serveConsole(w http.ResponseWriter, r *http.Request, p string) {
	if !e.consoleAllowed(r) {
		e.errorPage(w, http.StatusForbidden, "コンソールは、エミュレーターと同じコンピューターから（ショップに組み込まれているときは、ログインしたショップの管理者だけが）使えます。", "", "")
		return
	}
	root := e.consoleRoot(r, p)
	safe := r.Method == http.MethodGet || r.Method == http.MethodHead
	if strings.HasPrefix(p, "/console/api/") && !safe {
		if err := e.checkConsoleWrite(r, false); err != nil {
			status := http.StatusForbidden
			if errors.Is(err, errNotJSON) {
				status = http.StatusUnsupportedMediaType
			}
			writeJSON(w, status, map[string]string{"error": err.Error()})
			return
		}
	}
	switch {
	case (p == "/" || p == "/console") && safe:
		e.consolePage(w, r, root)
		return
	case p == "/console/api/faults":
		e.apiFaults(w, r)
		return
	case p == "/console/api/clock":
		e.apiClock(w, r)
		return
	case p == "/console/api/notifications":
		e.apiNotifications(w, r)
		return
	case p == "/console/api/objects" && safe:
		// Every object, as Snapshot: what "Amazon" holds, for tools and
		// for tests that check a shop against it from another process.
		writeJSON(w, 200, e.Snapshot())
		return
	case p == "/console/api/actions" && r.Method == http.MethodPost:
		var req struct {
			Action string `json:"action"`
			ID     string `json:"id"`
			Amount int64  `json:"amount"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
		id, err := e.consoleAction(req.Action, req.ID, req.Amount)
		if err != nil {
			writeJSON(w, 409, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, 200, map[string]string{"result": id})
		return
	}
	if r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		e.errorPage(w, http.StatusBadRequest, "フォームを読めませんでした。", "", root)
		return
	}
	if err := e.checkConsoleWrite(r, true); err != nil {
		e.errorPage(w, http.StatusForbidden, err.Error(), "", root)
		return
	}
	f := r.PostForm
	var err error
	switch p {
	case "/console/action":
		_, err = e.consoleAction(f.Get("action"), f.Get("id"), 0)
	case "/console/clock":
		var d time.Duration
		d, err = time.ParseDuration(f.Get("advance"))
		if err == nil {
			e.Advance(d)
		}
	case "/console/faults":
		fault := Fault{Operation: f.Get("operation")}
		fault.Times, _ = strconv.Atoi(f.Get("times"))
		if f.Get("latency") != "" {
			fault.Latency, err = time.ParseDuration(f.Get("latency"))
		}
		switch v := f.Get("fault"); v {
		case "before", "after":
			fault.Drop = v
		case "latency":
		default:
			fault.Status, _ = strconv.Atoi(v)
		}
		if err == nil {
			err = e.AddFault(fault)
		}
	case "/console/faults/clear":
		e.ClearFaults()
	case "/console/notifications":
		e.SetDuplicateNotifications(f.Get("duplicate") == "on")
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		e.errorPage(w, 400, err.Error(), "", root)
		return
	}
	http.Redirect(w, r, root, http.StatusSeeOther)
}

func (e *Emulator) consoleAction(action, id string, yen int64) (string, error) {
	switch action {
	case "capture":
		return id, e.AmazonCapture(id)
	case "cancel":
		return id, e.AmazonCancel(id)
	case "refund":
		return e.AmazonRefund(id, yen)
	case "close":
		return id, e.AmazonClose(id)
	case "chargeback":
		return id, e.Chargeback(id)
	case "remove-merchant":
		return id, e.RemoveMerchant(id)
	}
	return "", fmt.Errorf("emulator: unknown action %q", action)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// faultJSON is Fault with the latency as a Go duration string ("200ms").
type faultJSON struct {
	Operation string `json:"operation,omitempty"`
	Latency   string `json:"latency,omitempty"`
	Status    int    `json:"status,omitempty"`
	Drop      string `json:"drop,omitempty"`
	Times     int    `json:"times,omitempty"`
}

func (e *Emulator) apiFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		var fj faultJSON
		if err := json.NewDecoder(r.Body).Decode(&fj); err != nil {
			writeJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
		f := Fault{Operation: fj.Operation, Status: fj.Status, Drop: fj.Drop, Times: fj.Times}
		if fj.Latency != "" {
			d, err := time.ParseDuration(fj.Latency)
			if err != nil {
				writeJSON(w, 400, map[string]string{"error": err.Error()})
				return
			}
			f.Latency = d
		}
		if err := e.AddFault(f); err != nil {
			writeJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
	case http.MethodDelete:
		e.ClearFaults()
	case http.MethodGet:
	default:
		w.WriteHeader(405)
		return
	}
	var out []faultJSON
	for _, f := range e.Faults() {
		out = append(out, faultJSON{Operation: f.Operation, Latency: f.Latency.String(), Status: f.Status, Drop: f.Drop, Times: f.Times})
	}
	writeJSON(w, 200, out)
}

func (e *Emulator) apiClock(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var req struct {
			Advance string `json:"advance"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
		d, err := time.ParseDuration(req.Advance)
		if err != nil || d < 0 {
			writeJSON(w, 400, map[string]string{"error": "advance must be a positive Go duration such as 720h"})
			return
		}
		e.Advance(d)
	}
	writeJSON(w, 200, map[string]string{"now": e.Now().Format(time.RFC3339)})
}

func (e *Emulator) apiNotifications(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var req struct {
			Duplicate bool `json:"duplicate"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
		e.SetDuplicateNotifications(req.Duplicate)
	}
	writeJSON(w, 200, e.Deliveries())
}

func (e *Emulator) consolePage(w http.ResponseWriter, r *http.Request, root string) {
	token := e.consoleToken(w, r, root)
	snap := e.snapshot(consoleRows)
	certURL, _ := e.SigningCertURL()
	e.mu.Lock()
	offset := e.st.ClockOffset
	now := e.now()
	dup := e.dupIPN
	faults := append([]Fault(nil), e.faults...)
	base := e.publicURL
	e.mu.Unlock()
	deliveries, err := e.deliveries(consoleRows)
	if err != nil {
		e.log.Error("amazonpay emulator: reading notifications", "err", err)
	}
	slices.Reverse(deliveries)
	ops := make([]string, 0, len(routes))
	for _, r := range routes {
		ops = append(ops, r.op)
	}
	render(w, 200, consolePage, map[string]any{
		"Title": "コンソール", "Wide": true, "Base": base, "Now": now.In(jst).Format("2006-01-02 15:04:05 MST"),
		"Offset": offset.String(), "Faults": faults, "Operations": ops, "Duplicate": dup, "CertURL": certURL,
		"Merchants": e.Merchants(), "Permissions": snap.Permissions, "Charges": snap.Charges, "Refunds": snap.Refunds,
		"Deliveries": deliveries, "Env": "Sandbox / Live", "CSRF": token, "Console": root,
	})
}

var jst = time.FixedZone("JST", 9*60*60)
