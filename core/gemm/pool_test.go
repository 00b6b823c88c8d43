package gemm

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

// forRecorder records the ranges a For call hands out; its method value is
// bound once, as the For documentation asks.
type forRecorder struct {
	hits    []int32 // hits[i] counts how often index i was covered
	workers []int32 // workers[w] counts calls on worker w
	body    func(worker, lo, hi int)
}

func newForRecorder(n, threads int) *forRecorder {
	r := &forRecorder{hits: make([]int32, n), workers: make([]int32, threads)}
	r.body = r.record
	return r
}

func (r *forRecorder) record(worker, lo, hi int) {
	atomic.AddInt32(&r.workers[worker], 1)
	for i := lo; i < hi; i++ {
		atomic.AddInt32(&r.hits[i], 1)
	}
}

// TestPoolFor checks that For covers [0, n) exactly once, with at most one
// range per worker, for n below, at and above the thread count.
func TestPoolFor(t *testing.T) {
	p := NewPool(3)
	defer p.Close()
	if p.Threads() != 3 {
		t.Fatalf("Threads() = %d, want 3", p.Threads())
	}
	for _, n := range []int{0, 1, 2, 3, 4, 10, 1001} {
		r := newForRecorder(n, p.Threads())
		p.For(n, r.body)
		for i, h := range r.hits {
			if h != 1 {
				t.Fatalf("n=%d: index %d covered %d times", n, i, h)
			}
		}
		for w, c := range r.workers {
			if c > 1 {
				t.Fatalf("n=%d: worker %d got %d ranges", n, w, c)
			}
		}
	}
}

// TestPoolForPanic checks that a panic in a worker's range reaches the
// caller and leaves the pool usable.
func TestPoolForPanic(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want boom", r)
			}
		}()
		p.For(2, func(worker, lo, hi int) {
			if lo == 1 {
				panic("boom")
			}
		})
	}()
	r := newForRecorder(10, 2)
	p.For(10, r.body)
	for i, h := range r.hits {
		if h != 1 {
			t.Fatalf("after a panic: index %d covered %d times", i, h)
		}
	}
}

// TestPoolZeroAlloc checks that Pool.Sgemm and Pool.For with a pre-bound
// body allocate nothing per call once warmed up.
func TestPoolZeroAlloc(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	p := NewPool(2)
	defer p.Close()
	for _, tc := range []gemmCase{
		{m: 64, n: 300, k: 100, alpha: 1, beta: 0},                   // split along n
		{transA: true, m: 300, n: 20, k: 64, alpha: 1, beta: 1},      // split along m
		{transB: true, m: 64, n: 576 / 8, k: 900, alpha: 2, beta: 0}, // long k
	} {
		a, lda, b, ldb, c, ldc := operands(rng, tc)
		allocs := testing.AllocsPerRun(10, func() {
			p.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
		})
		if allocs != 0 {
			t.Errorf("Pool.Sgemm %v: %v allocations per call, want 0", tc, allocs)
		}
	}
	r := newForRecorder(100, 2)
	if allocs := testing.AllocsPerRun(10, func() { p.For(100, r.body) }); allocs != 0 {
		t.Errorf("Pool.For: %v allocations per call, want 0", allocs)
	}
}

// TestPoolClosed checks that a closed pool refuses work and that Close may
// be called twice.
func TestPoolClosed(t *testing.T) {
	p := NewPool(2)
	p.Close()
	p.Close()
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("For on a closed Pool did not panic")
		}
	}()
	p.For(4, func(worker, lo, hi int) {})
}
