package nn

import "math"

// bnReluPool is BatchNorm → ReLU → 2×2 max-pool fused into one pass over a
// channel-major batch (C×N×H×W in, C×N×(H/2)×(W/2) out): the normalised,
// rectified values are never stored. The backward pass needs only the
// pre-normalisation input z, the pooled output and the index each output
// was taken from. Work is split among the workers by channel.
//
// It computes exactly bnForward, reluForward, maxPoolForward in sequence
// (tested); where a window's maximum is not positive the recorded index may
// differ from maxPoolForward's, but the gradient through it is 0 either way.
type bnReluPool[T Float] struct {
	e     engine[T]
	c     int
	train bool
	// mean and invstd per channel, saved for the backward pass; mean64 is
	// the mean before rounding to T.
	mean, invstd []T
	mean64       []float64
	// Per-channel coefficients of dz, set by prepare for fill.
	c0, c1, k []T

	// Arguments of the call in progress.
	n, h, w                     int
	z, out, gamma, beta, rm, rv []T
	bias                        []T
	sum, sq                     []float64
	arg                         []int32
	dout, dgamma, dbeta, dz1    []T
	fwd, bwd                    func(worker, lo, hi int)
}

func newBNReluPool[T Float](e engine[T], c int) *bnReluPool[T] {
	b := &bnReluPool[T]{e: e, c: c, mean: make([]T, c), invstd: make([]T, c), mean64: make([]float64, c)}
	b.fwd = b.forwardRange
	b.bwd = b.prepareRange
	return b
}

// forward reads z (c×n×h×w) and writes out (c×n×(h/2)×(w/2)) and arg (the
// index within its channel's block of z that each output came from). In
// training mode it updates the running statistics rm and rv.
//
// If bias is not nil, the input is z + bias[channel]: the convolution's
// bias, which the convolution then need not add. In training mode the
// bias cancels out of the normalisation and only shifts the running mean;
// in inference mode it shifts the running mean the other way. Everything
// saved for the backward pass is relative to z.
//
// If sum and sq are not nil they hold each channel's Σz and Σz² (as
// conv3x3 computes them with stats set), which training mode then need not
// compute.
func (b *bnReluPool[T]) forward(out []T, arg []int32, z, bias []T, sum, sq []float64, gamma, beta, rm, rv []T, n, h, w int, train bool) {
	b.n, b.h, b.w, b.train = n, h, w, train
	b.out, b.arg, b.z, b.bias, b.gamma, b.beta, b.rm, b.rv = out, arg, z, bias, gamma, beta, rm, rv
	b.sum, b.sq = sum, sq
	b.e.par.For(b.c, b.fwd)
	b.out, b.arg, b.z, b.bias, b.gamma, b.beta, b.rm, b.rv = nil, nil, nil, nil, nil, nil, nil, nil
	b.sum, b.sq = nil, nil
}

