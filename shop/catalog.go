package shop

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"kago/store"
)

// Products lists what the storefront shows.
func (s *Shop) Products(ctx context.Context) ([]store.Product, error) {
	return s.db.Products(ctx, true)
}

// Product returns a published product, or ErrNotFound.
func (s *Shop) Product(ctx context.Context, id int64) (store.Product, error) {
	p, err := s.db.Product(ctx, id)
	if err == nil && !p.Published {
		return p, ErrNotFound
	}
	return p, err
}

// ProductInput is the admin product form as typed.
type ProductInput struct {
	Name, Description  string
	Price, MemberPrice string
	TaxRate            string
	Stock              string
	SortOrder          string
	Published          bool
}

// parse validates the form and returns the product fields, or an
// InputError naming each bad field.
func (in ProductInput) parse() (store.Product, error) {
	fields := map[string]string{}
	var p store.Product
	p.Name = strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(p.Name); {
	case n == 0:
		fields["name"] = "商品名を入力してください。"
	case n > 100:
		fields["name"] = "商品名は100文字以内で入力してください。"
	}
	p.Description = strings.TrimSpace(in.Description)
	if utf8.RuneCountInString(p.Description) > 5000 {
		fields["description"] = "商品説明は5000文字以内で入力してください。"
	}
	yen := func(field, label, raw string, optional bool) sql.NullInt64 {
		raw = strings.ReplaceAll(strings.TrimSpace(toHalfWidthDigits(raw)), ",", "")
		if raw == "" && optional {
			return sql.NullInt64{}
		}
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || v < 0 || v > 10_000_000 {
			fields[field] = label + "は0から10,000,000までの半角数字（円）で入力してください。"
		}
		return sql.NullInt64{Int64: v, Valid: true}
	}
	p.Price = yen("price", "販売価格", in.Price, false).Int64
	p.MemberPrice = yen("member_price", "会員価格", in.MemberPrice, true)
	switch in.TaxRate {
	case "10":
		p.TaxRate = TaxStandard
	case "8":
		p.TaxRate = TaxReduced
	default:
		fields["tax_rate"] = "税率は10%または8%（軽減税率）を選んでください。"
	}
	stock, err := strconv.ParseInt(strings.TrimSpace(toHalfWidthDigits(in.Stock)), 10, 64)
	if err != nil || stock < 0 || stock > 1_000_000 {
		fields["stock"] = "在庫数は0から1,000,000までの半角数字で入力してください。"
	}
	p.Stock = stock
	if raw := strings.TrimSpace(in.SortOrder); raw != "" {
		v, err := strconv.Atoi(toHalfWidthDigits(raw))
		if err != nil || v < 0 || v > 100000 {
			fields["sort_order"] = "表示順は0以上の半角数字で入力してください。"
		}
		p.SortOrder = v
	}
	p.Published = in.Published
	if len(fields) > 0 {
		return p, &InputError{Fields: fields}
	}
	return p, nil
}

// Image upload rules.
const MaxImageBytes = 2 << 20

var imageExt = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}

// Image is an uploaded product picture.
type Image struct {
	Data []byte
}

// SaveProduct creates (id 0) or updates a product from the admin form, with
// an optional new image. The image is checked by its content, not its name.
func (s *Shop) SaveProduct(ctx context.Context, id int64, in ProductInput, img *Image) (store.Product, error) {
	p, err := in.parse()
	var imgErr string
	if img != nil {
		imgErr = checkImage(img.Data)
	}
	if imgErr != "" {
		ie, _ := AsInputError(err)
		if ie == nil {
			ie = &InputError{Fields: map[string]string{}}
		}
		ie.Fields["image"] = imgErr
		err = ie
	}
	if err != nil {
		return p, err
	}
	if img != nil {
		path, err := s.writeImage(img.Data)
		if err != nil {
			return p, err
		}
		p.ImagePath = path
	}
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		if id == 0 {
			p, err = tx.InsertProduct(p)
			return err
		}
		old, err := tx.Product(id)
		if err != nil {
			return err
		}
		p.ID = id
		if p.ImagePath == "" {
			p.ImagePath = old.ImagePath
		}
		return tx.UpdateProduct(p)
	})
	return p, err
}

func checkImage(data []byte) string {
	switch {
	case len(data) == 0:
		return "画像ファイルが空です。"
	case len(data) > MaxImageBytes:
		return "画像は2MB以下のファイルを選んでください。"
	}
	if _, ok := imageExt[http.DetectContentType(data)]; !ok {
		return "画像はJPEG・PNG・GIF・WebP形式のファイルを選んでください。"
	}
	return ""
}

// UploadURLPrefix is where uploaded files are served.
const UploadURLPrefix = "/uploads/"

func (s *Shop) writeImage(data []byte) (string, error) {
	if s.uploadDir == "" {
		return "", errors.New("shop: no upload directory")
	}
	if err := os.MkdirAll(s.uploadDir, 0o755); err != nil {
		return "", err
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	name := hex.EncodeToString(b) + imageExt[http.DetectContentType(data)]
	if err := os.WriteFile(filepath.Join(s.uploadDir, name), data, 0o644); err != nil {
		return "", err
	}
	return UploadURLPrefix + name, nil
}

// ProductForm turns a stored product back into form values.
func ProductForm(p store.Product) ProductInput {
	in := ProductInput{Name: p.Name, Description: p.Description, Price: strconv.FormatInt(p.Price, 10),
		TaxRate: strconv.Itoa(p.TaxRate), Stock: strconv.FormatInt(p.Stock, 10), SortOrder: strconv.Itoa(p.SortOrder), Published: p.Published}
	if p.MemberPrice.Valid {
		in.MemberPrice = strconv.FormatInt(p.MemberPrice.Int64, 10)
	}
	return in
}
