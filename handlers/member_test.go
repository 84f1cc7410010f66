package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kago/amazonpay/emulator"
	"kago/mail"
	"kago/model"
	"kago/store"
)

const memberPassword = "tea-leaf-2026"

func memberForm(email, loginID string) url.Values {
	return url.Values{"email": {email}, "login_id": {loginID}, "password": {memberPassword}, "password_confirm": {memberPassword},
		"family_name": {"山田"}, "given_name": {"花子"}, "family_kana": {"ヤマダ"}, "given_kana": {"ハナコ"},
		"phone": {"090-1234-5678"}, "postal_code": {"100-0001"}, "prefecture": {"東京都"}, "city": {"千代田区"}, "address1": {"千代田1-1"}}
}

// registerMember registers through the page and stays logged in.
func (k *kit) registerMember(email, loginID string) {
	k.t.Helper()
	k.get("/register")
	r := k.post("/register", memberForm(email, loginID))
	if r.status != http.StatusSeeOther || r.location != "/mypage" {
		k.t.Fatalf("register: %d %s %s", r.status, r.location, r.body)
	}
}

func (k *kit) loginMember(key string) {
	k.t.Helper()
	k.get("/login")
	r := k.post("/login", url.Values{"login": {key}, "password": {memberPassword}})
	if r.status != http.StatusSeeOther {
		k.t.Fatalf("login: %d %s", r.status, r.body)
	}
}

func (k *kit) logoutMember() {
	k.t.Helper()
	if r := k.post("/logout", nil); r.status != http.StatusSeeOther {
		k.t.Fatalf("logout: %d", r.status)
	}
}

// memberID finds a member by e-mail the way the admin's search does.
func (k *kit) memberID(email string) int64 {
	k.t.Helper()
	page, err := k.db.SearchMembers(context.Background(), store.MemberFilter{Email: email, Status: model.MemberActive}, 0, 0, 1)
	if err != nil || len(page.Members) != 1 {
		k.t.Fatalf("member %s: %v", email, err)
	}
	return page.Members[0].ID
}

func TestMemberRegisterLoginLogout(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	page := k.get("/")
	mustContain(t, page.body, `href="/login"`, `href="/register"`)
	if r := k.get("/mypage"); r.status != http.StatusSeeOther || r.location != "/login?next=%2Fmypage" {
		t.Fatalf("my page for a guest: %d %s", r.status, r.location)
	}
	k.get("/register")
	bad := memberForm("not-an-address", "hanako01")
	bad.Set("password", "1234567890")
	bad.Set("family_kana", "やまだ1")
	r := k.post("/register", bad)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad registration: %d", r.status)
	}
	mustContain(t, r.body, "メールアドレスの形式が正しくありません", "「1234567890」「abcdefghij」のような並びは使えません。",
		"フリガナは全角カタカナ30文字以内で入力してください。", `value="not-an-address"`, `value="hanako01"`, `value="千代田区"`)
	if strings.Contains(r.body, `value="1234567890"`) {
		t.Fatal("the typed password was rendered back")
	}
	k.registerMember("hanako@example.jp", "hanako01")
	top := k.get("/mypage")
	mustContain(t, top.body, "会員登録が完了しました。", "山田 花子 様", "保有ポイント", "0ポイント", "ご注文はまだありません。", "Amazon Pay連携")
	mails, _ := k.db.Mails(context.Background(), 0, 10)
	if len(mails) != 1 || mails[0].Kind != mail.KindMemberRegistered || mails[0].To != "hanako@example.jp" {
		t.Fatalf("registration mail: %+v", mails)
	}
	k.get("/register")
	if r := k.post("/register", memberForm("HANAKO@example.jp", "other01")); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("second registration with the same e-mail: %d", r.status)
	} else {
		mustContain(t, r.body, "このメールアドレスは既に登録されています。")
	}

	k.logoutMember()
	if r := k.get("/mypage"); r.status != http.StatusSeeOther {
		t.Fatalf("my page after logout: %d", r.status)
	}
	k.get("/login")
	r = k.post("/login", url.Values{"login": {"hanako01"}, "password": {"wrong-2026"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d", r.status)
	}
	mustContain(t, r.body, "ログインIDまたはパスワードが正しくありません。", `value="hanako01"`)
	r = k.post("/login", url.Values{"login": {"nobody@example.jp"}, "password": {memberPassword}})
	mustContain(t, r.body, "ログインIDまたはパスワードが正しくありません。")

	r = k.post("/login", url.Values{"login": {"HANAKO01"}, "password": {memberPassword}, "next": {"/mypage/points"}})
	if r.status != http.StatusSeeOther || r.location != "/mypage/points" {
		t.Fatalf("login with next: %d %s", r.status, r.location)
	}
	k.logoutMember()
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example"} {
		k.get("/login")
		r = k.post("/login", url.Values{"login": {"hanako@example.jp"}, "password": {memberPassword}, "next": {next}})
		if r.location != "/mypage" {
			t.Errorf("next %q sent the member to %q", next, r.location)
		}
		k.logoutMember()
	}
}

