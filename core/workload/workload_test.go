package workload

import (
	"fmt"
	"runtime"
	"testing"

	"metaglot/core/gemm"
)

// TestProtoStepLearns checks that workload B is a real training step: on a
// fixed episode the loss goes down, and a step allocates nothing. Three
// steps of 200 images take seconds under wasm, where it is skipped (core/nn
// checks allocations and correctness there on small batches).
func TestProtoStepLearns(t *testing.T) {
	if testing.Short() || runtime.GOARCH == "wasm" {
		t.Skip("trains for three 200-image steps")
	}
	pool := gemm.NewPool(0)
	defer pool.Close()
	w := NewProtoStep(pool, 1)
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	first := w.Last.Loss
	allocs := testing.AllocsPerRun(1, func() {
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per step, want 0", allocs)
	}
	if last := w.Last.Loss; !(last < first) {
		t.Errorf("loss %g after 2 more steps, was %g", last, first)
	}
}

func TestNew(t *testing.T) {
	for _, n := range Names() {
		w, err := New(n, nil, 1)
		if err != nil || w.Name() != n {
			t.Errorf("New(%q) = %v, %v", n, w, err)
		}
	}
	if _, err := New("C", nil, 1); err == nil {
		t.Error("New(\"C\"): no error")
	}
}

func benchmark(b *testing.B, name string, threads int) {
	pool := gemm.NewPool(threads)
	defer pool.Close()
	w, err := New(name, pool, 1)
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Run(); err != nil { // grow the buffers
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := w.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.Images())*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkWorkloadA(b *testing.B) {
	for _, th := range threadCounts() {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) { benchmark(b, "A", th) })
	}
}

func BenchmarkWorkloadB(b *testing.B) {
	for _, th := range threadCounts() {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) { benchmark(b, "B", th) })
	}
}

func threadCounts() []int {
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}
