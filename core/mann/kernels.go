package mann

import (
	"math"
	"unsafe"
)

// Float is the element type of the kernels: float32 in production, float64
// in the gradient checks (the same code in both).
type Float interface{ ~float32 | ~float64 }

// normEps keeps the norms in the cosine similarity differentiable and
// finite at zero (a memory row that was never written, or was just
// cleared): ‖v‖ is computed as √(Σv² + normEps).
const normEps = 1e-6

func sigmoid[T Float](x T) T { return T(1 / (1 + math.Exp(-float64(x)))) }
func tanh[T Float](x T) T    { return T(math.Tanh(float64(x))) }

// dot returns Σ a[i]·b[i] over the length of a. For float32 it runs the
// vector kernel of the CPU (dot32); the float64 of the checks runs plain
// loops.
func dot[T Float](a, b []T) T {
	if is32[T]() && len(a) > 0 {
		return T(dot32(as32(a), as32(b)))
	}
	return dotPlain(a, b)
}

// axpy sets y += alpha·x over the length of x (axpy32 for float32).
func axpy[T Float](y []T, alpha T, x []T) {
	if is32[T]() && len(x) > 0 {
		axpy32(as32(y), float32(alpha), as32(x))
		return
	}
	axpyPlain(y, alpha, x)
}

// is32 reports whether T is a 4-byte float (a constant for each
// instantiation).
func is32[T Float]() bool { return unsafe.Sizeof(T(0)) == 4 }

// as32 views a slice of a 4-byte Float type as []float32 (no copy).
func as32[T Float](a []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(a))), len(a))
}

