package nn

import (
	"fmt"
	"strings"

	"metaglot/core/gemm"
	"metaglot/core/tensor"
)

// workspaces returns par (Serial{} for nil), each worker's matrix
// Workspace (the pool's own if par is a *gemm.Pool, fresh ones
// otherwise) and the float32 Gemm that multiplies in them: what NewConv4
// and NewConv4S2 build their cores on.
func workspaces(par Parallel) (Parallel, func(w int) *gemm.Workspace, Gemm[float32]) {
	if par == nil {
		par = Serial{}
	}
	var ws func(w int) *gemm.Workspace
	if pool, ok := par.(*gemm.Pool); ok {
		ws = pool.Workspace
	} else {
		own := make([]*gemm.Workspace, par.Threads())
		for i := range own {
			own[i] = gemm.NewWorkspace()
		}
		ws = func(w int) *gemm.Workspace { return own[w] }
	}
	mm := func(w int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		ws(w).Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
	return par, ws, mm
}

// binding is what Conv4 and Conv4S2 share around their computation: the
// parameter specification both networks take (conv4Shapes: the same names
// and shapes), and the checks that turn a caller's parameter set, images
// and gradient set into the slices their cores work on. Errors start with
// tag, the network's name.
type binding struct {
	tag   string
	what  [2]string // what CheckFinite names: the input, the embedding gradient (made once: no allocation per call)
	shape *tensor.Set
	names [Blocks][6]string
	p     [Blocks]BlockParams[float32]
	g     [Blocks]BlockGrads[float32]
}

func newBinding(tag string) binding {
	b := binding{tag: tag, what: [2]string{tag + " input", tag + " embedding gradient"}, shape: conv4Shapes()}
	for i := range Blocks {
		b.names[i] = blockNames(i)
	}
	return b
}

// bind checks p against the parameter specification and points b.p at its
// data. Names outside "encoder." (a classifier head, say) are ignored;
// unknown names inside it are an error.
func (b *binding) bind(p *tensor.Set) error {
	if p == nil {
		return fmt.Errorf("%s: nil parameter set", b.tag)
	}
	if err := p.Covers(b.shape); err != nil {
		return fmt.Errorf("%s parameters: %w", b.tag, err)
	}
	for _, n := range p.Names() {
		if strings.HasPrefix(n, "encoder.") && !b.shape.Has(n) {
			return fmt.Errorf("%s parameters: unexpected tensor %q", b.tag, n)
		}
	}
	for i := range Blocks {
		nm := &b.names[i]
		b.p[i] = BlockParams[float32]{
			Weight: p.Get(nm[0]).Data, Bias: p.Get(nm[1]).Data,
			BNWeight: p.Get(nm[2]).Data, BNBias: p.Get(nm[3]).Data,
			RunningMean: p.Get(nm[4]).Data, RunningVar: p.Get(nm[5]).Data,
		}
	}
	return nil
}

// bindForward checks the images x (N×1×28×28, N ≥ 1, finite) and binds p,
// whose network tensors must be finite too.
func (b *binding) bindForward(p *tensor.Set, x *tensor.Tensor) error {
	if x == nil || len(x.Shape) != 4 || x.Shape[0] < 1 || x.Shape[1] != 1 || x.Shape[2] != ImageSize || x.Shape[3] != ImageSize {
		var s []int
		if x != nil {
			s = x.Shape
		}
		return fmt.Errorf("%s: input has shape %v, want [N 1 %d %d] with N ≥ 1", b.tag, tensor.ShapeString(s), ImageSize, ImageSize)
	}
	if err := x.CheckFinite(b.what[0]); err != nil {
		return err
	}
	if err := b.bind(p); err != nil {
		return err
	}
	for i := range Blocks {
		for _, nm := range b.names[i] {
			if err := p.Get(nm).CheckFinite(nm); err != nil {
				return fmt.Errorf("%s parameters: %w", b.tag, err)
			}
		}
	}
	return nil
}

// bindBackward checks dEmb against the last Forward's batch n and the
// embedding width dim, binds p, and points b.g at the trainable tensors
// of grads (which must all be there, each of its parameter's shape).
func (b *binding) bindBackward(n, dim int, p *tensor.Set, dEmb *tensor.Tensor, grads *tensor.Set) error {
	if n == 0 {
		return fmt.Errorf("%s: Backward without a successful Forward", b.tag)
	}
	if dEmb == nil || !tensor.SameShape(dEmb.Shape, []int{n, dim}) {
		var s []int
		if dEmb != nil {
			s = dEmb.Shape
		}
		return fmt.Errorf("%s: embedding gradient has shape %v, want [%d %d] as the last Forward", b.tag, tensor.ShapeString(s), n, dim)
	}
	if err := dEmb.CheckFinite(b.what[1]); err != nil {
		return err
	}
	if err := b.bind(p); err != nil {
		return err
	}
	if grads == nil {
		return fmt.Errorf("%s: nil gradient set", b.tag)
	}
	for i := range Blocks {
		for _, nm := range b.names[i][:4] {
			g := grads.Get(nm)
			if g == nil {
				return fmt.Errorf("%s gradients: missing tensor %q", b.tag, nm)
			}
			if want := b.shape.Get(nm).Shape; !tensor.SameShape(g.Shape, want) {
				return fmt.Errorf("%s gradients: tensor %q has shape %v, want %v", b.tag, nm, tensor.ShapeString(g.Shape), tensor.ShapeString(want))
			}
		}
		nm := &b.names[i]
		b.g[i] = BlockGrads[float32]{
			Weight: grads.Get(nm[0]).Data, Bias: grads.Get(nm[1]).Data,
			BNWeight: grads.Get(nm[2]).Data, BNBias: grads.Get(nm[3]).Data,
		}
	}
	return nil
}
