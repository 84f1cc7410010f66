package shop_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kago/mail"
	"kago/model"
	"kago/shop"
	"kago/store"
	"kago/store/storetest"
)

// clock is a settable time for the store, so expiry is tested without
// waiting.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newClockedShop is a shop over a temp database whose clock the test moves.
func newClockedShop(t testing.TB) (*shop.Shop, *store.DB, *clock) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)}
	db, err := store.Open(context.Background(), storetest.URL(t), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := shop.New(db, mail.NewOutbox(mail.SMTPConfig{}), slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir())
	s.SetAmazonPayEnv(shop.AmazonPayEnv{ShopURL: "https://shop.example.jp"})
	s.SetPasswordCost(bcrypt.MinCost) // fast under -race
	return s, db, clk
}

const testAddr = "192.0.2.10"

var memberAddress = store.Address{FamilyName: "山田", GivenName: "花子", FamilyKana: "やまだ", GivenKana: "ハナコ",
	Phone: "０９０−１２３４−５６７８", PostalCode: "1000001", Prefecture: "東京都", City: "千代田区", Address1: "千代田1-1"}

func register(t *testing.T, s *shop.Shop, email, loginID string) model.Member {
	t.Helper()
	m, err := s.Members.Register(context.Background(), shop.MemberInput{Email: email, LoginID: loginID, Password: "tea-leaf-2026",
		PasswordConfirm: "tea-leaf-2026", Address: memberAddress})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	ie, ok := shop.AsInputError(err)
	if !ok {
		t.Fatalf("want an input error, got %v", err)
	}
	return ie.Fields
}

func TestRegisterValidatesAndNormalises(t *testing.T) {
	s, db, _ := newClockedShop(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		in    shop.MemberInput
		field string
		msg   string
	}{
		{"no e-mail", shop.MemberInput{Password: "abc12345", PasswordConfirm: "abc12345"}, "email", "メールアドレスを入力してください。"},
		{"bad login ID", shop.MemberInput{LoginID: "ab", Email: "a@example.jp"}, "login_id", "ログインIDは半角英数字で始まる4〜32文字"},
		{"short password", shop.MemberInput{Email: "a@example.jp", Password: "ab1"}, "password", "10文字以上"},
		{"a run of digits", shop.MemberInput{Email: "a@example.jp", Password: "1234567890"}, "password", "同じ文字の繰り返し"},
		{"too long", shop.MemberInput{Email: "a@example.jp", Password: strings.Repeat("茶葉", 13)}, "password", "半角72文字"},
		{"the e-mail", shop.MemberInput{Email: "hanako1@example.jp", Password: "Hanako1@Example.jp"}, "password", "メールアドレスをそのまま"},
		{"the login ID", shop.MemberInput{Email: "a@example.jp", LoginID: "hanako0123", Password: "Hanako0123"}, "password", "ログインIDをそのまま"},
		{"confirm differs", shop.MemberInput{Email: "a@example.jp", Password: "abc12345xyz", PasswordConfirm: "abc12346xyz"}, "password_confirm", "一致しません"},
		{"no furigana", shop.MemberInput{Email: "a@example.jp"}, "family_kana", "フリガナを入力してください。"},
	} {
		_, err := s.Members.Register(ctx, tc.in)
		if got := fields(t, err)[tc.field]; !strings.Contains(got, tc.msg) {
			t.Errorf("%s: %s = %q, want %q", tc.name, tc.field, got, tc.msg)
		}
	}
	m := register(t, s, "Hanako@Example.jp", "Hanako01")
	if m.Address.FamilyKana != "ヤマダ" || m.Address.Phone != "09012345678" || m.Address.PostalCode != "100-0001" {
		t.Errorf("address not normalised: %+v", m.Address)
	}
	// The same e-mail or login ID, in another case, is taken.
	_, err := s.Members.Register(ctx, shop.MemberInput{Email: "hanako@example.JP", LoginID: "HANAKO01", Password: "tea-leaf-2026",
		PasswordConfirm: "tea-leaf-2026", Address: memberAddress})
	f := fields(t, err)
	if !strings.Contains(f["email"], "既に登録されています") || !strings.Contains(f["login_id"], "既に使われています") {
		t.Errorf("taken keys: %v", f)
	}
	mails, _ := db.Mails(ctx, 0, 10)
	if len(mails) != 1 || mails[0].Kind != mail.KindMemberRegistered || mails[0].To != "Hanako@Example.jp" ||
		!strings.Contains(mails[0].Subject, "ご入会完了のご連絡") || strings.Contains(mails[0].Body, "仮パスワード") ||
		!strings.Contains(mails[0].Body, "ログインID: Hanako01") || !strings.Contains(mails[0].Body, "https://shop.example.jp/mypage") {
		t.Fatalf("registration mail: %+v", mails)
	}
}

