// Package gemm multiplies float32 matrices: the BLAS routine sgemm,
//
//	C = alpha*op(A)*op(B) + beta*C,
//
// for row-major matrices, where op(X) is X or its transpose. It is the
// inner loop of metaglot's convolutions, which become matrix products
// after im2col: Conv4's second layer on a batch of 50 images is a 64×576
// by 576×9800 product forward, and two more products of the same size
// backward (one with op(B) = Bᵀ, one with op(A) = Aᵀ).
//
// # Usage
//
//	gemm.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n) // C = A·B, one-off
//
//	w := gemm.NewWorkspace()                 // single-threaded, reused buffers
//	w.Sgemm(false, true, m, n, k, 1, a, k, b, k, 1, c, n) // C += A·Bᵀ
//
//	p := gemm.NewPool(0)                     // one worker per GOMAXPROCS
//	defer p.Close()
//	p.Sgemm(...)                             // the same product on all cores
//	p.For(batch, l.perImage)                 // a parallel loop over images
//
// Sgemm allocates its packing buffers on each call; a Workspace keeps them,
// so repeated calls allocate nothing; a Pool owns one Workspace per worker
// and splits each product between its workers. Pool.For is the loop
// runner the convolution layers use for im2col and elementwise work; inside
// a loop body, Pool.Workspace(worker) gives that worker an allocation-free
// single-threaded Sgemm.
//
// # What a blocked GEMM is
//
// The textbook triple loop does 2·m·n·k flops but streams a whole row of A
// and column of B from memory for every element of C: it runs at the speed
// of memory, not of the arithmetic units. A fast GEMM (Goto and van de
// Geijn, "Anatomy of high-performance matrix multiplication", 2008; the
// BLIS framework) reorganises the loops so that nearly every operand comes
// from a register or the L1 cache:
//
//   - The micro-kernel keeps an mr×nr tile of C in registers: 8×48 with
//     AVX-512 (8 rows × 3 vectors), 4×16 with AVX2 (4 rows × 2 vectors),
//     4×12 with wasm SIMD (4 × 3 vectors), 2×4 scalars in plain Go. Each
//     step of k loads nr values of B as vectors, broadcasts mr values of A
//     and does mr·nr/lanes multiply-adds into the tile (24 for 11 loads
//     with AVX-512, 8 for 6 with AVX2).
//     C is read and written once per kc steps, not once per step.
//   - Packing copies a kc×nr sliver of B and an mr×kc sliver of A into
//     contiguous buffers laid out exactly in the order the micro-kernel
//     reads them, so its loads are unit-stride, whatever the transposes
//     and strides of the inputs. Packing also zero-pads the edges, so the
//     micro-kernel always works on full tiles; a tile that sticks out of C
//     is computed into scratch and the part inside C is merged.
//   - Cache blocking chooses which slivers to pack together: a kc×nc panel
//     of B (kc=256, nc=1024) and an mc×kc block of A (mc=128) sized for the
//     L2 cache, and loops so that a kc×nr micro-panel of B stays in L1 while
//     the micro-kernel runs down all the A block against it.
//
// The loops, outermost first: columns of C in steps of nc; k in steps of kc
// (pack B); rows in steps of mc (pack A); then nr-wide and mr-tall tiles.
// The first step of k applies beta to C, later steps accumulate with
// beta = 1. When beta is 0, C is written without being read, so NaN in C
// does not leak into the result, as BLAS requires.
//
// Thin products C = A·Bᵀ (fewer than 16 rows or columns, like the weight
// gradient of Conv4's first layer, K = 9) take a second algorithm: every
// row of A and of B is then contiguous along k, so a dot kernel computes a
// 2×4 block of C as eight dot products with vectors running along k,
// without packing (dot.go). The packed algorithm would transpose all of B,
// and each packed value would serve only a handful of multiply-adds.
//
// One deviation from textbook packing: a full-width strip of B that is not
// transposed already has the micro-kernel's layout (kc rows of nr
// contiguous values, one row stride apart), so it is read in place. With
// Conv4's m = 64 each element of B is used in only 64 multiply-adds, and
// copying B would cost about as much as using it.
//
// # Kernels and how one is chosen
//
// Four micro-kernels exist; bestKernel picks the first the machine can run:
//
//   - avx512 (amd64, GOEXPERIMENT=simd, CPU with AVX-512F/CD/BW/DQ/VL):
//     16-lane vectors, in Go assembly written by gen_avx512.go (below).
//   - avx2 (amd64, GOEXPERIMENT=simd, CPU with AVX2 and FMA): 8 lanes.
//   - simd128 (GOOS=js GOARCH=wasm, GOEXPERIMENT=simd): WebAssembly's
//     128-bit SIMD, 4 lanes, multiply then add (wasm has no FMA). It also
//     has a column kernel that runs the micro-kernel's body down a column
//     of tiles in one call, since a Go call under wasm is not cheap.
//   - plain: portable Go, the only kernel without GOEXPERIMENT=simd
//     (kernel_noarch.go) and the fallback on any CPU.
//
// The CPU is asked at run time (archsimd.X86.AVX512() and friends); AVX-512
// is never assumed. The vector kernels are written with Go 1.27's
// experimental simd/archsimd package, in files built only with
// GOEXPERIMENT=simd; the plain kernel is always compiled, so a plain
// toolchain builds the package and the tests run it next to the vector
// kernels. All kernels compute the same sums in the same order except for
// rounding: the FMA kernels round once per multiply-add, the others twice.
//
// The AVX2 tile is small (eight accumulators) on purpose. Larger tiles would
// load less per flop, but Go 1.27's register allocator spills their
// accumulators inside the loop, and on amd64 it spills 128-bit values with
// legacy SSE moves; mixing those with AVX code costs a transition penalty
// on every iteration that made such kernels about 100 times slower. For
// the same reason the kernels take alpha and beta through memory and call
// archsimd.ClearAVXUpperBits before returning to scalar code. The AVX-512
// kernel wants 28 of the 32 zmm registers, so it is Go assembly generated
// by gen_avx512.go (`go generate`), one instruction a line, behind the
// same build tags and the same run-time CPU check, and called through a Go
// wrapper that bounds-checks everything it touches. Measured by thread CPU
// time on this project's machine (AMD EPYC, family 25 model 17: Zen 4,
// which runs a 512-bit FMA as two 256-bit halves, one per cycle), operands
// in L1, it runs at 104–114 GFLOP/s, and a loop of nothing but 24
// independent register FMAs at 116: the kernel is at the FMA peak (an
// earlier figure of ~285 for that loop was a measurement error). Its gain
// over the 4×32 simd kernel it replaced (~110 in L1) on Conv4's products
// (10–25 %) comes from fewer loads of B and C per flop once operands come
// from L2.
//
// # Packed left operands
//
// Winograd's products multiply the same 64×64 filter matrices by every
// block of tiles. Workspace.PackA packs such an A once, in the kernel's
// layout, and Workspace.SgemmPacked multiplies by it without packing again:
// the result of Sgemm bit for bit (TestSgemmPackedEqualsSgemm).
//
// # Threads
//
// A Pool cuts a product along n in whole nr-wide tiles when C has more
// tile columns than tile rows, else along m, into about four pieces per
// worker that the workers claim as they finish (on a shared machine a
// descheduled worker then delays little). Every element of C is still
// computed by one worker in the same order, so a Pool's result is bitwise
// identical to a single Workspace's with the same kernel. Products too
// small to pay for the hand-off run on the calling goroutine.
//
// # Errors
//
// Malformed arguments (negative dimensions, strides smaller than a row,
// slices too short for their shape) are programmer errors and panic with a
// message prefixed "gemm: ".
package gemm
