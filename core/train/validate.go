package train

import (
	"math/rand/v2"
	"slices"

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
	bn    learner.BN // the learner's BatchNorm statistics (RunningBN: no transductive figure)
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
	bn, err := learner.ParseBN(c.BN)
	if err != nil {
		return nil, err
	}
	return &validator{ds: d.Dataset, split: d.Test, cfg: cfg, n: c.ValEpisodes, seed: c.Seed, bn: bn}, nil
}

// accuracy returns the held-out accuracy of ls's learners (built alike;
// ForEpisodes spreads the episodes over them), one query at a time, and,
// for a learner that adapts by inner steps, the accuracy of the same
// episodes before adaptation and, unless it uses running statistics, with
// the queries of an episode classified together (transductive).
func (v *validator) accuracy(ls []learner.Learner) (Validation, error) {
	s, err := episode.NewSampler(v.ds, v.split, v.cfg, rand.New(rand.NewPCG(v.seed, 1<<62)))
	if err != nil {
		return Validation{}, err
	}
	_, steps := ls[0].(learner.StepsAdapter)
	accs := make([]float64, v.n)
	pre := make([]float64, v.n)
	trans := make([]float64, v.n)
	hasTrans := make([]bool, v.n)
	next := func(_ int, ep *episode.Episode) error { s.SampleInto(ep); return nil }
	err = ForEpisodes(ls, v.n, next, func(l learner.Learner, i int, t *learner.Task) error {
		if err := t.Check(); err != nil {
			return err
		}
		c, err := l.Adapt(t)
		if err != nil {
			return err
		}
		if accs[i], err = oneAtATime(c, t); err != nil {
			return err
		}
		// The same adaptation scored as the papers score it (the queries
		// normalised together), for learners that adapt by inner steps
		// and normalise with batch statistics.
		if tc, ok := c.(learner.TransductiveClassifier); ok && steps && v.bn != learner.RunningBN {
			if trans[i], err = learner.ClassifierAccuracy(tc, t, learner.Transductive); err != nil {
				return err
			}
			hasTrans[i] = true
		}
		if steps {
			if pre[i], err = learner.AccuracyBefore(l.(learner.StepsAdapter), t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Validation{}, err
	}
	out := Validation{Episodes: v.n}
	out.Acc, out.CI95 = learner.MeanCI95(accs)
	if steps {
		out.Before, _ = learner.MeanCI95(pre)
	}
	if !slices.Contains(hasTrans, false) {
		out.Transductive, _ = learner.MeanCI95(trans)
	}
	return out, nil
}

// oneAtATime returns the accuracy of c on t's queries, one at a time: by
// the classifier's own answers when it has them (learner.Predictor), else
// by the most probable class (learner.ClassifierAccuracy).
func oneAtATime(c learner.Classifier, t *learner.Task) (float64, error) {
	if p, ok := c.(learner.Predictor); ok {
		return learner.PredictorAccuracy(p, t)
	}
	return learner.ClassifierAccuracy(c, t, learner.OneAtATime)
}
