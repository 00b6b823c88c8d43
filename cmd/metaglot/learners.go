package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"metaglot/core/algo"
	"metaglot/core/checkpoint"
	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/mann"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/core/train"
)

// runConfig is everything that defines a training run (the model file's
// "config"; see core/modelfile). It is stored in every checkpoint and model
// file, so a run resumes with exactly its settings and a model says how it
// was trained. Its algorithm's registry entry (core/algo) says what each
// setting means for it.
type runConfig struct {
	modelfile.Config
}

// defaultConfig returns the reference settings of the registered
// algorithm name (its algo.Spec.Defaults; the zero Config for an unknown
// name, which check refuses).
func defaultConfig(name string) runConfig {
	s, err := algo.Lookup(name)
	if err != nil {
		return runConfig{modelfile.Config{Algo: name}}
	}
	return runConfig{s.Defaults}
}

// spec returns the registry entry of c's algorithm (the zero Spec for an
// unknown one: check refuses it).
func (c runConfig) spec() algo.Spec {
	s, _ := algo.Lookup(c.Algo)
	return s
}

// check returns a usage error for an impossible configuration (see
// algo.Check).
func (c runConfig) check() error {
	if err := algo.Check(c.Config); err != nil {
		return usageError{err}
	}
	return nil
}

// validBN reports whether s names BatchNorm statistics (learner.ParseBN).
func validBN(s string) bool {
	_, err := learner.ParseBN(s)
	return err == nil
}

// bnName returns the canonical name of the BatchNorm statistics s ("" is
// "support"), or s itself if it names none.
func bnName(s string) string {
	if b, err := learner.ParseBN(s); err == nil {
		return b.String()
	}
	return s
}

// netName returns the canonical name of the network s ("" is "conv4"),
// or s itself if it names none.
func netName(s string) string {
	if n, err := learner.NetNamed(s); err == nil {
		return n.Name
	}
	return s
}

// hasHead reports whether c's model meta-learns a linear head (FOMAML and
// Reptile without the prototype head), which fixes its number of classes.
func (c runConfig) hasHead() bool { return c.spec().HasHead(c.Config) }

// lrAt returns the outer learning rate for the step that starts after ep
// episodes (the algorithm's schedule: algo.Spec.LR).
func (c runConfig) lrAt(ep int) float64 { return c.spec().LR(c.Config, ep) }

// newParams returns fresh parameters for c's model, drawn from a stream of
// its seed reserved for initialization.
func newParams(c runConfig) *tensor.Set {
	p, err := train.InitParams(c.Config)
	if err != nil {
		panic("metaglot: newParams of an unchecked config: " + err.Error())
	}
	return p
}

// initParams overwrites params with those of the model or checkpoint file
// path for a run of the settings c (its -algo, -net, -labels), and returns
// the provenance to record in the run's config and a note for the user
// ("" if none): a MANN takes another MANN's weights (initMANN), the others
// their Conv4 ones (initConv4).
func initParams(params *tensor.Set, path string, c modelfile.Config) (prov, note string, err error) {
	if c.Algo == "mann" {
		return initMANN(params, path, c)
	}
	prov, err = initConv4(params, path, c.Net)
	return prov, "", err
}

// initMANN starts the MANN parameters params, of a run with the settings
// c, from the MANN model or checkpoint file path (mann.Transfer): all of
// its weights when the label codes agree (the way a finished run continues
// with other settings, a lower -lr), all but the label code's when they do
// not (a 5-class one-hot MANN starting the 15-class string-label setting),
// which the note says. The controller and memory must be the same. The
// optimizer's moments start from zero.
func initMANN(params *tensor.Set, path string, c modelfile.Config) (prov, note string, err error) {
	from, m, prov, err := readInit(path)
	if err != nil {
		return "", "", err
	}
	if m.Config.Algo != "mann" {
		return "", "", usagef("-init %s is a %s model; a mann run starts only from a mann model", path, m.Config.Algo)
	}
	left, err := mann.Transfer(params, c, from, m.Config.Config)
	if err != nil {
		return "", "", usagef("-init %s: %v", path, err)
	}
	if left != "" {
		note = fmt.Sprintf("note: -init %s: %s", path, left)
	}
	return prov, note, nil
}

// readInit reads the -init model or checkpoint file path: its parameters,
// its metadata and the provenance a run started from it records (file
// name, algorithm, episodes, the first 8 bytes of its SHA-256).
func readInit(path string) (from *tensor.Set, m runMeta, prov string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, m, "", fmt.Errorf("-init: %w", err)
	}
	if from, _, m, err = decodeModel(path, data); err != nil {
		return nil, m, "", fmt.Errorf("-init: %w", err)
	}
	sum := sha256.Sum256(data)
	return from, m, modelfile.Init{File: filepath.Base(path), Algo: m.Config.Algo, Episodes: m.Episodes, SHA256: sum[:8]}.String(), nil
}