var resetLinkRe = regexp.MustCompile(`/password/reset/([A-Za-z0-9_-]+)`)

func (k *kit) resetLink() string {
	k.t.Helper()
	mails, _ := k.db.Mails(context.Background(), 0, 50)
	for _, m := range mails {
		if m.Kind == mail.KindPasswordReset {
			if mm := resetLinkRe.FindString(m.Body); mm != "" {
				return mm
			}
		}
	}
	k.t.Fatal("no password reset mail")
	return ""
}

func TestMemberPasswordReset(t *testing.T) {
	t.Parallel()
	clk := &kitClock{t: time.Now().UTC()}
	k := newKitWith(t, kitOptions{now: clk.now})
	k.registerMember("hanako@example.jp", "")
	k.logoutMember()
	mustContain(t, k.get("/login").body, `href="/password/forgot"`)
	k.get("/password/forgot")
	r := k.post("/password/forgot", url.Values{"email": {"nobody@example.jp"}})
	mustContain(t, r.body, "パスワード再設定のご案内をお送りしました")
	r = k.post("/password/forgot", url.Values{"email": {"hanako@example.jp"}})
	if r.status != http.StatusOK {
		t.Fatalf("forgot: %d", r.status)
	}
	link := k.resetLink()
	mustContain(t, k.get(link).body, "新しいパスワードを入力してください。")
	r = k.post(link, url.Values{"password": {"new-leaf-2026"}, "password_confirm": {"new-leaf-2027"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("mismatched confirmation: %d", r.status)
	}
	mustContain(t, r.body, "確認用のパスワードが一致しません。")
	r = k.post(link, url.Values{"password": {"new-leaf-2026"}, "password_confirm": {"new-leaf-2026"}})
	if r.status != http.StatusSeeOther || r.location != "/login" {
		t.Fatalf("reset: %d %s", r.status, r.location)
	}
	mustContain(t, k.get("/login").body, "パスワードを再設定しました。")
	if r := k.post("/login", url.Values{"login": {"hanako@example.jp"}, "password": {"new-leaf-2026"}}); r.status != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", r.status)
	}
	k.logoutMember()

	// Used: the link is dead, for the page and for a post.
	if r := k.get(link); r.status != http.StatusNotFound || !strings.Contains(r.body, "このURLは無効です。") {
		t.Fatalf("used link: %d", r.status)
	}
	if r := k.post(link, url.Values{"password": {"third-leaf-2026"}, "password_confirm": {"third-leaf-2026"}}); r.status != http.StatusNotFound {
		t.Fatalf("used link posted: %d", r.status)
	}
	if r := k.get("/password/reset/forged-token"); r.status != http.StatusNotFound {
		t.Fatalf("forged link: %d", r.status)
	}

	// Expired: an hour and a second later on the shop's clock.
	k.get("/password/forgot")
	k.post("/password/forgot", url.Values{"email": {"hanako@example.jp"}})
	mails, _ := k.db.Mails(context.Background(), 0, 1)
	expired := resetLinkRe.FindString(mails[0].Body)
	if expired == "" || expired == link {
		t.Fatalf("second reset mail: %+v", mails)
	}
	clk.add(time.Hour + time.Second)
	if r := k.get(expired); r.status != http.StatusNotFound || !strings.Contains(r.body, "有効期限（1時間）が過ぎた") {
		t.Fatalf("expired link: %d", r.status)
	}
	if r := k.post(expired, url.Values{"password": {"third-leaf-2026"}, "password_confirm": {"third-leaf-2026"}}); r.status != http.StatusNotFound {
		t.Fatalf("expired link posted: %d", r.status)
	}
}

// placeMemberOrder writes an order of a member the way checkout does.
func (k *kit) placeMemberOrder(memberID int64) store.Order {
	k.t.Helper()
	p := k.product(func(p store.Product) bool { return p.Stock > 10 })
	o := store.Order{CheckoutID: "co-" + strconv.FormatInt(time.Now().UnixNano(), 36), Status: store.OrderNew, PaymentMethod: "bank",
		PaymentStatus: "unpaid", Email: "hanako@example.jp", Buyer: store.Address{FamilyName: "山田", GivenName: "花子",
			Phone: "09012345678", PostalCode: "100-0001", Prefecture: "東京都", City: "千代田区", Address1: "千代田1-1"},
		Destination: store.Destination{SameAsBuyer: true}, DeliveryMethod: "takkyubin", ShippingFee: 880,
		Lines: []store.OrderLine{{ProductID: p.ID, Name: p.Name, UnitPrice: p.Price, TaxRate: p.TaxRate, Quantity: 1}}}
	o.MemberID.Int64, o.MemberID.Valid = memberID, true
	o.Subtotal = p.Price
	o.Total = o.Subtotal + o.ShippingFee
	if p.TaxRate == 8 {
		o.Total8, o.Total10 = p.Price, o.ShippingFee
	} else {
		o.Total10 = o.Total
	}
	if err := k.db.WithTx(context.Background(), func(tx *store.Tx) error { return tx.InsertOrder(&o, "お客様") }); err != nil {
		k.t.Fatal(err)
	}
	return o
}

func TestMyPageOrdersAreTheMembersOnly(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.registerMember("hanako@example.jp", "")
	hanako := k.memberID("hanako@example.jp")
	k.logoutMember()
	k.registerMember("jiro@example.jp", "")
	jiro := k.memberID("jiro@example.jp")
	mine := k.placeMemberOrder(jiro)
	theirs := k.placeMemberOrder(hanako)

	list := k.get("/mypage/orders")
	mustContain(t, list.body, strconv.FormatInt(mine.Number, 10), "ご注文履歴", "新規受付")
	if strings.Contains(list.body, strconv.FormatInt(theirs.Number, 10)) {
		t.Fatal("another member's order is listed")
	}
	r := k.get("/mypage/orders/" + strconv.FormatInt(mine.Number, 10))
	if r.status != http.StatusOK {
		t.Fatalf("own order: %d", r.status)
	}
	mustContain(t, r.body, "ご注文内容", mine.Lines[0].Name, "新規受付", "銀行振込", "お支払い合計")
	for _, path := range []string{"/mypage/orders/" + strconv.FormatInt(theirs.Number, 10), "/mypage/orders/999999",
		"/mypage/orders/abc", "/mypage/orders/-1"} {
		if r := k.get(path); r.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, r.status)
		}
	}
}

