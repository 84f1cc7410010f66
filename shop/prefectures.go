package shop

// Prefecture is one of Japan's 47 都道府県 with the shipping region it
// belongs to.
type Prefecture struct {
	Code   int
	Name   string
	Region string
}

// Shipping regions, in the order carriers list them.
var Regions = []string{"北海道", "東北", "関東", "信越", "北陸", "東海", "近畿", "中国", "四国", "九州", "沖縄"}

// Prefectures lists the 47 prefectures in JIS order.
var Prefectures = []Prefecture{
	{1, "北海道", "北海道"}, {2, "青森県", "東北"}, {3, "岩手県", "東北"}, {4, "宮城県", "東北"}, {5, "秋田県", "東北"},
	{6, "山形県", "東北"}, {7, "福島県", "東北"}, {8, "茨城県", "関東"}, {9, "栃木県", "関東"}, {10, "群馬県", "関東"},
	{11, "埼玉県", "関東"}, {12, "千葉県", "関東"}, {13, "東京都", "関東"}, {14, "神奈川県", "関東"}, {15, "新潟県", "信越"},
	{16, "富山県", "北陸"}, {17, "石川県", "北陸"}, {18, "福井県", "北陸"}, {19, "山梨県", "関東"}, {20, "長野県", "信越"},
	{21, "岐阜県", "東海"}, {22, "静岡県", "東海"}, {23, "愛知県", "東海"}, {24, "三重県", "東海"}, {25, "滋賀県", "近畿"},
	{26, "京都府", "近畿"}, {27, "大阪府", "近畿"}, {28, "兵庫県", "近畿"}, {29, "奈良県", "近畿"}, {30, "和歌山県", "近畿"},
	{31, "鳥取県", "中国"}, {32, "島根県", "中国"}, {33, "岡山県", "中国"}, {34, "広島県", "中国"}, {35, "山口県", "中国"},
	{36, "徳島県", "四国"}, {37, "香川県", "四国"}, {38, "愛媛県", "四国"}, {39, "高知県", "四国"}, {40, "福岡県", "九州"},
	{41, "佐賀県", "九州"}, {42, "長崎県", "九州"}, {43, "熊本県", "九州"}, {44, "大分県", "九州"}, {45, "宮崎県", "九州"},
	{46, "鹿児島県", "九州"}, {47, "沖縄県", "沖縄"},
}

var prefectureByName = func() map[string]Prefecture {
	m := make(map[string]Prefecture, len(Prefectures))
	for _, p := range Prefectures {
		m[p.Name] = p
	}
	return m
}()

// PrefectureByName finds a prefecture by its full name (東京都).
func PrefectureByName(name string) (Prefecture, bool) {
	p, ok := prefectureByName[name]
	return p, ok
}
