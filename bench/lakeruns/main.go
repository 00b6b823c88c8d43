// Command lakeruns measures ProtoNet models on Lake et al.'s one-shot task
// (Science 2015) and on the variants of it that papers and metaglot have
// used, each on its own episodes of a fixed seed, so that a figure can be
// told apart from a protocol:
//
//   - runs: Lake's own 20 runs (package lakeruns: 10 evaluation alphabets, two runs
//     each; in each, one drawer's drawings of 20 characters are the
//     examples and one other drawer's the 20 tests), 400 tests; the CI is
//     over the 20 runs' error rates (1.96·sd/√20); runs-vtest, the 12 of
//     them whose alphabets are wholly in the Vinyals test split (a model
//     trained on the Vinyals split saw the other 4 alphabets);
//   - lake: what `metaglot eval -split lake -way 20 -shot 1` draws (any of
//     the 20 evaluation alphabets, 20 characters, drawers paired: one
//     example drawer, 15 other test drawers, the same for every class);
//   - lake-q1: the same with one test drawer (Lake's structure, random);
//   - any-drawers: one alphabet, but each class's example and tests from
//     its own random drawers (eval -split lake before drawers were paired);
//   - mixed, mixed-paired: the 20 characters from any evaluation alphabets
//     (the "unstructured" task most papers since 2016 report), drawers per
//     class or paired;
//   - runs-like: random episodes with the runs' structure (one example
//     drawer, one test drawer) restricted as the runs are: Lake's 10
//     alphabets and/or drawers 1..8 (the only drawers the runs use).
//
// The "lake" figure equals metaglot eval's (same sampler, seed and
// episodes). Every episode is 20-way 1-shot; accuracies are one query at a
// time (BatchNorm with the model's running statistics).
//
// usage (from the repository): go run ./bench/lakeruns [-episodes N]
// [-seed S] [-only a,b] MODEL...
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"metaglot/core/algo"
	"metaglot/core/checkpoint"
	"metaglot/core/episode"
	"metaglot/core/episode/lakeruns"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/omniglot"
	"metaglot/core/train"

	_ "metaglot/core/protonet"
)

func main() {
	episodes := flag.Int("episodes", 400, "episodes of each random variant of 15 test drawers (those of one test drawer get 2.5 times as many)")
	seed := flag.Uint64("seed", 1, "random seed of the variants' episodes (metaglot eval's -seed)")
	only := flag.String("only", "", "comma-separated variants to run (default all): "+strings.Join(variantNames(), ","))
	assets := flag.String("assets", "assets/omniglot", "the Omniglot assets")
	recal := flag.Int("recalibrate", 0, "diagnostic: first re-estimate the BatchNorm running statistics from this many batches of 320 background images as drawn (20-way 16-image episodes of the 30 background alphabets, no augmentation, no turns)")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: lakeruns [flags] MODEL...")
		os.Exit(2)
	}
	if err := run(*assets, flag.Args(), *episodes, *seed, *only, *recal); err != nil {
		fmt.Fprintln(os.Stderr, "lakeruns:", err)
		os.Exit(1)
	}
}

// lakeEpisode is the 20-way 1-shot episode of chars with drawer train's
// examples and drawer test's tests (one of each class).
func lakeEpisode(ds *omniglot.Dataset, chars []int, train, test int) (*episode.Episode, error) {
	classes := make([]episode.Class, len(chars))
	sup := make([][]int, len(chars))
	qry := make([][]int, len(chars))
	for l, c := range chars {
		classes[l] = episode.Class{Char: c}
		sup[l], qry[l] = []int{train}, []int{test}
	}
	return episode.Fixed(ds, classes, sup, qry)
}

type variant struct {
	name, what string
	// sampler variants
	cfg   *episode.Config
	mixed bool
	// runs-like variants: alphabets (nil: all 20) and drawer pool size
	lakeAlphabets bool
	drawers       int
	exact         bool
	// runs-like episodes built on a random run: its 20 characters with a
	// random drawer pair (of the pool), or its drawer pair with 20 random
	// characters of its alphabet
	runChars, runDrawers bool
	// exact runs of alphabets wholly in the Vinyals test split only (for
	// models trained on the Vinyals split, which saw the others)
	vinyalsTest bool
}

