package train_test

import (
	"strings"
	"testing"

	"metaglot/core/modelfile"
	"metaglot/core/train"
)

// TestBestKeepsPeak: along a validation curve that rises, peaks, drops and
// comes back only to the peak's value, the best stays the peak's episode
// (of equal accuracies, the earliest model).
func TestBestKeepsPeak(t *testing.T) {
	curve := []struct {
		ep   int
		acc  float64
		kept bool
	}{
		{250, 0.608, true}, {500, 0.647, true}, {750, 0.724, true}, {1000, 0.713, false},
		{1250, 0.690, false}, {1500, 0.724, false}, {1750, 0.701, false},
	}
	var b train.Best
	for _, p := range curve {
		if got := b.Offer(p.ep, train.Validation{Acc: p.acc, CI95: 0.02, Episodes: 200}); got != p.kept {
			t.Errorf("episode %d (%.3f): kept %v, want %v", p.ep, p.acc, got, p.kept)
		}
	}
	if b.Episode != 750 || b.Val.Acc != 0.724 {
		t.Errorf("best %+v, want episode 750 at 0.724", b)
	}
	// Any validation beats no validation, even 0 %.
	var none train.Best
	if !none.Improves(train.Validation{}) {
		t.Error("the zero Best is not improved on by a validation")
	}
}

// TestBestMetadata: Encode's metadata on a model's reads back exactly, a
// model without it is no best, and a malformed entry is an error naming
// it.
func TestBestMetadata(t *testing.T) {
	b := train.Best{Episode: 3250, Val: train.Validation{Acc: 0.7243333333333334, CI95: 0.0217, Episodes: 200}}
	cfg := modelfile.Config{Algo: "protonet", Split: "lake", ValEvery: 250, ValAlphabets: 5}
	meta := b.Encode(modelfile.Meta{Kind: modelfile.KindModel, Config: cfg, Episodes: b.Episode}.Encode())
	if _, err := modelfile.Decode(meta); err != nil {
		t.Fatalf("modelfile no longer reads the model: %v", err)
	}
	if !strings.Contains(meta["description"], "72.4 ± 2.2 % on 200 episodes at episode 3250") {
		t.Errorf("description %q", meta["description"])
	}
	got, ok, err := train.DecodeBest(meta)
	if err != nil || !ok || got != b {
		t.Fatalf("DecodeBest: %+v, %v, %v; want %+v", got, ok, err, b)
	}
	plain := modelfile.Meta{Kind: modelfile.KindModel, Config: cfg, Episodes: 10}.Encode()
	if _, ok, err := train.DecodeBest(plain); ok || err != nil {
		t.Errorf("a plain model reads as a best model (%v, %v)", ok, err)
	}
	for key, bad := range map[string]string{"episodes": "0", train.MetaValAcc: "72.4", train.MetaValCI95: "x", train.MetaValEpisodes: ""} {
		m := b.Encode(modelfile.Meta{Kind: modelfile.KindModel, Config: cfg, Episodes: b.Episode}.Encode())
		m[key] = bad
		if _, _, err := train.DecodeBest(m); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s = %q: error %v, want one naming it", key, bad, err)
		}
	}
}

// TestKeepsBest: only runs that validate on alphabets held out of their
// training set keep a best model; choosing by the test split's accuracy
// would overstate it.
func TestKeepsBest(t *testing.T) {
	for _, tc := range []struct {
		valEvery, valAlphabets int
		want                   bool
	}{{250, 5, true}, {250, 0, false}, {0, 5, false}} {
		cfg := modelfile.Config{Algo: "protonet", Split: "lake", ValEvery: tc.valEvery, ValAlphabets: tc.valAlphabets}
		if got := train.KeepsBest(cfg); got != tc.want {
			t.Errorf("val_every %d val_alphabets %d: %v, want %v", tc.valEvery, tc.valAlphabets, got, tc.want)
		}
	}
}
