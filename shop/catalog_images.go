package shop

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/gif" // DecodeConfig reads the pixel size of each accepted format
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	_ "golang.org/x/image/webp"

	"kago/model"
	"kago/store"
)

// Image upload rules: at most MaxImageBytes per file, MaxImageSide pixels a
// side (a PNG may declare 60000×60000 in a few bytes, issue 9 item 9), and
// MaxImagesPerProduct pictures per product.
const (
	MaxImageBytes       = 2 << 20
	MaxImageSide        = 4000
	MaxImagesPerProduct = 10
)

var imageExt = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}

// Image is an uploaded product picture.
type Image struct {
	Name string // the file name on the admin's computer, for messages
	Data []byte
}

// CheckImage tells what is wrong with an uploaded picture, in Japanese, or
// "" when it may be stored: its content (not its name) must be JPEG, PNG,
// GIF or WebP, at most 2 MB, with a header that decodes to at most
// MaxImageSide pixels a side.
func CheckImage(data []byte) string {
	switch {
	case len(data) == 0:
		return "画像ファイルが空です。"
	case len(data) > MaxImageBytes:
		return "画像は2MB以下のファイルを選んでください。"
	}
	if _, ok := imageExt[http.DetectContentType(data)]; !ok {
		return "画像はJPEG・PNG・GIF・WebP形式のファイルを選んでください。"
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case err != nil:
		return "画像ファイルを読み込めませんでした。壊れていないか確かめてください。"
	case cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide:
		return fmt.Sprintf("画像の大きさは縦横%dピクセル以内にしてください（このファイルは%d×%dピクセルです）。", MaxImageSide, cfg.Width, cfg.Height)
	}
	return ""
}

// withImageErrors adds the pictures' problems to a form's InputError.
func withImageErrors(err error, images []Image) error {
	var msgs []string
	for _, im := range images {
		if m := CheckImage(im.Data); m != "" {
			if im.Name != "" {
				m = im.Name + "：" + m
			}
			msgs = append(msgs, m)
		}
	}
	if len(images) > MaxImagesPerProduct {
		msgs = append(msgs, fmt.Sprintf("画像は1つの商品に%d枚までです。", MaxImagesPerProduct))
	}
	if len(msgs) == 0 {
		return err
	}
	ie, ok := AsInputError(err)
	if !ok {
		if err != nil {
			return err
		}
		ie = &InputError{Fields: map[string]string{}}
	}
	ie.Fields["images"] = strings.Join(msgs, " ")
	return ie
}

// UploadURLPrefix is where uploaded files are served.
const UploadURLPrefix = "/uploads/"