var variants = []variant{
	{name: "runs", what: "Lake's 20 runs (400 tests)", exact: true},
	{name: "runs-vtest", what: "Lake's runs of Vinyals test alphabets (12 runs, 240 tests)", exact: true, vinyalsTest: true},
	{name: "lake", what: "eval -split lake: one alphabet, drawers paired, 15 test drawers", cfg: &episode.Config{Way: 20, Shot: 1, Query: 15, OneAlphabet: true, SameDrawers: true}},
	{name: "lake-q1", what: "one alphabet, one example drawer, one test drawer (20 alphabets, drawers 1-20)", drawers: 20},
	{name: "any-drawers", what: "one alphabet, drawers per class (eval -split lake before pairing)", cfg: &episode.Config{Way: 20, Shot: 1, Query: 15, OneAlphabet: true}},
	{name: "mixed-paired", what: "any evaluation alphabets, drawers paired", cfg: &episode.Config{Way: 20, Shot: 1, Query: 15, SameDrawers: true}},
	{name: "mixed", what: "any evaluation alphabets, drawers per class", cfg: &episode.Config{Way: 20, Shot: 1, Query: 15}},
	{name: "runs-alphabets", what: "runs' structure, Lake's 10 alphabets, drawers 1-20", lakeAlphabets: true, drawers: 20},
	{name: "runs-drawers", what: "runs' structure, 20 alphabets, drawers 1-8", drawers: 8},
	{name: "runs-like", what: "runs' structure, Lake's 10 alphabets, drawers 1-8", lakeAlphabets: true, drawers: 8},
	{name: "runs-chars", what: "a run's 20 characters, a random drawer pair of 1-8", drawers: 8, runChars: true},
	{name: "runs-drawer-pairs", what: "a run's drawer pair, 20 random characters of its alphabet", runDrawers: true},
}

func variantNames() []string {
	var n []string
	for _, v := range variants {
		n = append(n, v.name)
	}
	return n
}

// line is one model's figure on one variant, in percent.
type line struct {
	Model    string  `json:"model"`
	Variant  string  `json:"variant"`
	What     string  `json:"what"`
	Episodes int     `json:"episodes"`
	Tests    int     `json:"tests"`
	Error    float64 `json:"error"`
	CI95     float64 `json:"ci95"`
	Seed     uint64  `json:"seed,omitempty"`
	// PerRun holds, for the runs variants, each run's error in percent
	// (to pair two models run by run).
	PerRun []float64 `json:"per_run,omitempty"`
}

