package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"metaglot/core/algo"
	"metaglot/core/checkpoint"
	"metaglot/core/episode"
	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/omniglot"
)

// Files of a training run's output directory.
const (
	checkpointFile = "checkpoint.safetensors"
	modelFile      = "model.safetensors"
)

func trainCommand() command {
	return command{name: "train", summary: "meta-train ProtoNet, first-order MAML or Reptile on Omniglot", run: runTrain}
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", "-algo "+strings.Join(algo.Names(), "|")+" -out DIR [-resume] [flags]", stderr)
	algoName := fs.String("algo", "", "learner: "+algo.NameList()+" (required); the other flags default to its reference settings")
	out := fs.String("out", "", "output `dir`ectory: checkpoint.safetensors, model.safetensors, metrics.jsonl, curves.png (required)")
	resume := fs.Bool("resume", false, "continue the run in -out from its last checkpoint (flags other than -episodes must match the run's or be left out)")
	addSettingFlags(fs)
	initFrom := fs.String("init", "", "start from the Conv4 weights (BatchNorm statistics included) of this model `file`, e.g. assets/models/protonet.safetensors, instead of a random initialization; a linear head starts fresh")
	threads := addThreadsFlag(fs)
	progress := fs.Bool("progress", true, "show a progress bar on stderr")
	assets := fs.String("assets", "", "assets folder (default: assets/ of the repository around the working directory)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("-out is required")
	}
	if err := checkThreads(*threads); err != nil {
		return err
	}
	threadsSet := flagsSet(fs)["threads"]

	ckptPath := filepath.Join(*out, checkpointFile)
	var cfg runConfig
	var start int
	var seconds float64
	th := resolveThreads(*threads) // recorded in every checkpoint
	var par *gemm.Pool
	defer func() {
		if par != nil {
			par.Close()
		}
	}()
	var l learner.Learner

	if *resume && *initFrom != "" {
		return usagef("-init starts a run from a model; leave it out with -resume (the run's checkpoint has its weights)")
	}
	if *resume {
		if _, err := os.Stat(ckptPath); err != nil {
			return fmt.Errorf("-resume: no checkpoint in %s: %w", *out, err)
		}
		unlock, err := lockRun(*out)
		if err != nil {
			return err
		}
		defer unlock()
		if err := removeRunTemps(*out, stderr); err != nil {
			return err
		}
		var m runMeta
		var note string
		l, par, m, err = loadCheckpoint(ckptPath, func(m runMeta) (*gemm.Pool, error) {
			th, note = resumeThreads(m.Threads, threadsSet, th, *out)
			return gemm.NewPool(th), nil
		})
		if err != nil {
			return err
		}
		if note != "" {
			fmt.Fprintln(stderr, note)
		}
		cfg, start, seconds = m.Config, m.Episodes, m.Seconds
		if *algoName != "" && *algoName != cfg.Algo {
			return usagef("-algo %s: the run in %s is %s", *algoName, *out, cfg.Algo)
		}
		// Flags given with -resume must agree with the run, except
		// -episodes, which may extend it, and the run-time-only ones.
		want := cfg
		applyFlags(&want, fs)
		if want.Episodes < start {
			return usagef("-episodes %d: the run in %s is already at episode %d", want.Episodes, *out, start)
		}
		runTimeOnly(&cfg, want.Config)
		if d := configDiff(cfg, want); d != "" {
			return usagef("%s differs from the run in %s (%s); leave it out to resume", d, *out, configDiff(want, cfg))
		}
		if err := cfg.check(); err != nil {
			return err
		}
		if err := truncateMetrics(*out, start); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		fmt.Fprintf(stderr, "resuming %s in %s at episode %d of %d with %d threads\n", cfg.Algo, *out, start, cfg.Episodes, th)
	} else {
		if *algoName == "" {
			return usagef("-algo is required (%s)", algo.NameList())
		}
		if _, err := algo.Lookup(*algoName); err != nil {
			return usageError{err}
		}
		cfg = defaultConfig(*algoName)
		applyFlags(&cfg, fs)
		if err := cfg.check(); err != nil {
			return err
		}
		if bnName(cfg.BN) == learner.RunningBN.String() && *initFrom == "" {
			return usagef("-bn running needs -init: meta-training keeps the running statistics it starts with, and a fresh network's are 0 and 1")
		}
		if _, err := os.Stat(ckptPath); err == nil {
			return usagef("-out %s already holds a run (use -resume to continue it, or another -out)", *out)
		}
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		unlock, err := lockRun(*out)
		if err != nil {
			return err
		}
		defer unlock()
		if err := removeRunTemps(*out, stderr); err != nil {
			return err
		}
		if err := truncateMetrics(*out, 0); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		params := newParams(cfg)
		if *initFrom != "" {
			if cfg.Init, err = initConv4(params, *initFrom); err != nil {
				return err
			}
		}
		par = gemm.NewPool(th)
		if l, err = newLearner(cfg, params, par); err != nil {
			return err
		}
	}

	dir, err := omniglotDir(*assets)
	if err != nil {
		return err
	}
	trainSplit, testSplit, oneAlphabet := splitsOf(cfg.Split)
	splitNames := []string{trainSplit}
	if cfg.ValEvery > 0 {
		splitNames = append(splitNames, testSplit)
	}
	ds, err := omniglot.LoadDir(dir, splitNames...)
	if err != nil {
		return err
	}
	tr, err := ds.Split(trainSplit)
	if err != nil {
		return err
	}
	ecfg := episode.Config{Way: cfg.Way, Shot: cfg.Shot, Query: cfg.Query}
	if _, err := episode.NewSampler(ds, tr, ecfg, rand.New(rand.NewPCG(0, 0))); err != nil {
		return usagef("%v", err)
	}
	var val *validator
	if cfg.ValEvery > 0 {
		if val, err = newValidator(ds, testSplit, oneAlphabet, cfg); err != nil {
			return err
		}
	}

	log, err := openMetrics(*out)
	if err != nil {
		return err
	}
	defer log.close()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)

	bar := progressbar.NewOptions(cfg.Episodes-start,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetVisibility(*progress),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("episodes"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(500*time.Millisecond),
		progressbar.OptionFullWidth(),
	)
	t0 := time.Now()
	elapsed := func() float64 { return seconds + time.Since(t0).Seconds() }
	save := func(ep int) error {
		m := runMeta{Config: cfg, Episodes: ep, Seconds: elapsed(), Threads: th}
		if err := writeCheckpoint(ckptPath, l, m); err != nil {
			return err
		}
		if err := writeModel(filepath.Join(*out, modelFile), l, m); err != nil {
			return err
		}
		ms, err := readMetrics(*out)
		if err != nil {
			return err
		}
		return writeChart(*out, fmt.Sprintf("%s, %d-way %d-shot, %s split", cfg.Algo, cfg.Way, cfg.Shot, cfg.Split), ms)
	}

	saved := -1 // episode of the last checkpoint written by this sitting
	if *resume {
		saved = start
	}
	eps := make([]episode.Episode, cfg.MetaBatch)
	tasks := make([]*learner.Task, cfg.MetaBatch)
	ep := start
	for ep < cfg.Episodes {
		select {
		case sig := <-stop:
			bar.Exit()
			if err := save(ep); err != nil {
				return fmt.Errorf("interrupted by %v, and the checkpoint failed: %w", sig, err)
			}
			fmt.Fprintf(stderr, "\ninterrupted by %v: checkpoint at episode %d saved in %s; continue with: metaglot train -out %s -resume\n", sig, ep, *out, *out)
			return nil
		default:
		}
		// Each step draws its episodes from its own stream of the seed,
		// so a resumed run draws exactly what the original would have.
		step := ep / cfg.MetaBatch
		s, err := episode.NewSampler(ds, tr, ecfg, rand.New(rand.NewPCG(cfg.Seed, uint64(step))))
		if err != nil {
			return err
		}
		for i := range eps {
			s.SampleInto(&eps[i])
			tasks[i] = taskOf(&eps[i])
		}
		rate := cfg.lrAt(ep)
		l.SetLR(rate)
		m, err := l.Step(tasks)
		if err != nil {
			bar.Exit()
			if saved < 0 {
				return fmt.Errorf("episode %d: %w; no checkpoint was written", ep, err)
			}
			return fmt.Errorf("episode %d: %w; the checkpoint of episode %d in %s is intact", ep, err, saved, *out)
		}
		ep += cfg.MetaBatch
		rec := metric{Episode: ep, Loss: m.Loss, Acc: m.Acc, LR: rate, Seconds: elapsed()}
		if val != nil && ep%cfg.ValEvery < cfg.MetaBatch {
			if rec.ValAcc, rec.ValCI95, rec.ValAccBefore, err = val.accuracy(l); err != nil {
				return fmt.Errorf("validation at episode %d: %w", ep, err)
			}
		}
		if err := log.write(rec); err != nil {
			return err
		}
		bar.Describe(fmt.Sprintf("ep %d loss %.3f acc %.1f%%", ep, m.Loss, 100*m.Acc))
		bar.Add(cfg.MetaBatch)
		if ep%cfg.CheckpointEvery < cfg.MetaBatch || ep >= cfg.Episodes {
			if err := save(ep); err != nil {
				return err
			}
			saved = ep
		}
	}
	bar.Finish()
	if err := removeRunTemps(*out, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trained %s for %d episodes in %.0f s; model in %s\n", cfg.Algo, ep, elapsed(), filepath.Join(*out, modelFile))
	return nil
}

// resumeThreads returns the worker threads to resume a run with, and a
// line to tell the user why (or "" when nothing needs saying): a run's
// sums depend on how its convolutions are split among workers, so only
// its own thread count, recorded in the checkpoint, continues it
// bit-identically. recorded is the checkpoint's count (0: not recorded,
// an older metaglot); given says whether -threads was given, th what it
// resolves to.
func resumeThreads(recorded int, given bool, th int, dir string) (int, string) {
	switch {
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
	for _, name := range []string{checkpointFile, modelFile, chartFile, metricsFile} {
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

// validator measures held-out accuracy on a fixed set of episodes: the
// same ones at every measurement, so the curve shows the model change, not
// the episodes.
type validator struct {
	ds    *omniglot.Dataset
	split *omniglot.Split
	cfg   episode.Config
	n     int
	seed  uint64
}

// newValidator draws from the held-out split with 1-shot 5-query episodes
// of the training way (at most 20) — one alphabet at a time for the Lake
// protocol.
func newValidator(ds *omniglot.Dataset, split string, oneAlphabet bool, c runConfig) (*validator, error) {
	s, err := ds.Split(split)
	if err != nil {
		return nil, err
	}
	way := min(c.Way, 20)
	cfg := episode.Config{Way: way, Shot: 1, Query: 5, OneAlphabet: oneAlphabet}
	if _, err := episode.NewSampler(ds, s, cfg, rand.New(rand.NewPCG(0, 0))); err != nil {
		return nil, err
	}
	return &validator{ds: ds, split: s, cfg: cfg, n: c.ValEpisodes, seed: c.Seed}, nil
}

// accuracy returns the mean held-out accuracy of l and its 95% CI and, for
// a learner that adapts by inner steps, the mean accuracy of the same
// episodes before adaptation (0 otherwise).
func (v *validator) accuracy(l learner.Learner) (mean, ci95, before float64, err error) {
	s, err := episode.NewSampler(v.ds, v.split, v.cfg, rand.New(rand.NewPCG(v.seed, 1<<62)))
	if err != nil {
		return 0, 0, 0, err
	}
	sa, steps := l.(learner.StepsAdapter)
	accs := make([]float64, v.n)
	pre := make([]float64, v.n)
	var ep episode.Episode
	for i := range accs {
		s.SampleInto(&ep)
		if accs[i], err = learner.Accuracy(l, taskOf(&ep)); err != nil {
			return 0, 0, 0, err
		}
		if steps {
			if pre[i], err = learner.AccuracyBefore(sa, taskOf(&ep)); err != nil {
				return 0, 0, 0, err
			}
		}
	}
	mean, ci95 = learner.MeanCI95(accs)
	if steps {
		before, _ = learner.MeanCI95(pre)
	}
	return mean, ci95, before, nil
}
