package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kago/store"
	"kago/views"
)

func productCard(p store.Product) views.ProductCard {
	c := views.ProductCard{ID: p.ID, Name: p.Name, Description: p.Description, Price: p.Price, TaxRate: p.TaxRate, Stock: p.Stock, ImageURL: p.ImagePath}
	if p.MemberPrice.Valid {
		c.MemberPrice = p.MemberPrice.Int64
	}
	return c
}

func (srv *Server) productList(c echo.Context) error {
	products, err := srv.shop.Products(c.Request().Context())
	if err != nil {
		return err
	}
	cards := make([]views.ProductCard, len(products))
	for i, p := range products {
		cards[i] = productCard(p)
	}
	return render(c, http.StatusOK, views.ProductList(srv.page(c, ""), cards))
}

// idParam reads a positive numeric path ID; anything else is a 404.
func idParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

func (srv *Server) productPage(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := srv.shop.Product(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.ProductPage(srv.page(c, p.Name), productCard(p), views.ProductForm{Quantity: "1"}))
}
