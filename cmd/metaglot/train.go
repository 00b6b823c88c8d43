package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"metaglot/core/algo"
	"metaglot/core/checkpoint"
	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/omniglot"
	"metaglot/core/train"
)

// Files of a training run's output directory.
const (
	checkpointFile = "checkpoint.safetensors"
	modelFile      = "model.safetensors"
	// bestModelFile is the model of the best held-out validation so far,
	// kept by runs that validate on alphabets held out of training
	// (train.KeepsBest); model.safetensors is always the latest.
	bestModelFile = "model-best.safetensors"
)

func trainCommand() command {
	return command{name: "train", summary: "meta-train a few-shot learner on Omniglot: " + labelList(), run: runTrain}
}

// labelList returns the registered algorithms' labels as text:
// "ProtoNet, FOMAML or Reptile".
func labelList() string {
	var l []string
	for _, s := range algo.All() {
		l = append(l, s.Label)
	}
	if len(l) < 2 {
		return strings.Join(l, "")
	}
	return strings.Join(l[:len(l)-1], ", ") + " or " + l[len(l)-1]
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	o, err := parseTrainFlags(args, stderr)
	if err != nil {
		return err
	}
	s, err := o.session(stderr)
	if err != nil {
		return err
	}
	defer s.close()
	data, err := trainData(o.assets, s.cfg)
	if err != nil {
		return err
	}
	r, err := train.New(s.cfg.Config, s.l, data, s.start)
	var de *train.DataError
	if errors.As(err, &de) {
		return usagef("%v", err)
	}
	if err != nil {
		return err
	}
	// Validation adapts to its episodes one per thread (train.ForEpisodes).
	r.SetValidationWorkers(s.threads)
	return s.run(r, o.progress, stdout, stderr)
}

// trainOpts are train's flags: the run settings (read by applyFlags from
// fs) and the rest.
type trainOpts struct {
	fs         *flag.FlagSet
	algo       string
	out        string
	resume     bool
	from       string // -resume-from: a model file whose run this one continues
	init       string
	threads    int
	threadsSet bool
	progress   bool
	assets     string
}

func parseTrainFlags(args []string, stderr io.Writer) (*trainOpts, error) {
	fs := newFlagSet("train", "-algo "+strings.Join(algo.Names(), "|")+" -out DIR [-resume] [flags]\n       metaglot train -recipe NAME -out DIR [-resume] [flags]", stderr)
	o := &trainOpts{fs: fs}
	args, err := withRecipe(args)
	if err != nil {
		return nil, err
	}
	fs.String("recipe", "", "train the recipe `name`d in the recipe file (metaglot recipes lists them): its flags, overridden by those given after it")
	fs.StringVar(&o.algo, "algo", "", "learner: "+algo.NameList()+" (required); the other flags default to its reference settings")
	fs.StringVar(&o.out, "out", "", "output `dir`ectory: checkpoint.safetensors, model.safetensors, metrics.jsonl, curves.png (required)")
	fs.BoolVar(&o.resume, "resume", false, "continue the run in -out from its last checkpoint (flags other than -episodes must match the run's or be left out)")
	fs.StringVar(&o.from, "resume-from", "", "continue, in a new -out, the run that saved this `file`, exactly where it was saved, as -resume would in that run's directory: a run's checkpoint.safetensors (any learner; e.g. one of checkpoints/), or a model file (e.g. a bundled snapshot) of a learner whose outer update keeps no optimizer state (Reptile), whose model file is then its whole state; the run's metrics.jsonl history before it is not in the file")
	addSettingFlags(fs)
	fs.StringVar(&o.init, "init", "", "start from the weights of this model `file` instead of a random initialization: protonet/fomaml/reptile take its Conv4 weights (BatchNorm statistics included; e.g. assets/models/protonet.safetensors), and its linear head if it has one of the run's shape, else a linear head starts fresh; mann takes every weight of a MANN of the same shape (to continue a finished run with another -lr); the optimizer starts fresh")
	threads := addThreadsFlag(fs)
	fs.BoolVar(&o.progress, "progress", true, "show a progress bar on stderr")
	fs.StringVar(&o.assets, "assets", "", "assets folder (default: assets/ of the repository around the working directory)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if o.out == "" {
		return nil, usagef("-out is required")
	}
	if err := checkThreads(*threads); err != nil {
		return nil, err
	}
	o.threads, o.threadsSet = *threads, flagsSet(fs)["threads"]
	if o.resume && o.init != "" {
		return nil, usagef("-init starts a run from a model; leave it out with -resume (the run's checkpoint has its weights)")
	}
	if o.from != "" && (o.resume || o.init != "") {
		return nil, usagef("-resume-from continues the run of a model file in a new -out: leave out -resume and -init")
	}
	return o, nil
}