func TestMyProfilePasswordAndWithdraw(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.registerMember("hanako@example.jp", "hanako01")
	mustContain(t, k.get("/mypage/profile").body, `value="hanako@example.jp"`, `value="千代田1-1"`)
	f := memberForm("hanako@example.jp", "hanako01")
	f.Set("city", "")
	if r := k.post("/mypage/profile", f); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad profile: %d", r.status)
	} else {
		mustContain(t, r.body, "市区町村を入力してください。")
	}
	f.Set("city", "港区")
	if r := k.post("/mypage/profile", f); r.status != http.StatusSeeOther {
		t.Fatalf("profile: %d", r.status)
	}
	mustContain(t, k.get("/mypage/profile").body, "会員情報を変更しました。", `value="港区"`)

	k.get("/mypage/password")
	r := k.post("/mypage/password", url.Values{"current_password": {"wrong-2026"}, "password": {"fresh-leaf-1"}, "password_confirm": {"fresh-leaf-1"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong current password: %d", r.status)
	}
	mustContain(t, r.body, "現在のパスワードが正しくありません。")
	r = k.post("/mypage/password", url.Values{"current_password": {memberPassword}, "password": {"fresh-leaf-1"}, "password_confirm": {"fresh-leaf-1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("password: %d", r.status)
	}
	mustContain(t, k.get("/mypage/history").body, "パスワードの変更", "会員情報の変更", "会員登録")

	k.get("/mypage/withdraw")
	r = k.post("/mypage/withdraw", url.Values{"password": {memberPassword}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("withdraw with the old password: %d", r.status)
	}
	r = k.post("/mypage/withdraw", url.Values{"password": {"fresh-leaf-1"}})
	if r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("withdraw: %d %s", r.status, r.location)
	}
	mustContain(t, k.get("/").body, "退会の手続きが完了しました。", `href="/login"`)
	if r := k.get("/mypage"); r.status != http.StatusSeeOther {
		t.Fatalf("my page after withdrawal: %d", r.status)
	}
	k.get("/login")
	if r := k.post("/login", url.Values{"login": {"hanako01"}, "password": {"fresh-leaf-1"}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a withdrawn member logged in: %d", r.status)
	}
}

// signInButton reads the 「amazonでログイン」 button of a page and does what
// checkout.js does on a click: it posts the signed payload, verbatim, to
// the emulator. It returns the sign-in ID of Amazon's login page.
func (k *kit) clickAmazonSignIn(page string) string {
	k.t.Helper()
	attrs := map[string]string{}
	for _, m := range buttonAttr.FindAllStringSubmatch(page, -1) {
		attrs[m[1]] = html.UnescapeString(m[2])
	}
	if attrs["product-type"] != "SignIn" {
		k.t.Fatalf("no 「amazonでログイン」 button on the page:\n%s", page)
	}
	res, err := newClient().PostForm(k.srv.URL+"/amazonpay-emulator/checkout/button", url.Values{
		"merchantId": {attrs["merchant-id"]}, "publicKeyId": {attrs["public-key-id"]}, "algorithm": {attrs["algorithm"]},
		"payloadJSON": {attrs["payload"]}, "signature": {attrs["signature"]}, "productType": {"SignIn"}, "sandbox": {"true"}})
	if err != nil {
		k.t.Fatal(err)
	}
	res.Body.Close()
	u, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || u.Query().Get("signInId") == "" {
		k.t.Fatalf("sign-in button click: %d %s", res.StatusCode, u)
	}
	return u.Query().Get("signInId")
}

// amazonSignIn logs in at Amazon as a test buyer and returns the shop URL
// Amazon sends the buyer back to (with the buyer token).
func (k *kit) amazonSignIn(signInID, buyerID string) string {
	k.t.Helper()
	res, err := newClient().PostForm(k.srv.URL+"/amazonpay-emulator/signin", url.Values{"signInId": {signInID}, "buyerId": {buyerID}})
	if err != nil {
		k.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		k.t.Fatalf("Amazon sign-in: %d", res.StatusCode)
	}
	return res.Header.Get("Location")
}

// linkAmazon links the logged-in member to a test buyer from the my page.
func (k *kit) linkAmazon(buyerID string) response {
	k.t.Helper()
	back := k.amazonSignIn(k.clickAmazonSignIn(k.get("/mypage/amazon").body), buyerID)
	if !strings.HasPrefix(back, k.srv.URL+"/mypage/amazon/return?") {
		k.t.Fatalf("Amazon sent the buyer to %s", back)
	}
	return k.follow(back)
}

func TestMyPageAmazonLinkLoginAndUnlink(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.registerMember("hanako@example.jp", "")
	page := k.get("/mypage/amazon")
	mustContain(t, page.body, "Amazon Pay連携", "未連携", "amazonでログイン", `data-product-type="SignIn"`, `data-color="Gold"`)
	r := k.linkAmazon(emulator.BuyerTaro)
	if r.status != http.StatusSeeOther || r.location != "/mypage/amazon" {
		t.Fatalf("link: %d %s %s", r.status, r.location, r.body)
	}
	page = k.get("/mypage/amazon")
	mustContain(t, page.body, "Amazonアカウントと連携しました。", "連携済み", "アカウントを解除する", "Amazonアカウント連携", "マイページ")
	if strings.Contains(page.body, `data-product-type="SignIn"`) {
		t.Fatal("a linked member still gets the link button")
	}

	// Logged out, 「amazonでログイン」 on the login page logs the member in.
	k.logoutMember()
	back := k.amazonSignIn(k.clickAmazonSignIn(k.get("/login").body), emulator.BuyerTaro)
	if !strings.HasPrefix(back, k.srv.URL+"/login/amazon?") {
		t.Fatalf("login return URL %s", back)
	}
	r = k.follow(back)
	if r.status != http.StatusSeeOther || r.location != "/mypage" {
		t.Fatalf("login with Amazon: %d %s %s", r.status, r.location, r.body)
	}
	mustContain(t, k.get("/mypage").body, "山田 花子 様")

	k.get("/mypage/amazon")
	if r := k.post("/mypage/amazon/unlink", nil); r.status != http.StatusSeeOther {
		t.Fatalf("unlink: %d", r.status)
	}
	page = k.get("/mypage/amazon")
	mustContain(t, page.body, "連携を解除しました。", "未連携", "Amazonアカウント連携解除", "Amazonアカウント連携")

	// Unlinked, the same Amazon account no longer logs in (seed 003's message).
	k.logoutMember()
	r = k.follow(k.amazonSignIn(k.clickAmazonSignIn(k.get("/login").body), emulator.BuyerTaro))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("login with an unlinked account: %d", r.status)
	}
	mustContain(t, r.body, "このAmazonアカウントではログインできません。", "「Amazon Pay連携」")
}

func TestAmazonLinkRefusesForgedExpiredAndCrossSiteTokens(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.registerMember("hanako@example.jp", "")
	signIn := k.clickAmazonSignIn(k.get("/mypage/amazon").body)
	back, _ := url.Parse(k.amazonSignIn(signIn, emulator.BuyerTaro))
	state, token := back.Query().Get("state"), back.Query().Get("buyerToken")

	returnURL := func(state, token string) string {
		return "/mypage/amazon/return?" + url.Values{"state": {state}, "buyerToken": {token}}.Encode()
	}
	// A forged token with the right state: Amazon does not know it.
	r := k.get(returnURL(state, "forged-buyer-token-0000"))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("forged token: %d", r.status)
	}
	mustContain(t, r.body, "Amazonアカウントを確認できませんでした。")
	// The state is spent: the real token with it is refused too, as a
	// link someone else's page made this browser follow would be.
	r = k.get(returnURL(state, token))
	mustContain(t, r.body, "Amazonでのログインを確認できませんでした。")
	// A page visit starts a new state; the token is still unused but
	// expired once Amazon's clock moves past its life.
	k.emu.Advance(11 * time.Minute)
	page := k.get("/mypage/amazon")
	st := regexp.MustCompile(`state%3D([A-Za-z0-9_-]+)|state=([A-Za-z0-9_-]+)`).FindStringSubmatch(html.UnescapeString(page.body))
	if st == nil {
		t.Fatal("no state in the sign-in payload")
	}
	newState := st[1] + st[2]
	r = k.get(returnURL(newState, token))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("expired token: %d", r.status)
	}
	mustContain(t, r.body, "Amazonアカウントを確認できませんでした。", "未連携")
	if m, _ := k.shop.Members.Member(context.Background(), k.memberID("hanako@example.jp")); m.Linked() {
		t.Fatal("linked with a refused token")
	}
}

func TestAmazonAccountLinkedToOneMemberOnly(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.registerMember("hanako@example.jp", "")
	if r := k.linkAmazon(emulator.BuyerTaro); r.status != http.StatusSeeOther {
		t.Fatalf("first link: %d", r.status)
	}
	k.logoutMember()
	k.registerMember("jiro@example.jp", "")
	r := k.linkAmazon(emulator.BuyerTaro)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("second member linking the same account: %d", r.status)
	}
	mustContain(t, r.body, "このAmazonアカウントは、すでに別の会員様のアカウントと連携されているため連携できません。")

	// Two members at once, each with a valid sign-in of the same account:
	// one wins, the other gets the message.
	members := []*kit{k.sibling(), k.sibling()}
	backs := make([]string, len(members))
	for i, m := range members {
		m.registerMember("m"+strconv.Itoa(i)+"@example.jp", "")
		backs[i] = m.amazonSignIn(m.clickAmazonSignIn(m.get("/mypage/amazon").body), emulator.BuyerSoftDecline)
	}
	results := make([]response, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Go(func() { results[i] = m.follow(backs[i]) })
	}
	wg.Wait()
	won, lost := 0, 0
	for _, r := range results {
		switch {
		case r.status == http.StatusSeeOther:
			won++
		case r.status == http.StatusUnprocessableEntity && strings.Contains(r.body, "すでに別の会員様のアカウントと連携されている"):
			lost++
		default:
			t.Errorf("concurrent link: %d %s", r.status, r.body)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("concurrent links: %d won, %d refused", won, lost)
	}
}

func TestWithdrawUnlinksAndAdminSeesIt(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.registerMember("hanako@example.jp", "")
	id := k.memberID("hanako@example.jp")
	k.linkAmazon(emulator.BuyerTaro)
	k.get("/mypage/withdraw")
	if r := k.post("/mypage/withdraw", url.Values{"password": {memberPassword}}); r.status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.status)
	}
	k.loginAdmin()
	detail := k.get("/admin/members/" + strconv.FormatInt(id, 10))
	mustContain(t, detail.body, "退会済み", "未連携", "退会", "Amazonアカウント連携解除", "退会による自動解除", "Amazonアカウント連携",
		emulator.BuyerTaro, "hanako@example.jp")
	// The Amazon account is free again.
	other := k.sibling()
	other.registerMember("jiro@example.jp", "")
	if r := other.linkAmazon(emulator.BuyerTaro); r.status != http.StatusSeeOther {
		t.Fatalf("linking an account freed by a withdrawal: %d", r.status)
	}
}

