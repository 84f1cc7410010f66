package shop

import (
	"context"
	"errors"

	"kago/model"
	"kago/store"
)

// The recorder is the one way an order or its payment changes state: in one
// writer transaction it writes the new state, a typed event (kind, actor,
// amount, Amazon's object and request IDs) and, for an Amazon Pay payment,
// the operation's history row, then derives what the lists show (payment
// status, deadline) from the ledger. Amazon's answers are stored as Amazon
// gave them; nothing stores prose (views render events into Japanese).

// Actors of changes made by the shop itself.
var (
	actorCustomer = model.Actor{Kind: model.ActorCustomer}
	actorSystem   = model.Actor{Kind: model.ActorSystem}
)

// AdminActor is the signed-in admin, by login name.
func AdminActor(name string) model.Actor { return model.Actor{Kind: model.ActorAdmin, Name: name} }

// recorder collects one change of one order inside a transaction.
type recorder struct {
	tx      *store.Tx
	orderID int64
	actor   model.Actor
	// payment is set once the payment changed: the derived status and
	// deadline are written and the operation's claim released at the end.
	payment bool
	claim   int64 // the operation whose claim ends with this change
}

// record runs fn over a recorder in one writer transaction for an order.
// The change survives the caller's cancellation: Amazon's answer, once
// received, is always recorded.
func (d *deps) record(ctx context.Context, orderID int64, actor model.Actor, fn func(r *recorder) error) error {
	return d.db.WithTx(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		r := &recorder{tx: tx, orderID: orderID, actor: actor}
		if err := fn(r); err != nil {
			return err
		}
		return r.finish()
	})
}

// event writes an event of the order by the recorder's actor (unless the
// event names its own).
func (r *recorder) event(e model.Event) error {
	e.OrderID = r.orderID
	if e.Actor.Kind == "" {
		e.Actor = r.actor
	}
	return r.tx.AddEvent(&e)
}

// orderStatus moves the order from its status to another; ErrConflict when
// it is no longer in the status read. items are the lines whose stock went
// back with the change, if any.
func (r *recorder) orderStatus(o store.Order, to string, items []model.EventItem) error {
	if err := r.tx.SetOrderStatus(o.ID, o.Status, to); err != nil {
		return err
	}
	return r.event(model.Event{Kind: model.EventOrderStatus, From: o.Status, To: to, Items: items})
}

// paymentCheck records 入金チェック: the payment status moves from → to.
func (r *recorder) paymentCheck(o store.Order, from, to string) error {
	if err := r.tx.SetPaymentStatus(o.ID, to); err != nil {
		return err
	}
	return r.event(model.Event{Kind: model.EventPaymentCheck, From: from, To: to})
}

// returnStock puts every line of the order back in stock, once per order:
// it returns the lines it put back, or none when the stock had gone back
// already.
func (r *recorder) returnStock(o store.Order) ([]model.EventItem, error) {
	first, err := r.tx.ClaimStockReturn(o.ID)
	if err != nil || !first {
		return nil, err
	}
	items := make([]model.EventItem, 0, len(o.Lines))
	for _, l := range o.Lines {
		if err := r.tx.ReturnStock(l.ProductID, l.Quantity); err != nil {
			return nil, err
		}
		items = append(items, model.EventItem{Name: l.Name, Quantity: l.Quantity})
	}
	return items, nil
}

// amazonObjects are Amazon objects as Amazon just reported them.
type amazonObjects struct {
	permission *model.ChargePermission
	charges    []model.Charge
	refunds    []model.Refund
}

func (a *amazonObjects) add(b amazonObjects) {
	if b.permission != nil {
		a.permission = b.permission
	}
	a.charges = append(a.charges, b.charges...)
	a.refunds = append(a.refunds, b.refunds...)
}

// saveAmazon stores objects as Amazon reported them and writes an event for
// each one that is new or changed state; cause is the operation that read
// them.
func (r *recorder) saveAmazon(objs amazonObjects, cause model.Operation) error {
	l, err := r.tx.Ledger(r.orderID)
	if err != nil && !errors.Is(err, store.ErrNotFound) { // not found: the completion starts the ledger
		return err
	}
	r.payment = true
	changed := func(id, from, fromReason, to, toReason string, amount int64) error {
		if from == to && fromReason == toReason {
			return nil
		}
		return r.event(model.Event{Kind: model.EventAmazonState, Operation: cause.Kind, OperationID: cause.ID, ObjectID: id,
			From: from, To: to, ReasonCode: toReason, Amount: amount})
	}
	if p := objs.permission; p != nil {
		old := l.Permission
		p.OrderID, p.DeadlineAt, p.DeadlineKind = r.orderID, old.DeadlineAt, old.DeadlineKind
		if err := r.tx.SavePermission(*p); err != nil {
			return err
		}
		if err := changed(p.ID, old.State, old.ReasonCode, p.State, p.ReasonCode, p.AmountBalance); err != nil {
			return err
		}
	}
	for _, c := range objs.charges {
		var old model.Charge
		for _, x := range l.Charges {
			if x.ID == c.ID {
				old = x
			}
		}
		c.OrderID = r.orderID
		if err := r.tx.SaveCharge(c); err != nil {
			return err
		}
		amount := c.Amount
		if c.State == model.StateCaptured || c.State == model.StateCaptureInitiated {
			amount = c.Captured
		}
		if err := changed(c.ID, old.State, old.ReasonCode, c.State, c.ReasonCode, amount); err != nil {
			return err
		}
	}
	for _, f := range objs.refunds {
		var old model.Refund
		for _, x := range l.Refunds {
			if x.ID == f.ID {
				old = x
			}
		}
		f.OrderID = r.orderID
		if err := r.tx.SaveRefund(f); err != nil {
			return err
		}
		if err := changed(f.ID, old.State, old.ReasonCode, f.State, f.ReasonCode, f.Amount); err != nil {
			return err
		}
	}
	return nil
}

// finishOperation records an operation's outcome (its history row, F-44)
// and the event that says it, by the recorder's actor (who asked for it,
// or who settled an unknown outcome).
func (r *recorder) finishOperation(op model.Operation) error {
	r.payment = true
	op.FinishedAt = r.tx.Now()
	if err := r.tx.FinishOperation(op); err != nil {
		return err
	}
	object := op.ResultID
	if object == "" {
		object = op.TargetID
	}
	return r.event(model.Event{Kind: model.EventAmazonOperation, Operation: op.Kind, Result: op.State,
		OperationID: op.ID, ObjectID: object, RequestID: op.RequestID, Amount: op.Amount, ReasonCode: op.ReasonCode})
}

// finish derives, after a payment change, what the lists show from the
// ledger (the order's payment status and the deadline that matters), ends
// the operation's claim and moves the payment to its next version.
func (r *recorder) finish() error {
	if !r.payment {
		return nil
	}
	l, err := r.tx.Ledger(r.orderID)
	if err != nil {
		return err
	}
	o, err := r.tx.Order(r.orderID)
	if err != nil {
		return err
	}
	if code := paymentStatusCode(l); code != o.PaymentStatus {
		if err := r.tx.SetPaymentStatus(o.ID, code); err != nil {
			return err
		}
	}
	d := PaymentDeadline(l, o.Total)
	if p := l.Permission; !p.DeadlineAt.Equal(d.At) || p.DeadlineKind != d.Kind {
		p.DeadlineAt, p.DeadlineKind = d.At, d.Kind
		if err := r.tx.SavePermission(p); err != nil {
			return err
		}
	}
	return r.tx.ReleasePayment(r.orderID, r.claim)
}
