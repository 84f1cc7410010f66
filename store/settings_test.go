package store

import (
	"context"
	"errors"
	"kago/store/storetest"
	"testing"
	"time"
)

func putSetting(t *testing.T, db *DB, key, value string) {
	t.Helper()
	if err := db.WithTx(context.Background(), func(tx *Tx) error { return tx.PutSettings(map[string]string{key: value}) }); err != nil {
		t.Fatal(err)
	}
}

// The settings are read once and kept; a save through this process shows
// at once, and the version changes only when a value did.
func TestSettingsCacheSeesSaves(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	putSetting(t, db, "shop_name", "かご屋")
	a, err := db.CurrentSettings(ctx)
	if err != nil || a.Values["shop_name"] != "かご屋" {
		t.Fatalf("first read: %v %v", a, err)
	}
	if b, _ := db.CurrentSettings(ctx); b != a {
		t.Fatal("a second read did not come from the cache")
	}
	putSetting(t, db, "shop_name", "茶の店")
	b, err := db.CurrentSettings(ctx)
	if err != nil || b.Values["shop_name"] != "茶の店" || b.Version == a.Version {
		t.Fatalf("after a save: %v (version %d, was %d) %v", b.Values, b.Version, a.Version, err)
	}
	putSetting(t, db, "shop_name", "茶の店") // the same value again
	if c, _ := db.CurrentSettings(ctx); c.Version != b.Version {
		t.Fatalf("an unchanged value changed the version: %d, was %d", c.Version, b.Version)
	}
	// A failed transaction changes nothing, and a caller's map is its own.
	boom := errors.New("boom")
	if err := db.WithTx(ctx, func(tx *Tx) error {
		_ = tx.PutSettings(map[string]string{"shop_name": "rolled back"})
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	kv, _ := db.Settings(ctx)
	kv["shop_name"] = "changed by a caller"
	if c, _ := db.CurrentSettings(ctx); c.Values["shop_name"] != "茶の店" {
		t.Fatalf("settings are %q", c.Values["shop_name"])
	}
}

// A save by another process on the same file shows once the cache's time
// is up.
func TestSettingsCacheSeesOtherProcesses(t *testing.T) {
	path := storetest.URL(t)
	ctx := context.Background()
	a, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	putSetting(t, a, "shop_name", "かご屋")
	if s, _ := a.CurrentSettings(ctx); s.Values["shop_name"] != "かご屋" {
		t.Fatal(s.Values)
	}
	putSetting(t, b, "shop_name", "茶の店")
	if s, _ := a.CurrentSettings(ctx); s.Values["shop_name"] != "かご屋" {
		t.Fatalf("within its time the cache answers: %q", s.Values["shop_name"])
	}
	a.settings.fresh.Store(&freshSettings{snap: a.settings.last(), until: time.Now()}) // the time is up
	if s, _ := a.CurrentSettings(ctx); s.Values["shop_name"] != "茶の店" {
		t.Fatalf("after its time: %q", s.Values["shop_name"])
	}
}