// trainSession is a run's output directory, locked, with the learner that
// continues or starts the run there.
type trainSession struct {
	dir     string
	cfg     runConfig
	l       learner.Learner
	par     *gemm.Pool
	start   int     // episodes done before this sitting
	seconds float64 // training wall time before this sitting
	threads int     // worker threads, recorded in every checkpoint
	saved   int     // episode of the last checkpoint on disk; -1: none
	// best is the run's best held-out validation so far, when it keeps
	// one (train.KeepsBest); bestOnDisk says whether bestModelFile holds
	// its model (a run started by an older metaglot kept none).
	best       train.Best
	bestOnDisk bool
	unlock     func()
}

func (s *trainSession) close() {
	if s.par != nil {
		s.par.Close()
	}
	if s.unlock != nil {
		s.unlock()
	}
}

// session locks the output directory, removes what a killed write left
// there, and returns the session that resumes the run in it (-resume) or
// starts a new one.
func (o *trainOpts) session(stderr io.Writer) (*trainSession, error) {
	s := &trainSession{dir: o.out, threads: resolveThreads(o.threads), saved: -1}
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()
	ckptPath := filepath.Join(o.out, checkpointFile)
	switch {
	case o.resume:
		if _, err := os.Stat(ckptPath); err != nil {
			return nil, fmt.Errorf("-resume: no checkpoint in %s: %w", o.out, err)
		}
	case o.from != "":
		if _, err := os.Stat(ckptPath); err == nil {
			return nil, usagef("-out %s already holds a run (use -resume to continue it, or another -out)", o.out)
		}
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return nil, err
		}
	default:
		if o.algo == "" {
			return nil, usagef("-algo is required (%s)", algo.NameList())
		}
		if _, err := algo.Lookup(o.algo); err != nil {
			return nil, usageError{err}
		}
		s.cfg = defaultConfig(o.algo)
		applyFlags(&s.cfg, o.fs)
		if err := s.cfg.check(); err != nil {
			return nil, err
		}
		if bnName(s.cfg.BN) == learner.RunningBN.String() && o.init == "" {
			return nil, usagef("-bn running needs -init: meta-training keeps the running statistics it starts with, and a fresh network's are 0 and 1")
		}
		if _, err := os.Stat(ckptPath); err == nil {
			return nil, usagef("-out %s already holds a run (use -resume to continue it, or another -out)", o.out)
		}
		if _, err := os.Stat(filepath.Join(o.out, bestModelFile)); err == nil {
			return nil, usagef("-out %s holds the %s of an earlier run; move it away or use another -out", o.out, bestModelFile)
		}
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return nil, err
		}
	}
	var err error
	if s.unlock, err = lockRun(o.out); err != nil {
		return nil, err
	}
	if err := removeRunTemps(o.out, stderr); err != nil {
		return nil, err
	}
	switch {
	case o.resume:
		err = o.resumeInto(s, ckptPath, false, stderr)
	case o.from != "":
		err = o.resumeInto(s, o.from, true, stderr)
	default:
		err = o.startInto(s, stderr)
	}
	if err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

