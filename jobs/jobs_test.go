package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kago/jobs"
	"kago/model"
	"kago/store"
	"kago/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func open(t *testing.T) (*store.DB, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)}
	db, err := store.Open(context.Background(), storetest.URL(t), clk.now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, clk
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func job(t *testing.T, db *store.DB, name string) model.Job {
	t.Helper()
	all, err := db.Jobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range all {
		if j.Name == name {
			return j
		}
	}
	t.Fatalf("job %s is not registered", name)
	return model.Job{}
}

// TestTwoInstancesNeverRunAJobTwice: two schedulers over one database (two
// instances of the shop) look for due work at the same moments; each due
// run happens once.
func TestTwoInstancesNeverRunAJobTwice(t *testing.T) {
	db, clk := open(t)
	ctx := context.Background()
	var runs, inside, overlap atomic.Int64
	work := jobs.Job{Name: "work", Label: "テスト", Every: time.Minute, Run: func(context.Context) (int, error) {
		if inside.Add(1) > 1 {
			overlap.Add(1)
		}
		time.Sleep(20 * time.Millisecond)
		inside.Add(-1)
		runs.Add(1)
		return 1, nil
	}}
	a, b := jobs.New(db, quiet, work), jobs.New(db, quiet, work)
	if err := a.Register(ctx); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		var wg sync.WaitGroup
		wg.Go(func() { a.RunDue(ctx) })
		wg.Go(func() { b.RunDue(ctx) })
		wg.Wait()
		if got := runs.Load(); got != int64(round+1) {
			t.Fatalf("round %d: %d runs, want %d", round, got, round+1)
		}
		clk.add(time.Minute)
	}
	if overlap.Load() != 0 {
		t.Fatalf("%d runs overlapped", overlap.Load())
	}
	if j := job(t, db, "work"); j.Runs != 20 || j.LastCount != 1 || j.ClaimedBy != "" || j.LastError != "" {
		t.Fatalf("job row %+v", j)
	}
}

// TestNextRunCountsFromTheEndOfARun: not due again before the interval has
// passed since the run finished.
func TestNextRunCountsFromTheEndOfARun(t *testing.T) {
	db, clk := open(t)
	ctx := context.Background()
	var runs atomic.Int64
	s := jobs.New(db, quiet, jobs.Job{Name: "tick", Label: "テスト", Every: 10 * time.Minute, Run: func(context.Context) (int, error) {
		runs.Add(1)
		clk.add(2 * time.Minute) // the run itself takes two minutes
		return 0, nil
	}})
	if err := s.Register(ctx); err != nil {
		t.Fatal(err)
	}
	s.RunDue(ctx)
	clk.add(10*time.Minute - time.Second)
	s.RunDue(ctx)
	if runs.Load() != 1 {
		t.Fatalf("%d runs before the interval passed", runs.Load())
	}
	j := job(t, db, "tick")
	if !j.NextRunAt.Equal(j.LastFinished.Add(10*time.Minute)) || j.LastFinished.Sub(j.LastStarted) != 2*time.Minute {
		t.Fatalf("schedule %+v", j)
	}
	clk.add(time.Second)
	s.RunDue(ctx)
	if runs.Load() != 2 {
		t.Fatalf("%d runs after the interval, want 2", runs.Load())
	}
}

// TestFailuresAndPanicsAreRecorded: the page shows the last error and how
// many runs failed in a row; a success clears them; a panic is an error.
func TestFailuresAndPanicsAreRecorded(t *testing.T) {
	db, clk := open(t)
	ctx := context.Background()
	var mode atomic.Int64
	s := jobs.New(db, quiet, jobs.Job{Name: "flaky", Label: "テスト", Every: time.Minute, Run: func(context.Context) (int, error) {
		switch mode.Load() {
		case 0:
			return 0, errors.New("smtp: connection refused")
		case 1:
			panic("nil map")
		}
		return 3, nil
	}})
	if err := s.Register(ctx); err != nil {
		t.Fatal(err)
	}
	s.RunDue(ctx)
	if j := job(t, db, "flaky"); j.LastError != "smtp: connection refused" || j.Failures != 1 {
		t.Fatalf("after a failure %+v", j)
	}
	mode.Store(1)
	clk.add(time.Minute)
	s.RunDue(ctx)
	if j := job(t, db, "flaky"); j.LastError != "panic: nil map" || j.Failures != 2 || j.ClaimedBy != "" {
		t.Fatalf("after a panic %+v", j)
	}
	mode.Store(2)
	clk.add(time.Minute)
	s.RunDue(ctx)
	if j := job(t, db, "flaky"); j.LastError != "" || j.Failures != 0 || j.LastCount != 3 || j.Runs != 3 {
		t.Fatalf("after a success %+v", j)
	}
}

// TestDeadInstanceClaimLapses: a claim left by an instance that died holds
// the job until its lease passes, then another instance runs it.
func TestDeadInstanceClaimLapses(t *testing.T) {
	db, clk := open(t)
	ctx := context.Background()
	var runs atomic.Int64
	s := jobs.New(db, quiet, jobs.Job{Name: "mail", Label: "テスト", Every: 15 * time.Second, Timeout: time.Minute,
		Run: func(context.Context) (int, error) { runs.Add(1); return 0, nil }})
	if err := s.Register(ctx); err != nil {
		t.Fatal(err)
	}
	if won, err := db.ClaimJob(ctx, "mail", "dead-instance", 2*time.Minute); err != nil || !won {
		t.Fatalf("claim as the dead instance: %v %v", won, err)
	}
	clk.add(2*time.Minute - time.Second)
	s.RunDue(ctx)
	if runs.Load() != 0 {
		t.Fatal("ran a job another instance holds")
	}
	clk.add(time.Second)
	s.RunDue(ctx)
	if runs.Load() != 1 {
		t.Fatal("the lapsed claim was not taken over")
	}
	// The dead instance coming back cannot record over the new run.
	if err := db.FinishJob(ctx, "mail", "dead-instance", time.Hour, 99, "late"); err != nil {
		t.Fatal(err)
	}
	if j := job(t, db, "mail"); j.LastCount == 99 || j.LastError != "" {
		t.Fatalf("a lost claim recorded its run: %+v", j)
	}
}

// TestRunStopsWithItsContext: stopping the process cancels the runs in
// progress and waits for them to record their outcome.
func TestRunStopsWithItsContext(t *testing.T) {
	db, _ := open(t)
	started := make(chan struct{})
	s := jobs.New(db, quiet, jobs.Job{Name: "long", Label: "テスト", Every: time.Hour, Run: func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, ctx.Err()
	}})
	s.Tick = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if j := job(t, db, "long"); j.ClaimedBy != "" || j.LastError != context.Canceled.Error() || j.Runs != 1 {
		t.Fatalf("after stop %+v", j)
	}
}

func TestRunJobNow(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	var runs atomic.Int64
	s := jobs.New(db, quiet, jobs.Job{Name: "cleanup", Label: "テスト", Every: time.Hour, Run: func(context.Context) (int, error) {
		runs.Add(1)
		return 0, nil
	}})
	if err := s.Register(ctx); err != nil {
		t.Fatal(err)
	}
	s.RunDue(ctx)
	s.RunDue(ctx)
	if err := db.RunJobNow(ctx, "cleanup"); err != nil {
		t.Fatal(err)
	}
	s.RunDue(ctx)
	if runs.Load() != 2 {
		t.Fatalf("%d runs, want 2 (the first and the one asked for)", runs.Load())
	}
	if err := db.RunJobNow(ctx, "no-such-job"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
}
