package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// load reads the state file, if it exists.
func (e *Emulator) load() error {
	data, err := os.ReadFile(e.opts.StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("emulator: state file: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(data, st); err != nil {
		return fmt.Errorf("emulator: state file %s: %w", e.opts.StateFile, err)
	}
	if st.Sessions == nil || st.Permissions == nil || st.Charges == nil || st.Refunds == nil || st.BuyerTokens == nil || st.Idempotency == nil {
		fresh := newState()
		if st.Sessions == nil {
			st.Sessions = fresh.Sessions
		}
		if st.Permissions == nil {
			st.Permissions = fresh.Permissions
		}
		if st.Charges == nil {
			st.Charges = fresh.Charges
		}
		if st.Refunds == nil {
			st.Refunds = fresh.Refunds
		}
		if st.BuyerTokens == nil {
			st.BuyerTokens = fresh.BuyerTokens
		}
		if st.Idempotency == nil {
			st.Idempotency = fresh.Idempotency
		}
	}
	e.st = st
	return nil
}

// saveLocked writes the state file atomically (temp file and rename).
func (e *Emulator) saveLocked() error {
	data, err := json.Marshal(e.st)
	if err != nil {
		return err
	}
	dir := filepath.Dir(e.opts.StateFile)
	tmp, err := os.CreateTemp(dir, ".amazonpay-emulator-*.json")
	if err != nil {
		return fmt.Errorf("emulator: state file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("emulator: state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("emulator: state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), e.opts.StateFile); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("emulator: state file: %w", err)
	}
	e.dirty = false
	return nil
}
