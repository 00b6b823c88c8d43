package mann

import "math"

// Gemm is a row-major gemm, C = alpha·op(A)·op(B) + beta·C with op(A) m×k
// and op(B) k×n: gemm.Workspace.Sgemm for float32, a plain loop for the
// float64 checks.
type Gemm[T Float] func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// weights are the parameters (or their gradients) as slices, in the
// layouts of PyTorch's nn.LSTMCell and nn.Linear (Config.shapes).
type weights[T Float] struct {
	wih, whh, bih, bhh, wk, bk, wg, bg, wo, bo []T
}

func (w *weights[T]) list() [numParam]*[]T {
	return [numParam]*[]T{&w.wih, &w.whh, &w.bih, &w.bhh, &w.wk, &w.bk, &w.wg, &w.bg, &w.wo, &w.bo}
}

// state is what a MANN carries from one step to the next, for a batch of
// sequences: the LSTM's h and c, the read vectors, the read weights, the
// usage and the memory. It is the initial state of an episode (zeros) or
// the state after a support set (Classifier).
type state[T Float] struct {
	h, c, r, wr, usage, mem []T
}

// net runs episodes of a MANN forward and backward for a batch of
// sequences in lockstep, with backpropagation through time. Its buffers are
// sized for the largest episode seen (steps × batch) and reused, so that
// running episodes of one size allocates nothing.
//
// Per-step arrays hold steps entries of batch rows (act, tc, k, ...);
// those of the carried state hold steps+1, entry 0 being the initial state
// and entry t+1 the state after step t.
type net[T Float] struct {
	cfg  Config
	gemm Gemm[T]
	w    weights[T]
	g    weights[T] // gradients, written by backward

	steps, batch int
	way          int

	x      []T     // steps×batch×direct: image and previous label
	y      []int32 // steps×batch targets: classes, or string labels' indices
	weight []T     // steps×batch loss weights

	act, tc       []T     // steps×batch×4U activations; steps×batch×U tanh(c)
	h, c          []T     // (steps+1)×batch×U
	r             []T     // (steps+1)×batch×H·D read vectors
	wr            []T     // (steps+1)×batch×H×N read weights
	usage         []T     // (steps+1)×batch×N
	mem           []T     // (steps+1)×batch×N×D
	k, gate       []T     // steps×batch×H·D keys (tanh), steps×batch×H gates (σ)
	ww, sim       []T     // steps×batch×H×N write weights, similarities
	kn, mn        []T     // steps×batch×H key norms, steps×batch×N slot norms
	lu            []int32 // steps×batch×H least-used slots
	logits, probs []T     // steps×batch×outputs

	// backward
	dlogits, dH, dR []T // steps×batch×{C, U, H·D}
	dz              []T // steps×batch×4U
	dkpre, dgpre    []T // steps×batch×{H·D, H}
	dh, dc, dr      []T // batch×{U, U, H·D} carried
	dwr, dmem       []T // batch×H×N, batch×N×D carried
}

