package emulator

import (
	"errors"
	"time"
)

// Where a fault drops the connection.
const (
	DropBefore = "before" // before the request is applied: nothing changed
	DropAfter  = "after"  // after the state change (and idempotency record): the answer is lost
)

// Fault makes API calls fail, for tests of retries and recovery.
type Fault struct {
	// Operation limits the fault to one operation (e.g. "CompleteCheckoutSession");
	// empty means every API call.
	Operation string `json:"operation,omitempty"`
	// Latency delays the answer.
	Latency time.Duration `json:"latency,omitempty"`
	// Status answers 429, 500 or 503 instead of applying the request.
	Status int `json:"status,omitempty"`
	// Drop closes the connection: DropBefore or DropAfter.
	Drop string `json:"drop,omitempty"`
	// Times is how many matching calls the fault affects; 0 means until cleared.
	Times int `json:"times,omitempty"`
}

func (f Fault) validate() error {
	switch f.Status {
	case 0, 429, 500, 503:
	default:
		return errors.New("emulator: fault status must be 429, 500 or 503")
	}
	switch f.Drop {
	case "", DropBefore, DropAfter:
	default:
		return errors.New("emulator: fault drop must be before or after")
	}
	if f.Status != 0 && f.Drop != "" {
		return errors.New("emulator: a fault has a status or a drop, not both")
	}
	if f.Times < 0 || f.Latency < 0 {
		return errors.New("emulator: negative fault times or latency")
	}
	if _, ok := operationNames[f.Operation]; f.Operation != "" && !ok {
		return errors.New("emulator: unknown operation " + f.Operation)
	}
	return nil
}

var operationNames = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range routes {
		m[r.op] = true
	}
	return m
}()

// AddFault adds a fault switch. Faults apply in the order added; the first
// that matches an API call is used (and counted down).
func (e *Emulator) AddFault(f Fault) error {
	if err := f.validate(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, f)
	return nil
}

// ClearFaults removes every fault switch.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = nil
}

// Faults returns the fault switches in force.
func (e *Emulator) Faults() []Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Fault(nil), e.faults...)
}

func (e *Emulator) takeFault(op string) *Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.faults {
		f := e.faults[i]
		if f.Operation != "" && f.Operation != op {
			continue
		}
		if f.Times > 0 {
			e.faults[i].Times--
			if e.faults[i].Times == 0 {
				e.faults = append(e.faults[:i], e.faults[i+1:]...)
			}
		}
		return &f
	}
	return nil
}