func dotPlain[T Float](a, b []T) T {
	b = b[:len(a)]
	var s T
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpyPlain[T Float](y []T, alpha T, x []T) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// lstmForward finishes one step of an LSTM cell for a batch of b
// sequences with u units. z (b×4u) holds the gate pre-activations in
// PyTorch's order (input, forget, cell, output: W_ih·x + b_ih + W_hh·h +
// b_hh); they are replaced by the activations σ(i), σ(f), tanh(g), σ(o).
// Then c = f⊙cPrev + i⊙g, tc = tanh(c), h = o⊙tc (each b×u).
func lstmForward[T Float](z, c, tc, h, cPrev []T, b, u int) {
	for s := 0; s < b; s++ {
		zs := z[s*4*u : (s+1)*4*u]
		cs, tcs, hs, cp := c[s*u:(s+1)*u], tc[s*u:(s+1)*u], h[s*u:(s+1)*u], cPrev[s*u:(s+1)*u]
		for j := 0; j < u; j++ {
			i, f := sigmoid(zs[j]), sigmoid(zs[u+j])
			g, o := tanh(zs[2*u+j]), sigmoid(zs[3*u+j])
			zs[j], zs[u+j], zs[2*u+j], zs[3*u+j] = i, f, g, o
			cs[j] = f*cp[j] + i*g
			tcs[j] = tanh(cs[j])
			hs[j] = o * tcs[j]
		}
	}
}

// lstmBackward is lstmForward's backward pass. Given dh (b×u, the
// gradient of the loss with respect to h) and dc (b×u, with respect to c
// from later steps), and the forward's activations act (b×4u), tc and
// cPrev, it writes the gradient with respect to the pre-activations into
// dz (b×4u) and replaces dc with the gradient with respect to cPrev.
func lstmBackward[T Float](dz, dc, dh, act, tc, cPrev []T, b, u int) {
	for s := 0; s < b; s++ {
		as, dzs := act[s*4*u:(s+1)*4*u], dz[s*4*u:(s+1)*4*u]
		dcs, dhs, tcs, cp := dc[s*u:(s+1)*u], dh[s*u:(s+1)*u], tc[s*u:(s+1)*u], cPrev[s*u:(s+1)*u]
		for j := 0; j < u; j++ {
			i, f, g, o := as[j], as[u+j], as[2*u+j], as[3*u+j]
			t := tcs[j]
			d := dcs[j] + dhs[j]*o*(1-t*t)
			dzs[j] = d * g * i * (1 - i)
			dzs[u+j] = d * cp[j] * f * (1 - f)
			dzs[2*u+j] = d * i * (1 - g*g)
			dzs[3*u+j] = dhs[j] * t * o * (1 - o)
			dcs[j] = d * f
		}
	}
}

// readForward is content-based addressing and reading for a batch of b
// memories of n slots × d and h read heads. For each memory and head, with
// key k (d), the read weights are the softmax over the slots of the cosine
// similarities
//
//	sim(i) = k·M(i) / (‖k‖ ‖M(i)‖),   w(i) = exp(sim(i)) / Σ_j exp(sim(j))
//
// and the read vector is r = Σ_i w(i) M(i). Shapes: k b×h×d, mem b×n×d;
// outputs wr and sim b×h×n, r b×h×d, and the norms kn (b×h) and mn (b×n)
// that the backward pass reuses.
func readForward[T Float](wr, r, sim, kn, mn, k, mem []T, b, h, n, d int) {
	for s := 0; s < b; s++ {
		m := mem[s*n*d : (s+1)*n*d]
		mns := mn[s*n : (s+1)*n]
		for i := range mns {
			row := m[i*d : (i+1)*d]
			mns[i] = T(math.Sqrt(float64(dot(row, row)) + normEps))
		}
		for hd := 0; hd < h; hd++ {
			q := s*h + hd
			kv := k[q*d : (q+1)*d]
			knv := T(math.Sqrt(float64(dot(kv, kv)) + normEps))
			kn[q] = knv
			ss, ws := sim[q*n:(q+1)*n], wr[q*n:(q+1)*n]
			mx := T(math.Inf(-1))
			for i := range ss {
				ss[i] = dot(kv, m[i*d:(i+1)*d]) / (knv * mns[i])
				mx = max(mx, ss[i])
			}
			var z float64
			for i, v := range ss {
				e := math.Exp(float64(v - mx))
				ws[i] = T(e)
				z += e
			}
			rv := r[q*d : (q+1)*d]
			clear(rv)
			for i := range ws {
				ws[i] = T(float64(ws[i]) / z)
				axpy(rv, ws[i], m[i*d:(i+1)*d])
			}
		}
	}
}

// readBackward is readForward's backward pass. dr (b×h×d) is the gradient
// of the loss with respect to r; dwr (b×h×n) holds on entry the gradient
// with respect to wr from elsewhere (the next step's write) and is used as
// scratch. It adds the gradients with respect to k into dk (b×h×d) and
// with respect to mem into dmem (b×n×d).
func readBackward[T Float](dk, dmem, dwr, dr, wr, sim, kn, mn, k, mem []T, b, h, n, d int) {
	for s := 0; s < b; s++ {
		m, dm := mem[s*n*d:(s+1)*n*d], dmem[s*n*d:(s+1)*n*d]
		mns := mn[s*n : (s+1)*n]
		for hd := 0; hd < h; hd++ {
			q := s*h + hd
			kv, dkv, drv := k[q*d:(q+1)*d], dk[q*d:(q+1)*d], dr[q*d:(q+1)*d]
			ws, g, ss := wr[q*n:(q+1)*n], dwr[q*n:(q+1)*n], sim[q*n:(q+1)*n]
			// r = Σ w(i) M(i).
			var wg T
			for i := range g {
				row := m[i*d : (i+1)*d]
				g[i] += dot(drv, row)
				axpy(dm[i*d:(i+1)*d], ws[i], drv)
				wg += ws[i] * g[i]
			}
			// Softmax, then the cosine: ∂sim/∂k = M(i)/(‖k‖‖M(i)‖) −
			// sim·k/‖k‖², ∂sim/∂M(i) = k/(‖k‖‖M(i)‖) − sim·M(i)/‖M(i)‖².
			knv := kn[q]
			var kcoef T
			for i := range g {
				ds := ws[i] * (g[i] - wg)
				row := m[i*d : (i+1)*d]
				inv := 1 / (knv * mns[i])
				axpy(dkv, ds*inv, row)
				kcoef += ds * ss[i]
				dmi := dm[i*d : (i+1)*d]
				axpy(dmi, ds*inv, kv)
				axpy(dmi, -ds*ss[i]/(mns[i]*mns[i]), row)
			}
			axpy(dkv, -kcoef/(knv*knv), kv)
		}
	}
}

// leastUsed writes into lu (b×h) the indices of the h least-used slots of
// each of b usage vectors u (b×n), in increasing order of usage (ties: the
// lower index first). lu[s·h] is then the least-used slot of memory s,
// the one LRUA clears before writing.
func leastUsed[T Float](lu []int32, u []T, b, h, n int) {
	for s := 0; s < b; s++ {
		us, ls := u[s*n:(s+1)*n], lu[s*h:(s+1)*h]
		for j := range ls {
			best := -1
			for i, v := range us {
				if taken(ls[:j], i) {
					continue
				}
				if best < 0 || v < us[best] {
					best = i
				}
			}
			ls[j] = int32(best)
		}
	}
}

func taken(ls []int32, i int) bool {
	for _, v := range ls {
		if int(v) == i {
			return true
		}
	}
	return false
}

// writeForward is the least-recently-used-access write for a batch of b
// memories of n slots × d and h heads. Head j of memory s writes with the
// weights
//
//	ww(i) = σ(α)·wrPrev(i) + (1 − σ(α))·lu(i)
//
// where wrPrev are the head's read weights of the previous step, σ(α) its
// gate s (b×h, already squashed) and lu(i) is 1 for the h least-used slots
// (indices in lu, b×h; see leastUsed) and 0 elsewhere. The memory is
// memPrev with its least-used slot lu[s·h] cleared, plus the keys written:
//
//	M(i) = memPrev(i)·[i ≠ lu[s·h]] + Σ_j ww_j(i)·k_j
//
// Shapes: memPrev and mem b×n×d (must not alias), wrPrev and ww b×h×n, k
// b×h×d.
func writeForward[T Float](ww, mem, memPrev, wrPrev, gate, k []T, lu []int32, b, h, n, d int) {
	for s := 0; s < b; s++ {
		m := mem[s*n*d : (s+1)*n*d]
		copy(m, memPrev[s*n*d:(s+1)*n*d])
		clear(m[int(lu[s*h])*d : (int(lu[s*h])+1)*d])
		for j := 0; j < h; j++ {
			q := s*h + j
			g := gate[q]
			ws, wp := ww[q*n:(q+1)*n], wrPrev[q*n:(q+1)*n]
			for i, v := range wp {
				ws[i] = g * v
			}
			for _, i := range lu[s*h : (s+1)*h] {
				ws[i] += 1 - g
			}
			kv := k[q*d : (q+1)*d]
			for i, w := range ws {
				axpy(m[i*d:(i+1)*d], w, kv)
			}
		}
	}
}

// writeBackward is writeForward's backward pass. dmem (b×n×d) holds the
// gradient with respect to mem on entry and that with respect to memPrev
// on return. It writes the gradients with respect to the gates into dgate
// (b×h) and with respect to wrPrev into dwrPrev (b×h×n), and adds those
// with respect to the keys into dk (b×h×d).
func writeBackward[T Float](dgate, dwrPrev, dk, dmem, ww, wrPrev, gate, k []T, lu []int32, b, h, n, d int) {
	for s := 0; s < b; s++ {
		dm := dmem[s*n*d : (s+1)*n*d]
		for j := 0; j < h; j++ {
			q := s*h + j
			g := gate[q]
			kv, dkv := k[q*d:(q+1)*d], dk[q*d:(q+1)*d]
			ws, wp, dwp := ww[q*n:(q+1)*n], wrPrev[q*n:(q+1)*n], dwrPrev[q*n:(q+1)*n]
			var dg T
			for i := range ws {
				row := dm[i*d : (i+1)*d]
				dw := dot(row, kv) // ∂L/∂ww(i)
				axpy(dkv, ws[i], row)
				dg += dw * wp[i]
				dwp[i] = g * dw
			}
			for _, i := range lu[s*h : (s+1)*h] {
				dg -= dot(dm[int(i)*d:(int(i)+1)*d], kv)
			}
			dgate[q] = dg
		}
		z := int(lu[s*h])
		clear(dm[z*d : (z+1)*d])
	}
}

// usageForward sets the usage u = γ·uPrev + Σ_j wr_j + Σ_j ww_j for a batch
// of b memories of n slots and h heads (u, uPrev b×n; wr, ww b×h×n). The
// usage only chooses the least-used slots (leastUsed), a piecewise
// constant choice, so it carries no gradient.
func usageForward[T Float](u, uPrev, wr, ww []T, gamma T, b, h, n int) {
	for s := 0; s < b; s++ {
		us := u[s*n : (s+1)*n]
		for i, v := range uPrev[s*n : (s+1)*n] {
			us[i] = gamma * v
		}
		for j := 0; j < h; j++ {
			q := s*h + j
			axpy(us, 1, wr[q*n:(q+1)*n])
			axpy(us, 1, ww[q*n:(q+1)*n])
		}
	}
}