func TestAdminMembersListFilterCSVAndDetail(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.registerMember("hanako@example.jp", "hanako01")
	k.linkAmazon(emulator.BuyerTaro)
	k.logoutMember()
	k.registerMember("jiro@example.jp", "")
	k.logoutMember()
	k.loginAdmin()
	list := k.get("/admin/members")
	mustContain(t, list.body, "会員一覧", "hanako@example.jp", "jiro@example.jp", "連携済み", "未連携", "会員データCSVダウンロード")
	linked := k.get("/admin/members?amazon=linked")
	mustContain(t, linked.body, "hanako@example.jp")
	if strings.Contains(linked.body, "jiro@example.jp") {
		t.Fatal("the Amazon連携 filter lists an unlinked member")
	}
	if r := k.get("/admin/members?amazon=maybe&number=x"); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad search: %d", r.status)
	} else {
		mustContain(t, r.body, "Amazon連携の指定が正しくありません。", "会員番号は半角数字で入力してください。")
	}
	csv := k.get("/admin/members.csv?amazon=linked")
	if csv.status != http.StatusOK || !strings.HasPrefix(csv.header.Get("Content-Disposition"), `attachment; filename="members_`) {
		t.Fatalf("csv: %d %v", csv.status, csv.header)
	}
	lines := strings.Split(strings.TrimPrefix(csv.body, "\uFEFF"), "\r\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[0], ",Amazon連携,AmazonID連携日時") || !strings.Contains(lines[1], "hanako@example.jp") ||
		!regexp.MustCompile(`,連携済み,\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}$`).MatchString(lines[1]) {
		t.Fatalf("csv:\n%s", csv.body)
	}
	id := k.memberID("hanako@example.jp")
	detail := k.get("/admin/members/" + strconv.FormatInt(id, 10))
	mustContain(t, detail.body, "会員詳細", "Amazon Pay の連携状況", "連携済み", "連携日時", emulator.BuyerTaro, "会員操作履歴", "Amazonアカウント連携", "会員登録")
	if r := k.get("/admin/members/999999"); r.status != http.StatusNotFound {
		t.Fatalf("unknown member: %d", r.status)
	}
}

