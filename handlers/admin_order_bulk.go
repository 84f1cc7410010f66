package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/views"
)

// Bulk 売上請求 from 受注一覧 (seed 002): the selection's preview with the
// button (GET /admin/orders/selection?do=capture), and the capture with a
// result per order (POST /admin/orders/capture).

// doCapture is the do= of the selection that previews a bulk capture.
const doCapture = "capture"

func bulkCaptureView(results []shop.BulkResult, ids []int64, done bool) views.AdminBulkCapture {
	m := views.AdminBulkCapture{Done: done, IDs: ids, Summary: shop.BulkSummary(results)}
	for _, r := range results {
		if r.Outcome == shop.BulkPlanned {
			m.Planned++
		}
		m.Rows = append(m.Rows, views.AdminBulkRow{ID: r.OrderID, Number: r.Number, Buyer: r.Buyer, Amount: r.Amount,
			Result: shop.BulkOutcomeLabel(r.Outcome), OK: r.OK(), Message: r.Message})
	}
	return m
}

// adminBulkCapturePreview shows what a bulk capture of ids would do.
func (srv *Server) adminBulkCapturePreview(c echo.Context, ids []int64) error {
	results, err := srv.shop.AmazonPay.CapturePlan(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	p := srv.adminPage(c, "チェックした注文を売上請求", "orders")
	return render(c, http.StatusOK, views.AdminBulkCapturePage(p, bulkCaptureView(results, ids, false)))
}

func (srv *Server) adminBulkCapture(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	ids, err := shop.ParseSelection(form["id"])
	if ie, ok := shop.AsInputError(err); ok {
		return srv.renderOrderList(c, http.StatusUnprocessableEntity, ie.Error())
	}
	if err != nil {
		return err
	}
	results, err := srv.shop.AmazonPay.CaptureOrders(c.Request().Context(), ids, shop.AdminActor(adminActor(c)))
	if err != nil {
		return err
	}
	p := srv.adminPage(c, "売上請求の結果", "orders")
	return render(c, http.StatusOK, views.AdminBulkCapturePage(p, bulkCaptureView(results, ids, true)))
}
