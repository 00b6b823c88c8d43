package app

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"metaglot/core/algo"
	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/nn"
)

func TestTrainedNote(t *testing.T) {
	for _, tc := range []struct {
		meta map[string]string
		want string
	}{
		{nil, "Trained ProtoNet weights."},
		{map[string]string{"episodes": "12"}, "Trained ProtoNet weights (12 training episodes)."},
		{map[string]string{"episodes": "4000", "config": `{"algo":"protonet","init":"p.safetensors (protonet, 10408 episodes, sha256 4013f8)"}`},
			"Trained ProtoNet weights (4000 training episodes, started from protonet weights of 10408 episodes)."},
		{map[string]string{"episodes": "4000", "config": `{"init":"something else"}`}, "Trained ProtoNet weights (4000 training episodes)."},
		{map[string]string{"episodes": "4000", "config": `{`}, "Trained ProtoNet weights (4000 training episodes)."},
	} {
		if got := TrainedNote("ProtoNet", tc.meta); got != tc.want {
			t.Errorf("TrainedNote(%v) = %q, want %q", tc.meta, got, tc.want)
		}
	}
}

// weightsFile returns a weights file of algo: a seeded Conv4 (with a
// 5-way head unless protonet) and metaglot's metadata.
func weightsFile(t *testing.T, algo string, episodes string) []byte {
	t.Helper()
	set := nn.NewConv4Params(rand.New(rand.NewPCG(3, 4)))
	if algo != "protonet" {
		set = learner.NewHeadNetParams(rand.New(rand.NewPCG(3, 4)), 5)
	}
	var buf bytes.Buffer
	meta := map[string]string{"algo": algo, "episodes": episodes, "config": `{"algo":"` + algo + `","inner_lr":0.003,"adapt_steps":7}`}
	if err := checkpoint.Encode(&buf, set, meta); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The weights-loading rule: the start algorithm's weights come with the
// page; another's are fetched once, when first chosen, unless refused.
func TestNeedWeights(t *testing.T) {
	s := New(time.Now)
	if !s.NeedWeights(StartAlgorithm) || s.NeedWeights(StartAlgorithm) {
		t.Fatal("the start algorithm's weights: fetch once")
	}
	if !s.NeedWeights("fomaml") {
		t.Fatal("FOMAML chosen first: its weights are not fetched")
	}
	if s.NeedWeights("fomaml") {
		t.Fatal("FOMAML chosen again while its weights are on their way: fetched twice")
	}
	s.SetWeights(Weights{Algo: "fomaml", Err: errors.New("assets/models/fomaml.safetensors is not in this build")})
	if s.NeedWeights("fomaml") || !strings.Contains(s.Unavailable["fomaml"], "not in this build") {
		t.Fatalf("refused weights fetched again, or not said: %v", s.Unavailable)
	}
	s.SetWeights(BundledWeights("reptile", "r.st", weightsFile(t, "reptile", "9"), nil))
	if s.NeedWeights("reptile") || s.Classifiers["reptile"] == nil {
		t.Fatal("weights in place fetched again")
	}
}

func TestBundledWeights(t *testing.T) {
	missing := fmt.Errorf("weights: %w", fs.ErrNotExist)
	// The start algorithm always classifies: random weights, said so.
	w := BundledWeights(StartAlgorithm, "assets/models/protonet.safetensors", nil, missing)
	if w.Err != nil || w.Classifier == nil || !strings.HasPrefix(w.Note, "Untrained ") ||
		!strings.Contains(w.Note, "assets/models/protonet.safetensors is not in this build yet") {
		t.Fatalf("missing ProtoNet weights: %+v", w)
	}
	w = BundledWeights(StartAlgorithm, "p.st", []byte("garbage"), nil)
	if w.Classifier == nil || !strings.Contains(w.Note, "p.st: ") {
		t.Fatalf("broken ProtoNet weights: %+v", w)
	}
	// Others are unavailable, with the reason.
	w = BundledWeights("fomaml", "assets/models/fomaml.safetensors", nil, missing)
	if w.Classifier != nil || w.Err == nil || w.Err.Error() != "assets/models/fomaml.safetensors is not in this build" {
		t.Fatalf("missing FOMAML weights: %+v", w)
	}
	w = BundledWeights("fomaml", "f.st", weightsFile(t, "reptile", "3"), nil)
	if w.Classifier != nil || w.Err == nil || !strings.Contains(w.Err.Error(), `"reptile"`) {
		t.Fatalf("Reptile weights as FOMAML's: %+v", w)
	}
	w = BundledWeights("fomaml", "f.st", weightsFile(t, "fomaml", "300"), nil)
	if w.Err != nil || w.Note != "Trained FOMAML weights (300 training episodes)." {
		t.Fatalf("good FOMAML weights: %+v", w)
	}
	s := New(time.Now)
	s.SetWeights(BundledWeights(StartAlgorithm, "p.st", weightsFile(t, "protonet", "20"), nil))
	s.SetWeights(w)
	if s.WeightsNote != "Trained FOMAML weights (300 training episodes). Trained ProtoNet weights (20 training episodes)." {
		t.Fatalf("notes: %q", s.WeightsNote)
	}
	if steps, lr := s.Classifiers["fomaml"].(InnerTuner).DefaultInner(); steps != 7 || lr != 0.003 {
		t.Fatalf("FOMAML adapts with %d steps of lr %g, want its file's 7 and 0.003", steps, lr)
	}
}

// Weights trained in the Train view classify in Draw & classify.
func TestUseTrained(t *testing.T) {
	s := New(time.Now)
	if msg := s.UseTrained("fomaml", []byte("nope")); !strings.HasPrefix(msg, "Could not use the weights: ") || s.Classifiers["fomaml"] != nil {
		t.Fatalf("bad file: %q", msg)
	}
	if msg := s.UseTrained("protonet", weightsFile(t, "fomaml", "1")[:100]); !strings.HasPrefix(msg, "Could not use") || s.Algorithm != StartAlgorithm {
		t.Fatalf("cut file: %q, algorithm %s", msg, s.Algorithm)
	}
	s.Unavailable["reptile"] = "not in this build"
	msg := s.UseTrained("reptile", weightsFile(t, "reptile", "40"))
	if msg != "Draw & classify now uses these Reptile weights." || s.Algorithm != "reptile" || s.Classifiers["reptile"] == nil {
		t.Fatalf("%q, algorithm %s", msg, s.Algorithm)
	}
	if _, refused := s.Unavailable["reptile"]; refused || s.WeightsNote != "Reptile weights trained in this page (40 episodes)." {
		t.Fatalf("unavailable %v, note %q", s.Unavailable, s.WeightsNote)
	}
}

// The menu is the registry's algorithms the page classifies with.
func TestAlgorithms(t *testing.T) {
	var names []string
	for _, s := range Algorithms() {
		names = append(names, s.Name)
	}
	for _, want := range []string{"protonet", "fomaml", "reptile"} {
		if !slices.Contains(names, want) {
			t.Errorf("menu %v lacks %s", names, want)
		}
	}
	if names[0] != StartAlgorithm {
		t.Errorf("menu %v does not start with %s", names, StartAlgorithm)
	}
	for _, s := range algo.All() {
		if !slices.Contains(names, s.Name) && (s.Caps.Adapts || isConv4(s)) {
			t.Errorf("%s is classifiable but not in the menu", s.Name)
		}
	}
	if AlgorithmLabel("fomaml") != "FOMAML" || AlgorithmLabel("nope") != "nope" {
		t.Errorf("labels %q %q", AlgorithmLabel("fomaml"), AlgorithmLabel("nope"))
	}
	s := New(time.Now)
	s.SetAlgorithm("nope")
	if s.Algorithm != StartAlgorithm || s.Message != `Unknown algorithm "nope".` {
		t.Errorf("unknown algorithm: %s, %q", s.Algorithm, s.Message)
	}
	if _, err := NewClassifier("nope", nil, nil); err == nil {
		t.Error("a classifier for an unknown algorithm")
	}
	// A model that does not adapt classifies by prototypes only if it is a
	// Conv4 embedding and nothing else.
	headed := learner.NewHeadNetParams(rand.New(rand.NewPCG(1, 1)), 5)
	if _, err := NewClassifier("protonet", headed, nil); err == nil || !strings.Contains(err.Error(), "other tensors") {
		t.Errorf("a Conv4 with a head as ProtoNet's: %v", err)
	}
	if _, err := NewClassifier("protonet", nn.NewConv4Params(rand.New(rand.NewPCG(1, 1))), nil); err != nil {
		t.Error(err)
	}
}

// The ProtoNet-initialised models kept beside the bundled ones are never
// called plainly FOMAML or Reptile: their files' metadata name them
// fo-Proto-MAML and Reptile from ProtoNet; the bundled from-scratch ones
// are FOMAML and Reptile.
func TestModelLabel(t *testing.T) {
	for file, want := range map[string]string{
		"fomaml.safetensors":        "FOMAML",
		"reptile.safetensors":       "Reptile",
		"fo-proto-maml.safetensors": "fo-Proto-MAML",
		"reptile-proto.safetensors": "Reptile from ProtoNet",
		"protonet.safetensors":      "ProtoNet",
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "assets", "models", file))
		if err != nil {
			t.Fatal(err)
		}
		_, meta, err := checkpoint.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if got := ModelLabel(meta["algo"], meta); got != want {
			t.Errorf("%s: %q, want %q", file, got, want)
		}
		if w := BundledWeights(meta["algo"], file, data, nil); !strings.HasPrefix(w.Note, "Trained "+want+" weights") {
			t.Errorf("%s: note %q", file, w.Note)
		}
	}
}