// writeImages stores checked pictures under random names and returns their
// URL paths; on failure nothing stays on disk.
func (d *deps) writeImages(images []Image) ([]string, error) {
	var paths []string
	for _, im := range images {
		p, err := d.writeFile(im.Data, imageExt[http.DetectContentType(im.Data)])
		if err != nil {
			d.removeFiles(paths)
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func (d *deps) writeFile(data []byte, ext string) (string, error) {
	if d.uploadDir == "" {
		return "", fmt.Errorf("shop: no upload directory")
	}
	if err := os.MkdirAll(d.uploadDir, 0o755); err != nil {
		return "", err
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	name := hex.EncodeToString(b) + ext
	if err := os.WriteFile(filepath.Join(d.uploadDir, name), data, 0o644); err != nil {
		return "", err
	}
	return UploadURLPrefix + name, nil
}

// copyImages gives a duplicate its own files, so deleting a picture of one
// product never takes it from the other. Built-in pictures are shared.
func (d *deps) copyImages(images []model.ProductImage) ([]string, error) {
	var paths []string
	for _, im := range images {
		name, ok := uploadName(im.Path)
		if !ok {
			paths = append(paths, im.Path)
			continue
		}
		data, err := os.ReadFile(filepath.Join(d.uploadDir, name))
		if err != nil {
			d.removeFiles(paths)
			return nil, err
		}
		p, err := d.writeFile(data, path.Ext(name))
		if err != nil {
			d.removeFiles(paths)
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// uploadName is the file name of an uploaded picture's URL path; built-in
// pictures (/static/…) and anything odd are not ours to delete.
func uploadName(urlPath string) (string, bool) {
	name, ok := strings.CutPrefix(urlPath, UploadURLPrefix)
	if !ok || name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return "", false
	}
	return name, true
}

// removeFiles deletes uploaded files by URL path, after the rows that
// showed them are gone; a failure is logged, never shown.
func (d *deps) removeFiles(paths []string) {
	for _, p := range paths {
		name, ok := uploadName(p)
		if !ok {
			continue
		}
		if err := os.Remove(filepath.Join(d.uploadDir, name)); err != nil && !os.IsNotExist(err) {
			d.log.Warn("remove upload", "path", p, "err", err)
		}
	}
}

// addImages appends pictures to a product and keeps its main image current.
func addImages(tx *store.Tx, productID int64, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	have, err := tx.ProductImages(productID)
	if err != nil {
		return err
	}
	if len(have)+len(paths) > MaxImagesPerProduct {
		return &InputError{Fields: map[string]string{"images": fmt.Sprintf("画像は1つの商品に%d枚までです。不要な画像を削除してから追加してください。", MaxImagesPerProduct)}}
	}
	for _, p := range paths {
		if _, err := tx.AddProductImage(productID, p); err != nil {
			return err
		}
	}
	return reorderImages(tx, productID, nil)
}

// reorderImages renumbers a product's pictures in their order with the
// given ID moved to its new index (nil move: keep the order).
func reorderImages(tx *store.Tx, productID int64, move func([]int64) []int64) error {
	images, err := tx.ProductImages(productID)
	if err != nil {
		return err
	}
	ids := make([]int64, len(images))
	for i, im := range images {
		ids[i] = im.ID
	}
	if move != nil {
		ids = move(ids)
	}
	return tx.SetProductImageOrder(productID, ids)
}

// Image moves.
const (
	ImageMain = "main" // メイン画像にする
	ImageUp   = "up"   // 前へ
	ImageDown = "down" // 後へ
)

// MoveImage changes a picture's place: ImageMain, ImageUp or ImageDown.
func (c *Catalog) MoveImage(ctx context.Context, productID, imageID int64, move string) error {
	return c.db.WithTx(ctx, func(tx *store.Tx) error {
		found := false
		err := reorderImages(tx, productID, func(ids []int64) []int64 {
			i := slices.Index(ids, imageID)
			if i < 0 {
				return ids
			}
			found = true
			switch move {
			case ImageMain:
				ids = append([]int64{imageID}, append(ids[:i:i], ids[i+1:]...)...)
			case ImageUp:
				if i > 0 {
					ids[i-1], ids[i] = ids[i], ids[i-1]
				}
			case ImageDown:
				if i < len(ids)-1 {
					ids[i+1], ids[i] = ids[i], ids[i+1]
				}
			}
			return ids
		})
		if err == nil && !found {
			return ErrNotFound
		}
		return err
	})
}

// DeleteImage removes a picture from a product and, once that is committed,
// its file from disk (when no product shows it any more).
func (c *Catalog) DeleteImage(ctx context.Context, productID, imageID int64) error {
	var gone string
	err := c.db.WithTx(ctx, func(tx *store.Tx) error {
		gone = "" // WithTx may run this again
		images, err := tx.ProductImages(productID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(images, func(im model.ProductImage) bool { return im.ID == imageID })
		if i < 0 {
			return ErrNotFound
		}
		if err := tx.DeleteProductImage(productID, imageID); err != nil {
			return err
		}
		if err := reorderImages(tx, productID, nil); err != nil {
			return err
		}
		inUse, err := tx.ImagePathInUse(images[i].Path)
		if err == nil && !inUse {
			gone = images[i].Path
		}
		return err
	})
	if err == nil && gone != "" {
		c.removeFiles([]string{gone})
	}
	return err
}