func newNet[T Float](cfg Config, g Gemm[T]) *net[T] {
	return &net[T]{cfg: cfg, gemm: g}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// resize sizes the buffers for episodes of steps × batch.
func (n *net[T]) resize(steps, batch int) {
	c := n.cfg
	u, hd, hn, nd := c.Units, c.Heads*c.Width, c.Heads*c.Slots, c.Slots*c.Width
	sb, sb1 := steps*batch, (steps+1)*batch
	n.steps, n.batch = steps, batch
	n.x = grow(n.x, sb*c.direct())
	n.y = grow(n.y, sb)
	n.weight = grow(n.weight, sb)
	n.act, n.tc = grow(n.act, sb*4*u), grow(n.tc, sb*u)
	n.h, n.c = grow(n.h, sb1*u), grow(n.c, sb1*u)
	n.r, n.wr = grow(n.r, sb1*hd), grow(n.wr, sb1*hn)
	n.usage, n.mem = grow(n.usage, sb1*c.Slots), grow(n.mem, sb1*nd)
	n.k, n.gate = grow(n.k, sb*hd), grow(n.gate, sb*c.Heads)
	n.ww, n.sim = grow(n.ww, sb*hn), grow(n.sim, sb*hn)
	n.kn, n.mn = grow(n.kn, sb*c.Heads), grow(n.mn, sb*c.Slots)
	n.lu = grow(n.lu, sb*c.Heads)
	n.logits, n.probs = grow(n.logits, sb*c.outputs()), grow(n.probs, sb*c.outputs())
}

// resetState sets the initial state (entry 0) to zeros.
func (n *net[T]) resetState() {
	b, c := n.batch, n.cfg
	clear(n.h[:b*c.Units])
	clear(n.c[:b*c.Units])
	clear(n.r[:b*c.Heads*c.Width])
	clear(n.wr[:b*c.Heads*c.Slots])
	clear(n.usage[:b*c.Slots])
	clear(n.mem[:b*c.Slots*c.Width])
}

// at returns entry t (of rows of size per) of a per-step array of n.batch
// rows per entry.
func (n *net[T]) at(a []T, t, per int) []T {
	sz := n.batch * per
	return a[t*sz : (t+1)*sz]
}

// saveState copies the state after the last step of sequence b into s.
func (n *net[T]) saveState(s *state[T], b int) {
	c, t := n.cfg, n.steps
	cp := func(dst *[]T, a []T, per int) {
		*dst = append((*dst)[:0], n.at(a, t, per)[b*per:(b+1)*per]...)
	}
	cp(&s.h, n.h, c.Units)
	cp(&s.c, n.c, c.Units)
	cp(&s.r, n.r, c.Heads*c.Width)
	cp(&s.wr, n.wr, c.Heads*c.Slots)
	cp(&s.usage, n.usage, c.Slots)
	cp(&s.mem, n.mem, c.Slots*c.Width)
}

// loadState sets the initial state of every sequence of the batch to s.
func (n *net[T]) loadState(s *state[T]) {
	c := n.cfg
	ld := func(a, v []T, per int) {
		for b := 0; b < n.batch; b++ {
			copy(a[b*per:(b+1)*per], v)
		}
	}
	ld(n.h, s.h, c.Units)
	ld(n.c, s.c, c.Units)
	ld(n.r, s.r, c.Heads*c.Width)
	ld(n.wr, s.wr, c.Heads*c.Slots)
	ld(n.usage, s.usage, c.Slots)
	ld(n.mem, s.mem, c.Slots*c.Width)
}

// forward runs the episode held in n.x (set by the caller after resize,
// with the initial state in entry 0) and returns the loss
// Σ weight·headLoss over the steps and sequences: the cross-entropy of the
// softmax over the first way logits (one-hot labels), or the sum of the
// five characters' cross-entropies (string labels; see headForward).
func (n *net[T]) forward(way int) float64 {
	c, w, gm := n.cfg, &n.w, n.gemm
	B, S := n.batch, n.steps
	u, hd, H, N, D, I, X := c.Units, c.Heads*c.Width, c.Heads, c.Slots, c.Width, c.inputs(), c.direct()
	n.way = way
	// Gate pre-activations from the known inputs, for all steps at once.
	gm(false, true, S*B, 4*u, X, 1, n.x, X, w.wih, I, 0, n.act, 4*u)
	for t := 0; t < S; t++ {
		z := n.at(n.act, t, 4*u)
		for b := 0; b < B; b++ {
			zb := z[b*4*u : (b+1)*4*u]
			axpy(zb, 1, w.bih)
			axpy(zb, 1, w.bhh)
		}
		rPrev, hPrev := n.at(n.r, t, hd), n.at(n.h, t, u)
		gm(false, true, B, 4*u, hd, 1, rPrev, hd, w.wih[X:], I, 1, z, 4*u)
		gm(false, true, B, 4*u, u, 1, hPrev, u, w.whh, u, 1, z, 4*u)
		h := n.at(n.h, t+1, u)
		lstmForward(z, n.at(n.c, t+1, u), n.at(n.tc, t, u), h, n.at(n.c, t, u), B, u)

		k, gate := n.at(n.k, t, hd), n.at(n.gate, t, H)
		linear(gm, k, h, w.wk, w.bk, B, u, hd)
		for i, v := range k {
			k[i] = tanh(v)
		}
		linear(gm, gate, h, w.wg, w.bg, B, u, H)
		for i, v := range gate {
			gate[i] = sigmoid(v)
		}
		lu := n.lu[t*B*H : (t+1)*B*H]
		leastUsed(lu, n.at(n.usage, t, N), B, H, N)
		mem, ww := n.at(n.mem, t+1, N*D), n.at(n.ww, t, H*N)
		writeForward(ww, mem, n.at(n.mem, t, N*D), n.at(n.wr, t, H*N), gate, k, lu, B, H, N, D)
		wr := n.at(n.wr, t+1, H*N)
		readForward(wr, n.at(n.r, t+1, hd), n.at(n.sim, t, H*N), n.at(n.kn, t, H), n.at(n.mn, t, N), k, mem, B, H, N, D)
		usageForward(n.at(n.usage, t+1, N), n.at(n.usage, t, N), wr, ww, T(c.Gamma), B, H, N)
	}
	// Logits from the controller's output and the read vectors.
	C := c.outputs()
	gm(false, true, S*B, C, u, 1, n.h[B*u:], u, w.wo, u+hd, 0, n.logits, C)
	gm(false, true, S*B, C, hd, 1, n.r[B*hd:], hd, w.wo[u:], u+hd, 1, n.logits, C)
	var loss float64
	for q := 0; q < S*B; q++ {
		lg, p := n.logits[q*C:(q+1)*C], n.probs[q*C:(q+1)*C]
		axpy(lg, 1, w.bo)
		headForward(c.Labels, p, lg, way)
		if wt := n.weight[q]; wt != 0 {
			loss += float64(wt) * headLoss(c.Labels, p, int(n.y[q]))
		}
	}
	return loss
}

// headForward sets p to the answer's probabilities from the logits lg
// (both of Config.outputs units; p may alias lg). One-hot labels: the
// softmax over the first way units, zeros beyond. String labels: five
// independent softmaxes, one over each character's 5 units.
func headForward[T Float](labels Labels, p, lg []T, way int) {
	if labels == String {
		for i := 0; i < stringWidth; i += StringLetters {
			softmax(p[i:i+StringLetters], lg[i:i+StringLetters])
		}
		return
	}
	softmax(p[:way], lg[:way])
	clear(p[way:])
}

// headLoss returns the cross-entropy of the probabilities p for target y
// (a class for one-hot labels, a string label's index for strings): −log
// p(y), or for strings the sum over the five characters of −log p(char).
func headLoss[T Float](labels Labels, p []T, y int) float64 {
	if labels == String {
		var l float64
		for i := range StringChars {
			l -= math.Log(float64(p[i*StringLetters+stringChar(y, i)]))
		}
		return l
	}
	return -math.Log(float64(p[y]))
}

// headBackward sets dl to the gradient of wt·headLoss with respect to the
// logits: wt·(p − onehot(y)), the one-hot of each character for strings.
func headBackward[T Float](labels Labels, dl, p []T, y int, wt T) {
	for j := range dl {
		dl[j] = wt * p[j]
	}
	if labels == String {
		for i := range StringChars {
			dl[i*StringLetters+stringChar(y, i)] -= wt
		}
		return
	}
	dl[y] -= wt
}

// answer returns the answer p codes: the most probable of the first way
// classes (one-hot labels), or the string label made of each character's
// most probable letter (strings; it may be a label no class of the task
// has).
func answer[T Float](labels Labels, p []T, way int) int {
	if labels == String {
		y := 0
		for i := range StringChars {
			y = y*StringLetters + argmax(p[i*StringLetters:(i+1)*StringLetters])
		}
		return y
	}
	return argmax(p[:way])
}

// linear sets y = x·wᵀ + b for x m×in, w out×in, y m×out.
func linear[T Float](gm Gemm[T], y, x, w, b []T, m, in, out int) {
	gm(false, true, m, out, in, 1, x, in, w, in, 0, y, out)
	for i := 0; i < m; i++ {
		axpy(y[i*out:(i+1)*out], 1, b)
	}
}

// softmax sets p to the softmax of x (p may alias x).
func softmax[T Float](p, x []T) {
	mx := x[0]
	for _, v := range x {
		mx = max(mx, v)
	}
	var z float64
	for i, v := range x {
		e := math.Exp(float64(v - mx))
		p[i] = T(e)
		z += e
	}
	for i := range p {
		p[i] = T(float64(p[i]) / z)
	}
}

// backward writes the gradients of the last forward's loss into n.g
// (overwritten), by backpropagation through time.
func (n *net[T]) backward() {
	c, w, g, gm := n.cfg, &n.w, &n.g, n.gemm
	B, S := n.batch, n.steps
	u, hd, H, N, D, I, X, C := c.Units, c.Heads*c.Width, c.Heads, c.Slots, c.Width, c.inputs(), c.direct(), c.outputs()
	sb := S * B
	n.dlogits = grow(n.dlogits, sb*C)
	n.dH, n.dR = grow(n.dH, sb*u), grow(n.dR, sb*hd)
	n.dz = grow(n.dz, sb*4*u)
	n.dkpre, n.dgpre = grow(n.dkpre, sb*hd), grow(n.dgpre, sb*H)
	n.dh, n.dc, n.dr = grow(n.dh, B*u), grow(n.dc, B*u), grow(n.dr, B*hd)
	n.dwr, n.dmem = grow(n.dwr, B*H*N), grow(n.dmem, B*N*D)

	// Softmax cross-entropy: over the first way classes, or each
	// character's letters.
	for q := 0; q < sb; q++ {
		headBackward(c.Labels, n.dlogits[q*C:(q+1)*C], n.probs[q*C:(q+1)*C], int(n.y[q]), n.weight[q])
	}
	gm(true, false, C, u, sb, 1, n.dlogits, C, n.h[B*u:], u, 0, g.wo, u+hd)
	gm(true, false, C, hd, sb, 1, n.dlogits, C, n.r[B*hd:], hd, 0, g.wo[u:], u+hd)
	colSums(g.bo, n.dlogits, sb, C)
	gm(false, false, sb, u, C, 1, n.dlogits, C, w.wo, u+hd, 0, n.dH, u)
	gm(false, false, sb, hd, C, 1, n.dlogits, C, w.wo[u:], u+hd, 0, n.dR, hd)

	clear(n.dh)
	clear(n.dc)
	clear(n.dr)
	clear(n.dwr)
	clear(n.dmem)
	for t := S - 1; t >= 0; t-- {
		// ∂L/∂r[t+1]: the logits of step t and the controller at t+1.
		dr := n.dr
		axpy(dr, 1, n.at(n.dR, t, hd))
		dk := n.at(n.dkpre, t, hd)
		clear(dk)
		k, gate, lu := n.at(n.k, t, hd), n.at(n.gate, t, H), n.lu[t*B*H:(t+1)*B*H]
		mem := n.at(n.mem, t+1, N*D)
		readBackward(dk, n.dmem, n.dwr, dr, n.at(n.wr, t+1, H*N), n.at(n.sim, t, H*N), n.at(n.kn, t, H), n.at(n.mn, t, N), k, mem, B, H, N, D)
		dg := n.at(n.dgpre, t, H)
		writeBackward(dg, n.dwr, dk, n.dmem, n.at(n.ww, t, H*N), n.at(n.wr, t, H*N), gate, k, lu, B, H, N, D)
		for i, v := range k {
			dk[i] *= 1 - v*v
		}
		for i, v := range gate {
			dg[i] *= v * (1 - v)
		}
		// ∂L/∂h[t+1]: the logits, the keys and gates of step t, and the
		// controller at t+1 (already in n.dh).
		dh := n.dh
		axpy(dh, 1, n.at(n.dH, t, u))
		gm(false, false, B, u, hd, 1, dk, hd, w.wk, u, 1, dh, u)
		gm(false, false, B, u, H, 1, dg, H, w.wg, u, 1, dh, u)
		dz := n.at(n.dz, t, 4*u)
		lstmBackward(dz, n.dc, dh, n.at(n.act, t, 4*u), n.at(n.tc, t, u), n.at(n.c, t, u), B, u)
		gm(false, false, B, u, 4*u, 1, dz, 4*u, w.whh, u, 0, n.dh, u)
		gm(false, false, B, hd, 4*u, 1, dz, 4*u, w.wih[X:], I, 0, n.dr, hd)
	}
	// Parameter gradients, for all steps at once.
	gm(true, false, 4*u, X, sb, 1, n.dz, 4*u, n.x, X, 0, g.wih, I)
	gm(true, false, 4*u, hd, sb, 1, n.dz, 4*u, n.r, hd, 0, g.wih[X:], I)
	gm(true, false, 4*u, u, sb, 1, n.dz, 4*u, n.h, u, 0, g.whh, u)
	colSums(g.bih, n.dz, sb, 4*u)
	copy(g.bhh, g.bih)
	gm(true, false, hd, u, sb, 1, n.dkpre, hd, n.h[B*u:], u, 0, g.wk, u)
	colSums(g.bk, n.dkpre, sb, hd)
	gm(true, false, H, u, sb, 1, n.dgpre, H, n.h[B*u:], u, 0, g.wg, u)
	colSums(g.bg, n.dgpre, sb, H)
}

// colSums sets dst (cols) to the column sums of a (rows×cols).
func colSums[T Float](dst, a []T, rows, cols int) {
	clear(dst)
	for i := 0; i < rows; i++ {
		axpy(dst, 1, a[i*cols:(i+1)*cols])
	}
}
