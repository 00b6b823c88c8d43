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
	"metaglot/wasm/classify"
)

func TestTrainedNote(t *testing.T) {
	for _, tc := range []struct {
		meta map[string]string
		want string
	}{
		{nil, "Bundled ProtoNet weights."},
		{map[string]string{"episodes": "12"}, "Bundled ProtoNet weights, meta-trained on 12 episodes (practice tasks drawn from Omniglot's training alphabets)."},
		{map[string]string{"episodes": "4000", "config": `{"algo":"protonet","init":"p.safetensors (protonet, 10408 episodes, sha256 4013f8)"}`},
			"Bundled ProtoNet weights, meta-trained on 4\u202f000 episodes (practice tasks drawn from Omniglot's training alphabets), after 10\u202f408 in an earlier ProtoNet run."},
		{map[string]string{"episodes": "4000", "config": `{"init":"something else"}`}, "Bundled ProtoNet weights, meta-trained on 4\u202f000 episodes (practice tasks drawn from Omniglot's training alphabets)."},
		{map[string]string{"episodes": "4000", "config": `{`}, "Bundled ProtoNet weights, meta-trained on 4\u202f000 episodes (practice tasks drawn from Omniglot's training alphabets)."},
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
	if w.Err != nil || w.Note != "Bundled FOMAML weights, meta-trained on 300 episodes (practice tasks drawn from Omniglot's training alphabets)." {
		t.Fatalf("good FOMAML weights: %+v", w)
	}
	s := New(time.Now)
	s.SetWeights(BundledWeights(StartAlgorithm, "p.st", weightsFile(t, "protonet", "20"), nil))
	s.SetWeights(w)
	// The note of the algorithm in use, one line, not one per algorithm.
	if s.WeightsNote != "Bundled ProtoNet weights, meta-trained on 20 episodes (practice tasks drawn from Omniglot's training alphabets)." {
		t.Fatalf("notes: %q", s.WeightsNote)
	}
	s.SetAlgorithm("fomaml")
	if !strings.HasPrefix(s.WeightsNote, "Bundled FOMAML weights, meta-trained on 300 episodes") {
		t.Fatalf("FOMAML's note: %q", s.WeightsNote)
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
	if _, refused := s.Unavailable["reptile"]; refused || s.WeightsNote != "Your Reptile weights, trained in this page (40 episodes), kept in this browser: a reload keeps them until you go back to the bundled ones." {
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
		if w := BundledWeights(meta["algo"], file, data, nil); !strings.HasPrefix(w.Note, "Bundled "+want+" weights, meta-trained on ") {
			t.Errorf("%s: note %q", file, w.Note)
		}
	}
}

// Weights trained in the page survive a reload (a new State on the same
// storage) until discarded, which brings back the bundled ones, kept
// aside or fetched; stored weights that no longer read are left alone.
func TestTrainedKept(t *testing.T) {
	st := newStorage()
	s := New(time.Now)
	s.SetWeights(BundledWeights(StartAlgorithm, "p.st", weightsFile(t, "protonet", "20"), nil))
	s.UseTrained("protonet", weightsFile(t, "protonet", "12345"))
	s.UseTrained("fomaml", weightsFile(t, "fomaml", "40"))
	s.SaveTrained(st)
	if len(st.m) != 2 || st.m[TrainedKeyPrefix+"protonet"] == "" {
		t.Fatalf("stored keys %d", len(st.m))
	}

	// Reload: the classes' Load, then LoadTrained, then the bundled
	// ProtoNet arrives, which must not replace the visitor's.
	r := New(time.Now)
	r.LoadTrained(st)
	r.SetWeights(BundledWeights(StartAlgorithm, "p.st", weightsFile(t, "protonet", "20"), nil))
	if !r.Trained("protonet") || !r.Trained("fomaml") || r.Classifiers["fomaml"] == nil ||
		r.WeightsNote != "Your ProtoNet weights, trained in this page on an earlier visit (12\u202f345 episodes), kept in this browser: a reload keeps them until you go back to the bundled ones." {
		t.Fatalf("after a reload: %v %v, note %q", r.Trained("protonet"), r.Trained("fomaml"), r.WeightsNote)
	}
	if r.NeedWeights("fomaml") {
		t.Error("FOMAML's bundled weights fetched while the visitor's are in use")
	}
	// Back to the bundled ProtoNet: kept aside, no fetch.
	if r.DiscardTrained(st, "protonet") || r.Trained("protonet") || !strings.HasPrefix(r.WeightsNote, "Bundled ProtoNet weights") || !strings.HasPrefix(r.Message, "Back to the bundled ProtoNet") {
		t.Fatalf("discarded ProtoNet: note %q, message %q", r.WeightsNote, r.Message)
	}
	if _, isProto := r.Classifiers["protonet"].(*classify.ProtoNet); !isProto {
		t.Fatal("no ProtoNet after the discard")
	}
	// FOMAML's bundled weights were never loaded: to be fetched.
	if !r.DiscardTrained(st, "fomaml") || r.Classifiers["fomaml"] != nil {
		t.Fatal("discarded FOMAML: its bundled weights are not asked for")
	}
	again := New(time.Now)
	if again.LoadTrained(st); again.Trained("protonet") || again.Trained("fomaml") {
		t.Fatal("discarded weights came back on the next reload")
	}

	// Unreadable stored weights: left in storage, said, bundled in use.
	st.m[TrainedKeyPrefix+"reptile"] = `{"algo":"reptile","data":"bm9wZQ=="}`
	b := New(time.Now)
	b.LoadTrained(st)
	if b.Trained("reptile") || !strings.Contains(b.Message, "stored Reptile weights could not be used") || st.m[TrainedKeyPrefix+"reptile"] == "" {
		t.Fatalf("unreadable: %q", b.Message)
	}
	// A full storage: said, the weights stay in use.
	full := newStorage()
	full.full = true
	s.UseTrained("reptile", weightsFile(t, "reptile", "3"))
	s.SaveTrained(full)
	if !strings.HasPrefix(s.Message, "Could not keep your Reptile weights in this browser (QuotaExceededError)") || !s.Trained("reptile") {
		t.Fatalf("quota: %q", s.Message)
	}
}
