package train

import (
	"fmt"
	"strconv"

	"metaglot/core/modelfile"
)

// KeepsBest reports whether a run of cfg keeps its best model beside its
// latest one: it validates (val_every > 0) on alphabets held out of its
// training set (val_alphabets > 0), so choosing the model by their
// accuracy never looks at the classes it is evaluated on.
//
// A run that validates on its protocol's test split (val_alphabets 0: the
// Vinyals test classes, Lake's evaluation alphabets) keeps no best model:
// picking the maximum of a noisy curve measured on the test classes would
// make the model's test accuracy an overestimate.
func KeepsBest(cfg modelfile.Config) bool { return cfg.ValEvery > 0 && cfg.ValAlphabets > 0 }

// Best is the best held-out validation of a run so far: which model to
// keep. The zero Best is no validation yet.
type Best struct {
	Episode int        // episodes trained by the model measured; 0: none yet
	Val     Validation // its held-out accuracy
}

// Improves reports whether a validation v beats b: any does the zero Best,
// and otherwise only a strictly higher mean accuracy, so of equal ones
// the earliest model stays.
func (b Best) Improves(v Validation) bool { return b.Episode == 0 || v.Acc > b.Val.Acc }

// Offer makes the validation v of the model after episode ep the best if
// it improves on b, and reports whether it did.
func (b *Best) Offer(ep int, v Validation) bool {
	if ep < 1 {
		panic(fmt.Sprintf("train: best model at episode %d", ep))
	}
	if !b.Improves(v) {
		return false
	}
	*b = Best{Episode: ep, Val: v}
	return true
}

// The metadata a best model carries beside modelfile's (whose "episodes"
// is the episode of the model kept): the rule it was chosen by and its
// held-out accuracy, as fractions of 1 written exactly ('g', shortest
// round trip).
const (
	MetaSelected    = "selected"     // SelectedBestVal
	MetaValAcc      = "val_acc"      // mean held-out accuracy
	MetaValCI95     = "val_ci95"     // its 95% confidence half-width
	MetaValEpisodes = "val_episodes" // held-out episodes measured

	// SelectedBestVal is the "selected" metadata of a model chosen as its
	// run's best held-out validation accuracy so far.
	SelectedBestVal = "best_val_acc"
)

// Encode adds b's metadata to meta (a model's, from modelfile.Meta.Encode,
// whose "episodes" must be b.Episode) and returns it. A meta without a
// description gets one that says what the model is.
func (b Best) Encode(meta map[string]string) map[string]string {
	meta[MetaSelected] = SelectedBestVal
	meta[MetaValAcc] = strconv.FormatFloat(b.Val.Acc, 'g', -1, 64)
	meta[MetaValCI95] = strconv.FormatFloat(b.Val.CI95, 'g', -1, 64)
	meta[MetaValEpisodes] = strconv.Itoa(b.Val.Episodes)
	if meta["description"] == "" {
		meta["description"] = fmt.Sprintf("the run's best held-out validation so far: %.1f ± %.1f %% on %d episodes at episode %d",
			100*b.Val.Acc, 100*b.Val.CI95, b.Val.Episodes, b.Episode)
	}
	return meta
}

// DecodeBest reads the Best that Encode wrote into a model's metadata. It
// returns ok false, and no error, for a model without it (not chosen as a
// best), and an error naming the first malformed entry.
func DecodeBest(meta map[string]string) (b Best, ok bool, err error) {
	if meta[MetaSelected] != SelectedBestVal {
		return Best{}, false, nil
	}
	if b.Episode, err = strconv.Atoi(meta["episodes"]); err != nil || b.Episode < 1 {
		return Best{}, false, fmt.Errorf("best model: bad \"episodes\" metadata %q", meta["episodes"])
	}
	for _, f := range []struct {
		key string
		v   *float64
	}{{MetaValAcc, &b.Val.Acc}, {MetaValCI95, &b.Val.CI95}} {
		x, err := strconv.ParseFloat(meta[f.key], 64)
		if err != nil || x < 0 || x > 1 {
			return Best{}, false, fmt.Errorf("best model: bad %q metadata %q (want a fraction of 1)", f.key, meta[f.key])
		}
		*f.v = x
	}
	if b.Val.Episodes, err = strconv.Atoi(meta[MetaValEpisodes]); err != nil || b.Val.Episodes < 1 {
		return Best{}, false, fmt.Errorf("best model: bad %q metadata %q", MetaValEpisodes, meta[MetaValEpisodes])
	}
	return b, true, nil
}
