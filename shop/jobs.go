package shop

import (
	"context"

	"kago/model"
)

// JobStatus is a scheduler job as 定期処理 shows it.
type JobStatus struct {
	model.Job
	Running bool // an instance holds a live claim on it now
	Due     bool // waiting for the next scheduler pass (within a second)
}

// Jobs lists the scheduler's jobs with their last outcome (定期処理).
func (s *Shop) Jobs(ctx context.Context) ([]JobStatus, error) {
	list, err := s.db.Jobs(ctx)
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	out := make([]JobStatus, len(list))
	for i, j := range list {
		running := j.ClaimedBy != "" && j.ClaimedUntil.After(now)
		out[i] = JobStatus{Job: j, Running: running, Due: !running && !j.NextRunAt.After(now)}
	}
	return out, nil
}

// RunJobNow makes a job due at once (「今すぐ実行」); the scheduler of some
// instance runs it within a second. ErrNotFound for an unknown name.
func (s *Shop) RunJobNow(ctx context.Context, name string) error { return s.db.RunJobNow(ctx, name) }
