//go:build !unix

package main

import "time"

// processCPU reports that the process's CPU time is not available here
// (under wasm, for one).
func processCPU() (time.Duration, bool) { return 0, false }
