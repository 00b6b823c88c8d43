package mann

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/nn"
	"metaglot/core/optim"
	"metaglot/core/tensor"
)

// Learner meta-trains a MANN on few-shot tasks with Adam or RMSProp
// (Config.Optimizer). It implements learner.Learner.
//
// Step turns each task into one episode: all its images, support and
// query alike, in a random order, each step's input the image and the
// label of the step before (the paper's protocol: since no class keeps a
// label from one episode to the next, the network must bind labels to
// images in its memory within the episode; see Config.PermuteLabels).
// With string labels (Config.Labels) each class gets a string drawn at
// random for the episode, distinct within it. The loss is the mean
// cross-entropy (for strings, the sum of the five characters') over every
// step of every episode of the meta-batch, as in the paper; Metrics report
// it and the accuracy over every step (including each class's first
// presentation, which can only be guessed; a string answer counts only
// when all five characters are right).
//
// The random order and permutation of task i at the s-th successful step
// come from PCG(s, i), so a run resumed from its parameters and optimizer
// state repeats exactly. A Learner is not safe for concurrent use.
type Learner struct {
	cfg       Config
	params    *tensor.Set
	grads     *tensor.Set
	opt       outerOptimizer
	net       *net[float32]
	ws        *gemm.Workspace
	down      downscaler
	pcg       rand.PCG
	rng       *rand.Rand
	perm, ord []int
	codes     []int // string labels of the classes of an episode

	// Step's chunks of a meta-batch (chunkSize episodes each), chunk 0
	// being net and grads above; par runs them.
	par    nn.Parallel
	chunks []*chunk
	run    func(worker, lo, hi int) // runChunks, made once
	way    int                      // the way of the step runChunks runs
}

// chunkSize is how many episodes of a meta-batch one network runs in
// lockstep in Step. The meta-batch is cut into chunks of at most
// chunkSize episodes whatever the number of workers; each chunk's
// gradient is computed on its own, on one worker, and the chunks' are
// summed in chunk order, so that a step gives the same parameters for any
// number of workers (the paper's batch of 16 is two chunks, which two
// workers run at once).
const chunkSize = 8

// newChunkWorkspace returns a gemm workspace for a chunk's network, whose
// products of chunkSize rows by the same weights, step after step, run
// faster packed than as the dot products gemm gives thin products by
// default (gemm.Workspace.SetDotThin; BenchmarkStep, two chunks on one
// thread of an idle machine: 154–157 episodes/s against 141–142).
func newChunkWorkspace() *gemm.Workspace {
	ws := gemm.NewWorkspace()
	ws.SetDotThin(chunkSize)
	return ws
}

// chunk is a network (on its own gemm workspace) and its gradients, for
// one chunk of a meta-batch, with the loss and accuracy of its last run.
type chunk struct {
	net   *net[float32]
	grads *tensor.Set
	loss  float64
	acc   float64
}

// New returns a Learner that meta-trains params in place (NewParams(cfg,
// …) or a MANN read from a file). The zero fields of cfg are the paper's
// values; it returns an error if a field is out of range or params do not
// have cfg's shapes.
func New(params *tensor.Set, cfg Config) (*Learner, error) {
	return NewParallel(params, cfg, nil)
}

// NewParallel is New with the workers that run the chunks of a training
// step's meta-batch at once (chunkSize; nil means one). The parameters it
// trains are the same for any number of workers.
func NewParallel(params *tensor.Set, cfg Config, par nn.Parallel) (*Learner, error) {
	cfg = cfg.withDefaults()
	if err := checkParams(cfg, params); err != nil {
		return nil, err
	}
	l := &Learner{cfg: cfg, params: params, grads: params.ZerosLike(), ws: newChunkWorkspace(), down: newDownscaler(cfg.Side)}
	switch cfg.Optimizer {
	case RMSProp:
		l.opt = optim.NewRMSProp(params, optim.RMSPropConfig{LR: float32(cfg.LR), Alpha: rmspropDecay, Momentum: rmspropMomentum})
	default:
		l.opt = optim.NewAdam(params, optim.AdamConfig{LR: float32(cfg.LR)})
	}
	l.net = newFloat32Net(cfg, params, l.grads, l.ws)
	l.rng = rand.New(&l.pcg)
	if par == nil {
		par = nn.Serial{}
	}
	l.par = par
	l.chunks = []*chunk{{net: l.net, grads: l.grads}}
	l.run = l.runChunks
	return l, nil
}

