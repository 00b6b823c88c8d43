package nn

import "math"

// BatchNorm constants, PyTorch's defaults.
const (
	// BNEps is added to the variance before the square root.
	BNEps = 1e-5
	// BNMomentum is the weight of the current batch in the running
	// statistics: running = (1-BNMomentum)·running + BNMomentum·batch.
	BNMomentum = 0.1
)

// bnStats returns the mean and invstd (1/√(var+eps), var biased) of the m
// values x, and the unbiased variance for the running statistics.
func bnStats[T Float](x []T) (mean, invstd, unbiased float64) {
	s, ss := sums(x)
	return statsFromSums(s, ss, len(x))
}

// sums returns Σx and Σx² in float64, so float32 batches of any size lose
// no precision here.
func sums[T Float](x []T) (s, ss float64) {
	// Four independent pairs of accumulators, so the additions pipeline.
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a, b, c, d := float64(x[i]), float64(x[i+1]), float64(x[i+2]), float64(x[i+3])
		s0, s1, s2, s3 = s0+a, s1+b, s2+c, s3+d
		q0, q1, q2, q3 = q0+a*a, q1+b*b, q2+c*c, q3+d*d
	}
	for ; i < len(x); i++ {
		a := float64(x[i])
		s0, q0 = s0+a, q0+a*a
	}
	return (s0 + s1) + (s2 + s3), (q0 + q1) + (q2 + q3)
}

// statsFromSums is bnStats given Σx and Σx² over m values.
func statsFromSums(s, ss float64, m int) (mean, invstd, unbiased float64) {
	fm := float64(m)
	mean = s / fm
	v := max(ss/fm-mean*mean, 0)
	invstd = 1 / math.Sqrt(v+BNEps)
	if m > 1 {
		unbiased = v * fm / (fm - 1)
	}
	return mean, invstd, unbiased
}

// updateRunning applies one momentum step to a channel's running statistics.
func updateRunning[T Float](rm, rv *T, mean, unbiased float64) {
	*rm = T((1-BNMomentum)*float64(*rm) + BNMomentum*mean)
	*rv = T((1-BNMomentum)*float64(*rv) + BNMomentum*unbiased)
}

// bnForward is BatchNorm over a channel-major batch x (c channels of m
// values each): y = gamma·(x-mean)/√(var+eps) + beta per channel. In
// training mode mean and var are the batch's (var biased) and the running
// statistics rm, rv are updated with the unbiased variance, as PyTorch
// does; in inference mode mean and var are rm and rv. It saves the mean and
// 1/√(var+eps) used into mean and invstd for bnBackward.
func bnForward[T Float](y, x, gamma, beta, rm, rv, mean, invstd []T, c, m int, train bool) {
	for ch := 0; ch < c; ch++ {
		xc := x[ch*m : (ch+1)*m]
		var mu, is float64
		if train {
			var unb float64
			mu, is, unb = bnStats(xc)
			updateRunning(&rm[ch], &rv[ch], mu, unb)
		} else {
			mu, is = float64(rm[ch]), 1/math.Sqrt(float64(rv[ch])+BNEps)
		}
		mean[ch], invstd[ch] = T(mu), T(is)
		scale := T(float64(gamma[ch]) * is)
		shift := T(float64(beta[ch]) - mu*float64(gamma[ch])*is)
		yc := y[ch*m : (ch+1)*m]
		for i, v := range xc {
			yc[i] = scale*v + shift
		}
	}
}

// bnBackward writes dx, dgamma and dbeta given dy and the x, gamma, mean
// and invstd of bnForward. In training mode the batch statistics depend on
// x, which gives the familiar
//
//	dx = gamma·invstd/m · (m·dy − Σdy − x̂·Σ(dy·x̂)),  x̂ = (x−mean)·invstd;
//
// in inference mode they are constants and dx = gamma·invstd·dy.
func bnBackward[T Float](dx, dgamma, dbeta, dy, x, gamma, mean, invstd []T, c, m int, train bool) {
	for ch := 0; ch < c; ch++ {
		xc, dyc, dxc := x[ch*m:(ch+1)*m], dy[ch*m:(ch+1)*m], dx[ch*m:(ch+1)*m]
		mu, is, g := float64(mean[ch]), float64(invstd[ch]), float64(gamma[ch])
		var sdy, sdyx float64
		for i, d := range dyc {
			sdy += float64(d)
			sdyx += float64(d) * (float64(xc[i]) - mu) * is
		}
		dgamma[ch], dbeta[ch] = T(sdyx), T(sdy)
		k := g * is
		for i, d := range dyc {
			v := k * float64(d)
			if train {
				xh := (float64(xc[i]) - mu) * is
				v -= k / float64(m) * (sdy + xh*sdyx)
			}
			dxc[i] = T(v)
		}
	}
}

// reluForward sets y = max(x, 0); y may alias x.
func reluForward[T Float](y, x []T) {
	for i, v := range x {
		y[i] = max(v, 0)
	}
}

// reluBackward sets dx = dy where y > 0 and 0 elsewhere (PyTorch's
// convention at 0); dx may alias dy.
func reluBackward[T Float](dx, dy, y []T) {
	for i, v := range y {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
}

// maxPoolForward is a 2×2, stride 2 max-pool over planes h×w planes in x,
// rounding down (a 7×7 plane gives 3×3; the last row and column are
// dropped). y holds planes (h/2)×(w/2) outputs; arg[i] is the index in x of
// the element that y[i] was taken from (the first maximum in row-major
// order, as PyTorch).
func maxPoolForward[T Float](y []T, arg []int32, x []T, planes, h, w int) {
	ho, wo := h/2, w/2
	for p := 0; p < planes; p++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				i0 := p*h*w + 2*oy*w + 2*ox
				best, bi := x[i0], i0
				for _, i := range [3]int{i0 + 1, i0 + w, i0 + w + 1} {
					if x[i] > best {
						best, bi = x[i], i
					}
				}
				o := (p*ho+oy)*wo + ox
				y[o], arg[o] = best, int32(bi)
			}
		}
	}
}

// maxPoolBackward sets dx (the size of maxPoolForward's x) to dy routed to
// the positions recorded in arg, and 0 elsewhere.
func maxPoolBackward[T Float](dx, dy []T, arg []int32) {
	clear(dx)
	for o, i := range arg {
		dx[i] += dy[o]
	}
}
