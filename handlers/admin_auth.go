package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/views"
)

// Context keys of the signed-in admin.
const (
	adminIDKey    = "admin"    // the admin's e-mail, for the header
	adminNumKey   = "admin-id" // the admin's ID
	adminLoginURL = "/admin/login"
)

// requireAdmin lets admins with a live server-side session through and
// sends others to the login.
func (srv *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ss, in, err := srv.signedIn(c, adminSession)
		if err != nil {
			return err
		}
		if !in {
			return redirect(c, adminLoginURL)
		}
		a, err := srv.shop.Admin(c.Request().Context(), ss.SubjectID)
		if err != nil {
			if errors.Is(err, shop.ErrNotFound) {
				return redirect(c, adminLoginURL)
			}
			return err
		}
		c.Set(adminIDKey, a.Email)
		c.Set(adminNumKey, a.ID)
		return next(c)
	}
}

// inputStatus is the status of a page shown again with a message: 429 when
// the login limit refused the attempt, 422 for input to correct.
func inputStatus(err error) int {
	if errors.Is(err, shop.ErrLoginLimited) {
		return http.StatusTooManyRequests
	}
	return http.StatusUnprocessableEntity
}

func (srv *Server) adminLoginPage(c echo.Context) error {
	return render(c, http.StatusOK, views.AdminLogin(srv.adminPage(c, "ログイン", ""), views.LoginForm{}))
}

func (srv *Server) adminLogin(c echo.Context) error {
	email := c.FormValue("email")
	a, err := srv.shop.AdminLogin(c.Request().Context(), email, c.FormValue("password"), c.RealIP())
	if ie, ok := shop.AsInputError(err); ok {
		return render(c, inputStatus(err), views.AdminLogin(srv.adminPage(c, "ログイン", ""), views.LoginForm{Email: email, Error: ie.Error()}))
	}
	if err != nil {
		return err
	}
	if err := srv.signIn(c, adminSession, a.ID); err != nil {
		return err
	}
	return redirect(c, "/admin")
}

func (srv *Server) adminLogout(c echo.Context) error {
	if err := srv.signOut(c, adminSession); err != nil {
		return err
	}
	return redirect(c, adminLoginURL)
}

// adminPasswordPage is 「パスワード変更」.
func (srv *Server) adminPasswordPage(c echo.Context) error {
	return render(c, http.StatusOK, views.AdminPassword(srv.adminPage(c, "パスワード変更", ""), views.PasswordForm{}))
}

// adminChangePassword stores the new password; every session of the admin
// ends, and this browser gets a new one.
func (srv *Server) adminChangePassword(c echo.Context) error {
	id, _ := c.Get(adminNumKey).(int64)
	err := srv.shop.ChangeAdminPassword(c.Request().Context(), id, shop.PasswordChange{Current: c.FormValue("current_password"),
		New: c.FormValue("new_password"), Confirm: c.FormValue("confirm_password")}, c.RealIP())
	if ie, ok := shop.AsInputError(err); ok {
		p := srv.adminPage(c, "パスワード変更", "")
		p.Error = ie.Message
		return render(c, inputStatus(err), views.AdminPassword(p, views.PasswordForm{Errors: ie.Fields}))
	}
	if err != nil {
		return err
	}
	if err := srv.signIn(c, adminSession, id); err != nil {
		return err
	}
	if err := srv.setFlash(c, adminCookie, "パスワードを変更しました。ほかの端末やブラウザのログインはすべて終了しました。"); err != nil {
		return err
	}
	return redirect(c, "/admin")
}