func TestAdminCoupons(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.loginAdmin()
	mustContain(t, k.get("/admin/coupons").body, "クーポンはまだありません。")
	k.get("/admin/coupons/new")
	bad := url.Values{"code": {"x"}, "name": {""}, "kind": {"percent"}, "value": {"150"}, "starts_on": {"2026-05-01"}, "ends_on": {"2026-04-01"}}
	r := k.post("/admin/coupons/new", bad)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad coupon: %d", r.status)
	}
	mustContain(t, r.body, "クーポンコードは半角英数字", "クーポン名を60文字以内で入力してください。", "値引き率は1から100まで",
		"終了日は開始日と同じか、それより後の日付にしてください。", `value="150"`)
	good := url.Values{"code": {"spring500"}, "name": {"春の500円引き"}, "kind": {"amount"}, "value": {"500"}, "min_subtotal": {"3000"},
		"starts_on": {"2026-04-01"}, "ends_on": {"2099-04-30"}, "active": {"1"}}
	if r := k.post("/admin/coupons/new", good); r.status != http.StatusSeeOther || r.location != "/admin/coupons" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	list := k.get("/admin/coupons")
	mustContain(t, list.body, "クーポンを保存しました。", "SPRING500", "春の500円引き", "500円引き", "商品合計3,000円以上", "2026年4月1日", "利用可能")
	k.get("/admin/coupons/new")
	if r := k.post("/admin/coupons/new", good); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "既に使われています") {
		t.Fatalf("duplicate code: %d", r.status)
	}
	cs, _ := k.shop.Members.Coupons(context.Background())
	path := "/admin/coupons/" + strconv.FormatInt(cs[0].ID, 10)
	mustContain(t, k.get(path).body, "利用状況", "まだ使われていません。", `value="2099-04-30"`)
	good.Del("active")
	if r := k.post(path, good); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d", r.status)
	}
	mustContain(t, k.get("/admin/coupons").body, "停止中")
	if r := k.get("/admin/coupons/999999"); r.status != http.StatusNotFound {
		t.Fatalf("unknown coupon: %d", r.status)
	}
	if r := k.post("/admin/coupons/999999", good); r.status != http.StatusNotFound {
		t.Fatalf("unknown coupon posted: %d", r.status)
	}
}

