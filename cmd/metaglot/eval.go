package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"metaglot/core/algo"
	"metaglot/core/episode"
	"metaglot/core/episode/lakeruns"
	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/nn"
	"metaglot/core/omniglot"
	"metaglot/core/train"
)

func evalCommand() command {
	return command{name: "eval", summary: "few-shot accuracy of a trained model on held-out classes, with a 95% CI", run: runEval}
}

// evalResult is eval's JSON output. Accuracy and CI95 are in percent.
type evalResult struct {
	Algo     string  `json:"algo"`
	Way      int     `json:"way"`
	Shot     int     `json:"shot"`
	Query    int     `json:"query"`
	Episodes int     `json:"episodes"`
	Protocol string  `json:"protocol"`
	Accuracy float64 `json:"accuracy"`
	CI95     float64 `json:"ci95"`
	// Lake et al.'s task only (-split lake, or -one-alphabet; absent
	// otherwise): Split is the protocol whose test classes the episodes
	// came from, OneAlphabet is set for -one-alphabet on the Vinyals
	// protocol's, Error is 100 − Accuracy, the error rate the task's
	// published results quote (± CI95 too), and Published are those
	// results, for 20-way 1-shot tasks on Lake's evaluation alphabets
	// (lakePublished).
	Split       string           `json:"split,omitempty"`
	OneAlphabet bool             `json:"one_alphabet,omitempty"`
	Error       *float64         `json:"error,omitempty"`
	Published   []publishedError `json:"published,omitempty"`
	// LakeRuns is set for -lake-runs: the episodes were Lake et al.'s own
	// 20 runs (package lakeruns), the test set of the published figures,
	// one query per class; the CI is over the runs.
	LakeRuns bool `json:"lake_runs,omitempty"`
}

// publishedError is a published error rate, in percent, on a task.
type publishedError struct {
	Who   string  `json:"who"`
	Error float64 `json:"error"`
}

// lakePublished are the published error rates on Lake et al.'s task, the
// one eval -split lake -way 20 -shot 1 measures: 20-way one-shot
// classification within one of the 20 evaluation alphabets, the example
// of every character from one drawer and the test image from another, by
// models trained on the 30 background alphabets (Lake, Salakhutdinov and
// Tenenbaum, Science 2015; the Siamese network is
// Koch, Zemel and Salakhutdinov, ICML deep learning workshop 2015, whose
// 92.0 % Lake et al. quote).
var lakePublished = []publishedError{
	{"Siamese ConvNet (Koch et al. 2015)", 8.0},
	{"people (Lake et al. 2015)", 4.5},
	{"Bayesian Program Learning (Lake et al. 2015)", 3.3},
}

// withLake adds the fields of Lake et al.'s task to r, an evaluation on
// the test classes of split, when its episodes were that task (lakeTask).
func (r evalResult) withLake(split string, lakeTask bool) evalResult {
	if !lakeTask {
		return r
	}
	e := 100 - r.Accuracy
	r.Split, r.OneAlphabet, r.Error = split, split != "lake", &e
	if split == "lake" && r.Way == 20 && r.Shot == 1 {
		r.Published = lakePublished
	}
	return r
}

// lakeText is the Lake protocol's part of eval's text output for r: its
// error rate and, on Lake et al.'s task, the published ones ("" for the
// Vinyals protocol).
func (r evalResult) lakeText() string {
	if r.Error == nil {
		return ""
	}
	t := fmt.Sprintf("; error %.2f%% ± %.2f%%", *r.Error, r.CI95)
	if len(r.Published) > 0 {
		var p []string
		for _, e := range r.Published {
			p = append(p, fmt.Sprintf("%s %.1f%%", e.Who, e.Error))
		}
		t += " (published on this task: " + strings.Join(p, ", ") + ")"
	}
	return t
}

// evalSampler returns the sampler of eval's test episodes from split s of
// ds: with lakeTask, Lake et al.'s task, every episode within one alphabet
// and its drawers paired (every class's examples from the same drawers,
// its tests from others: episode.Config.SameDrawers), of the characters
// as drawn (no quarter turns).
func evalSampler(ds episode.Dataset, s *episode.Split, lakeTask bool, way, shot, query int, seed uint64) (*episode.Sampler, error) {
	if lakeTask {
		s = unrotated(s)
	}
	return episode.NewSampler(ds, s, episode.Config{Way: way, Shot: shot, Query: query, OneAlphabet: lakeTask, SameDrawers: lakeTask}, rand.New(rand.NewPCG(seed, 0)))
}