// newFloat32Net returns a net whose weights and gradients are the data of
// params and grads.
func newFloat32Net(cfg Config, params, grads *tensor.Set, ws *gemm.Workspace) *net[float32] {
	n := newNet(cfg, Gemm[float32](ws.Sgemm))
	names, _ := cfg.shapes()
	for i, name := range names {
		*n.w.list()[i] = params.Get(name).Data
		if grads != nil {
			*n.g.list()[i] = grads.Get(name).Data
		}
	}
	return n
}

// Config returns the learner's configuration, defaults filled in.
func (l *Learner) Config() Config { return l.cfg }

// Params returns the parameters, updated in place by Step.
func (l *Learner) Params() *tensor.Set { return l.params }

// outerOptimizer is what the Learner needs of optim.Adam and
// optim.RMSProp.
type outerOptimizer interface {
	Step(params, grads *tensor.Set) error
	State() *tensor.Set
	LoadState(s *tensor.Set) error
	SetLR(lr float32)
	Steps() int64
}

// OptimState returns a copy of the optimizer's state (Adam's or
// RMSProp's, whose tensors are named for it: a checkpoint of one does not
// load into the other).
func (l *Learner) OptimState() *tensor.Set { return l.opt.State() }

// LoadOptimState restores an optimizer state returned by OptimState.
func (l *Learner) LoadOptimState(s *tensor.Set) error { return l.opt.LoadState(s) }

// SetLR sets the optimizer's learning rate.
func (l *Learner) SetLR(lr float64) { l.opt.SetLR(float32(lr)) }

// checkTask returns an error naming the problem if t is malformed or has
// more classes than the network has outputs. It allocates only when it
// fails.
func (l *Learner) checkTask(t *learner.Task) error {
	if t == nil {
		return fmt.Errorf("mann: nil task")
	}
	ok := t.Way >= 1 && imagesOK(t.Support, t.SupportLabels, t.Way) &&
		((t.Query == nil && t.QueryLabels == nil) || imagesOK(t.Query, t.QueryLabels, t.Way))
	if !ok {
		if err := t.Check(); err != nil {
			return fmt.Errorf("mann: %w", err)
		}
		return fmt.Errorf("mann: malformed task")
	}
	if t.Way > l.cfg.Classes {
		if l.cfg.Labels == String {
			return fmt.Errorf("mann: a %d-way task: string labels name at most %d classes", t.Way, l.cfg.Classes)
		}
		return fmt.Errorf("mann: a %d-way task for a network with %d output classes (train one with -way %d or more)", t.Way, l.cfg.Classes, t.Way)
	}
	return nil
}

func imagesOK(x *tensor.Tensor, labels []int, way int) bool {
	if x == nil || len(x.Shape) != 4 || x.Shape[0] < 1 || x.Shape[1] != 1 || x.Shape[2] != imageSize || x.Shape[3] != imageSize ||
		len(labels) != x.Shape[0] || len(x.Data) != x.Shape[0]*imageSize*imageSize {
		return false
	}
	for _, y := range labels {
		if y < 0 || y >= way {
			return false
		}
	}
	return true
}

// length returns the number of images of t.
func length(t *learner.Task) int { return len(t.SupportLabels) + len(t.QueryLabels) }

// image returns image i of t, counting the support images first.
func image(t *learner.Task, i int) ([]float32, int) {
	const sz = imageSize * imageSize
	if s := len(t.SupportLabels); i >= s {
		return t.Query.Data[(i-s)*sz : (i-s+1)*sz], t.QueryLabels[i-s]
	}
	return t.Support.Data[i*sz : (i+1)*sz], t.SupportLabels[i]
}