// resumeInto loads the checkpoint at ckptPath into s, or with fromModel
// (-resume-from) the model file there, which holds a run's whole state when
// its learner's outer update keeps none. Flags given with -resume must
// agree with the run, except -episodes, which may extend it, and the
// run-time-only ones.
func (o *trainOpts) resumeInto(s *trainSession, ckptPath string, fromModel bool, stderr io.Writer) error {
	var m runMeta
	var note string
	var err error
	s.l, s.par, m, err = loadCheckpoint(ckptPath, fromModel, func(m runMeta) (*gemm.Pool, error) {
		spec, err := algo.Lookup(m.Config.Algo)
		same := err == nil && spec.SameForAnyThreads(m.Config.Config)
		s.threads, note = resumeThreads(m.Threads, o.threadsSet, s.threads, o.out, same)
		return gemm.NewPool(s.threads), nil
	})
	if err != nil {
		return err
	}
	if fromModel && train.KeepsBest(m.Config.Config) {
		return fmt.Errorf("-resume-from %s: its run keeps its best held-out model (-val-alphabets), which the file does not hold: continue it from its run directory with -resume", ckptPath)
	}
	if note != "" {
		fmt.Fprintln(stderr, note)
	}
	s.cfg, s.start, s.seconds, s.saved = m.Config, m.Episodes, m.Seconds, m.Episodes
	if o.algo != "" && o.algo != s.cfg.Algo {
		return usagef("-algo %s: the run in %s is %s", o.algo, o.out, s.cfg.Algo)
	}
	want := s.cfg
	applyFlags(&want, o.fs)
	if want.Episodes < s.start {
		return usagef("-episodes %d: the run in %s is already at episode %d", want.Episodes, o.out, s.start)
	}
	runTimeOnly(&s.cfg, want.Config)
	if d := configDiff(s.cfg, want); d != "" {
		return usagef("%s differs from the run in %s (%s); leave it out to resume", d, o.out, configDiff(want, s.cfg))
	}
	if err := s.cfg.check(); err != nil {
		return err
	}
	if err := truncateMetrics(o.out, s.start); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if train.KeepsBest(s.cfg.Config) {
		if err := s.restoreBest(stderr); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "resuming %s in %s at episode %d of %d with %d threads\n", s.cfg.Algo, o.out, s.start, s.cfg.Episodes, s.threads)
	return nil
}

// startInto gives s the fresh (or -init) parameters and learner of a new
// run.
func (o *trainOpts) startInto(s *trainSession, stderr io.Writer) error {
	if err := truncateMetrics(o.out, 0); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	params := newParams(s.cfg)
	if o.init != "" {
		var note string
		var err error
		if s.cfg.Init, note, err = initParams(params, o.init, s.cfg.Config); err != nil {
			return err
		}
		if note != "" {
			fmt.Fprintln(stderr, note)
		}
	}
	s.par = gemm.NewPool(s.threads)
	var err error
	s.l, err = newLearner(s.cfg, params, s.par)
	return err
}

// trainData loads the splits of c's protocol: the training split, and the
// held-out one when c validates.
func trainData(assets string, c runConfig) (train.Data, error) {
	dir, err := omniglotDir(assets)
	if err != nil {
		return train.Data{}, err
	}
	trainSplit, testSplit, oneAlphabet := train.Splits(c.Split)
	names := []string{trainSplit}
	if c.ValEvery > 0 {
		names = append(names, testSplit)
	}
	ds, err := omniglot.LoadDir(dir, names...)
	if err != nil {
		return train.Data{}, err
	}
	d := train.Data{Dataset: ds, OneAlphabet: oneAlphabet}
	if d.Train, err = ds.Split(trainSplit); err != nil {
		return d, err
	}
	if c.ValEvery > 0 {
		if d.Test, err = ds.Split(testSplit); err != nil {
			return d, err
		}
	}
	return d, nil
}

// trainRun is what run needs of a *train.Run.
type trainRun interface {
	Finished() bool
	Episode() int
	Step() (train.Metric, error)
	CheckpointDue() bool
}