func run(assets string, models []string, n int, seed uint64, only string, recal int) error {
	var want []string
	if only != "" {
		want = strings.Split(only, ",")
		for _, w := range want {
			if !slices.Contains(variantNames(), w) {
				return fmt.Errorf("-only: unknown variant %q (want %s)", w, strings.Join(variantNames(), ", "))
			}
		}
	}
	ds, err := omniglot.LoadDir(assets, "lake-evaluation", "lake-background")
	if err != nil {
		return err
	}
	ev, err := ds.Split("lake-evaluation")
	if err != nil {
		return err
	}
	ev = unrotated(ev)
	runs := lakeruns.Runs()
	// Classes of each evaluation alphabet, in the split's order.
	byAlpha := map[string][]int{}
	var alphas []string
	for _, c := range ev.Classes {
		a := ds.Character(c.Char).Alphabet
		if byAlpha[a] == nil {
			alphas = append(alphas, a)
		}
		byAlpha[a] = append(byAlpha[a], c.Char)
	}
	var lakeAlphas []string
	for _, r := range runs {
		if !slices.Contains(lakeAlphas, r.Alphabet) {
			lakeAlphas = append(lakeAlphas, r.Alphabet)
		}
	}
	enc := json.NewEncoder(os.Stdout)
	for _, path := range models {
		l, err := load(path, ds, recal)
		if err != nil {
			return err
		}
		if recal > 0 {
			path += fmt.Sprintf(" (BatchNorm statistics from %d background batches)", recal)
		}
		for _, v := range variants {
			if want != nil && !slices.Contains(want, v.name) {
				continue
			}
			var accs []float64
			out := line{Model: path, Variant: v.name, What: v.what}
			switch {
			case v.exact:
				for _, r := range runs {
					if v.vinyalsTest && !vinyalsTest(ds, r.Alphabet) {
						continue
					}
					ep, err := r.Episode(ds)
					if err != nil {
						return err
					}
					a, err := learner.Accuracy(l, train.TaskOf(ep))
					if err != nil {
						return err
					}
					accs = append(accs, a)
				}
				out.Tests = 20 * len(accs)
				for _, a := range accs {
					out.PerRun = append(out.PerRun, 100*(1-a))
				}
			case v.cfg != nil:
				out.Seed = seed
				s, err := episode.NewSampler(ds, ev, *v.cfg, rand.New(rand.NewPCG(seed, 0)))
				if err != nil {
					return err
				}
				var ep episode.Episode
				for range n {
					s.SampleInto(&ep)
					a, err := learner.Accuracy(l, train.TaskOf(&ep))
					if err != nil {
						return err
					}
					accs = append(accs, a)
				}
				out.Tests = n * v.cfg.Way * v.cfg.Query
			default:
				out.Seed = seed
				rng := rand.New(rand.NewPCG(seed, 0))
				pool := alphas
				if v.lakeAlphabets {
					pool = lakeAlphas
				}
				m := n * 5 / 2
				for range m {
					var chars []int
					var dTrain, dTest int
					switch {
					case v.runChars || v.runDrawers:
						r := runs[rng.IntN(len(runs))]
						if v.runChars {
							classes, err := r.Classes(ds)
							if err != nil {
								return err
							}
							for _, c := range classes {
								chars = append(chars, c.Char)
							}
						} else {
							chars = slices.Clone(byAlpha[r.Alphabet])
							rng.Shuffle(len(chars), func(i, j int) { chars[i], chars[j] = chars[j], chars[i] })
						}
						dTrain, dTest = r.Train, r.Test
					default:
						chars = slices.Clone(byAlpha[pool[rng.IntN(len(pool))]])
						rng.Shuffle(len(chars), func(i, j int) { chars[i], chars[j] = chars[j], chars[i] })
					}
					if !v.runDrawers {
						dTrain = rng.IntN(v.drawers)
						dTest = (dTrain + 1 + rng.IntN(v.drawers-1)) % v.drawers
					}
					ep, err := lakeEpisode(ds, chars[:20], dTrain, dTest)
					if err != nil {
						return err
					}
					a, err := learner.Accuracy(l, train.TaskOf(ep))
					if err != nil {
						return err
					}
					accs = append(accs, a)
				}
				out.Tests = 20 * m
			}
			mean, ci := learner.MeanCI95(accs)
			out.Episodes, out.Error, out.CI95 = len(accs), 100*(1-mean), 100*ci
			if err := enc.Encode(out); err != nil {
				return err
			}
		}
	}
	return nil
}

// vinyalsTest reports whether every character of alphabet is in the
// Vinyals test split.
func vinyalsTest(ds *omniglot.Dataset, alphabet string) bool {
	for c := range ds.NumCharacters() {
		if ci := ds.Character(c); ci.Alphabet == alphabet && ci.Vinyals != "test" {
			return false
		}
	}
	return true
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

// load returns the learner of a metaglot model file with its own settings,
// its BatchNorm running statistics first re-estimated from recal batches
// of ds's background characters as drawn if recal > 0.
func load(path string, ds *omniglot.Dataset, recal int) (learner.Learner, error) {
	params, meta, err := checkpoint.Read(path)
	if err != nil {
		return nil, err
	}
	m, err := modelfile.Decode(meta)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	net, err := learner.NetNamed(m.Config.Net)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if recal > 0 {
		bg, err := ds.Split("lake-background")
		if err != nil {
			return nil, err
		}
		s, err := episode.NewSampler(ds, unrotated(bg), episode.Config{Way: 20, Shot: 1, Query: 15}, rand.New(rand.NewPCG(99, 0)))
		if err != nil {
			return nil, err
		}
		conv := net.New(nil) // the model's network (its metadata's net)
		var ep episode.Episode
		for range recal {
			s.SampleInto(&ep)
			if _, err := conv.Forward(params, ep.Images, true); err != nil {
				return nil, err
			}
		}
	}
	s, err := algo.Lookup(m.Config.Algo)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s.New(m.Config, params, nil)
}
