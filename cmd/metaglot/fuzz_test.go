package main

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// FuzzDecodeModel feeds decodeModel — the path of every -model, -init and
// -resume, from safetensors bytes through the metadata to the model built
// from it — arbitrary bytes. It must never panic or exhaust memory (the
// config's numbers are bounded before anything is allocated from them),
// and a file it accepts must give a working learner.
func FuzzDecodeModel(f *testing.F) {
	encode := func(params *tensor.Set, m runMeta) []byte {
		var buf bytes.Buffer
		if err := checkpoint.Encode(&buf, params, m.encode()); err != nil {
			f.Fatal(err)
		}
		return buf.Bytes()
	}
	// Small Conv4s keep each input cheap: the fuzzer mutates the metadata
	// as often as the weights.
	rng := rand.New(rand.NewPCG(1, 2))
	proto := defaultConfig("protonet")
	f.Add(encode(nn.NewConv4Params(rng), runMeta{Kind: modelfile.KindModel, Config: proto, Episodes: 3, Threads: 2}))
	fomaml := defaultConfig("fomaml")
	f.Add(encode(learner.NewHeadNetParams(rng, 5), runMeta{Kind: modelfile.KindModel, Config: fomaml, Episodes: 3}))
	huge := fomaml
	huge.Way = 1e12
	f.Add(encode(learner.NewHeadNetParams(rng, 5), runMeta{Kind: modelfile.KindModel, Config: huge, Episodes: 3}))
	reptile := defaultConfig("reptile")
	reptile.ProtoHead, reptile.BN = false, "support"
	f.Add(encode(learner.NewHeadNetParams(rng, 5), runMeta{Kind: modelfile.KindCheckpoint, Config: reptile, Episodes: 3}))
	f.Fuzz(func(t *testing.T, data []byte) {
		params, _, m, err := decodeModel("fuzz.safetensors", data)
		if err != nil {
			return
		}
		if _, err := newLearner(m.Config, params, nil); err != nil {
			t.Fatalf("accepted a model that builds no learner: %v", err)
		}
	})
}
