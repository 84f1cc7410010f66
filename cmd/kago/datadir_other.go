//go:build !unix

package main

// lockFile does nothing where flock(2) is missing: run one kago per data
// directory and per SQLite file.
func lockFile(string, error) (func(), error) { return func() {}, nil }
