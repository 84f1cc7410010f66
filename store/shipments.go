package store

import (
	"context"

	"kago/model"
)

// Shipment is model.Shipment, the parcel of an order.
type Shipment = model.Shipment

// PutShipment stores or replaces an order's carrier and tracking number.
func (tx *Tx) PutShipment(s Shipment) error {
	_, err := tx.exec(`INSERT INTO shipments (order_id, carrier, tracking_number, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (order_id) DO UPDATE SET carrier = excluded.carrier, tracking_number = excluded.tracking_number, updated_at = excluded.updated_at`,
		s.OrderID, s.Carrier, s.TrackingNumber, unix(tx.now))
	return err
}

// Shipment reads an order's parcel inside the writer; ErrNotFound when the
// order has none yet.
func (tx *Tx) Shipment(orderID int64) (Shipment, error) {
	return scanShipment(tx.queryRow(`SELECT order_id, carrier, tracking_number, updated_at FROM shipments WHERE order_id = ?`, orderID))
}

// Shipment reads an order's parcel; ErrNotFound when it has none yet.
func (db *DB) Shipment(ctx context.Context, orderID int64) (Shipment, error) {
	return scanShipment(db.queryRow(ctx, `SELECT order_id, carrier, tracking_number, updated_at FROM shipments WHERE order_id = ?`, orderID))
}

func scanShipment(s scanner) (Shipment, error) {
	var sh Shipment
	var updated int64
	err := s.Scan(&sh.OrderID, &sh.Carrier, &sh.TrackingNumber, &updated)
	sh.UpdatedAt = fromUnix(updated)
	return sh, mapErr(err)
}
