// Command lakepaired compares ProtoNet models on the same episodes of Lake
// et al.'s task, paired: each model's accuracy, and each model's difference
// from the first with a 95% confidence interval of the paired differences
// (1.96·sd/√n), far narrower than the two intervals side by side when the
// models err on the same hard episodes.
//
// Two sets of episodes: "held-out", the validation episodes of a metaglot
// train run with -split lake -val-alphabets 5 -val-episodes N -seed S (the
// 5 background alphabets held out: 20-way 1-shot 5-query within one
// alphabet, drawers paired; the same episodes as the run's val_acc), and
// "lake", those of `metaglot eval -split lake -way 20 -shot 1 -query 15
// -seed 1 -episodes M` (the 20 evaluation alphabets). The figures equal the
// run's and eval's own; only the differences are new.
//
// usage (from the repository): go run ./bench/lakepaired [-val-seed S]
// [-val-episodes N] [-episodes M] MODEL...
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"metaglot/core/algo"
	"metaglot/core/checkpoint"
	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/omniglot"
	"metaglot/core/train"

	_ "metaglot/core/protonet"
)

func main() {
	valSeed := flag.Uint64("val-seed", 2, "the -seed of the training runs (their validation episodes)")
	valEpisodes := flag.Int("val-episodes", 400, "held-out episodes (the runs' -val-episodes)")
	episodes := flag.Int("episodes", 400, "Lake evaluation episodes (seed 1, as metaglot eval)")
	assets := flag.String("assets", "assets/omniglot", "the Omniglot assets")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: lakepaired [flags] MODEL...")
		os.Exit(2)
	}
	if err := run(*assets, flag.Args(), *valSeed, *valEpisodes, *episodes); err != nil {
		fmt.Fprintln(os.Stderr, "lakepaired:", err)
		os.Exit(1)
	}
}

// line is one model's figures on one set of episodes, in percent.
type line struct {
	Model    string   `json:"model"`
	Episodes string   `json:"episodes"` // held-out or lake
	N        int      `json:"n"`
	Accuracy float64  `json:"accuracy"`
	CI95     float64  `json:"ci95"`
	Diff     *float64 `json:"diff_vs_first,omitempty"` // accuracy − the first model's, paired
	DiffCI95 *float64 `json:"diff_ci95,omitempty"`
}

func run(assets string, models []string, valSeed uint64, valN, lakeN int) error {
	ds, err := omniglot.LoadDir(assets, "lake-background", "lake-evaluation")
	if err != nil {
		return err
	}
	bg, err := ds.Split("lake-background")
	if err != nil {
		return err
	}
	ev, err := ds.Split("lake-evaluation")
	if err != nil {
		return err
	}
	_, held, _, err := episode.HoldOut(ds, bg, 5)
	if err != nil {
		return err
	}
	sets := []struct {
		name  string
		split *episode.Split
		cfg   episode.Config
		rng   func() *rand.Rand
		n     int
	}{
		// core/train's validator: min(way, 20)-way 1-shot 5-query, PCG(seed, 1<<62).
		{"held-out", held, episode.Config{Way: 20, Shot: 1, Query: 5, OneAlphabet: true, SameDrawers: true},
			func() *rand.Rand { return rand.New(rand.NewPCG(valSeed, 1<<62)) }, valN},
		// metaglot eval -split lake: characters as drawn, PCG(seed, 0).
		{"lake", unrotated(ev), episode.Config{Way: 20, Shot: 1, Query: 15, OneAlphabet: true, SameDrawers: true},
			func() *rand.Rand { return rand.New(rand.NewPCG(1, 0)) }, lakeN},
	}
	enc := json.NewEncoder(os.Stdout)
	for _, set := range sets {
		var first []float64
		for i, path := range models {
			l, err := load(path)
			if err != nil {
				return err
			}
			s, err := episode.NewSampler(ds, set.split, set.cfg, set.rng())
			if err != nil {
				return err
			}
			accs := make([]float64, set.n)
			var ep episode.Episode
			for j := range accs {
				s.SampleInto(&ep)
				if accs[j], err = learner.Accuracy(l, train.TaskOf(&ep)); err != nil {
					return fmt.Errorf("%s, %s episode %d: %w", path, set.name, j, err)
				}
			}
			m, ci := learner.MeanCI95(accs)
			out := line{Model: path, Episodes: set.name, N: set.n, Accuracy: 100 * m, CI95: 100 * ci}
			if i == 0 {
				first = accs
			} else {
				d, dci := paired(accs, first)
				out.Diff, out.DiffCI95 = &d, &dci
			}
			if err := enc.Encode(out); err != nil {
				return err
			}
		}
	}
	return nil
}

// paired returns the mean of a−b and its 95% confidence half-width, in
// percent.
func paired(a, b []float64) (mean, ci95 float64) {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	m, _ := learner.MeanCI95(d)
	var ss float64
	for _, x := range d {
		ss += (x - m) * (x - m)
	}
	sd := math.Sqrt(ss / float64(len(d)-1))
	return 100 * m, 100 * 1.96 * sd / math.Sqrt(float64(len(d)))
}

// unrotated returns the classes of s as drawn (eval's Lake task).
func unrotated(s *episode.Split) *episode.Split {
	out := &episode.Split{Name: s.Name}
	for _, c := range s.Classes {
		if c.Rot == 0 {
			out.Classes = append(out.Classes, c)
		}
	}
	return out
}

// load returns the learner of a metaglot model file with its own settings.
func load(path string) (learner.Learner, error) {
	params, meta, err := checkpoint.Read(path)
	if err != nil {
		return nil, err
	}
	m, err := modelfile.Decode(meta)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, err := algo.Lookup(m.Config.Algo)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s.New(m.Config, params, nil)
}
