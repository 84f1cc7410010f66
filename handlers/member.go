package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kago/model"
	"kago/shop"
	"kago/static"
	"kago/views"
)

// Member pages outside the my page: registration, login and logout, the
// password reset, and the login page's 「amazonでログイン」 (F-30, F-34).

// prefectureNames are the 47 prefectures in order, made once: forms only
// read them.
var prefectureNames = func() []string {
	names := make([]string, len(shop.Prefectures))
	for i, p := range shop.Prefectures {
		names[i] = p.Name
	}
	return names
}()

func (srv *Server) registerPage(c echo.Context) error {
	if srv.isMember(c) {
		return redirect(c, "/mypage")
	}
	return render(c, http.StatusOK, views.RegisterPage(srv.page(c, "新規会員登録"),
		views.MemberForm{Prefectures: prefectureNames}))
}

func bindMemberForm(c echo.Context) views.MemberForm {
	return views.MemberForm{LoginID: c.FormValue("login_id"), Email: c.FormValue("email"),
		Address: addressView(bindAddress(c, "")), Prefectures: prefectureNames}
}

func (srv *Server) register(c echo.Context) error {
	a := bindAddress(c, "")
	m, err := srv.shop.Members.Register(c.Request().Context(), shop.MemberInput{LoginID: c.FormValue("login_id"), Email: c.FormValue("email"),
		Password: c.FormValue("password"), PasswordConfirm: c.FormValue("password_confirm"), Address: a})
	if ie, ok := shop.AsInputError(err); ok {
		f := bindMemberForm(c)
		f.Errors = ie.Fields
		p := srv.page(c, "新規会員登録")
		p.Error = ie.Message
		return render(c, http.StatusUnprocessableEntity, views.RegisterPage(p, f))
	}
	if err != nil {
		return err
	}
	if err := srv.loginMember(c, m); err != nil {
		return err
	}
	if err := srv.setFlash(c, shopperCookie, "会員登録が完了しました。ご登録のメールアドレスに確認のメールをお送りしました。"); err != nil {
		return err
	}
	return redirect(c, "/mypage")
}

// loginView builds the login page; the 「amazonでログイン」 button is there
// when Amazon Pay is configured.
func (srv *Server) loginView(c echo.Context, key, next string, errs map[string]string) (views.LoginPage, error) {
	m := views.LoginPage{Key: key, Next: localPath(next, ""), Errors: errs}
	state, err := srv.newAmazonState(c)
	if err != nil {
		return m, err
	}
	b, err := srv.shop.Members.AmazonSignIn(c.Request().Context(), "/login/amazon", state, "/login")
	if err != nil {
		return m, err
	}
	m.Amazon = signInButton(b)
	return m, nil
}

// signInButton is the view of an 「amazonでログイン」 button, nil when none.
func signInButton(b *shop.AmazonPayButton) *views.AmazonSignIn {
	if b == nil {
		return nil
	}
	return &views.AmazonSignIn{Button: views.AmazonButton{ID: "AmazonSignInButton", ScriptURL: b.ScriptURL, MerchantID: b.MerchantID,
		PublicKeyID: b.PublicKeyID, ProductType: b.ProductType, Placement: b.Placement, Color: b.Color, Sandbox: b.Sandbox,
		DisplayStyle: b.DisplayStyle, PayloadJSON: b.PayloadJSON, Signature: b.Signature, Algorithm: b.Algorithm},
		JSURL: static.URL("amazonpay.js")}
}

func (srv *Server) loginPage(c echo.Context) error {
	if srv.isMember(c) {
		return redirect(c, localPath(c.QueryParam("next"), "/mypage"))
	}
	m, err := srv.loginView(c, "", c.QueryParam("next"), nil)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MemberLoginPage(srv.page(c, "ログイン"), m))
}

func (srv *Server) login(c echo.Context) error {
	key, next := c.FormValue("login"), c.FormValue("next")
	m, err := srv.shop.Members.Login(c.Request().Context(), key, c.FormValue("password"), c.RealIP())
	if ie, ok := shop.AsInputError(err); ok {
		return srv.loginFailed(c, inputStatus(err), key, next, ie.Error())
	}
	if err != nil {
		return err
	}
	return srv.loggedIn(c, m, next)
}