func TestMemberLogin(t *testing.T) {
	s, _, _ := newClockedShop(t)
	ctx := context.Background()
	m := register(t, s, "hanako@example.jp", "hanako01")
	for _, key := range []string{"hanako01", "HANAKO01", "hanako@example.jp", " Hanako@Example.JP ", "ｈａｎａｋｏ０１"} {
		got, err := s.Members.Login(ctx, key, "tea-leaf-2026", testAddr)
		if err != nil || got.ID != m.ID {
			t.Errorf("login %q: %v", key, err)
		}
	}
	for _, tc := range [][2]string{{"hanako01", "tea-leaf-2025"}, {"nobody", "tea-leaf-2026"}, {"", ""}, {"hanako01", ""}} {
		if _, err := s.Members.Login(ctx, tc[0], tc[1], testAddr); !errors.Is(err, shop.ErrMemberBadLogin) {
			t.Errorf("login %q/%q: %v, want the one bad-login message", tc[0], tc[1], err)
		}
	}
}

var resetURLRe = regexp.MustCompile(`https://shop\.example\.jp/password/reset/([A-Za-z0-9_-]+)`)

func lastResetToken(t *testing.T, db *store.DB) string {
	t.Helper()
	mails, _ := db.Mails(context.Background(), 0, 50)
	for _, m := range mails {
		if m.Kind == mail.KindPasswordReset {
			if mm := resetURLRe.FindStringSubmatch(m.Body); mm != nil {
				return mm[1]
			}
		}
	}
	t.Fatal("no reset mail")
	return ""
}

func countMails(t *testing.T, db *store.DB, kind string) int {
	t.Helper()
	mails, _ := db.Mails(context.Background(), 0, 100)
	n := 0
	for _, m := range mails {
		if m.Kind == kind {
			n++
		}
	}
	return n
}

func TestPasswordResetLinkWorksOnceAndExpires(t *testing.T) {
	s, db, clk := newClockedShop(t)
	ctx := context.Background()
	register(t, s, "hanako@example.jp", "")
	if err := s.Members.RequestPasswordReset(ctx, "nobody@example.jp"); err != nil {
		t.Fatalf("unknown address: %v (must look like success)", err)
	}
	if n := countMails(t, db, mail.KindPasswordReset); n != 0 {
		t.Fatalf("mailed %d reset links to an unknown address", n)
	}
	if err := s.Members.RequestPasswordReset(ctx, "not an address"); fields(t, err)["email"] == "" {
		t.Fatal("malformed address accepted")
	}
	if err := s.Members.RequestPasswordReset(ctx, "HANAKO@example.jp"); err != nil {
		t.Fatal(err)
	}
	token := lastResetToken(t, db)
	if err := s.Members.CheckResetLink(ctx, token); err != nil {
		t.Fatal(err)
	}
	// A bad new password does not spend the link.
	if err := s.Members.ResetPassword(ctx, token, "short1", "short1"); fields(t, err)["password"] == "" {
		t.Fatal("bad password accepted")
	}
	if err := s.Members.ResetPassword(ctx, token, "new-leaf-2026", "new-leaf-2026"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Members.Login(ctx, "hanako@example.jp", "new-leaf-2026", testAddr); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	if err := s.Members.ResetPassword(ctx, token, "other-leaf-2026", "other-leaf-2026"); !errors.Is(err, shop.ErrResetLinkInvalid) {
		t.Fatalf("reused link: %v", err)
	}
	if err := s.Members.ResetPassword(ctx, "forged-token-value", "other-leaf-2026", "other-leaf-2026"); !errors.Is(err, shop.ErrResetLinkInvalid) {
		t.Fatalf("forged link: %v", err)
	}

	clk.Add(2 * shop.ResetLinkTTL) // new hour: the per-hour cap starts again
	if err := s.Members.RequestPasswordReset(ctx, "hanako@example.jp"); err != nil {
		t.Fatal(err)
	}
	token = lastResetToken(t, db)
	clk.Add(shop.ResetLinkTTL + time.Second)
	if err := s.Members.CheckResetLink(ctx, token); !errors.Is(err, shop.ErrResetLinkInvalid) {
		t.Fatalf("expired link: %v", err)
	}
	if err := s.Members.ResetPassword(ctx, token, "other-leaf-2026", "other-leaf-2026"); !errors.Is(err, shop.ErrResetLinkInvalid) {
		t.Fatalf("expired link used: %v", err)
	}
}

func TestPasswordResetMailsAreCapped(t *testing.T) {
	s, db, _ := newClockedShop(t)
	register(t, s, "hanako@example.jp", "")
	for range 5 {
		if err := s.Members.RequestPasswordReset(context.Background(), "hanako@example.jp"); err != nil {
			t.Fatal(err)
		}
	}
	if n := countMails(t, db, mail.KindPasswordReset); n != 3 {
		t.Fatalf("%d reset mails in an hour, want 3", n)
	}
}

func TestPasswordResetRace(t *testing.T) {
	s, db, _ := newClockedShop(t)
	register(t, s, "hanako@example.jp", "")
	if err := s.Members.RequestPasswordReset(context.Background(), "hanako@example.jp"); err != nil {
		t.Fatal(err)
	}
	token := lastResetToken(t, db)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.Members.ResetPassword(context.Background(), token, "race-leaf-2026", "race-leaf-2026")
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, shop.ErrResetLinkInvalid):
			t.Fatal(err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d requests used one link, want exactly 1", ok)
	}
}

