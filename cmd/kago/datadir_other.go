//go:build !unix

package main

// lockDataDir does nothing where flock(2) is missing: run one kago per
// data directory.
func lockDataDir(string) (func(), error) { return func() {}, nil }