// run trains r to its end, with a progress bar, a line of metrics.jsonl
// per step, a checkpoint, the model and the chart where r says one is due
// and on SIGINT or SIGTERM, and, in a run that keeps its best model
// (train.KeepsBest), model-best.safetensors whenever a validation beats
// the best so far.
func (s *trainSession) run(r trainRun, progress bool, stdout, stderr io.Writer) error {
	log, err := openMetrics(s.dir)
	if err != nil {
		return err
	}
	defer log.close()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)

	cfg := s.cfg
	bar := progressbar.NewOptions(cfg.Episodes-s.start,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetVisibility(progress),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("episodes"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(500*time.Millisecond),
		progressbar.OptionFullWidth(),
	)
	t0 := time.Now()
	elapsed := func() float64 { return s.seconds + time.Since(t0).Seconds() }
	for !r.Finished() {
		select {
		case sig := <-stop:
			bar.Exit()
			if err := s.save(r.Episode(), elapsed()); err != nil {
				return fmt.Errorf("interrupted by %v, and the checkpoint failed: %w", sig, err)
			}
			fmt.Fprintf(stderr, "\ninterrupted by %v: checkpoint at episode %d saved in %s; continue with: metaglot train -out %s -resume\n", sig, r.Episode(), s.dir, s.dir)
			return nil
		default:
		}
		m, err := r.Step()
		var div *train.Diverged
		switch {
		case errors.As(err, &div) && s.saved < 0:
			bar.Exit()
			return fmt.Errorf("%w; no checkpoint was written", err)
		case errors.As(err, &div):
			bar.Exit()
			return fmt.Errorf("%w; the checkpoint of episode %d in %s is intact", err, s.saved, s.dir)
		case err != nil:
			return err
		}
		rec := metric{Episode: m.Episode, Loss: m.Loss, Acc: m.Acc, LR: m.LR, Seconds: elapsed()}
		if m.Val != nil {
			rec.ValAcc, rec.ValCI95, rec.ValAccBefore = m.Val.Acc, m.Val.CI95, m.Val.Before
			rec.ValAccTransductive = m.Val.Transductive
			if train.KeepsBest(cfg.Config) && s.best.Improves(*m.Val) {
				// The model first, then the line that says so: a run
				// killed between them finds the model on resume.
				b := train.Best{Episode: m.Episode, Val: *m.Val}
				if err := s.saveBest(b, elapsed()); err != nil {
					return err
				}
				rec.Best = true
			}
		}
		if err := log.write(rec); err != nil {
			return err
		}
		bar.Describe(fmt.Sprintf("ep %d loss %.3f acc %.1f%%", m.Episode, m.Loss, 100*m.Acc))
		bar.Add(cfg.MetaBatch)
		if r.CheckpointDue() {
			if err := s.save(m.Episode, elapsed()); err != nil {
				return err
			}
		}
	}
	bar.Finish()
	if err := removeRunTemps(s.dir, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trained %s for %d episodes in %.0f s; model in %s\n", cfg.Algo, r.Episode(), elapsed(), filepath.Join(s.dir, modelFile))
	if s.bestOnDisk {
		fmt.Fprintf(stdout, "best held-out validation %.1f ± %.1f %% at episode %d; its model in %s\n",
			100*s.best.Val.Acc, 100*s.best.Val.CI95, s.best.Episode, filepath.Join(s.dir, bestModelFile))
	}
	return nil
}

// save writes the checkpoint, the model and the chart of the run at
// episode ep.
func (s *trainSession) save(ep int, seconds float64) error {
	m := runMeta{Config: s.cfg, Episodes: ep, Seconds: seconds, Threads: s.threads}
	if err := writeCheckpoint(filepath.Join(s.dir, checkpointFile), s.l, m); err != nil {
		return err
	}
	if err := writeModel(filepath.Join(s.dir, modelFile), s.l, m); err != nil {
		return err
	}
	s.saved = ep
	ms, err := readMetrics(s.dir)
	if err != nil {
		return err
	}
	return writeChart(s.dir, fmt.Sprintf("%s, %d-way %d-shot, %s split", s.cfg.Algo, s.cfg.Way, s.cfg.Shot, s.cfg.Split), ms)
}

// saveBest writes the learner's weights now, the model after episode
// b.Episode, as the run's best model (atomically, with b in its metadata)
// and makes b the best.
func (s *trainSession) saveBest(b train.Best, seconds float64) error {
	m := runMeta{Kind: modelfile.KindModel, Config: s.cfg, Episodes: b.Episode, Seconds: seconds, Threads: s.threads}
	if err := checkpoint.Write(filepath.Join(s.dir, bestModelFile), s.l.Params(), b.Encode(m.encode())); err != nil {
		return fmt.Errorf("best model: %w", err)
	}
	s.best, s.bestOnDisk = b, true
	return nil
}

// restoreBest sets the best validation so far of the run being resumed:
// the better of the one its model-best.safetensors records and the best
// of metrics.jsonl (already cut back to the checkpoint). They agree but
// in two cases. A run killed after writing a best model and before its
// next checkpoint has a file newer than the checkpoint: it stays the best
// (the resumed run measures that episode again, and of equal accuracies
// keeps the file's). A run started by an older metaglot kept no best
// model: its best so far, from metrics.jsonl, has no weights on disk,
// which stderr says, and the file comes with the first validation that
// beats it. A best model of another run is an error.
func (s *trainSession) restoreBest(stderr io.Writer) error {
	ms, err := readMetrics(s.dir)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	var fromMetrics train.Best
	for _, m := range ms {
		if m.ValAcc > 0 || m.ValCI95 > 0 {
			fromMetrics.Offer(m.Episode, train.Validation{Acc: m.ValAcc, CI95: m.ValCI95, Episodes: s.cfg.ValEpisodes})
		}
	}
	path := filepath.Join(s.dir, bestModelFile)
	fromFile, err := readBest(path, s.cfg)
	switch {
	case errors.Is(err, os.ErrNotExist):
		s.best = fromMetrics
		if fromMetrics.Episode > 0 {
			fmt.Fprintf(stderr, "note: %s has no %s (the run started before metaglot kept one): its best held-out validation so far, %.1f %% at episode %d (metrics.jsonl), has no weights on disk; %s will hold the first model that beats it\n",
				s.dir, bestModelFile, 100*fromMetrics.Val.Acc, fromMetrics.Episode, bestModelFile)
		}
		return nil
	case err != nil:
		return err
	}
	s.best, s.bestOnDisk = fromFile, true
	if fromMetrics.Episode > 0 && fromFile.Improves(fromMetrics.Val) {
		// metrics.jsonl has a better validation than the file's: the
		// file is not the best of this run's curve.
		return fmt.Errorf("%s records %.1f %% at episode %d, but metrics.jsonl has %.1f %% at episode %d: it is not this run's best model (move it away to resume)",
			path, 100*fromFile.Val.Acc, fromFile.Episode, 100*fromMetrics.Val.Acc, fromMetrics.Episode)
	}
	return nil
}

// readBest returns the best validation that the best model at path
// records, checking that it is a best model of a run of cfg. A missing
// file is an error satisfying errors.Is(err, os.ErrNotExist).
func readBest(path string, cfg runConfig) (train.Best, error) {
	_, meta, err := checkpoint.Read(path)
	if err != nil {
		return train.Best{}, err
	}
	m, err := decodeMeta(path, meta)
	if err != nil {
		return train.Best{}, err
	}
	b, ok, err := train.DecodeBest(meta)
	switch {
	case err != nil:
		return train.Best{}, fmt.Errorf("%s: %w", path, err)
	case !ok || m.Kind != modelfile.KindModel:
		return train.Best{}, fmt.Errorf("%s is not a best model (no %q metadata); move it away to resume", path, train.MetaSelected)
	}
	// Settings that may change on resume (run-time ones, the planned
	// episodes) may differ from the run's now.
	runTimeOnly(&m.Config, cfg.Config)
	if d := configDiff(m.Config, cfg); d != "" {
		return train.Best{}, fmt.Errorf("%s is the best model of another run (%s); move it away to resume", path, d)
	}
	return b, nil
}

// resumeThreads returns the worker threads to resume a run with, and a
// line to tell the user why (or "" when nothing needs saying): the sums
// of split convolutions depend on how they are split among workers, so
// only a run's own thread count, recorded in the checkpoint, continues it
// bit-identically, unless the run gives the same parameters for any
// number of threads (anyThreads: algo.Spec.SameForAnyThreads), when any
// count does. recorded is the checkpoint's count (0: not recorded, an
// older metaglot); given says whether -threads was given, th what it
// resolves to.
func resumeThreads(recorded int, given bool, th int, dir string, anyThreads bool) (int, string) {
	switch {
	case anyThreads && (given || recorded == 0):
		return th, ""
	case anyThreads && recorded > maxThreads():
		return maxThreads(), ""
	case recorded == 0:
		return th, fmt.Sprintf("note: the checkpoint in %s does not record its threads (written by an older metaglot): threads unknown; continuing with %d, so the result may differ from an uninterrupted run", dir, th)
	case !given && recorded > maxThreads():
		return maxThreads(), fmt.Sprintf("warning: the run in %s was trained with %d threads, more than this machine's limit of %d: continuing with %d, which will not be bit-identical to an uninterrupted run", dir, recorded, maxThreads(), maxThreads())
	case !given:
		return recorded, ""
	case recorded != th:
		return th, fmt.Sprintf("warning: -threads %d, but the run in %s was trained with %d: the continuation will not be bit-identical to an uninterrupted run (leave -threads out to use %d)", th, dir, recorded, recorded)
	}
	return th, ""
}

// removeRunTemps removes the temporary files that a training run killed
// while writing its checkpoint, model, chart or metrics left in dir (see
// checkpoint.RemoveTemps), saying so on stderr. The caller holds dir's
// lock, so no writer of this run can be at work.
func removeRunTemps(dir string, stderr io.Writer) error {
	var removed []string
	for _, name := range []string{checkpointFile, modelFile, bestModelFile, chartFile, metricsFile} {
		r, err := checkpoint.RemoveTemps(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		removed = append(removed, r...)
	}
	if len(removed) > 0 {
		fmt.Fprintf(stderr, "removed %d temporary files an interrupted write left in %s: %s\n", len(removed), dir, strings.Join(removed, " "))
	}
	return nil
}
