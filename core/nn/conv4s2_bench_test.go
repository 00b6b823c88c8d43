package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"metaglot/core/gemm"
	"metaglot/core/tensor"
)

// BenchmarkBackbones times Conv4 and Conv4S2 side by side on the batches
// of a 5-way task: 5 images (1-shot support), 10 (1 shot + 1 query each),
// 25 (5-shot support) and 80 (1 shot + 15 queries each, Finn et al.'s
// meta-batch task); "train" is a training-mode Forward and Backward (what
// a FOMAML or Reptile inner step costs before the head), "embed" the
// inference Embed. With one thread (Serial) it reports cpu-ns/op, the
// calling thread's CPU time, which is what to divide on a shared machine;
// threads=2 is a gemm.Pool (wall time only). The two networks of one
// batch run one after the other, so their ratio sees the same load:
//
//	go test -run '^$' -bench Backbones -count 5 ./core/nn/
func BenchmarkBackbones(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	p := NewConv4Params(rng)
	for _, threads := range []int{1, 2} {
		if threads > runtime.NumCPU() {
			continue
		}
		var par Parallel = Serial{}
		if threads > 1 {
			pool := gemm.NewPool(threads)
			defer pool.Close()
			par = pool
		}
		for _, n := range []int{5, 10, 25, 80} {
			x := tensor.New(n, 1, ImageSize, ImageSize)
			for i := range x.Data {
				x.Data[i] = rng.Float32()
			}
			for _, mode := range []string{"train", "embed"} {
				for _, net := range []string{NetConv4, NetConv4S2} {
					m, dim, err := NewBackbone(net, par)
					if err != nil {
						b.Fatal(err)
					}
					g := Trainable(p).ZerosLike()
					d := tensor.New(n, dim)
					for i := range d.Data {
						d.Data[i] = float32(rng.NormFloat64())
					}
					q := p.Clone() // training mode moves the running statistics
					step := func() {
						if mode == "embed" {
							if _, err := m.Embed(q, x); err != nil {
								b.Fatal(err)
							}
							return
						}
						if _, err := m.Forward(q, x, true); err != nil {
							b.Fatal(err)
						}
						if err := m.Backward(q, d, g); err != nil {
							b.Fatal(err)
						}
					}
					b.Run(fmt.Sprintf("threads=%d/n=%d/%s/%s", threads, n, mode, net), func(b *testing.B) {
						step() // grow the buffers
						if threads == 1 {
							cpuLoop(b, step)
							return
						}
						for b.Loop() {
							step()
						}
					})
				}
			}
		}
	}
}
