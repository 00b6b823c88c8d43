package train

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"

	"metaglot/core/algo"
	"metaglot/core/augment"
	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/tensor"
)

// Data is where a run's episodes come from.
type Data struct {
	Dataset episode.Dataset
	Train   *episode.Split // the classes training episodes are drawn from
	// Test is the held-out split of validation (nil: no validation, even
	// if val_every is set).
	Test *episode.Split
	// OneAlphabet draws each held-out episode within one alphabet (the
	// Lake protocol).
	OneAlphabet bool
}

// augmentStream is added to a step's number for the stream of the seed
// that distorts its images (augment): PCG(Seed, augmentStream+step),
// apart from the step's episode stream PCG(Seed, step), the validation
// stream (1<<62) and the initialization stream (MaxUint64).
const augmentStream = 1 << 63

// Metric is what a meta-step did.
type Metric struct {
	Episode int     // episodes trained after the step
	Loss    float64 // mean query loss of the step's episodes
	Acc     float64 // mean query accuracy of the step's episodes
	LR      float64 // outer learning rate (Reptile: ε) the step used
	// Val is the held-out accuracy measured after the step, or nil when
	// none was due.
	Val *Validation
}

// Validation is a held-out measurement.
type Validation struct {
	Acc, CI95 float64 // mean accuracy and its 95% confidence half-width
	// Before is the mean accuracy of the same episodes before adaptation
	// (learners that adapt by inner steps; 0 for the others).
	Before float64
	// Transductive is the mean accuracy of the same adapted episodes with
	// the queries of an episode classified together, BatchNorm normalising
	// with their batch statistics (learner.Transductive, the protocol of
	// the MAML and Reptile papers); 0 for learners that do not adapt by
	// inner steps or that use running statistics (bn running).
	Transductive float64
	Episodes     int // held-out episodes measured
}

// Diverged is the error of a step whose loss, gradient or weights were
// NaN or infinite: the run is over, and its weights are those after
// episode Kept.
type Diverged struct {
	Episode int // episodes done before the failed step
	Err     error
}

func (e *Diverged) Error() string { return fmt.Sprintf("episode %d: %v", e.Episode, e.Err) }
func (e *Diverged) Unwrap() error { return e.Err }

// DataError is the error of New when the training split cannot give the
// run's episodes (fewer classes than its way, fewer images per class than
// shot+query): a problem of the settings for this data.
type DataError struct{ Err error }

func (e *DataError) Error() string { return e.Err.Error() }
func (e *DataError) Unwrap() error { return e.Err }

// Run is one training run in progress. It is not safe for concurrent use.
type Run struct {
	cfg  modelfile.Config
	spec algo.Spec
	l    learner.Learner
	data Data
	ep   int   // episodes done
	err  error // why the run stopped early (a *Diverged), or nil

	ecfg  episode.Config
	eps   []episode.Episode
	tasks []*learner.Task
	good  *tensor.Set // the weights after the last good step
	last  int         // the meta-batch size of the last step (0: none yet)
	val   *validator
	valN  int       // learners validation spreads its episodes over (SetValidationWorkers)
	held  []string  // the alphabets held out for validation (val_alphabets)
	buf   []float32 // scratch of the distortions
}

// New returns a Run of cfg that trains l (built for cfg, e.g. by
// algo.Spec.New; a resumed run's learner holds its optimizer state) on
// data, starting after start episodes (0 for a new run). It returns an
// error if cfg is not valid (a *algo.SettingError) or the data cannot give
// its episodes (too few classes or images per class).
func New(cfg modelfile.Config, l learner.Learner, data Data, start int) (*Run, error) {
	if err := algo.Check(cfg); err != nil {
		return nil, err
	}
	spec, _ := algo.Lookup(cfg.Algo)
	if start < 0 {
		return nil, fmt.Errorf("train: start at episode %d", start)
	}
	r := &Run{cfg: cfg, spec: spec, l: l, data: data, ep: start,
		ecfg:  episode.Config{Way: cfg.Way, Shot: cfg.Shot, Query: cfg.Query},
		eps:   make([]episode.Episode, cfg.MetaBatch),
		tasks: make([]*learner.Task, cfg.MetaBatch),
		good:  l.Params().Clone(),
	}
	if cfg.ValAlphabets > 0 {
		kept, held, names, err := episode.HoldOut(data.Dataset, data.Train, cfg.ValAlphabets)
		if err != nil {
			return nil, &DataError{err}
		}
		data.Train, data.Test, data.OneAlphabet, r.held = kept, held, true, names
	}
	if cfg.Rotations {
		rot, err := episode.WithRotations(data.Dataset, data.Train)
		if err != nil {
			return nil, &DataError{err}
		}
		data.Train = rot
	}
	r.data = data
	if cfg.OneAlphabet {
		// A learner that takes tasks of any way gets all the classes of an
		// alphabet smaller than the way; a learned head of Way classes
		// needs them all to be as large.
		r.ecfg.OneAlphabet, r.ecfg.CapWay = true, !spec.HasHead(cfg)
		if !r.ecfg.CapWay {
			if err := allAtLeast(data, cfg.Way, spec.Name); err != nil {
				return nil, &DataError{err}
			}
		}
	}
	if _, err := episode.NewSampler(data.Dataset, data.Train, r.ecfg, rand.New(rand.NewPCG(0, 0))); err != nil {
		return nil, &DataError{err}
	}
	if cfg.ValEvery > 0 && data.Test != nil {
		v, err := newValidator(data, cfg, r.held != nil)
		if err != nil {
			return nil, err
		}
		r.val = v
	}
	return r, nil
}

