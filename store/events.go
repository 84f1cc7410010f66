package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"kago/model"
)

// Order events: every change of an order or its payment as typed data
// (model.Event), written in the transaction of the change.

const eventColumns = `id, order_id, at, kind, actor_kind, actor_name, operation, result, object_id, request_id, operation_id,
	amount, from_state, to_state, reason_code, items`

// AddEvent records an event of an order and fills in its ID and time (the
// transaction's).
func (tx *Tx) AddEvent(e *model.Event) error {
	id, err := tx.nextID("order_events")
	if err != nil {
		return err
	}
	e.ID, e.At = id, tx.now
	items := ""
	if len(e.Items) > 0 {
		b, err := json.Marshal(e.Items)
		if err != nil {
			return err
		}
		items = string(b)
	}
	_, err = tx.exec(`INSERT INTO order_events (`+eventColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.OrderID, unix(e.At), e.Kind, e.Actor.Kind, e.Actor.Name, e.Operation, e.Result, e.ObjectID, e.RequestID,
		nullID(e.OperationID), e.Amount, e.From, e.To, e.ReasonCode, items)
	return err
}

// Events lists an order's events, oldest first.
func (db *DB) Events(ctx context.Context, orderID int64) ([]model.Event, error) {
	return list(db.reads(ctx), scanEvent, `SELECT `+eventColumns+` FROM order_events WHERE order_id = ? ORDER BY id`, orderID)
}

func scanEvent(s scanner) (model.Event, error) {
	var e model.Event
	var at int64
	var op sql.NullInt64
	var items string
	err := s.Scan(&e.ID, &e.OrderID, &at, &e.Kind, &e.Actor.Kind, &e.Actor.Name, &e.Operation, &e.Result, &e.ObjectID,
		&e.RequestID, &op, &e.Amount, &e.From, &e.To, &e.ReasonCode, &items)
	if err != nil {
		return e, mapErr(err)
	}
	e.At, e.OperationID = fromUnix(at), op.Int64
	if items != "" {
		err = json.Unmarshal([]byte(items), &e.Items)
	}
	return e, err
}
