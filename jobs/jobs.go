// Package jobs is Kago's one scheduler (F-85: no cron to set up): named jobs
// with an interval, started and stopped with the process. Each run is
// claimed with a conditional UPDATE on the job's row, so two instances over
// one database never run the same job at once; the outcome of every run is
// logged and kept on the row for the admin page 定期処理.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"kago/store"
)

// Job is one periodic job.
type Job struct {
	Name  string        // stable key, e.g. "mail.deliver"
	Label string        // the merchant's name for it on 定期処理, e.g. 「メール送信」
	Every time.Duration // from the end of one run to the start of the next (whole seconds)
	// Timeout ends a run (its context's deadline); the claim's lease is a
	// minute longer, so a run that honours its context never outlives it.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// Run does the work and says how many things it handled (mails sent,
	// rows deleted...). It must stop when ctx ends and be safe to run again
	// after a crash half-way.
	Run func(ctx context.Context) (int, error)
}

// DefaultTimeout is a run's deadline when the job sets none.
const DefaultTimeout = 5 * time.Minute

// leaseMargin is how much longer a claim lasts than its run's deadline.
const leaseMargin = time.Minute

// Scheduler runs a fixed set of jobs.
type Scheduler struct {
	db    *store.DB
	log   *slog.Logger
	owner string
	jobs  map[string]Job
	names []string
	// Tick is how often the scheduler looks for due jobs (default 1 s).
	Tick time.Duration

	mu      sync.Mutex
	running map[string]bool
	wg      sync.WaitGroup
}

// New returns a scheduler for jobs over db. Its owner name (host, process
// and a random part) tells the instances apart in the claims.
func New(db *store.DB, log *slog.Logger, jobs ...Job) *Scheduler {
	host, _ := os.Hostname()
	s := &Scheduler{db: db, log: log, owner: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), randomPart()),
		jobs: map[string]Job{}, Tick: time.Second, running: map[string]bool{}}
	for _, j := range jobs {
		if j.Timeout == 0 {
			j.Timeout = DefaultTimeout
		}
		s.jobs[j.Name] = j
		s.names = append(s.names, j.Name)
	}
	return s
}

// Owner is this scheduler's name in the claims.
func (s *Scheduler) Owner() string { return s.owner }

// SetInstance names the claims after an instance that survives restarts
// (instance/pid/random), so that store.ReleaseInstanceClaims can give up
// the claims a dead run of the instance left. Call it before Run.
func (s *Scheduler) SetInstance(instance string) {
	s.owner = fmt.Sprintf("%s/%d/%s", instance, os.Getpid(), randomPart())
}

func randomPart() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Register writes the jobs into the database (new ones are due at once).
func (s *Scheduler) Register(ctx context.Context) error {
	for _, name := range s.names {
		j := s.jobs[name]
		if err := s.db.RegisterJob(ctx, j.Name, j.Label, j.Every); err != nil {
			return fmt.Errorf("jobs: register %s: %w", j.Name, err)
		}
	}
	return nil
}

// Run registers the jobs and runs them when due until ctx ends, then waits
// for the runs in progress (their contexts are cancelled) to record their
// outcome.
func (s *Scheduler) Run(ctx context.Context) error {
	if err := s.Register(ctx); err != nil {
		return err
	}
	t := time.NewTicker(s.Tick)
	defer t.Stop()
	for {
		s.startDue(ctx)
		select {
		case <-ctx.Done():
			s.wg.Wait()
			return nil
		case <-t.C:
		}
	}
}

// RunDue starts every job that is due now and waits until they finish.
func (s *Scheduler) RunDue(ctx context.Context) {
	s.startDue(ctx)
	s.wg.Wait()
}

// startDue claims each due job that this process is not already running
// and runs the ones it won, each in its own goroutine.
func (s *Scheduler) startDue(ctx context.Context) {
	due, err := s.db.DueJobs(ctx, s.db.Now())
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("jobs: due", "err", err)
		}
		return
	}
	for _, name := range due {
		j, ours := s.jobs[name]
		s.mu.Lock()
		busy := s.running[name]
		s.mu.Unlock()
		if !ours || busy {
			continue // another instance's job, or still running here
		}
		won, err := s.db.ClaimJob(ctx, name, s.owner, j.Timeout+leaseMargin)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("jobs: claim", "job", name, "err", err)
			}
			continue
		}
		if !won {
			continue
		}
		s.mu.Lock()
		s.running[name] = true
		s.mu.Unlock()
		s.wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.running, name)
				s.mu.Unlock()
			}()
			s.run(ctx, j)
		})
	}
}

// run runs one claimed job and records its outcome, whatever it was.
func (s *Scheduler) run(ctx context.Context, j Job) {
	start := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, j.Timeout)
	count, err := safeRun(runCtx, j)
	cancel()
	dur := time.Since(start)
	msg := ""
	switch {
	case err != nil && ctx.Err() != nil:
		msg = err.Error()
		s.log.Info("job stopped with the scheduler", "job", j.Name, "count", count, "dur_ms", dur.Milliseconds())
	case err != nil:
		msg = err.Error()
		s.log.Error("job failed", "job", j.Name, "count", count, "dur_ms", dur.Milliseconds(), "err", err)
	case count > 0:
		s.log.Info("job done", "job", j.Name, "count", count, "dur_ms", dur.Milliseconds())
	default:
		s.log.Debug("job done", "job", j.Name, "count", 0, "dur_ms", dur.Milliseconds())
	}
	if err := s.db.FinishJob(context.WithoutCancel(ctx), j.Name, s.owner, dur, count, msg); err != nil {
		s.log.Error("jobs: finish", "job", j.Name, "err", err)
	}
}

// safeRun turns a panic in a job into its error, so one bad run cannot stop
// the process or leave the job claimed.
func safeRun(ctx context.Context, j Job) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return j.Run(ctx)
}