// allAtLeast returns an error if an alphabet of the training split of d
// has fewer than way classes (or d has no alphabets), for training episodes
// within one alphabet with algo's learned head of way classes.
func allAtLeast(d Data, way int, algo string) error {
	gs, ok := d.Dataset.(episode.Grouped)
	if !ok {
		return fmt.Errorf("episodes within one alphabet, but the data set of split %s has no alphabets (groups of classes)", d.Train.Name)
	}
	count := make([]int, gs.NumGroups())
	for _, c := range d.Train.Classes {
		count[gs.GroupOf(c.Char)]++
	}
	small := -1
	for g, n := range count {
		if n > 0 && (small < 0 || n < count[small]) {
			small = g
		}
	}
	if small >= 0 && count[small] < way {
		return fmt.Errorf("-one-alphabet -way %d: alphabet %s of split %s has %d classes, and %s's learned head needs %d in every episode (lower -way to %d, or set -proto-head)",
			way, gs.GroupName(small), d.Train.Name, count[small], algo, way, count[small])
	}
	return nil
}

// InitParams returns fresh parameters for cfg's model, drawn from the
// stream of its seed reserved for initialization: the same for the CLI
// and the page.
func InitParams(cfg modelfile.Config) (*tensor.Set, error) {
	spec, err := algo.Lookup(cfg.Algo)
	if err != nil {
		return nil, err
	}
	return spec.NewParams(cfg, rand.New(rand.NewPCG(cfg.Seed, math.MaxUint64))), nil
}

// HeldOut returns the names of the alphabets held out of training for
// validation (val_alphabets; see episode.HoldOut), nil if none.
func (r *Run) HeldOut() []string { return r.held }

// Data returns where the run's episodes come from: the Data given to New,
// with its training split without the held-out alphabets (val_alphabets)
// and with the turned classes (rotations), and the held-out alphabets as
// its test split.
func (r *Run) Data() Data { return r.data }

// Config returns the run's settings.
func (r *Run) Config() modelfile.Config { return r.cfg }

// Learner returns the learner the run trains.
func (r *Run) Learner() learner.Learner { return r.l }

// Episode returns the episodes done.
func (r *Run) Episode() int { return r.ep }

// Finished reports whether the run has done its episodes or stopped on an
// error (Err).
func (r *Run) Finished() bool { return r.ep >= r.cfg.Episodes || r.err != nil }

// Err returns why the run stopped early (a *Diverged), or nil.
func (r *Run) Err() error { return r.err }

// CheckpointDue reports whether a checkpoint is due after the last step:
// it crossed a multiple of checkpoint_every, or finished the run.
func (r *Run) CheckpointDue() bool {
	return r.last > 0 && r.err == nil && (r.ep%r.cfg.CheckpointEvery < r.last || r.ep >= r.cfg.Episodes)
}

// LastEpisode returns the first episode of the last step (nil before the
// first step); it is overwritten by the next step.
func (r *Run) LastEpisode() *episode.Episode {
	if r.last == 0 {
		return nil
	}
	return &r.eps[0]
}

