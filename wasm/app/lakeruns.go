package app

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"metaglot/core/episode/lakeruns"
	"metaglot/core/omniglot"
	"metaglot/core/preprocess"
	"metaglot/wasm/classes"
)

// LakeRuns is the Try Omniglot protocol that plays one of Lake et al.'s 20
// runs (core/episode/lakeruns): the fixed test set on which the published
// error rates of their one-shot task were measured.
const LakeRuns = "lakeruns"

// Run choices of the page's run menu besides a run number 1..20.
const (
	NextRun   = "next"   // the run after the one played last (run 1 first)
	RandomRun = "random" // any of the 20
)

// Published error rates on Lake et al.'s 20 runs, each the mean over the
// 20 runs (400 tests): people and Bayesian Program Learning from Lake,
// Salakhutdinov and Tenenbaum (Science 2015), the Siamese ConvNet from
// Koch, Zemel and Salakhutdinov (2015).
const (
	PeopleError  = 4.5
	BPLError     = 3.3
	SiameseError = 8.0
)

// LakeRunChoice is one entry of the page's run menu: its value (as
// ChooseRun takes it) and its text.
type LakeRunChoice struct{ Value, Label string }

// LakeRunChoices lists the run menu: the next run, a random one, then
// each run by number with its alphabet ("run 3: Atemayar Qelisayer").
func LakeRunChoices() []LakeRunChoice {
	out := []LakeRunChoice{{NextRun, "the next run"}, {RandomRun, "a random run"}}
	for i, r := range lakeruns.Runs() {
		out = append(out, LakeRunChoice{strconv.Itoa(i + 1), fmt.Sprintf("run %d: %s", i+1, strings.ReplaceAll(r.Alphabet, "_", " "))})
	}
	return out
}

// ChooseRun returns the run (1..20) the run menu's value text names:
// NextRun is the one after last (the run played last, 0 for none; after
// 20 comes 1), RandomRun one drawn with rng, else the number itself. Any
// other text is an error naming it.
func ChooseRun(text string, last int, rng *rand.Rand) (int, error) {
	n := len(lakeruns.Runs())
	switch t := strings.TrimSpace(text); t {
	case NextRun, "":
		return last%n + 1, nil
	case RandomRun:
		return 1 + rng.IntN(n), nil
	default:
		r, err := strconv.Atoi(t)
		if err != nil || r < 1 || r > n {
			return 0, fmt.Errorf("no Lake run %q: choose a run from 1 to %d", text, n)
		}
		return r, nil
	}
}

// StartTryRun begins a Try Omniglot of Lake's run chosen by the run menu's
// value text (ChooseRun). It returns nil while another Try runs; a bad
// run makes a job that fails with that error (FinishTry shows it).
func (s *State) StartTryRun(text string, seed uint64) *TryJob {
	if s.trying {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	run, err := ChooseRun(text, s.lastRun, rng)
	s.trying = true
	s.Message = "Fetching Omniglot drawings…"
	return &TryJob{src: s.trySrc, lake: true, lakeRun: run, n: 20, k: 1, rng: rng, err: err}
}

// planRun is the plan of Lake's run (1..20): its evaluation alphabet, as
// the index has it.
func planRun(ix *omniglot.Index, run int) (TryPlan, error) {
	rs := lakeruns.Runs()
	if run < 1 || run > len(rs) {
		return TryPlan{}, fmt.Errorf("no Lake run %d: choose a run from 1 to %d", run, len(rs))
	}
	r := rs[run-1]
	for _, al := range ix.Alphabets {
		if al.Name == r.Alphabet {
			return TryPlan{Alphabet: al.Name, File: al.File, Lake: true, Run: run}, nil
		}
	}
	return TryPlan{}, fmt.Errorf("Lake's %s: the alphabet %s is not in the Omniglot index", r.Name, r.Alphabet)
}

// tryRun replaces the classes with Lake's run plan.Run: its 20
// characters, each with its one example by the run's example drawer, and
// as held-out drawings its 20 tests by the test drawer, exactly the images
// of lakeruns.Run.Episode (labels in the run's order).
func (s *State) tryRun(ds *omniglot.Dataset, plan TryPlan) error {
	r := lakeruns.Runs()[plan.Run-1]
	ep, err := r.Episode(ds)
	if err != nil {
		return err
	}
	size := preprocess.Size * preprocess.Size
	image := func(i int) []float32 { return append([]float32(nil), ep.Images.Data[i*size:(i+1)*size]...) }
	l := &classes.List{}
	var held []HeldOut
	alphabet := strings.ReplaceAll(r.Alphabet, "_", " ")
	for lbl, c := range ep.Classes {
		name := alphabet + " " + strings.TrimPrefix(ds.Character(c.Char).Name, "character")
		i, err := l.Add(name)
		if err != nil {
			return err
		}
		if err := l.AddExample(i, classes.Example{Image: image(lbl)}); err != nil {
			return err
		}
		q := ep.NumSupport() + lbl
		held = append(held, HeldOut{Class: i, Label: fmt.Sprintf("%s, drawer %d", name, ep.Drawers[q]+1), Image: image(q), Drawer: ep.Drawers[q]})
	}
	s.replace(l)
	s.Omniglot = held
	s.Demo, s.Lake, s.LakeRun, s.lastRun = true, true, plan.Run, plan.Run
	s.Message = fmt.Sprintf("Lake's run %d of 20: 20 characters of %s, the examples by drawer %d and the drawings to classify by drawer %d, the very tests on which Lake et al. (2015) measured people and their model. Press “Challenge the model” to classify them yourself against a ProtoNet trained on the 30 background alphabets only.",
		plan.Run, alphabet, r.Train+1, r.Test+1)
	return nil
}

// runVerdict compares, at the end of a challenge on one of Lake's runs,
// the visitor's error rate and the model's on that run with the published
// rates, which are means over all 20 runs.
func (s *State) runVerdict() string {
	c := s.Challenge
	n := c.Asked
	rate := func(right int) string {
		wrong := n - right
		errs := "errors"
		if wrong == 1 {
			errs = "error"
		}
		return fmt.Sprintf("%d %s in %d (%.1f %%)", wrong, errs, n, 100*float64(wrong)/float64(n))
	}
	return fmt.Sprintf(" On Lake's run %d you made %s, the model %s. Published error rates, each the mean over all 20 runs (400 tests): people %.1f %%, Bayesian Program Learning %.1f %%, Koch et al.'s Siamese ConvNet %.1f %%. One run is only %d tests, so one answer moves its rate by %.0f points: a noisy comparison.",
		s.LakeRun, rate(c.You), rate(c.Model), PeopleError, BPLError, SiameseError, n, 100/float64(n))
}
