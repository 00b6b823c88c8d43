package app

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/nn"
)

// netWeightsFile returns a weights file of algo on network net (a learned
// 5-way head for FOMAML and Reptile, sized for net's embeddings when net
// is one the page knows, else Conv4's) whose config names net.
func netWeightsFile(t *testing.T, algo, net string) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	set := nn.NewConv4Params(rng)
	if algo != "protonet" {
		kind, err := learner.NetNamed(net)
		if err != nil {
			kind = learner.Conv4
		}
		set = kind.NewHeadNetParams(rng, 5)
	}
	var buf bytes.Buffer
	meta := map[string]string{"algo": algo, "episodes": "12", "config": `{"algo":"` + algo + `","net":"` + net + `","adapt_steps":2}`}
	if err := checkpoint.Encode(&buf, set, meta); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestUnknownNetRefused: weights whose config names a network the page
// cannot run are refused in one line naming it, by every algorithm (never
// run as Conv4, whose tensors they have), and the classifiers in use stay.
func TestUnknownNetRefused(t *testing.T) {
	for _, a := range []string{"protonet", "fomaml", "reptile"} {
		data := netWeightsFile(t, a, "conv5")
		set, meta, err := checkpoint.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewClassifier(a, set, meta)
		if err == nil || c != nil || !strings.Contains(err.Error(), `unknown network "conv5"`) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: NewClassifier: %v; want one line naming the network", a, err)
		}
		s := New(time.Now)
		before := s.Classifiers[a]
		msg := s.UseTrained(a, data)
		if !strings.HasPrefix(msg, "Could not use the weights: ") || !strings.Contains(msg, `"conv5"`) || strings.Contains(msg, "\n") || s.Classifiers[a] != before {
			t.Errorf("%s: UseTrained: %q; want one line naming the network, the classifier kept", a, msg)
		}
		if a != StartAlgorithm {
			w := BundledWeights(a, "x.safetensors", data, nil)
			if w.Err == nil || w.Classifier != nil || !strings.Contains(w.Err.Error(), `"conv5"`) {
				t.Errorf("%s: bundled weights of an unknown network: %+v", a, w)
			}
		}
	}
	// The start algorithm still classifies, with random weights, and says why.
	w := BundledWeights(StartAlgorithm, "p.safetensors", netWeightsFile(t, StartAlgorithm, "conv5"), nil)
	if w.Classifier == nil || !strings.HasPrefix(w.Note, "Untrained ") || !strings.Contains(w.Note, `"conv5"`) {
		t.Errorf("start algorithm with weights of an unknown network: %+v", w)
	}
}
