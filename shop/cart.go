package shop

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"kago/store"
)

// MaxQuantity is the most of one product a cart line may hold.
const MaxQuantity = 999

// Messages shown about quantities and stock.
const (
	msgQuantity   = "数量は1から999までの半角数字で入力してください。"
	msgNoProduct  = "ご指定の商品は見つかりませんでした。"
	msgOutOfStock = "申し訳ございません。この商品は在庫切れです。"
)

// CartLine is one cart line priced for the shopper.
type CartLine struct {
	ProductID int64
	Name      string
	ImagePath string
	UnitPrice int64
	TaxRate   int
	Quantity  int64
	Subtotal  int64
	Stock     int64
	// Problem says why this line cannot be ordered as it is (sold out,
	// too few left, withdrawn); empty when fine.
	Problem string
}

// Cart is the priced cart.
type Cart struct {
	Token      string
	Lines      []CartLine
	Count      int64
	Subtotal   int64
	RateTotals []RateTotal
	Member     bool // priced for a member: member prices, and points and coupons apply
}

// Orderable tells whether every line can be ordered as it stands.
func (c Cart) Orderable() bool {
	if len(c.Lines) == 0 {
		return false
	}
	for _, l := range c.Lines {
		if l.Problem != "" {
			return false
		}
	}
	return true
}

// NewCartToken returns a fresh random cart token.
func NewCartToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ValidCartToken tells whether a token has the shape NewCartToken makes.
func ValidCartToken(t string) bool {
	b, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil && len(b) == 24
}

// ParseQuantity reads a quantity typed by a shopper: half- or full-width
// digits, 1 to MaxQuantity.
func ParseQuantity(raw string) (int64, error) {
	raw = strings.TrimSpace(toHalfWidthDigits(raw))
	q, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || q < 1 || q > MaxQuantity {
		return 0, &InputError{Fields: map[string]string{"quantity": msgQuantity}}
	}
	return q, nil
}

func toHalfWidthDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, s)
}

// unitPrice is what the shopper pays for one: the member price for members
// when the product has one.
func unitPrice(p store.Product, member bool) int64 {
	if member && p.MemberPrice.Valid {
		return p.MemberPrice.Int64
	}
	return p.Price
}

// Cart prices the cart for a shopper and marks lines that cannot be ordered.
func (s *Shop) Cart(ctx context.Context, token string, member bool) (Cart, error) {
	lines, err := s.db.CartLines(ctx, token)
	if err != nil {
		return Cart{}, err
	}
	return priceCart(token, lines, member), nil
}

func priceCart(token string, lines []store.CartLine, member bool) Cart {
	c := Cart{Token: token, Member: member}
	perRate := map[int]int64{}
	for _, l := range lines {
		p := l.Product
		line := CartLine{ProductID: p.ID, Name: p.Name, ImagePath: p.ImagePath, UnitPrice: unitPrice(p, member),
			TaxRate: p.TaxRate, Quantity: l.Quantity, Stock: p.Stock}
		line.Subtotal = line.UnitPrice * line.Quantity
		switch {
		case !p.Published:
			line.Problem = "この商品は現在お取り扱いしておりません。カゴから削除してください。"
		case p.Stock == 0:
			line.Problem = msgOutOfStock + "カゴから削除してください。"
		case p.Stock < l.Quantity:
			line.Problem = fmt.Sprintf("在庫が不足しています（残り%d点）。数量を変更してください。", p.Stock)
		}
		c.Lines = append(c.Lines, line)
		c.Count += line.Quantity
		c.Subtotal += line.Subtotal
		perRate[p.TaxRate] += line.Subtotal
	}
	c.RateTotals = rateTotals(perRate)
	return c
}

// AddToCart adds quantity of a product, never beyond its stock.
func (s *Shop) AddToCart(ctx context.Context, token string, productID, quantity int64) error {
	if quantity < 1 || quantity > MaxQuantity {
		return &InputError{Fields: map[string]string{"quantity": msgQuantity}}
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		p, err := orderableProduct(tx, productID)
		if err != nil {
			return err
		}
		have, err := tx.CartQuantity(token, productID)
		if err != nil {
			return err
		}
		if err := checkStock(p, have+quantity); err != nil {
			return err
		}
		if err := tx.EnsureCart(token); err != nil {
			return err
		}
		return tx.SetCartQuantity(token, productID, have+quantity)
	})
}

// SetCartQuantity changes a line's quantity (1 to MaxQuantity, within stock).
func (s *Shop) SetCartQuantity(ctx context.Context, token string, productID, quantity int64) error {
	if quantity < 1 || quantity > MaxQuantity {
		return &InputError{Fields: map[string]string{"quantity": msgQuantity}}
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		have, err := tx.CartQuantity(token, productID)
		if err != nil {
			return err
		}
		if have == 0 {
			return Invalid("この商品はカゴに入っていません。")
		}
		p, err := orderableProduct(tx, productID)
		if err != nil {
			return err
		}
		if err := checkStock(p, quantity); err != nil {
			return err
		}
		return tx.SetCartQuantity(token, productID, quantity)
	})
}

// RemoveFromCart deletes a line; removing a line that is not there is fine.
func (s *Shop) RemoveFromCart(ctx context.Context, token string, productID int64) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		return tx.SetCartQuantity(token, productID, 0)
	})
}

func orderableProduct(tx *store.Tx, id int64) (store.Product, error) {
	p, err := tx.Product(id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !p.Published) {
		return p, Invalid(msgNoProduct)
	}
	return p, err
}

func checkStock(p store.Product, want int64) error {
	if p.Stock == 0 {
		return Invalid(msgOutOfStock)
	}
	if want > p.Stock {
		return &InputError{Fields: map[string]string{"quantity": fmt.Sprintf("在庫が不足しています。この商品はあと%d点までご注文いただけます。", p.Stock)}}
	}
	return nil
}
