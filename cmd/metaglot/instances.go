package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/schollz/progressbar/v3"

	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/mann"
)

// instancesProtocol is eval's -protocol for Santoro et al.'s evaluation of
// a memory-augmented network ("Meta-Learning with Memory-Augmented Neural
// Networks", ICML 2016, Table 1): episodes of -way classes × -instances
// images, shown one image at a time in a random order, each classified
// before its label is given at the next step; the accuracy is reported by
// the presentation of the image's class (1st, 2nd, … instance).
const instancesProtocol = "instances"

// paperInstances are the presentations Table 1 of Santoro et al. reports,
// and those eval's text output prints.
var paperInstances = []int{1, 2, 3, 4, 5, 10}

// sequenceLearner is a learner that reads a whole task as one sequence
// (the model-based family: the MANN of core/mann), which is what the
// instances protocol needs: only it can be asked for its answer at every
// step of an episode.
type sequenceLearner interface {
	learner.Learner
	InstanceAccuracy(tasks []*learner.Task, rng *rand.Rand, into *mann.Instances) error
}

// checkSequenceWay returns a usage error if the sequence learner l, read
// from the model file of metadata m, cannot answer way-way episodes: a
// one-hot MANN answers at most the classes of its output layer; a
// string-label one any way up to its 3125 strings.
func checkSequenceWay(l sequenceLearner, way int, m runMeta) error {
	if c, ok := l.(interface{ Config() mann.Config }); ok && c.Config().Labels == mann.String {
		if way > c.Config().Classes {
			return usagef("-way %d: string labels name at most %d classes", way, c.Config().Classes)
		}
		return nil
	}
	if way > m.Config.Way {
		return usagef("-way %d: the %s model's output layer has %d classes (use -way %d or fewer)", way, m.Config.Algo, m.Config.Way, m.Config.Way)
	}
	return nil
}

// exactScorer is a learner whose answer is not always the most probable
// of its task's classes: a MANN with string labels answers a string, right
// only when all five characters are (mann.Learner.QueryAccuracy), which
// may be no class of the task at all.
type exactScorer interface {
	QueryAccuracy(t *learner.Task) (float64, error)
}

// queryAccuracy is the accuracy of eval's standard cells on task t: the
// learner's own count when it has one and queries go one at a time, else
// learner.AccuracyOf (the most probable class).
func queryAccuracy(l learner.Learner, t *learner.Task, p learner.Protocol) (float64, error) {
	if e, ok := l.(exactScorer); ok && p == learner.OneAtATime {
		return e.QueryAccuracy(t)
	}
	return learner.AccuracyOf(l, t, p)
}

// instanceCell is the accuracy at one presentation, in percent, with the
// half-width of its 95% confidence interval over episodes.
type instanceCell struct {
	Instance int     `json:"instance"`
	Accuracy float64 `json:"accuracy"`
	CI95     float64 `json:"ci95"`
}

// instancesResult is eval -protocol instances' JSON output: one cell per
// presentation, 1 to Instances.
type instancesResult struct {
	Algo      string         `json:"algo"`
	Way       int            `json:"way"`
	Instances int            `json:"instances"`
	Episodes  int            `json:"episodes"`
	Protocol  string         `json:"protocol"`
	Cells     []instanceCell `json:"cells"`
}

// evalInstances runs the instances protocol: episodes drawn from ds's
// split s with sampling seed seed (the episodes' image orders and label
// shuffles from a second stream of the same seed), one episode at a time,
// so that each presentation's CI is over per-episode accuracies.
func evalInstances(l sequenceLearner, algoName string, ds episode.Dataset, s *episode.Split, way, inst, episodes int, seed uint64,
	oneAlphabet bool, bar *progressbar.ProgressBar) (instancesResult, error) {
	sampler, err := episode.NewSampler(ds, s, episode.Config{Way: way, Shot: inst, OneAlphabet: oneAlphabet, SameDrawers: oneAlphabet},
		rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return instancesResult{}, usagef("%v", err)
	}
	orders := rand.New(rand.NewPCG(seed, 1))
	per := make([][]float64, inst) // per[k][e]: accuracy at presentation k+1 in episode e
	for k := range per {
		per[k] = make([]float64, episodes)
	}
	var ep episode.Episode
	task := []*learner.Task{nil}
	for e := range episodes {
		sampler.SampleInto(&ep)
		task[0] = &learner.Task{Way: way, Support: ep.Support(), SupportLabels: ep.Labels[:ep.NumSupport()]}
		var one mann.Instances
		if err := l.InstanceAccuracy(task, orders, &one); err != nil {
			return instancesResult{}, fmt.Errorf("episode %d: %w", e, err)
		}
		for k := range per {
			per[k][e] = one.Acc(k + 1)
		}
		bar.Add(1)
	}
	bar.Finish()
	r := instancesResult{Algo: algoName, Way: way, Instances: inst, Episodes: episodes, Protocol: instancesProtocol}
	for k, accs := range per {
		m, ci := learner.MeanCI95(accs)
		r.Cells = append(r.Cells, instanceCell{Instance: k + 1, Accuracy: 100 * m, CI95: 100 * ci})
	}
	return r, nil
}

// write prints r as one JSON line, or as text: the paper's presentations.
func (r instancesResult) write(stdout io.Writer, split string, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s %d-way, %d instances per class, %d episodes (%s split), accuracy by presentation of a class:\n",
		r.Algo, r.Way, r.Instances, r.Episodes, split); err != nil {
		return err
	}
	for _, n := range paperInstances {
		if n > len(r.Cells) {
			break
		}
		c := r.Cells[n-1]
		if _, err := fmt.Fprintf(stdout, "  instance %2d: %6.2f%% ± %.2f%%\n", c.Instance, c.Accuracy, c.CI95); err != nil {
			return err
		}
	}
	return nil
}

// progressBar is eval's progress bar over episodes (hidden unless visible).
func progressBar(episodes int, stderr io.Writer, visible bool) *progressbar.ProgressBar {
	return progressbar.NewOptions(episodes, progressbar.OptionSetWriter(stderr), progressbar.OptionSetVisibility(visible),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("episodes"), progressbar.OptionThrottle(500*time.Millisecond))
}
