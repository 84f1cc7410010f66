package model

import "time"

// Shipment is an order's parcel: who carries it and its tracking number
// (送り状番号), entered by the merchant and printed in the shipping mail.
type Shipment struct {
	OrderID        int64
	Carrier        string // one of the Carrier codes
	TrackingNumber string // digits only for the three carriers
	UpdatedAt      time.Time
}

// Carriers (配送業者) a shop hands its parcels to.
const (
	CarrierYamato    = "yamato"    // ヤマト運輸
	CarrierSagawa    = "sagawa"    // 佐川急便
	CarrierJapanPost = "japanpost" // 日本郵便
	CarrierOther     = "other"     // その他
)
