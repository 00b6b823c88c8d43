//go:build js

package main

import (
	"syscall/js"
	"time"
)

// processCPU returns the CPU time (user + system) the process has used so
// far, and true: under node from process.cpuUsage (microseconds); in a
// page, which has no CPU clock, from a function metaglotCPU that the
// benchmark harness may expose (bench/peers/browser.mjs: a promise of the
// milliseconds of CPU time the browser's processes have used, read from
// /proc by the harness). Without either it reports false.
func processCPU() (time.Duration, bool) {
	if p := js.Global().Get("process"); p.Type() == js.TypeObject {
		if f := p.Get("cpuUsage"); f.Type() == js.TypeFunction {
			u := p.Call("cpuUsage")
			us := u.Get("user").Float() + u.Get("system").Float()
			return time.Duration(us * float64(time.Microsecond)), true
		}
	}
	f := js.Global().Get("metaglotCPU")
	if f.Type() != js.TypeFunction {
		return 0, false
	}
	// Wait for the promise: the Go scheduler lets the page's event loop
	// run (and the harness answer) meanwhile.
	got := make(chan float64, 1)
	var then, fail js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		got <- args[0].Float()
		return nil
	})
	fail = js.FuncOf(func(_ js.Value, _ []js.Value) any {
		got <- -1
		return nil
	})
	defer then.Release()
	defer fail.Release()
	f.Invoke().Call("then", then, fail)
	ms := <-got
	if ms < 0 {
		return 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), true
}
