package handlers

import (
	"bufio"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"kago/model"
	"kago/shop"
	"kago/views"
)

// The merchant's members (F-36): 会員一覧 with search, the 「Amazon連携」
// filter and CSV, and 会員詳細.

func memberSearchInput(c echo.Context) shop.MemberSearchInput {
	return shop.MemberSearchInput{Number: c.QueryParam("number"), Name: c.QueryParam("name"), Email: c.QueryParam("email"),
		LoginID: c.QueryParam("login_id"), Phone: c.QueryParam("phone"), Amazon: c.QueryParam("amazon"), Status: c.QueryParam("status"),
		After: c.QueryParam("after"), Before: c.QueryParam("before")}
}

func memberQuery(in shop.MemberSearchInput) url.Values {
	v := url.Values{}
	for key, val := range map[string]string{"number": in.Number, "name": in.Name, "email": in.Email, "login_id": in.LoginID,
		"phone": in.Phone, "amazon": in.Amazon, "status": in.Status} {
		if val != "" {
			v.Set(key, val)
		}
	}
	return v
}

func memberList(in shop.MemberSearchInput, errs map[string]string) views.AdminMemberList {
	q := memberQuery(in)
	return views.AdminMemberList{Search: views.AdminMemberSearch{Number: in.Number, Name: in.Name, Email: in.Email, LoginID: in.LoginID,
		Phone: in.Phone, Amazon: in.Amazon, Status: in.Status, Errors: errs}, CSVURL: withParam("/admin/members.csv", q, "", 0)}
}

func (srv *Server) adminMembers(c echo.Context) error {
	in := memberSearchInput(c)
	q, err := shop.ParseMemberSearch(in)
	if ie, ok := shop.AsInputError(err); ok {
		return render(c, http.StatusUnprocessableEntity, views.AdminMembers(srv.adminPage(c, "会員管理", "members"), memberList(in, ie.Fields)))
	}
	if err != nil {
		return err
	}
	page, err := srv.shop.Members.SearchMembers(c.Request().Context(), q)
	if err != nil {
		return err
	}
	m := memberList(in, nil)
	for _, mem := range page.Members {
		m.Rows = append(m.Rows, views.AdminMemberRow{ID: mem.ID, Name: mem.Address.FullName(), Email: mem.Email, LoginID: mem.LoginID,
			Status: shop.MemberStatusLabel(mem.Status), Points: mem.Points, Linked: mem.Linked(), CreatedAt: mem.CreatedAt})
	}
	search := memberQuery(in)
	if page.Older > 0 {
		m.NextURL = withParam("/admin/members", search, "after", page.Older)
	}
	if page.Newer > 0 {
		m.PrevURL = withParam("/admin/members", search, "before", page.Newer)
	}
	return render(c, http.StatusOK, views.AdminMembers(srv.adminPage(c, "会員管理", "members"), m))
}

// adminMembersCSV streams every member of the current search.
func (srv *Server) adminMembersCSV(c echo.Context) error {
	in := memberSearchInput(c)
	in.After, in.Before = "", ""
	q, err := shop.ParseMemberSearch(in)
	if ie, ok := shop.AsInputError(err); ok {
		return render(c, http.StatusUnprocessableEntity, views.AdminMembers(srv.adminPage(c, "会員管理", "members"), memberList(in, ie.Fields)))
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+shop.MembersCSVFilename(time.Now())+`"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := bufio.NewWriterSize(c.Response(), 32<<10)
	if err := srv.shop.Members.ExportMembersCSV(c.Request().Context(), q.Filter, w); err != nil {
		srv.log.Error("member CSV export stopped", "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return nil
	}
	return w.Flush()
}

func (srv *Server) adminMember(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	d, err := srv.shop.Members.MemberDetail(c.Request().Context(), id)
	if err != nil {
		return err
	}
	m := d.Member
	v := views.AdminMemberDetail{ID: m.ID, Status: shop.MemberStatusLabel(m.Status), Source: shop.MemberSourceLabel(m.Source),
		LoginID: m.LoginID, Email: m.Email, Address: adminAddress(m.Address), Points: m.Points, Linked: m.Linked(),
		LinkedAt: m.AmazonLinkedAt, BuyerID: m.AmazonBuyerID, CreatedAt: m.CreatedAt, WithdrawnAt: m.WithdrawnAt,
		TemporaryPassword: m.PasswordTemporary && m.Status != model.MemberWithdrawn, Events: eventRows(d.Events)}
	for i, e := range d.Events {
		v.Events[i].BuyerID, v.Events[i].OrderID = e.AmazonBuyerID, e.OrderID
	}
	for _, e := range d.Points {
		v.PointEntries = append(v.PointEntries, views.PointRow{At: e.At, Kind: e.Kind, Points: e.Points, Balance: e.Balance, OrderID: e.OrderID})
	}
	for _, o := range d.Orders {
		v.Orders = append(v.Orders, views.AdminMemberOrder{ID: o.ID, Number: o.Number, CreatedAt: o.CreatedAt,
			Status: shop.OrderStatusLabel(o.Status), Total: o.Total})
	}
	return render(c, http.StatusOK, views.AdminMemberPage(srv.adminPage(c, "会員詳細", "members"), v))
}

// orderMember is the member of an order for 受注明細, nil for a guest's.
func (srv *Server) orderMember(c echo.Context, orderID int64) (*views.AdminOrderMember, error) {
	m, ok, err := srv.shop.Members.OrderMember(c.Request().Context(), orderID)
	if err != nil || !ok {
		return nil, err
	}
	return &views.AdminOrderMember{ID: m.ID, Status: shop.MemberStatusLabel(m.Status)}, nil
}
