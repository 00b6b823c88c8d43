package train

import (
	"math/rand/v2"

	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
)

// validator measures held-out accuracy on a fixed set of episodes: the
// same ones at every measurement, so the curve shows the model change, not
// the episodes.
type validator struct {
	ds    episode.Dataset
	split *episode.Split
	cfg   episode.Config
	n     int
	seed  uint64
}

// newValidator draws from the held-out split with 1-shot 5-query episodes
// of the training way (at most 20) — one alphabet at a time for the Lake
// protocol, and with sameDrawers (alphabets held out of the background
// set) Lake et al.'s pairing of drawers too, as metaglot eval -split lake.
func newValidator(d Data, c modelfile.Config, sameDrawers bool) (*validator, error) {
	cfg := episode.Config{Way: min(c.Way, 20), Shot: 1, Query: 5, OneAlphabet: d.OneAlphabet, SameDrawers: sameDrawers}
	if _, err := episode.NewSampler(d.Dataset, d.Test, cfg, rand.New(rand.NewPCG(0, 0))); err != nil {
		return nil, err
	}
	return &validator{ds: d.Dataset, split: d.Test, cfg: cfg, n: c.ValEpisodes, seed: c.Seed}, nil
}

// accuracy returns the held-out accuracy of l and, for a learner that
// adapts by inner steps, the accuracy of the same episodes before
// adaptation.
func (v *validator) accuracy(l learner.Learner) (Validation, error) {
	s, err := episode.NewSampler(v.ds, v.split, v.cfg, rand.New(rand.NewPCG(v.seed, 1<<62)))
	if err != nil {
		return Validation{}, err
	}
	sa, steps := l.(learner.StepsAdapter)
	accs := make([]float64, v.n)
	pre := make([]float64, v.n)
	var ep episode.Episode
	for i := range accs {
		s.SampleInto(&ep)
		if accs[i], err = learner.Accuracy(l, TaskOf(&ep)); err != nil {
			return Validation{}, err
		}
		if steps {
			if pre[i], err = learner.AccuracyBefore(sa, TaskOf(&ep)); err != nil {
				return Validation{}, err
			}
		}
	}
	out := Validation{Episodes: v.n}
	out.Acc, out.CI95 = learner.MeanCI95(accs)
	if steps {
		out.Before, _ = learner.MeanCI95(pre)
	}
	return out, nil
}