// initConv4 overwrites the backbone tensors of params with those of the
// model or checkpoint file path, and its linear head too when the file
// has one of the same shape (a FOMAML or Reptile of the run's classes, to
// go on at other settings); a head of another shape, or none (a
// ProtoNet), leaves the run's fresh one. It returns the provenance to
// record in the run's config. The file's network must be the run's, net
// (its -net): Conv4 and conv4s2 have the same tensors, so nothing else
// would tell weights of one network from the other's.
func initConv4(params *tensor.Set, path, net string) (string, error) {
	from, m, prov, err := readInit(path)
	if err != nil {
		return "", err
	}
	if have, want := netName(m.Config.Net), netName(net); have != want {
		return "", usagef("-init %s holds a %s network, the run's is -net %s (start from a %s model, or train -net %s)", path, have, want, want, have)
	}
	hw, hb := learner.HeadName+".weight", learner.HeadName+".bias"
	sameHead := true
	for _, name := range []string{hw, hb} {
		src, t := from.Get(name), params.Get(name)
		sameHead = sameHead && src != nil && t != nil && slices.Equal(src.Shape, t.Shape)
	}
	for i := range params.Len() {
		name, t := params.At(i)
		if (name == hw || name == hb) && !sameHead {
			continue
		}
		src := from.Get(name)
		if src == nil || len(src.Data) != len(t.Data) {
			return "", fmt.Errorf("-init %s: no Conv4 tensor %s of %d values", path, name, len(t.Data))
		}
		copy(t.Data, src.Data)
	}
	return prov, nil
}

// newLearner builds c's learner around params (trained in place).
func newLearner(c runConfig, params *tensor.Set, par nn.Parallel) (learner.Learner, error) {
	s, err := algo.Lookup(c.Algo)
	if err != nil {
		return nil, err
	}
	return s.New(c.Config, params, par)
}

// runMeta is the metadata of a model or checkpoint file (see
// core/modelfile).
type runMeta struct {
	Kind     string
	Config   runConfig
	Episodes int
	Seconds  float64
	Threads  int // worker threads of the run; 0: not recorded
}

func (m runMeta) encode() map[string]string {
	return modelfile.Meta{Kind: m.Kind, Config: m.Config.Config, Episodes: m.Episodes, Seconds: m.Seconds, Threads: m.Threads}.Encode()
}

func decodeMeta(path string, meta map[string]string) (runMeta, error) {
	fm, err := modelfile.Decode(meta)
	if err != nil {
		return runMeta{}, fmt.Errorf("%s: %v", path, err)
	}
	if _, err := algo.Lookup(fm.Config.Algo); err != nil {
		return runMeta{}, fmt.Errorf("%s: unknown algorithm %q", path, fm.Config.Algo)
	}
	return runMeta{Kind: fm.Kind, Config: runConfig{fm.Config}, Episodes: fm.Episodes, Seconds: fm.Seconds, Threads: fm.Threads}, nil
}

// writeModel saves l's parameters as an inference-ready model file.
func writeModel(path string, l learner.Learner, m runMeta) error {
	m.Kind = modelfile.KindModel
	return checkpoint.Write(path, l.Params(), m.encode())
}

// writeCheckpoint saves l's parameters and optimizer state at the
// position in m, atomically.
func writeCheckpoint(path string, l learner.Learner, m runMeta) error {
	s := &tensor.Set{}
	p := l.Params()
	for i := range p.Len() {
		n, t := p.At(i)
		s.Add(n, t)
	}
	o := l.OptimState()
	for i := range o.Len() {
		n, t := o.At(i)
		s.Add(modelfile.OptimPrefix+n, t)
	}
	m.Kind = modelfile.KindCheckpoint
	return checkpoint.Write(path, s, m.encode())
}

// loadModel reads a model or checkpoint file and returns its parameters,
// checked against the architecture its metadata names, its metadata, and
// for a checkpoint the optimizer state. A file of the wrong architecture,
// with missing or extra tensors, or with bad metadata is an error naming
// the file; nothing is returned half-loaded.
func loadModel(path string) (params, optim *tensor.Set, m runMeta, err error) {
	return loadModelAs(path, "")
}

// loadModelAs is loadModel that also reads a file without metaglot's
// metadata (a PyTorch state_dict saved as safetensors) as a model of the
// learner algo, when algo is not empty (the -algo flag): ProtoNet's
// Conv4, or FOMAML's or Reptile's with the head the file holds (a
// prototype head if it holds none), with the learner's reference
// settings.
func loadModelAs(path, algo string) (params, optim *tensor.Set, m runMeta, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, m, fmt.Errorf("checkpoint: %w", err)
	}
	return decodeModelAs(path, data, algo)
}

