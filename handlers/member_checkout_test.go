package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kago/amazonpay/emulator"
	"kago/mail"
	"kago/model"
	"kago/shop"
	"kago/store"
)

// lastOrder is the newest order of the shop, with its lines.
func (k *kit) lastOrder() store.Order {
	k.t.Helper()
	ctx := context.Background()
	page, err := k.db.SearchOrders(ctx, store.OrderFilter{}, store.OrderCursor{}, 1)
	if err != nil || len(page.Orders) == 0 {
		k.t.Fatalf("no order: %v", err)
	}
	o, err := k.db.Order(ctx, page.Orders[0].ID)
	if err != nil {
		k.t.Fatal(err)
	}
	return o
}

// addToCart puts qty of the named demo product into the cart.
func (k *kit) addToCart(name string, qty int) store.Product {
	k.t.Helper()
	p := k.product(func(p store.Product) bool { return p.Name == name })
	if r := k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {strconv.Itoa(qty)}}); r.status != http.StatusSeeOther {
		k.t.Fatalf("add to cart: %d", r.status)
	}
	return p
}

func (k *kit) givePoints(memberID, points int64) {
	k.t.Helper()
	if err := k.db.WithTx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.AddPoints(memberID, 0, model.PointsAdjustment, points)
		return err
	}); err != nil {
		k.t.Fatal(err)
	}
}

func (k *kit) member(id int64) model.Member {
	k.t.Helper()
	m, err := k.db.Member(context.Background(), id)
	if err != nil {
		k.t.Fatal(err)
	}
	return m
}

