package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

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
		algo:       fs.String("algo", "", "learner: protonet, fomaml or reptile; alone, it picks the bundled assets/models/<algo>.safetensors"),
		model:      fs.String("model", "", "model `file` (a model.safetensors or checkpoint.safetensors of metaglot train); its algorithm must match -algo if both are given"),
		adaptSteps: fs.Int("adapt-steps", 0, "fomaml/reptile: inner SGD steps on the support set, 0 (none: the meta-learned weights as they are) to "+strconv.Itoa(maxSteps)+" (default: the model's, 10)"),
		innerLR:    fs.Float64("inner-lr", 0, "fomaml/reptile: inner learning rate, above 0 and at most "+strconv.FormatFloat(maxInnerLR, 'g', -1, 64)+" (default: the model's)"),
		protoHead:  fs.Bool("proto-head", false, "fomaml/reptile: initialise the head from the support prototypes (weights 2·c_k, bias −‖c_k‖²) instead of the meta-learned head"),
		bn:         fs.String("bn", "", "fomaml/reptile: BatchNorm statistics, support (the support set's), running (the model's running statistics) or transductive (the support set's in adaptation; with -protocol transductive the queries' own) (default: the model's)"),
		assets:     fs.String("assets", "", "assets folder (default: assets/ of the repository around the working directory)"),
		threads:    addThreadsFlag(fs),
	}
}

// check returns a usage error for flag values out of range, before any
// file is read.
func (f *modelFlags) check() error {
	set := flagsSet(f.fs)
	if *f.algo != "" && !containsString(algoNames(), *f.algo) {
		return usagef("-algo %q: want one of protonet, fomaml, reptile", *f.algo)
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
	if !containsString(algoNames(), *f.algo) {
		return "", usagef("-algo %q: want one of protonet, fomaml, reptile", *f.algo)
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
	if cfg.Algo == "protonet" && (*f.protoHead || set["adapt-steps"] || set["inner-lr"] || *f.bn != "") {
		return nil, m, path, usagef("-proto-head, -adapt-steps, -inner-lr and -bn are for fomaml and reptile models; %s is protonet", path)
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
