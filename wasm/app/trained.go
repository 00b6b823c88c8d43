package app

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"metaglot/core/algo"
)

// TrainedKeyPrefix starts the localStorage keys that keep weights trained
// in the page, one per algorithm: "metaglot.weights.v1.protonet".
const TrainedKeyPrefix = "metaglot.weights.v1."

// trainedWeights are weights trained (or loaded) in the Train view and in
// use in Draw & classify: the file's bytes and metadata.
type trainedWeights struct {
	data []byte
	meta map[string]string
}

// storedWeights is what a TrainedKeyPrefix key holds.
type storedWeights struct {
	Algo string `json:"algo"`
	Data string `json:"data"` // the safetensors file, base64
}

// Trained reports whether algo classifies with weights trained in the
// page, which DiscardTrained can drop.
func (s *State) Trained(algo string) bool { return s.trained[algo] != nil }

// SaveTrained stores the weights UseTrained put in use since the last
// call (about 0.6 MB of text each). A failure (quota, storage refused)
// is said in Message; the weights stay in use until the page is closed.
func (s *State) SaveTrained(st Storage) {
	for a := range s.unsaved {
		delete(s.unsaved, a)
		t := s.trained[a]
		if t == nil {
			continue
		}
		doc, _ := json.Marshal(storedWeights{Algo: a, Data: base64.StdEncoding.EncodeToString(t.data)})
		if err := st.Set(TrainedKeyPrefix+a, string(doc)); err != nil {
			s.Message = fmt.Sprintf("Could not keep your %s weights in this browser (%v): they are used until you close the page; download them in the Train view to keep them.", AlgorithmLabel(a), err)
		}
	}
}

// LoadTrained puts back the weights trained in the page on an earlier
// visit, for every registered algorithm that has them in st. Weights that
// no longer decode or classify are left in storage untouched and Message
// says so; the bundled ones are used instead.
func (s *State) LoadTrained(st Storage) {
	for _, a := range algo.Names() {
		text, ok := st.Get(TrainedKeyPrefix + a)
		if !ok || text == "" {
			continue
		}
		var doc storedWeights
		err := json.Unmarshal([]byte(text), &doc)
		var data []byte
		if err == nil {
			data, err = base64.StdEncoding.DecodeString(doc.Data)
		}
		label := ""
		if err == nil {
			label, err = s.useTrained(a, data)
		}
		if err != nil {
			s.Message = fmt.Sprintf("Your stored %s weights could not be used (%v); the bundled ones are used, and the stored ones are left under the key %s.", AlgorithmLabel(a), err, TrainedKeyPrefix+a)
			continue
		}
		s.notes[a] = trainedNote(label, s.trained[a].meta, true)
	}
	s.showNote()
}

// DiscardTrained drops the weights trained in the page for algo, from use
// and from st, and goes back to the bundled ones. It reports whether the
// page must fetch them (they were never loaded: NeedWeights is then
// true).
func (s *State) DiscardTrained(st Storage, algo string) (fetch bool) {
	if s.trained[algo] == nil {
		return false
	}
	delete(s.trained, algo)
	delete(s.unsaved, algo)
	if err := st.Set(TrainedKeyPrefix+algo, ""); err != nil {
		s.Message = fmt.Sprintf("Could not remove your %s weights from this browser (%v).", AlgorithmLabel(algo), err)
	} else {
		s.Message = "Back to the bundled " + AlgorithmLabel(algo) + " weights; yours are no longer kept in this browser."
	}
	delete(s.Classifiers, algo)
	delete(s.notes, algo)
	if w, ok := s.bundled[algo]; ok {
		s.SetWeights(w)
		return false
	}
	s.showNote()
	s.reclassify()
	return s.NeedWeights(algo)
}