func TestProfileAndPasswordChange(t *testing.T) {
	s, _, _ := newClockedShop(t)
	ctx := context.Background()
	a := register(t, s, "hanako@example.jp", "hanako01")
	register(t, s, "jiro@example.jp", "jiro01")
	in := shop.ProfileInput{Email: "JIRO@example.jp", LoginID: "jiro01", Address: memberAddress}
	f := fields(t, s.Members.UpdateProfile(ctx, a.ID, in))
	if f["email"] == "" || f["login_id"] == "" {
		t.Fatalf("took another member's keys: %v", f)
	}
	in = shop.ProfileInput{Email: "hanako.new@example.jp", LoginID: "", Address: memberAddress}
	in.Address.City = "港区"
	if err := s.Members.UpdateProfile(ctx, a.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Members.Login(ctx, "hanako01", "tea-leaf-2026", testAddr); !errors.Is(err, shop.ErrMemberBadLogin) {
		t.Fatal("the dropped login ID still logs in")
	}
	if got, err := s.Members.Login(ctx, "hanako.new@example.jp", "tea-leaf-2026", testAddr); err != nil || got.Address.City != "港区" {
		t.Fatalf("new e-mail: %v %+v", err, got.Address)
	}
	if f := fields(t, s.Members.ChangePassword(ctx, a.ID, "wrong-2026", "fresh-leaf-1", "fresh-leaf-1", testAddr)); f["current_password"] == "" {
		t.Fatal("wrong current password accepted")
	}
	if err := s.Members.ChangePassword(ctx, a.ID, "tea-leaf-2026", "fresh-leaf-1", "fresh-leaf-1", testAddr); err != nil {
		t.Fatal(err)
	}
	events, _ := s.Members.Events(ctx, a.ID)
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	if strings.Join(kinds, ",") != "password_changed,profile_changed,registered" {
		t.Fatalf("events %v", kinds)
	}
}

func TestWithdrawKeepsOrdersAndFreesTheKeys(t *testing.T) {
	s, db, _ := newClockedShop(t)
	ctx := context.Background()
	m := register(t, s, "hanako@example.jp", "hanako01")
	if err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.LinkAmazon(m.ID, "amzn1.account.TEST") }); err != nil {
		t.Fatal(err)
	}
	if f := fields(t, s.Members.Withdraw(ctx, m.ID, "wrong-2026", testAddr)); f["password"] == "" {
		t.Fatal("withdrew with a wrong password")
	}
	if err := s.Members.Withdraw(ctx, m.ID, "tea-leaf-2026", testAddr); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Members.Login(ctx, "hanako01", "tea-leaf-2026", testAddr); !errors.Is(err, shop.ErrMemberBadLogin) {
		t.Fatal("a withdrawn member logs in")
	}
	if _, err := s.Members.Member(ctx, m.ID); !errors.Is(err, shop.ErrNotFound) {
		t.Fatal("a withdrawn member's session still counts")
	}
	d, err := s.Members.MemberDetail(ctx, m.ID)
	if err != nil || d.Member.Status != model.MemberWithdrawn || d.Member.Linked() || d.Member.Email != "hanako@example.jp" {
		t.Fatalf("withdrawn member %+v %v", d.Member, err)
	}
	if len(d.Events) != 3 || d.Events[0].Kind != model.EventWithdrawn || d.Events[1].Kind != model.EventAmazonUnlinked ||
		d.Events[1].Source != model.SourceWithdrawal || d.Events[1].AmazonBuyerID != "amzn1.account.TEST" {
		t.Fatalf("events %+v", d.Events)
	}
	again := register(t, s, "hanako@example.jp", "hanako01")
	if again.ID == m.ID {
		t.Fatal("re-registration reused the withdrawn row")
	}
}