func setRegistrationTiming(t *testing.T, k *kit, timing string) {
	t.Helper()
	st, _ := k.shop.Settings(context.Background())
	in := st.Input()
	in.MemberRegistration = timing
	if err := k.shop.SaveSettings(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

// The rule of two rates, on a bank order in each cart: member prices, a
// coupon and points; the discount split 10% / 8% by the goods of each rate,
// the 10% share rounded down; the points given on what was paid for goods.
func TestMemberOrderWithMemberPricesPointsAndCoupon(t *testing.T) {
	t.Parallel()
	for _, cart := range []string{shop.CartZeroStep, shop.CartThreeStep} {
		t.Run(cart, func(t *testing.T) {
			t.Parallel()
			k := newKit(t)
			setCartType(t, k, cart)
			if _, err := k.shop.Members.SaveCoupon(context.Background(), 0, shop.CouponInput{Code: "SPRING500", Name: "春の500円引き",
				Kind: model.CouponAmount, Value: "500", MinSubtotal: "3000", StartsOn: "2020-01-01", EndsOn: "2099-12-31", Active: true}); err != nil {
				t.Fatal(err)
			}
			k.registerMember("hanako@example.jp", "")
			id := k.memberID("hanako@example.jp")
			k.givePoints(id, 1000)
			k.addToCart("宇治抹茶 30g缶", 2)  // 8%: member price 1,980 (not 2,160)
			k.addToCart("美濃焼 湯呑み（藍）", 1) // 10%: 2,420
			mustContain(t, k.get("/cart").body, "3,960円")

			page := k.get("/checkout")
			page = k.get(page.location)
			mustContain(t, page.body, "山田 花子 様</strong>（会員）としてログインしています", `value="hanako@example.jp"`, `value="千代田1-1"`)
			benefits := url.Values{"points": {"300"}, "coupon_code": {"spring500"}}
			buyer := url.Values{"email": {"hanako@example.jp"}, "buyer_family_name": {"山田"}, "buyer_given_name": {"花子"},
				"buyer_family_kana": {"ヤマダ"}, "buyer_given_kana": {"ハナコ"}, "buyer_phone": {"09012345678"}, "buyer_postal_code": {"100-0001"},
				"buyer_prefecture": {"東京都"}, "buyer_city": {"千代田区"}, "buyer_address1": {"千代田1-1"}, "ship_to": {"buyer"}}
			if cart == shop.CartZeroStep {
				bad := merge(buyer, paymentValues(shop.PayBank), url.Values{"points": {"1001"}, "coupon_code": {"NOPE"}})
				r := k.post("/checkout/order", bad)
				if r.status != http.StatusUnprocessableEntity {
					t.Fatalf("bad points and coupon: %d", r.status)
				}
				mustContain(t, r.body, "保有ポイント（1000ポイント）以内", "ご入力のクーポンコードは見つかりませんでした。", `value="NOPE"`)
				if r := k.post("/checkout/order", merge(buyer, paymentValues(shop.PayBank), benefits)); r.location != "/checkout/confirm" {
					t.Fatalf("order page: %d %s", r.status, r.body)
				}
			} else {
				if r := k.post("/checkout/step1", buyer); r.location != "/checkout/step2" {
					t.Fatalf("step1: %d %s", r.status, r.body)
				}
				mustContain(t, k.get("/checkout/step2").body, "ポイント・クーポン", "保有 1,000ポイント")
				if r := k.post("/checkout/step2", merge(paymentValues(shop.PayBank), benefits)); r.location != "/checkout/confirm" {
					t.Fatalf("step2: %d %s", r.status, r.body)
				}
			}
			conf := k.get("/checkout/confirm")
			// goods 6,380 + shipping 880 - coupon 500 - points 300 = 6,460;
			// 10%: 2,420 + 880 - 303 = 2,997 (tax 272), 8%: 3,960 - 497 = 3,463 (tax 256).
			mustContain(t, conf.body, "クーポン値引き（SPRING500）", "-500円", "ポイント利用", "-300円", "6,460円",
				"2,997円（内消費税272円）", "3,463円（内消費税256円）", "山田 花子 様")
			r := k.post("/checkout/place", confirmForm(t, conf.body))
			if r.status != http.StatusSeeOther || r.location != "/checkout/complete" {
				t.Fatalf("place: %d %s", r.status, r.body)
			}
			o := k.lastOrder()
			if o.Total != 6460 || o.Total10 != 2997 || o.Tax10 != 272 || o.Total8 != 3463 || o.Tax8 != 256 || !o.MemberID.Valid || o.MemberID.Int64 != id ||
				o.Lines[0].UnitPrice != 1980 {
				t.Fatalf("order %+v", o)
			}
			// 1,000 - 300 + 1% of the goods paid (6,380 - 800 = 5,580) = 755.
			if m := k.member(id); m.Points != 755 {
				t.Fatalf("points after the order: %d", m.Points)
			}
			mails, _ := k.db.OrderMails(context.Background(), o.ID)
			if len(mails) == 0 || !strings.Contains(mails[0].Body, "ポイント・クーポン値引き：-800円") {
				t.Fatalf("thanks mail without the discount: %+v", mails)
			}
			detail := k.get("/mypage/orders/" + strconv.FormatInt(o.Number, 10))
			mustContain(t, detail.body, "クーポン値引き（SPRING500）", "ポイント利用", "55ポイントを付与しました", "6,460円")

			// The coupon is used: the next order refuses it.
			k.addToCart("宇治抹茶 30g缶", 2)
			page = k.get("/checkout")
			pay := "/checkout/order"
			if cart == shop.CartThreeStep {
				pay = "/checkout/step2"
			}
			k.get(pay)
			again := merge(paymentValues(shop.PayBank), url.Values{"coupon_code": {"SPRING500"}})
			if cart == shop.CartZeroStep {
				again = merge(buyer, again)
			}
			r = k.post(pay, merge(again)) // a copy: post adds the page's CSRF token
			mustContain(t, r.body, "このクーポンはすでにご利用済みです（お一人様1回限り）。")

			k.loginAdmin()
			mustContain(t, k.get("/admin/orders/"+strconv.FormatInt(o.ID, 10)).body, "ポイント・クーポン値引き", "-800円",
				"会員番号 <a href=\"/admin/members/"+strconv.FormatInt(id, 10)+"\">", "（会員）")
			// The shop cancels the order: points and coupon come back.
			if err := k.shop.ChangeOrderStatus(context.Background(), o.ID, store.OrderCanceled, "管理者"); err != nil {
				t.Fatal(err)
			}
			if m := k.member(id); m.Points != 1000 {
				t.Fatalf("points after the cancel: %d", m.Points)
			}
			r = k.post(pay, merge(again))
			if r.status != http.StatusSeeOther {
				t.Fatalf("the coupon is not back after the cancel: %d %s", r.status, r.body)
			}
			mustContain(t, k.get("/mypage/points").body, "ご注文のキャンセル・返金によるご利用分の返還", "+300ポイント", "-55ポイント")
		})
	}
}

func TestGuestGetsNoMemberPricesOrBenefits(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.addToCart("宇治抹茶 30g缶", 1)
	mustContain(t, k.get("/cart").body, "2,160円")
	page := k.get(k.get("/checkout").location)
	mustContain(t, page.body, "会員の方はこちらからログイン", "新規会員登録（任意）", "ご注文と同時に会員登録する")
	if strings.Contains(page.body, `name="points"`) {
		t.Fatal("a guest is offered points")
	}
	// Points posted by a guest are ignored.
	r := k.post("/checkout/order", merge(buyerValues(), paymentValues(shop.PayBank), url.Values{"points": {"500"}}))
	if r.location != "/checkout/confirm" {
		t.Fatalf("order page: %d %s", r.status, r.body)
	}
	if strings.Contains(k.get("/checkout/confirm").body, "ポイント利用") {
		t.Fatal("a guest's order uses points")
	}
}

func TestRegisterOnTheOrderPage(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.addToCart("宇治抹茶 30g缶", 1)
	k.get(k.get("/checkout").location)
	reg := url.Values{"register": {"1"}, "reg_login_id": {"taro01"}, "reg_password": {"short"}, "reg_password_confirm": {"short"}}
	r := k.post("/checkout/order", merge(buyerValues(), paymentValues(shop.PayBank), reg))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad registration: %d", r.status)
	}
	mustContain(t, r.body, "10文字以上", `value="taro01"`)
	reg.Set("reg_password", "green-tea-2026")
	reg.Set("reg_password_confirm", "green-tea-2026")
	if r := k.post("/checkout/order", merge(buyerValues(), paymentValues(shop.PayBank), reg)); r.location != "/checkout/confirm" {
		t.Fatalf("order page: %d %s", r.status, r.body)
	}
	conf := k.get("/checkout/confirm")
	mustContain(t, conf.body, "ご注文と同時に会員登録します", "ログインID：taro01")
	if r := k.post("/checkout/place", confirmForm(t, conf.body)); r.location != "/checkout/complete" {
		t.Fatalf("place: %d %s", r.status, r.body)
	}
	o := k.lastOrder()
	if !o.MemberID.Valid {
		t.Fatal("the order has no member")
	}
	m := k.member(o.MemberID.Int64)
	if m.Status != model.MemberActive || m.Source != model.MemberViaCheckout || m.LoginID != "taro01" || m.Address.FamilyKana != "ハンズ" {
		t.Fatalf("member %+v", m)
	}
	k.get("/login")
	if r := k.post("/login", url.Values{"login": {"taro01"}, "password": {"green-tea-2026"}}); r.status != http.StatusSeeOther {
		t.Fatalf("login as the new member: %d", r.status)
	}
	mustContain(t, k.get("/mypage/orders").body, strconv.FormatInt(o.Number, 10))
	// The same e-mail cannot register twice.
	k.logoutMember()
	k.addToCart("宇治抹茶 30g缶", 1)
	k.get(k.get("/checkout").location)
	r = k.post("/checkout/order", merge(buyerValues(), paymentValues(shop.PayBank), reg))
	mustContain(t, r.body, "このメールアドレスは既に会員登録されています。")
}

// amazonOrderPage runs the shopper to the order page through Amazon's
// hosted pages; it returns the order page's path.
func amazonOrderPage(t *testing.T, k *kit, buyerID string) string {
	t.Helper()
	cart := k.get("/cart")
	back := k.signInAtAmazon(k.clickAmazonPay(cart.body), buyerID, 0)
	r := k.follow(back)
	if r.status != http.StatusSeeOther {
		t.Fatalf("review return: %d %s", r.status, r.body)
	}
	return r.location
}

// amazonOrderForm fills the order page of an Amazon Pay checkout with what
// Amazon gave, plus extra fields, and returns the confirm page's form.
func amazonOrderForm(t *testing.T, k *kit, orderPage string, extraBuyer, extraPay url.Values) url.Values {
	t.Helper()
	page := k.get(orderPage)
	buyer := url.Values{}
	for _, f := range []string{"email", "buyer_family_name", "buyer_phone", "buyer_postal_code", "buyer_city", "buyer_address1"} {
		if m := regexp.MustCompile(`name="` + f + `"[^>]*value="([^"]*)"`).FindStringSubmatch(page.body); m != nil {
			buyer.Set(f, html.UnescapeString(m[1]))
		}
	}
	if m := regexp.MustCompile(`<option value="([^"]+)" selected>`).FindStringSubmatch(page.body); m != nil {
		buyer.Set("buyer_prefecture", m[1])
	}
	pay := paymentValues("")
	pay.Del("payment_method")
	var r response
	if orderPage == "/checkout/step1" {
		if r = k.post("/checkout/step1", merge(buyer, extraBuyer)); r.location != "/checkout/step2" {
			t.Fatalf("step1: %d %s", r.status, r.body)
		}
		r = k.post("/checkout/step2", merge(pay, extraPay))
	} else {
		r = k.post("/checkout/order", merge(buyer, extraBuyer, pay, extraPay))
	}
	if r.location != "/checkout/confirm" {
		t.Fatalf("order page: %d %s", r.status, r.body)
	}
	return confirmForm(t, k.get("/checkout/confirm").body)
}

func TestAmazonPayPointsLowerTheAmountSentToAmazon(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.registerMember("hanako@example.jp", "")
	id := k.memberID("hanako@example.jp")
	k.givePoints(id, 500)
	k.addToCart("宇治抹茶 30g缶", 2) // member price: 3,960
	orderPage := amazonOrderPage(t, k, emulator.BuyerTaro)
	form := amazonOrderForm(t, k, orderPage, nil, url.Values{"points": {"400"}})
	if form.Get("total") != strconv.Itoa(3960+880-400) {
		t.Fatalf("confirm total %s", form.Get("total"))
	}
	r := payAtAmazon(t, k, form)
	if r.location != "/checkout/complete" {
		t.Fatalf("result: %d %s", r.status, r.location)
	}
	o := k.lastOrder()
	charges := k.emu.Snapshot().Charges
	if o.Total != 4440 || len(charges) != 1 || charges[0].ChargeAmount.Amount != "4440" {
		t.Fatalf("order total %d, Amazon charged %+v", o.Total, charges)
	}
	// 500 - 400 + 1% of 3,560 = 135.
	if m := k.member(id); m.Points != 135 {
		t.Fatalf("points %d", m.Points)
	}
}

func TestAmazonPayFailureGivesPointsBack(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.registerMember("hanako@example.jp", "")
	id := k.memberID("hanako@example.jp")
	k.givePoints(id, 500)
	k.addToCart("宇治抹茶 30g缶", 1)
	form := amazonOrderForm(t, k, amazonOrderPage(t, k, emulator.BuyerHardDecline), nil, url.Values{"points": {"200"}})
	if m := k.member(id); m.Points != 500 {
		t.Fatalf("points taken before 注文する: %d", m.Points)
	}
	r := payAtAmazon(t, k, form)
	mustContain(t, r.body, "お支払いを完了できませんでした")
	if m := k.member(id); m.Points != 500 {
		t.Fatalf("points after a declined payment: %d", m.Points)
	}
}

// TestCheckoutLinkingMatrix: who the shopper is (a member logged in before
// the Amazon login, one logging in after it on the order page, a new member
// registering on the order page, a guest) × the cart × the registration
// timing. A member is linked to the Amazon account that paid when the order
// is done (注文完了時) or when the shop completes it (受注完了時); a new member
// is made from Amazon's buyer data with a temporary password; an existing
// member's data is never overwritten with Amazon's.
func TestCheckoutLinkingMatrix(t *testing.T) {
	t.Parallel()
	for _, who := range []string{"before", "after", "new", "guest"} {
		for _, cart := range []string{shop.CartZeroStep, shop.CartThreeStep} {
			for _, timing := range []string{shop.RegisterAtOrder, shop.RegisterAtCompletion} {
				t.Run(who+"/"+cart+"/"+timing, func(t *testing.T) {
					t.Parallel()
					linkingCase(t, who, cart, timing)
				})
			}
		}
	}
}

func linkingCase(t *testing.T, who, cart, timing string) {
	k := newKit(t)
	ctx := context.Background()
	setCartType(t, k, cart)
	setRegistrationTiming(t, k, timing)
	var memberID int64
	if who == "before" || who == "after" {
		k.registerMember("hanako@example.jp", "hanako01")
		memberID = k.memberID("hanako@example.jp")
		if who == "after" {
			k.logoutMember()
		}
	}
	k.addToCart("宇治抹茶 30g缶", 1)
	orderPage := amazonOrderPage(t, k, emulator.BuyerTaro)
	var extraBuyer url.Values
	switch who {
	case "after":
		page := k.get(orderPage)
		mustContain(t, page.body, "会員の方はこちらからログイン")
		r := k.post("/login", url.Values{"login": {"hanako01"}, "password": {memberPassword}, "next": {orderPage}})
		if r.status != http.StatusSeeOther || r.location != orderPage {
			t.Fatalf("login on the order page: %d %s", r.status, r.location)
		}
	case "new":
		mustContain(t, k.get(orderPage).body, "Amazonアカウントで会員登録を行う")
		extraBuyer = url.Values{"register": {"1"}}
	}
	if who == "before" || who == "after" {
		mustContain(t, k.get(orderPage).body, "山田 花子 様</strong>（会員）としてログインしています")
	}
	r := payAtAmazon(t, k, amazonOrderForm(t, k, orderPage, extraBuyer, nil))
	if r.location != "/checkout/complete" {
		t.Fatalf("result: %d %s", r.status, r.location)
	}
	o := k.lastOrder()
	if who == "guest" {
		if o.MemberID.Valid {
			t.Fatalf("a guest's order has member %d", o.MemberID.Int64)
		}
		if _, ok, _ := k.shop.Members.LinkedMember(ctx, emulator.BuyerTaro); ok {
			t.Fatal("a guest's Amazon account got linked")
		}
		return
	}
	if !o.MemberID.Valid || (memberID != 0 && o.MemberID.Int64 != memberID) {
		t.Fatalf("order member %+v, want %d", o.MemberID, memberID)
	}
	memberID = o.MemberID.Int64
	m := k.member(memberID)
	waits := timing == shop.RegisterAtCompletion
	if m.Linked() == waits {
		t.Fatalf("linked %v after the payment at timing %s", m.Linked(), timing)
	}
	registered := func() int {
		n := 0
		mails, _ := k.db.Mails(ctx, 0, 50)
		for _, ml := range mails {
			if ml.Kind == mail.KindMemberRegistered && strings.Contains(ml.Body, "仮パスワード: ") {
				n++
			}
		}
		return n
	}
	if who == "new" {
		want := model.MemberActive
		if waits {
			want = model.MemberProvisional
		}
		if m.Status != want || m.Source != model.MemberViaAmazon || m.Address.FamilyName != "判図太郎" || m.Address.GivenName != "" ||
			m.Address.FamilyKana != "" || m.Email != "hanzu.taro@example.jp" {
			t.Fatalf("new member %+v", m)
		}
		if n := registered(); (n == 1) == waits {
			t.Fatalf("%d registration mails with a temporary password at timing %s", n, timing)
		}
	}
	if waits && who == "new" {
		k.loginAdmin()
		mustContain(t, k.get("/admin/orders/"+strconv.FormatInt(o.ID, 10)).body, "（仮登録）")
	}
	if waits {
		for _, to := range []string{store.OrderShipped, store.OrderCompleted} {
			if err := k.shop.ChangeOrderStatus(ctx, o.ID, to, "管理者"); err != nil {
				t.Fatal(err)
			}
		}
		m = k.member(memberID)
		if !m.Linked() || m.Status != model.MemberActive {
			t.Fatalf("after 受注完了: %+v", m)
		}
		if who == "new" && registered() != 1 {
			t.Fatal("no registration mail after 受注完了")
		}
	}
	if m.AmazonBuyerID != emulator.BuyerTaro {
		t.Fatalf("linked to %q", m.AmazonBuyerID)
	}
	if who != "new" && (m.Address.FamilyName != "山田" || m.Address.GivenName != "花子" || m.Email != "hanako@example.jp") {
		t.Fatalf("an existing member's data changed: %+v", m)
	}
	events, _ := k.shop.Members.Events(ctx, memberID)
	if events[0].Kind != model.EventAmazonLinked || events[0].Source != model.SourceCheckout || events[0].OrderID != o.ID {
		t.Fatalf("events %+v", events)
	}
}

func TestLinkedMemberIsLoggedInOnReturnFromAmazon(t *testing.T) {
	t.Parallel()
	for _, cart := range []string{shop.CartZeroStep, shop.CartThreeStep} {
		t.Run(cart, func(t *testing.T) {
			t.Parallel()
			k := newKit(t)
			setCartType(t, k, cart)
			k.registerMember("hanako@example.jp", "")
			k.linkAmazon(emulator.BuyerTaro)
			k.logoutMember()
			k.addToCart("宇治抹茶 30g缶", 1)
			mustContain(t, k.get("/cart").body, "2,160円")
			orderPage := amazonOrderPage(t, k, emulator.BuyerTaro)
			page := k.get(orderPage)
			mustContain(t, page.body, "山田 花子 様</strong>（会員）としてログインしています", "自動でログインしました", "1,980円")
			mustContain(t, k.get("/mypage").body, "山田 花子 様")
			// Leaving Amazon Pay logs out of both (seed 000 5-3).
			k.get(orderPage)
			if r := k.post("/checkout/amazonpay/leave", nil); r.status != http.StatusSeeOther {
				t.Fatalf("leave: %d", r.status)
			}
			if r := k.get("/mypage"); r.status != http.StatusSeeOther {
				t.Fatalf("still logged in after leaving Amazon Pay: %d", r.status)
			}
			// An unlinked Amazon account logs nobody in.
			page = k.get(amazonOrderPage(t, k, emulator.BuyerSoftDecline))
			if strings.Contains(page.body, "としてログインしています") {
				t.Fatal("an unlinked Amazon account logged a member in")
			}
		})
	}
}

// A full refund from 受注明細 gives the member's points back (once), as a
// cancel does; a partial refund does not.
func TestAmazonPayFullRefundGivesPointsBack(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.registerMember("hanako@example.jp", "")
	id := k.memberID("hanako@example.jp")
	k.givePoints(id, 500)
	k.addToCart("宇治抹茶 30g缶", 1)
	form := amazonOrderForm(t, k, amazonOrderPage(t, k, emulator.BuyerTaro), nil, url.Values{"points": {"300"}})
	if r := payAtAmazon(t, k, form); r.location != "/checkout/complete" {
		t.Fatalf("result: %d %s", r.status, r.location)
	}
	o := k.lastOrder()
	earned := k.member(id).Points - 200
	k.loginAdmin()
	ch := chargeID(t, k, o.ID, 1)
	mustOK(t, k, o.ID, payOp(t, k, o.ID, model.OpRefund, url.Values{"charge": {ch}, "full": {"0"}, "amount": {"100"}}))
	if got := k.member(id).Points; got != 200+earned {
		t.Fatalf("points after a partial refund %d, want %d", got, 200+earned)
	}
	k.emu.Advance(time.Minute)
	mustOK(t, k, o.ID, payOp(t, k, o.ID, model.OpFetch, nil))
	mustOK(t, k, o.ID, payOp(t, k, o.ID, model.OpRefund, url.Values{"charge": {ch}, "full": {"1"}}))
	if got := k.member(id).Points; got != 500 {
		t.Fatalf("points after the full refund %d, want 500 (300 used back, %d earned taken back)", got, earned)
	}
}