func (srv *Server) loginFailed(c echo.Context, status int, key, next, msg string) error {
	v, err := srv.loginView(c, key, next, nil)
	if err != nil {
		return err
	}
	p := srv.page(c, "ログイン")
	p.Error = msg
	return render(c, status, views.MemberLoginPage(p, v))
}

func (srv *Server) loggedIn(c echo.Context, m model.Member, next string) error {
	if err := srv.loginMember(c, m); err != nil {
		return err
	}
	if m.PasswordTemporary {
		if err := srv.setFlash(c, shopperCookie, msgTemporaryPassword); err != nil {
			return err
		}
	}
	return redirect(c, localPath(next, "/mypage"))
}

const msgTemporaryPassword = "現在、仮パスワードをご利用中です。「パスワードの変更」から新しいパスワードを設定してください。"

// loginWithAmazon is the sign-in return of the login page's 「amazonでログイン」:
// a linked account logs its member in; an unlinked one gets the message
// that it must first be linked on the my page (seed 003, 運用方法 5).
func (srv *Server) loginWithAmazon(c echo.Context) error {
	ok, err := srv.takeAmazonState(c)
	if err != nil {
		return err
	}
	if !ok {
		return srv.loginFailed(c, http.StatusUnprocessableEntity, "", "", msgAmazonStateLost)
	}
	m, err := srv.shop.Members.LoginWithAmazon(c.Request().Context(), c.QueryParam("buyerToken"))
	if ie, isInput := shop.AsInputError(err); isInput {
		return srv.loginFailed(c, http.StatusUnprocessableEntity, "", "", ie.Error())
	}
	if err != nil {
		return err
	}
	return srv.loggedIn(c, m, "")
}

const msgAmazonStateLost = "Amazonでのログインを確認できませんでした。お手数ですが、もう一度「amazonでログイン」からお試しください。"

func (srv *Server) logout(c echo.Context) error {
	if err := srv.logoutMember(c); err != nil {
		return err
	}
	if err := srv.setFlash(c, shopperCookie, "ログアウトしました。"); err != nil {
		return err
	}
	return redirect(c, "/")
}

func (srv *Server) forgotPasswordPage(c echo.Context) error {
	return render(c, http.StatusOK, views.ForgotPasswordPage(srv.page(c, "パスワードの再設定"), views.ForgotPassword{}))
}

func (srv *Server) forgotPassword(c echo.Context) error {
	email := c.FormValue("email")
	err := srv.shop.Members.RequestPasswordReset(c.Request().Context(), email)
	if ie, ok := shop.AsInputError(err); ok {
		p := srv.page(c, "パスワードの再設定")
		p.Error = ie.Message
		return render(c, http.StatusUnprocessableEntity, views.ForgotPasswordPage(p, views.ForgotPassword{Email: email, Errors: ie.Fields}))
	}
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.ForgotPasswordPage(srv.page(c, "パスワードの再設定"), views.ForgotPassword{Email: email, Sent: true}))
}

func (srv *Server) resetPasswordPage(c echo.Context) error {
	token := c.Param("token")
	err := srv.shop.Members.CheckResetLink(c.Request().Context(), token)
	m := views.ResetPassword{Token: token}
	if ie, ok := shop.AsInputError(err); ok {
		m.Invalid = ie.Error()
		return render(c, http.StatusNotFound, views.ResetPasswordPage(srv.page(c, "パスワードの再設定"), m))
	}
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.ResetPasswordPage(srv.page(c, "パスワードの再設定"), m))
}

func (srv *Server) resetPassword(c echo.Context) error {
	token := c.Param("token")
	err := srv.shop.Members.ResetPassword(c.Request().Context(), token, c.FormValue("password"), c.FormValue("password_confirm"))
	if ie, ok := shop.AsInputError(err); ok {
		m := views.ResetPassword{Token: token, Errors: ie.Fields}
		status := http.StatusUnprocessableEntity
		if len(ie.Fields) == 0 {
			m.Invalid, status = ie.Error(), http.StatusNotFound
		}
		p := srv.page(c, "パスワードの再設定")
		if len(ie.Fields) > 0 {
			p.Error = ie.Message
		}
		return render(c, status, views.ResetPasswordPage(p, m))
	}
	if err != nil {
		return err
	}
	if err := srv.setFlash(c, shopperCookie, "パスワードを再設定しました。新しいパスワードでログインしてください。"); err != nil {
		return err
	}
	return redirect(c, "/login")
}
