package app

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/wasm/classify"
)

// inkImages returns n random 28×28 drawings.
func inkImages(rng *rand.Rand, n int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		out[i] = make([]float32, classify.ImageLen)
		for j := range out[i] {
			if rng.Float32() < 0.15 {
				out[i][j] = 1
			}
		}
	}
	return out
}

// TestConv4S2Weights: conv4s2 weights (config net conv4s2) classify in Draw
// & classify with the conv4s2 network: ProtoNet's probabilities are those
// of conv4s2's embeddings (not Conv4's, which the same tensors also fit),
// and FOMAML and Reptile weights trained in the Train view fine-tune as a
// conv4s2 FineTuner, step by step.
func TestConv4S2Weights(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	imgs := inkImages(rng, 4)
	support := [][][]float32{{imgs[0]}, {imgs[1]}, {imgs[2]}}
	data := netWeightsFile(t, "protonet", "conv4s2")
	set, meta, err := checkpoint.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClassifier("protonet", set, meta)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Classify(support, imgs[3])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		net  learner.Net
		same bool
	}{{learner.Conv4S2, true}, {learner.Conv4, false}} {
		net, same := c.net, c.same
		want, err := classify.NewProtoNet(classify.NewBackbone(net, set)).Classify(support, imgs[3])
		if err != nil {
			t.Fatal(err)
		}
		eq := true
		for k := range want.Probs {
			eq = eq && math.Abs(want.Probs[k]-got.Probs[k]) < 1e-6
		}
		if eq != same {
			t.Errorf("page's probabilities %v, %s's %v: same %v, want %v", got.Probs, net, want.Probs, eq, same)
		}
	}

	if w := BundledWeights("fomaml", "f.safetensors", netWeightsFile(t, "fomaml", "conv4s2"), nil); w.Err != nil || !strings.HasSuffix(w.Note, "episodes (practice tasks drawn from Omniglot's training alphabets). Network: conv4s2 (3×3 convolutions of stride 2 without pooling, 256-d embeddings).") {
		t.Errorf("bundled conv4s2 FOMAML: %+v", w)
	}
	for _, a := range []string{"fomaml", "reptile"} {
		s := New(time.Now)
		if msg := s.UseTrained(a, netWeightsFile(t, a, "conv4s2")); msg != "Draw & classify now uses these "+AlgorithmLabel(a)+" weights." {
			t.Fatalf("%s: %q", a, msg)
		}
		if want := "Network: conv4s2 (3×3 convolutions of stride 2 without pooling, 256-d embeddings)."; !strings.HasSuffix(s.WeightsNote, want) {
			t.Errorf("%s: note %q, want it to end %q", a, s.WeightsNote, want)
		}
		f, ok := s.Classifiers[a].(*classify.FineTuner)
		if !ok || f.Net().Name != "conv4s2" || f.HeadWay() != 5 {
			t.Fatalf("%s: classifier %T, want a conv4s2 FineTuner with a 5-way head", a, s.Classifiers[a])
		}
		five := [][][]float32{{imgs[0]}, {imgs[1]}, {imgs[2]}, {imgs[3]}, {imgs[0], imgs[1]}}
		if _, err := f.Classify(five, imgs[2]); !errors.Is(err, classify.ErrAdapting) {
			t.Fatalf("%s: first Classify: %v", a, err)
		}
		for f.Step() {
		}
		res, err := f.Classify(five, imgs[2])
		if err != nil || len(res.Probs) != 5 || len(f.Trace()) != f.Steps() {
			t.Fatalf("%s: after adapting: %+v, %v, %d trace rows for %d steps", a, res, err, len(f.Trace()), f.Steps())
		}
	}
}