func (b *bnReluPool[T]) forwardRange(_, lo, hi int) {
	n, h, w := b.n, b.h, b.w
	m := n * h * w
	ho, wo := h/2, w/2
	mo := n * ho * wo
	for ch := lo; ch < hi; ch++ {
		zc := b.z[ch*m:][:m]
		var bias float64
		if b.bias != nil {
			bias = float64(b.bias[ch])
		}
		// mu is the mean in z's terms: the input's mean minus the bias.
		var mu, is float64
		if b.train {
			var unb float64
			if b.sum != nil {
				mu, is, unb = statsFromSums(b.sum[ch], b.sq[ch], m)
			} else {
				mu, is, unb = bnStats(zc)
			}
			updateRunning(&b.rm[ch], &b.rv[ch], mu+bias, unb)
		} else {
			mu, is = float64(b.rm[ch])-bias, 1/math.Sqrt(float64(b.rv[ch])+BNEps)
		}
		b.mean[ch], b.invstd[ch], b.mean64[ch] = T(mu), T(is), mu
		scale := T(float64(b.gamma[ch]) * is)
		shift := T(float64(b.beta[ch]) - mu*float64(b.gamma[ch])*is)
		oc, ac := b.out[ch*mo:][:mo], b.arg[ch*mo:][:mo]
		o := 0
		for s := 0; s < n; s++ {
			for oy := 0; oy < ho; oy++ {
				i0 := s*h*w + 2*oy*w
				r0, r1 := zc[i0:i0+2*wo], zc[i0+w:i0+w+2*wo]
				for ox := 0; ox < wo; ox++ {
					// Branch-free arg-max of the four rectified values: the
					// bits of a non-negative float order like the float, so
					// each key is its value's bits with the low two bits
					// replaced by 3−k (the first maximum wins ties), and
					// the largest key gives both the maximum and its
					// position. Negative values become +0 (ReLU) by the
					// integer max with 0. The low bits of a float64
					// converted from a float32 are zero, so for float32 the
					// value is exact; for float64 it moves by at most 3 ulp.
					k0 := max(int64(math.Float64bits(float64(scale*r0[2*ox]+shift))), 0)&^3 | 3
					k1 := max(int64(math.Float64bits(float64(scale*r0[2*ox+1]+shift))), 0)&^3 | 2
					k2 := max(int64(math.Float64bits(float64(scale*r1[2*ox]+shift))), 0)&^3 | 1
					k3 := max(int64(math.Float64bits(float64(scale*r1[2*ox+1]+shift))), 0) &^ 3
					best := max(max(k0, k1), max(k2, k3))
					pos := 3 - int(best&3)
					oc[o] = T(math.Float64frombits(uint64(best &^ 3)))
					ac[o] = int32(i0 + 2*ox + pos&1 + (pos>>1)*w)
					o++
				}
			}
		}
	}
}

// backward writes dz, dgamma and dbeta given dout, the gradient with
// respect to the pooled output, after a forward call with the same z, out
// and arg. If dzSum is not nil it also writes the sum of dz over each
// channel — the gradient of the convolution's bias — computed from the
// closed form of dz rather than by another pass over it.
//
// It is prepare followed by fill over the whole batch; Conv4 instead lets
// the convolution's backward pass call fill chunk by chunk, so that dz is
// never stored whole.
func (b *bnReluPool[T]) backward(dz, dgamma, dbeta, dzSum, dout, out []T, arg []int32, z, gamma []T, n, h, w int) {
	b.prepare(dgamma, dbeta, dzSum, dout, out, arg, z, gamma, n, h, w)
	b.fill(dz, n*h*w, 0, n)
	b.release()
}

// prepare computes, per channel, dgamma, dbeta, dzSum (if not nil) and the
// coefficients fill needs, given dout and the forward's out, arg and z,
// which must stay unchanged until release.
func (b *bnReluPool[T]) prepare(dgamma, dbeta, dzSum, dout, out []T, arg []int32, z, gamma []T, n, h, w int) {
	b.n, b.h, b.w = n, h, w
	b.dgamma, b.dbeta, b.dz1, b.dout, b.out, b.arg, b.z, b.gamma = dgamma, dbeta, dzSum, dout, out, arg, z, gamma
	for len(b.c0) < b.c {
		b.c0, b.c1, b.k = append(b.c0, 0), append(b.c1, 0), append(b.k, 0)
	}
	b.e.par.For(b.c, b.bwd)
}

// release drops the references prepare took.
func (b *bnReluPool[T]) release() {
	b.dgamma, b.dbeta, b.dz1, b.dout, b.out, b.arg, b.z, b.gamma = nil, nil, nil, nil, nil, nil, nil, nil
}

