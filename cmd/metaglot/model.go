package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"metaglot/core/algo"
	"metaglot/core/learner"
	"metaglot/core/nn"
)

// modelFlags are the flags that choose a trained model and how it adapts,
// shared by eval and classify.
type modelFlags struct {
	fs         *flag.FlagSet
	algo       *string
	model      *string
	adaptSteps *int
	innerLR    *float64
	protoHead  *bool
	bn         *string
	assets     *string
	threads    *int
}

func addModelFlags(fs *flag.FlagSet) *modelFlags {
	return &modelFlags{
		fs:         fs,
		algo:       fs.String("algo", "", "learner: "+algo.NameList()+"; alone, it picks the bundled assets/models/<algo>.safetensors"),
		model:      fs.String("model", "", "model `file` (a model.safetensors or checkpoint.safetensors of metaglot train); its algorithm must match -algo if both are given"),
		adaptSteps: fs.Int("adapt-steps", 0, algosWith(adapts)+": inner SGD steps on the support set, 0 (none: the meta-learned weights as they are) to "+strconv.Itoa(maxSteps)+" (default: the model's, 10)"),
		innerLR:    fs.Float64("inner-lr", 0, algosWith(adapts)+": inner learning rate, above 0 and at most "+strconv.FormatFloat(maxInnerLR, 'g', -1, 64)+" (default: the model's)"),
		protoHead:  fs.Bool("proto-head", false, algosWith(func(s algo.Spec) bool { return s.Caps.ProtoHead })+": initialise the head from the support prototypes (weights 2·c_k, bias −‖c_k‖²) instead of the meta-learned head"),
		bn:         fs.String("bn", "", algosWith(func(s algo.Spec) bool { return len(s.Caps.BNModes) > 0 })+": BatchNorm statistics, support (the support set's), running (the model's running statistics) or transductive (the support set's in adaptation; with -protocol transductive the queries' own) (default: the model's)"),
		assets:     fs.String("assets", "", "assets folder (default: assets/ of the repository around the working directory)"),
		threads:    addThreadsFlag(fs),
	}
}

// check returns a usage error for flag values out of range, before any
// file is read.
func (f *modelFlags) check() error {
	set := flagsSet(f.fs)
	if *f.algo != "" {
		if _, err := algo.Lookup(*f.algo); err != nil {
			return usageError{err}
		}
	}
	if set["adapt-steps"] {
		if err := checkSteps("-adapt-steps", *f.adaptSteps, 0); err != nil {
			return err
		}
	}
	if set["inner-lr"] {
		if err := checkInnerLR(*f.innerLR); err != nil {
			return err
		}
	}
	return checkThreads(*f.threads)
}

// path returns the model file the flags name: -model, or the bundled model
// of -algo for the protocol (lake: <algo>-background.safetensors).
func (f *modelFlags) path(protocol string) (string, error) {
	if *f.model != "" {
		return *f.model, nil
	}
	if *f.algo == "" {
		return "", usagef("-algo or -model is required")
	}
	if _, err := algo.Lookup(*f.algo); err != nil {
		return "", usageError{err}
	}
	dir, err := omniglotDir(*f.assets)
	if err != nil {
		return "", err
	}
	name := *f.algo
	if protocol == "lake" {
		name += "-background"
	}
	p := filepath.Join(filepath.Dir(dir), "models", name+".safetensors")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no bundled %s model: %s is missing (train one with metaglot train, or pass -model FILE)", name, p)
	}
	return p, nil
}

// load reads the model the flags name and returns a learner ready to
// adapt, with the flags' adaptation settings applied.
func (f *modelFlags) load(protocol string, par nn.Parallel) (learner.Learner, runMeta, string, error) {
	if err := f.check(); err != nil {
		return nil, runMeta{}, "", err
	}
	set := flagsSet(f.fs)
	path, err := f.path(protocol)
	if err != nil {
		return nil, runMeta{}, "", err
	}
	params, _, m, err := loadModelAs(path, *f.algo)
	if err != nil {
		return nil, m, path, err
	}
	if *f.algo != "" && *f.algo != m.Config.Algo {
		return nil, m, path, usagef("-algo %s, but %s holds a %s model", *f.algo, path, m.Config.Algo)
	}
	cfg := m.Config
	caps := cfg.spec().Caps
	switch {
	case !caps.Adapts && (set["adapt-steps"] || set["inner-lr"]):
		return nil, m, path, usagef("-adapt-steps and -inner-lr are for models that adapt by inner steps; %s is %s", path, cfg.Algo)
	case !caps.ProtoHead && *f.protoHead:
		return nil, m, path, usagef("-proto-head is for models with a linear head; %s is %s", path, cfg.Algo)
	case len(caps.BNModes) == 0 && *f.bn != "":
		return nil, m, path, usagef("-bn is for models that choose their BatchNorm statistics; %s is %s, which uses its running statistics", path, cfg.Algo)
	}
	if *f.bn != "" {
		if !validBN(*f.bn) {
			return nil, m, path, usagef("-bn %q: want support, running or transductive", *f.bn)
		}
		cfg.BN = *f.bn
	}
	switch {
	case set["adapt-steps"] && *f.adaptSteps == 0:
		cfg.AdaptSteps = learner.NoAdapt
	case set["adapt-steps"]:
		cfg.AdaptSteps = *f.adaptSteps
	}
	if set["inner-lr"] {
		cfg.InnerLR = *f.innerLR
	}
	if *f.protoHead {
		cfg.ProtoHead = true
	}
	l, err := newLearner(cfg, params, par)
	if err != nil {
		return nil, m, path, fmt.Errorf("%s: %w", path, err)
	}
	m.Config = cfg
	return l, m, path, nil
}

// adapts reports whether s adapts by inner steps at test time.
func adapts(s algo.Spec) bool { return s.Caps.Adapts }

// algosWith returns the names of the registered algorithms for which has
// is true, as help texts write them: "fomaml/reptile".
func algosWith(has func(algo.Spec) bool) string {
	var names []string
	for _, s := range algo.All() {
		if has(s) {
			names = append(names, s.Name)
		}
	}
	return strings.Join(names, "/")
}