// unrotated returns the classes of s that are characters as drawn (no
// quarter turn), as Lake et al.'s task has them.
func unrotated(s *episode.Split) *episode.Split {
	out := &episode.Split{Name: s.Name + "-unrotated"}
	for _, c := range s.Classes {
		if c.Rot == 0 {
			out.Classes = append(out.Classes, c)
		}
	}
	return out
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "-algo "+strings.Join(algo.Names(), "|")+" [-model FILE] [-way N] [-shot K] [-query Q] [-protocol one|transductive|instances] [-instances I] [-episodes E] [-split vinyals|lake] [-classes test|train] [-seed S] [-json]", stderr)
	mf := addModelFlags(fs)
	way := fs.Int("way", 5, "classes per test episode")
	shot := fs.Int("shot", 1, "support images per class")
	query := fs.Int("query", 15, "query images per class")
	episodes := fs.Int("episodes", 1000, "test episodes; the accuracy is their mean, the CI 1.96·std/√episodes")
	split := fs.String("split", "vinyals", "protocol: vinyals (episodes from the 1692 test classes) or lake (episodes within one evaluation alphabet; default model <algo>-background)")
	seed := fs.Uint64("seed", 1, "random seed of the test episodes")
	oneAlpha := fs.Bool("one-alphabet", false, "Lake et al.'s task on the protocol's test classes (what -split lake always draws): every episode within one alphabet, of characters as drawn (no quarter turns), drawers paired (the examples from the same drawers, the tests from others); with -split vinyals, from the alphabets of the Vinyals test characters that have at least -way of them (12 of 13 for 20-way)")
	classes := fs.String("classes", "test", "draw episodes from the protocol's test classes, or from its training classes (train: to choose adaptation settings without looking at the test classes)")
	protocol := fs.String("protocol", "one", "how queries are classified: one (each query on its own, as the page does), transductive (fomaml/reptile: the queries of an episode together, BatchNorm with their batch statistics, as the MAML and Reptile papers report) or instances (mann: Santoro et al.'s Table 1, each image of an episode of -instances per class classified before its label is given, accuracy by presentation; -shot and -query do not apply)")
	instances := fs.Int("instances", 10, "-protocol instances: images per class in an episode")
	asJSON := fs.Bool("json", false, `print {"algo","way","shot","query","episodes","protocol","accuracy","ci95"} (accuracy and ci95 in percent; -split lake adds "split", "error" (100 − accuracy, ± ci95) and, 20-way 1-shot, the "published":[{"who","error"}…] error rates of Lake et al.'s task); -protocol instances: {"algo","way","instances","episodes","protocol","cells":[{"instance","accuracy","ci95"}…]}`)
	progress := fs.Bool("progress", false, "show a progress bar on stderr")
	lakeRuns := fs.Bool("lake-runs", false, "-split lake -way 20 -shot 1: Lake et al.'s own 20 runs (10 evaluation alphabets, two runs each; one drawer's 20 characters are the examples, another drawer's the tests; 400 tests), the test set of the published error rates, instead of random episodes; the CI is over the 20 runs (-episodes, -query and -seed do not apply: a note on stderr)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *lakeRuns {
		set := flagsSet(fs)
		switch {
		case *split != "lake" || *way != 20 || *shot != 1 || *classes != "test" || *protocol == instancesProtocol:
			return usagef("-lake-runs: Lake et al.'s runs are 20-way 1-shot tasks of the lake split's test classes (want -split lake -way 20 -shot 1, not -classes train or -protocol instances)")
		}
		// make evaltable passes these to every cell: said, not refused.
		if set["episodes"] || set["query"] || set["seed"] {
			fmt.Fprintln(stderr, "metaglot eval: -lake-runs: the 20 runs are fixed (one query per class); -episodes, -query and -seed do not apply")
		}
		*episodes, *query = len(lakeruns.Runs()), 1
	}
	switch {
	case *split != "vinyals" && *split != "lake":
		return usagef("-split %q: want vinyals or lake", *split)
	case *way < 2:
		return usagef("-way %d: want at least 2", *way)
	case *protocol == instancesProtocol && (*instances < 1 || *instances > omniglot.Drawers):
		return usagef("-instances %d: want 1 to %d (the drawers of a character)", *instances, omniglot.Drawers)
	case *protocol != instancesProtocol && (*shot < 1 || *query < 1 || *shot+*query > omniglot.Drawers):
		return usagef("-shot %d -query %d: want each ≥ 1 and shot+query ≤ %d (the drawers of a character)", *shot, *query, omniglot.Drawers)
	case *episodes < 1:
		return usagef("-episodes %d: want at least 1", *episodes)
	case *classes != "test" && *classes != "train":
		return usagef("-classes %q: want test or train", *classes)
	}
	proto, err := learner.ParseProtocol(*protocol)
	if err != nil && *protocol != instancesProtocol {
		return usagef("-protocol %q: unknown protocol (want one, transductive or instances)", *protocol)
	}
	if err := mf.check(); err != nil {
		return err
	}
	// The instances protocol runs its episodes in turn on one learner
	// whose work spreads over the threads; the others give each thread
	// whole episodes (below), on learners of their own.
	var par nn.Parallel
	if *protocol == instancesProtocol {
		pool := gemm.NewPool(*mf.threads)
		defer pool.Close()
		par = pool
	}
	l, m, _, err := mf.load(*split, par)
	if err != nil {
		return err
	}
	if proto == learner.Transductive && !slices.Contains(m.Config.spec().Caps.BNModes, learner.TransductiveBN.String()) {
		return usagef("-protocol transductive: %s normalizes with its running statistics; the protocol is for models with batch-statistics BatchNorm", m.Config.Algo)
	}
	seq, isSeq := l.(sequenceLearner)
	if *protocol == instancesProtocol && !isSeq {
		return usagef("-protocol instances: %s does not read a task as one sequence; the protocol is for mann models", m.Config.Algo)
	}
	if isSeq {
		if err := checkSequenceWay(seq, *way, m); err != nil {
			return err
		}
	}
	dir, err := omniglotDir(*mf.assets)
	if err != nil {
		return err
	}
	trainSplit, testSplit, oneAlphabet := train.Splits(*split)
	if *classes == "train" {
		testSplit = trainSplit
	}
	ds, err := omniglot.LoadDir(dir, testSplit)
	if err != nil {
		return err
	}
	s, err := ds.Split(testSplit)
	if err != nil {
		return err
	}
	bar := progressBar(*episodes, stderr, *progress)
	if *protocol == instancesProtocol {
		r, err := evalInstances(seq, m.Config.Algo, ds, s, *way, *instances, *episodes, *seed, oneAlphabet, bar)
		if err != nil {
			return err
		}
		return r.write(stdout, *split, *asJSON)
	}
	lakeTask := oneAlphabet || *oneAlpha
	sampler, err := evalSampler(ds, s, lakeTask, *way, *shot, *query, *seed)
	if err != nil {
		return usagef("%v", err)
	}
	if m.Config.hasHead() && m.Config.Way != *way {
		return usagef("-way %d: the model's head has %d classes (use -way %d, or -proto-head)", *way, m.Config.Way, m.Config.Way)
	}
	// One learner per thread, each adapting to whole episodes on one
	// goroutine (train.ForEpisodes): the figures are the same for any
	// -threads.
	ls := []learner.Learner{l}
	for range resolveThreads(*mf.threads) - 1 {
		l, _, _, err := mf.load(*split, nil)
		if err != nil {
			return err
		}
		ls = append(ls, l)
	}
	accs := make([]float64, *episodes)
	next := func(i int, ep *episode.Episode) error {
		if *lakeRuns {
			e, err := lakeruns.Runs()[i].Episode(ds)
			if err != nil {
				return err
			}
			*ep = *e
		} else {
			sampler.SampleInto(ep)
		}
		return nil
	}
	err = train.ForEpisodes(ls, *episodes, next, func(l learner.Learner, i int, t *learner.Task) error {
		var err error
		accs[i], err = queryAccuracy(l, t, proto)
		bar.Add(1)
		return err
	})
	if err != nil {
		return err
	}
	bar.Finish()
	mean, ci := learner.MeanCI95(accs)
	r := evalResult{Algo: m.Config.Algo, Way: *way, Shot: *shot, Query: *query, Episodes: *episodes, Protocol: proto.String(), Accuracy: 100 * mean, CI95: 100 * ci, LakeRuns: *lakeRuns}.withLake(*split, lakeTask)
	if *asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	how := "one query at a time"
	if proto == learner.Transductive {
		how = "transductive"
	}
	if r.OneAlphabet {
		how += "; Lake et al.'s task: one alphabet per episode, drawers paired"
	}
	if r.LakeRuns {
		how += "; Lake et al.'s 20 runs"
	}
	_, err = fmt.Fprintf(stdout, "%s %d-way %d-shot, %d queries per class, %d episodes (%s split, %s): %.2f%% ± %.2f%%%s\n",
		r.Algo, r.Way, r.Shot, r.Query, r.Episodes, *split, how, r.Accuracy, r.CI95, r.lakeText())
	return err
}
