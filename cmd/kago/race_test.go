//go:build race

package main

// raceDetector: the test binary (and so each kago process the tests start
// from it) runs with the race detector, several times slower.
const raceDetector = true