func TestSplitDiscount(t *testing.T) {
	for _, tc := range []struct {
		discount   int64
		g10, g8    int64
		want10, w8 int64
	}{
		{0, 1000, 1000, 0, 0},
		{100, 1000, 1000, 50, 50},
		{101, 1000, 1000, 50, 51}, // the 10% share rounds down, 8% takes the rest
		{500, 3000, 0, 500, 0},
		{500, 0, 3000, 0, 500},
		{1000, 1100, 2160, 337, 663}, // 1000×1100/3260 = 337.4…
		{3260, 1100, 2160, 1100, 2160},
		{1, 1, 1, 0, 1},
	} {
		got := shop.SplitDiscount(tc.discount, []shop.RateTotal{{Rate: 10, Total: tc.g10}, {Rate: 8, Total: tc.g8}})
		if got[10] != tc.want10 || got[8] != tc.w8 {
			t.Errorf("split %d over %d/%d = %v, want %d/%d", tc.discount, tc.g10, tc.g8, got, tc.want10, tc.w8)
		}
	}
	// Every discount up to the goods: the shares add up and none exceeds its goods.
	for g10 := int64(0); g10 <= 60; g10 += 7 {
		for g8 := int64(0); g8 <= 60; g8 += 5 {
			for d := int64(0); d <= g10+g8; d++ {
				got := shop.SplitDiscount(d, []shop.RateTotal{{Rate: 8, Total: g8}, {Rate: 10, Total: g10}})
				if got[10]+got[8] != d || got[10] > g10 || got[8] > g8 || got[10] < 0 || got[8] < 0 {
					t.Fatalf("split %d over %d/%d = %v", d, g10, g8, got)
				}
			}
		}
	}
}

func TestCouponDiscountAndPoints(t *testing.T) {
	amount := model.Coupon{Kind: model.CouponAmount, Value: 500}
	percent := model.Coupon{Kind: model.CouponPercent, Value: 15}
	for _, tc := range []struct {
		c     model.Coupon
		goods int64
		want  int64
	}{{amount, 3000, 500}, {amount, 300, 300}, {percent, 3000, 450}, {percent, 999, 149}, {percent, 0, 0}} {
		if got := shop.CouponDiscount(tc.c, tc.goods); got != tc.want {
			t.Errorf("%+v on %d = %d, want %d", tc.c, tc.goods, got, tc.want)
		}
	}
	if shop.PointsEarned(2999, 1) != 29 || shop.PointsEarned(2999, 0) != 0 || shop.PointsEarned(-5, 3) != 0 {
		t.Error("points earned are rounded down from the goods paid")
	}
}

