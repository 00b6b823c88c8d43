package nn

import "math"

// Inference with BatchNorm folded into the convolution.
//
// In inference mode a block's BatchNorm is a fixed affine map per channel,
// y = s·(z + b − μ) + β with s = γ/√(σ² + ε) (μ, σ² the running
// statistics, b the convolution's bias), so it folds into the convolution:
// with weights W' = s·W and bias b' = s·(b − μ) + β the convolution alone
// gives y. Since the pooled maximum commutes with adding a constant, and
// ReLU with the maximum,
//
//	out = ReLU(maxpool(W'∗x) + b'),
//
// and Conv4Of computes this in the convolution's epilogue, chunk by chunk
// while the chunk is in cache: the convolution output is never stored
// whole and nothing needs the float64 arithmetic and arg-max bookkeeping of
// the training path. The result equals the unfolded computation up to
// float rounding (tested against it); Backward after such a Forward first
// recomputes the unfolded activations it needs.

// foldBN writes the folded weights w2 (Cout×k) and bias b2 (Cout) of one
// block: w2 = s·w, b2 = s·(bias − rm) + beta, s = gamma/√(rv + BNEps),
// computed in float64 and rounded once.
func foldBN[T Float](w2, b2, w, bias, gamma, beta, rm, rv []T, cout, k int) {
	for c := 0; c < cout; c++ {
		s := float64(gamma[c]) / math.Sqrt(float64(rv[c])+BNEps)
		src, dst := w[c*k:][:k], w2[c*k:][:k]
		for j, v := range src {
			dst[j] = T(s * float64(v))
		}
		b2[c] = T(s*(float64(bias[c])-float64(rm[c])) + float64(beta[c]))
	}
}

// foldPool is the epilogue of a folded block: 2×2 max-pool, plus the
// folded bias, ReLU, from a chunk of the convolution's output into the
// block's channel-major output.
type foldPool[T Float] struct {
	out, b     []T // c×n×(h/2)×(w/2) output; folded bias
	c, n, h, w int
	// osp is the output's split shape (split.go), size 0 for the
	// channel-major output; the caller has cleared its padding.
	osp splitShape
}

// chunk pools samples [s0, s1), whose convolution output is zc (channel
// ch's values at zc[ch·ld:], sample after sample, each h×w).
func (f *foldPool[T]) chunk(zc []T, ld, s0, s1 int) {
	h, w := f.h, f.w
	ho, wo := h/2, w/2
	hw := h * w
	ns := s1 - s0
	var row [ImageSize]T
	for ch := 0; ch < f.c; ch++ {
		bc := f.b[ch]
		src := zc[ch*ld:][:ns*hw]
		for s := 0; s < ns; s++ {
			for oy := 0; oy < ho; oy++ {
				r0 := src[s*hw+2*oy*w:][:2*wo]
				r1 := src[s*hw+(2*oy+1)*w:][:2*wo]
				var d []T
				if f.osp.size == 0 {
					d = f.out[((ch*f.n+s0+s)*ho+oy)*wo:][:wo]
				} else {
					d = row[:wo]
				}
				for ox := range d {
					v := max(max(r0[2*ox], r0[2*ox+1]), max(r1[2*ox], r1[2*ox+1]))
					d[ox] = max(v+bc, 0)
				}
				if f.osp.size > 0 {
					putRow(f.osp, f.out[((s0+s)*f.c+ch)*f.osp.size:], oy, d)
				}
			}
		}
	}
}
