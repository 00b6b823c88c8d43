package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// FuzzDecodeModel feeds decodeModel — the path of every -model, -init and
// -resume from a file's bytes through its metadata to the model built from
// it — files with arbitrary metadata (kind, config JSON, episodes,
// threads) around a Conv4 with a head of headRows classes (none for 0).
// It must never panic or exhaust memory (the config's numbers are bounded,
// and the head's size taken from its tensor, before anything is allocated
// from them), and a file it accepts must give a working learner. The
// safetensors bytes themselves are fuzzed by core/checkpoint's FuzzDecode;
// fuzzing them here would make every input a 450 kB Conv4, which stalls
// the fuzzer.
func FuzzDecodeModel(f *testing.F) {
	conv := nn.NewConv4Params(rand.New(rand.NewPCG(1, 2)))
	config := func(c runConfig) string {
		b, err := json.Marshal(c.Config)
		if err != nil {
			f.Fatal(err)
		}
		return string(b)
	}
	fomaml := defaultConfig("fomaml")
	huge := fomaml
	huge.Way = 1e12
	reptile := defaultConfig("reptile")
	reptile.BN = "support"
	f.Add("model", config(defaultConfig("protonet")), "3", "2", uint8(0))
	f.Add("model", config(fomaml), "3", "", uint8(5))
	f.Add("model", config(huge), "3", "", uint8(5))
	f.Add("checkpoint", config(reptile), "7", "1", uint8(5))
	f.Add("model", config(fomaml), "3", "", uint8(7))
	f.Fuzz(func(t *testing.T, kind, cfg, episodes, threads string, headRows uint8) {
		params := &tensor.Set{}
		for i := range conv.Len() {
			params.Add(conv.At(i))
		}
		if headRows > 0 {
			h := learner.NewHeadNetParams(rand.New(rand.NewPCG(3, 4)), int(headRows))
			params.Add(learner.HeadName+".weight", h.Get(learner.HeadName+".weight"))
			params.Add(learner.HeadName+".bias", h.Get(learner.HeadName+".bias"))
		}
		var algo struct{ Algo string }
		json.Unmarshal([]byte(cfg), &algo)
		meta := map[string]string{"metaglot": kind, "algo": algo.Algo, "config": cfg, "episodes": episodes, "wall_seconds": "1.5"}
		if threads != "" {
			meta["threads"] = threads
		}
		var buf bytes.Buffer
		if err := checkpoint.Encode(&buf, params, meta); err != nil {
			return
		}
		params, _, m, err := decodeModel("fuzz.safetensors", buf.Bytes())
		if err != nil {
			return
		}
		if m.Kind != modelfile.KindModel && m.Kind != modelfile.KindCheckpoint {
			t.Fatalf("accepted kind %q", m.Kind)
		}
		if _, err := newLearner(m.Config, params, nil); err != nil {
			t.Fatalf("accepted a model that builds no learner: %v", err)
		}
	})
}