func TestSaveCoupon(t *testing.T) {
	s, _, clk := newClockedShop(t)
	ctx := context.Background()
	in := shop.CouponInput{Code: " spring-５００ ", Name: "春の500円引き", Kind: model.CouponAmount, Value: "500", MinSubtotal: "3,000",
		StartsOn: "2026-04-01", EndsOn: "2026-04-30", Active: true}
	c, err := s.Members.SaveCoupon(ctx, 0, in)
	if err != nil {
		t.Fatal(err)
	}
	if c.Code != "SPRING-500" || c.MinSubtotal != 3000 || !c.StartsAt.Equal(time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC)) ||
		!c.EndsAt.Equal(time.Date(2026, 4, 30, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("saved %+v", c)
	}
	if got := shop.CouponForm(c); got.StartsOn != "2026-04-01" || got.EndsOn != "2026-04-30" {
		t.Fatalf("form %+v", got)
	}
	if shop.CouponState(c, clk.Now()) != "利用可能" || shop.CouponState(c, c.EndsAt) != "期間終了" {
		t.Error("state")
	}
	_, err = s.Members.SaveCoupon(ctx, 0, in)
	if !strings.Contains(fields(t, err)["code"], "既に使われています") {
		t.Fatal("duplicate code accepted")
	}
	bad := shop.CouponInput{Code: "x", Kind: model.CouponPercent, Value: "101", MinSubtotal: "-1", StartsOn: "2026-04-30", EndsOn: "2026-04-01"}
	f := fields(t, func() error { _, err := s.Members.SaveCoupon(ctx, 0, bad); return err }())
	for _, k := range []string{"code", "name", "value", "min_subtotal", "ends_on"} {
		if f[k] == "" {
			t.Errorf("no message for %s: %v", k, f)
		}
	}
	in.Name = "春の500円引き（延長）"
	in.EndsOn = "2026-05-06"
	if _, err := s.Members.SaveCoupon(ctx, c.ID, in); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Members.Coupon(ctx, c.ID); got.Name != "春の500円引き（延長）" {
		t.Fatalf("edit not saved: %+v", got)
	}
}

