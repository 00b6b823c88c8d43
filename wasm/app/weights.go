package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strconv"

	"metaglot/core/algo"
	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/wasm/classify"
)

// TrainedNote describes bundled weights from their file's metadata for
// the page's footer, in plain words: "Bundled ProtoNet weights,
// meta-trained on 4 000 episodes (practice tasks drawn from Omniglot's
// training alphabets), after 10 408 in an earlier ProtoNet run." Missing or
// unreadable entries are left out.
func TrainedNote(label string, meta map[string]string) string {
	note := "Bundled " + label + " weights"
	if e, err := strconv.Atoi(meta["episodes"]); err == nil {
		note += ", meta-trained on " + thousands(e) + " episodes (practice tasks drawn from Omniglot's training alphabets)"
		var c modelfile.Config
		if json.Unmarshal([]byte(meta["config"]), &c) == nil && c.Init != "" {
			if in, err := modelfile.ParseInit(c.Init); err == nil {
				note += fmt.Sprintf(", after %s in an earlier %s run", thousands(in.Episodes), AlgorithmLabel(in.Algo))
			}
		}
	}
	return note + "." + netNote(meta)
}

// netNote says which network weights run when it is not the page's usual
// Conv4 (their config's net), as a sentence to end a note with; "" for
// Conv4 or a net the page does not know (such weights are refused).
func netNote(meta map[string]string) string {
	net, err := classify.NetOf(meta)
	if err != nil || net.Name == learner.Conv4.Name {
		return ""
	}
	return " Network: " + net.Name + " (3×3 convolutions of stride 2 without pooling, " + strconv.Itoa(net.Dim) + "-d embeddings)."
}

// thousands writes n with a narrow space between groups of three digits
// (10 408).
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "\u202f" + s[i:]
	}
	return s
}

// ModelLabel names the model of algorithm algo that a weights file's
// metadata describes: the algorithm's label ("FOMAML"), except for a
// model meta-trained from a ProtoNet, which adaptation barely changes and
// which is therefore never called plainly FOMAML or Reptile: FOMAML with
// the prototype head is "fo-Proto-MAML", and another model started from
// ProtoNet weights is "Reptile from ProtoNet" (its config's init names a
// protonet model).
func ModelLabel(name string, meta map[string]string) string {
	var c modelfile.Config
	if json.Unmarshal([]byte(meta["config"]), &c) != nil {
		return algo.ModelLabel(name, nil)
	}
	return algo.ModelLabel(name, &c)
}

// StartAlgorithm is the algorithm the page opens with; its bundled
// weights are fetched with the page, the others' when first chosen.
const StartAlgorithm = "protonet"

// NewClassifier returns the classifier of the registered algorithm name
// made of a weights file's tensors and metadata: fine-tuning by inner
// steps (classify.FineTuner) for an algorithm that adapts at test time
// (FOMAML, Reptile), else, for an embedding network alone (the tensors are
// Conv4's and nothing else), the nearest prototype of the embeddings
// (classify.ProtoNet) of the network the metadata's config names (its
// "net": Conv4, or conv4s2, which takes the same tensors). A trial forward
// pass checks the network's shapes and values. Weights of any other model,
// or of a network the page does not know, are refused in one line.
func NewClassifier(name string, set *tensor.Set, meta map[string]string) (Classifier, error) {
	spec, err := algo.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("the page cannot classify with %q", name)
	}
	if spec.Caps.Adapts {
		f, err := classify.NewFineTuner(name, set, meta)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	net, err := classify.NetOf(meta)
	if err != nil {
		return nil, fmt.Errorf("%s weights: %v", spec.Label, err)
	}
	if !slices.Equal(set.Names(), nn.Conv4Names()) {
		return nil, fmt.Errorf("the page classifies with %s embeddings, and these %s weights hold other tensors", net.Name, spec.Label)
	}
	emb := classify.NewBackbone(net, set)
	if _, err := emb.Embed(tensor.New(1, 1, nn.ImageSize, nn.ImageSize)); err != nil {
		return nil, err
	}
	return classify.NewProtoNet(emb), nil
}

// Weights is an algorithm's classifier made of its bundled weights, with
// the note that describes them, or the reason it has none (Err).
type Weights struct {
	Algo       string
	Classifier Classifier
	Note       string
	Err        error
}