// sibling is another browser (its own cookies) on the same shop.
func (k *kit) sibling() *kit {
	return &kit{t: k.t, dir: k.dir, emu: k.emu, srv: k.srv, shop: k.shop, db: k.db, client: newClient(), opts: k.opts}
}

// memberCookie is the browser's member session cookie, "" when none.
func (k *kit) memberCookie() string {
	u, _ := url.Parse(k.srv.URL)
	for _, c := range k.client.Jar.Cookies(u) {
		if c.Name == "kago_member_sid" {
			return c.Value
		}
	}
	return ""
}

// withMemberCookie is a new browser holding only a member session cookie.
func (k *kit) withMemberCookie(id string) *kit {
	b := k.sibling()
	u, _ := url.Parse(k.srv.URL)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "kago_member_sid", Value: id, Path: "/"}})
	return b
}

func TestMemberLoginLimited(t *testing.T) {
	t.Parallel()
	clk := &kitClock{t: time.Now().UTC()}
	k := newKitWith(t, kitOptions{now: clk.now})
	k.registerMember("hanako@example.jp", "hanako01")
	k.logoutMember()
	k.get("/login")
	counts := map[int]int{}
	for i := range 8 {
		key := "hanako01"
		if i%2 == 1 {
			key = "hanako@example.jp" // the same member by its other key
		}
		r := k.post("/login", url.Values{"login": {key}, "password": {"wrong-leaf-2026"}})
		counts[r.status]++
		if r.status == http.StatusTooManyRequests {
			mustContain(t, r.body, "ログインの試行回数が上限に達しました。15分ほど時間をおいてから、もう一度お試しください。")
		}
	}
	if counts[http.StatusUnprocessableEntity] != 5 || counts[http.StatusTooManyRequests] != 3 {
		t.Fatalf("8 wrong passwords answered %v; want 5 checked and 3 refused", counts)
	}
	if r := k.post("/login", url.Values{"login": {"hanako01"}, "password": {memberPassword}}); r.status != http.StatusTooManyRequests {
		t.Fatalf("right password during the lock: %d", r.status)
	}
	clk.add(16 * time.Minute)
	if r := k.post("/login", url.Values{"login": {"hanako01"}, "password": {memberPassword}}); r.status != http.StatusSeeOther {
		t.Fatalf("after the lock: %d %s", r.status, r.body)
	}
}