func TestReturnOrderBenefitsOnce(t *testing.T) {
	s, db, _ := newClockedShop(t)
	ctx := context.Background()
	m := register(t, s, "hanako@example.jp", "")
	c, err := s.Members.SaveCoupon(ctx, 0, shop.CouponInput{Code: "WELCOME", Name: "ようこそ", Kind: model.CouponAmount, Value: "300",
		StartsOn: "2026-01-01", EndsOn: "2026-12-31", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := db.Products(ctx, true)
	if len(p) == 0 {
		if _, err := s.SeedDemo(ctx, "/static/"); err != nil {
			t.Fatal(err)
		}
		p, _ = db.Products(ctx, true)
	}
	o := placeOrder(t, db, shop.PayBank, 1, p[0])
	err = db.WithTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.AddPoints(m.ID, 0, model.PointsAdjustment, 1000); err != nil {
			return err
		}
		if _, err := tx.AddPoints(m.ID, o.ID, model.PointsUsed, -200); err != nil {
			return err
		}
		if err := tx.UseCoupon(c.ID, m.ID, o.ID, 300); err != nil {
			return err
		}
		if _, err := tx.AddPoints(m.ID, o.ID, model.PointsEarned, 15); err != nil {
			return err
		}
		return tx.InsertOrderBenefits(model.OrderBenefits{OrderID: o.ID, MemberID: m.ID, PointsUsed: 200, CouponID: c.ID, CouponCode: c.Code,
			CouponDiscount: 300, Discount8: 500, PointsEarned: 15})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.UseCoupon(c.ID, m.ID, o.ID, 300) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second use of a coupon: %v", err)
	}
	for range 2 { // a cancel, then a refund of the same order
		if err := db.WithTx(ctx, func(tx *store.Tx) error { return s.Members.ReturnOrderBenefits(tx, o.ID) }); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.Members.Member(ctx, m.ID)
	if got.Points != 1000-200+15+200-15 {
		t.Fatalf("balance %d", got.Points)
	}
	if used, _ := db.CouponUsed(ctx, c.ID, m.ID); used {
		t.Fatal("coupon not given back")
	}
	entries, _ := s.Members.Points(ctx, m.ID)
	if len(entries) != 5 || entries[0].Kind != model.PointsTakenBack || entries[1].Kind != model.PointsReturned || entries[0].Balance != 1000 {
		t.Fatalf("entries %+v", entries)
	}
	b, _ := db.OrderBenefits(ctx, o.ID)
	if b.ReturnedAt.IsZero() || b.Discount() != 500 {
		t.Fatalf("benefits %+v", b)
	}
	// An order with no benefits is left alone.
	other := placeOrder(t, db, shop.PayBank, 1, p[0])
	if err := db.WithTx(ctx, func(tx *store.Tx) error { return s.Members.ReturnOrderBenefits(tx, other.ID) }); err != nil {
		t.Fatal(err)
	}
}

func TestMemberSearchAndCSV(t *testing.T) {
	s, db, _ := newClockedShop(t)
	ctx := context.Background()
	a := register(t, s, "hanako@example.jp", "hanako01")
	b := register(t, s, "=cmd@example.jp", "")
	if err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.LinkAmazon(a.ID, "amzn1.account.A") }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   shop.MemberSearchInput
		want []int64
	}{
		{shop.MemberSearchInput{}, []int64{b.ID, a.ID}},
		{shop.MemberSearchInput{Amazon: "linked"}, []int64{a.ID}},
		{shop.MemberSearchInput{Amazon: "unlinked"}, []int64{b.ID}},
		{shop.MemberSearchInput{Name: "山田　花"}, []int64{b.ID, a.ID}},
		{shop.MemberSearchInput{Email: "HANAKO@example.jp"}, []int64{a.ID}},
		{shop.MemberSearchInput{LoginID: "Hanako01"}, []int64{a.ID}},
		{shop.MemberSearchInput{Phone: "09012345678"}, []int64{b.ID, a.ID}},
		{shop.MemberSearchInput{Number: "２"}, []int64{b.ID}},
	} {
		q, err := shop.ParseMemberSearch(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.Members.SearchMembers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, m := range page.Members {
			got = append(got, m.ID)
		}
		if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("%+v: %v, want %v", tc.in, got, tc.want)
		}
	}
	if _, err := shop.ParseMemberSearch(shop.MemberSearchInput{Amazon: "both", Number: "x", After: "1", Before: "2"}); err == nil {
		t.Fatal("bad search accepted")
	}
	var buf strings.Builder
	q, _ := shop.ParseMemberSearch(shop.MemberSearchInput{})
	if err := s.Members.ExportMembersCSV(ctx, q.Filter, &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\uFEFF会員番号,") || !strings.Contains(out, "AmazonID連携日時\r\n") ||
		!strings.Contains(out, ",連携済み,2026/04/01 10:00:00\r\n") || !strings.Contains(out, ",未連携,\r\n") ||
		!strings.Contains(out, "'=cmd@example.jp") {
		t.Fatalf("csv:\n%s", out)
	}
}

func TestMemberLoginLimitCountsTheMemberWhateverKey(t *testing.T) {
	s, _, clk := newClockedShop(t)
	ctx := context.Background()
	register(t, s, "hanako@example.jp", "hanako01")
	for i, key := range []string{"hanako01", "hanako@example.jp", "HANAKO01", "Hanako@Example.jp", "hanako01"} {
		if _, err := s.Members.Login(ctx, key, "wrong-leaf-2026", "198.51.100."+strconv.Itoa(i+1)); !errors.Is(err, shop.ErrMemberBadLogin) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if _, err := s.Members.Login(ctx, "hanako@example.jp", "tea-leaf-2026", "198.51.100.99"); !errors.Is(err, shop.ErrLoginLimited) {
		t.Fatalf("right password during the lock: %v", err)
	}
	clk.Add(16 * time.Minute)
	if _, err := s.Members.Login(ctx, "hanako01", "tea-leaf-2026", testAddr); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	// The current password on パスワードの変更 and 退会 counts too.
	m, _ := s.Members.Login(ctx, "hanako01", "tea-leaf-2026", testAddr)
	for range 5 {
		if err := s.Members.Withdraw(ctx, m.ID, "wrong-leaf-2026", testAddr); fields(t, err)["password"] == "" {
			t.Fatalf("wrong password on 退会: %v", err)
		}
	}
	if err := s.Members.ChangePassword(ctx, m.ID, "tea-leaf-2026", "fresh-leaf-2026", "fresh-leaf-2026", testAddr); !errors.Is(err, shop.ErrLoginLimited) {
		t.Fatalf("password change during the lock: %v", err)
	}
}

func TestMemberPasswordsUseBcryptsDefaultCost(t *testing.T) {
	s, _ := newShop(t) // as served: no SetPasswordCost
	m, err := s.Members.Register(context.Background(), shop.MemberInput{Email: "hanako@example.jp", Password: "tea-leaf-2026",
		PasswordConfirm: "tea-leaf-2026", Address: memberAddress})
	if err != nil {
		t.Fatal(err)
	}
	if cost, err := bcrypt.Cost([]byte(m.PasswordHash)); err != nil || cost != bcrypt.DefaultCost {
		t.Fatalf("cost %d %v, want %d", cost, err, bcrypt.DefaultCost)
	}
}