// decodeModel is loadModel on the bytes data of the file at path.
func decodeModel(path string, data []byte) (params, optim *tensor.Set, m runMeta, err error) {
	return decodeModelAs(path, data, "")
}

// decodeModelAs is loadModelAs on the bytes data of the file at path.
func decodeModelAs(path string, data []byte, algoName string) (params, optim *tensor.Set, m runMeta, err error) {
	tensors, meta, err := checkpoint.Decode(data)
	if err != nil {
		return nil, nil, m, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	foreign := meta["metaglot"] == "" // no model or checkpoint of metaglot
	switch {
	case foreign && algoName == "":
		return nil, nil, m, fmt.Errorf("%s has no metaglot metadata: say what it holds with -algo %s", path, algo.NameList())
	case foreign:
		m = runMeta{Kind: modelfile.KindModel, Config: defaultConfig(algoName)}
		caps := m.Config.spec().Caps
		if len(caps.BNModes) > 0 {
			m.Config.BN = caps.BNModes[0]
		}
		if caps.LearnedHead {
			m.Config.ProtoHead = caps.ProtoHead && !tensors.Has(learner.HeadName+".weight") && !tensors.Has("classifier.weight")
			if w := tensors.Get(learner.HeadName + ".weight"); w != nil && len(w.Shape) == 2 {
				m.Config.Way = w.Shape[0]
			} else if w := tensors.Get("classifier.weight"); w != nil && len(w.Shape) == 2 {
				m.Config.Way = w.Shape[0]
			}
		}
	default:
		if m, err = decodeMeta(path, meta); err != nil {
			return nil, nil, m, err
		}
	}
	if err := m.Config.check(); err != nil {
		return nil, nil, m, fmt.Errorf("%s: %v", path, err)
	}
	raw := &tensor.Set{}
	optim = &tensor.Set{}
	for i := range tensors.Len() {
		n, t := tensors.At(i)
		if rest, ok := strings.CutPrefix(n, modelfile.OptimPrefix); ok {
			optim.Add(rest, t)
		} else {
			raw.Add(n, t)
		}
	}
	// A state_dict saved by PyTorch (num_batches_tracked) or named as
	// learn2learn's or torchmeta's Conv4 loads as metaglot's.
	if raw, err = checkpoint.FromPyTorch(raw); err != nil {
		return nil, nil, m, fmt.Errorf("%s: %w", path, err)
	}
	// The head's size comes from the file: its config must agree before
	// anything is allocated from it.
	if m.Config.hasHead() {
		w := raw.Get(learner.HeadName + ".weight")
		if w == nil || len(w.Shape) != 2 || w.Shape[0] != m.Config.Way {
			shape := "missing"
			if w != nil {
				shape = fmt.Sprintf("%v", w.Shape)
			}
			return nil, nil, m, fmt.Errorf("%s: config says a %d-class head, but tensor %s.weight is %s", path, m.Config.Way, learner.HeadName, shape)
		}
	}
	params = newParams(m.Config)
	if err := checkpoint.LoadInto(params, raw); err != nil {
		return nil, nil, m, fmt.Errorf("%s: %w", path, err)
	}
	return params, optim, m, nil
}

// loadCheckpoint returns a learner that continues the run saved in the
// checkpoint at path, with its convolutions on the pool that newPool
// returns for the checkpoint's metadata (whose Threads says how many
// workers the run had). With fromModel, path may also be a model file: it
// holds everything a checkpoint does but the optimizer state, so it is
// refused for a learner whose optimizer keeps one.
func loadCheckpoint(path string, fromModel bool, newPool func(runMeta) (*gemm.Pool, error)) (learner.Learner, *gemm.Pool, runMeta, error) {
	params, optim, m, err := loadModel(path)
	if err != nil {
		return nil, nil, m, err
	}
	if m.Kind != modelfile.KindCheckpoint && !fromModel {
		return nil, nil, m, fmt.Errorf("%s is a model, not a checkpoint", path)
	}
	par, err := newPool(m)
	if err != nil {
		return nil, nil, m, err
	}
	l, err := newLearner(m.Config, params, par)
	if err != nil {
		par.Close()
		return nil, nil, m, fmt.Errorf("%s: %w", path, err)
	}
	if fromModel && m.Kind != modelfile.KindCheckpoint && l.OptimState().Len() > 0 {
		par.Close()
		return nil, nil, m, fmt.Errorf("%s is a model of a %s run, whose outer optimizer keeps state (Adam's moments) that a model file does not hold: continue the run from its checkpoint.safetensors (-resume in its run directory), or start a new one from these weights with -init", path, m.Config.Algo)
	}
	if err := l.LoadOptimState(optim); err != nil {
		par.Close()
		return nil, nil, m, fmt.Errorf("%s: optimizer state: %w", path, err)
	}
	return l, par, m, nil
}