func TestMemberSessionIsNewAtLoginAndEndsAtLogoutAndPasswordChange(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.registerMember("hanako@example.jp", "hanako01")
	k.logoutMember()

	// A session ID planted in the browser before the login is not the one
	// the login uses.
	u, _ := url.Parse(k.srv.URL)
	k.client.Jar.SetCookies(u, []*http.Cookie{{Name: "kago_member_sid", Value: "planted-by-someone-else", Path: "/"}})
	k.loginMember("hanako01")
	first := k.memberCookie()
	if first == "" || first == "planted-by-someone-else" {
		t.Fatalf("session ID after login %q", first)
	}
	if r := k.withMemberCookie("planted-by-someone-else").get("/mypage"); r.status != http.StatusSeeOther {
		t.Fatalf("the planted ID is signed in: %d", r.status)
	}
	// A second login rotates the ID again and ends the first.
	k.loginMember("hanako01")
	second := k.memberCookie()
	if second == first {
		t.Fatal("the session ID did not change at login")
	}
	if r := k.withMemberCookie(first).get("/mypage"); r.status != http.StatusSeeOther {
		t.Fatalf("the replaced session still works: %d", r.status)
	}
	if r := k.withMemberCookie(second).get("/mypage"); r.status != http.StatusOK {
		t.Fatalf("a copy of the live cookie: %d", r.status)
	}

	// Another browser signed in as the same member is signed out by a
	// password change; the browser that changed it goes on.
	other := k.sibling()
	other.loginMember("hanako@example.jp")
	k.get("/mypage/password")
	if r := k.post("/mypage/password", url.Values{"current_password": {memberPassword}, "password": {"fresh-leaf-2026"},
		"password_confirm": {"fresh-leaf-2026"}}); r.status != http.StatusSeeOther {
		t.Fatalf("password change: %d %s", r.status, r.body)
	}
	mustContain(t, k.get("/mypage").body, "ほかの端末やブラウザのログインはすべて終了しました。")
	if r := other.get("/mypage"); r.status != http.StatusSeeOther {
		t.Fatalf("the other browser is still signed in: %d", r.status)
	}

	// Logout ends the session on the server, not only in this browser.
	live := k.memberCookie()
	k.logoutMember()
	if r := k.withMemberCookie(live).get("/mypage"); r.status != http.StatusSeeOther {
		t.Fatalf("a copy of the cookie works after logout: %d", r.status)
	}
}

