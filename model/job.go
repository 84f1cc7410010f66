package model

import "time"

// Job is one named periodic job of the scheduler (package jobs) as the
// database keeps it: when it runs next, who holds it now, and how its last
// run went. Times are UTC; a zero time means "never".
type Job struct {
	Name         string        // stable key, e.g. "mail.deliver"
	Label        string        // the merchant's name for it, e.g. 「メール送信」
	Every        time.Duration // from the end of one run to the start of the next
	NextRunAt    time.Time
	ClaimedBy    string    // the instance running it now; "" when idle
	ClaimedUntil time.Time // the claim's lease: after it another instance may run the job
	LastStarted  time.Time
	LastFinished time.Time
	LastDuration time.Duration
	LastCount    int    // how many things the last run handled (mails sent, rows deleted...)
	LastError    string // "" when the last run succeeded
	Runs         int    // runs finished
	Failures     int    // failed runs in a row
}
