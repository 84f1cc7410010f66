package handlers

import (
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"kago/shop"
)

// ipnPath is where Amazon Pay posts its instant payment notifications (the
// IPN URL of Amazon Pay設定).
const ipnPath = "/amazonpay/ipn"

// amazonPayIPN takes one notification. Amazon posts it from its own
// servers with no CSRF token, so the route is exempt from the CSRF check
// (server.go) by necessity; instead the shop refuses every notification
// that does not verify (4xx, nothing recorded) and answers a verified one
// at once, before reading what it names from Amazon.
func (srv *Server) amazonPayIPN(c echo.Context) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, shop.MaxNotificationBytes+1))
	if err != nil {
		return c.NoContent(http.StatusBadRequest)
	}
	err = srv.shop.AmazonPay.ReceiveNotification(c.Request().Context(), body)
	var refused *shop.NotificationRefused
	if errors.As(err, &refused) {
		srv.log.Info("amazon pay notification refused", "status", refused.Status, "reason", refused.Reason, "client", c.RealIP())
		return c.String(refused.Status, http.StatusText(refused.Status))
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}