// BundledWeights makes algo's classifier from its bundled weights file:
// data as fetched from path, or fetchErr if the fetch failed (a missing
// file matches fs.ErrNotExist). It touches no State (the page runs it on
// a goroutine). StartAlgorithm must classify from the first stroke, so
// without usable weights it gets a seeded random Conv4 and a Note that
// says so; another algorithm gets Err, the reason it is unavailable.
func BundledWeights(algo, path string, data []byte, fetchErr error) Weights {
	w := Weights{Algo: algo}
	var meta map[string]string
	err := fetchErr
	if errors.Is(err, fs.ErrNotExist) {
		err = fmt.Errorf("%s is not in this build", path)
	}
	if err == nil {
		var set *tensor.Set
		if set, meta, err = checkpoint.Decode(data); err != nil {
			err = fmt.Errorf("%s: %v", path, err)
		} else if w.Classifier, err = NewClassifier(algo, set, meta); err != nil && algo == StartAlgorithm {
			err = fmt.Errorf("%s: %v", path, err)
		}
	}
	switch {
	case err == nil:
		w.Note = TrainedNote(ModelLabel(algo, meta), meta)
		if p, ok := w.Classifier.(*classify.ProtoNet); ok && algo == StartAlgorithm {
			// Measured with these very weights (TestOmniglotReference).
			p.Reference = classify.OmniglotReference
		}
	case algo == StartAlgorithm:
		w.Classifier = classify.NewProtoNet(classify.NewConv4(nn.NewConv4Params(rand.New(rand.NewPCG(1, 2)))))
		w.Note = "Untrained " + AlgorithmLabel(algo) + " weights (a seeded random Conv4): " + err.Error() + " yet. Classification works, but less well than with trained weights."
	default:
		w.Classifier, w.Err = nil, err
	}
	return w
}

// NeedWeights reports whether the page should fetch algo's bundled
// weights now: they are not here, not refused and not on their way. It
// then counts them as on their way.
func (s *State) NeedWeights(algo string) bool {
	_, have := s.Classifiers[algo]
	_, refused := s.Unavailable[algo]
	if have || refused || s.loading[algo] {
		return false
	}
	if s.loading == nil {
		s.loading = map[string]bool{}
	}
	s.loading[algo] = true
	return true
}

// SetWeights puts the bundled weights w in place, or records why their
// algorithm is unavailable, and classifies again. While weights trained in
// the page are in use for the algorithm (UseTrained, LoadTrained), w is
// kept aside for DiscardTrained.
func (s *State) SetWeights(w Weights) {
	delete(s.loading, w.Algo)
	if w.Err != nil {
		s.Unavailable[w.Algo] = w.Err.Error()
	} else if s.trained[w.Algo] != nil {
		s.bundled[w.Algo] = w
	} else {
		s.bundled[w.Algo] = w
		s.Classifiers[w.Algo] = w.Classifier
		delete(s.Unavailable, w.Algo)
		s.notes[w.Algo] = w.Note
	}
	s.showNote()
	s.reclassify()
}

// showNote sets WeightsNote to the note of the algorithm in use.
func (s *State) showNote() {
	if note, ok := s.wideNote(); ok {
		s.WeightsNote = note
		return
	}
	s.WeightsNote = s.notes[s.Algorithm]
}

// UseTrained makes Draw & classify classify with algo's weights file data,
// trained or loaded in the Train view, and selects algo. The weights are
// kept in the browser by the next SaveTrained, so that a reload keeps
// them, until DiscardTrained. It returns the message for the Train view:
// what now classifies, or why the weights cannot (the classifiers stay as
// they were).
func (s *State) UseTrained(algo string, data []byte) string {
	label, err := s.useTrained(algo, data)
	if err != nil {
		return "Could not use the weights: " + err.Error()
	}
	s.unsaved[algo] = true
	s.notes[algo] = trainedNote(label, s.trained[algo].meta, false)
	s.SetAlgorithm(algo)
	s.showNote()
	return "Draw & classify now uses these " + label + " weights."
}

func (s *State) useTrained(algo string, data []byte) (label string, err error) {
	set, meta, err := checkpoint.Decode(data)
	var c Classifier
	if err == nil {
		c, err = NewClassifier(algo, set, meta)
	}
	if err != nil {
		return "", err
	}
	s.Classifiers[algo] = c
	delete(s.Unavailable, algo)
	s.trained[algo] = &trainedWeights{data: data, meta: meta}
	return ModelLabel(algo, meta), nil
}

// trainedNote says in plain words that the weights are the visitor's.
func trainedNote(label string, meta map[string]string, restored bool) string {
	e := meta["episodes"]
	if n, err := strconv.Atoi(e); err == nil {
		e = thousands(n)
	}
	when := "trained in this page"
	if restored {
		when = "trained in this page on an earlier visit"
	}
	return fmt.Sprintf("Your %s weights, %s (%s episodes), kept in this browser: a reload keeps them until you go back to the bundled ones.", label, when, e) + netNote(meta)
}