// Step trains one meta-step of MetaBatch episodes and returns its metrics,
// with the held-out accuracy when it is due. A loss, gradient or weight
// that is NaN or infinite ends the run: Step restores the weights of the
// last good step and returns a *Diverged (also kept in Err). Step returns
// an error, doing nothing, if the run is finished.
func (r *Run) Step() (Metric, error) {
	if r.Finished() {
		return Metric{}, fmt.Errorf("train: step after the run finished at episode %d", r.ep)
	}
	step := r.ep / r.cfg.MetaBatch
	s, err := episode.NewSampler(r.data.Dataset, r.data.Train, r.ecfg, rand.New(rand.NewPCG(r.cfg.Seed, uint64(step))))
	if err != nil {
		return Metric{}, err
	}
	var arng *rand.Rand
	if r.cfg.Augment > 0 {
		arng = rand.New(rand.NewPCG(r.cfg.Seed, augmentStream+uint64(step)))
	}
	for i := range r.eps {
		ep := &r.eps[i]
		s.SampleInto(ep)
		if arng != nil {
			sh := ep.ImageShape()
			r.buf = augment.Images(ep.Images.Data, ep.Images.Shape[0], sh[0], sh[1], sh[2], arng, r.cfg.Augment, r.buf)
		}
		r.tasks[i] = TaskOf(ep)
	}
	rate := r.spec.LR(r.cfg, r.ep)
	r.l.SetLR(rate)
	m, err := r.l.Step(r.tasks)
	if err == nil {
		err = learner.CheckLoss(m.Loss)
	}
	if err == nil {
		err = r.l.Params().CheckFinite()
	}
	if err != nil {
		if cerr := r.l.Params().CopyFrom(r.good); cerr != nil {
			panic("train: weights changed shape: " + cerr.Error())
		}
		r.err = &Diverged{Episode: r.ep, Err: err}
		return Metric{Episode: r.ep, Loss: m.Loss, Acc: m.Acc, LR: rate}, r.err
	}
	if cerr := r.good.CopyFrom(r.l.Params()); cerr != nil {
		panic("train: weights changed shape: " + cerr.Error())
	}
	r.ep += r.cfg.MetaBatch
	r.last = r.cfg.MetaBatch
	out := Metric{Episode: r.ep, Loss: m.Loss, Acc: m.Acc, LR: rate}
	if r.val != nil && r.ep%r.cfg.ValEvery < r.cfg.MetaBatch {
		v, err := r.Validate()
		if err != nil {
			return out, fmt.Errorf("validation at episode %d: %w", r.ep, err)
		}
		out.Val = &v
	}
	return out, nil
}

// Validate measures the held-out accuracy of the learner now (the same
// episodes at every call of a run). It returns an error if the run has no
// held-out split or val_every is 0.
func (r *Run) Validate() (Validation, error) {
	if r.val == nil {
		return Validation{}, fmt.Errorf("train: no validation (val_every 0 or no held-out split)")
	}
	ls := []learner.Learner{r.l}
	if r.valN > 1 {
		// Learners alike on the weights as they are now, each on one
		// goroutine (ForEpisodes).
		ls = ls[:0]
		for range r.valN {
			l, err := r.spec.New(r.cfg, r.l.Params(), nil)
			if err != nil {
				return Validation{}, fmt.Errorf("train: a validation learner: %w", err)
			}
			ls = append(ls, l)
		}
	}
	return r.val.accuracy(ls)
}

// SetValidationWorkers makes Validate spread its episodes over n learners
// at once, each on one goroutine (ForEpisodes), instead of running them one
// after another on the run's learner (n ≤ 1, the default). With n > 1 the
// figures are those of a serial learner, the same for every n.
func (r *Run) SetValidationWorkers(n int) { r.valN = n }

// TaskOf returns the learner's view of an episode (sharing its data).
func TaskOf(ep *episode.Episode) *learner.Task {
	ns := ep.NumSupport()
	return &learner.Task{
		Way:     ep.Way,
		Support: ep.Support(), SupportLabels: ep.Labels[:ns],
		Query: ep.Queries(), QueryLabels: ep.QueryLabels(),
	}
}

// Splits returns the names of the training split and the held-out split
// of a protocol (the split setting: vinyals or lake), and whether
// held-out episodes come from one alphabet (Lake).
func Splits(protocol string) (trainSplit, testSplit string, oneAlphabet bool) {
	if protocol == "lake" {
		return "lake-background", "lake-evaluation", true
	}
	return "vinyals-trainval", "vinyals-test", false
}

// Digest returns the SHA-256, in hex, of the names and float32 bits of
// params in order: equal digests mean bit-identical weights (runs
// compared across platforms, page and CLI).
func Digest(params *tensor.Set) string {
	h := sha256.New()
	var b []byte
	for i := range params.Len() {
		n, t := params.At(i)
		b = append(b[:0], n...)
		b = append(b, 0)
		for _, v := range t.Data {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