// TestMemberMailsFollowTheShopsTemplates: 入会完了のご連絡 and パスワード再設定の
// ご案内 are 定型文 like the order mails: listed, edited with the member's
// placeholders (an order's are refused), previewed, and sent as edited,
// from the shop's 差出人名 and with its 返信先.
func TestMemberMailsFollowTheShopsTemplates(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	k.loginAdmin()
	mustContain(t, k.get("/admin/mail-templates").body, "入会完了のご連絡", "パスワード再設定のご案内")
	for kind, edit := range map[string][2]string{
		mail.KindMemberRegistered: {"【{店舗名}】会員登録ありがとうございます", "{お名前} 様（会員番号 {会員番号}）\nログインID：{ログインID}\n{マイページURL}\n"},
		mail.KindPasswordReset:    {"【{店舗名}】パスワードの再設定", "{お名前} 様\n{再設定URL}\n期限：{有効期限}\n"},
	} {
		path := "/admin/mail-templates/" + kind
		form := formValues(k.get(path).body)
		form.Set("subject", edit[0])
		form.Set("body", "{合計金額}")
		if r := k.post(path, form); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s with an order's placeholder: %d", kind, r.status)
		} else {
			mustContain(t, r.body, "使えない差し込み項目があります：{合計金額}")
		}
		form.Set("body", edit[1])
		if r := k.post(path, form); r.status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", kind, r.status, r.body)
		}
	}
	// The member mails come from the shop as the order mails do.
	info := formValues(k.get("/admin/shop-info").body)
	info.Set("sender_name", "かご屋 本店")
	info.Set("reply_to", "reply@example.jp")
	if r := k.post("/admin/shop-info", info); r.status != http.StatusSeeOther {
		t.Fatalf("shop info: %d %s", r.status, r.body)
	}
	k.registerMember("hanako@example.jp", "hanako01")
	k.logoutMember()
	k.get("/password/forgot")
	k.post("/password/forgot", url.Values{"email": {"hanako@example.jp"}})
	mails, _ := k.db.Mails(ctx, 0, 10)
	got := map[string]store.Mail{}
	for _, m := range mails {
		got[m.Kind] = m
	}
	for _, kind := range []string{mail.KindMemberRegistered, mail.KindPasswordReset} {
		if m := got[kind]; m.FromName != "かご屋 本店" || m.ReplyTo != "reply@example.jp" {
			t.Errorf("%s from %q <%s>, reply to %q", kind, m.FromName, m.From, m.ReplyTo)
		}
	}
	id := strconv.FormatInt(k.memberID("hanako@example.jp"), 10)
	if m := got[mail.KindMemberRegistered]; !strings.HasSuffix(m.Subject, "会員登録ありがとうございます") ||
		!strings.Contains(m.Body, "山田 花子 様（会員番号 "+id+"）") || !strings.Contains(m.Body, "ログインID：hanako01") {
		t.Errorf("registration mail %q\n%s", m.Subject, m.Body)
	}
	if m := got[mail.KindPasswordReset]; !strings.HasSuffix(m.Subject, "パスワードの再設定") || !resetLinkRe.MatchString(m.Body) ||
		!strings.Contains(m.Body, "期限：") {
		t.Errorf("reset mail %q\n%s", m.Subject, m.Body)
	}
}
