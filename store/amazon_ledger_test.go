package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"kago/migrations"
	"kago/model"
	"kago/store"
)

// addAmazonOrder writes an order with a charge permission and one charge.
func addAmazonOrder(t testing.TB, db *store.DB) (store.Order, model.ChargePermission) {
	t.Helper()
	o := store.Order{CheckoutID: "c-" + time.Now().Format("150405.000000000"), Status: store.OrderNew, PaymentMethod: "amazonpay",
		PaymentStatus: "Authorized", Email: "a@example.jp", DeliveryMethod: "takkyubin", Subtotal: 1080, Total: 1080,
		Lines: []store.OrderLine{{ProductID: 1, Name: "煎茶", UnitPrice: 1080, TaxRate: 8, Quantity: 1}}}
	perm := model.ChargePermission{ID: "S03-1234567-7654321", State: model.StateChargeable, AmountLimit: 1080, AmountBalance: 1080}
	err := db.WithTx(context.Background(), func(tx *store.Tx) error {
		if err := tx.InsertOrder(&o, "お客様"); err != nil {
			return err
		}
		perm.OrderID = o.ID
		if err := tx.SavePermission(perm); err != nil {
			return err
		}
		return tx.SaveCharge(model.Charge{ID: perm.ID + "-C000001", PermissionID: perm.ID, OrderID: o.ID, State: model.StateAuthorized, Amount: 1080})
	})
	if err != nil {
		t.Fatal(err)
	}
	return o, perm
}