// setStep writes the input of step t of sequence b of n: img downscaled,
// and the label prev in the learner's code (none if prev < 0); and its
// target y with loss weight w. Labels are classes for one-hot labels and
// string labels' indices for strings.
func (l *Learner) setStep(n *net[float32], t, b int, img []float32, prev, y int, w float32) {
	X, P := l.cfg.direct(), l.cfg.pixels()
	q := t*n.batch + b
	x := n.x[q*X : (q+1)*X]
	downscale(&l.down, x[:P], img)
	setLabel(l.cfg.Labels, x[P:], prev)
	n.y[q], n.weight[q] = int32(y), w
}

// episodes checks tasks, which must all have the same way and number of
// images, and sizes n for them. It returns the way and the length.
func (l *Learner) episodes(n *net[float32], tasks []*learner.Task) (way, steps int, err error) {
	if way, steps, err = l.checkEpisodes(tasks); err != nil {
		return 0, 0, err
	}
	n.resize(steps, len(tasks))
	n.resetState()
	return way, steps, nil
}

// checkEpisodes checks tasks, which must all have the same way and number
// of images, and returns the way and the length.
func (l *Learner) checkEpisodes(tasks []*learner.Task) (way, steps int, err error) {
	if len(tasks) == 0 {
		return 0, 0, fmt.Errorf("mann: step on no tasks")
	}
	for i, t := range tasks {
		if err := l.checkTask(t); err != nil {
			return 0, 0, fmt.Errorf("task %d: %w", i, err)
		}
		if i > 0 && (t.Way != way || length(t) != steps) {
			return 0, 0, fmt.Errorf("mann: task %d is %d-way with %d images, task 0 %d-way with %d: a meta-batch runs its episodes in lockstep",
				i, t.Way, length(t), way, steps)
		}
		way, steps = t.Way, length(t)
	}
	return way, steps, nil
}

// shuffled fills l.perm (each class's label: a random permutation of the
// way classes, or with string labels a string drawn for each) and l.ord (a
// random order of the steps) from l.rng.
func (l *Learner) shuffled(way, steps int) {
	l.perm, l.ord = grow(l.perm, way), grow(l.ord, steps)
	for i := range l.perm {
		l.perm[i] = i
	}
	for i := range l.ord {
		l.ord[i] = i
	}
	if l.cfg.PermuteLabels {
		l.rng.Shuffle(way, func(i, j int) { l.perm[i], l.perm[j] = l.perm[j], l.perm[i] })
	}
	l.rng.Shuffle(steps, func(i, j int) { l.ord[i], l.ord[j] = l.ord[j], l.ord[i] })
	if l.cfg.Labels == String {
		// Each class's string, drawn after the order so that the draws
		// of one-hot episodes stay what they were.
		l.codes = grow(l.codes, way)
		drawCodes(l.codes, l.rng)
		for i, k := range l.perm {
			l.perm[i] = l.codes[k]
		}
	}
}

// Step runs each task as an episode (see Learner), backpropagates the mean
// cross-entropy over all steps through time, and takes one step of the
// optimizer (Adam or RMSProp). The tasks of a meta-batch must have the
// same way and number of images; they run in chunks of chunkSize episodes,
// in parallel over the learner's workers. On error the parameters and the
// optimizer state are unchanged. Step allocates nothing once its buffers
// have grown to the meta-batch's size.
func (l *Learner) Step(tasks []*learner.Task) (learner.Metrics, error) {
	way, steps, err := l.checkEpisodes(tasks)
	if err != nil {
		return learner.Metrics{}, err
	}
	nc := (len(tasks) + chunkSize - 1) / chunkSize
	for len(l.chunks) < nc {
		c := &chunk{grads: l.params.ZerosLike()}
		c.net = newFloat32Net(l.cfg, l.params, c.grads, newChunkWorkspace())
		l.chunks = append(l.chunks, c)
	}
	w := float32(1 / float64(steps*len(tasks)))
	for b, t := range tasks {
		n := l.chunks[b/chunkSize].net
		if b%chunkSize == 0 {
			n.resize(steps, min(chunkSize, len(tasks)-b))
			n.resetState()
		}
		l.pcg.Seed(uint64(l.opt.Steps()), uint64(b))
		l.shuffled(way, steps)
		prev := -1
		for s, i := range l.ord {
			img, y := image(t, i)
			y = l.perm[y]
			l.setStep(n, s, b%chunkSize, img, prev, y, w)
			prev = y
		}
	}
	l.way = way
	l.par.For(nc, l.run)
	var m learner.Metrics
	for i, c := range l.chunks[:nc] {
		if err := learner.CheckLoss(c.loss); err != nil {
			return learner.Metrics{}, fmt.Errorf("mann: %w", err)
		}
		m.Loss += c.loss
		m.Acc += c.acc * float64(c.net.batch) / float64(len(tasks))
		if i > 0 {
			// The chunks' gradients, summed in chunk order.
			for j := range l.grads.Len() {
				_, g := l.grads.At(j)
				_, d := c.grads.At(j)
				axpy32(g.Data, 1, d.Data)
			}
		}
	}
	if err := l.opt.Step(l.params, l.grads); err != nil {
		return learner.Metrics{}, fmt.Errorf("mann: %w", err)
	}
	return m, nil
}

