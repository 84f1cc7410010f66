package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"kago/shop"
)

// Where kago serves its own Amazon Pay emulator: its API and pages, and its
// console, under /admin where the admin's session cookie goes.
const (
	EmulatorPath        = "/amazonpay-emulator"
	EmulatorConsolePath = "/admin/amazonpay-emulator/console"
)

// Emulator is the local Amazon Pay as the shop mounts it.
type Emulator interface {
	http.Handler
	// SetConsoleAccess says who may use its console (Seller Central).
	SetConsoleAccess(allow func(*http.Request) bool)
}

// The emulator is served only while the shop's Amazon Pay environment is
// 「エミュレーター」 (decided per request, as the setting changes at run time;
// 404 otherwise). Its API and hosted pages are for everyone, as Amazon's
// are; its console (capture, refund, faults, the clock) only for a signed-in
// admin, at EmulatorConsolePath, and its forms carry the console's own
// token. At the emulator's own /console the emulator refuses everyone.

type consoleGrant struct{}

// consoleGranted is the emulator's console access: the request passed
// requireAdmin on a console route.
func consoleGranted(r *http.Request) bool {
	ok, _ := r.Context().Value(consoleGrant{}).(bool)
	return ok
}

// emulatorMode answers 404 unless the shop uses the emulator now.
func (srv *Server) emulatorMode(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, err := srv.shop.AmazonPaySettings(c.Request().Context())
		if err != nil {
			return err
		}
		if a.Environment != shop.EnvEmulator {
			return echo.ErrNotFound
		}
		return next(c)
	}
}

// amazonPayEmulator serves the emulator's API and hosted pages.
func (srv *Server) amazonPayEmulator(c echo.Context) error {
	srv.cfg.AmazonPayEmulator.ServeHTTP(c.Response(), c.Request())
	return nil
}

// amazonPayEmulatorConsole serves the emulator's console to an admin (the
// admin routes run requireAdmin first), below EmulatorConsolePath.
func (srv *Server) amazonPayEmulatorConsole(c echo.Context) error {
	r := c.Request()
	h := http.StripPrefix(strings.TrimSuffix(EmulatorConsolePath, "/console"), srv.cfg.AmazonPayEmulator)
	h.ServeHTTP(c.Response(), r.WithContext(context.WithValue(r.Context(), consoleGrant{}, true)))
	return nil
}

// amazonPayEmulatorToConsole sends a browser from the emulator's own
// console address to the admin's.
func (srv *Server) amazonPayEmulatorToConsole(c echo.Context) error {
	return redirect(c, EmulatorConsolePath)
}