func (b *bnReluPool[T]) prepareRange(_, lo, hi int) {
	m := b.n * b.h * b.w
	mo := b.n * (b.h / 2) * (b.w / 2)
	for ch := lo; ch < hi; ch++ {
		zc := b.z[ch*m:][:m]
		oc, ac, doc := b.out[ch*mo:][:mo], b.arg[ch*mo:][:mo], b.dout[ch*mo:][:mo]
		mu, is := float64(b.mean[ch]), float64(b.invstd[ch])
		// dy, the gradient at the BatchNorm output, is dout at the
		// positions the pool took a positive value from and 0 elsewhere
		// (ReLU). Branch-free: pass(o) masks dout where the output is +0.
		var sdy, sdyx, sdy1, sdyx1 float64
		o := 0
		for ; o+2 <= len(doc); o += 2 {
			d0, d1 := pass(doc[o], oc[o]), pass(doc[o+1], oc[o+1])
			sdy, sdy1 = sdy+d0, sdy1+d1
			sdyx += d0 * (float64(zc[ac[o]]) - mu)
			sdyx1 += d1 * (float64(zc[ac[o+1]]) - mu)
		}
		for ; o < len(doc); o++ {
			d0 := pass(doc[o], oc[o])
			sdy += d0
			sdyx += d0 * (float64(zc[ac[o]]) - mu)
		}
		sdy += sdy1
		sdyx = (sdyx + sdyx1) * is
		b.dgamma[ch], b.dbeta[ch] = T(sdyx), T(sdy)
		k := float64(b.gamma[ch]) * is
		// dz = k·dy − k/m·(Σdy + x̂·Σdy·x̂): in training mode an affine
		// function of z everywhere, c0 + c1·(z − mean), plus k·dy at the
		// pooled positions; in inference mode only the latter.
		var c0, c1 T
		if b.train {
			c0 = T(-k / float64(m) * sdy)
			c1 = T(-k / float64(m) * sdyx * is)
		}
		b.c0[ch], b.c1[ch], b.k[ch] = c0, c1, T(k)
		if b.dz1 != nil {
			// Σ dz = Σ k·dy + Σ (c0 + c1·(z − mean)); the last sum is
			// m·c0 + c1·m·(mean − mean rounded to T).
			fm := float64(m)
			b.dz1[ch] = T(float64(T(k))*sdy + fm*float64(c0) + float64(c1)*fm*(b.mean64[ch]-float64(b.mean[ch])))
		}
	}
}

// fill writes dz for samples [s0, s1) after prepare: channel ch's values
// for sample s go to dz[ch·ld + (s−s0)·h·w ...]. Workers may call it at
// once on disjoint sample ranges.
func (b *bnReluPool[T]) fill(dz []T, ld, s0, s1 int) {
	hw := b.h * b.w
	howo := (b.h / 2) * (b.w / 2)
	m, mo := b.n*hw, b.n*howo
	cols := (s1 - s0) * hw
	for ch := 0; ch < b.c; ch++ {
		zc := b.z[ch*m+s0*hw:][:cols]
		dzc := dz[ch*ld:][:cols]
		if b.train {
			c0, c1, mu := b.c0[ch], b.c1[ch], b.mean[ch]
			for i, v := range zc {
				dzc[i] = c0 + c1*(v-mu)
			}
		} else {
			clear(dzc)
		}
		kT := b.k[ch]
		o0, o1 := ch*mo+s0*howo, ch*mo+s1*howo
		oc, ac, doc := b.out[o0:o1], b.arg[o0:o1], b.dout[o0:o1]
		base := int32(s0 * hw)
		for o, d := range doc {
			dzc[ac[o]-base] += kT * T(pass(d, oc[o]))
		}
	}
}

// pass returns d as a float64 if out is positive and 0 if out is +0 (the
// only other value a rectified output takes), without a branch: the bits
// of +0 are all zero.
func pass[T Float](d, out T) float64 {
	nz := min(math.Float64bits(float64(out)), 1) // 0 or 1
	return math.Float64frombits(math.Float64bits(float64(d)) & -nz)
}
