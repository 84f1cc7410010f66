package shop

import (
	"context"
	"database/sql"

	"kago/model"
	"kago/store"
)

// demoProducts is the catalog a new shop starts with, so it can be tried at once.
var demoProducts = []store.Product{
	{Name: "静岡県産 深蒸し煎茶 100g", Description: "牧之原台地で育った一番茶を深蒸しに仕上げました。まろやかな甘みと濃い緑色が特長です。", Price: 1296, TaxRate: TaxReduced, Stock: 120, ImagePath: "demo/sencha.svg"},
	{Name: "宇治抹茶 30g缶", Description: "石臼挽きの宇治抹茶。お薄にも、お菓子づくりにも。", Price: 2160, MemberPrice: sql.NullInt64{Int64: 1980, Valid: true}, TaxRate: TaxReduced, Stock: 45, ImagePath: "demo/matcha.svg"},
	{Name: "ほうじ茶ティーバッグ 20包", Description: "強火で香ばしく焙じた茎ほうじ茶を、手軽なティーバッグにしました。", Price: 864, TaxRate: TaxReduced, Stock: 200, ImagePath: "demo/hojicha.svg"},
	{Name: "有機玄米茶 200g", Description: "有機栽培の煎茶と国産玄米をブレンド。毎日の食事に合う香ばしさです。", Price: 1080, TaxRate: TaxReduced, Stock: 80, ImagePath: "demo/genmai.svg"},
	{Name: "手焼き醤油せんべい 12枚入", Description: "一枚ずつ炭火で焼き上げ、刷毛で醤油を塗りました。", Price: 756, TaxRate: TaxReduced, Stock: 60, ImagePath: "demo/senbei.svg"},
	{Name: "栗きんとん 6個入", Description: "岐阜県産の栗と砂糖だけで炊き上げた秋の和菓子です。", Price: 2700, TaxRate: TaxReduced, Stock: 24, ImagePath: "demo/kuri.svg"},
	{Name: "高知県産 柚子ジャム 150g", Description: "皮ごと炊いた柚子の香りをそのまま瓶に詰めました。", Price: 918, TaxRate: TaxReduced, Stock: 50, ImagePath: "demo/yuzu.svg"},
	{Name: "季節の和菓子詰め合わせ", Description: "職人が季節ごとに選ぶ上生菓子5種の詰め合わせです。", Price: 3240, TaxRate: TaxReduced, Stock: 0, ImagePath: "demo/wagashi.svg"},
	{Name: "美濃焼 湯呑み（藍）", Description: "藍の釉薬が美しい、手になじむ大きさの湯呑みです。", Price: 2420, TaxRate: TaxStandard, Stock: 30, ImagePath: "demo/yunomi.svg"},
	{Name: "常滑焼 急須 300ml", Description: "朱泥の常滑焼。細かな茶こしで深蒸し茶もすっきり淹れられます。", Price: 5500, MemberPrice: sql.NullInt64{Int64: 4950, Valid: true}, TaxRate: TaxStandard, Stock: 12, ImagePath: "demo/kyusu.svg"},
	{Name: "竹製 茶さじ", Description: "国産の煤竹を削り出した茶さじです。", Price: 660, TaxRate: TaxStandard, Stock: 100, ImagePath: "demo/chasaji.svg"},
	{Name: "抹茶 茶筅 八十本立", Description: "奈良・高山の茶筅。泡立ちのよい八十本立です。", Price: 3300, TaxRate: TaxStandard, Stock: 3, ImagePath: "demo/chasen.svg"},
	{Name: "今治タオル ハンカチ", Description: "吸水性のよい今治タオルのハンカチ。贈り物にも。", Price: 1320, TaxRate: TaxStandard, Stock: 70, ImagePath: "demo/towel.svg"},
	{Name: "手ぬぐい 富士山柄", Description: "注染で染めた綿の手ぬぐい。使うほどに柔らかくなります。", Price: 1100, TaxRate: TaxStandard, Stock: 90, ImagePath: "demo/tenugui.svg"},
	{Name: "ギフトボックス（3点用）", Description: "お茶とお菓子を3点まで詰められる化粧箱です。", Price: 330, TaxRate: TaxStandard, Stock: 500, ImagePath: "demo/giftbox.svg"},
}

// demoCategories are the demo shop's shelves; demoShelf puts each demo
// product (by index) on one.
var (
	demoCategories = []string{"日本茶", "和菓子", "茶器", "手ぬぐい・ギフト"}
	demoShelf      = []int{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3}
)

// SeedDemo fills an empty catalog with the demo products and their
// categories; it does nothing when the shop already has products. It
// reports how many products it added.
func (s *Shop) SeedDemo(ctx context.Context, staticPrefix string) (int, error) {
	added := 0
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		added = 0 // WithTx may run this again
		n, err := tx.CountProducts()
		if err != nil || n > 0 {
			return err
		}
		var shelves []int64
		for i, name := range demoCategories {
			c, err := tx.InsertCategory(model.Category{Name: name, SortOrder: (i + 1) * 10})
			if err != nil {
				return err
			}
			shelves = append(shelves, c.ID)
		}
		for i, p := range demoProducts {
			p.Published, p.SortOrder = true, (i+1)*10
			p.ImagePath = staticPrefix + p.ImagePath
			p, err := tx.InsertProduct(p)
			if err != nil {
				return err
			}
			if err := tx.SetProductCategories(p.ID, []int64{shelves[demoShelf[i]]}); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	return added, err
}
