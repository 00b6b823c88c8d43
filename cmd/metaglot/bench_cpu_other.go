//go:build !unix && !js

package main

import "time"

// processCPU reports that the process's CPU time is not available here
// (on Windows, for one).
func processCPU() (time.Duration, bool) { return 0, false }
