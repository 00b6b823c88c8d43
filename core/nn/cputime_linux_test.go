package nn

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// threadCPU returns the CPU time of the calling OS thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuLoop runs f in b.Loop on one locked OS thread and reports the
// thread's CPU time per call as cpu-ns/op: on a shared machine, wall time
// includes the time other processes held the core.
func cpuLoop(b *testing.B, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu time.Duration
	var calls int
	for b.Loop() {
		t := threadCPU()
		f()
		cpu += threadCPU() - t
		calls++
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(calls), "cpu-ns/op")
}
