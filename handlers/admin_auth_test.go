package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// cookie returns the browser's cookie of that name sent to path ("" when none).
func (k *kit) cookie(path, name string) string {
	u, _ := url.Parse(k.srv.URL + path)
	for _, c := range k.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// withAdminCookie is another browser holding a copy of an admin cookie.
func (k *kit) withAdminCookie(value string) *kit {
	other := &kit{t: k.t, dir: k.dir, srv: k.srv, shop: k.shop, db: k.db, emu: k.emu, client: newClient(), opts: k.opts}
	u, _ := url.Parse(k.srv.URL + "/admin")
	other.client.Jar.SetCookies(u, []*http.Cookie{{Name: "kago_admin_sid", Value: value, Path: "/admin"}})
	return other
}

func signedIn(k *kit) bool {
	k.t.Helper()
	r := k.get("/admin/orders")
	return r.status == http.StatusOK && strings.Contains(r.body, "受注")
}

// TestAdminCookieSavedBeforeLogoutIsDead: issue 9 item 5, a cookie saved
// before logout opened /admin/orders after it.
func TestAdminCookieSavedBeforeLogoutIsDead(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	saved := k.cookie("/admin", "kago_admin_sid")
	if saved == "" || !signedIn(k.withAdminCookie(saved)) {
		t.Fatal("a copy of the admin cookie does not open the admin before logout")
	}
	if r := k.post("/admin/logout", nil); r.status != http.StatusSeeOther || r.location != "/admin/login" {
		t.Fatalf("logout: %d %s", r.status, r.location)
	}
	if signedIn(k.withAdminCookie(saved)) {
		t.Fatal("a cookie saved before logout still opens /admin/orders")
	}
	if r := k.withAdminCookie(saved).get("/admin/orders"); r.status != http.StatusSeeOther || r.location != "/admin/login" {
		t.Fatalf("saved cookie after logout: %d %s", r.status, r.location)
	}
}

// TestAdminPasswordChangeEndsOtherSessions: the other browser and a saved
// cookie are signed out; the browser that changed it goes on with a new ID.
func TestAdminPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	other := k.withAdminCookie("")
	other.loginAdmin()
	saved := k.cookie("/admin", "kago_admin_sid")

	k.get("/admin/password")
	r := k.post("/admin/password", url.Values{"current_password": {testAdminPassword}, "new_password": {"新しい合言葉-2026"},
		"confirm_password": {"新しい合言葉-2026"}})
	if r.status != http.StatusSeeOther || r.location != "/admin" {
		t.Fatalf("change: %d %s %s", r.status, r.location, r.body)
	}
	mustContain(t, k.get("/admin").body, "パスワードを変更しました。")
	if now := k.cookie("/admin", "kago_admin_sid"); now == saved || now == "" {
		t.Fatal("the session ID did not change with the password")
	}
	if !signedIn(k) {
		t.Fatal("the browser that changed the password was signed out")
	}
	if signedIn(other) {
		t.Fatal("another browser's session outlived the password change")
	}
	if signedIn(k.withAdminCookie(saved)) {
		t.Fatal("a cookie saved before the password change still opens /admin/orders")
	}
	fresh := k.withAdminCookie("")
	fresh.get("/admin/login")
	if r := fresh.post("/admin/login", url.Values{"email": {testAdminEmail}, "password": {testAdminPassword}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("old password after the change: %d", r.status)
	}
	if r := fresh.post("/admin/login", url.Values{"email": {testAdminEmail}, "password": {"新しい合言葉-2026"}}); r.status != http.StatusSeeOther {
		t.Fatalf("new password: %d", r.status)
	}
}

func TestAdminPasswordChangeRefusesBadInput(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	mustContain(t, k.get("/admin/password").body, "現在のパスワード", "新しいパスワード（確認）", `autocomplete="new-password"`)
	for _, tc := range []struct {
		current, next, confirm, want string
	}{
		{"wrong-one", "新しい合言葉-2026", "新しい合言葉-2026", "現在のパスワードが正しくありません。"},
		{testAdminPassword, "short", "short", "10文字以上"},
		{testAdminPassword, "新しい合言葉-2026", "新しい合言葉-2025", "確認用のパスワードが一致しません。"},
	} {
		r := k.post("/admin/password", url.Values{"current_password": {tc.current}, "new_password": {tc.next}, "confirm_password": {tc.confirm}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d", tc.want, r.status)
		}
		mustContain(t, r.body, tc.want, "入力内容に誤りがあります")
		if strings.Contains(r.body, tc.next) || strings.Contains(r.body, "wrong-one") {
			t.Error("a typed password was written back into the page")
		}
	}
	if !signedIn(k) {
		t.Fatal("a refused change signed the admin out")
	}
}

// TestAdminLoginRotatesSessionAndCSRF: a session ID planted before login is
// never the one used after it, and the CSRF token of before no longer works.
func TestAdminLoginRotatesSessionAndCSRF(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	planted := k.withAdminCookie("attacker-chosen-session-id")
	k.client = planted.client
	k.get("/admin/login")
	before := k.cookie("/", "kago_csrf")
	k.loginAdmin()
	first := k.cookie("/admin", "kago_admin_sid")
	if first == "" || first == "attacker-chosen-session-id" {
		t.Fatalf("session ID after login %q", first)
	}
	after := k.cookie("/", "kago_csrf")
	if before == "" || after == "" || after == before {
		t.Fatalf("CSRF token before %q after %q: not rotated", before, after)
	}
	if r := k.post("/admin/logout", url.Values{"_csrf": {before}}); r.status != http.StatusForbidden {
		t.Fatalf("POST with the CSRF token of before the login: %d", r.status)
	}
	// Signing in again while signed in ends the first session.
	k.loginAdmin()
	second := k.cookie("/admin", "kago_admin_sid")
	if second == first || signedIn(k.withAdminCookie(first)) {
		t.Fatal("the session of the first login survived the second")
	}
	if !signedIn(k) {
		t.Fatal("not signed in after the second login")
	}
}

// kitClock is a settable clock for a kit's store.
type kitClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *kitClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *kitClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestAdminLoginLimited: issue 9 item 5, 200 wrong passwords were 200
// accepted attempts. Now 5 are checked and the rest refused with 429 and a
// message; the right password is refused until the 15 minutes pass.
func TestAdminLoginLimited(t *testing.T) {
	t.Parallel()
	clk := &kitClock{t: time.Now().UTC()}
	k := newKitWith(t, kitOptions{now: clk.now})
	k.get("/admin/login")
	counts := map[int]int{}
	for range 200 {
		r := k.post("/admin/login", url.Values{"email": {testAdminEmail}, "password": {"guess"}})
		counts[r.status]++
		if r.status == http.StatusTooManyRequests {
			mustContain(t, r.body, "ログインの試行回数が上限に達しました。15分ほど時間をおいてから、もう一度お試しください。", `value="`+testAdminEmail+`"`)
		}
	}
	if counts[http.StatusUnprocessableEntity] != 5 || counts[http.StatusTooManyRequests] != 195 {
		t.Fatalf("200 wrong passwords answered %v; want 5 checked (422) and 195 refused (429)", counts)
	}
	r := k.post("/admin/login", url.Values{"email": {testAdminEmail}, "password": {testAdminPassword}})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("right password during the lock: %d", r.status)
	}
	clk.add(14 * time.Minute)
	if r := k.post("/admin/login", url.Values{"email": {testAdminEmail}, "password": {testAdminPassword}}); r.status != http.StatusTooManyRequests {
		t.Fatalf("right password 14 minutes later: %d", r.status)
	}
	clk.add(time.Minute)
	k.loginAdmin()
}
