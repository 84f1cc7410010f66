package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/static"
)

// routes is the whole URL surface of the shop in one screen.
func (srv *Server) routes(e *echo.Echo) {
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.POST(cspReportPath, srv.cspReport)
	e.GET(static.Prefix+"*", srv.staticFiles(static.Prefix, http.FS(static.FS)))
	e.GET(shop.UploadURLPrefix+"*", srv.staticFiles(shop.UploadURLPrefix, http.Dir(srv.cfg.UploadDir)))

	// Storefront
	e.GET("/", srv.productList)
	e.GET("/products/:id", srv.productPage)
	e.GET("/law", srv.legalPage(shop.PageLaw))         // 特定商取引法に基づく表記
	e.GET("/privacy", srv.legalPage(shop.PagePrivacy)) // プライバシーポリシー
	e.GET("/terms", srv.legalPage(shop.PageTerms))     // ご利用規約
	e.GET("/postal/:code", srv.postalLookup)           // 住所検索 (JSON)
	e.GET("/favicon.ico", srv.favicon)
	e.GET("/cart", srv.cartPage)
	e.POST("/cart/items", srv.addToCart)
	e.POST("/cart/items/:id", srv.updateCartLine)
	e.POST("/cart/items/:id/delete", srv.deleteCartLine)
	e.GET("/checkout", srv.checkoutStart)
	e.GET("/checkout/order", srv.checkoutForm(zeroOrder)) // ゼロステップカート
	e.POST("/checkout/order", srv.checkoutSubmit(zeroOrder))
	e.GET("/checkout/step1", srv.checkoutForm(threeStep1)) // ３ステップカート
	e.POST("/checkout/step1", srv.checkoutSubmit(threeStep1))
	e.GET("/checkout/step2", srv.checkoutForm(threeStep2))
	e.POST("/checkout/step2", srv.checkoutSubmit(threeStep2))
	e.GET("/checkout/quote", srv.checkoutQuote) // the summary as the shopper chooses (JSON)
	e.GET("/checkout/confirm", srv.checkoutConfirm)
	e.POST("/checkout/place", srv.checkoutPlace) // 注文する
	e.GET("/checkout/complete", srv.checkoutComplete)
	e.GET("/checkout/amazonpay/review", srv.amazonReturn)       // checkoutReviewReturnUrl
	e.POST("/checkout/amazonpay/leave", srv.amazonLeave)        // Amazon Payを利用しない
	e.GET("/checkout/amazonpay/result", srv.amazonResultReturn) // checkoutResultReturnUrl
	e.POST(ipnPath, srv.amazonPayIPN)                           // Amazon Pay's notifications (IPN): signed, no CSRF token

	// Members
	e.GET("/register", srv.registerPage)
	e.POST("/register", srv.register)
	e.GET("/login", srv.loginPage)
	e.POST("/login", srv.login)
	e.GET("/login/amazon", srv.loginWithAmazon) // signInReturnUrl of 「amazonでログイン」
	e.POST("/logout", srv.logout)
	e.GET("/password/forgot", srv.forgotPasswordPage)
	e.POST("/password/forgot", srv.forgotPassword)
	e.GET("/password/reset/:token", srv.resetPasswordPage)
	e.POST("/password/reset/:token", srv.resetPassword)
	my := e.Group("/mypage", srv.requireMember)
	my.GET("", srv.myTop)
	my.GET("/orders", srv.myOrders)
	my.GET("/orders/:number", srv.myOrder)
	my.GET("/profile", srv.myProfile)
	my.POST("/profile", srv.mySaveProfile)
	my.GET("/password", srv.myPassword)
	my.POST("/password", srv.mySavePassword)
	my.GET("/points", srv.myPoints)
	my.GET("/history", srv.myHistory)
	my.GET("/amazon", srv.myAmazon)
	my.GET("/amazon/return", srv.myAmazonReturn) // signInReturnUrl of the link
	my.POST("/amazon/unlink", srv.myAmazonUnlink)
	my.GET("/withdraw", srv.myWithdrawPage)
	my.POST("/withdraw", srv.myWithdraw)

	// Admin
	e.GET("/admin/login", srv.adminLoginPage)
	e.POST("/admin/login", srv.adminLogin)
	a := e.Group("/admin", srv.requireAdmin)
	a.POST("/logout", srv.adminLogout)
	a.GET("/password", srv.adminPasswordPage) // パスワード変更
	a.POST("/password", srv.adminChangePassword)
	a.GET("", srv.adminDashboard)
	a.GET("/products", srv.adminProducts)
	a.GET("/products.csv", srv.adminProductsCSV)
	a.GET("/products/import", srv.adminProductImportPage)
	a.POST("/products/import", srv.adminProductImport)
	a.GET("/products/new", srv.adminProductNew)
	a.POST("/products/new", srv.adminProductCreate)
	a.GET("/products/:id", srv.adminProductEdit)
	a.POST("/products/:id", srv.adminProductUpdate)
	a.POST("/products/:id/duplicate", srv.adminProductDuplicate)
	a.POST("/products/:id/publish", srv.adminProductPublish)
	a.POST("/products/:id/images/:image/move", srv.adminProductMoveImage)
	a.POST("/products/:id/images/:image/delete", srv.adminProductDeleteImage)
	a.GET("/categories", srv.adminCategories)
	a.POST("/categories", srv.adminSaveCategory)
	a.POST("/categories/:id", srv.adminSaveCategory)
	a.POST("/categories/:id/delete", srv.adminDeleteCategory)
	a.GET("/pages", srv.adminShopPages)
	a.GET("/pages/:slug", srv.adminShopPage)
	a.POST("/pages/:slug", srv.adminSaveShopPage)
	a.GET("/mails", srv.adminMails)
	a.POST("/mails/test", srv.adminTestMail)
	a.GET("/mails/:id", srv.adminMail)
	a.GET("/settings", srv.adminSettings)
	a.POST("/settings", srv.adminSaveSettings)
	a.GET("/shop-info", srv.adminShopInfo) // 店舗情報・メール設定
	a.POST("/shop-info", srv.adminSaveShopInfo)
	a.GET("/amazonpay", srv.adminAmazonPay)
	a.POST("/amazonpay", srv.adminSaveAmazonPay)
	a.POST("/amazonpay/recovery", srv.adminSaveRecovery)                    // 未完了注文の確認と通知
	a.GET("/amazonpay/prepayment-log", srv.adminPrepaymentLog)              // 決済直前ログ
	a.POST("/amazonpay/prepayment-log/:id/check", srv.adminCheckPrepayment) // Amazonで確認
	a.POST("/amazonpay/prepayment-log/:id/create", srv.adminCreateFromLog)  // 受注データを作成
	a.GET("/amazonpay/reconcile", srv.adminReconcile)                       // Amazon Pay照合
	a.POST("/amazonpay/reconcile", srv.adminRunReconcile)
	a.GET("/orders", srv.adminOrders)
	a.GET("/orders.csv", srv.adminOrdersCSV)
	a.GET("/orders/selection", srv.adminOrderSelection) // 帳票出力, 送り状データ, 売上請求の確認 (?do=&id=...)
	a.POST("/orders/capture", srv.adminBulkCapture)     // 売上請求 of the orders ticked in 受注一覧
	a.GET("/orders/:id", srv.adminOrder)
	a.POST("/orders/:id/status", srv.adminOrderStatus)
	a.POST("/orders/:id/payment", srv.adminOrderPayment)
	a.POST("/orders/:id/shipment", srv.adminOrderShipment) // 送り状番号
	a.GET("/orders/:id/mail", srv.adminOrderMail)          // 注文確認・配送通知・フリーメール (?kind=)
	a.POST("/orders/:id/mail", srv.adminSendOrderMail)
	a.POST("/orders/:id/amazonpay", srv.adminOrderAmazonPay) // 売上請求, オーソリキャンセル, 返金 ... (op=)
	a.GET("/orders/:id/amazonpay/calls/:call", srv.adminOrderAmazonCall)
	a.GET("/orders/:id/edit", srv.adminOrderEdit) // 編集モード (?q= searches a product to add)
	a.POST("/orders/:id/edit", srv.adminOrderEditSave)
	a.GET("/mail-templates", srv.adminMailTemplates)
	a.GET("/mail-templates/:kind", srv.adminMailTemplate)
	a.POST("/mail-templates/:kind", srv.adminSaveMailTemplate)
	a.POST("/mail-templates/:kind/reset", srv.adminResetMailTemplate)
	a.GET("/members", srv.adminMembers)
	a.GET("/members.csv", srv.adminMembersCSV)
	a.GET("/members/:id", srv.adminMember)
	a.GET("/coupons", srv.adminCoupons)
	a.GET("/coupons/new", srv.adminCouponNew)
	a.POST("/coupons/new", srv.adminCouponCreate)
	a.GET("/coupons/:id", srv.adminCouponEdit)
	a.POST("/coupons/:id", srv.adminCouponUpdate)
	a.GET("/jobs", srv.adminJobs) // 定期処理
	a.POST("/jobs/:name/run", srv.adminRunJob)

	// The local Amazon Pay, in emulator mode only: API and pages for all, its console for admins
	if srv.cfg.AmazonPayEmulator != nil {
		e.Any(EmulatorPath+"/*", srv.amazonPayEmulator, srv.emulatorMode)
		e.GET(EmulatorPath+"/console", srv.amazonPayEmulatorToConsole, srv.emulatorMode)
		a.Any(strings.TrimPrefix(EmulatorConsolePath, "/admin"), srv.amazonPayEmulatorConsole, srv.emulatorMode)
		a.Any(strings.TrimPrefix(EmulatorConsolePath, "/admin")+"/*", srv.amazonPayEmulatorConsole, srv.emulatorMode)
	}
	if srv.cfg.Pprof {
		a.GET("/debug/pprof/*", pprofHandler()) // Go's profiles (kago -pprof)
	}
}

// staticFiles serves files with long caching: static URLs carry a content
// hash and uploaded names are random, so a URL never changes its content.
func (srv *Server) staticFiles(prefix string, fsys http.FileSystem) echo.HandlerFunc {
	h := http.StripPrefix(prefix, http.FileServer(fsys))
	return func(c echo.Context) error {
		name := c.Param("*")
		if name == "" || name[len(name)-1] == '/' {
			return echo.ErrNotFound
		}
		if f, err := fsys.Open("/" + name); err != nil {
			return echo.ErrNotFound
		} else {
			f.Close()
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}
