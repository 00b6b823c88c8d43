package gemm

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Pool runs Sgemm and parallel loops on a fixed set of workers: the
// calling goroutine plus Threads()-1 goroutines started by NewPool that
// live until Close. Each worker owns a Workspace, so in the steady state a
// call allocates nothing.
//
// A Pool runs one call at a time: concurrent calls from several goroutines
// are safe but queue behind each other. A loop body must not call back
// into its own Pool (Sgemm or For); it may use Workspace(worker).
type Pool struct {
	threads int
	ws      []*Workspace

	mu     sync.Mutex  // held for the duration of a Sgemm or For call
	tasks  []chan task // tasks[w-1] feeds worker w; worker 0 is the caller
	wg     sync.WaitGroup
	closed bool

	// Work shared by the current call, read by the workers.
	job      gemmJob
	gemmBody func(worker, lo, hi int) // p.gemmWorker, bound once
	next     atomic.Int64             // next chunk of p.job to claim
	panicMu  sync.Mutex
	panicVal any
}

// task is one range of a loop handed to a worker.
type task struct {
	body   func(worker, lo, hi int)
	lo, hi int
}

// gemmJob holds the arguments of the Sgemm call in progress and how it is
// split: along n in blocks of nr columns (splitN) or along m in blocks of
// mr rows.
type gemmJob struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	dot            bool // use the dot algorithm (see useDot)
	splitN         bool
	step           int // columns (splitN) or rows per unit of the split
	units, chunks  int // units of the split, claimed in this many chunks
}

// chunksPerThread is how many pieces a product is cut into per worker, at
// most. Workers claim pieces as they finish, so a worker that the OS delays
// (the machine may be shared) does not hold everyone up.
const chunksPerThread = 4

// minChunkSpan is the fewest columns (rows when splitting m) a piece should
// have beyond one piece per worker: each piece packs all of op(A) (op(B))
// again, which for Conv4's dW = dY·colᵀ (n = 576, k = B·HW) cost 20% with
// eight pieces of 72 columns.
const minChunkSpan = 256

// minWorkPerThread is the number of multiply-adds below which giving a
// worker a share of a product costs more in hand-off than it saves.
const minWorkPerThread = 1 << 17

// NewPool returns a Pool of threads workers; threads <= 0 means
// runtime.GOMAXPROCS(0). It starts threads-1 goroutines; call Close to
// stop them.
func NewPool(threads int) *Pool {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	return newPoolWith(threads, bestKernel())
}

// newPoolWith returns a Pool whose workers all use kernel kn (tests use it
// to run every kernel).
func newPoolWith(threads int, kn kernel) *Pool {
	p := &Pool{threads: threads, ws: make([]*Workspace, threads), tasks: make([]chan task, threads-1)}
	for w := range p.ws {
		p.ws[w] = &Workspace{k: kn}
	}
	p.gemmBody = p.gemmWorker
	for w := 1; w < threads; w++ {
		ch := make(chan task, 1)
		p.tasks[w-1] = ch
		go p.worker(w, ch)
	}
	return p
}

// Threads returns the number of workers; loop bodies see worker ids in
// [0, Threads()).
func (p *Pool) Threads() int { return p.threads }

// Kernel returns the name of the micro-kernel the workers run.
func (p *Pool) Kernel() string { return p.ws[0].k.name }

// Workspace returns worker w's Workspace: inside a For body running as
// worker w, Workspace(w).Sgemm is a single-threaded, allocation-free
// Sgemm. It panics if w is not in [0, Threads()).
func (p *Pool) Workspace(w int) *Workspace {
	if w < 0 || w >= p.threads {
		panic(fmt.Sprintf("gemm: worker %d out of range [0, %d)", w, p.threads))
	}
	return p.ws[w]
}

// Close stops the pool's goroutines. Using the pool afterwards panics.
// Close is idempotent.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	for _, ch := range p.tasks {
		close(ch)
	}
}

// For splits [0, n) into at most Threads() contiguous ranges of nearly
// equal size and calls body(worker, lo, hi) once per range, each on a
// different worker (worker 0 is the calling goroutine), and returns when
// all calls have returned. It does nothing if n <= 0. If a body panics,
// For panics with the same value after every range has finished.
//
// For itself does not allocate. To keep the call allocation-free, pass a
// func value made once, e.g. a method value stored in a struct field when
// the struct is built (l.body = l.forwardRange), and hand it its inputs
// through that struct; a closure literal that captures variables allocates
// each time it is created.
func (p *Pool) For(n int, body func(worker, lo, hi int)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.run(n, p.threads, body)
}