func TestLedgerSavesAsAmazonReportedAndReadsBack(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	o, perm := addAmazonOrder(t, db)
	fetched := time.Date(2026, 4, 1, 3, 4, 5, 0, time.UTC)
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		perm.State, perm.ReasonCode, perm.AmountBalance, perm.FetchedAt = model.StateClosed, "MerchantClosed", 0, fetched
		perm.ExpiresAt, perm.DeadlineKind = fetched.Add(180*24*time.Hour), ""
		if err := tx.SavePermission(perm); err != nil {
			return err
		}
		ch := model.Charge{ID: perm.ID + "-C000001", PermissionID: perm.ID, OrderID: o.ID, State: model.StateCaptured, Amount: 1080, Captured: 1080, FetchedAt: fetched}
		if err := tx.SaveCharge(ch); err != nil {
			return err
		}
		return tx.SaveRefund(model.Refund{ID: perm.ID + "-R000001", ChargeID: ch.ID, OrderID: o.ID, State: model.StateRefundInitiated, Amount: 100})
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := db.Ledger(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := l.Permission
	if p.State != model.StateClosed || p.ReasonCode != "MerchantClosed" || !p.FetchedAt.Equal(fetched) || p.AmountLimit != 1080 || !p.ExpiresAt.Equal(fetched.Add(180*24*time.Hour)) {
		t.Fatalf("permission %+v", p)
	}
	if len(l.Charges) != 1 || l.Charges[0].State != model.StateCaptured || l.Charges[0].Captured != 1080 || !l.Charges[0].ExpiresAt.IsZero() {
		t.Fatalf("charges %+v", l.Charges)
	}
	if len(l.Refunds) != 1 || l.Refunds[0].Amount != 100 || !l.Refunds[0].FetchedAt.IsZero() {
		t.Fatalf("refunds %+v", l.Refunds)
	}
	if _, err := db.Ledger(ctx, o.ID+1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no ledger: %v", err)
	}
}

// TestClaimPaymentOnlyOneWins: of concurrent claims at one version exactly
// one wins; a claim with an old version (a stale page) never does.
func TestClaimPaymentOnlyOneWins(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	o, _ := addAmazonOrder(t, db)
	var mu sync.Mutex
	won := 0
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			err := db.WithTx(ctx, func(tx *store.Tx) error {
				ok, err := tx.ClaimPayment(o.ID, 0, int64(i+1))
				if ok {
					mu.Lock()
					won++
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d claims won", won)
	}
	l, _ := db.Ledger(ctx, o.ID)
	holder := l.Permission.BusyOperation
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		if err := tx.ReleasePayment(o.ID, holder); err != nil {
			return err
		}
		if ok, err := tx.ClaimPayment(o.ID, 0, 99); ok || err != nil {
			t.Errorf("a claim at the old version won (%v)", err)
		}
		ok, err := tx.ClaimPayment(o.ID, 1, 100)
		if !ok {
			t.Error("a claim at the new version lost")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOperationsAndEvents(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	o, perm := addAmazonOrder(t, db)
	op := model.Operation{OrderID: o.ID, Kind: model.OpCapture, TargetID: perm.ID + "-C000001", Amount: 1080, State: model.OpRequested,
		Actor: model.Actor{Kind: model.ActorAdmin, Name: "admin@example.com"}}
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		seq, err := tx.NextOperationSeq(o.ID, model.OpCapture)
		if err != nil || seq != 1 {
			t.Errorf("first seq %d, %v", seq, err)
		}
		op.Seq, op.IdempotencyKey = seq, "key-1"
		if err := tx.InsertOperation(&op); err != nil {
			return err
		}
		if seq, _ := tx.NextOperationSeq(o.ID, model.OpCapture); seq != 2 {
			t.Errorf("next seq %d", seq)
		}
		op.State, op.HTTPStatus, op.Duration, op.FinishedAt = model.OpSucceeded, 200, 42*time.Millisecond, tx.Now()
		if err := tx.FinishOperation(op); err != nil {
			return err
		}
		return tx.AddEvent(&model.Event{OrderID: o.ID, Kind: model.EventStockReturned, Actor: op.Actor, OperationID: op.ID,
			Items: []model.EventItem{{Name: "煎茶", Quantity: 1}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := db.Ledger(ctx, o.ID)
	if len(l.Operations) != 1 || l.Operations[0].State != model.OpSucceeded || l.Operations[0].Duration != 42*time.Millisecond || l.Operations[0].Actor.Name != "admin@example.com" {
		t.Fatalf("operations %+v", l.Operations)
	}
	events, err := db.Events(ctx, o.ID)
	if err != nil || len(events) != 1 || events[0].OperationID != op.ID || len(events[0].Items) != 1 || events[0].Items[0].Name != "煎茶" {
		t.Fatalf("events %+v %v", events, err)
	}
	// A second operation of the same kind and sequence is refused.
	err = db.WithTx(ctx, func(tx *store.Tx) error {
		dup := op
		return tx.InsertOperation(&dup)
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate sequence: %v", err)
	}
	err = db.WithTx(ctx, func(tx *store.Tx) error {
		first, err := tx.ClaimStockReturn(o.ID)
		if err != nil {
			return err
		}
		second, err := tx.ClaimStockReturn(o.ID)
		if !first || second {
			t.Errorf("stock return claimed %v then %v", first, second)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLedgerMigratesExistingAmazonPayments applies the migrations up to the
// one before the ledger, writes an Amazon Pay order the old way, and opens
// the store: the order's permission and charge are in the ledger, marked as
// never read from Amazon. SQLite only: it builds the old schema through
// goose's SQLite dialect; the migration's SQL is the same on PostgreSQL.
func TestLedgerMigratesExistingAmazonPayments(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kago.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, migrations.FS, goose.WithAllowOutofOrder(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO orders (id, number, checkout_id, status, payment_method, payment_status, email, buyer, destination, buyer_name,
			delivery_method, subtotal, shipping_fee, cod_fee, total, created_at, updated_at)
			VALUES (1, 100001, 'c1', 'new', 'amazonpay', 'Authorized', 'a@example.jp', '{}', '{}', '', 'takkyubin', 1080, 0, 0, 1080, 1, 1),
			(2, 100002, 'c2', 'failed', 'amazonpay', 'failed', 'a@example.jp', '{}', '{}', '', 'takkyubin', 1080, 0, 0, 1080, 1, 1)`,
		`INSERT INTO amazon_payments (order_id, checkout_session_id, state, sale_method, product_type, charge_permission_id, charge_id,
			amazon_state, amount, instrument, snapshot, created_at, updated_at)
			VALUES (1, 's1', 'done', 'Authorize', 'PayAndShip', 'S03-1111111-2222222', 'S03-1111111-2222222-C000001', 'Authorized', 1080, 'Visa ****1111', '{}', 1, 7),
			(2, 's2', 'failed', 'Authorize', 'PayAndShip', '', '', 'Declined', 1080, '', '{}', 1, 7)`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := db.Ledger(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if l.Permission.ID != "S03-1111111-2222222" || l.Permission.State != "" || !l.Permission.FetchedAt.IsZero() || l.Permission.PaymentDescriptor != "Visa ****1111" {
		t.Fatalf("permission %+v", l.Permission)
	}
	if len(l.Charges) != 1 || l.Charges[0].State != model.StateAuthorized || l.Charges[0].Amount != 1080 || !l.Charges[0].FetchedAt.IsZero() {
		t.Fatalf("charges %+v", l.Charges)
	}
	if _, err := db.Ledger(ctx, 2); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed payment got a ledger: %v", err)
	}
	// The failed order's stock went back when it failed.
	err = db.WithTx(ctx, func(tx *store.Tx) error {
		again, err := tx.ClaimStockReturn(2)
		if again {
			t.Error("the failed order's stock could be returned again")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