// runChunks runs chunks lo…hi−1 of a step forward and, where the loss is
// finite, backward (nn.Parallel.For's body).
func (l *Learner) runChunks(_, lo, hi int) {
	for _, c := range l.chunks[lo:hi] {
		c.loss = c.net.forward(l.way)
		if learner.CheckLoss(c.loss) == nil {
			c.net.backward()
		}
		c.acc = c.net.accuracy()
	}
}

// accuracy returns the fraction of the steps of the last forward whose
// answer is the target: the most probable class, or for string labels the
// string of each character's most probable letter (all five right).
func (n *net[T]) accuracy() float64 {
	C, correct := n.cfg.outputs(), 0
	for q := 0; q < n.steps*n.batch; q++ {
		if answer(n.cfg.Labels, n.probs[q*C:(q+1)*C], n.way) == int(n.y[q]) {
			correct++
		}
	}
	return float64(correct) / float64(n.steps*n.batch)
}

func argmax[T Float](x []T) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// adaptSeed seeds the order in which Adapt feeds a support set.
const adaptSeed = 0x6d616e6e // "mann"

// Adapt feeds t's support set to the network as one sequence, in a random
// order fixed by a constant seed (AdaptOrder gives any other), and returns
// a classifier that continues that sequence with each query. It does not
// change the learner; the classifier keeps its own copy of the weights.
func (l *Learner) Adapt(t *learner.Task) (learner.Classifier, error) {
	if err := l.checkTask(t); err != nil {
		return nil, err
	}
	order := rand.New(rand.NewPCG(adaptSeed, uint64(len(t.SupportLabels)))).Perm(len(t.SupportLabels))
	c, err := l.AdaptOrder(t, order)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AdaptOrder is Adapt with the support images fed in the given order:
// order[s] is the index of the support image shown at step s (a
// permutation of the support set, or any list of its indices).
func (l *Learner) AdaptOrder(t *learner.Task, order []int) (*Classifier, error) {
	if err := l.checkTask(t); err != nil {
		return nil, err
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("mann: empty support order")
	}
	for _, i := range order {
		if i < 0 || i >= len(t.SupportLabels) {
			return nil, fmt.Errorf("mann: support order names image %d of %d", i, len(t.SupportLabels))
		}
	}
	if err := t.Support.CheckFinite("support images"); err != nil {
		return nil, fmt.Errorf("mann: %w", err)
	}
	c := &Classifier{cfg: l.cfg, way: t.Way, down: l.down, params: l.params.Clone(), ws: gemm.NewWorkspace()}
	c.net = newFloat32Net(l.cfg, c.params, nil, c.ws)
	c.codes = identity(t.Way)
	if l.cfg.Labels == String {
		drawCodes(c.codes, rand.New(rand.NewPCG(adaptSeed, uint64(t.Way))))
	}
	n := c.net
	n.resize(len(order), 1)
	n.resetState()
	prev := -1
	ys := make([]int, len(order))
	for s, i := range order {
		img, y := image(t, i)
		c.setStep(s, img, prev)
		n.y[s], n.weight[s] = int32(c.codes[y]), 0
		prev, ys[s] = c.codes[y], y
	}
	n.forward(t.Way)
	n.saveState(&c.st, 0)
	c.last = prev
	c.attribute(ys)
	return c, nil
}

// Classifier classifies queries by continuing the sequence of a support
// set: each query is the step after the last support image, whose label it
// receives as the previous label, from the state (memory, controller,
// reads, usage) the support set left. Queries do not see each other.
//
// With string labels the support set's classes get strings drawn from a
// constant seed (LabelStrings), Probs gives each class the probability of
// its string renormalised over the task's classes, and Predict answers as
// the paper counts: the class whose string has every character right, or
// none.
type Classifier struct {
	cfg    Config
	way    int
	down   downscaler
	params *tensor.Set
	ws     *gemm.Workspace
	net    *net[float32]
	st     state[float32]
	last   int   // the label of the last support image
	codes  []int // each class's label: itself (one-hot) or its string's index

	slotClass  []int
	slotWeight []float32
}

func (c *Classifier) setStep(s int, img []float32, prev int) {
	X, P := c.cfg.direct(), c.cfg.pixels()
	x := c.net.x[s*X : (s+1)*X]
	downscale(&c.down, x[:P], img)
	setLabel(c.cfg.Labels, x[P:], prev)
}

// Way returns the number of classes.
func (c *Classifier) Way() int { return c.way }

// Probs returns the M×Way class probabilities of the M images x
// (M×1×28×28), each the next step after the support sequence. With string
// labels, class k's is the probability of its string (the product of its
// five characters' probabilities) divided by the sum over the task's
// classes: the answer when it must be one of them (Predict gives the
// paper's, which may be none).
func (c *Classifier) Probs(x *tensor.Tensor) (*tensor.Tensor, error) {
	m, err := c.run(x)
	if err != nil {
		return nil, err
	}
	out := tensor.New(m, c.way)
	C := c.cfg.outputs()
	for q := range m {
		p, o := c.net.probs[q*C:(q+1)*C], out.Data[q*c.way:(q+1)*c.way]
		if c.cfg.Labels != String {
			copy(o, p[:c.way])
			continue
		}
		stringProbs(o, p, c.codes)
	}
	return out, nil
}

// stringProbs sets o[k] to the probability of the string label codes[k]
// under the per-character probabilities p (25), renormalised over codes;
// uniform if every one is 0 in float64.
func stringProbs(o, p []float32, codes []int) {
	logs := make([]float64, len(codes))
	mx := math.Inf(-1)
	for k, code := range codes {
		for i := range StringChars {
			logs[k] += math.Log(float64(p[i*StringLetters+stringChar(code, i)]))
		}
		mx = max(mx, logs[k])
	}
	if math.IsInf(mx, -1) {
		for k := range o {
			o[k] = 1 / float32(len(o))
		}
		return
	}
	var z float64
	for k, v := range logs {
		logs[k] = math.Exp(v - mx)
		z += logs[k]
	}
	for k, v := range logs {
		o[k] = float32(v / z)
	}
}

// Predict returns the class the network answers for each of the M images
// x (M×1×28×28), each the next step after the support sequence: the most
// probable class for one-hot labels; for string labels the class whose
// string is, character by character, the most probable letters, or −1 when
// that string is no class's of the task (Santoro et al. count a string
// right only when all five characters are).
func (c *Classifier) Predict(x *tensor.Tensor) ([]int, error) {
	m, err := c.run(x)
	if err != nil {
		return nil, err
	}
	C := c.cfg.outputs()
	out := make([]int, m)
	for q := range m {
		a := answer(c.cfg.Labels, c.net.probs[q*C:(q+1)*C], c.way)
		out[q] = slices.Index(c.codes, a)
	}
	return out, nil
}

// LabelStrings returns, with string labels, the string the support
// sequence gave each class ("caebd": letters a to e); nil for one-hot
// labels.
func (c *Classifier) LabelStrings() []string {
	if c.cfg.Labels != String {
		return nil
	}
	out := make([]string, len(c.codes))
	for k, code := range c.codes {
		out[k] = LabelString(code)
	}
	return out
}

// LabelString returns the string label of index code in [0, 3125) as
// letters a to e, the first character first.
func LabelString(code int) string {
	var b [StringChars]byte
	for i := range b {
		b[i] = 'a' + byte(stringChar(code, i))
	}
	return string(b[:])
}

// run checks the query images x and runs each as the step after the
// support sequence, leaving the answers in c.net.probs; it returns M.
func (c *Classifier) run(x *tensor.Tensor) (int, error) {
	if x == nil || len(x.Shape) != 4 || x.Shape[0] < 1 || x.Shape[1] != 1 || x.Shape[2] != imageSize || x.Shape[3] != imageSize {
		var s []int
		if x != nil {
			s = x.Shape
		}
		return 0, fmt.Errorf("mann: query images have shape %v, want [M 1 28 28] with M ≥ 1", tensor.ShapeString(s))
	}
	if err := x.CheckFinite("query images"); err != nil {
		return 0, fmt.Errorf("mann: %w", err)
	}
	m := x.Shape[0]
	n := c.net
	n.resize(1, m)
	n.loadState(&c.st)
	const sz = imageSize * imageSize
	for q := range m {
		c.setStep(q, x.Data[q*sz:(q+1)*sz], c.last)
		n.y[q], n.weight[q] = 0, 0
	}
	n.forward(c.way)
	return m, nil
}

// QueryAccuracy adapts to t's support set (Adapt) and returns the fraction
// of t's queries the classifier answers right (Classifier.Predict): the
// most probable class for one-hot labels, the string with all five
// characters right for string labels. For one-hot labels it equals
// learner.AccuracyOf with one query at a time.
func (l *Learner) QueryAccuracy(t *learner.Task) (float64, error) {
	if err := t.Check(); err != nil {
		return 0, fmt.Errorf("mann: %w", err)
	}
	if t.Query == nil {
		return 0, fmt.Errorf("mann: task has no query set")
	}
	c, err := l.Adapt(t)
	if err != nil {
		return 0, err
	}
	return learner.PredictorAccuracy(c.(*Classifier), t)
}

// Read returns the read weights (heads × slots) of the query image img
// (28×28 values) at its step after the support sequence: which memory
// slots the network reads to classify it, what the page's memory view
// draws beside Slots.
func (c *Classifier) Read(img []float32) ([][]float32, error) {
	if len(img) != imageSize*imageSize {
		return nil, fmt.Errorf("mann: a query image of %d values, want %d (28×28)", len(img), imageSize*imageSize)
	}
	if err := checkFinite(img); err != nil {
		return nil, fmt.Errorf("mann: query image: %w", err)
	}
	n := c.net
	n.resize(1, 1)
	n.loadState(&c.st)
	c.setStep(0, img, c.last)
	n.y[0], n.weight[0] = 0, 0
	n.forward(c.way)
	N := c.cfg.Slots
	w := n.at(n.wr, 1, c.cfg.Heads*N)
	wr := make([][]float32, c.cfg.Heads)
	for h := range wr {
		wr[h] = append([]float32(nil), w[h*N:(h+1)*N]...)
	}
	return wr, nil
}

// Slots returns, for each memory slot, the class of the support images
// that wrote the most weight into it since it was last cleared (their
// labels, as the sequence gave them), and that weight summed over the
// heads; class −1 and weight 0 for a slot no support image wrote to. The
// weights of a slot's other classes are not shown: a slot holds a sum of
// keys, usually dominated by one image.
func (c *Classifier) Slots() (class []int, weight []float32) {
	return append([]int(nil), c.slotClass...), append([]float32(nil), c.slotWeight...)
}

// attribute fills c.slotClass and c.slotWeight from the write weights of
// the support sequence just run on c.net, whose labels are ys.
func (c *Classifier) attribute(ys []int) {
	n, N, H := c.net, c.cfg.Slots, c.cfg.Heads
	acc := make([]float32, N*c.way)
	for s, y := range ys {
		z := int(n.lu[s*H])
		clear(acc[z*c.way : (z+1)*c.way])
		ww := n.at(n.ww, s, H*N)
		for h := 0; h < H; h++ {
			for i, w := range ww[h*N : (h+1)*N] {
				acc[i*c.way+y] += w
			}
		}
	}
	c.slotClass, c.slotWeight = make([]int, N), make([]float32, N)
	for i := range N {
		row := acc[i*c.way : (i+1)*c.way]
		k := argmax(row)
		if row[k] > 0 {
			c.slotClass[i], c.slotWeight[i] = k, row[k]
		} else {
			c.slotClass[i] = -1
		}
	}
}