// run is For for at most parts ranges; p.mu is held.
func (p *Pool) run(n, parts int, body func(worker, lo, hi int)) {
	if p.closed {
		panic("gemm: use of a closed Pool")
	}
	if n <= 0 {
		return
	}
	parts = max(1, min(parts, n))
	if parts > 1 {
		p.wg.Add(parts - 1)
		for w := 1; w < parts; w++ {
			p.tasks[w-1] <- task{body: body, lo: n * w / parts, hi: n * (w + 1) / parts}
		}
	}
	p.call(0, task{body: body, lo: 0, hi: n / parts})
	if parts > 1 {
		p.wg.Wait()
	}
	if v := p.panicVal; v != nil {
		p.panicVal = nil
		panic(v)
	}
}

// worker runs the tasks sent to worker w until the channel is closed.
func (p *Pool) worker(w int, tasks <-chan task) {
	for t := range tasks {
		p.call(w, t)
		p.wg.Done()
	}
}

// call runs one task, recording a panic instead of letting it kill the
// process, so that run can re-raise it on the calling goroutine.
func (p *Pool) call(w int, t task) {
	defer func() {
		if v := recover(); v != nil {
			p.panicMu.Lock()
			if p.panicVal == nil {
				p.panicVal = v
			}
			p.panicMu.Unlock()
		}
	}()
	t.body(w, t.lo, t.hi)
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C like the package function
// Sgemm, split over the pool's workers: C is cut into blocks of columns
// when it is wider than tall (counted in register tiles), else into blocks
// of rows, up to four blocks per worker, which the workers claim as they
// go. Each element of C is computed by one worker in the same order as a
// single-threaded Workspace would, so the result is bitwise identical to
// Workspace.Sgemm with the same kernel, for any number of threads.
//
// It panics like Sgemm on bad arguments, and on a closed Pool.
func (p *Pool) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		panic("gemm: use of a closed Pool")
	}
	kn := p.ws[0].k
	parts := p.threads
	if work := m * n * k; work/minWorkPerThread < parts {
		parts = max(1, work/minWorkPerThread)
	}
	if parts == 1 || m == 0 || n == 0 {
		p.ws[0].gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	tilesN, tilesM := (n+kn.nr-1)/kn.nr, (m+kn.mr-1)/kn.mr
	p.job = gemmJob{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc, splitN: tilesN >= tilesM, step: kn.nr, units: tilesN,
		dot: kn.useDot(transA, transB, m, n, dotThin)}
	if !p.job.splitN {
		p.job.step, p.job.units = kn.mr, tilesM
	}
	// Every chunk packs all of op(A) (or op(B) when splitting m) again, so
	// a chunk must span at least minChunkSpan columns (rows) to keep that
	// repacking small next to its arithmetic.
	span := n
	if !p.job.splitN {
		span = m
	}
	p.job.chunks = min(p.job.units, parts*chunksPerThread, max(parts, min(span/minChunkSpan, m*n*k/minWorkPerThread)))
	p.next.Store(0)
	p.run(parts, parts, p.gemmBody)
	p.job = gemmJob{} // drop references to the caller's slices
}

// gemmWorker claims chunks of p.job until none is left and computes them
// on worker w. Its range arguments are ignored: run calls it once per
// worker.
func (p *Pool) gemmWorker(w, _, _ int) {
	j := &p.job
	for {
		i := int(p.next.Add(1) - 1)
		if i >= j.chunks {
			return
		}
		p.gemmRange(w, j.units*i/j.chunks, j.units*(i+1)/j.chunks)
	}
}

// gemmRange computes the part of p.job that covers units [lo, hi) of its
// split, on worker w's Workspace.
func (p *Pool) gemmRange(w, lo, hi int) {
	j := &p.job
	if j.splitN {
		j0, j1 := lo*j.step, min(hi*j.step, j.n)
		// Columns j0.. of op(B) start at column j0 of B, or at row j0
		// when B is stored transposed.
		var b []float32
		if j.transB {
			b = j.b[j0*j.ldb:]
		} else {
			b = j.b[j0:]
		}
		p.ws[w].gemmAs(j.dot, j.transA, j.transB, j.m, j1-j0, j.k, j.alpha, j.a, j.lda, b, j.ldb, j.beta, j.c[j0:], j.ldc)
		return
	}
	i0, i1 := lo*j.step, min(hi*j.step, j.m)
	// Rows i0.. of op(A) start at row i0 of A, or at column i0 when A is
	// stored transposed.
	var a []float32
	if j.transA {
		a = j.a[i0:]
	} else {
		a = j.a[i0*j.lda:]
	}
	p.ws[w].gemmAs(j.dot, j.transA, j.transB, i1-i0, j.n, j.k, j.alpha, a, j.lda, j.b, j.ldb, j.beta, j.c[i0*j.ldc:], j.ldc)
}
