//go:build !linux

package nn

import "testing"

// cpuLoop runs f in b.Loop (no thread CPU time on this platform).
func cpuLoop(b *testing.B, f func()) {
	for b.Loop() {
		f()
	}
}
