//go:build js

package main

import (
	"syscall/js"
	"time"
)

// processCPU returns the CPU time (user + system) the process has used so
// far, and true, under node (process.cpuUsage, in microseconds); in a
// browser, which has no such clock, it reports false.
func processCPU() (time.Duration, bool) {
	p := js.Global().Get("process")
	if p.Type() != js.TypeObject {
		return 0, false
	}
	f := p.Get("cpuUsage")
	if f.Type() != js.TypeFunction {
		return 0, false
	}
	u := p.Call("cpuUsage")
	us := u.Get("user").Float() + u.Get("system").Float()
	return time.Duration(us * float64(time.Microsecond)), true
}
